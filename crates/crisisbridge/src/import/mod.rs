//! `crisisbridge import`: load what routing needs into a deployment's database.
//!
//! - `import areas FILE`: service-area boundaries (GeoJSON, TopoJSON, Shapefile; gzipped or
//!   not), validated, then stored in one transaction. Areas with the same code are replaced.
//! - `import services FILE.toml`: agencies and who serves which areas for which service, with
//!   backup tiers, defaults and the area-code table (see `docs/services-file.md`).
//!
//! - `import facilities FILE`: crisis facilities (TOML `[[facility]]` entries or CSV rows),
//!   added or updated by code; a facility's reported availability is kept unless
//!   `--with-availability` (see `docs/facilities-file.md`).
//!
//! - `import places FILE`: a Census place table (places or county subdivisions with their
//!   counties), for civic addresses without a county (see `places.rs`).
//!
//! Running servers pick the change up within their routing refresh interval.
//!
//! - `import roads FILE`: a road network into a graph file and its streets file (see
//!   `roads.rs`); no database.
//! - `import addresses FILE`: address points into an address file (see `places.rs`); no
//!   database.
//! - `import area-index FILE`: boundaries into an area index file for `route` (see
//!   `route.rs`); no database.

pub(crate) mod boundaries;
mod places;

use std::path::PathBuf;

use anyhow::Context;
use domain::Clock;
use incidents::services;

use crate::DatabaseArgs;

#[derive(Debug, clap::Subcommand)]
pub(crate) enum ImportCommand {
    /// Service-area boundaries: GeoJSON, TopoJSON or Shapefile (.shp with its .dbf), each
    /// optionally gzipped.
    Areas(AreasArgs),
    /// Agencies and who serves which areas for which service (a TOML services file).
    Services(ServicesArgs),
    /// A road network (OSM PBF, OSM XML or CSV edge list) into a graph file for travel times.
    Roads(crate::roads::ImportRoadsArgs),
    /// Crisis facilities: a TOML file of `[[facility]]` entries, or a CSV file (by extension).
    Facilities(FacilitiesArgs),
    /// Address points (CSV or GeoJSON; `address,lat,lon` or NENA's fields) into an address
    /// file for describing and finding places.
    Addresses(crate::places::ImportAddressesArgs),
    /// Boundaries into an area index file for `route`, which then loads it instead of
    /// building the index on every run.
    AreaIndex(crate::route::AreaIndexArgs),
    /// A Census place table — places by county or county subdivisions (pipe-delimited, maybe
    /// gzipped) — so LoST finds the county of an address that names only its city.
    Places(places::PlacesArgs),
}

#[derive(Debug, clap::Args)]
pub(crate) struct FacilitiesArgs {
    /// The facilities file: .toml or .csv.
    file: PathBuf,
    /// Replace the stored availability with the file's (else a facility's staff's last report
    /// is kept).
    #[arg(long)]
    with_availability: bool,
    /// Check the file against the database and print what would change, writing nothing.
    #[arg(long)]
    dry_run: bool,
    #[command(flatten)]
    db: DatabaseArgs,
}

#[derive(Debug, clap::Args)]
pub(crate) struct AreasArgs {
    /// The boundary file.
    file: PathBuf,
    /// The attribute used as area code (else the feature's id).
    #[arg(long, default_value = "GEOID")]
    id_field: String,
    /// How to name each area, `{name}` being the file's NAME attribute: e.g. "{name} County".
    #[arg(long, default_value = "{name}")]
    name_format: String,
    /// Import only areas whose code starts with this (e.g. 20 for Kansas's counties).
    #[arg(long)]
    code_prefix: Option<String>,
    #[command(flatten)]
    db: DatabaseArgs,
}

#[derive(Debug, clap::Args)]
pub(crate) struct ServicesArgs {
    /// The services file (TOML).
    file: PathBuf,
    /// Check the file against the database and print what would change, writing nothing.
    #[arg(long)]
    dry_run: bool,
    #[command(flatten)]
    db: DatabaseArgs,
}

pub(crate) async fn run(command: ImportCommand) -> anyhow::Result<()> {
    match command {
        ImportCommand::Roads(args) => crate::roads::run_import(args),
        ImportCommand::Addresses(args) => crate::places::run_import(args),
        ImportCommand::AreaIndex(args) => crate::route::run_import(args),
        ImportCommand::Places(args) => places::run(args).await,
        ImportCommand::Facilities(args) => {
            let source = std::fs::read_to_string(&args.file)
                .with_context(|| format!("reading {}", args.file.display()))?;
            let csv = args.file.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv"));
            let store = crate::config::database(args.db.config.as_deref(), args.db.database)?
                .open()
                .await?;
            let facilities = incidents::facilities::import::read(
                &args.file.display().to_string(),
                &source,
                csv,
                &store.agencies().await?,
                server::SystemClock.now(),
            )?;
            let stored = store.facilities().await?;
            let updates =
                facilities.iter().filter(|f| stored.iter().any(|s| s.code == f.code)).count();
            let summary =
                format!("facilities: {} to add, {updates} to update", facilities.len() - updates);
            if args.dry_run {
                println!("{summary} (dry run: nothing written)");
                return Ok(());
            }
            store
                .put_facilities(&facilities, args.with_availability)
                .await
                .context("storing the facilities")?;
            println!("{summary}: written");
            Ok(())
        }
        ImportCommand::Areas(args) => {
            let report = boundaries::read(&args.file, &args.id_field)?;
            let areas =
                to_store_areas(&report.areas, &args.name_format, args.code_prefix.as_deref())?;
            for note in &report.notes {
                eprintln!("note: {note}");
            }
            for skipped in &report.skipped {
                eprintln!("skipped {skipped}");
            }
            let store = crate::config::database(args.db.config.as_deref(), args.db.database)?
                .open()
                .await?;
            store.put_areas(&areas).await.context("storing the areas")?;
            let r = report.repairs;
            println!(
                "imported {} areas from {} ({} skipped; repaired: {} rings closed, {} repeated points, {} collapsed rings dropped, {} orphan holes made outer rings)",
                areas.len(),
                args.file.display(),
                report.skipped.len(),
                r.closed_rings,
                r.duplicate_points,
                r.collapsed_rings,
                r.orphan_holes
            );
            Ok(())
        }
        ImportCommand::Services(args) => {
            let source = std::fs::read_to_string(&args.file)
                .with_context(|| format!("reading {}", args.file.display()))?;
            let store = crate::config::database(args.db.config.as_deref(), args.db.database)?
                .open()
                .await?;
            let plan = services::plan_stored(
                &*store,
                &args.file.display().to_string(),
                &source,
                server::SystemClock.now(),
            )
            .await?;
            let rules = match &plan.follow_up_rules {
                None => "left as they are".to_owned(),
                Some(rules) => format!("{} to replace the stored ones", rules.len()),
            };
            let summary = format!(
                "agencies: {} to add, {} to update, {} unchanged; teams: {} to add, {} to update, {} unchanged; service areas: {} tiers; follow-up rules: {rules}",
                plan.create.len(),
                plan.update.len(),
                plan.unchanged_agencies,
                plan.teams.create.len(),
                plan.teams.update.len(),
                plan.teams.unchanged,
                plan.service_areas.len()
            );
            if args.dry_run {
                println!("{summary} (dry run: nothing written)");
                return Ok(());
            }
            services::apply(&*store, &plan).await?;
            println!("{summary}: written");
            Ok(())
        }
    }
}

/// Boundaries as the store keeps them, named by `name_format`.
pub(crate) fn to_store_areas(
    areas: &[jurisdiction::Area],
    name_format: &str,
    code_prefix: Option<&str>,
) -> anyhow::Result<Vec<store::Area>> {
    let selected: Vec<store::Area> = areas
        .iter()
        .filter(|a| code_prefix.is_none_or(|p| a.id.starts_with(p)))
        .map(|a| store::Area {
            code: a.id.clone(),
            name: name_format.replace("{name}", &a.name).trim().to_owned(),
            geometry_geojson: a.to_geojson(),
        })
        .collect();
    if selected.is_empty() {
        anyhow::bail!(
            "no area's code starts with {:?}; the file's codes look like {:?}",
            code_prefix.unwrap_or_default(),
            areas.first().map(|a| a.id.as_str()).unwrap_or_default()
        );
    }
    if let Some(bad) = selected
        .iter()
        .find(|a| a.code == store::DEFAULT_AREA || a.code.starts_with(store::AREA_CODE_PREFIX))
    {
        anyhow::bail!(
            "area code {:?} is reserved (\"*\" is the default, \"npa:\" keys are area codes); pick another --id-field",
            bad.code
        );
    }
    Ok(selected)
}
