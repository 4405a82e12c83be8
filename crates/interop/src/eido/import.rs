//! An EIDO from a CAD, read into what Crisisbridge takes from it.
//!
//! Only what is taken is checked, as NENA-STA-021 defines it; every other component and field
//! (persons, vehicles, units, additional data, …) is skipped unread. A value that is taken
//! and wrong refuses the whole EIDO, with its path: a call handed over with a location or a
//! callback number silently dropped would be worse than a refusal the CAD can see.

use domain::{CallbackNumber, Location, Text, Timestamp};

use super::error::{EidoError, Result, join};
use super::html;
use crate::datetime::parse_rfc3339;
use crate::pidf::CivicAddress;

mod callback;
mod location;
mod wire;

/// Larger than any EIDO a CAD sends for one incident; the server bounds request bodies
/// further. Nesting is bounded by serde_json's own limit (128 levels).
pub const MAX_EIDO_BYTES: usize = 1 << 20;

/// Longest identifier or registry code accepted.
const MAX_IDENTIFIER: usize = 255;
const MAX_CODE: usize = 64;
const MAX_URL: usize = 2048;

/// What Crisisbridge takes from a CAD's EIDO.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedEido {
    /// The EIDO's `$id`, the CAD's incident tracking identifier: the same incident sent again
    /// carries it again, so it is the key for updating instead of opening twice.
    pub incident_id: String,
    /// `updatedByAgencyReference` of the EIDO: the agency that sent it, in its own naming.
    /// What the sender says about itself; authorization is the caller's, not this.
    pub sending_agency: String,
    /// `issuingElementIdentification`: the system (CAD, IDX) that wrote the EIDO.
    pub issuing_element: String,
    /// When the EIDO was last updated (`lastUpdateTimeStamp`).
    pub updated_at: Timestamp,
    /// The earliest `callStartTimestamp` of its calls.
    pub call_started_at: Option<Timestamp>,
    /// The earliest `answerDate` of its calls: when the sender answered.
    pub call_answered_at: Option<Timestamp>,
    /// Each person component's incident roles (`Caller`, `Patient`, …), in document order.
    pub person_roles: Vec<Vec<String>>,
    /// How many additional-data components it carries.
    pub additional_data: usize,
    /// The best geodetic location sent by value; see [`import`] for the choice.
    pub location: Location,
    /// The `locationTypeDescriptionRegistryText` of the location taken.
    pub location_type: Option<String>,
    /// Civic addresses sent by value, in document order, for people to read: Crisisbridge
    /// locates by coordinates and does not geocode.
    pub civic_addresses: Vec<CivicAddress>,
    /// Locations sent by reference, not fetched: dereferencing needs the sender's
    /// location server and credentials, and this crate does no IO.
    pub location_references: Vec<LocationReference>,
    pub callback: Option<CallbackNumber>,
    /// `incidentTypeCommonRegistryText`, e.g. `SUICTHRT`, as sent.
    pub incident_type: Option<String>,
    /// `incidentTypeInternalCode`: the CAD's own code for the incident type.
    pub internal_incident_type: Option<String>,
    /// `incidentStatusCommonRegistryText`, e.g. `Active`, `Closed`.
    pub statuses: Vec<String>,
    /// The notes, oldest first, as plain text.
    pub notes: Vec<ImportedNote>,
}

/// A location the EIDO gives by reference (`locationByReferenceUrl`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocationReference {
    pub url: String,
    pub location_type: String,
}

/// One `notesComponent`.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedNote {
    pub at: Timestamp,
    /// Who wrote it (`updatedByAgencyReference`), in the sender's naming.
    pub agency: Option<String>,
    pub text: Text,
}

impl ImportedEido {
    /// The notes as one text for an incident's summary: whole notes, oldest first, separated
    /// by blank lines, as many as fit in [`Text::SUMMARY_MAX`], and a last line saying how
    /// many more the EIDO has.
    pub fn summary(&self) -> Text {
        // Room for the line that counts what was left out.
        let budget = Text::SUMMARY_MAX - 40;
        let mut out = String::new();
        let (mut used, mut taken) = (0, 0);
        for note in &self.notes {
            let separator = if out.is_empty() { "" } else { "\n\n" };
            let len = separator.len() + note.text.as_str().chars().count();
            if used + len > budget {
                break;
            }
            out.push_str(separator);
            out.push_str(note.text.as_str());
            used += len;
            taken += 1;
        }
        let left = self.notes.len() - taken;
        if left > 0 {
            let plural = if left == 1 { "" } else { "s" };
            out.push_str(&format!("\n\n({left} more note{plural} in the EIDO)"));
        }
        Text::parse(&out, Text::SUMMARY_MAX).unwrap_or_default()
    }

    /// Whether the sender says the incident is closed.
    pub fn is_closed(&self) -> bool {
        self.statuses.iter().any(|s| s == "Closed")
    }
}

/// Reads an EIDO (NENA-STA-021 JSON, `eidoVersion` "1.0").
///
/// The location taken is the first geodetic shape sent by value in the most wanted kind of
/// location component — `CurrentIncident`, then `Caller`, `InitialIncident`,
/// `RoutingLocation`, `Other` — and among components of one kind the most recently updated.
/// Ellipses and arc bands become enclosing polygons ([`crate::pidf::Shape::to_location`]).
/// The callback number is the first `tel:` URI (or a `sip:` URI whose user part is a phone
/// number) of the callback component the call refers to, else of the first one, else its
/// updated callback number.
pub fn import(json: &[u8]) -> Result<ImportedEido> {
    if json.len() > MAX_EIDO_BYTES {
        return Err(EidoError::TooLarge { size: json.len(), max: MAX_EIDO_BYTES });
    }
    let mut deserializer = serde_json::Deserializer::from_slice(json);
    let wire::Object(document): wire::Object<wire::Document> =
        serde_path_to_error::deserialize(&mut deserializer)
            .map_err(|e| EidoError::from_serde(&e))?;
    deserializer.end().map_err(|e| EidoError::NotJson {
        message: "there is more after the EIDO object".into(),
        line: e.line(),
        column: e.column(),
    })?;
    read(document)
}

fn read(doc: wire::Document) -> Result<ImportedEido> {
    let version = required(doc.eido_version.as_deref(), "eidoVersion")?;
    if version != "1.0" {
        return Err(EidoError::at(
            "eidoVersion",
            format!("{version:?} is not supported; send an EIDO of version \"1.0\""),
        ));
    }
    let incident_id = token(doc.id.as_deref(), "$id", MAX_IDENTIFIER)?;
    let sending_agency = token(
        doc.updated_by_agency_reference.as_ref().and_then(|r| r.0.target.as_deref()),
        if doc.updated_by_agency_reference.is_some() {
            "updatedByAgencyReference.$ref"
        } else {
            "updatedByAgencyReference"
        },
        MAX_IDENTIFIER,
    )?;
    let issuing_element = token(
        doc.issuing_element_identification.as_deref(),
        "issuingElementIdentification",
        MAX_IDENTIFIER,
    )?;
    let updated_at = timestamp(doc.last_update_time_stamp.as_deref(), "lastUpdateTimeStamp")?;

    let mut call_started_at: Option<Timestamp> = None;
    let mut call_answered_at: Option<Timestamp> = None;
    for (i, call) in doc.call_component.iter().enumerate() {
        let path = format!("callComponent[{i}].callStartTimestamp");
        let at = timestamp(call.0.call_start_timestamp.as_deref(), &path)?;
        call_started_at = Some(call_started_at.map_or(at, |t| t.min(at)));
        if let Some(answered) = call.0.answer_date.as_deref() {
            let at = timestamp(Some(answered), &format!("callComponent[{i}].answerDate"))?;
            call_answered_at = Some(call_answered_at.map_or(at, |t| t.min(at)));
        }
    }
    let mut person_roles = Vec::with_capacity(doc.person_component.len());
    for (i, wire::Object(person)) in doc.person_component.iter().enumerate() {
        let roles = person
            .person_incident_role_registry_text
            .iter()
            .enumerate()
            .map(|(j, r)| {
                token(
                    Some(r),
                    &format!("personComponent[{i}].personIncidentRoleRegistryText[{j}]"),
                    MAX_CODE,
                )
            })
            .collect::<Result<Vec<_>>>()?;
        person_roles.push(roles);
    }

    let (incident_type, internal_incident_type, statuses) = match &doc.incident_component {
        None => (None, None, Vec::new()),
        Some(wire::Object(incident)) => {
            let code = token(
                incident.incident_type_common_registry_text.as_deref(),
                "incidentComponent.incidentTypeCommonRegistryText",
                MAX_CODE,
            )?;
            let internal = incident
                .incident_type_internal_code
                .as_deref()
                .map(|c| token(Some(c), "incidentComponent.incidentTypeInternalCode", MAX_CODE))
                .transpose()?;
            let statuses = incident
                .incident_status_common_registry_text
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    token(
                        Some(s),
                        &format!("incidentComponent.incidentStatusCommonRegistryText[{i}]"),
                        MAX_CODE,
                    )
                })
                .collect::<Result<Vec<_>>>()?;
            (Some(code), internal, statuses)
        }
    };

    let locations = location::read(&doc.location_component)?;
    let callback = callback::read(&doc.call_component, &doc.callback_component)?;

    let mut notes = Vec::with_capacity(doc.notes_component.len());
    for (i, wire::Object(note)) in doc.notes_component.iter().enumerate() {
        let path = format!("notesComponent[{i}]");
        let comments =
            required(note.notes_action_comments.as_deref(), &join(&path, "notesActionComments"))?;
        let text = Text::parse(&html::to_text(comments), Text::SUMMARY_MAX).map_err(|e| {
            EidoError::at(join(&path, "notesActionComments"), format!("the note {e}"))
        })?;
        let at =
            timestamp(note.last_update_time_stamp.as_deref(), &join(&path, "lastUpdateTimeStamp"))?;
        let agency = note.updated_by_agency_reference.as_ref().and_then(|r| r.0.target.clone());
        if !text.as_str().is_empty() {
            notes.push(ImportedNote { at, agency, text });
        }
    }
    notes.sort_by_key(|n| n.at);

    Ok(ImportedEido {
        incident_id,
        sending_agency,
        issuing_element,
        updated_at,
        call_started_at,
        call_answered_at,
        person_roles,
        additional_data: doc.additional_data_component.len(),
        location: locations.location,
        location_type: locations.location_type,
        civic_addresses: locations.civic,
        location_references: locations.references,
        callback,
        incident_type,
        internal_incident_type,
        statuses,
        notes,
    })
}

/// A field the EIDO schema requires and we use.
fn required<'a>(value: Option<&'a str>, path: &str) -> Result<&'a str> {
    value.ok_or_else(|| EidoError::at(path, "is missing; the EIDO schema requires it"))
}

/// An identifier or registry code: 1 to `max` characters, no spaces or control characters.
fn token(value: Option<&str>, path: &str, max: usize) -> Result<String> {
    let value = required(value, path)?.trim();
    let len = value.chars().count();
    if len == 0 || len > max || value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(EidoError::at(
            path,
            format!("{value:?} is not an identifier: use 1 to {max} characters without spaces"),
        ));
    }
    Ok(value.to_owned())
}

/// An RFC 3339 date-time the EIDO schema requires and we use.
fn timestamp(value: Option<&str>, path: &str) -> Result<Timestamp> {
    let value = required(value, path)?;
    parse_rfc3339(value.trim()).map(Timestamp::from_millis).ok_or_else(|| {
        EidoError::at(
            path,
            format!(
                "{value:?} is not an RFC 3339 date-time with an offset, such as 2021-04-30T14:42:00-04:00"
            ),
        )
    })
}
