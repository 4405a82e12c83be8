//! `crisisbridge route`: which areas contain each point — for analysts assigning a CAD export
//! to jurisdictions, and for checking lookups against other tools.
//!
//! `--areas FILE` is GeoJSON, TopoJSON or an ESRI Shapefile (`.shp`, whose sibling `.dbf`
//! holds the attributes), each optionally gzip-compressed (`.gz`) — or an area index file that
//! `crisisbridge import area-index` wrote, recognised by its contents, which loads in
//! milliseconds instead of being built again. `--points FILE.csv` holds `lon,lat` rows (a
//! header line `lat,lon` or `lon,lat` sets the order); the output is CSV `idx,area_ids`, where
//! `idx` counts data rows from 0 and `area_ids` is every containing area's id joined by `;`
//! (empty when none). `--lat Y --lon X` routes one point.
//!
//! A points file is cut at line starts into a piece per core; the pieces are read and looked up
//! side by side and the rows come out in the file's order.

use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use indicatif::{ProgressBar, ProgressStyle};
use jurisdiction::{Area, AreaIndex};

#[derive(Debug, clap::Args)]
pub struct RouteArgs {
    /// Boundary file (GeoJSON, TopoJSON or .shp, each optionally .gz), or an area index file.
    #[arg(long)]
    areas: PathBuf,
    /// CSV of lon,lat rows (a header line `lat,lon` or `lon,lat` sets the order).
    #[arg(long, conflicts_with_all = ["lat", "lon"], required_unless_present_all = ["lat", "lon"])]
    points: Option<PathBuf>,
    /// Latitude of one point to route (with --lon), in degrees north.
    #[arg(long, requires = "lon", allow_negative_numbers = true)]
    lat: Option<f64>,
    /// Longitude of one point to route (with --lat), in degrees east.
    #[arg(long, requires = "lat", allow_negative_numbers = true)]
    lon: Option<f64>,
    /// The attribute used as area id (else the feature's id); not for an index file, which
    /// keeps the ids it was built with.
    #[arg(long, default_value = "GEOID")]
    id_field: String,
}

#[derive(Debug, clap::Args)]
pub(crate) struct AreaIndexArgs {
    /// Boundary file: GeoJSON, TopoJSON or .shp (each optionally .gz).
    file: PathBuf,
    /// Index file to write (default: FILE with its extensions replaced by .areaindex).
    #[arg(long)]
    out: Option<PathBuf>,
    /// The attribute used as area id (else the feature's id).
    #[arg(long, default_value = "GEOID")]
    id_field: String,
}

pub fn run(args: RouteArgs) -> anyhow::Result<()> {
    let index = load_index(&args.areas, &args.id_field)?;
    let stdout = std::io::stdout();
    if let (Some(lat), Some(lon)) = (args.lat, args.lon) {
        check_point(lon, lat).map_err(anyhow::Error::msg)?;
        let ids = Ids::new(&index);
        let mut out = BufWriter::new(stdout.lock());
        out.write_all(b"idx,area_ids\n")?;
        ids.write_row(&mut out, 0, &index.lookup([lon, lat]))?;
        return Ok(out.flush()?);
    }
    let Some(points) = args.points else { bail!("give --points FILE.csv, or --lat and --lon") };
    route_file(&index, &points).with_context(|| points.display().to_string())
}

/// Routes every point of a CSV file to standard output, a block of the file at a time: each
/// block is cut at line starts into one piece per core, the pieces read and looked up side by
/// side, and the answers written in the file's order. A file holding a quote is read on one
/// thread ([`route_serially`]).
fn route_file(index: &AreaIndex, points: &Path) -> anyhow::Result<()> {
    let text = std::fs::read(points).context("reading")?;
    let threads = std::thread::available_parallelism().map_or(1, usize::from).clamp(1, 16);
    let (named, first_row_end) = crate::points::header_order(&text);
    let order = named.unwrap_or(crate::points::Order::LonLat);
    let bar = ProgressBar::new_spinner().with_style(
        ProgressStyle::with_template("routing {spinner} {human_pos} points, {per_sec}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    let ids = Ids::new(index);
    let mut out = BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    out.write_all(b"idx,area_ids\n")?;
    if text.contains(&b'"') {
        route_serially(index, &ids, &text, order, &mut out)?;
        bar.finish_and_clear();
        return Ok(out.flush()?);
    }
    let mut idx = 0u64;
    let mut line = 1u64;
    let mut at = 0usize;
    while at < text.len() {
        let end = crate::points::line_start_after(&text, at + BLOCK_BYTES).max(first_row_end);
        let block = text.get(at..end).unwrap_or_default();
        // The first row (a header, maybe, after blank lines) stays in the first piece, the only
        // one read as the start of the file.
        let pieces = if at == 0 {
            let (head, rest) = block.split_at(first_row_end.min(block.len()));
            std::iter::once(head).chain(cut(rest, threads)).filter(|p| !p.is_empty()).collect()
        } else {
            cut(block, threads)
        };
        // Read every piece on its own thread.
        let mut starts = Vec::with_capacity(pieces.len());
        let mut piece_line = line;
        for piece in &pieces {
            starts.push(piece_line);
            piece_line += piece.iter().filter(|b| **b == b'\n').count() as u64;
        }
        let read: Vec<anyhow::Result<Vec<[f64; 2]>>> = std::thread::scope(|scope| {
            let handles: Vec<_> = pieces
                .iter()
                .zip(&starts)
                .enumerate()
                .map(|(k, (piece, first_line))| {
                    let may_have_header = at == 0 && k == 0;
                    scope.spawn(move || {
                        let mut found = Vec::new();
                        crate::points::read_slice(
                            piece,
                            order,
                            *first_line,
                            may_have_header,
                            |_, lat, lon| {
                                found.push([lon, lat]);
                                Ok(())
                            },
                        )
                        .map(|()| found)
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join().unwrap_or_else(|_| Err(anyhow::anyhow!("a reading thread failed")))
                })
                .collect()
        });
        let read = read.into_iter().collect::<anyhow::Result<Vec<_>>>()?;
        // Look up and format every piece on its own thread, each from its first row's number.
        let mut first_idx = Vec::with_capacity(read.len());
        for found in &read {
            first_idx.push(idx);
            idx += found.len() as u64;
        }
        let written: Vec<std::io::Result<Vec<u8>>> = std::thread::scope(|scope| {
            let handles: Vec<_> = read
                .iter()
                .zip(&first_idx)
                .map(|(found, first)| {
                    let ids = &ids;
                    scope.spawn(move || {
                        let mut rows = Vec::with_capacity(found.len() * 12);
                        let mut failed = Ok(());
                        index.lookup_batch(found, |i, areas| {
                            if failed.is_ok() {
                                failed = ids.write_row(&mut rows, first + i as u64, areas);
                            }
                        });
                        failed.map(|()| rows)
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|_| Err(std::io::Error::other("a lookup thread failed")))
                })
                .collect()
        });
        for rows in written {
            out.write_all(&rows?)?;
        }
        bar.set_position(idx);
        line = piece_line;
        at = end;
    }
    bar.finish_and_clear();
    Ok(out.flush()?)
}

/// Routes a file holding a quote on this thread (a quoted field may hold a line end, so the
/// file cannot be cut at just any line end), looking up and writing a batch at a time.
fn route_serially(
    index: &AreaIndex,
    ids: &Ids,
    text: &[u8],
    order: crate::points::Order,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    const BATCH: usize = 1 << 16;
    let mut batch = Vec::with_capacity(BATCH);
    let mut idx = 0u64;
    let mut flush = |batch: &mut Vec<[f64; 2]>, out: &mut dyn Write| -> std::io::Result<()> {
        let mut failed = Ok(());
        index.lookup_batch(batch, |i, areas| {
            if failed.is_ok() {
                failed = ids.write_row(out, idx + i as u64, areas);
            }
        });
        idx += batch.len() as u64;
        batch.clear();
        failed
    };
    crate::points::read_slice(text, order, 1, true, |_, lat, lon| {
        batch.push([lon, lat]);
        if batch.len() == BATCH {
            flush(&mut batch, out)?;
        }
        Ok(())
    })?;
    Ok(flush(&mut batch, out)?)
}

/// Bytes of the file handled at a time, so the points and answers in memory stay bounded.
const BLOCK_BYTES: usize = 64 << 20;

/// `block` cut at line starts into about `parts` pieces.
fn cut(block: &[u8], parts: usize) -> Vec<&[u8]> {
    let mut pieces = Vec::with_capacity(parts);
    let mut start = 0;
    for k in 1..=parts {
        let end = if k == parts {
            block.len()
        } else {
            crate::points::line_start_after(block, block.len() * k / parts).max(start)
        };
        if end > start {
            pieces.push(block.get(start..end).unwrap_or_default());
        }
        start = end;
    }
    pieces
}

/// The areas' ids as they go into a CSV field.
struct Ids {
    ids: Vec<String>,
    /// Whether an id holds a character that makes its field need quotes.
    needs_quotes: Vec<bool>,
}

impl Ids {
    fn new(index: &AreaIndex) -> Self {
        let ids: Vec<String> =
            (0..index.len()).map(|i| index.id(i).unwrap_or_default().to_owned()).collect();
        let needs_quotes = ids.iter().map(|id| id.contains([',', '"', '\r', '\n'])).collect();
        Self { ids, needs_quotes }
    }

    /// One `idx,area_ids` row; a field holding a comma, quote or line end is quoted, as the
    /// `csv` crate would.
    fn write_row(
        &self,
        out: &mut (impl Write + ?Sized),
        idx: u64,
        found: &[usize],
    ) -> std::io::Result<()> {
        write!(out, "{idx},")?;
        let id = |i: &usize| self.ids.get(*i).map_or("", String::as_str);
        if found.iter().any(|i| self.needs_quotes.get(*i).copied().unwrap_or(false)) {
            let joined = found.iter().map(id).collect::<Vec<_>>().join(";");
            write!(out, "\"{}\"", joined.replace('"', "\"\""))?;
        } else {
            for (k, i) in found.iter().enumerate() {
                if k > 0 {
                    out.write_all(b";")?;
                }
                out.write_all(id(i).as_bytes())?;
            }
        }
        out.write_all(b"\n")
    }
}

fn check_point(lon: f64, lat: f64) -> Result<(), String> {
    domain::GeoPoint::parse(lat, lon).map(|_| ()).map_err(|e| e.to_string())
}

/// The index of `path`: read from an index file, or built from a boundary file (with a hint
/// on standard error that an index file would spare the build).
fn load_index(path: &Path, id_field: &str) -> anyhow::Result<AreaIndex> {
    let mut file =
        std::fs::File::open(path).with_context(|| format!("reading {}", path.display()))?;
    let mut head = [0u8; 8];
    let read = file.read(&mut head).with_context(|| format!("reading {}", path.display()))?;
    if jurisdiction::is_index_file(head.get(..read).unwrap_or_default()) {
        file.seek(SeekFrom::Start(0))?;
        return AreaIndex::read_from(std::io::BufReader::with_capacity(1 << 16, file))
            .with_context(|| path.display().to_string());
    }
    drop(file);
    let areas = load_areas(path, id_field)?;
    let index = build_with_spinner(&areas);
    if areas.iter().map(Area::vertex_count).sum::<usize>() > 100_000 {
        eprintln!(
            "note: building the index took most of this run; `crisisbridge import area-index {}` saves it once for every later run",
            path.display()
        );
    }
    Ok(index)
}

fn build_with_spinner(areas: &[Area]) -> AreaIndex {
    let spinner =
        ProgressBar::new_spinner().with_message(format!("indexing {} areas", areas.len()));
    spinner.enable_steady_tick(std::time::Duration::from_millis(120));
    let index = AreaIndex::build(areas);
    spinner.finish_and_clear();
    index
}

/// `crisisbridge import area-index`: builds the index of a boundary file and writes it.
pub(crate) fn run_import(args: AreaIndexArgs) -> anyhow::Result<()> {
    let out = args.out.unwrap_or_else(|| default_index_path(&args.file));
    let areas = load_areas(&args.file, &args.id_field)?;
    let started = std::time::Instant::now();
    let index = build_with_spinner(&areas);
    let built = started.elapsed();
    let bytes = index.to_bytes();
    // Written beside and renamed, so a reader never sees half a file.
    let partial = out.with_extension("areaindex.partial");
    std::fs::write(&partial, &bytes).with_context(|| format!("writing {}", partial.display()))?;
    std::fs::rename(&partial, &out).with_context(|| format!("writing {}", out.display()))?;
    let (cells, edges) = index.stats();
    println!(
        "indexed {} areas ({} vertices) in {:.2} s: {cells} cells, {edges} edge pieces",
        areas.len(),
        areas.iter().map(Area::vertex_count).sum::<usize>(),
        built.as_secs_f64()
    );
    println!(
        "wrote {} ({} bytes): give it to `crisisbridge route --areas`",
        out.display(),
        bytes.len()
    );
    Ok(())
}

fn default_index_path(file: &Path) -> PathBuf {
    crate::roads::with_extensions_replaced(
        file,
        &[".gz", ".shp", ".geojson", ".json", ".topojson"],
        "areaindex",
    )
}

/// Reads and imports a boundary file, by its name. A file none of whose features has the id
/// field is refused (its areas would be named by their positions, and every answer would name
/// the wrong thing); other notes of the import are said on standard error.
pub fn load_areas(path: &Path, id_field: &str) -> anyhow::Result<Vec<Area>> {
    let report = crate::import::boundaries::read(path, id_field)?;
    let missing = |note: &&String| {
        note.starts_with("no feature has the attribute") || note.contains("has no field")
    };
    if let Some(note) = report.notes.iter().find(missing) {
        anyhow::bail!("{}: {note}; give the id field with --id-field NAME", path.display());
    }
    for note in &report.notes {
        eprintln!("note: {note}");
    }
    Ok(report.areas)
}
