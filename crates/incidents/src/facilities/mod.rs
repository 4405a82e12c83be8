//! Somewhere to go: crisis facilities — read from a facilities file (`import`), their
//! availability reported by their own staff, ranked for a person on scene (`rank`) — and the
//! hand-over: a team chooses where it takes the person (`destination_chosen`, which brings the
//! facility's agency into the incident), the facility sees the team coming with its expected
//! arrival, and takes the person over or turns the team away.

pub mod import;
pub mod rank;

use domain::facility::{Availability, AvailabilityReport, Facility, Person};
use domain::{EventKind, Incident, IncidentId, Permission, TeamId, Text};
use store::IncidentFilter;

use crate::service::by;
use crate::{Caller, Committed, IncidentError, IncidentService, Result};

pub use rank::{Ranked, Room};

/// The most beds or chairs a report may give: above it, it is a typing mistake.
pub const MAX_COUNT: u32 = 10_000;

impl IncidentService {
    /// Every facility, for anyone who may see them.
    pub async fn facilities(&self, caller: &Caller) -> Result<Vec<Facility>> {
        caller.require(Permission::FacilityRead)?;
        Ok(self.store.facilities().await?)
    }

    /// A facility's staff (or a supervisor of the agency that runs it) report its room.
    pub async fn report_availability(
        &self,
        caller: &Caller,
        facility: uuid::Uuid,
        report: AvailabilityReport,
    ) -> Result<Facility> {
        caller.require(Permission::FacilityUpdate)?;
        for (field, n) in [("beds_free", report.beds_free), ("chairs_free", report.chairs_free)] {
            if n.is_some_and(|n| n > MAX_COUNT) {
                return Err(IncidentError::field(field, format!("at most {MAX_COUNT}")));
            }
        }
        let stored = self
            .store
            .facility(facility)
            .await?
            .ok_or_else(|| IncidentError::not_found(format!("facility {facility}")))?;
        if stored.agency != caller.agency.id {
            return Err(IncidentError::NotAllowed(format!(
                "{} is run by another agency: only its own staff report its availability",
                stored.name
            )));
        }
        let availability = Availability {
            status: report.status,
            beds_free: report.beds_free,
            chairs_free: report.chairs_free,
            updated_at: self.clock.now(),
            updated_by: Some(caller.user),
        };
        self.store
            .set_availability(facility, &availability)
            .await?
            .ok_or_else(|| IncidentError::not_found(format!("facility {facility}")))
    }

    /// Every facility ranked for the person of incident `id`, from the incident's location.
    pub async fn rank_destinations(
        &self,
        caller: &Caller,
        id: IncidentId,
        involuntary: bool,
        intoxicated: bool,
    ) -> Result<Vec<Ranked>> {
        caller.require(Permission::FacilityRead)?;
        let incident = self.visible(caller, id).await?;
        self.ranked_for(&incident, involuntary, intoxicated).await
    }

    async fn ranked_for(
        &self,
        incident: &Incident,
        involuntary: bool,
        intoxicated: bool,
    ) -> Result<Vec<Ranked>> {
        let person = Person { age_band: incident.contact.age_band, involuntary, intoxicated };
        let from = dispatch::representative_point(&incident.location);
        Ok(rank::rank(
            self.store.facilities().await?,
            from,
            &person,
            self.dispatch.roads.as_deref(),
            self.clock.now(),
            self.dispatch.facility_stale_ms,
        ))
    }

    /// A team on scene chooses where it takes the person: the facility's agency joins the
    /// incident and sees the team coming. Its rank's reason is recorded with the choice.
    pub async fn choose_destination(
        &self,
        caller: &Caller,
        id: IncidentId,
        facility: uuid::Uuid,
        team: Option<TeamId>,
    ) -> Result<Committed> {
        caller.require(Permission::TeamReport)?;
        let incident = self.acting(caller, id).await?;
        if !incident.responders.contains(&caller.agency.id) {
            return Err(IncidentError::NotAllowed(
                "only the provider whose team is on the incident chooses where it takes the person"
                    .into(),
            ));
        }
        // The team is the caller's own and still working this incident; by default the
        // caller's latest team on it.
        let team = match team {
            Some(team) => Some(team),
            None => {
                let mut ours = None;
                for t in incident.teams.iter().rev() {
                    let state = self.store.team_state(*t).await?;
                    if state.is_some_and(|s| s.profile.provider == caller.agency.id) {
                        ours = Some(*t);
                        break;
                    }
                }
                ours
            }
        };
        if let Some(team) = team {
            let state = self.store.team_state(team).await?;
            let ours = state.as_ref().is_some_and(|s| s.profile.provider == caller.agency.id);
            let working = state.and_then(|s| s.incident()) == Some(id);
            if !ours || !incident.teams.contains(&team) || !working {
                return Err(IncidentError::field(
                    "team",
                    format!("team {team} is not one of your agency's teams working this incident"),
                ));
            }
        }
        let ranked = self.ranked_for(&incident, false, false).await?;
        let Some(chosen) = ranked.into_iter().find(|r| r.facility.id == facility) else {
            return Err(IncidentError::not_found(format!("facility {facility}")));
        };
        let kind = EventKind::DestinationChosen {
            facility,
            operator: chosen.facility.agency,
            team,
            eta_s: chosen.eta.map(|e| e.millis.div_ceil(1000)),
            reason: crate::service::text(
                &format!("{}: {}", chosen.facility.name, chosen.reason),
                Text::SHORT_MAX,
            ),
        };
        self.commit(vec![by(caller, self.clock.now(), id, kind)]).await
    }

    /// The facility takes the person over from the team (`accept`), or turns it away.
    pub async fn answer_handover(
        &self,
        caller: &Caller,
        id: IncidentId,
        facility: uuid::Uuid,
        answer: Handover,
    ) -> Result<Committed> {
        caller.require(Permission::FacilityUpdate)?;
        self.visible(caller, id).await?;
        let kind = match answer {
            Handover::Accept => EventKind::HandoverAccepted { facility },
            Handover::Refuse { no_room, reason } => {
                EventKind::HandoverRefused { facility, no_room, reason }
            }
        };
        self.commit(vec![by(caller, self.clock.now(), id, kind)]).await
    }

    /// The incidents whose team is bringing a person to one of the caller's agency's
    /// facilities, not yet handed over.
    pub async fn incoming(&self, caller: &Caller) -> Result<Vec<Incident>> {
        caller.require(Permission::FacilityUpdate)?;
        let filter =
            IncidentFilter { involving: Some(caller.agency.id), limit: 500, ..Default::default() };
        Ok(self
            .store
            .incidents(&filter)
            .await?
            .into_iter()
            .filter(|i| {
                i.destination
                    .as_ref()
                    .is_some_and(|d| d.operator == caller.agency.id && d.handed_over_at.is_none())
            })
            .map(|i| i.as_seen_by(caller.agency.id))
            .collect())
    }
}

impl IncidentService {
    /// When the team bringing the person of `incident` is expected at the facility: from its
    /// latest GPS fix when it has one (the travel time from there, now — `true`), else the time
    /// of the choice plus the travel time estimated then (`false`).
    pub async fn expected_arrival(
        &self,
        incident: &Incident,
    ) -> Result<Option<(domain::Timestamp, bool)>> {
        let Some(d) = incident.destination.as_ref() else { return Ok(None) };
        let fix = match d.team {
            Some(team) => self.store.team_state(team).await?.and_then(|t| t.snapshot().position),
            None => None,
        };
        let facility = self.store.facility(d.facility).await?;
        if let (Some(fix), Some(facility)) = (fix, facility) {
            let mut times = Vec::new();
            let mut travel = rank::travel_times(self.dispatch.roads.as_deref());
            travel.set_origins(&[fix.point()]);
            travel.times_to(facility.location, &mut times);
            if let Some(eta) = times.first() {
                let now = self.clock.now().as_millis();
                return Ok(Some((
                    domain::Timestamp::from_millis(now + i64::from(eta.millis)),
                    true,
                )));
            }
        }
        Ok(d.eta_s.map(|s| {
            (domain::Timestamp::from_millis(d.chosen_at.as_millis() + i64::from(s) * 1000), false)
        }))
    }
}

/// A facility's answer to a team at its door.
#[derive(Debug, Clone)]
pub enum Handover {
    Accept,
    Refuse { no_room: bool, reason: Text },
}
