//! The OpenAPI 3 description, generated from the handlers and DTOs; served at
//! `/api/v1/openapi.json` and checked in as `docs/openapi.json`.

use axum::Json;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::routes::{
    actions, agencies, areas, audit, calls, clinician, eido, eido_conveyance, health, incidents,
    lost, protocols, recommendations, reports, routing, sessions, stream, teams, totp, triage,
    users,
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
        incidents::create, incidents::list, incidents::get, incidents::events, actions::act,
        triage::answer,
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
        reports::measures, reports::chart,
        calls::record,
        lost::lost,
        health::healthz, health::metrics,
    ),
    modifiers(&BearerAuth),
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

/// The description as pretty JSON, exactly as checked in.
pub fn json() -> String {
    ApiDoc::openapi().to_pretty_json().unwrap_or_default()
}

pub async fn serve() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
