//! The demo regions, each seeded once into the demo's data directory:
//!
//! - **Kansas** (the default): its 105 real counties (Census 1:500k boundaries, shipped in
//!   `demo/`), a PSAP per county, the three 988 centers that serve Kansas and the national
//!   backup behind them, three mobile crisis providers with teams
//!   (`demo/kansas-services.toml`), six crisis facilities. No road data: travel times are
//!   straight-line estimates.
//! - **Manhattan** (`--region manhattan`): the borough's boundary, New York City's 911
//!   answering point, its 988 center, B-HEARD's unarmed teams beside EMS and the Health
//!   Department's mobile crisis teams (`demo/manhattan-services.toml`), three crisis facilities,
//!   and the OpenStreetMap road network (`demo/manhattan-roads.osm.gz`, imported into the data
//!   directory on the first run): streets on the maps, places in words, road travel times.
//!
//! Each region is read by the same code as `crisisbridge import services` and
//! `import facilities`, with one demo user per role and the shipped triage protocols active.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use domain::{AgencyKind, Clock, Role, UserId};
use incidents::services;
use server::SystemClock;
use store::{NewProtocolVersion, NewUser, Store};

use crate::import;

/// The shipped protocols, activated for every PSAP (911) and every 988 center (988).
const PROTOCOL_911: &str =
    include_str!("../../../protocols/ks-911-behavioral-health-diversion.toml");
const PROTOCOL_988: &str = include_str!("../../../protocols/988-suicide-safety-assessment.toml");
/// Marks a database that holds the demo seed, so a second run reuses it.
const SEED_SETTING: &str = "demo_seed";
/// Every demo user's password. Demo data only: real deployments create users with `user add`.
pub const DEMO_PASSWORD: &str = "crisisbridge-demo";

/// Which demo region to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Region {
    Kansas,
    Manhattan,
}

/// What a demo region ships; see the module docs and `demo/SOURCE.md`.
#[derive(Debug)]
pub struct RegionData {
    /// For the banner.
    pub summary: &'static str,
    boundaries: &'static str,
    /// The boundaries' code attribute, how an area is named, and how many areas there are.
    id_field: &'static str,
    name_format: &'static str,
    areas: usize,
    services: (&'static str, &'static str),
    facilities: (&'static str, &'static str),
    population: &'static str,
    seed_version: &'static str,
    /// An OpenStreetMap file of the region's roads, imported on the first run.
    roads: Option<&'static [u8]>,
    /// The agencies of the demo logins: the PSAP, the 988 center, the mobile crisis
    /// provider and the facility's operator.
    psap: &'static str,
    crisis_center: &'static str,
    provider: &'static str,
    facility: &'static str,
    /// Where the demo traffic's calls come from.
    pub traffic: crate::traffic::Origins,
}

const KANSAS: RegionData = RegionData {
    summary: "Kansas, 105 counties, 3 988 centers and the national backup, 3 mobile crisis providers, 6 crisis facilities",
    boundaries: include_str!("../demo/kansas-counties.geojson"),
    id_field: "fips",
    name_format: "{name} County",
    areas: 105,
    services: ("demo/kansas-services.toml", include_str!("../demo/kansas-services.toml")),
    facilities: ("demo/kansas-facilities.toml", include_str!("../demo/kansas-facilities.toml")),
    population: include_str!("../demo/kansas-population.csv"),
    seed_version: "kansas-v3",
    roads: None,
    psap: "psap-20045",
    crisis_center: "ksphq",
    provider: "mct-douglas",
    facility: "bert-nash",
    traffic: crate::traffic::KANSAS,
};

const MANHATTAN: RegionData = RegionData {
    summary: "Manhattan, with its streets: NYC 911, 988 NYC and the national backup, B-HEARD and the Health Department's mobile crisis teams, 3 crisis facilities",
    boundaries: include_str!("../demo/manhattan-borough.geojson"),
    id_field: "fips",
    name_format: "{name}",
    areas: 1,
    services: ("demo/manhattan-services.toml", include_str!("../demo/manhattan-services.toml")),
    facilities: (
        "demo/manhattan-facilities.toml",
        include_str!("../demo/manhattan-facilities.toml"),
    ),
    population: include_str!("../demo/manhattan-population.csv"),
    seed_version: "manhattan-v1",
    roads: Some(include_bytes!("../demo/manhattan-roads.osm.gz")),
    psap: "psap-nyc",
    crisis_center: "988-nyc",
    provider: "bheard",
    facility: "nychh-bellevue",
    traffic: crate::traffic::MANHATTAN,
};

impl Region {
    pub fn data(self) -> &'static RegionData {
        match self {
            Self::Kansas => &KANSAS,
            Self::Manhattan => &MANHATTAN,
        }
    }
}

/// A demo login, for printing.
#[derive(Debug, Clone)]
pub struct DemoUser {
    pub username: &'static str,
    pub display_name: &'static str,
    pub role: Role,
    pub agency_code: String,
}

impl RegionData {
    /// The areas' populations, for rates per 100,000 residents.
    pub fn populations(&self) -> anyhow::Result<reports::measures::population::Populations> {
        reports::measures::population::Populations::parse(self.population)
            .map_err(|e| anyhow::anyhow!("the demo's population file: {e}"))
    }

    /// The region's road graph in the data directory, imported from the shipped OpenStreetMap
    /// file when it is not there yet (with its streets file beside it); `None` for a region
    /// without road data.
    pub fn road_graph(&self, data: &Path) -> anyhow::Result<Option<PathBuf>> {
        let Some(osm) = self.roads else { return Ok(None) };
        let graph = data.join("roads.graph");
        let streets = crate::roads::streets_path(&graph);
        if graph.exists() && streets.exists() {
            return Ok(Some(graph));
        }
        let imported = roads::import::import_with_lines(osm, &mut |_, _, _| {})
            .context("the shipped road network does not import")?;
        let map = streets::StreetMap::new(imported.lines)
            .with_attribution(crate::roads::attribution(imported.report.format).map(str::to_owned));
        // Each written whole, then renamed into place: a run stopped half-way leaves no file
        // that a later run would trust.
        for (path, bytes) in
            [(&streets, streets::file::streets_to_bytes(&map)), (&graph, imported.graph.to_bytes())]
        {
            let partial = path.with_extension("partial");
            std::fs::write(&partial, bytes)
                .and_then(|()| std::fs::rename(&partial, path))
                .with_context(|| format!("writing {}", path.display()))?;
        }
        Ok(Some(graph))
    }

    /// One user per role, in the region's agencies.
    pub fn demo_users(&self) -> Vec<DemoUser> {
        [
            ("calltaker", "Demo call taker", Role::CallTaker, self.psap),
            ("clinician", "Demo clinician", Role::Clinician, self.psap),
            ("clinician2", "Demo clinician (second)", Role::Clinician, self.psap),
            ("supervisor", "Demo supervisor", Role::Supervisor, self.psap),
            ("admin", "Demo admin", Role::Admin, self.psap),
            ("counselor", "Demo counselor", Role::Counselor, self.crisis_center),
            ("navigator", "Demo care navigator", Role::CareNavigator, self.crisis_center),
            ("dispatcher", "Demo dispatcher", Role::Dispatcher, self.provider),
            ("responder", "Demo responder", Role::Responder, self.provider),
            ("facility", "Demo facility staff", Role::FacilityStaff, self.facility),
        ]
        .into_iter()
        .map(|(username, display_name, role, agency)| DemoUser {
            username,
            display_name,
            role,
            agency_code: agency.to_owned(),
        })
        .collect()
    }
}

/// Seeds the demo region unless the store already holds it. Returns whether it seeded.
pub async fn seed(store: &dyn Store, region: &RegionData) -> anyhow::Result<bool> {
    match store.setting(SEED_SETTING).await?.as_deref() {
        Some(version) if version == region.seed_version => {
            // A demo kept from before the shipped protocols changed runs the new ones, and
            // one from before follow-up rules or facilities gets them.
            install_protocols(store, SystemClock.now()).await?;
            let no_rules = store.setting(incidents::follow_up::RULES_SETTING).await?.is_none();
            if no_rules || store.facilities().await?.is_empty() {
                upgrade(store, region).await?;
            }
            return Ok(false);
        }
        Some(other) => bail!(
            "this data directory holds demo seed {other:?}, not {:?} (another region or an older demo); use a new --data directory",
            region.seed_version
        ),
        None => {}
    }
    if !store.agencies().await?.is_empty() {
        bail!(
            "this database already holds agencies that are not the demo's; use a new --data directory for the demo"
        );
    }
    let now = SystemClock.now();
    let (_, found) =
        jurisdiction::import::import_json(region.boundaries.as_bytes(), region.id_field)
            .context("the shipped boundaries do not import")?;
    if found.len() != region.areas {
        bail!("the shipped boundaries hold {} areas, not {}", found.len(), region.areas);
    }
    let areas = import::to_store_areas(&found, region.name_format, None)?;
    store.put_areas(&areas).await?;
    let known: Vec<services::KnownArea> = areas
        .iter()
        .map(|a| services::KnownArea { code: a.code.clone(), name: a.name.clone() })
        .collect();
    let plan = services::plan(region.services.0, region.services.1, &known, &[], &[], now)?;
    services::apply(store, &plan).await?;

    // Every team (from the services file) on shift from the start.
    for team in store.teams(None).await? {
        let start = store::TeamChange {
            team: team.id,
            at: now,
            actor: domain::event::Actor::System,
            command: store::TeamCommand::StartShift,
        };
        store.change_team(start).await?;
    }

    put_demo_users(store, region, now).await?;
    install_protocols(store, now).await?;
    put_facilities(store, region, now).await?;
    store.put_setting(SEED_SETTING, region.seed_version).await?;
    Ok(true)
}

/// The demo's facilities, reading the services file's operators from the store.
async fn put_facilities(
    store: &dyn Store,
    region: &RegionData,
    now: domain::Timestamp,
) -> anyhow::Result<()> {
    let facilities = incidents::facilities::import::read(
        region.facilities.0,
        region.facilities.1,
        false,
        &store.agencies().await?,
        now,
    )?;
    store.put_facilities(&facilities, true).await?;
    Ok(())
}

/// What a demo seeded before follow-up rules and facilities lacks: the services file applied
/// again against what is stored (it adds the facilities' operators and the follow-up rules,
/// and changes nothing else), the facilities, and the demo logins added since.
async fn upgrade(store: &dyn Store, region: &RegionData) -> anyhow::Result<()> {
    let now = SystemClock.now();
    let plan = services::plan_stored(store, region.services.0, region.services.1, now).await?;
    services::apply(store, &plan).await?;
    if store.facilities().await?.is_empty() {
        put_facilities(store, region, now).await?;
    }
    put_demo_users(store, region, now).await
}

/// Adds every demo login not stored yet.
async fn put_demo_users(
    store: &dyn Store,
    region: &RegionData,
    now: domain::Timestamp,
) -> anyhow::Result<()> {
    let hash = tokio::task::spawn_blocking(|| server::auth::hash_password(DEMO_PASSWORD))
        .await?
        .map_err(anyhow::Error::msg)?;
    for user in region.demo_users() {
        if store.user_by_username(user.username).await?.is_some() {
            continue;
        }
        let agency = store
            .agency_by_code(&user.agency_code)
            .await?
            .with_context(|| format!("demo agency {} is missing", user.agency_code))?;
        store
            .put_user(&NewUser {
                id: UserId::new(now),
                username: user.username.to_owned(),
                display_name: user.display_name.to_owned(),
                agency: agency.id,
                role: user.role,
                password_hash: hash.clone(),
            })
            .await?;
    }
    Ok(())
}

/// Makes the shipped protocols the active ones of every PSAP (911) and 988 center (988),
/// uploading them as a new version where the active one is anything else.
async fn install_protocols(store: &dyn Store, now: domain::Timestamp) -> anyhow::Result<()> {
    let admin = store.user_by_username("admin").await?.context("the demo admin is missing")?;
    for (source, kind) in
        [(PROTOCOL_911, AgencyKind::Psap), (PROTOCOL_988, AgencyKind::CrisisCenter)]
    {
        let protocol = triage::Protocol::parse("shipped protocol", source)?;
        let report = triage::check(&protocol, &[]).map_err(|errors| {
            anyhow::anyhow!(
                "shipped protocol {} fails the checker: {}",
                protocol.id,
                errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
            )
        })?;
        for agency in store.agencies().await?.into_iter().filter(|a| a.kind == kind) {
            let active = store.active_protocol(agency.id, protocol.channel).await?;
            if active.is_some_and(|v| v.source == source) {
                continue;
            }
            let stored = store
                .put_protocol_version(&NewProtocolVersion {
                    agency: agency.id,
                    protocol_id: protocol.id.clone(),
                    channel: protocol.channel,
                    source: source.to_owned(),
                    uploaded_at: now,
                    uploaded_by: admin.id,
                    check_passed: true,
                    check_report: report.summary(),
                })
                .await?;
            store
                .activate_protocol(agency.id, &stored.protocol_id, stored.version, now, admin.id)
                .await?;
        }
    }
    Ok(())
}
