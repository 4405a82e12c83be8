//! NENA-STA-024's WebSocket messages (`eido-conveyance/WebSocket-Subscribe-Notify/schema/
//! websocket.yaml`, an OpenAPI 3.0.2 document): validates a message against one of its
//! `components/schemas`, such as `responseToRequestObject`.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use jsonschema::{Draft, Registry, Validator};
use serde_json::Value;

use super::eido_schema::{load_yaml, verdict};
use super::shared_spec;

const DOCUMENT: &str = "eido-conveyance/WebSocket-Subscribe-Notify/schema/websocket.yaml";

/// Validates `message` against `components/schemas/{schema}` of NENA's conveyance schema:
/// `Ok` when valid, else every error as `"<JSON pointer>: <what is wrong>"`. `None`, with a
/// loud message, when `../shared` is absent.
///
/// # Panics
/// When the schema file is there but cannot be read or compiled, or names no such schema.
#[allow(clippy::panic, clippy::expect_used)]
pub fn validate(schema: &str, message: &Value) -> Option<Result<(), Vec<String>>> {
    static DOC: OnceLock<Option<Value>> = OnceLock::new();
    static VALIDATORS: OnceLock<Mutex<HashMap<String, &'static Validator>>> = OnceLock::new();
    let document = DOC
        .get_or_init(|| {
            let path = shared_spec(DOCUMENT)?;
            Some(load_yaml(&path).unwrap_or_else(|e| panic!("{DOCUMENT}: {e}")))
        })
        .as_ref()?;
    assert!(
        document.pointer(&format!("/components/schemas/{schema}")).is_some(),
        "{DOCUMENT} has no schema {schema}"
    );
    let mut cache = VALIDATORS.get_or_init(Mutex::default).lock().expect("not poisoned");
    let validator = *cache.entry(schema.to_owned()).or_insert_with(|| {
        let uri = "file:///nena-sta-024/websocket.yaml";
        let registry = Registry::new()
            .draft(Draft::Draft4)
            .add(uri, document.clone())
            .and_then(|builder| builder.prepare())
            .unwrap_or_else(|e| panic!("{DOCUMENT} does not compile: {e}"));
        let root = format!("{uri}#/components/schemas/{schema}");
        let built = jsonschema::options()
            .with_draft(Draft::Draft4)
            .with_registry(&registry)
            .build(&serde_json::json!({ "$ref": root }))
            .unwrap_or_else(|e| panic!("{DOCUMENT} {schema} does not compile: {e}"));
        Box::leak(Box::new(built))
    });
    drop(cache);
    Some(verdict(validator, message))
}

/// Fails the test unless `message` is valid as `components/schemas/{schema}` (or the check
/// was skipped, loudly).
///
/// # Panics
/// When it is not.
#[allow(clippy::panic)]
pub fn assert_valid(schema: &str, message: &Value) {
    if let Some(Err(errors)) = validate(schema, message) {
        panic!(
            "not a valid NENA-STA-024 {schema}:\n{}\n--- message ---\n{message:#}",
            errors.join("\n")
        );
    }
}
