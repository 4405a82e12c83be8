//! The jurisdiction lookup benchmark, on the Census 1:500k counties (3,233 polygons,
//! 1.04 M vertices): index build time, single-core throughput, single-lookup latency, and a
//! check that every answer equals the reference point-in-polygon test's.
//!
//! Points: the 1,000,000 uniform random points inside the contiguous US that the comparison
//! scripts write (`$WORK_DIR/points_1000000.lonlat.f64le`, little-endian lon,lat pairs), so
//! both tools answer the very same points; without that file, the same number of points drawn
//! uniformly from the contiguous US's bounding box.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use jurisdiction::{AreaIndex, reference};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The shared data folder (holds census-cb2016-500k/).
    #[arg(long, default_value = "../shared/data")]
    data: PathBuf,
    /// The points file written by the comparison scripts.
    #[arg(long)]
    points: Option<PathBuf>,
    /// Timed passes over all points (the median is reported).
    #[arg(long, default_value_t = 5)]
    runs: usize,
    /// Points checked against the reference test.
    #[arg(long, default_value_t = 200_000)]
    verify: usize,
    /// Grid cells per vertex (the index's default is 4).
    #[arg(long)]
    density: Option<f64>,
    /// Shapely's answers for the same points (`scripts/lookup_answers_shapely.py` writes
    /// them beside the points file); every point is compared when the file is there.
    #[arg(long)]
    answers: Option<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let dir = args.data.join("census-cb2016-500k");
    let read = |name: &str| {
        std::fs::read(dir.join(name))
            .with_context(|| format!("reading {}", dir.join(name).display()))
    };
    let started = Instant::now();
    let areas = jurisdiction::import::import_shapefile(
        &read("cb_2016_us_county_500k.shp.gz")?,
        Some(&read("cb_2016_us_county_500k.dbf.gz")?),
        "GEOID",
    )?;
    let imported = started.elapsed();
    let vertices: usize = areas.iter().map(jurisdiction::Area::vertex_count).sum();

    let mut builds = Vec::new();
    let build = || match args.density {
        Some(d) => AreaIndex::with_density(&areas, d),
        None => AreaIndex::build(&areas),
    };
    let mut index = build();
    for _ in 0..3 {
        let t = Instant::now();
        index = build();
        builds.push(t.elapsed());
    }
    builds.sort_unstable();
    let (cells, pieces) = index.stats();
    println!(
        "areas {} ({} vertices); import {:.2} s; index build {:.2} s (median of 3); {cells} cells, {pieces} edge pieces",
        areas.len(),
        vertices,
        imported.as_secs_f64(),
        builds.get(1).copied().unwrap_or_default().as_secs_f64()
    );

    let file = index.to_bytes();
    let mut loads = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        let loaded = AreaIndex::from_bytes(std::hint::black_box(&file))?;
        loads.push(t.elapsed());
        anyhow::ensure!(loaded.len() == index.len(), "the loaded index lost areas");
    }
    loads.sort_unstable();
    println!(
        "index file {:.1} MB: loaded and checked in {:.1} ms (median of 5, from memory)",
        file.len() as f64 / 1e6,
        loads.get(2).copied().unwrap_or_default().as_secs_f64() * 1e3
    );
    drop(file);

    let (points, points_path) = load_points(args.points.as_deref())?;
    let mut passes = Vec::new();
    let mut found = Vec::with_capacity(4);
    let mut matched = 0usize;
    for _ in 0..args.runs.max(1) {
        matched = 0;
        let t = Instant::now();
        for p in &points {
            found.clear();
            index.lookup_into(*p, &mut found);
            matched += usize::from(!found.is_empty());
        }
        passes.push(t.elapsed());
    }
    passes.sort_unstable();
    let median = passes.get(passes.len() / 2).copied().unwrap_or_default();
    println!(
        "lookup one at a time: {} points in {:.3} s = {:.2} M points/s on one core (median of {}); {matched} in a county",
        points.len(),
        median.as_secs_f64(),
        points.len() as f64 / median.as_secs_f64() / 1e6,
        passes.len()
    );
    let mut batches = Vec::new();
    for _ in 0..args.runs.max(1) {
        let mut in_county = 0usize;
        let t = Instant::now();
        index.lookup_batch(&points, |_, areas| in_county += usize::from(!areas.is_empty()));
        batches.push(t.elapsed());
        anyhow::ensure!(
            in_county == matched,
            "batch lookups found {in_county} points in a county, single ones {matched}"
        );
    }
    batches.sort_unstable();
    let median = batches.get(batches.len() / 2).copied().unwrap_or_default();
    println!(
        "lookup in batches: {} points in {:.3} s = {:.2} M points/s on one core (median of {})",
        points.len(),
        median.as_secs_f64(),
        points.len() as f64 / median.as_secs_f64() / 1e6,
        batches.len()
    );

    let mut both = Vec::new();
    for _ in 0..args.runs.max(1) {
        let t = Instant::now();
        let halves = points.split_at(points.len() / 2);
        std::thread::scope(|scope| {
            for half in [halves.0, halves.1] {
                let index = &index;
                scope.spawn(move || index.lookup_batch(half, |_, a| _ = std::hint::black_box(a)));
            }
        });
        both.push(t.elapsed());
    }
    both.sort_unstable();
    let median = both.get(both.len() / 2).copied().unwrap_or_default();
    println!(
        "lookup in batches on two threads: {:.2} M points/s (median of {})",
        points.len() as f64 / median.as_secs_f64() / 1e6,
        both.len()
    );

    let mut reads: Vec<usize> = points.iter().map(|p| index.edges_read(*p)).collect();
    reads.sort_unstable();
    let whole = reads.iter().filter(|r| **r == 0).count();
    println!(
        "edges read per lookup: {:.1}% of points read none; p50 {}, p90 {}, p99 {}, max {}",
        100.0 * whole as f64 / reads.len().max(1) as f64,
        reads.get(reads.len() / 2).copied().unwrap_or(0),
        reads.get(reads.len() * 9 / 10).copied().unwrap_or(0),
        reads.get(reads.len() * 99 / 100).copied().unwrap_or(0),
        reads.last().copied().unwrap_or(0)
    );
    let mut single: Vec<Duration> = Vec::with_capacity(points.len().min(200_000));
    for p in points.iter().take(200_000) {
        let t = Instant::now();
        found.clear();
        index.lookup_into(*p, &mut found);
        single.push(t.elapsed());
        std::hint::black_box(&found);
    }
    single.sort_unstable();
    let at = |q: f64| {
        single.get(((single.len() as f64 - 1.0) * q) as usize).copied().unwrap_or_default()
    };
    println!(
        "single lookups (timer included): p50 {:.0} ns, p99 {:.0} ns, p99.9 {:.0} ns, max {:.1} µs",
        at(0.5).as_nanos(),
        at(0.99).as_nanos(),
        at(0.999).as_nanos(),
        at(1.0).as_secs_f64() * 1e6
    );

    let mut differ = 0;
    let reference = reference::Reference::new(&areas);
    for p in points.iter().take(args.verify) {
        if index.lookup(*p) != reference.lookup(*p) {
            differ += 1;
        }
    }
    println!(
        "identical to the reference on {} of {} points",
        args.verify.min(points.len()) - differ,
        args.verify.min(points.len())
    );
    if differ > 0 {
        bail!("{differ} answers differ from the reference");
    }
    compare_with_shapely(&index, &points, args.answers, points_path)
}

/// Every answer against Shapely's (GEOS's `intersects`), when its answers file is there.
fn compare_with_shapely(
    index: &AreaIndex,
    points: &[[f64; 2]],
    answers: Option<PathBuf>,
    points_path: Option<PathBuf>,
) -> anyhow::Result<()> {
    let path = answers.or_else(|| {
        Some(points_path?.with_file_name(format!("shapely_answers_{}.csv", points.len())))
    });
    let Some(path) = path.filter(|p| p.exists()) else {
        println!("Shapely's answers: not found (scripts/lookup_answers_shapely.py writes them)");
        return Ok(());
    };
    let text = std::fs::read_to_string(&path).with_context(|| path.display().to_string())?;
    let theirs: Vec<&str> =
        text.lines().skip(1).map(|line| line.split_once(',').map_or("", |(_, ids)| ids)).collect();
    anyhow::ensure!(
        theirs.len() == points.len(),
        "{}: {} answers for {} points",
        path.display(),
        theirs.len(),
        points.len()
    );
    let mut differ = Vec::new();
    let mut found = Vec::new();
    for (i, (p, want)) in points.iter().zip(&theirs).enumerate() {
        found.clear();
        index.lookup_into(*p, &mut found);
        let mut ids: Vec<&str> = found.iter().filter_map(|a| index.id(*a)).collect();
        ids.sort_unstable();
        if ids.join(";") != *want {
            differ.push(i);
        }
    }
    println!(
        "identical to Shapely (GEOS) on {} of {} points",
        points.len() - differ.len(),
        points.len()
    );
    if let Some(first) = differ.first() {
        bail!("{} answers differ from Shapely's, the first at point {first}", differ.len());
    }
    Ok(())
}

/// The points, and the file they came from (`None`: drawn here).
fn load_points(path: Option<&std::path::Path>) -> anyhow::Result<(Vec<[f64; 2]>, Option<PathBuf>)> {
    let default = std::env::var("WORK_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| std::env::temp_dir().join("crisisbridge-bench"))
        .join("points_1000000.lonlat.f64le");
    let path = path.map(PathBuf::from).unwrap_or(default);
    if let Ok(bytes) = std::fs::read(&path) {
        println!("points: {}", path.display());
        let points = bytes
            .chunks_exact(16)
            .filter_map(|c| {
                let lon = f64::from_le_bytes(c.get(..8)?.try_into().ok()?);
                let lat = f64::from_le_bytes(c.get(8..)?.try_into().ok()?);
                Some([lon, lat])
            })
            .collect();
        return Ok((points, Some(path)));
    }
    println!(
        "points: {} not found; using 1,000,000 uniform points in the contiguous US's bounding box",
        path.display()
    );
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    Ok(((0..1_000_000).map(|_| [-124.85 + next() * 57.97, 24.39 + next() * 25.0]).collect(), None))
}
