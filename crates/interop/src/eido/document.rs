//! The EIDO document Crisisbridge writes, as serde types: the field names, nesting and
//! order of NENA-STA-021's JSON. Only fields that both the published schema (NENA-STA-021.1b)
//! and the NENA-STA-021.1.1 draft define are used, so a CAD built to either reads all of it.

use serde::Serialize;

/// One EIDO: the incident as NENA-STA-021 JSON. Serialize it (`serde_json::to_value`,
/// axum's `Json`) to send it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Eido {
    #[serde(flatten)]
    pub(crate) prologue: Prologue,
    pub(crate) eido_version: &'static str,
    pub(crate) issuing_element_identification: String,
    pub(crate) incident_component: IncidentComponent,
    pub(crate) call_component: Vec<CallComponent>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) callback_component: Vec<CallbackComponent>,
    pub(crate) agency_component: Vec<AgencyComponent>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) notes_component: Vec<NotesComponent>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) location_component: Vec<LocationComponent>,
}

impl Eido {
    /// The EIDO's `$id`: the incident's tracking identifier
    /// (`urn:emergency:uid:incidentid:…`).
    pub fn incident_tracking_id(&self) -> &str {
        &self.prologue.id
    }
}

/// The fields every data component starts with.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Prologue {
    #[serde(rename = "$id")]
    pub id: String,
    pub last_update_time_stamp: String,
    pub updated_by_agency_reference: Reference,
}

/// A pointer to another component by its `$id`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct Reference {
    #[serde(rename = "$ref")]
    pub target: String,
}

impl Reference {
    pub fn to(target: &str) -> Self {
        Self { target: target.to_owned() }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct IncidentComponent {
    #[serde(flatten)]
    pub prologue: Prologue,
    pub incident_type_common_registry_text: &'static str,
    pub incident_type_internal_code: String,
    pub incident_type_internal_text: String,
    pub incident_status_common_registry_text: Vec<&'static str>,
    pub incident_status_internal_text: Vec<&'static str>,
    pub internal_incident_id: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub location_reference: Vec<Reference>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub disposition_component: Vec<DispositionComponent>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes_reference: Vec<Reference>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DispositionComponent {
    #[serde(flatten)]
    pub prologue: Prologue,
    pub disposition_common_registry_code: &'static str,
    pub disposition_primary_indicator: bool,
    pub disposition_category_text: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disposition_description_text: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CallComponent {
    #[serde(flatten)]
    pub prologue: Prologue,
    pub standard_primary_call_type: &'static str,
    pub local_call_type: &'static str,
    pub direction: &'static str,
    pub call_start_timestamp: String,
    pub call_state_registry_text: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub call_back_reference: Option<Reference>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub location_reference: Vec<Reference>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CallbackComponent {
    #[serde(flatten)]
    pub prologue: Prologue,
    pub call_back_information_uri: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AgencyComponent {
    #[serde(flatten)]
    pub prologue: Prologue,
    pub agency_role_description_registry_text: Vec<&'static str>,
    pub agency_type: Vec<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agency_jcard: Option<String>,
    pub incident_owning_agency_indicator: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct NotesComponent {
    #[serde(flatten)]
    pub prologue: Prologue,
    pub notes_action_comments: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct LocationComponent {
    #[serde(flatten)]
    pub prologue: Prologue,
    pub location_type_description_registry_text: &'static str,
    pub location_by_value: String,
    pub location_description_text: String,
}
