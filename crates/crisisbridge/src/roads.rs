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
    #[arg(long, allow_hyphen_values = true)]
    from: String,
    /// CSV of lat,lon rows (a header line `lat,lon` or `lon,lat` sets the order): where the
    /// trips end.
    #[arg(long)]
    to: PathBuf,
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

pub(crate) fn run_eta(args: EtaArgs) -> anyhow::Result<()> {
    let from = parse_point(&args.from).with_context(|| format!("--from {:?}", args.from))?;
    let file =
        std::fs::File::open(&args.to).with_context(|| format!("reading {}", args.to.display()))?;
    let mut rows = Vec::new();
    crate::points::read(
        std::io::BufReader::new(file),
        crate::points::Order::LatLon,
        |_, lat, lon| {
            rows.push(GeoPoint::parse(lat, lon)?);
            Ok(())
        },
    )
    .with_context(|| args.to.display().to_string())?;
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
        bail!("--from {}: no road within {} m of the origin", args.from, args.max_snap_m);
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
fn load_graph(path: &Path) -> anyhow::Result<Graph> {
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
    let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let mut stem = name.as_str();
    while let Some(shorter) = [".gz", ".bz2", ".pbf", ".osm", ".xml", ".csv"]
        .iter()
        .find_map(|ext| stem.strip_suffix(ext).filter(|s| !s.is_empty()))
    {
        stem = shorter;
    }
    file.with_file_name(format!("{stem}.graph"))
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
