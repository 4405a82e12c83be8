//! Streets and address points for the server, and `import addresses`:
//!
//! - `import addresses FILE [--out FILE.addresses]`: a county's address points (CSV with a
//!   header, or GeoJSON; plain `address,lat,lon` or the NENA NG9-1-1 GIS site/structure address
//!   point fields — `streets::addresses` says which), every row checked, into the address file
//!   the server loads (`address_points` in the configuration). A file with a wrong row is
//!   refused whole, naming the rows; nothing is written.
//! - The server's places: the streets file beside the road graph (`import roads` writes it),
//!   or, for a graph imported before streets were kept, the graph's roads unnamed; and the
//!   address points. Without either, no streets are drawn and places are not described.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use streets::{AddressPoints, Places, StreetMap};

#[derive(Debug, clap::Args)]
pub(crate) struct ImportAddressesArgs {
    /// Address points: CSV with a header row, or GeoJSON points.
    file: PathBuf,
    /// The address file to write (default: FILE with its extension replaced by .addresses).
    #[arg(long)]
    out: Option<PathBuf>,
}

pub(crate) fn run_import(args: ImportAddressesArgs) -> anyhow::Result<()> {
    let bytes =
        std::fs::read(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    if AddressPoints::is_address_file(&bytes) {
        anyhow::bail!(
            "{} is an address file already (made by an import); set address_points to it",
            args.file.display()
        );
    }
    let points = AddressPoints::read(&bytes).with_context(|| args.file.display().to_string())?;
    let out = args.out.unwrap_or_else(|| args.file.with_extension("addresses"));
    if out == args.file {
        anyhow::bail!(
            "{} would be written over the file it is read from: give --out another name",
            out.display()
        );
    }
    let file = points.to_bytes();
    std::fs::write(&out, &file).with_context(|| format!("writing {}", out.display()))?;
    println!(
        "imported {} address points from {}\nwrote {} ({} bytes): set address_points = {:?} in the configuration",
        points.points.len(),
        args.file.display(),
        out.display(),
        file.len(),
        out.display().to_string()
    );
    Ok(())
}

/// The server's places: streets beside the graph, address points; `None` when neither.
pub(crate) fn load(
    road_graph: Option<(&Path, &roads::Graph)>,
    address_points: Option<&Path>,
) -> anyhow::Result<Option<Arc<Places>>> {
    let map = match road_graph {
        None => None,
        Some((path, graph)) => {
            let streets = crate::roads::streets_path(path);
            Some(match std::fs::read(&streets) {
                Ok(bytes) => streets::file::streets_from_bytes(&bytes)
                    .with_context(|| format!("loading the streets file {}", streets.display()))?,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    tracing::warn!(
                        "no streets file {} beside the road graph: streets are drawn unnamed and places not described (import the roads again to name them)",
                        streets.display()
                    );
                    StreetMap::new(roads::import::graph_lines(graph))
                }
                Err(e) => {
                    return Err(e).with_context(|| format!("reading {}", streets.display()));
                }
            })
        }
    };
    let addresses = match address_points {
        None => AddressPoints::default(),
        Some(path) => {
            let bytes = std::fs::read(path)
                .with_context(|| format!("reading address_points {}", path.display()))?;
            if AddressPoints::is_address_file(&bytes) {
                AddressPoints::from_bytes(&bytes)
            } else {
                AddressPoints::read(&bytes)
            }
            .with_context(|| format!("address_points {}", path.display()))?
        }
    };
    if map.is_none() && addresses.points.is_empty() {
        return Ok(None);
    }
    Ok(Some(Arc::new(Places::new(map.unwrap_or_else(|| StreetMap::new([])), addresses))))
}
