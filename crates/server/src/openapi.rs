//! The OpenAPI 3 description, generated from the handlers and DTOs; served at
//! `/api/v1/openapi.json` and checked in as `docs/openapi.json`.

use axum::Json;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::routes::{
    actions, agencies, areas, audit, calls, clinician, eido, eido_conveyance, facilities,
    follow_ups, health, incidents, lost, places, prior, protocols, recommendations, reports,
    routing, search, sessions, shift_log, stream, teams, totp, triage, users,
};

#[derive(Debug, OpenApi)]
#[openapi(
    info(
        title = "Crisisbridge API",
        description = "Integrated 911 / 988 behavioral-health crisis response. Every route but \
            /healthz, /metrics and this description needs `Authorization: Bearer <token>` from \
            POST /api/v1/sessions. Errors are `{\"error\":{\"code\",\"message\",\"field\"}}` with \
            a stable `code`.",
        version = "1"
    ),
    paths(
        sessions::login, sessions::logout, sessions::whoami,
        incidents::create, incidents::list, search::search, incidents::get,
        shift_log::list, shift_log::write, shift_log::acknowledge,
        prior::prior, facilities::list, facilities::incoming, facilities::report, facilities::destinations, follow_ups::queue, follow_ups::schedule, follow_ups::attempt, follow_ups::finish, incidents::events, actions::act,
        triage::answer, triage::explain,
        clinician::queue,
        audit::trail,
        clinician::clinicians,
        teams::list, teams::positions, teams::act, teams::breadcrumbs,
        recommendations::recommend,
        eido::export, eido::import, eido_conveyance::conveyance,
        protocols::upload, protocols::list, protocols::get, protocols::activate, protocols::active,
        stream::stream,
        agencies::list,
        users::list, users::create, users::act,
        totp::start, totp::confirm,
        routing::lookup,
        areas::list,
        places::info, places::tile, places::describe, places::find,
        reports::measures, reports::chart,
        calls::record,
        lost::lost,
        health::healthz, health::metrics,
    ),
    modifiers(&BearerAuth, &CommonAnswers),
    security(("bearer" = [])),
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The answers every route can give whether or not its handler lists them: 401 where a session
/// is needed (every `/api/v1` route but logging in and this description), 415 where a JSON body
/// is read. Listed once here rather than on each handler.
struct CommonAnswers;

impl Modify for CommonAnswers {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
        let error = |description: &str| {
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/json",
                    ContentBuilder::new().schema(Some(Ref::from_schema_name("ErrorBody"))).build(),
                )
                .build()
        };
        for (path, item) in &mut openapi.paths.paths {
            let needs_session = path.starts_with("/api/v1/") && path != "/api/v1/openapi.json";
            for (method, operation) in [
                ("get", item.get.as_mut()),
                ("post", item.post.as_mut()),
                ("put", item.put.as_mut()),
                ("delete", item.delete.as_mut()),
            ] {
                let Some(operation) = operation else { continue };
                // Operation ids must be unique across the document: the method and the path
                // (`get_incidents_id_decision`), not the handler's name (several are `list`).
                operation.operation_id = Some(operation_id(method, path));
                let login = path == "/api/v1/sessions" && method == "post";
                let answers = &mut operation.responses.responses;
                // OpenAPI requires a description on every response: where a handler gave
                // none, the status's reason phrase.
                for (status, answer) in answers.iter_mut() {
                    if let utoipa::openapi::RefOr::T(response) = answer
                        && response.description.is_empty()
                    {
                        response.description = reason(status).to_owned();
                    }
                }
                if needs_session && !login {
                    answers.entry("401".into()).or_insert_with(|| {
                        error("no valid session: log in (POST /api/v1/sessions) and send the token").into()
                    });
                }
                let json_body = matches!(
                    &operation.request_body,
                    Some(utoipa::openapi::RefOr::T(body)) if body.content.contains_key("application/json")
                );
                if json_body {
                    answers.entry("415".into()).or_insert_with(|| {
                        error("the body was not sent as Content-Type: application/json").into()
                    });
                }
            }
        }
    }
}

/// `get /api/v1/incidents/{id}/decision` → `get_incidents_id_decision`.
fn operation_id(method: &str, path: &str) -> String {
    let rest = path.strip_prefix("/api/v1").unwrap_or(path);
    let words: Vec<String> = rest
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    format!("{method}_{}", words.join("_"))
}

/// The reason phrase of an HTTP status written as text ("200" → "OK").
fn reason(status: &str) -> &'static str {
    status
        .parse::<u16>()
        .ok()
        .and_then(|s| axum::http::StatusCode::from_u16(s).ok())
        .and_then(|s| s.canonical_reason())
        .unwrap_or("the answer")
}

/// The description as pretty JSON, exactly as checked in.
pub fn json() -> String {
    ApiDoc::openapi().to_pretty_json().unwrap_or_default()
}

pub async fn serve() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
