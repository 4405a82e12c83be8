//! Who may do what: a closed table from [`Role`] to [`Permission`].
//!
//! The table is code, not data, so that a permission cannot be granted by editing a row; a
//! role also names the agency kinds it exists in (a 988 counselor works at a 988 center).

use std::fmt;
use std::str::FromStr;

use crate::agency::AgencyKind;

/// One thing a user can be allowed to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Permission {
    /// Open a new incident (a 911 call or a 988 contact).
    IncidentCreate,
    /// Read incidents that involve the user's agency, and their live events.
    IncidentRead,
    /// Change an incident's location.
    IncidentLocate,
    /// Add a note to an incident.
    IncidentNote,
    /// Record a triage decision.
    TriageRecord,
    /// Offer an incident to another agency.
    TransferOffer,
    /// Accept or decline an offer made to the user's agency.
    TransferRespond,
    /// Send a mobile crisis team.
    TeamDispatch,
    /// Close an incident with a disposition.
    IncidentClose,
    /// Read the agency directory.
    AgencyRead,
    /// Create users in the user's own agency.
    UserManage,
    /// Read the agency's triage protocols.
    ProtocolRead,
    /// Upload and activate the agency's triage protocols.
    ProtocolManage,
    /// Work the PSAP's embedded-clinician queue: claim a call, hand it back or on.
    ClinicianQueue,
    /// See the agency's mobile crisis teams: status, position, breadcrumbs.
    TeamRead,
    /// Report for a team of the agency: GPS fixes, status, shift (a responder's phone).
    TeamReport,
    /// Read the audit trail of an incident: who read, changed or exported it, when, from where.
    AuditRead,
    /// Override an incident's triage decision, with a written reason that is recorded. Roles a
    /// protocol names in `override_roles` may too, for that protocol's decisions.
    DecisionOverride,
    /// End an imminent-risk handoff no PSAP has taken, recording what was done instead.
    HandoffResolve,
    /// Read the outcome measures of the incidents the agency is involved in: aggregates only.
    ReportRead,
    /// Search the agency's incidents, closed ones included: by number, id, date, status,
    /// outcome and words of the summary and notes, and export the matches as CSV.
    IncidentSearch,
    /// Read the agency's shift log, write handover notes in it and acknowledge reading them.
    ShiftLog,
    /// Record a contact's timing at the agency — arrived, answered, abandoned, rolled over —
    /// as the phone system gives it (the phone system's account, or a person in the console).
    CallRecord,
    /// Add a follow-up for the agency's care navigators by hand.
    FollowUpSchedule,
    /// Work the agency's follow-up queue: attempts and outcomes.
    FollowUpWork,
    /// See crisis facilities, their availability, and where to take a person.
    FacilityRead,
    /// Report a facility's availability and take hand-overs (its own agency's facilities).
    FacilityUpdate,
}

/// A job a person does in an agency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// Answers 911 calls at a PSAP.
    CallTaker,
    /// A behavioral-health clinician embedded in a PSAP.
    Clinician,
    /// Answers 988 contacts at a crisis center.
    Counselor,
    /// Sends mobile crisis teams.
    Dispatcher,
    /// A member of a mobile crisis team.
    Responder,
    /// Follows up with people after an incident.
    CareNavigator,
    /// Staff of a crisis facility: its availability, the teams coming, hand-overs.
    FacilityStaff,
    /// Oversees everything of their agency.
    Supervisor,
    /// Manages the agency's users and settings.
    Admin,
}

use Permission as P;

impl Role {
    pub const ALL: [Self; 9] = [
        Self::CallTaker,
        Self::Clinician,
        Self::Counselor,
        Self::Dispatcher,
        Self::Responder,
        Self::CareNavigator,
        Self::FacilityStaff,
        Self::Supervisor,
        Self::Admin,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::CallTaker => "call_taker",
            Self::Clinician => "clinician",
            Self::Counselor => "counselor",
            Self::Dispatcher => "dispatcher",
            Self::Responder => "responder",
            Self::CareNavigator => "care_navigator",
            Self::FacilityStaff => "facility_staff",
            Self::Supervisor => "supervisor",
            Self::Admin => "admin",
        }
    }

    /// The closed permission table.
    pub const fn permissions(self) -> &'static [Permission] {
        match self {
            Self::CallTaker => &[
                P::IncidentCreate,
                P::CallRecord,
                P::IncidentRead,
                P::ShiftLog,
                P::IncidentSearch,
                P::IncidentLocate,
                P::IncidentNote,
                P::TriageRecord,
                P::TransferOffer,
                P::TransferRespond,
                P::IncidentClose,
                P::AgencyRead,
                P::ProtocolRead,
                P::FacilityRead,
            ],
            Self::Clinician => &[
                P::ClinicianQueue,
                P::IncidentRead,
                P::ShiftLog,
                P::IncidentSearch,
                P::IncidentLocate,
                P::IncidentNote,
                P::TriageRecord,
                P::TransferOffer,
                P::TransferRespond,
                P::IncidentClose,
                P::AgencyRead,
                P::ProtocolRead,
                P::FacilityRead,
            ],
            Self::Counselor => &[
                P::IncidentCreate,
                P::CallRecord,
                P::IncidentRead,
                P::ShiftLog,
                P::IncidentSearch,
                P::IncidentLocate,
                P::IncidentNote,
                P::TriageRecord,
                P::TransferOffer,
                P::TransferRespond,
                P::IncidentClose,
                P::AgencyRead,
                P::ProtocolRead,
                P::FollowUpSchedule,
                P::FacilityRead,
            ],
            Self::Dispatcher => &[
                P::TeamRead,
                P::TeamReport,
                P::IncidentRead,
                P::ShiftLog,
                P::IncidentSearch,
                P::IncidentNote,
                P::TeamDispatch,
                P::TransferRespond,
                P::AgencyRead,
                P::FollowUpSchedule,
                P::FacilityRead,
            ],
            // The directory too: agencies' names and time zones, for the times on their screens.
            Self::Responder => &[
                P::TeamRead,
                P::TeamReport,
                P::IncidentRead,
                P::IncidentNote,
                P::AgencyRead,
                P::FacilityRead,
            ],
            Self::CareNavigator => &[
                P::FollowUpWork,
                P::FollowUpSchedule,
                P::IncidentCreate,
                P::IncidentRead,
                P::ShiftLog,
                P::IncidentSearch,
                P::IncidentNote,
                P::IncidentClose,
                P::AgencyRead,
                P::FacilityRead,
            ],
            Self::Supervisor => &[
                P::ClinicianQueue,
                P::CallRecord,
                P::TeamRead,
                P::IncidentCreate,
                P::IncidentRead,
                P::ShiftLog,
                P::IncidentSearch,
                P::IncidentLocate,
                P::IncidentNote,
                P::TriageRecord,
                P::TransferOffer,
                P::TransferRespond,
                P::TeamDispatch,
                P::IncidentClose,
                P::AgencyRead,
                P::ProtocolRead,
                P::AuditRead,
                P::DecisionOverride,
                P::HandoffResolve,
                P::ReportRead,
                P::FollowUpSchedule,
                P::FollowUpWork,
                P::FacilityRead,
                P::FacilityUpdate,
            ],
            Self::FacilityStaff => &[
                P::FacilityRead,
                P::FacilityUpdate,
                P::IncidentRead,
                P::IncidentNote,
                P::ShiftLog,
                P::AgencyRead,
            ],
            Self::Admin => &[
                P::IncidentRead,
                P::AgencyRead,
                P::UserManage,
                P::ProtocolRead,
                P::ProtocolManage,
                P::AuditRead,
                P::ReportRead,
            ],
        }
    }

    pub fn allows(self, permission: Permission) -> bool {
        self.permissions().contains(&permission)
    }

    /// Whether this role exists in an agency of `kind`.
    pub const fn fits(self, kind: AgencyKind) -> bool {
        use AgencyKind as K;
        match self {
            Self::CallTaker | Self::Clinician => matches!(kind, K::Psap),
            Self::Counselor => matches!(kind, K::CrisisCenter),
            Self::Dispatcher | Self::Responder => matches!(kind, K::MobileCrisisProvider),
            Self::CareNavigator => matches!(kind, K::CrisisCenter | K::MobileCrisisProvider),
            Self::FacilityStaff => matches!(kind, K::CrisisFacility),
            Self::Supervisor | Self::Admin => true,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An unknown role name; the message lists the known ones.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown role {0:?}; expected one of call_taker, clinician, counselor, dispatcher, responder, care_navigator, facility_staff, supervisor, admin"
)]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL.into_iter().find(|r| r.as_str() == s).ok_or_else(|| UnknownRole(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
        }
        for kind in AgencyKind::ALL {
            assert_eq!(kind.as_str().parse::<AgencyKind>(), Ok(kind));
        }
        assert!("root".parse::<Role>().unwrap_err().to_string().contains("call_taker"));
    }

    #[test]
    fn only_admins_manage_users_and_responders_cannot_dispatch() {
        for role in Role::ALL {
            assert_eq!(role.allows(P::UserManage), role == Role::Admin, "{role}");
            assert_eq!(role.allows(P::ProtocolManage), role == Role::Admin, "{role}");
        }
        assert!(!Role::Responder.allows(P::TeamDispatch));
        assert!(Role::Dispatcher.allows(P::TeamDispatch));
        assert!(!Role::Dispatcher.allows(P::IncidentCreate));
        for role in Role::ALL {
            let audits = matches!(role, Role::Supervisor | Role::Admin);
            assert_eq!(role.allows(P::AuditRead), audits, "{role}");
            assert_eq!(role.allows(P::ReportRead), audits, "{role}");
            let supervises = role == Role::Supervisor;
            assert_eq!(role.allows(P::DecisionOverride), supervises, "{role}");
            assert_eq!(role.allows(P::HandoffResolve), supervises, "{role}");
        }
    }

    #[test]
    fn every_role_fits_some_agency_kind() {
        for role in Role::ALL {
            assert!(AgencyKind::ALL.into_iter().any(|k| role.fits(k)), "{role}");
        }
        assert!(Role::Counselor.fits(AgencyKind::CrisisCenter));
        assert!(!Role::Counselor.fits(AgencyKind::Psap));
    }
}
