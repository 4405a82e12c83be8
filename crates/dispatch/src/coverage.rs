//! Coverage: how much of a provider's area has an available team within the response-time
//! target, and how much of it each team alone holds.
//!
//! The area is a set of sample points, each with a weight (population, or 1 each), given by
//! the caller — typically a grid over the provider's service area. A point is covered when
//! at least one available team can drive to it within the target. Removing team `i` uncovers
//! exactly the points that `i` alone covers, so one pass over the points, counting for each
//! how many teams reach it (stopping at two) and which one when only one does, gives every
//! team's loss at once: `loss(i) = weight of points only i covers / total weight`.
//!
//! **Cost, and why the sample is bounded.** A point is first asked of only the four teams
//! nearest to it in a straight line; when two of them reach it in time it is covered and
//! nobody's alone, whatever the rest, so that answer is exact (and when this settles fewer
//! than half the points, it stops being tried). Only the other points are asked of every
//! available team: one many-to-one road query each (about 45 µs for 200 teams on the
//! 16.8 k-node Manhattan graph, against about 25 µs for four). So the sample count bounds the recommendation's
//! worst case: [`CoverageArea::MAX_POINTS`] is 48, which with the incident's own query and
//! snapping 200 teams keeps a recommendation within its 5 ms budget even when every point
//! needs the full query (BENCHMARKS.md), and resolves a county to about a 7 × 7 grid, finer
//! than the spacing of the teams that cover it.

use domain::GeoPoint;

use crate::error::{DispatchError, Result};
use crate::travel::{Eta, TravelTimes};

/// One sample of a provider's area.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CoveragePoint {
    pub point: GeoPoint,
    /// How much this point counts: residents it stands for, or 1.
    pub weight: f64,
}

/// The sample points of one provider's area, with the name explanations use.
#[derive(Debug, Clone, PartialEq)]
pub struct CoverageArea {
    name: String,
    points: Vec<CoveragePoint>,
    total_weight: f64,
}

impl CoverageArea {
    /// The most sample points a recommendation evaluates (see the module docs).
    pub const MAX_POINTS: usize = 48;

    /// `name` is what a dispatcher calls the area ("Douglas County"). Weights must be finite
    /// and not negative, and not all zero.
    pub fn new(name: impl Into<String>, points: Vec<CoveragePoint>) -> Result<Self> {
        if points.is_empty() {
            return Err(DispatchError::Coverage("it has no sample points".into()));
        }
        if points.len() > Self::MAX_POINTS {
            return Err(DispatchError::Coverage(format!(
                "{} sample points is more than the {} a recommendation can evaluate in time; sample the area more coarsely (weights may carry the population of the points left out)",
                points.len(),
                Self::MAX_POINTS
            )));
        }
        if let Some(bad) = points.iter().find(|p| !(p.weight.is_finite() && p.weight >= 0.0)) {
            return Err(DispatchError::Coverage(format!(
                "weight {} is not a finite number of at least 0",
                bad.weight
            )));
        }
        let total_weight: f64 = points.iter().map(|p| p.weight).sum();
        if !(total_weight > 0.0 && total_weight.is_finite()) {
            return Err(DispatchError::Coverage(format!(
                "the weights add up to {total_weight}; at least one must be above 0"
            )));
        }
        Ok(Self { name: name.into(), points, total_weight })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn points(&self) -> &[CoveragePoint] {
        &self.points
    }
}

/// Coverage by a set of teams, and what each one alone holds.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Coverage {
    /// The covered share of the area's weight, in [0, 1].
    pub now: f64,
    /// By origin: the share covered by that origin alone, in [0, 1].
    pub sole: Vec<f64>,
}

/// How many of the teams nearest a sample point (in a straight line) are asked first.
const WITNESSES_ASKED: usize = 4;

impl Coverage {
    /// Coverage by `origins` — the points `travel` was last given — within `target_ms`;
    /// `buffer` is scratch space.
    ///
    /// Each point first asks only the [`WITNESSES_ASKED`] origins nearest to it: when two of
    /// them reach it in time, it is covered and nobody's alone, whatever the others' times,
    /// so the answer is exact without asking them. Only points that fail this (reached by
    /// fewer than two of their nearest teams) are asked of every origin. Where teams are
    /// dense that is almost no point; where they are sparse, the first stage is dropped
    /// once it settles fewer than half the points, so it costs only a few small queries.
    pub fn compute(
        area: &CoverageArea,
        travel: &mut dyn TravelTimes,
        origins: &[GeoPoint],
        target_ms: u64,
        buffer: &mut Vec<Eta>,
    ) -> Self {
        let within = |eta: &Eta| u64::from(eta.millis) <= target_ms;
        let mut covered = 0.0;
        let mut sole = vec![0.0; origins.len()];
        let mut nearest = Vec::with_capacity(origins.len());
        let mut witnesses = Vec::with_capacity(WITNESSES_ASKED);
        let (mut tried, mut settled) = (0, 0);
        for sample in &area.points {
            // Once the nearest teams settle fewer than half of the points (teams sparse for
            // the target), asking them first only adds a query per point: stop asking.
            let worth_it = tried < 4 || settled * 2 >= tried;
            if origins.len() > WITNESSES_ASKED && worth_it {
                tried += 1;
                nearest_origins(origins, sample.point, &mut nearest, &mut witnesses);
                travel.times_to_from(sample.point, &witnesses, buffer);
                if buffer.iter().filter(|eta| within(eta)).count() >= 2 {
                    settled += 1;
                    covered += sample.weight;
                    continue;
                }
            }
            travel.times_to(sample.point, buffer);
            let mut reaching = buffer.iter().enumerate().filter(|(_, eta)| within(eta));
            let Some((first, _)) = reaching.next() else { continue };
            covered += sample.weight;
            if reaching.next().is_none()
                && let Some(slot) = sole.get_mut(first)
            {
                *slot += sample.weight;
            }
        }
        let share = |w: f64| (w / area.total_weight).clamp(0.0, 1.0);
        Self { now: share(covered), sole: sole.into_iter().map(share).collect() }
    }
}

/// The indices of the [`WITNESSES_ASKED`] origins nearest `to`, by a flat-earth distance
/// (ranking is all it is for), into `out`.
fn nearest_origins(
    origins: &[GeoPoint],
    to: GeoPoint,
    scratch: &mut Vec<(f64, usize)>,
    out: &mut Vec<usize>,
) {
    let (lat, lon) = (to.lat.degrees(), to.lon.degrees());
    let cos = lat.to_radians().cos();
    scratch.clear();
    scratch.extend(origins.iter().enumerate().map(|(i, p)| {
        let (dx, dy) = ((p.lon.degrees() - lon) * cos, p.lat.degrees() - lat);
        (dx * dx + dy * dy, i)
    }));
    let k = WITNESSES_ASKED.min(scratch.len());
    if k > 0 && k < scratch.len() {
        scratch.select_nth_unstable_by(k - 1, |a, b| a.0.total_cmp(&b.0));
    }
    out.clear();
    out.extend(scratch.iter().take(k).map(|(_, i)| *i));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(lat: f64) -> GeoPoint {
        GeoPoint::parse(lat, -95.0).unwrap()
    }

    #[test]
    fn areas_are_checked() {
        let point = |weight| CoveragePoint { point: p(39.0), weight };
        assert!(CoverageArea::new("x", vec![]).is_err());
        assert!(CoverageArea::new("x", vec![point(-1.0)]).is_err());
        assert!(CoverageArea::new("x", vec![point(f64::NAN)]).is_err());
        assert!(CoverageArea::new("x", vec![point(0.0), point(0.0)]).is_err());
        let err = CoverageArea::new("x", vec![point(1.0); 49]).unwrap_err();
        assert!(err.to_string().starts_with("coverage area: 49 sample points is more than the 48"));
        assert!(CoverageArea::new("x", vec![point(1.0); 48]).is_ok());
    }

    #[test]
    fn each_team_loses_what_it_alone_covers() {
        // Three points 10 km apart north to south; teams at the first and second point; a
        // target that reaches only the neighbouring points (10 km ≈ 1,275 s straight line).
        let area = CoverageArea::new(
            "Line County",
            [(39.0, 1.0), (39.09, 2.0), (39.18, 1.0)]
                .map(|(lat, weight)| CoveragePoint { point: p(lat), weight })
                .to_vec(),
        )
        .unwrap();
        let mut travel = crate::travel::StraightLineTravelTimes::new();
        let origins = [p(39.0), p(39.09)];
        travel.set_origins(&origins);
        let coverage = Coverage::compute(&area, &mut travel, &origins, 1_400_000, &mut Vec::new());
        assert_eq!(coverage.now, 1.0);
        // Team 0 covers points 0 and 1, team 1 covers all three; only the third is team 1's alone.
        assert_eq!(coverage.sole, [0.0, 0.25]);
    }

    /// Coverage the plain way: every origin asked about every point.
    fn reference(area: &CoverageArea, origins: &[GeoPoint], target_ms: u64) -> Coverage {
        let mut travel = crate::travel::StraightLineTravelTimes::new();
        travel.set_origins(origins);
        let (mut covered, mut sole) = (0.0, vec![0.0; origins.len()]);
        let mut times = Vec::new();
        for sample in area.points() {
            travel.times_to(sample.point, &mut times);
            let reaching: Vec<usize> =
                (0..times.len()).filter(|i| u64::from(times[*i].millis) <= target_ms).collect();
            if !reaching.is_empty() {
                covered += sample.weight;
            }
            if let [only] = reaching[..] {
                sole[only] += sample.weight;
            }
        }
        let share = |w: f64| (w / area.total_weight).clamp(0.0, 1.0);
        Coverage { now: share(covered), sole: sole.into_iter().map(share).collect() }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(200))]
        #[test]
        fn asking_the_nearest_first_gives_the_plain_answer(
            teams in proptest::collection::vec((38.5f64..39.5, -95.5f64..-94.5), 0..30),
            points in proptest::collection::vec((38.5f64..39.5, -95.5f64..-94.5, 0u8..5), 1..48),
            target_s in 0u64..8000,
        ) {
            let origins: Vec<GeoPoint> =
                teams.iter().map(|(lat, lon)| GeoPoint::parse(*lat, *lon).unwrap()).collect();
            let samples = points
                .iter()
                .map(|(lat, lon, w)| CoveragePoint { point: GeoPoint::parse(*lat, *lon).unwrap(), weight: f64::from(*w) })
                .collect();
            let Ok(area) = CoverageArea::new("x", samples) else { return Ok(()) };
            let mut travel = crate::travel::StraightLineTravelTimes::new();
            travel.set_origins(&origins);
            let got = Coverage::compute(&area, &mut travel, &origins, target_s * 1000, &mut Vec::new());
            proptest::prop_assert_eq!(got, reference(&area, &origins, target_s * 1000));
        }
    }
}
