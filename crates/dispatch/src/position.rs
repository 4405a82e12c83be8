//! A team's position from its GPS fixes: which fix is current, which are only breadcrumbs,
//! which jump impossibly, and when the position is stale.
//!
//! **Which fix is current.** The newest by fix time that is plausible. A fix arriving late
//! (its time not after the current one's) is [`FixVerdict::OutOfOrder`]: the caller keeps it
//! as a breadcrumb, and the position does not move back in time. A fix stamped more than
//! [`MAX_CLOCK_AHEAD_MS`] after it was received is [`FixVerdict::AheadOfClock`]: a phone
//! whose clock runs a day fast would otherwise make every later, correct fix look out of
//! order and freeze the team on the map.
//!
//! **Impossible jumps.** From the current fix to a newer one the implied speed is
//! `max(0, distance − accuracy₁ − accuracy₂) / Δt`, an unknown accuracy counting as
//! [`UNKNOWN_ACCURACY_M`]. Above [`MAX_PLAUSIBLE_SPEED_MPS`] (70 m/s, 252 km/h: crisis teams
//! drive with traffic, so this is far past any real speed and leaves room for GPS error the
//! reported accuracy understates) the fix is [`FixVerdict::ImpossibleJump`] and the position
//! does **not** move: a dispatcher is never shown a team somewhere it cannot be. The fix is
//! held as the *suspect*. If the next fix is plausible from the current position, the suspect
//! was an outlier and is dropped; if it is plausible from the suspect but not from the current
//! position, the current one was wrong (or the phone was off while the team drove) and the
//! new fix becomes current. So one bad fix never moves the team, and one bad *current* fix
//! cannot freeze it: two consistent fixes always win. While fixes are refused, the current
//! one ages and the team turns stale, which is what the dispatcher should see.
//!
//! **Stale.** A position is stale when its fix is older than [`StalePolicy::threshold_ms`]
//! (three reporting intervals of 10 s by default); a team with no fix at all is stale.

use domain::{GeoPoint, Timestamp};

use crate::error::{DispatchError, Result};

/// Faster than this between two fixes, after allowing for their accuracy, is impossible.
pub const MAX_PLAUSIBLE_SPEED_MPS: f64 = 70.0;
/// The accuracy assumed for a fix that reports none.
pub const UNKNOWN_ACCURACY_M: f64 = 50.0;
/// A fix stamped further than this past its receipt is refused as current.
pub const MAX_CLOCK_AHEAD_MS: i64 = 60_000;
/// The largest accuracy radius a fix may claim: a coarse network fix, still worth keeping.
pub const MAX_ACCURACY_M: f64 = 50_000.0;

/// One GPS fix from a team's device, range-checked.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fix {
    at: Timestamp,
    point: GeoPoint,
    accuracy_m: Option<f64>,
    speed_mps: Option<f64>,
    heading_deg: Option<f64>,
}

impl Fix {
    /// `at` is the fix's own time (when the device measured it). Accuracy is a radius in
    /// metres in `[0, 50 000]`; speed in m/s in `[0, 150]`; heading in degrees in `[0, 360]`
    /// (360 is read as 0). Devices that send −1 for "unknown" should send nothing instead.
    pub fn parse(
        at: Timestamp,
        point: GeoPoint,
        accuracy_m: Option<f64>,
        speed_mps: Option<f64>,
        heading_deg: Option<f64>,
    ) -> Result<Self> {
        let check = |value: Option<f64>, max: f64, what: &str, unit: &str| match value {
            Some(v) if !(v.is_finite() && (0.0..=max).contains(&v)) => Err(DispatchError::Fix(
                format!("{what} {v} is out of range [0, {max}] {unit}; leave it out when unknown"),
            )),
            _ => Ok(value),
        };
        let accuracy_m = check(accuracy_m, MAX_ACCURACY_M, "accuracy", "metres")?;
        let speed_mps = check(speed_mps, 150.0, "speed", "m/s")?;
        let heading_deg = check(heading_deg, 360.0, "heading", "degrees")?.map(|h| h % 360.0);
        Ok(Self { at, point, accuracy_m, speed_mps, heading_deg })
    }

    /// A fix with only a time and a point.
    pub fn at_point(at: Timestamp, point: GeoPoint) -> Self {
        Self { at, point, accuracy_m: None, speed_mps: None, heading_deg: None }
    }

    pub const fn at(&self) -> Timestamp {
        self.at
    }

    pub const fn point(&self) -> GeoPoint {
        self.point
    }

    pub const fn accuracy_m(&self) -> Option<f64> {
        self.accuracy_m
    }

    pub const fn speed_mps(&self) -> Option<f64> {
        self.speed_mps
    }

    pub const fn heading_deg(&self) -> Option<f64> {
        self.heading_deg
    }

    /// The speed needed to get from `self` to `later`, allowing for both accuracies.
    pub fn implied_speed_mps(&self, later: &Fix) -> f64 {
        let metres = distance_m(self.point, later.point);
        let slack = self.accuracy_m.unwrap_or(UNKNOWN_ACCURACY_M)
            + later.accuracy_m.unwrap_or(UNKNOWN_ACCURACY_M);
        let seconds = (later.at.as_millis() - self.at.as_millis()) as f64 / 1000.0;
        let beyond = (metres - slack).max(0.0);
        if beyond == 0.0 {
            0.0
        } else if seconds <= 0.0 {
            f64::INFINITY
        } else {
            beyond / seconds
        }
    }
}

/// What a fix did to the team's position. Every fix is worth keeping as a breadcrumb; only
/// [`FixVerdict::Current`] moved the position.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FixVerdict {
    /// The team's position is now this fix.
    Current,
    /// Not newer than the current fix (by `behind_ms`): a breadcrumb only.
    OutOfOrder { behind_ms: i64 },
    /// Too far from the current position for the time between them; held as the suspect,
    /// the position unchanged (see the module docs).
    ImpossibleJump { implied_speed_mps: f64 },
    /// Stamped `ahead_ms` after it was received: the device's clock is wrong.
    AheadOfClock { ahead_ms: i64 },
}

/// When a position counts as stale: older than `intervals` × `reporting_interval_s`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StalePolicy {
    /// How often devices are configured to report.
    pub reporting_interval_s: u32,
    /// How many intervals may pass without a fix.
    pub intervals: u32,
}

impl Default for StalePolicy {
    fn default() -> Self {
        Self { reporting_interval_s: 10, intervals: 3 }
    }
}

impl StalePolicy {
    pub fn threshold_ms(&self) -> i64 {
        i64::from(self.reporting_interval_s) * i64::from(self.intervals) * 1000
    }
}

/// The fixes a team's position is made of.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PositionTrack {
    current: Option<Fix>,
    /// The last fix that jumped impossibly, with its implied speed, until a later fix
    /// confirms or refutes it.
    suspect: Option<(Fix, f64)>,
    /// When the newest fix of any kind was received (the server's clock).
    last_received: Option<Timestamp>,
}

impl PositionTrack {
    /// A track that starts at `current` (restoring a saved state).
    pub fn starting_at(current: Option<Fix>, last_received: Option<Timestamp>) -> Self {
        Self { current, suspect: None, last_received }
    }

    /// Takes one fix, received at `received_at` by the server's clock.
    pub fn apply(&mut self, fix: Fix, received_at: Timestamp) -> FixVerdict {
        self.last_received = self.last_received.max(Some(received_at));
        let ahead_ms = fix.at.as_millis().saturating_sub(received_at.as_millis());
        if ahead_ms > MAX_CLOCK_AHEAD_MS {
            return FixVerdict::AheadOfClock { ahead_ms };
        }
        let Some(current) = self.current else {
            self.current = Some(fix);
            return FixVerdict::Current;
        };
        if fix.at <= current.at {
            let behind_ms = current.at.as_millis().saturating_sub(fix.at.as_millis());
            return FixVerdict::OutOfOrder { behind_ms };
        }
        let speed = current.implied_speed_mps(&fix);
        let confirms_suspect = self.suspect.is_some_and(|(suspect, _)| {
            suspect.at < fix.at && suspect.implied_speed_mps(&fix) <= MAX_PLAUSIBLE_SPEED_MPS
        });
        if speed <= MAX_PLAUSIBLE_SPEED_MPS || confirms_suspect {
            self.current = Some(fix);
            self.suspect = None;
            FixVerdict::Current
        } else {
            self.suspect = Some((fix, speed));
            FixVerdict::ImpossibleJump { implied_speed_mps: speed }
        }
    }

    /// The fix the team's position is taken from.
    pub const fn current(&self) -> Option<&Fix> {
        self.current.as_ref()
    }

    /// The last impossible jump not yet confirmed or refuted, with its implied speed.
    pub const fn suspect(&self) -> Option<&(Fix, f64)> {
        self.suspect.as_ref()
    }

    pub const fn last_received(&self) -> Option<Timestamp> {
        self.last_received
    }

    /// How old the current position is at `now` (0 for a fix stamped slightly ahead).
    pub fn age_ms(&self, now: Timestamp) -> Option<i64> {
        self.current.map(|fix| now.as_millis().saturating_sub(fix.at.as_millis()).max(0))
    }

    /// Older than the policy allows, or no fix at all.
    pub fn is_stale(&self, now: Timestamp, policy: &StalePolicy) -> bool {
        self.age_ms(now).is_none_or(|age| age > policy.threshold_ms())
    }
}

/// Great-circle metres between two points.
pub(crate) fn distance_m(a: GeoPoint, b: GeoPoint) -> f64 {
    roads::haversine_m(a.lat.degrees(), a.lon.degrees(), b.lat.degrees(), b.lon.degrees())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fix(at_s: i64, north_m: f64, accuracy_m: f64) -> Fix {
        let point = GeoPoint::parse(40.0 + north_m / 111_195.08, -74.0).unwrap();
        Fix::parse(Timestamp::from_millis(at_s * 1000), point, Some(accuracy_m), None, None)
            .unwrap()
    }

    #[test]
    fn fields_are_range_checked() {
        let p = GeoPoint::parse(40.0, -74.0).unwrap();
        let t = Timestamp::from_millis(0);
        assert!(Fix::parse(t, p, Some(-1.0), None, None).is_err());
        assert!(Fix::parse(t, p, Some(f64::NAN), None, None).is_err());
        let err = Fix::parse(t, p, None, Some(-1.0), None).unwrap_err();
        assert_eq!(
            err.to_string(),
            "GPS fix: speed -1 is out of range [0, 150] m/s; leave it out when unknown"
        );
        assert!(Fix::parse(t, p, None, None, Some(361.0)).is_err());
        assert_eq!(Fix::parse(t, p, None, None, Some(360.0)).unwrap().heading_deg(), Some(0.0));
    }

    #[test]
    fn implied_speed_allows_for_both_accuracies() {
        // 1,000 m in 10 s with ±10 m each: 980 m / 10 s.
        let speed = fix(0, 0.0, 10.0).implied_speed_mps(&fix(10, 1000.0, 10.0));
        assert!((speed - 98.0).abs() < 0.01, "{speed}");
        // Within the accuracy: no movement at all, even at the same instant.
        assert_eq!(fix(0, 0.0, 10.0).implied_speed_mps(&fix(0, 15.0, 10.0)), 0.0);
        // Unknown accuracy counts as 50 m each.
        let a = Fix::at_point(Timestamp::from_millis(0), fix(0, 0.0, 1.0).point());
        let b = Fix::at_point(Timestamp::from_millis(1000), fix(1, 100.0, 1.0).point());
        assert!(a.implied_speed_mps(&b) < 1e-6);
    }
}
