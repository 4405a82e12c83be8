//! `crisisbridge route`: which areas contain each point — for analysts assigning a CAD export
//! to jurisdictions, and for checking lookups against other tools.
//!
//! `--areas FILE` is GeoJSON, TopoJSON or an ESRI Shapefile (`.shp`, whose sibling `.dbf`
//! holds the attributes), each optionally gzip-compressed (`.gz`). `--points FILE.csv` holds
//! `lon,lat` rows (a header line `lat,lon` or `lon,lat` sets the order); the output is CSV `idx,area_ids`, where `idx`
//! counts data rows from 0 and `area_ids` is every containing area's id joined by `;` (empty
//! when none). `--lat Y --lon X` routes one point.

use std::io::BufWriter;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use indicatif::{ProgressBar, ProgressStyle};
use jurisdiction::{Area, AreaIndex};

#[derive(Debug, clap::Args)]
pub struct RouteArgs {
    /// Boundary file: GeoJSON, TopoJSON or .shp (each optionally .gz).
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
    /// The attribute used as area id (else the feature's id).
    #[arg(long, default_value = "GEOID")]
    id_field: String,
}

pub fn run(args: RouteArgs) -> anyhow::Result<()> {
    let areas = load_areas(&args.areas, &args.id_field)?;
    let spinner =
        ProgressBar::new_spinner().with_message(format!("indexing {} areas", areas.len()));
    spinner.enable_steady_tick(std::time::Duration::from_millis(120));
    let index = AreaIndex::build(&areas);
    spinner.finish_and_clear();

    let stdout = std::io::stdout();
    // CSV by the `csv` crate: an area id holding a comma or a quote is quoted.
    let mut out = csv::Writer::from_writer(BufWriter::new(stdout.lock()));
    let mut found = Vec::new();
    out.write_record(["idx", "area_ids"])?;
    if let (Some(lat), Some(lon)) = (args.lat, args.lon) {
        check_point(lon, lat).map_err(anyhow::Error::msg)?;
        index.lookup_into([lon, lat], &mut found);
        out.write_record(["0", &join(&index, &found)])?;
        return Ok(out.flush()?);
    }
    let Some(points) = args.points else { bail!("give --points FILE.csv, or --lat and --lon") };
    let file =
        std::fs::File::open(&points).with_context(|| format!("reading {}", points.display()))?;
    let bar = ProgressBar::new_spinner().with_style(
        ProgressStyle::with_template("routing {spinner} {human_pos} points, {per_sec}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    let mut idx = 0u64;
    crate::points::read(file, crate::points::Order::LonLat, |_, lat, lon| {
        if idx.is_multiple_of(65_536) {
            bar.set_position(idx);
        }
        found.clear();
        index.lookup_into([lon, lat], &mut found);
        out.write_record([idx.to_string(), join(&index, &found)])?;
        idx += 1;
        Ok(())
    })
    .with_context(|| points.display().to_string())?;
    bar.finish_and_clear();
    Ok(out.flush()?)
}

fn join(index: &AreaIndex, found: &[usize]) -> String {
    found.iter().filter_map(|i| index.id(*i)).collect::<Vec<_>>().join(";")
}

fn check_point(lon: f64, lat: f64) -> Result<(), String> {
    domain::GeoPoint::parse(lat, lon).map(|_| ()).map_err(|e| e.to_string())
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
