//! The demo region: Kansas. Its 105 real counties (Census 1:500k boundaries, shipped in
//! `demo/`), a PSAP per county, the three 988 centers that serve Kansas, three mobile crisis
//! providers with teams, one demo user per role, and the shipped triage protocols, active.

use anyhow::{Context, bail};
use domain::{Agency, AgencyId, AgencyKind, Clock, Role, TeamId, UserId};
use serde::Deserialize;
use server::SystemClock;
use store::{Area, NewProtocolVersion, NewUser, ServiceArea, Store, Team};

/// The shipped boundaries; see `demo/SOURCE.md`.
const KANSAS_COUNTIES: &str = include_str!("../demo/kansas-counties.geojson");
/// The shipped protocols, activated for every PSAP (911) and every 988 center (988).
const PROTOCOL_911: &str =
    include_str!("../../../protocols/ks-911-behavioral-health-diversion.toml");
const PROTOCOL_988: &str = include_str!("../../../protocols/988-suicide-safety-assessment.toml");
/// Marks a database that holds the demo seed, so a second run reuses it.
const SEED_SETTING: &str = "demo_seed";
const SEED_VERSION: &str = "kansas-v1";
/// Every demo user's password. Demo data only: real deployments create users with `user add`.
pub const DEMO_PASSWORD: &str = "crisisbridge-demo";

/// The 911 services a PSAP answers, and the 988 services a crisis center answers.
pub const SERVICE_SOS: &str = "urn:service:sos";
pub const SERVICE_SUICIDE: &str = "urn:service:counseling.suicide";
pub const SERVICE_MENTAL_HEALTH: &str = "urn:service:counseling.mental-health";

const JOHNSON: &str = "20091";
const SEDGWICK: &str = "20173";
const DOUGLAS: &str = "20045";
/// Kansas counties on Mountain time; the rest are on Central time.
const MOUNTAIN_TIME: [&str; 4] = ["20071", "20075", "20181", "20199"];

#[derive(Deserialize)]
struct FeatureCollection {
    features: Vec<Feature>,
}

#[derive(Deserialize)]
struct Feature {
    properties: CountyProperties,
    geometry: serde_json::Value,
}

#[derive(Deserialize)]
struct CountyProperties {
    fips: String,
    name: String,
}

/// A demo login, for printing.
#[derive(Debug, Clone)]
pub struct DemoUser {
    pub username: &'static str,
    pub role: Role,
    pub agency_code: String,
}

/// Seeds the demo region unless the store already holds it. Returns whether it seeded.
pub async fn seed(store: &dyn Store) -> anyhow::Result<bool> {
    match store.setting(SEED_SETTING).await?.as_deref() {
        Some(SEED_VERSION) => return Ok(false),
        Some(other) => bail!(
            "this data directory holds demo seed {other:?}, not {SEED_VERSION:?}; use a new --data directory"
        ),
        None => {}
    }
    if !store.agencies().await?.is_empty() {
        bail!(
            "this database already holds agencies that are not the demo's; use a new --data directory for the demo"
        );
    }
    let now = SystemClock.now();
    let counties: FeatureCollection = serde_json::from_str(KANSAS_COUNTIES)
        .context("the shipped Kansas boundaries are not valid GeoJSON")?;
    if counties.features.len() != 105 {
        bail!("the shipped Kansas boundaries hold {} counties, not 105", counties.features.len());
    }

    let agency = |code: String, name: String, kind: AgencyKind, tz: &str| Agency {
        id: AgencyId::new(now),
        code,
        name,
        kind,
        time_zone: tz.to_owned(),
    };
    let ksphq = agency(
        "ksphq".into(),
        "Kansas Suicide Prevention HQ".into(),
        AgencyKind::CrisisCenter,
        "America/Chicago",
    );
    let jcmhc = agency(
        "jcmhc".into(),
        "Johnson County Mental Health Center".into(),
        AgencyKind::CrisisCenter,
        "America/Chicago",
    );
    let comcare = agency(
        "comcare".into(),
        "COMCARE of Sedgwick County".into(),
        AgencyKind::CrisisCenter,
        "America/Chicago",
    );
    for center in [&ksphq, &jcmhc, &comcare] {
        store.put_agency(center).await?;
    }

    for county in &counties.features {
        let fips = &county.properties.fips;
        let tz = if MOUNTAIN_TIME.contains(&fips.as_str()) {
            "America/Denver"
        } else {
            "America/Chicago"
        };
        let psap = agency(
            format!("psap-{fips}"),
            format!("{} County 911", county.properties.name),
            AgencyKind::Psap,
            tz,
        );
        store.put_agency(&psap).await?;
        store
            .put_area(&Area {
                code: fips.clone(),
                name: format!("{} County", county.properties.name),
                geometry_geojson: county.geometry.to_string(),
            })
            .await?;
        store
            .put_service_area(&ServiceArea {
                agency: psap.id,
                service: SERVICE_SOS.into(),
                area: fips.clone(),
            })
            .await?;
        let center = match fips.as_str() {
            JOHNSON => &jcmhc,
            SEDGWICK => &comcare,
            _ => &ksphq,
        };
        for service in [SERVICE_SUICIDE, SERVICE_MENTAL_HEALTH] {
            store
                .put_service_area(&ServiceArea {
                    agency: center.id,
                    service: service.into(),
                    area: fips.clone(),
                })
                .await?;
        }
    }

    let providers = [
        (
            "mct-douglas",
            "Douglas County Mobile Crisis",
            DOUGLAS,
            &["Team Lawrence 1", "Team Lawrence 2"][..],
        ),
        (
            "mct-johnson",
            "Johnson County Mobile Crisis",
            JOHNSON,
            &["Team Olathe", "Team Overland Park", "Team Shawnee"][..],
        ),
        (
            "mct-sedgwick",
            "Sedgwick County Mobile Crisis",
            SEDGWICK,
            &["Team Wichita North", "Team Wichita South", "Team Derby"][..],
        ),
    ];
    let capabilities = [vec!["youth", "peer"], vec!["spanish", "emt"], vec!["co_response", "peer"]];
    for (code, name, _county, teams) in providers {
        let provider =
            agency(code.into(), name.into(), AgencyKind::MobileCrisisProvider, "America/Chicago");
        store.put_agency(&provider).await?;
        for (n, team) in teams.iter().enumerate() {
            let caps = capabilities.get(n % capabilities.len()).cloned().unwrap_or_default();
            store
                .put_team(&Team {
                    id: TeamId::new(now),
                    provider: provider.id,
                    name: (*team).to_owned(),
                    capabilities: caps.into_iter().map(str::to_owned).collect(),
                })
                .await?;
        }
    }

    let hash = tokio::task::spawn_blocking(|| server::auth::hash_password(DEMO_PASSWORD))
        .await?
        .map_err(anyhow::Error::msg)?;
    for user in demo_users() {
        let agency = store
            .agency_by_code(&user.agency_code)
            .await?
            .with_context(|| format!("demo agency {} is missing", user.agency_code))?;
        store
            .put_user(&NewUser {
                id: UserId::new(now),
                username: user.username.to_owned(),
                display_name: format!("Demo {}", user.role.as_str().replace('_', " ")),
                agency: agency.id,
                role: user.role,
                password_hash: hash.clone(),
            })
            .await?;
    }
    let admin = store.user_by_username("admin").await?.context("the demo admin is missing")?;
    for (source, kind) in
        [(PROTOCOL_911, AgencyKind::Psap), (PROTOCOL_988, AgencyKind::CrisisCenter)]
    {
        let protocol = triage::Protocol::parse("shipped protocol", source)?;
        let report = triage::check(&protocol).map_err(|errors| {
            anyhow::anyhow!(
                "shipped protocol {} fails the checker: {}",
                protocol.id,
                errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
            )
        })?;
        for agency in store.agencies().await?.into_iter().filter(|a| a.kind == kind) {
            let stored = store
                .put_protocol_version(&NewProtocolVersion {
                    agency: agency.id,
                    protocol_id: protocol.id.clone(),
                    channel: protocol.channel,
                    source: source.to_owned(),
                    uploaded_at: now,
                    uploaded_by: admin.id,
                    check_passed: true,
                    check_report: format!(
                        "holds for all {} combinations of answers",
                        report.combinations
                    ),
                })
                .await?;
            store
                .activate_protocol(agency.id, &stored.protocol_id, stored.version, now, admin.id)
                .await?;
        }
    }
    store.put_setting(SEED_SETTING, SEED_VERSION).await?;
    Ok(true)
}

/// One user per role, in the agencies of the Douglas County story.
pub fn demo_users() -> Vec<DemoUser> {
    let psap = format!("psap-{DOUGLAS}");
    [
        ("calltaker", Role::CallTaker, psap.as_str()),
        ("clinician", Role::Clinician, psap.as_str()),
        ("supervisor", Role::Supervisor, psap.as_str()),
        ("admin", Role::Admin, psap.as_str()),
        ("counselor", Role::Counselor, "ksphq"),
        ("navigator", Role::CareNavigator, "ksphq"),
        ("dispatcher", Role::Dispatcher, "mct-douglas"),
        ("responder", Role::Responder, "mct-douglas"),
    ]
    .into_iter()
    .map(|(username, role, agency)| DemoUser { username, role, agency_code: agency.to_owned() })
    .collect()
}
