//! The 988 → 911 imminent-risk handoff.
//!
//! When a 988 contact is at imminent risk, the 988 center hands it to the PSAP serving the
//! best known location. The PSAP gets a new 911 incident of its own, opened from a
//! [`HandoffPayload`] — an allow-list of fields: the location with its confidence, the
//! callback number, hazards, the imminent-risk flag and a short reason. Clinical notes and the
//! risk assessment stay in the 988 contact, which the PSAP never sees: the payload has no field
//! that could carry them, and the new incident is made from the payload alone.
//!
//! The 988 contact records the handoff and may not close until the 988 side records whether
//! emergency services made contact — the network's imminent-risk policy requires that
//! follow-up.

use crate::contact::{CallbackNumber, Text};
use crate::event::EventKind;
use crate::ids::IncidentId;
use crate::incident::Channel;
use crate::location::Location;
use crate::time::Timestamp;

/// What a PSAP receives from a 988 center: nothing else.
#[derive(Debug, Clone, PartialEq)]
pub struct HandoffPayload {
    /// The best known location; its shape carries its confidence (a circle's radius, a cell
    /// sector's polygon).
    pub location: Location,
    pub callback: Option<CallbackNumber>,
    /// What responders must know to stay safe, e.g. "firearm in the home".
    pub hazards: Vec<Text>,
    /// Why emergency services are needed, in a sentence.
    pub reason: Text,
}

impl HandoffPayload {
    /// At most this many hazards.
    pub const MAX_HAZARDS: usize = 10;

    /// The `Opened` event of the PSAP's incident: the payload, and nothing else.
    pub fn opened(&self) -> EventKind {
        let hazards = if self.hazards.is_empty() {
            "none reported".to_owned()
        } else {
            self.hazards.iter().map(Text::as_str).collect::<Vec<_>>().join("; ")
        };
        let summary = format!(
            "988 imminent-risk handoff. Location confidence: {}. Reason: {}. Hazards: {hazards}.",
            confidence(&self.location),
            self.reason.as_str()
        );
        EventKind::Opened {
            channel: Channel::Nine11,
            location: self.location.clone(),
            callback: self.callback.clone(),
            summary: Text::parse(&summary, Text::SUMMARY_MAX).unwrap_or_default(),
        }
    }
}

/// How sure the location is, in words a call-taker reads at a glance.
pub fn confidence(location: &Location) -> String {
    match location {
        Location::Unknown => "unknown".to_owned(),
        Location::Circle { radius_m, .. } if *radius_m <= 0.0 => {
            "a point with no stated uncertainty".to_owned()
        }
        Location::Circle { radius_m, .. } => format!("within {radius_m:.0} m"),
        Location::Polygon(_) => "an area (cell-sector grade)".to_owned(),
    }
}

/// What the 988 side learned after handing off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HandoffOutcome {
    /// Emergency services reached the person.
    ContactMade,
    /// The 988 center could not confirm that they did.
    CouldNotConfirm,
}

impl HandoffOutcome {
    pub const ALL: [Self; 2] = [Self::ContactMade, Self::CouldNotConfirm];

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::ContactMade => "contact_made",
            Self::CouldNotConfirm => "could_not_confirm",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.as_str() == s)
    }
}

/// A handoff made from this incident, and its follow-up.
#[derive(Debug, Clone, PartialEq)]
pub struct EmergencyHandoff {
    /// The PSAP's incident.
    pub incident: IncidentId,
    pub started_at: Timestamp,
    /// The follow-up, once recorded.
    pub outcome: Option<(HandoffOutcome, Timestamp)>,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]
    use super::*;
    use crate::location::GeoPoint;

    #[test]
    fn the_psap_incident_is_made_of_the_payload_alone() {
        let payload = HandoffPayload {
            location: Location::circle(GeoPoint::parse(38.97, -95.24).unwrap(), 1500.0).unwrap(),
            callback: CallbackNumber::parse("785-555-0100").ok(),
            hazards: vec![Text::parse("firearm in the home", 200).unwrap()],
            reason: Text::parse("caller has taken pills", 200).unwrap(),
        };
        let EventKind::Opened { channel, location, callback, summary } = payload.opened() else {
            panic!("not an opening")
        };
        assert_eq!(channel, Channel::Nine11);
        assert_eq!(location, payload.location);
        assert_eq!(callback, payload.callback);
        assert_eq!(
            summary.as_str(),
            "988 imminent-risk handoff. Location confidence: within 1500 m. Reason: caller has taken pills. Hazards: firearm in the home."
        );
    }

    #[test]
    fn outcome_names_round_trip() {
        for o in HandoffOutcome::ALL {
            assert_eq!(HandoffOutcome::parse(o.as_str()), Some(o));
        }
        assert_eq!(HandoffOutcome::parse("maybe"), None);
    }
}
