//! The console's street map and places in words, on the Manhattan OpenStreetMap extract the
//! demo ships (16,152 lines, 2,803 street names):
//!
//! - building the street map and the places index from the imported lines;
//! - cutting every tile the console asks for over Manhattan at zooms 12 to 17 (library), with
//!   each tile's JSON size;
//! - the same tiles through the real server over loopback, as a console panning at zoom 15
//!   asks for them: first (cut on the request) and again (from the node's cache);
//! - describing random points in words, and finding corners and streets by name.

use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use domain::{Agency, AgencyId, AgencyKind, Clock, Role, Timestamp, UserId};
use hdrhistogram::Histogram;
use serde_json::{Value, json};
use server::{Application, Settings, SystemClock};
use store::{NewUser, Store};
use store_sql::SqliteStore;
use streets::{AddressPoints, Places, StreetMap};

const OSM: &[u8] = include_bytes!("../../crisisbridge/demo/manhattan-roads.osm.gz");
const PASSWORD: &str = "bench-streets-password-1";
/// Manhattan's bounds: south, west, north, east.
const BOUNDS: [f64; 4] = [40.700, -74.020, 40.880, -73.907];

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Points described in words.
    #[arg(long, default_value_t = 20_000)]
    points: usize,
}

fn micros() -> anyhow::Result<Histogram<u64>> {
    Ok(Histogram::new_with_bounds(1, 60_000_000, 3)?)
}

fn row(what: &str, h: &Histogram<u64>, unit: f64, suffix: &str) {
    println!(
        "{what:<48} {:>7} {:>9.2} {:>9.2} {:>9.2}  {suffix}",
        h.len(),
        h.value_at_quantile(0.5) as f64 / unit,
        h.value_at_quantile(0.99) as f64 / unit,
        h.max() as f64 / unit
    );
}

fn tiles_over(z: u8) -> Vec<(u32, u32)> {
    let size = 360.0 / f64::from(1u32 << z);
    let [s, w, n, e] = BOUNDS;
    let (x0, x1) = (((w + 180.0) / size) as u32, ((e + 180.0) / size) as u32);
    let (y0, y1) = (((90.0 - n) / size) as u32, ((90.0 - s) / size) as u32);
    (x0..=x1).flat_map(|x| (y0..=y1).map(move |y| (x, y))).collect()
}

pub async fn run(args: &Args) -> anyhow::Result<()> {
    let started = Instant::now();
    let (mut network, ..) = roads::import::read_network(OSM, &mut |_, _, _| {})?;
    let lines = network.take_lines();
    let read = started.elapsed();
    let started = Instant::now();
    let map = StreetMap::new(lines);
    let mapped = started.elapsed();
    let started = Instant::now();
    let bytes = streets::file::streets_to_bytes(&map);
    let map = streets::file::streets_from_bytes(&bytes)?;
    let loaded = started.elapsed();
    let started = Instant::now();
    let places = Arc::new(Places::new(map, AddressPoints::default()));
    let indexed = started.elapsed();
    println!(
        "Manhattan extract: {} lines, {} names; read {:.2} s, street map {:.0} ms, streets file ({} bytes) written and loaded {:.0} ms, places index {:.0} ms",
        places.map().line_count(),
        places.map().name_count(),
        read.as_secs_f64(),
        mapped.as_secs_f64() * 1e3,
        bytes.len(),
        loaded.as_secs_f64() * 1e3,
        indexed.as_secs_f64() * 1e3
    );
    println!("{:<48} {:>7} {:>9} {:>9} {:>9}", "what", "n", "p50", "p99", "max");

    for z in 12..=17u8 {
        let mut cut = micros()?;
        let mut size = micros()?;
        for (x, y) in tiles_over(z) {
            let t = Instant::now();
            let tile = places.map().tile(z, x, y)?;
            cut.record(t.elapsed().as_micros().max(1) as u64)?;
            let points: usize = tile.lines.iter().map(|l| l.points.len()).sum();
            // The JSON the server writes: about 6 bytes a coordinate, names and framing.
            let names: usize = tile.names.iter().map(|n| n.len() + 3).sum();
            size.record((points * 12 + tile.lines.len() * 8 + names + 200) as u64)?;
        }
        row(&format!("tile cut, zoom {z} (ms)"), &cut, 1000.0, "");
        row(&format!("tile JSON, zoom {z} (kB, estimated)"), &size, 1000.0, "");
    }

    let mut rng = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        (rng >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut described = micros()?;
    let mut said = 0;
    for _ in 0..args.points {
        let (lat, lon) = (BOUNDS[0] + next() * 0.18, BOUNDS[1] + next() * 0.11);
        let t = Instant::now();
        let d = places.describe(lat, lon);
        described.record((t.elapsed().as_nanos() / 100).max(1) as u64)?;
        said += usize::from(d.is_some());
    }
    row("describe a point (µs)", &described, 10.0, &format!("{said} described"));
    let queries = [
        "W 23rd St & 8th Ave",
        "broadway & w 96th st",
        "Riverside Dr",
        "5th Avenue",
        "e 125th st and lexington ave",
        "fdr",
    ];
    let mut found = micros()?;
    for _ in 0..200 {
        for q in queries {
            let t = Instant::now();
            let f = places.find(q, 8);
            found.record((t.elapsed().as_nanos() / 100).max(1) as u64)?;
            anyhow::ensure!(!f.is_empty(), "{q:?} found nothing");
        }
    }
    row("find a corner or street (µs)", &found, 10.0, "");

    http(places).await
}

/// The tiles over the real server: a console at zoom 15 panning across Manhattan, each view
/// about 3 × 2 tiles; first every tile is cut on request, then served from the cache.
async fn http(places: Arc<Places>) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open_url(&url).await?);
    let agency = AgencyId::new(Timestamp::from_millis(1));
    store
        .put_agency(&Agency {
            id: agency,
            code: "psap-bench".into(),
            name: "Benchmark PSAP".into(),
            kind: AgencyKind::Psap,
            time_zone: "America/New_York".into(),
            uri: None,
        })
        .await?;
    let hash = server::auth::hash_password(PASSWORD).map_err(anyhow::Error::msg)?;
    store
        .put_user(&NewUser {
            id: UserId::new(SystemClock.now()),
            username: "bench".into(),
            display_name: "bench".into(),
            agency,
            role: Role::CallTaker,
            password_hash: hash,
        })
        .await?;
    let settings =
        Settings { listen: "127.0.0.1:0".parse()?, places: Some(places), ..Settings::default() };
    let app = Application::build(settings, store, Arc::new(SystemClock)).await?;
    let addr = app.local_addr()?;
    tokio::spawn(app.run_until_stopped(std::future::pending()));
    let client = reqwest::Client::new();
    let login: Value = client
        .post(format!("http://{addr}/api/v1/sessions"))
        .json(&json!({"username": "bench", "password": PASSWORD}))
        .send()
        .await?
        .json()
        .await?;
    let token = login.get("token").and_then(Value::as_str).context("no token")?.to_owned();
    let tiles = tiles_over(15);
    for pass in ["first (cut)", "again (cached)"] {
        let mut latency = micros()?;
        let mut bytes = micros()?;
        let started = Instant::now();
        for (x, y) in &tiles {
            let t = Instant::now();
            let body = client
                .get(format!("http://{addr}/api/v1/streets/15/{x}/{y}"))
                .bearer_auth(&token)
                .send()
                .await?
                .error_for_status()?
                .bytes()
                .await?;
            latency.record(t.elapsed().as_micros().max(1) as u64)?;
            bytes.record(body.len().max(1) as u64)?;
        }
        let views = tiles.len() as f64 / 6.0;
        row(
            &format!("HTTP tile, zoom 15, {pass} (ms)"),
            &latency,
            1000.0,
            &format!("{:.0} ms per 6-tile view", started.elapsed().as_secs_f64() * 1e3 / views),
        );
        row(&format!("HTTP tile body, zoom 15, {pass} (kB)"), &bytes, 1000.0, "");
    }
    Ok(())
}
