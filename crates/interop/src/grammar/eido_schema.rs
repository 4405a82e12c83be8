//! NENA's EIDO JSON schema (NENA-STA-021), read from `../shared/specs/eido` for tests.
//!
//! The schema is an OpenAPI 3.0 document (`openapi.yaml`, root
//! `components/schemas/EmergencyIncidentDataObjectType`). OpenAPI 3.0 schema objects are a
//! subset of JSON Schema draft 4 (plus keywords such as `nullable` and `example` that draft 4
//! ignores and the EIDO schema does not rely on), so the document is converted from YAML to
//! JSON and compiled as draft 4, with formats (`date-time`, `uri`) checked.
//!
//! Two versions are checked, because they answer different questions:
//! - [`EidoSchema::Published`]: tag `NENA-STA-021.1b`, the schema of the published standard
//!   NENA-STA-021.1b-2022 — what deployed CADs implement.
//! - [`EidoSchema::Draft`]: branch `main`, the later NENA-STA-021.1.1 draft work, so that
//!   what we send keeps validating as the standard moves.
//!
//! Upstream defects, repaired in memory as `SOURCE.md` describes (the files are never changed):
//! 1. `AgentType.agentRoleRegistryText` has `minItems: 1,`, which YAML reads as the string
//!    `"1,"`: it becomes the number 1.
//! 2. `AlternateValuesType`'s `Alternate` items require `TimeStamp` and `Value` but declare
//!    `Timestamp` and `OtherValue`: `required` is made to name the declared properties.
//!
//! **The NIEM types are checked only for being objects.** Five properties (`ncPersonComponent`,
//! `ncVehicleComponent`, `ncOrganizationComponent`, `ncItemType`, `jCommercialVehicleComponent`)
//! refer into `NIEMComponents/*.yaml`, 3 MB of densely interlinked types. The `jsonschema`
//! crate compiles every `$ref` when the validator is built, and `ncPersonType` alone did not
//! compile within 60 s and 6 GB (python-jsonschema, which resolves references lazily while
//! validating, gets away with it). Crisisbridge sends none of these properties and reads none,
//! so each such `$ref` is replaced by `{"type": "object"}`; everything else in the EIDO is
//! checked in full.
//!
//! EIDO instances use `$id` and `$ref` as ordinary data keys. That does not confuse this
//! harness: the validator only interprets keywords in schemas, and in the schema those names
//! appear only as property names under `properties` and in `required`.

use std::path::Path;
use std::sync::OnceLock;

use jsonschema::{Draft, Registry, Validator};
use serde_json::Value;
use yaml_rust2::{Yaml, YamlLoader};

use super::shared_spec;

/// Which of NENA's two EIDO schemas to validate against; see the module documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EidoSchema {
    /// NENA-STA-021.1b-2022, the published standard (tag `NENA-STA-021.1b`).
    Published,
    /// The NENA-STA-021.1.1 draft on the upstream `main` branch.
    Draft,
}

impl EidoSchema {
    pub const ALL: [Self; 2] = [Self::Published, Self::Draft];

    /// How error messages name the schema.
    pub const fn label(self) -> &'static str {
        match self {
            Self::Published => "NENA-STA-021.1b",
            Self::Draft => "NENA-STA-021.1.1 draft",
        }
    }

    /// The schema's OpenAPI document under `specs/eido`.
    const fn openapi(self) -> &'static str {
        match self {
            Self::Published => "tag-NENA-STA-021.1b/Schema/openapi.yaml",
            Self::Draft => "Schema/openapi.yaml",
        }
    }
}

/// Validates `instance` against one EIDO schema: `Ok` when valid, else every error as
/// `"<JSON pointer>: <what is wrong>"`. `None`, with a loud message, when `../shared` is
/// absent.
///
/// # Panics
/// When the schema files are there but cannot be read or compiled (a test failure).
pub fn validate_against(schema: EidoSchema, instance: &Value) -> Option<Result<(), Vec<String>>> {
    Some(verdict(validator(schema)?, instance))
}

/// `Ok` when `instance` is valid, else every error as `"<JSON pointer>: <what is wrong>"`.
pub(super) fn verdict(validator: &Validator, instance: &Value) -> Result<(), Vec<String>> {
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|e| {
            let at = e.instance_path().to_string();
            if at.is_empty() { format!("(root): {e}") } else { format!("{at}: {e}") }
        })
        .collect();
    if errors.is_empty() { Ok(()) } else { Err(errors) }
}

/// The compiled validator, built once per test process.
#[allow(clippy::panic)]
fn validator(schema: EidoSchema) -> Option<&'static Validator> {
    static PUBLISHED: OnceLock<Option<Validator>> = OnceLock::new();
    static DRAFT: OnceLock<Option<Validator>> = OnceLock::new();
    let cell = match schema {
        EidoSchema::Published => &PUBLISHED,
        EidoSchema::Draft => &DRAFT,
    };
    cell.get_or_init(|| {
        let path = shared_spec(&format!("eido/{}", schema.openapi()))?;
        let fail = |e: &dyn std::fmt::Display| -> ! {
            panic!("the {} EIDO schema does not compile: {e}", schema.label())
        };
        let mut document = load_yaml(&path).unwrap_or_else(|e| fail(&e));
        repair(&mut document);
        stub_niem_types(&mut document);
        let uri = format!("file:///nena-eido/{}", schema.openapi());
        let registry = Registry::new()
            .draft(Draft::Draft4)
            .add(&uri, document)
            .and_then(|builder| builder.prepare())
            .unwrap_or_else(|e| fail(&e));
        let root = format!("{uri}#/components/schemas/EmergencyIncidentDataObjectType");
        let built = jsonschema::options()
            .with_draft(Draft::Draft4)
            .should_validate_formats(true)
            .with_registry(&registry)
            .build(&serde_json::json!({ "$ref": root }));
        Some(built.unwrap_or_else(|e| fail(&e)))
    })
    .as_ref()
}

pub(super) type LoadError = Box<dyn std::error::Error + Send + Sync>;

/// Reads one YAML file as JSON.
pub(super) fn load_yaml(path: &Path) -> Result<Value, LoadError> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut documents =
        YamlLoader::load_from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    if documents.len() != 1 {
        return Err(format!("{}: expected one YAML document", path.display()).into());
    }
    let document = documents.pop().ok_or("no document")?;
    yaml_to_json(document).map_err(|e| format!("{}: {e}", path.display()).into())
}

/// YAML (1.2 core schema, as yaml-rust2 reads it) to JSON. Recursion is fine here: the
/// input is NENA's schema files, which are shallow, not data from a peer.
fn yaml_to_json(yaml: Yaml) -> Result<Value, String> {
    Ok(match yaml {
        Yaml::Null => Value::Null,
        Yaml::Boolean(b) => Value::Bool(b),
        Yaml::Integer(i) => Value::from(i),
        Yaml::Real(text) => {
            let number: f64 = text.parse().map_err(|_| format!("{text:?} is not a number"))?;
            serde_json::Number::from_f64(number)
                .map(Value::Number)
                .ok_or_else(|| format!("{text:?} has no JSON form"))?
        }
        Yaml::String(s) => Value::String(s),
        Yaml::Array(items) => {
            Value::Array(items.into_iter().map(yaml_to_json).collect::<Result<_, _>>()?)
        }
        Yaml::Hash(entries) => {
            let mut object = serde_json::Map::with_capacity(entries.len());
            for (key, value) in entries {
                let key = match key {
                    Yaml::String(s) => s,
                    Yaml::Integer(i) => i.to_string(),
                    Yaml::Boolean(b) => b.to_string(),
                    other => return Err(format!("mapping key {other:?} is not a string")),
                };
                object.insert(key, yaml_to_json(value)?);
            }
            Value::Object(object)
        }
        Yaml::Alias(_) | Yaml::BadValue => return Err("YAML aliases are not supported".into()),
    })
}

/// Defects 1 and 2 of the module documentation; each repair applies only where the defect is.
fn repair(document: &mut Value) {
    let min_items =
        "/components/schemas/AgentType/allOf/1/properties/agentRoleRegistryText/minItems";
    if let Some(value) = document.pointer_mut(min_items)
        && let Some(number) =
            value.as_str().and_then(|s| s.trim_end_matches(',').parse::<u64>().ok())
    {
        *value = Value::from(number);
    }
    let alternate = "/components/schemas/AlternateValuesType/properties/Alternate/items/required";
    if let Some(required) = document.pointer_mut(alternate)
        && *required == serde_json::json!(["Constituent", "TimeStamp", "Value"])
    {
        *required = serde_json::json!(["Constituent", "Timestamp", "OtherValue"]);
    }
}

/// Replaces every `$ref` into `NIEMComponents/` by "an object"; see the module documentation.
fn stub_niem_types(value: &mut Value) {
    let into_niem = |v: &Value| {
        v.get("$ref").and_then(Value::as_str).is_some_and(|r| r.starts_with("NIEMComponents/"))
    };
    let mut stack = vec![value];
    while let Some(v) = stack.pop() {
        if into_niem(v) {
            *v = serde_json::json!({ "type": "object" });
            continue;
        }
        match v {
            Value::Object(map) => stack.extend(map.values_mut()),
            Value::Array(items) => stack.extend(items.iter_mut()),
            _ => {}
        }
    }
}
