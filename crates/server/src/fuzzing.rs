//! The server's parsers of outside input, callable on bytes: for the fuzz targets
//! (`crates/fuzz`), which must reach them without a running server. Each returns whether the
//! input was accepted; none may panic.

use crate::routes::actions::Action;
use crate::routes::triage::TriageRequest;

/// A NENA-STA-024 message as the conveyance WebSocket reads it.
pub fn conveyance_message(text: &str) -> bool {
    crate::routes::eido_conveyance::parse_message(text)
}

/// A body of `POST /incidents`, `POST /incidents/{id}/actions` or `POST …/triage`, read as the
/// handlers read it: JSON, then every field parsed into domain values.
pub fn api_body(bytes: &[u8]) -> bool {
    let created = serde_json::from_slice::<crate::dto::CreateIncident>(bytes).is_ok_and(|c| {
        c.location.parse("location").is_ok()
            && crate::dto::parse_callback(c.callback_number).is_ok()
            && crate::dto::parse_text("summary", &c.summary, domain::Text::SUMMARY_MAX).is_ok()
    });
    let action = serde_json::from_slice::<Action>(bytes).is_ok();
    let triage = serde_json::from_slice::<TriageRequest>(bytes).is_ok();
    created || action || triage
}
