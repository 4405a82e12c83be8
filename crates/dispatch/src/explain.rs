//! The plain-language explanation each candidate carries, and the incident's point.
//!
//! An explanation is written for a dispatcher deciding in seconds: what the ETA is and how
//! it was found, how old the position behind it is, which required skills the team has or
//! lacks, its recent calls, and what leaving does to coverage — in that order, and only the
//! parts that apply. Anything that makes the ETA less certain (a stale or assumed position,
//! a fix held back as an impossible jump, a coarse fix) is always said.

use std::fmt::Write;

use domain::{GeoPoint, Location, Timestamp};

use crate::capability::Capability;
use crate::recommend::{Candidate, Ineligible, PositionBasis};
use crate::status::TeamStatus;
use crate::team::TeamState;
use crate::travel::EtaSource;

/// A fix less accurate than this is mentioned.
const COARSE_FIX_M: f64 = 100.0;

/// What every explanation of one recommendation shares.
#[derive(Debug)]
pub(crate) struct Context<'a> {
    pub required: &'a [Capability],
    pub workload_window_s: u32,
    pub target_s: u32,
    pub area: Option<&'a str>,
}

/// A team as the explanations name it: "Team Lawrence 1" for a team named "Lawrence 1", and
/// as it is for one whose name already says so ("Team Lawrence 1", "team 3").
fn team_name(name: &str) -> String {
    let said = name.get(..5).is_some_and(|start| start.eq_ignore_ascii_case("team "));
    if said { name.to_owned() } else { format!("Team {name}") }
}

/// "Team Lawrence 1: 7 min by road from its position 40 s ago; has youth and peer; 1 call in
/// the last 12 h; leaving drops coverage of Douglas County within 60 min from 92% to 71%."
pub(crate) fn eligible(candidate: &Candidate, team: &TeamState, context: &Context<'_>) -> String {
    let mut text = format!("{}: ", team_name(&candidate.name));
    let eta = candidate.eta.map_or_else(|| "no ETA".to_owned(), |e| eta_words(e.millis));
    let method = match candidate.eta.map(|e| e.source) {
        Some(EtaSource::Road) => "by road",
        Some(EtaSource::StraightLine) | None => "by straight-line estimate, not by road,",
    };
    // Writing to a String cannot fail; the results are ignored for that reason.
    let basis = candidate.position.unwrap_or(PositionBasis::HomeBase { last_fix_age_ms: None });
    let _ = match basis {
        PositionBasis::Live { age_ms } => {
            write!(text, "{eta} {method} from its position {} ago", age_words(age_ms))
        }
        PositionBasis::Stale { age_ms } => write!(
            text,
            "{eta} {method} from its position {age} ago (stale: ranked as if {age} further away)",
            age = age_words(age_ms)
        ),
        PositionBasis::HomeBase { last_fix_age_ms } => {
            let why = match last_fix_age_ms {
                None => "no GPS fix yet".to_owned(),
                Some(age) => format!("last GPS fix {} ago", age_words(age)),
            };
            write!(text, "position unknown ({why}); {eta} {method} if at its home base")
        }
    };
    if let Some(speed) = candidate.pending_jump_mps {
        let _ = write!(
            text,
            "; its latest fix was held back: it implies {:.0} km/h",
            (speed * 3.6).min(99_999.0)
        );
    }
    if let Some(accuracy) = team.position().current().and_then(|f| f.accuracy_m())
        && accuracy > COARSE_FIX_M
        && !matches!(basis, PositionBasis::HomeBase { .. })
    {
        let _ = write!(text, "; position accurate only to {accuracy:.0} m");
    }
    if !context.required.is_empty() {
        let has: Vec<&Capability> =
            context.required.iter().filter(|c| !candidate.missing.contains(c)).collect();
        let _ = match (has.is_empty(), candidate.missing.is_empty()) {
            (_, true) => write!(text, "; has {}", and_list(&has)),
            (true, false) => {
                write!(text, "; lacks {}", and_list(&candidate.missing.iter().collect::<Vec<_>>()))
            }
            (false, false) => write!(
                text,
                "; lacks {}, has {}",
                and_list(&candidate.missing.iter().collect::<Vec<_>>()),
                and_list(&has)
            ),
        };
    }
    let window = age_words(i64::from(context.workload_window_s) * 1000);
    let _ = match candidate.recent_calls {
        0 => write!(text, "; no calls in the last {window}"),
        1 => write!(text, "; 1 call in the last {window}"),
        n => write!(text, "; {n} calls in the last {window}"),
    };
    if let (Some(area), Some(change)) = (context.area, candidate.coverage) {
        let target = age_words(i64::from(context.target_s) * 1000);
        let (before, after) = percents(change.before, change.after);
        let _ = if change.loss() <= 0.0 {
            write!(text, "; leaving keeps coverage of {area} within {target} at {before}")
        } else if before == after {
            write!(
                text,
                "; leaving drops coverage of {area} within {target} by under 0.01 points from {before}"
            )
        } else {
            write!(
                text,
                "; leaving drops coverage of {area} within {target} from {before} to {after}"
            )
        };
    }
    text.push('.');
    text
}

/// "Team Lawrence 2: not eligible: on scene at incident … for 14 min."
pub(crate) fn ineligible(candidate: &Candidate, reason: Ineligible, now: Timestamp) -> String {
    let since = |at: Timestamp| age_words(now.as_millis().saturating_sub(at.as_millis()).max(0));
    let why = match reason {
        Ineligible::OffShift => "off shift".to_owned(),
        Ineligible::OutOfService { since: at } => format!("out of service for {}", since(at)),
        Ineligible::OnACall { status, incident, since: at } => {
            let doing = match status {
                TeamStatus::Dispatched => "dispatched to",
                TeamStatus::EnRoute => "en route to",
                TeamStatus::OnScene => "on scene at",
                TeamStatus::Transporting => "transporting from",
                TeamStatus::AtFacility => "at a facility after",
                TeamStatus::Available | TeamStatus::OutOfService => "busy with",
            };
            let incident =
                incident.map_or_else(|| "an incident".to_owned(), |i| format!("incident {i}"));
            format!("{doing} {incident} for {}", since(at))
        }
    };
    format!("{}: not eligible: {why}.", team_name(&candidate.name))
}

/// Where teams are routed to: a circle's centre, a polygon's area centroid; `None` when
/// nothing is known.
pub fn representative_point(location: &Location) -> Option<GeoPoint> {
    match location {
        Location::Unknown => None,
        Location::Circle { center, .. } => Some(*center),
        Location::Polygon(polygon) => {
            let vertices = polygon.vertices();
            let first = vertices.first()?;
            let (lat0, lon0) = (first.lat.degrees(), first.lon.degrees());
            // Shoelace centroid relative to the first vertex, for precision; a polygon is
            // small enough (a cell sector at most) for degrees to be treated as planar.
            let (mut area2, mut cx, mut cy) = (0.0, 0.0, 0.0);
            let next = vertices.iter().cycle().skip(1);
            for (a, b) in vertices.iter().zip(next) {
                let (ax, ay) = (a.lon.degrees() - lon0, a.lat.degrees() - lat0);
                let (bx, by) = (b.lon.degrees() - lon0, b.lat.degrees() - lat0);
                let cross = ax * by - bx * ay;
                area2 += cross;
                cx += (ax + bx) * cross;
                cy += (ay + by) * cross;
            }
            if area2 == 0.0 {
                return Some(*first);
            }
            GeoPoint::parse(lat0 + cy / (3.0 * area2), lon0 + cx / (3.0 * area2)).ok()
        }
    }
}

/// An ETA rounded up to the minute: "under 1 min", "7 min", "1 h 5 min".
pub(crate) fn eta_words(millis: u32) -> String {
    if millis < 60_000 {
        return "under 1 min".to_owned();
    }
    let minutes = u64::from(millis).div_ceil(60_000);
    hours_minutes(minutes)
}

/// An age or duration rounded down: "40 s", "4 min", "2 h 5 min", "12 h".
pub(crate) fn age_words(millis: i64) -> String {
    let seconds = millis.max(0) / 1000;
    if seconds < 60 {
        return format!("{seconds} s");
    }
    hours_minutes(seconds.unsigned_abs() / 60)
}

fn hours_minutes(minutes: u64) -> String {
    match (minutes / 60, minutes % 60) {
        (0, m) => format!("{m} min"),
        // Up to two hours, whole hours read as minutes: "within 60 min", "within 120 min".
        (h, 0) if h <= 2 => format!("{minutes} min"),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m} min"),
    }
}

/// Two shares as percentages, with as many decimals (up to two) as it takes for a real
/// difference not to read "from 100% to 100%".
fn percents(before: f64, after: f64) -> (String, String) {
    let show = |share: f64, decimals: usize| format!("{:.*}%", decimals, share * 100.0);
    let decimals =
        (0..=2).find(|d| before == after || show(before, *d) != show(after, *d)).unwrap_or(2);
    (show(before, decimals), show(after, decimals))
}

/// "a", "a and b", "a, b and c".
fn and_list(items: &[&Capability]) -> String {
    match items.split_last() {
        None => String::new(),
        Some((last, [])) => last.to_string(),
        Some((last, rest)) => {
            let rest: Vec<&str> = rest.iter().map(|c| c.as_str()).collect();
            format!("{} and {last}", rest.join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_team_is_named_team_once() {
        assert_eq!(team_name("Lawrence 2"), "Team Lawrence 2");
        assert_eq!(team_name("Team Lawrence 2"), "Team Lawrence 2");
        assert_eq!(team_name("team 3"), "team 3");
        assert_eq!(team_name("Teamsters"), "Team Teamsters");
        assert_eq!(team_name("Té"), "Team Té");
    }

    #[test]
    fn durations_read_as_a_dispatcher_says_them() {
        assert_eq!(eta_words(59_999), "under 1 min");
        assert_eq!(eta_words(60_000), "1 min");
        assert_eq!(eta_words(60_001), "2 min");
        assert_eq!(eta_words(65 * 60_000), "1 h 5 min");
        assert_eq!(age_words(40_999), "40 s");
        assert_eq!(age_words(-5), "0 s");
        assert_eq!(age_words(4 * 60_000 + 59_000), "4 min");
        // Targets read in minutes up to two hours ("within 60 min", "within 120 min").
        assert_eq!(age_words(3_600_000), "60 min");
        assert_eq!(age_words(7_200_000), "120 min");
        assert_eq!(age_words(12 * 3_600_000), "12 h");
        assert_eq!(age_words(125 * 60_000), "2 h 5 min");
    }

    #[test]
    fn a_small_coverage_loss_still_reads_as_a_loss() {
        assert_eq!(percents(0.92, 0.71), ("92%".into(), "71%".into()));
        assert_eq!(percents(1.0, 0.998), ("100.0%".into(), "99.8%".into()));
        assert_eq!(percents(1.0, 0.99996), ("100.00%".into(), "100.00%".into()));
        assert_eq!(percents(0.5, 0.5), ("50%".into(), "50%".into()));
    }

    #[test]
    fn a_polygon_is_routed_to_its_centroid() {
        let p = |lat, lon| GeoPoint::parse(lat, lon).unwrap();
        let square = domain::Polygon::parse(vec![
            p(39.0, -95.0),
            p(39.0, -94.0),
            p(40.0, -94.0),
            p(40.0, -95.0),
        ])
        .unwrap();
        let c = representative_point(&Location::Polygon(square)).unwrap();
        assert!((c.lat.degrees() - 39.5).abs() < 1e-12 && (c.lon.degrees() + 94.5).abs() < 1e-12);
        assert_eq!(representative_point(&Location::Unknown), None);
    }
}
