//! Where to take the person: every facility ranked for an incident by eligibility, room and
//! road travel time, each with its reason in words. A facility on diversion, closed, without a
//! free bed or chair, or whose last report is stale is never ranked above one that has room
//! and said so recently — and its reason says why it is lower.

use dispatch::{Eta, EtaSource, RoadTravelTimes, StraightLineTravelTimes, TravelTimes};
use domain::facility::{Facility, FacilityStatus, Person};
use domain::{GeoPoint, Timestamp};

/// How sure a facility's room is, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Room {
    /// Accepting, with a bed or chair free (or it does not count them), said recently.
    Free,
    /// Accepting as last said, but the report is older than the stale time.
    Stale,
    /// Accepting, but no bed or chair free.
    Full,
    /// On diversion: it asks teams to go elsewhere.
    Diversion,
    Closed,
}

impl Room {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Free => "free",
            Self::Stale => "stale",
            Self::Full => "full",
            Self::Diversion => "diversion",
            Self::Closed => "closed",
        }
    }
}

/// One facility's place in the ranking.
#[derive(Debug, Clone)]
pub struct Ranked {
    pub facility: Facility,
    /// Why the person may not go there; `None` when they may.
    pub ineligible: Option<String>,
    pub room: Room,
    /// Travel time from the incident's location; `None` when it has none.
    pub eta: Option<Eta>,
    /// The ranking's reason, in words.
    pub reason: String,
}

/// Travel times by road through `roads`, or straight-line estimates without a graph (each
/// [`Eta`] says which).
pub fn travel_times(roads: Option<&roads::Graph>) -> Box<dyn TravelTimes + '_> {
    match roads {
        Some(g) => Box::new(RoadTravelTimes::new(g, RoadTravelTimes::DEFAULT_MAX_SNAP_M)),
        None => Box::new(StraightLineTravelTimes::new()),
    }
}

/// `facilities` ranked for a person at `from` (eligible first, then by room, then by travel
/// time), at `now`, a report older than `stale_ms` counting as stale.
pub fn rank(
    facilities: Vec<Facility>,
    from: Option<GeoPoint>,
    person: &Person,
    roads: Option<&roads::Graph>,
    now: Timestamp,
    stale_ms: i64,
) -> Vec<Ranked> {
    let mut travel = travel_times(roads);
    if let Some(from) = from {
        travel.set_origins(&[from]);
    }
    let mut out: Vec<Ranked> = facilities
        .into_iter()
        .map(|facility| {
            let eta = from.and_then(|_| {
                let mut times = Vec::new();
                travel.times_to(facility.location, &mut times);
                times.first().copied()
            });
            let age_ms = now.as_millis() - facility.availability.updated_at.as_millis();
            let room = match facility.availability.status {
                FacilityStatus::Closed => Room::Closed,
                FacilityStatus::Diversion => Room::Diversion,
                FacilityStatus::Accepting if !facility.availability.has_room() => Room::Full,
                FacilityStatus::Accepting if age_ms > stale_ms => Room::Stale,
                FacilityStatus::Accepting => Room::Free,
            };
            let ineligible = facility.refuses(person);
            let reason = reason(&facility, ineligible.as_deref(), room, eta, age_ms);
            Ranked { facility, ineligible, room, eta, reason }
        })
        .collect();
    out.sort_by_key(|r| {
        (
            r.ineligible.is_some(),
            r.room,
            r.eta.map_or(u32::MAX, |e| e.millis),
            r.facility.name.clone(),
        )
    });
    out
}

fn reason(
    f: &Facility,
    ineligible: Option<&str>,
    room: Room,
    eta: Option<Eta>,
    age_ms: i64,
) -> String {
    let mut parts = Vec::new();
    if let Some(why) = ineligible {
        parts.push(format!("not eligible: {why}"));
    }
    let said = format!("reported {} ago", minutes(age_ms));
    let counts = match (f.availability.beds_free, f.availability.chairs_free) {
        (None, None) => String::new(),
        (beds, chairs) => {
            let mut c = Vec::new();
            if let Some(b) = beds {
                c.push(format!("{b} bed{} free", if b == 1 { "" } else { "s" }));
            }
            if let Some(ch) = chairs {
                c.push(format!("{ch} chair{} free", if ch == 1 { "" } else { "s" }));
            }
            format!("{}, ", c.join(", "))
        }
    };
    parts.push(match room {
        Room::Free => format!("accepting: {counts}{said}"),
        Room::Stale => format!("accepting as last reported ({counts}{said}: stale, call ahead)"),
        Room::Full => format!("no bed or chair free ({said})"),
        Room::Diversion => format!("on diversion ({said}): go there only after calling"),
        Room::Closed => format!("closed ({said})"),
    });
    if !f.always_open {
        parts.push(format!("hours: {}", f.hours));
    }
    parts.push(match eta {
        Some(e) => format!(
            "{} {}",
            minutes(i64::from(e.millis)),
            if e.source == EtaSource::Road { "by road" } else { "straight-line estimate" }
        ),
        None => "no travel time: the incident has no location".to_owned(),
    });
    parts.join(" · ")
}

fn minutes(ms: i64) -> String {
    let m = (ms.max(0) + 30_000) / 60_000;
    if m < 60 { format!("{m} min") } else { format!("{} h {} min", m / 60, m % 60) }
}
