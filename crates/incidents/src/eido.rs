//! A CAD's EIDO (NENA-STA-021) as commands: the first EIDO for a sender's incident id opens
//! an incident for the caller's agency (routed like any other), later ones update it — a
//! better location re-routes it, notes not yet on it are added — so a repeated delivery adds
//! nothing. The sender's id is linked to ours in the store, atomically, before anything is
//! appended, so two deliveries of one EIDO never make two incidents. Every delivery is kept
//! verbatim in the store's EIDO archive, with its sender and time, for exports to give the
//! document back updated. Reading the EIDO itself (and refusing a bad one with its JSON path)
//! is `interop::eido`'s.

use domain::{Channel, EventKind, Incident, IncidentId, Permission, Text};
use interop::eido::ImportedEido;

use crate::service::{by, text};
use crate::{Caller, Committed, IncidentService, Result};

/// What an import did.
#[derive(Debug)]
pub enum Imported {
    /// A new incident.
    Opened(Committed),
    /// The incident the EIDO's id names, with what was new (possibly nothing).
    Updated(Committed),
}

impl Imported {
    pub const fn incident(&self) -> &Incident {
        match self {
            Self::Opened(c) | Self::Updated(c) => &c.incident,
        }
    }
}

impl IncidentService {
    /// Opens or updates the incident a CAD's EIDO names; `document` is the EIDO as received,
    /// kept verbatim.
    pub async fn import_eido(
        &self,
        caller: &Caller,
        received: &ImportedEido,
        document: &[u8],
    ) -> Result<Imported> {
        caller.require(Permission::IncidentCreate)?;
        let now = self.clock.now();
        let id = self
            .store
            .link_external_incident(caller.agency.id, &received.incident_id, IncidentId::new(now))
            .await?;
        // Kept before the incident changes: a delivery whose change then fails is sent again,
        // and a kept copy of an incident that never opened is only a copy. Not kept: one for
        // an incident already closed (it changes nothing, so it must not become what exports
        // give back), and a byte-identical repeat of the latest.
        let existing = self.store.incident(id).await?;
        let body = String::from_utf8_lossy(document).into_owned();
        let latest = self.store.latest_received_eido(id, None).await?;
        if existing.as_ref().is_none_or(|i| i.closure.is_none())
            && latest.is_none_or(|l| l.body != body)
        {
            self.store
                .keep_received_eido(&store::ReceivedEido {
                    incident: id,
                    sender: caller.agency.id,
                    received_at: now,
                    body,
                })
                .await?;
        }
        let imported = match existing {
            None => {
                let events = self.opening(received);
                Imported::Opened(
                    self.commit(events.into_iter().map(|k| by(caller, now, id, k)).collect())
                        .await?,
                )
            }
            Some(_) => {
                let incident = self.acting(caller, id).await?;
                let events = self.updating(&incident, received);
                if events.is_empty() {
                    Imported::Updated(Committed { events: Vec::new(), incident })
                } else {
                    Imported::Updated(
                        self.commit(events.into_iter().map(|k| by(caller, now, id, k)).collect())
                            .await?,
                    )
                }
            }
        };
        let result = if matches!(imported, Imported::Opened(_)) { "opened" } else { "updated" };
        metrics::counter!("crisisbridge_eido_imports_total", "result" => result).increment(1);
        Ok(imported)
    }

    /// A new incident: opened with what the EIDO says, routed, its notes added, and noted
    /// where it came from — so a repeated delivery finds everything already there.
    fn opening(&self, received: &ImportedEido) -> Vec<EventKind> {
        let summary = received.summary();
        let mut events = vec![EventKind::Opened {
            channel: Channel::Nine11,
            location: received.location.clone(),
            callback: received.callback.clone(),
            summary: summary.clone(),
        }];
        events.extend(self.routes_for(&received.location, received.callback.as_ref()));
        if let Some(address) = civic_address(received) {
            events.push(EventKind::AddressRecorded { address: Some(address) });
        }
        let mut added: Vec<&Text> = Vec::new();
        for note in received.notes.iter().filter(|n| n.text != summary) {
            if !added.contains(&&note.text) {
                added.push(&note.text);
                events.push(EventKind::NoteAdded {
                    text: note.text.clone(),
                    audience: domain::NoteAudience::Involved,
                });
            }
        }
        events.push(EventKind::NoteAdded {
            text: origin_note(received, "received"),
            audience: domain::NoteAudience::Involved,
        });
        events
    }

    /// An update: a new location re-routes, and notes not yet on the incident are added.
    fn updating(&self, incident: &Incident, received: &ImportedEido) -> Vec<EventKind> {
        if incident.closure.is_some() {
            return Vec::new();
        }
        let mut events = Vec::new();
        let address = civic_address(received);
        let moved = received.location.is_known() && received.location != incident.location;
        if moved {
            events.push(EventKind::Located { location: received.location.clone() });
            events.extend(self.routes_for(&received.location, incident.callback.as_ref()));
        }
        // A move clears the old address; the EIDO's own, if it has one, stands for the place.
        let standing = if moved { None } else { incident.address.clone() };
        if address.is_some() && address != standing {
            events.push(EventKind::AddressRecorded { address });
        }
        let known = |text: &Text| {
            incident.notes.iter().any(|n| n.text == *text) || incident.summary == *text
        };
        for note in received.notes.iter().filter(|n| !known(&n.text)) {
            events.push(EventKind::NoteAdded {
                text: note.text.clone(),
                audience: domain::NoteAudience::Involved,
            });
        }
        if !events.is_empty() {
            events.push(EventKind::NoteAdded {
                text: origin_note(received, "updated"),
                audience: domain::NoteAudience::Involved,
            });
        }
        events
    }
}

fn origin_note(received: &ImportedEido, what: &str) -> Text {
    let closed = if received.is_closed() { "; the sender reports it closed" } else { "" };
    let types =
        received.incident_type.as_deref().map_or_else(String::new, |t| format!(", type {t}"));
    let time = |at: domain::Timestamp| interop::datetime::format_datetime(at.as_millis());
    let started = received
        .call_started_at
        .map_or_else(String::new, |at| format!(", call started {}", time(at)));
    let answered =
        received.call_answered_at.map_or_else(String::new, |at| format!(", answered {}", time(at)));
    let persons = if received.person_roles.is_empty() {
        String::new()
    } else {
        let roles: Vec<String> = received
            .person_roles
            .iter()
            .map(|r| if r.is_empty() { "person".to_owned() } else { r.join("/") })
            .collect();
        format!("; persons: {}", roles.join(", "))
    };
    let data = match received.additional_data {
        0 => String::new(),
        n => format!("; {n} additional data"),
    };
    text(
        &format!(
            "EIDO {what}: incident {} from {}{types}{started}{answered}{persons}{data}{closed}",
            received.incident_id, received.sending_agency
        ),
        Text::SHORT_MAX,
    )
}

/// The first civic address sent by value that says anything, on one line (up to 500
/// characters).
fn civic_address(received: &ImportedEido) -> Option<Text> {
    received
        .civic_addresses
        .iter()
        .map(interop::pidf::CivicAddress::one_line)
        .find(|line| !line.is_empty())
        .map(|line| text(&line, Text::SHORT_MAX))
}
