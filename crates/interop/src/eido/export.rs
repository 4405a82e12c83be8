//! An incident as an EIDO. The mapping, field by field, is in `docs/eido-mapping.md`.

use domain::{AgencyId, AgencyKind, Channel, Incident, Location, Timestamp};

use super::context::{ExportContext, call_identifier, incident_tracking_id};
use super::document::{
    AgencyComponent, CallComponent, CallbackComponent, DispositionComponent, Eido,
    IncidentComponent, LocationComponent, NotesComponent, Prologue, Reference,
};
use super::html;
use super::registry::{self, agency_roles};
use crate::datetime::format_datetime;
use crate::pidf::{Presentity, write_presence};

/// The notice 42 CFR 2.32(a)(2) allows on a disclosure of substance use disorder records.
pub const PART2_NOTICE: &str = "42 CFR part 2 prohibits unauthorized use or disclosure of these records. Notes of a crisis center in this document may include substance use disorder records it shared.";

/// The EIDO of `incident` as it stands.
///
/// What a 988 contact's EIDO leaves out: its summary, notes and closing remark are the 988
/// center's clinical record, which never leaves its tenancy, so they are not written at all;
/// only structured fields (location, callback number, incident type, status, disposition
/// code) are. A 911 incident opened by a 988 imminent-risk handoff holds only the handoff's
/// allow-listed payload, so it is written like any 911 incident.
///
/// The document depends on the incident and the context only — not on when it is made — so
/// exporting an unchanged incident twice gives the same EIDO.
pub fn export(incident: &Incident, ctx: &ExportContext) -> Eido {
    let issuer = ctx.issuer();
    let tracking_id = incident_tracking_id(incident.id, issuer);
    let part = |name: &str| format!("{tracking_id}#{name}");
    let holder = ctx.agency_identifier_of(incident.holder);
    let opener = ctx.agency_identifier_of(incident.opened_by);
    let free_text_allowed = incident.channel != Channel::Nine88;

    let location =
        location_component(incident, ctx, prologue(part("location"), incident.updated_at, &holder));
    let location_reference: Vec<Reference> =
        location.iter().map(|l| Reference::to(&l.prologue.id)).collect();

    let callback: Vec<CallbackComponent> = incident
        .callback
        .iter()
        .map(|number| CallbackComponent {
            prologue: prologue(part("callback"), incident.opened_at, &opener),
            call_back_information_uri: vec![format!("tel:{}", number.as_str())],
        })
        .collect();

    let mut notes = Vec::new();
    if free_text_allowed {
        if !incident.summary.as_str().is_empty() {
            notes.push(NotesComponent {
                prologue: prologue(part("summary"), incident.opened_at, &opener),
                notes_action_comments: html::from_text(incident.summary.as_str()),
            });
        }
        for (i, note) in incident.notes.iter().enumerate() {
            notes.push(NotesComponent {
                prologue: prologue(
                    part(&format!("note-{}", i + 1)),
                    note.at,
                    &ctx.agency_identifier_of(note.agency),
                ),
                notes_action_comments: html::from_text(note.text.as_str()),
            });
        }
        // A crisis center's notes may hold substance use disorder records: whoever receives
        // them is told, as 42 CFR 2.32 requires of each disclosure.
        let from_a_crisis_center = incident.notes.iter().find(|note| {
            ctx.agency(note.agency).is_some_and(|a| a.kind == domain::AgencyKind::CrisisCenter)
        });
        if let Some(note) = from_a_crisis_center {
            notes.push(NotesComponent {
                prologue: prologue(
                    part("part2-notice"),
                    note.at,
                    &ctx.agency_identifier_of(note.agency),
                ),
                notes_action_comments: html::from_text(PART2_NOTICE),
            });
        }
    }

    let disposition = incident.closure.iter().map(|closure| DispositionComponent {
        prologue: prologue(part("disposition"), closure.at, &holder),
        disposition_common_registry_code: registry::disposition_code(closure.disposition),
        disposition_primary_indicator: true,
        disposition_category_text: closure.disposition.as_str(),
        disposition_description_text: Some(closure.remark.as_str())
            .filter(|r| free_text_allowed && !r.is_empty())
            .map(str::to_owned),
    });

    let outcome = incident.triage.as_ref().map_or("untriaged", |t| t.outcome.as_str());
    let channel = match incident.channel {
        Channel::Nine11 => "911 call",
        Channel::Nine88 => "988 contact",
        Channel::Other => "request for help",
    };
    let status = incident.status();
    let incident_component = IncidentComponent {
        prologue: prologue(part("incident"), incident.updated_at, &holder),
        incident_type_common_registry_text: registry::incident_type(incident),
        incident_type_internal_code: format!("{}/{outcome}", incident.channel.as_str()),
        incident_type_internal_text: match &incident.triage {
            Some(t) => format!("{channel}, triage outcome {}", t.outcome.as_str()),
            None => format!("{channel}, not triaged yet"),
        },
        incident_status_common_registry_text: registry::incident_statuses(incident),
        incident_status_internal_text: vec![status.as_str()],
        internal_incident_id: incident.id.to_string(),
        location_reference: location_reference.clone(),
        disposition_component: disposition.collect(),
        notes_reference: notes.iter().map(|n| Reference::to(&n.prologue.id)).collect(),
    };

    let call = CallComponent {
        prologue: prologue(call_identifier(incident.id, issuer), incident.opened_at, &opener),
        standard_primary_call_type: registry::call_type(incident.channel),
        local_call_type: incident.channel.as_str(),
        direction: "incoming",
        call_start_timestamp: format_datetime(incident.opened_at.as_millis()),
        // Crisisbridge does not follow the phone call itself: a call an incident was opened
        // for was answered, and it has ended once the incident is closed.
        call_state_registry_text: if incident.closure.is_some() {
            "callEnd"
        } else {
            "callAnswered"
        },
        call_back_reference: callback.first().map(|c| Reference::to(&c.prologue.id)),
        location_reference,
    };

    Eido {
        prologue: prologue(tracking_id.clone(), incident.updated_at, &holder),
        eido_version: "1.0",
        issuing_element_identification: issuer.to_owned(),
        incident_component,
        call_component: vec![call],
        callback_component: callback,
        agency_component: agencies(incident, ctx),
        notes_component: notes,
        location_component: location.into_iter().collect(),
    }
}

fn prologue(id: String, at: Timestamp, by: &str) -> Prologue {
    Prologue {
        id,
        last_update_time_stamp: format_datetime(at.as_millis()),
        updated_by_agency_reference: Reference::to(by),
    }
}

fn location_component(
    incident: &Incident,
    ctx: &ExportContext,
    prologue: Prologue,
) -> Option<LocationComponent> {
    let entity = format!("pres:{}@{}", incident.id.as_uuid().simple(), ctx.issuer());
    let timestamp = format_datetime(incident.updated_at.as_millis());
    let who = Presentity { entity: &entity, tuple_id: "location", timestamp: Some(&timestamp) };
    let xml = write_presence(&incident.location, who)?;
    Some(LocationComponent {
        prologue,
        location_type_description_registry_text: registry::LOCATION_TYPE,
        location_by_value: xml,
        location_description_text: location_description(&incident.location),
    })
}

/// How sure the location is, for people reading the EIDO.
fn location_description(location: &Location) -> String {
    format!("Location confidence: {}", domain::incident::confidence(location))
}

/// One component per agency the incident involves: the one that opened it first, then the
/// holder, then an agency with an open transfer offer, then the rest in id order.
fn agencies(incident: &Incident, ctx: &ExportContext) -> Vec<AgencyComponent> {
    let offered = incident.transfer.as_ref().filter(|t| t.unanswered.is_none()).map(|t| t.to);
    let mut order: Vec<AgencyId> = vec![incident.opened_by, incident.holder];
    order.extend(offered);
    order.extend(incident.involved.iter().copied());
    let mut seen = Vec::with_capacity(order.len());
    order.retain(|id| {
        let first = !seen.contains(id);
        seen.push(*id);
        first
    });
    let holder = ctx.agency_identifier_of(incident.holder);
    order
        .into_iter()
        .map(|id| {
            let agency = ctx.agency(id);
            let kind = agency.map(|a| a.kind);
            let mut roles = Vec::new();
            if id == incident.opened_by {
                roles.push(agency_roles::CALL_RECEIVING);
            }
            if (id == incident.holder && id != incident.opened_by) || offered == Some(id) {
                roles.push(agency_roles::TRANSFERRED_TO);
            }
            if kind == Some(AgencyKind::MobileCrisisProvider) && !incident.teams.is_empty() {
                roles.push(agency_roles::DISPATCHED);
            }
            if roles.is_empty() {
                roles.push(agency_roles::INFORMATIONAL);
            }
            AgencyComponent {
                prologue: prologue(ctx.agency_identifier_of(id), incident.updated_at, &holder),
                agency_role_description_registry_text: roles,
                agency_type: kind.map(registry::agency_type).into_iter().collect(),
                agency_jcard: agency.map(jcard),
                incident_owning_agency_indicator: id == incident.holder,
            }
        })
        .collect()
}

/// The agency's name and URI as a jCard (RFC 7095), the form `agencyJcard` takes.
fn jcard(agency: &domain::Agency) -> String {
    let mut properties = vec![
        serde_json::json!(["version", {}, "text", "4.0"]),
        serde_json::json!(["kind", {}, "text", "org"]),
        serde_json::json!(["fn", {}, "text", agency.name]),
    ];
    if let Some(uri) = &agency.uri {
        let property = match uri.split(':').next() {
            Some("tel") => "tel",
            Some("sip" | "sips") => "impp",
            _ => "url",
        };
        properties.push(serde_json::json!([property, {}, "uri", uri]));
    }
    serde_json::json!(["vcard", properties]).to_string()
}
