//! The road network commands:
//!
//! - `import roads FILE [--out GRAPH]`: an OSM PBF, OSM XML or CSV edge list (each optionally
//!   `.gz`/`.bz2`) into a graph file the server loads. The default output is FILE with its
//!   road-file extensions (`.osm.pbf`, `.osm.bz2`, `.csv.gz`, …) replaced by `.graph`; beside
//!   it, the same name with `.streets`: the roads as drawn and named, for the console's map
//!   and for describing places in words.
//! - `eta [--roads FILE] --from LAT,LON --to FILE.csv`: travel times from one point to each
//!   `lat,lon` row (a header line `lat,lon` or `lon,lat` sets the order), printed as CSV `idx,seconds`; `seconds` is
//!   empty when the row's point is more than `--max-snap-m` from any road. `--roads` takes a
//!   graph file or any importable road file; without it every time is the straight-line
//!   estimate (`roads::fallback_seconds`), and stderr says so.
//! - `eta --roads FILE --matrix FROM.csv TO.csv`: every origin to every destination (the
//!   bucket-based many-to-many of `roads::Query::matrix`), one CSV row per origin,
//!   `from,0,1,…` then `i,seconds,…` (empty: no road within `--max-snap-m`).
//! - `roads export GRAPH [--csv] [--out FILE]`: every arc as
//!   `from_lat,from_lon,to_lat,to_lon,seconds,metres`, so other tools can check our times;
//!   the output imports back into the same graph.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use domain::GeoPoint;
use indicatif::{ProgressBar, ProgressStyle};
use roads::import::{Compression, Format, ImportReport, SourceReport};
use roads::{Graph, Query, Stage};

#[derive(Debug, clap::Args)]
pub(crate) struct ImportRoadsArgs {
    /// Road file: OSM PBF, OSM XML or a CSV edge list, each optionally .gz or .bz2.
    file: PathBuf,
    /// Graph file to write (default: FILE with its extensions replaced by .graph).
    #[arg(long)]
    out: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub(crate) struct EtaArgs {
    /// Road network: a graph file, or any file `import roads` reads. Without it, straight-line
    /// estimates.
    #[arg(long)]
    roads: Option<PathBuf>,
    /// Where the trips start, as LAT,LON in degrees.
    #[arg(long, allow_hyphen_values = true, required_unless_present = "matrix")]
    from: Option<String>,
    /// CSV of lat,lon rows (a header line `lat,lon` or `lon,lat` sets the order): where the
    /// trips end.
    #[arg(long, required_unless_present = "matrix")]
    to: Option<PathBuf>,
    /// A whole matrix: every point of FROM.csv to every point of TO.csv (both lat,lon rows as
    /// for --to), printed as CSV with a row per origin: `from,0,1,…` then `i,seconds,…`.
    #[arg(long, num_args = 2, value_names = ["FROM", "TO"], conflicts_with_all = ["from", "to"])]
    matrix: Option<Vec<PathBuf>>,
    /// Points farther than this from every road get no travel time.
    #[arg(long, default_value_t = 1000.0)]
    max_snap_m: f64,
}

#[derive(Debug, clap::Subcommand)]
pub(crate) enum RoadsCommand {
    /// Write every arc of a graph as CSV: from_lat,from_lon,to_lat,to_lon,seconds,metres.
    Export {
        /// A graph file (or any road file, imported first).
        graph: PathBuf,
        /// CSV, the one export format (accepted, and the default).
        #[arg(long)]
        csv: bool,
        /// Output file (default: standard output).
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

pub(crate) fn run_import(args: ImportRoadsArgs) -> anyhow::Result<()> {
    let out = match args.out {
        Some(out) => out,
        None => default_graph_path(&args.file),
    };
    if streets_path(&out) == out {
        bail!(
            "--out {}: the streets file is written beside the graph with the extension .streets; give the graph another extension (e.g. .graph)",
            out.display()
        );
    }
    let bytes = read(&args.file)?;
    let imported = import_with_bar(&args.file, &bytes)?;
    let file = imported.graph.to_bytes();
    std::fs::write(&out, &file).with_context(|| format!("writing {}", out.display()))?;
    println!("{}", describe(&args.file, &imported.report));
    println!("wrote {} ({} bytes)", out.display(), file.len());
    let map = streets::StreetMap::new(imported.lines)
        .with_attribution(attribution(imported.report.format).map(str::to_owned));
    let streets_out = streets_path(&out);
    let file = streets::file::streets_to_bytes(&map);
    std::fs::write(&streets_out, &file)
        .with_context(|| format!("writing {}", streets_out.display()))?;
    println!(
        "wrote {} ({} lines, {} street names, {} bytes): the streets the console draws and names",
        streets_out.display(),
        map.line_count(),
        map.name_count(),
        file.len()
    );
    Ok(())
}

/// The `lat,lon` rows of a points file.
fn read_points(path: &Path) -> anyhow::Result<Vec<GeoPoint>> {
    let file = std::fs::File::open(path).with_context(|| format!("reading {}", path.display()))?;
    let mut rows = Vec::new();
    crate::points::read(
        std::io::BufReader::new(file),
        crate::points::Order::LatLon,
        |_, lat, lon| {
            rows.push(GeoPoint::parse(lat, lon)?);
            Ok(())
        },
    )
    .with_context(|| path.display().to_string())?;
    Ok(rows)
}

/// `eta --matrix FROM TO`: every origin to every destination, one CSV row per origin.
fn run_matrix(args: &EtaArgs, from: &Path, to: &Path) -> anyhow::Result<()> {
    let (origins, destinations) = (read_points(from)?, read_points(to)?);
    let Some(roads_file) = &args.roads else {
        bail!("--matrix needs a road network: give --roads");
    };
    let graph = load_graph(roads_file)?;
    let snap_all = |points: &[GeoPoint], what: &Path| -> anyhow::Result<Vec<Option<roads::Snap>>> {
        Ok(points
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let snap = graph.snap(*p, args.max_snap_m);
                if snap.is_none() {
                    eprintln!(
                        "note: {} row {i}: no road within {} m",
                        what.display(),
                        args.max_snap_m
                    );
                }
                snap
            })
            .collect())
    };
    let (from_snaps, to_snaps) = (snap_all(&origins, from)?, snap_all(&destinations, to)?);
    let from_kept: Vec<roads::Snap> = from_snaps.iter().flatten().copied().collect();
    let to_kept: Vec<roads::Snap> = to_snaps.iter().flatten().copied().collect();
    let started = std::time::Instant::now();
    let mut cells = Vec::new();
    Query::new().matrix(&graph, &from_kept, &to_kept, &mut cells);
    eprintln!(
        "note: {} × {} matrix in {:.3} s",
        from_kept.len(),
        to_kept.len(),
        started.elapsed().as_secs_f64()
    );
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    write!(out, "from")?;
    for j in 0..destinations.len() {
        write!(out, ",{j}")?;
    }
    writeln!(out)?;
    let mut kept_row = 0;
    for (i, origin) in from_snaps.iter().enumerate() {
        write!(out, "{i}")?;
        let mut kept_column = 0;
        for destination in &to_snaps {
            let cell = match (origin, destination) {
                (Some(_), Some(_)) => {
                    let cell = cells.get(kept_row * to_kept.len() + kept_column).copied().flatten();
                    kept_column += 1;
                    cell
                }
                (None, Some(_)) => {
                    kept_column += 1;
                    None
                }
                _ => None,
            };
            match cell {
                Some(t) => write!(out, ",{t}")?,
                None => write!(out, ",")?,
            }
        }
        writeln!(out)?;
        kept_row += usize::from(origin.is_some());
    }
    match out.flush() {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

pub(crate) fn run_eta(args: EtaArgs) -> anyhow::Result<()> {
    if let Some([from, to]) = args.matrix.as_deref() {
        return run_matrix(&args, from, to);
    }
    let (Some(from_text), Some(to_path)) = (args.from.as_deref(), args.to.as_deref()) else {
        bail!("give --from and --to, or --matrix FROM.csv TO.csv");
    };
    let from = parse_point(from_text).with_context(|| format!("--from {from_text:?}"))?;
    let rows = read_points(to_path)?;
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    writeln!(out, "idx,seconds")?;
    let Some(roads_file) = args.roads else {
        eprintln!(
            "note: no road network given (--roads): every time is the straight-line estimate, distance × {} at {} km/h",
            roads::DETOUR_FACTOR,
            roads::FALLBACK_KMH
        );
        for (i, to) in rows.iter().enumerate() {
            writeln!(out, "{i},{:.3}", roads::fallback_seconds(from, *to))?;
        }
        return Ok(out.flush()?);
    };
    let graph = load_graph(&roads_file)?;
    let Some(origin) = graph.snap(from, args.max_snap_m) else {
        bail!("--from {from_text}: no road within {} m of the origin", args.max_snap_m);
    };
    let mut snapped = Vec::new();
    let mut index = Vec::new();
    for (i, to) in rows.iter().enumerate() {
        match graph.snap(*to, args.max_snap_m) {
            Some(snap) => {
                index.push(i);
                snapped.push(snap);
            }
            None => eprintln!("note: row {i}: no road within {} m", args.max_snap_m),
        }
    }
    let mut times = Vec::new();
    Query::new().snapped_times_from(&graph, &origin, &snapped, &mut times);
    let mut seconds = vec![None; rows.len()];
    for (i, time) in index.into_iter().zip(times) {
        if let Some(slot) = seconds.get_mut(i) {
            *slot = time;
        }
    }
    for (i, time) in seconds.iter().enumerate() {
        match time {
            Some(t) => writeln!(out, "{i},{t}")?,
            None => writeln!(out, "{i},")?,
        }
    }
    Ok(out.flush()?)
}

pub(crate) fn run(command: RoadsCommand) -> anyhow::Result<()> {
    match command {
        RoadsCommand::Export { graph, csv: _, out } => {
            let graph = load_graph(&graph)?;
            let sink: Box<dyn Write> = match &out {
                Some(path) => Box::new(
                    std::fs::File::create(path)
                        .with_context(|| format!("creating {}", path.display()))?,
                ),
                None => Box::new(std::io::stdout().lock()),
            };
            let mut w = BufWriter::new(sink);
            match export_csv(&graph, &mut w).and_then(|()| w.flush()) {
                // A reader such as `head` that stops early is not an error of ours.
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                other => Ok(other?),
            }
        }
    }
}

/// Every arc as `from_lat,from_lon,to_lat,to_lon,seconds,metres`, positions and times exact.
fn export_csv(graph: &Graph, w: &mut impl Write) -> std::io::Result<()> {
    writeln!(w, "from_lat,from_lon,to_lat,to_lon,seconds,metres")?;
    for arc in graph.arcs() {
        let (Some((lat1, lon1)), Some((lat2, lon2))) =
            (graph.position(arc.from), graph.position(arc.to))
        else {
            continue;
        };
        let cm = arc.centimetres;
        writeln!(
            w,
            "{lat1:.7},{lon1:.7},{lat2:.7},{lon2:.7},{},{}.{:02}",
            arc.time,
            cm / 100,
            cm % 100
        )?;
    }
    Ok(())
}

/// Reads a graph file, or imports any other road file (with a progress bar).
pub(crate) fn load_graph(path: &Path) -> anyhow::Result<Graph> {
    let bytes = read(path)?;
    if roads::is_graph_file(&bytes) {
        return Graph::from_bytes(&bytes).with_context(|| format!("loading {}", path.display()));
    }
    Ok(import_with_bar(path, &bytes)?.graph)
}

/// Whom a map drawn from a road file of this format must credit: OpenStreetMap's data is
/// under the Open Database Licence, which asks for it wherever the data is shown.
pub(crate) fn attribution(format: Format) -> Option<&'static str> {
    match format {
        Format::OsmPbf | Format::OsmXml => Some("© OpenStreetMap contributors, ODbL"),
        Format::EdgeCsv => None,
    }
}

/// The streets file beside a graph file: its extension replaced by `.streets`.
pub(crate) fn streets_path(graph: &Path) -> PathBuf {
    graph.with_extension("streets")
}

fn import_with_bar(path: &Path, bytes: &[u8]) -> anyhow::Result<roads::import::Imported> {
    let bar = ProgressBar::new(bytes.len() as u64).with_style(style("reading   ", "bytes"));
    let mut stage = Stage::Reading;
    let result = roads::import::import_with_lines(bytes, &mut |now, done, total| {
        if now != stage {
            stage = now;
            bar.set_style(style("contracting", "nodes"));
            bar.set_length(total);
        }
        bar.set_position(done);
    });
    bar.finish_and_clear();
    result.with_context(|| format!("importing {}", path.display()))
}

fn style(stage: &str, unit: &str) -> ProgressStyle {
    ProgressStyle::with_template(&format!("{stage} [{{bar:40}}] {{pos}}/{{len}} {unit}"))
        .unwrap_or_else(|_| ProgressStyle::default_bar())
}

fn describe(path: &Path, report: &ImportReport) -> String {
    let b = &report.build;
    let source = match &report.source {
        SourceReport::Osm(osm) => {
            let mut s = format!(
                "{} ways, {} with a highway tag, {} drivable",
                osm.ways_read, osm.highway_ways, osm.drivable_ways
            );
            if osm.missing_nodes > 0 {
                s += &format!(
                    "; {} way nodes missing from the file (ways split there)",
                    osm.missing_nodes
                );
            }
            if osm.model.unreadable_maxspeed > 0 {
                s += &format!(
                    "; maxspeed unreadable on {} ways ({}), class speed used",
                    osm.model.unreadable_maxspeed,
                    osm.model.unreadable_maxspeed_values.join(", ")
                );
            }
            s
        }
        SourceReport::Csv(csv) => format!("{} rows", csv.rows),
    };
    format!(
        "imported {} ({}{}): {source}\n{} nodes and {} arcs kept; {} nodes and {} arcs outside the largest strongly connected part dropped; {} parallel arcs merged; {} shortcuts",
        path.display(),
        match report.format {
            Format::OsmPbf => "OSM PBF",
            Format::OsmXml => "OSM XML",
            Format::EdgeCsv => "CSV edge list",
        },
        match report.compression {
            Compression::None => "",
            Compression::Gzip => ", gzip",
            Compression::Bzip2 => ", bzip2",
        },
        b.nodes,
        b.arcs,
        b.nodes_dropped,
        b.arcs_dropped,
        b.parallel_arcs,
        b.shortcuts
    )
}

/// `LAT,LON` in degrees (further columns are ignored).
fn parse_point(text: &str) -> anyhow::Result<GeoPoint> {
    let mut fields = text.split(',').map(str::trim);
    let (Some(lat), Some(lon)) = (fields.next(), fields.next()) else {
        bail!("{text:?} is not LAT,LON");
    };
    let lat: f64 = lat.parse().with_context(|| format!("latitude {lat:?} is not a number"))?;
    let lon: f64 = lon.parse().with_context(|| format!("longitude {lon:?} is not a number"))?;
    Ok(GeoPoint::parse(lat, lon)?)
}

/// FILE with its road-file extensions replaced by `.graph`.
fn default_graph_path(file: &Path) -> PathBuf {
    with_extensions_replaced(file, &[".gz", ".bz2", ".pbf", ".osm", ".xml", ".csv"], "graph")
}

/// `file` with every trailing extension of `known` taken off (`x.osm.pbf` → `x`) and
/// `.extension` put on: the default name of a file a command writes from another.
pub(crate) fn with_extensions_replaced(file: &Path, known: &[&str], extension: &str) -> PathBuf {
    let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let mut stem = name.as_str();
    while let Some(shorter) =
        known.iter().find_map(|ext| stem.strip_suffix(ext).filter(|s| !s.is_empty()))
    {
        stem = shorter;
    }
    file.with_file_name(format!("{stem}.{extension}"))
}

fn read(path: &Path) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("reading {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_graph_names() {
        let cases = [
            ("data/Helsinki.osm.pbf", "data/Helsinki.graph"),
            ("West-Oakland.osm.bz2", "West-Oakland.graph"),
            ("edges.csv.gz", "edges.graph"),
            ("roads", "roads.graph"),
        ];
        for (file, want) in cases {
            assert_eq!(default_graph_path(Path::new(file)), PathBuf::from(want));
        }
    }
}
