//! The demo region: Kansas. Its 105 real counties (Census 1:500k boundaries, shipped in
//! `demo/`), a PSAP per county, the three 988 centers that serve Kansas and the national
//! backup behind them, three mobile crisis providers with teams (`demo/kansas-services.toml`,
//! read by the same code as `crisisbridge import services`), one demo user per role, and the
//! shipped triage protocols, active.

use anyhow::{Context, bail};
use domain::{AgencyKind, Clock, Role, UserId};
use incidents::services;
use server::SystemClock;
use store::{NewProtocolVersion, NewUser, Store};

use crate::import;

/// The shipped boundaries; see `demo/SOURCE.md`.
const KANSAS_COUNTIES: &str = include_str!("../demo/kansas-counties.geojson");
/// Who serves where.
const KANSAS_SERVICES: &str = include_str!("../demo/kansas-services.toml");
/// The demo's crisis facilities (names and addresses as published; the rest invented, see
/// `demo/SOURCE.md`).
const KANSAS_FACILITIES: &str = include_str!("../demo/kansas-facilities.toml");
/// The Census Bureau's 2019 populations of the Kansas counties (demo/SOURCE.md).
const KANSAS_POPULATION: &str = include_str!("../demo/kansas-population.csv");
/// The shipped protocols, activated for every PSAP (911) and every 988 center (988).
const PROTOCOL_911: &str =
    include_str!("../../../protocols/ks-911-behavioral-health-diversion.toml");
const PROTOCOL_988: &str = include_str!("../../../protocols/988-suicide-safety-assessment.toml");
/// Marks a database that holds the demo seed, so a second run reuses it.
const SEED_SETTING: &str = "demo_seed";
const SEED_VERSION: &str = "kansas-v3";
/// Every demo user's password. Demo data only: real deployments create users with `user add`.
pub const DEMO_PASSWORD: &str = "crisisbridge-demo";

const DOUGLAS: &str = "20045";

/// A demo login, for printing.
#[derive(Debug, Clone)]
pub struct DemoUser {
    pub username: &'static str,
    pub display_name: &'static str,
    pub role: Role,
    pub agency_code: String,
}

/// Seeds the demo region unless the store already holds it. Returns whether it seeded.
/// The demo counties' populations, for rates per 100,000 residents.
pub fn populations() -> anyhow::Result<reports::measures::population::Populations> {
    reports::measures::population::Populations::parse(KANSAS_POPULATION)
        .map_err(|e| anyhow::anyhow!("demo/kansas-population.csv: {e}"))
}

pub async fn seed(store: &dyn Store) -> anyhow::Result<bool> {
    match store.setting(SEED_SETTING).await?.as_deref() {
        Some(SEED_VERSION) => {
            // A demo kept from before the shipped protocols changed runs the new ones, and
            // one from before follow-up rules or facilities gets them.
            install_protocols(store, SystemClock.now()).await?;
            let no_rules = store.setting(incidents::follow_up::RULES_SETTING).await?.is_none();
            if no_rules || store.facilities().await?.is_empty() {
                upgrade(store).await?;
            }
            return Ok(false);
        }
        Some(other) => bail!(
            "this data directory holds demo seed {other:?}, not {SEED_VERSION:?} (an older demo); use a new --data directory"
        ),
        None => {}
    }
    if !store.agencies().await?.is_empty() {
        bail!(
            "this database already holds agencies that are not the demo's; use a new --data directory for the demo"
        );
    }
    let now = SystemClock.now();
    let (_, counties) = jurisdiction::import::import_json(KANSAS_COUNTIES.as_bytes(), "fips")
        .context("the shipped Kansas boundaries do not import")?;
    if counties.len() != 105 {
        bail!("the shipped Kansas boundaries hold {} counties, not 105", counties.len());
    }
    let areas = import::to_store_areas(&counties, "{name} County", None)?;
    store.put_areas(&areas).await?;
    let known: Vec<services::KnownArea> = areas
        .iter()
        .map(|a| services::KnownArea { code: a.code.clone(), name: a.name.clone() })
        .collect();
    let plan = services::plan("demo/kansas-services.toml", KANSAS_SERVICES, &known, &[], &[], now)?;
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

    put_demo_users(store, now).await?;
    install_protocols(store, now).await?;
    put_facilities(store, now).await?;
    store.put_setting(SEED_SETTING, SEED_VERSION).await?;
    Ok(true)
}

/// The demo's facilities, reading the services file's operators from the store.
async fn put_facilities(store: &dyn Store, now: domain::Timestamp) -> anyhow::Result<()> {
    let facilities = incidents::facilities::import::read(
        "demo/kansas-facilities.toml",
        KANSAS_FACILITIES,
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
async fn upgrade(store: &dyn Store) -> anyhow::Result<()> {
    let now = SystemClock.now();
    let plan =
        services::plan_stored(store, "demo/kansas-services.toml", KANSAS_SERVICES, now).await?;
    services::apply(store, &plan).await?;
    if store.facilities().await?.is_empty() {
        put_facilities(store, now).await?;
    }
    put_demo_users(store, now).await
}

/// Adds every demo login not stored yet.
async fn put_demo_users(store: &dyn Store, now: domain::Timestamp) -> anyhow::Result<()> {
    let hash = tokio::task::spawn_blocking(|| server::auth::hash_password(DEMO_PASSWORD))
        .await?
        .map_err(anyhow::Error::msg)?;
    for user in demo_users() {
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

/// One user per role, in the agencies of the Douglas County story.
pub fn demo_users() -> Vec<DemoUser> {
    let psap = format!("psap-{DOUGLAS}");
    [
        ("calltaker", "Demo call taker", Role::CallTaker, psap.as_str()),
        ("clinician", "Demo clinician", Role::Clinician, psap.as_str()),
        ("clinician2", "Demo clinician (second)", Role::Clinician, psap.as_str()),
        ("supervisor", "Demo supervisor", Role::Supervisor, psap.as_str()),
        ("admin", "Demo admin", Role::Admin, psap.as_str()),
        ("counselor", "Demo counselor", Role::Counselor, "ksphq"),
        ("navigator", "Demo care navigator", Role::CareNavigator, "ksphq"),
        ("dispatcher", "Demo dispatcher", Role::Dispatcher, "mct-douglas"),
        ("responder", "Demo responder", Role::Responder, "mct-douglas"),
        ("facility", "Demo facility staff", Role::FacilityStaff, "bert-nash"),
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
