//! Reading a boundary file from disk: GeoJSON, TopoJSON, or an ESRI Shapefile with its `.dbf`
//! beside it, each optionally gzipped — with a progress bar while large files are read.

use std::io::Read;
use std::path::Path;

use anyhow::{Context, bail};
use indicatif::{ProgressBar, ProgressStyle};
use jurisdiction::import::Report;

/// Files smaller than this are read without a progress bar.
const SHOW_PROGRESS_FROM_BYTES: u64 = 4 * 1024 * 1024;

/// Reads and imports a boundary file, telling the format by its name.
pub(crate) fn read(path: &Path, id_field: &str) -> anyhow::Result<Report> {
    let name = path.file_name().map(|n| n.to_string_lossy().to_lowercase()).unwrap_or_default();
    let report = if name.ends_with(".shp") || name.ends_with(".shp.gz") {
        // The stem as written (`cb_2016_us_county_500k`): the .dbf beside it shares it.
        let file = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let unzipped = file.strip_suffix(".gz").unwrap_or(&file);
        let stem = unzipped.get(..unzipped.len().saturating_sub(4)).unwrap_or_default().to_owned();
        let dir = path.parent().unwrap_or(Path::new("."));
        let dbf = ["dbf", "dbf.gz", "DBF", "DBF.gz"]
            .iter()
            .map(|ext| dir.join(format!("{stem}.{ext}")))
            .find(|p| p.exists());
        let shp = read_with_progress(path)?;
        let dbf = dbf.as_deref().map(read_with_progress).transpose()?;
        if dbf.is_none() {
            eprintln!(
                "note: no {stem}.dbf beside {}: areas are numbered by record, with no names",
                path.display()
            );
        }
        parse_with_spinner(path, || {
            jurisdiction::import::import_shapefile_report(&shp, dbf.as_deref(), id_field)
        })?
    } else {
        let bytes = read_with_progress(path)?;
        parse_with_spinner(path, || {
            jurisdiction::import::import_json_report(&bytes, id_field, None)
        })?
    };
    if report.areas.is_empty() {
        bail!("{} holds no areas", path.display());
    }
    Ok(report)
}

fn read_with_progress(path: &Path) -> anyhow::Result<Vec<u8>> {
    let file = std::fs::File::open(path).with_context(|| format!("reading {}", path.display()))?;
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let bar = if len >= SHOW_PROGRESS_FROM_BYTES {
        ProgressBar::new(len).with_style(
            ProgressStyle::with_template("reading {msg} [{bar:40}] {bytes}/{total_bytes}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        )
    } else {
        ProgressBar::hidden()
    };
    bar.set_message(path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default());
    let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    bar.wrap_read(file)
        .read_to_end(&mut bytes)
        .with_context(|| format!("reading {}", path.display()))?;
    bar.finish_and_clear();
    Ok(bytes)
}

fn parse_with_spinner(
    path: &Path,
    parse: impl FnOnce() -> Result<Report, jurisdiction::ImportError>,
) -> anyhow::Result<Report> {
    let spinner = ProgressBar::new_spinner().with_message(format!("checking {}", path.display()));
    spinner.enable_steady_tick(std::time::Duration::from_millis(120));
    let report = parse().with_context(|| format!("importing {}", path.display()));
    spinner.finish_and_clear();
    report
}
