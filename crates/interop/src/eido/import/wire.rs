//! The parts of an EIDO that are read, as serde types. Every field is optional here, so
//! that a missing one is reported by the reader with its path and in its words; fields and
//! components not named here are skipped.

use std::fmt;
use std::marker::PhantomData;

use serde::de::value::MapAccessDeserializer;
use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer};

/// A JSON object read as `T`. Structs that serde derives also accept an array of their
/// fields in order — `["SUICTHRT"]` would be read as an incident component — but every
/// EIDO component is an object, so only objects are read.
#[derive(Debug)]
pub struct Object<T>(pub T);

/// What an [`Object`] is called in "expected …" messages.
pub trait Component {
    const EXPECTING: &'static str;
}

impl<'de, T: Deserialize<'de> + Component> Deserialize<'de> for Object<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ObjectVisitor<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de> + Component> Visitor<'de> for ObjectVisitor<T> {
            type Value = T;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(T::EXPECTING)
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
                T::deserialize(MapAccessDeserializer::new(map))
            }
        }
        deserializer.deserialize_map(ObjectVisitor(PhantomData)).map(Object)
    }
}

macro_rules! component {
    ($($t:ty => $what:literal),* $(,)?) => {
        $(impl Component for $t {
            const EXPECTING: &'static str = $what;
        })*
    };
}

component!(
    Document => "an EIDO: a JSON object",
    Reference => "a reference: an object with \"$ref\"",
    Incident => "an incident component: a JSON object",
    Call => "a call component: a JSON object",
    Callback => "a callback component: a JSON object",
    UpdatedCbn => "an updated callback number: a JSON object",
    LocationInformation => "a location component: a JSON object",
    Notes => "a notes component: a JSON object",
    Person => "a person component: a JSON object",
);

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Document {
    #[serde(rename = "$id")]
    pub id: Option<String>,
    pub last_update_time_stamp: Option<String>,
    pub updated_by_agency_reference: Option<Object<Reference>>,
    pub eido_version: Option<String>,
    pub issuing_element_identification: Option<String>,
    pub incident_component: Option<Object<Incident>>,
    #[serde(default)]
    pub call_component: Vec<Object<Call>>,
    #[serde(default)]
    pub callback_component: Vec<Object<Callback>>,
    #[serde(default)]
    pub location_component: Vec<Object<LocationInformation>>,
    #[serde(default)]
    pub notes_component: Vec<Object<Notes>>,
    #[serde(default)]
    pub person_component: Vec<Object<Person>>,
    /// Only counted: the data is the sender's to give (kept with the received document).
    #[serde(default)]
    pub additional_data_component: Vec<serde::de::IgnoredAny>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Person {
    #[serde(default)]
    pub person_incident_role_registry_text: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub struct Reference {
    #[serde(rename = "$ref")]
    pub target: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Incident {
    pub incident_type_common_registry_text: Option<String>,
    pub incident_type_internal_code: Option<String>,
    #[serde(default)]
    pub incident_status_common_registry_text: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Call {
    pub call_start_timestamp: Option<String>,
    pub answer_date: Option<String>,
    pub call_back_reference: Option<Object<Reference>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Callback {
    #[serde(rename = "$id")]
    pub id: Option<String>,
    #[serde(default)]
    pub call_back_information_uri: Vec<String>,
    pub updated_cbn: Option<Object<UpdatedCbn>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdatedCbn {
    pub updated_cbn_identifier_uri: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LocationInformation {
    pub last_update_time_stamp: Option<String>,
    pub location_type_description_registry_text: Option<String>,
    pub location_by_value: Option<String>,
    pub location_by_reference_url: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Notes {
    pub last_update_time_stamp: Option<String>,
    pub updated_by_agency_reference: Option<Object<Reference>>,
    pub notes_action_comments: Option<String>,
}
