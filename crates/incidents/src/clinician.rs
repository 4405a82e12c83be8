//! The PSAP's embedded clinician: claiming a call from the queue, handing it back, or on to a
//! colleague. Only one clinician holds a call at a time (checked by the incident's state
//! machine).

use domain::{EventKind, Incident, IncidentId, IncidentStatus, Permission, Text, UserId};
use store::IncidentFilter;

use crate::service::by;
use crate::{Caller, Committed, IncidentError, IncidentService, Result};

impl IncidentService {
    /// The calls the caller's PSAP triaged for its embedded clinician: waiting ones first
    /// (oldest decision first: the longest wait is answered next), then those a clinician
    /// holds.
    pub async fn clinician_queue(&self, caller: &Caller) -> Result<Vec<Incident>> {
        caller.require(Permission::ClinicianQueue)?;
        let filter = IncidentFilter {
            involving: Some(caller.agency.id),
            statuses: vec![
                IncidentStatus::Open,
                IncidentStatus::TransferPending,
                IncidentStatus::TeamDispatched,
            ],
            channel: None,
            limit: 500,
        };
        let mut calls: Vec<Incident> = self
            .store
            .incidents(&filter)
            .await?
            .into_iter()
            .filter(|i| i.holder == caller.agency.id)
            .filter(|i| i.awaits_clinician() || i.clinician.is_some())
            .collect();
        calls.sort_by_key(|i| (!i.awaits_clinician(), i.triage.as_ref().map(|t| t.at)));
        Ok(calls)
    }

    /// Takes the call from the queue.
    pub async fn claim_clinician(&self, caller: &Caller, id: IncidentId) -> Result<Committed> {
        caller.require(Permission::ClinicianQueue)?;
        self.acting(caller, id).await?;
        let claimed = EventKind::ClinicianClaimed { clinician: caller.user };
        self.commit(vec![by(caller, self.clock.now(), id, claimed)]).await
    }

    /// Puts the call back in the queue.
    pub async fn release_clinician(
        &self,
        caller: &Caller,
        id: IncidentId,
        reason: Text,
    ) -> Result<Committed> {
        caller.require(Permission::ClinicianQueue)?;
        self.acting(caller, id).await?;
        let released = EventKind::ClinicianReleased { reason };
        self.commit(vec![by(caller, self.clock.now(), id, released)]).await
    }

    /// Hands the call to another clinician of the caller's agency.
    pub async fn hand_clinician_to(
        &self,
        caller: &Caller,
        id: IncidentId,
        to: UserId,
    ) -> Result<Committed> {
        caller.require(Permission::ClinicianQueue)?;
        self.acting(caller, id).await?;
        let user = self.store.user(to).await?;
        // A call is handed to a clinician of the agency who may log in: a supervisor may claim a
        // call, but is not who a clinician hands one to.
        let Some(user) = user.filter(|u| {
            u.agency == caller.agency.id
                && u.role == domain::Role::Clinician
                && u.disabled_at.is_none()
        }) else {
            return Err(IncidentError::field(
                "clinician",
                format!("user {to} is not a clinician of {}", caller.agency.name),
            ));
        };
        if user.id == caller.user {
            return Err(IncidentError::field(
                "clinician",
                "you hold the call already; hand it to another clinician",
            ));
        }
        let handed = EventKind::ClinicianHandedOn { to: user.id };
        self.commit(vec![by(caller, self.clock.now(), id, handed)]).await
    }
}
