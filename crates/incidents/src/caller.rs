//! Who asks for a command: a person of an agency, with the role that decides what they may do.

use domain::event::Actor;
use domain::{Agency, Permission, Role, UserId};

use crate::{IncidentError, Result};

/// The person behind a command.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user: UserId,
    pub role: Role,
    /// The agency the person acts for; every event they cause is recorded for it.
    pub agency: Agency,
}

impl Caller {
    /// Refuses unless the caller's role has `permission`.
    pub fn require(&self, permission: Permission) -> Result<()> {
        if self.role.allows(permission) {
            Ok(())
        } else {
            Err(IncidentError::Forbidden { role: self.role, permission })
        }
    }

    pub const fn actor(&self) -> Actor {
        Actor::User(self.user)
    }
}
