//! The access-control matrix: every route of the OpenAPI document × every role × the user's
//! agency's relation to the resource (opened it, holds it, declined it, never involved),
//! against the running server, compared with the matrix below — written by hand as the
//! product's promise, not derived from the code it checks.
//!
//! Each request carries a well-formed body, so that what answers is the access check, not the
//! body's parser. "Allowed" means the request got past authentication, permission and
//! visibility: any answer but 401, 403 and 404 (a 409 or 422 for what the body asks is
//! allowed). "Hidden" is 404: an
//! incident, team or user another agency cannot see does not exist for it. No answer is ever
//! a 5xx.

use std::collections::BTreeMap;

use domain::{AgencyId, Role, Timestamp, UserId};
use serde_json::{Value, json};
use store::{Directory, NewUser};

use crate::helpers::{PASSWORD, TestApp};

/// What each role may do, as the product promises it.
const GRANTS: &[(&str, &[&str])] = &[
    (
        "call_taker",
        &[
            "incident.create",
            "call.record",
            "incident.read",
            "incident.search",
            "shift.log",
            "incident.note",
            "triage",
            "agency.read",
            "protocol.read",
            "facility.read",
        ],
    ),
    (
        "clinician",
        &[
            "clinician.queue",
            "incident.read",
            "incident.search",
            "shift.log",
            "incident.note",
            "triage",
            "agency.read",
            "protocol.read",
            "facility.read",
        ],
    ),
    (
        "counselor",
        &[
            "incident.create",
            "call.record",
            "incident.read",
            "incident.search",
            "shift.log",
            "incident.note",
            "triage",
            "agency.read",
            "protocol.read",
            "follow_up.schedule",
            "facility.read",
        ],
    ),
    (
        "dispatcher",
        &[
            "team.read",
            "team.report",
            "incident.read",
            "incident.search",
            "shift.log",
            "incident.note",
            "team.dispatch",
            "agency.read",
            "follow_up.schedule",
            "facility.read",
        ],
    ),
    (
        "responder",
        &[
            "team.read",
            "team.report",
            "incident.read",
            "incident.note",
            "agency.read",
            "facility.read",
        ],
    ),
    (
        "facility_staff",
        &[
            "facility.read",
            "facility.update",
            "incident.read",
            "incident.note",
            "shift.log",
            "agency.read",
        ],
    ),
    (
        "care_navigator",
        &[
            "follow_up.work",
            "follow_up.schedule",
            "incident.create",
            "incident.read",
            "incident.search",
            "shift.log",
            "shift.log",
            "incident.note",
            "agency.read",
            "facility.read",
        ],
    ),
    (
        "supervisor",
        &[
            "clinician.queue",
            "call.record",
            "team.read",
            "incident.create",
            "incident.read",
            "incident.search",
            "shift.log",
            "incident.note",
            "triage",
            "team.dispatch",
            "agency.read",
            "protocol.read",
            "audit.read",
            "report.read",
            "follow_up.schedule",
            "follow_up.work",
            "facility.read",
            "facility.update",
        ],
    ),
    (
        "admin",
        &[
            "incident.read",
            "agency.read",
            "user.manage",
            "protocol.read",
            "protocol.manage",
            "audit.read",
            "report.read",
        ],
    ),
];

/// What a route is about, for visibility.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    /// Nothing of an agency's own: permission alone decides.
    None,
    /// One incident: its agencies see it, others get 404.
    Incident,
    /// One mobile crisis team: its provider's users only.
    Team,
    /// One user: the administrator's own agency only.
    User,
    /// A protocol by name, which may not exist: a 404 is an answer, not a refusal.
    Named,
}

/// Needs: `None` for routes without a session; `Some("")` for any logged-in user.
struct Route {
    method: &'static str,
    path: &'static str,
    needs: Option<&'static str>,
    scope: Scope,
    body: Option<&'static str>,
}

const fn route(
    method: &'static str,
    path: &'static str,
    needs: Option<&'static str>,
    scope: Scope,
    body: Option<&'static str>,
) -> Route {
    Route { method, path, needs, scope, body }
}

const ANY: Option<&str> = Some("");

/// Every route of the OpenAPI document but the ones in [`NOT_WALKED`].
const ROUTES: &[Route] = &[
    route("GET", "/api/v1/agencies", Some("agency.read"), Scope::None, None),
    route("GET", "/api/v1/areas", Some("agency.read"), Scope::None, None),
    route("GET", "/api/v1/streets", ANY, Scope::None, None),
    // Without a road network the tile is 404: an answer, not a refusal.
    route("GET", "/api/v1/streets/{z}/{x}/{y}", ANY, Scope::Named, None),
    route("GET", "/api/v1/places", ANY, Scope::None, None),
    route("GET", "/api/v1/places/describe", ANY, Scope::None, None),
    route("GET", "/api/v1/clinician-queue", Some("clinician.queue"), Scope::None, None),
    route("GET", "/api/v1/clinicians", Some("clinician.queue"), Scope::None, None),
    route("POST", "/api/v1/eido", Some("incident.create"), Scope::None, Some("{}")),
    route("GET", "/api/v1/incidents/{id}/decision", Some("incident.read"), Scope::Incident, None),
    route("GET", "/api/v1/incidents", Some("incident.read"), Scope::None, None),
    route(
        "POST",
        "/api/v1/incidents",
        Some("incident.create"),
        Scope::None,
        Some(
            r#"{"channel":"911","location":{"type":"point","lat":38.9717,"lon":-95.2353,"radius_m":30},"summary":"matrix"}"#,
        ),
    ),
    route("GET", "/api/v1/incidents/search", Some("incident.search"), Scope::None, None),
    route("GET", "/api/v1/shift-log", Some("shift.log"), Scope::None, None),
    route("GET", "/api/v1/follow-ups", Some("follow_up.work"), Scope::None, None),
    route("GET", "/api/v1/facilities", Some("facility.read"), Scope::None, None),
    route("GET", "/api/v1/facilities/incoming", Some("facility.update"), Scope::None, None),
    route(
        "POST",
        "/api/v1/facilities/{id}/availability",
        Some("facility.update"),
        Scope::Named,
        Some(r#"{"status":"accepting","beds_free":2}"#),
    ),
    route(
        "GET",
        "/api/v1/incidents/{id}/destinations",
        Some("facility.read"),
        Scope::Incident,
        None,
    ),
    route("GET", "/api/v1/incidents/{id}/prior", Some("incident.search"), Scope::Incident, None),
    route(
        "POST",
        "/api/v1/incidents/{id}/follow-ups",
        Some("follow_up.schedule"),
        Scope::Incident,
        Some(r#"{"due_in_hours":2,"reason":"matrix"}"#),
    ),
    route(
        "POST",
        "/api/v1/incidents/{id}/follow-ups/{number}/attempts",
        Some("follow_up.work"),
        Scope::Incident,
        Some(r#"{"result":"no_answer"}"#),
    ),
    route(
        "POST",
        "/api/v1/incidents/{id}/follow-ups/{number}/finish",
        Some("follow_up.work"),
        Scope::Incident,
        Some(r#"{"outcome":"reached_and_well"}"#),
    ),
    route(
        "POST",
        "/api/v1/shift-log",
        Some("shift.log"),
        Scope::None,
        Some(r#"{"text":"matrix handover"}"#),
    ),
    route("POST", "/api/v1/shift-log/{id}/acknowledge", Some("shift.log"), Scope::Named, None),
    route("GET", "/api/v1/incidents/{id}", Some("incident.read"), Scope::Incident, None),
    route(
        "POST",
        "/api/v1/incidents/{id}/actions",
        Some("incident.note"),
        Scope::Incident,
        Some(r#"{"action":"add_note","text":"matrix"}"#),
    ),
    route("GET", "/api/v1/incidents/{id}/audit", Some("audit.read"), Scope::Incident, None),
    route("GET", "/api/v1/reports/measures", Some("report.read"), Scope::None, None),
    route("GET", "/api/v1/reports/charts/{chart}", Some("report.read"), Scope::Named, None),
    route(
        "POST",
        "/api/v1/calls",
        Some("call.record"),
        Scope::None,
        Some(r#"{"call_id":"matrix-1","step":"arrived","channel":"911"}"#),
    ),
    route("GET", "/api/v1/incidents/{id}/eido", Some("incident.read"), Scope::Incident, None),
    route("GET", "/api/v1/incidents/{id}/events", Some("incident.read"), Scope::Incident, None),
    route(
        "GET",
        "/api/v1/incidents/{id}/recommendations",
        Some("team.dispatch"),
        Scope::Incident,
        None,
    ),
    route(
        "POST",
        "/api/v1/incidents/{id}/triage",
        Some("triage"),
        Scope::Incident,
        Some(r#"{"answers":{}}"#),
    ),
    route("GET", "/api/v1/me", ANY, Scope::None, None),
    route("POST", "/api/v1/me/totp", ANY, Scope::None, Some("{}")),
    route("POST", "/api/v1/me/totp/confirm", ANY, Scope::None, Some("{}")),
    route("GET", "/api/v1/protocols", Some("protocol.read"), Scope::None, None),
    route(
        "POST",
        "/api/v1/protocols",
        Some("protocol.manage"),
        Scope::None,
        Some("not a protocol"),
    ),
    route("GET", "/api/v1/protocols/active", Some("protocol.read"), Scope::None, None),
    route(
        "GET",
        "/api/v1/protocols/{id}/versions/{version}",
        Some("protocol.read"),
        Scope::Named,
        None,
    ),
    route(
        "POST",
        "/api/v1/protocols/{id}/versions/{version}/activate",
        Some("protocol.manage"),
        Scope::Named,
        Some("{}"),
    ),
    route(
        "POST",
        "/api/v1/routing/lookup",
        Some("agency.read"),
        Scope::None,
        Some(r#"{"location":{"type":"point","lat":38.97,"lon":-95.23,"radius_m":10}}"#),
    ),
    route("POST", "/api/v1/sessions", None, Scope::None, Some("{}")),
    route("GET", "/api/v1/stream", Some("incident.read"), Scope::None, None),
    route("GET", "/api/v1/teams", Some("team.read"), Scope::None, None),
    route(
        "POST",
        "/api/v1/teams/{id}/actions",
        Some("team.report"),
        Scope::Team,
        Some(r#"{"action":"start_shift"}"#),
    ),
    route("GET", "/api/v1/teams/{id}/breadcrumbs", Some("team.read"), Scope::Team, None),
    route(
        "POST",
        "/api/v1/teams/{id}/positions",
        Some("team.report"),
        Scope::Team,
        Some(r#"{"at":1764000000000,"lat":38.97,"lon":-95.23}"#),
    ),
    route("GET", "/api/v1/users", Some("user.manage"), Scope::None, None),
    route(
        "POST",
        "/api/v1/users",
        Some("user.manage"),
        Scope::None,
        Some(
            r#"{"username":"matrix-new","role":"call_taker","password":"plinth-ovation-marrow-sleet"}"#,
        ),
    ),
    route(
        "POST",
        "/api/v1/users/{id}/actions",
        Some("user.manage"),
        Scope::User,
        Some(r#"{"action":"unlock"}"#),
    ),
    route("GET", "/healthz", None, Scope::None, None),
    route("POST", "/lost", None, Scope::None, Some("<not-lost/>")),
    route("GET", "/metrics", None, Scope::None, None),
    // Last: it ends the session.
    route("DELETE", "/api/v1/sessions/current", ANY, Scope::None, None),
];

/// Routes not walked here, and where they are checked instead.
const NOT_WALKED: &[(&str, &str, &str)] = &[(
    "GET",
    "/api/v1/eido/conveyance",
    "a WebSocket upgrade: eido_conveyance.rs checks its authentication and permission",
)];

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Relation {
    /// The agency opened the incident (and is the provider of the team, the user's agency).
    Opened,
    /// The agency holds the incident: it accepted the transfer.
    Holds,
    /// The agency was offered the incident and declined.
    Declined,
    /// The agency never had anything to do with it.
    Uninvolved,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    Allowed,
    Forbidden,
    Hidden,
    Unauthenticated,
}

fn expected(route: &Route, role: Option<&str>, relation: Relation, own_team: bool) -> Expect {
    let Some(needs) = route.needs else { return Expect::Allowed };
    let Some(role) = role else { return Expect::Unauthenticated };
    let grants = GRANTS.iter().find(|(r, _)| *r == role).map_or(&[][..], |(_, g)| *g);
    if !needs.is_empty() && !grants.contains(&needs) {
        return Expect::Forbidden;
    }
    let visible = match route.scope {
        Scope::None | Scope::Named => true,
        Scope::Incident => relation != Relation::Uninvolved,
        Scope::Team => own_team,
        Scope::User => relation == Relation::Opened,
    };
    if visible { Expect::Allowed } else { Expect::Hidden }
}

fn got(route: &Route, status: u16) -> Expect {
    match status {
        401 => Expect::Unauthenticated,
        403 => Expect::Forbidden,
        404 if route.scope != Scope::Named => Expect::Hidden,
        _ => Expect::Allowed,
    }
}

#[tokio::test]
async fn every_route_role_and_relation_answers_as_the_matrix_says() {
    let app = TestApp::spawn().await;
    let openapi: Value = serde_json::from_str(&server::openapi::json()).unwrap();
    let documented: Vec<(String, String)> = openapi["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, ops)| {
            ops.as_object()
                .unwrap()
                .keys()
                .map(|m| (m.to_uppercase(), path.clone()))
                .collect::<Vec<_>>()
        })
        .collect();
    for (method, path) in &documented {
        let walked = ROUTES.iter().any(|r| r.method == method && r.path == path)
            || NOT_WALKED.iter().any(|(m, p, _)| m == method && p == path);
        assert!(walked, "{method} {path} is in the OpenAPI document but not in the matrix");
    }
    for r in ROUTES {
        assert!(
            documented.iter().any(|(m, p)| m == r.method && p == r.path),
            "{} {} is in the matrix but not documented",
            r.method,
            r.path
        );
    }

    // The incident: opened by the PSAP, declined by the backup center, accepted by the center.
    let calltaker = app.login("calltaker").await;
    let id = app.open_incident(&calltaker).await;
    let offer = |to: AgencyId| json!({"action": "offer_transfer", "to_agency": to.to_string(), "reason": "divert"});
    assert_eq!(app.act(&calltaker, &id, offer(app.backup.id)).await.status(), 200);
    let backup = app.login("backup-counselor").await;
    let decline = json!({"action": "decline_transfer", "reason": "not ours"});
    assert_eq!(app.act(&backup, &id, decline).await.status(), 200);
    assert_eq!(app.act(&calltaker, &id, offer(app.center.id)).await.status(), 200);
    let counselor = app.login("counselor").await;
    assert_eq!(app.act(&counselor, &id, json!({"action": "accept_transfer"})).await.status(), 200);

    // A user of every role in every agency it can belong to.
    let other_psap = app.store.agency_by_code("psap-20091").await.unwrap().unwrap();
    let agencies = [
        (&app.psap, Relation::Opened),
        (&app.center, Relation::Holds),
        (&app.backup, Relation::Declined),
        (&other_psap, Relation::Uninvolved),
        (&app.provider, Relation::Uninvolved),
        (&app.facility, Relation::Uninvolved),
    ];
    let hash = server::auth::hash_password(PASSWORD).unwrap();
    let mut users: Vec<(Role, AgencyId, Relation, String)> = Vec::new();
    for (agency, relation) in agencies {
        for role in Role::ALL.into_iter().filter(|r| r.fits(agency.kind)) {
            let username = format!("m-{}-{}", role.as_str().replace('_', "-"), agency.code);
            app.store
                .put_user(&NewUser {
                    id: UserId::new(Timestamp::from_millis(1)),
                    username: username.clone(),
                    display_name: username.clone(),
                    agency: agency.id,
                    role,
                    password_hash: hash.clone(),
                })
                .await
                .unwrap();
            users.push((role, agency.id, relation, username));
        }
    }
    let someone_of_the_psap = app.store.user_by_username("clinician").await.unwrap().unwrap().id;

    let mut differences = Vec::new();
    let mut checked = 0;
    let mut tally: BTreeMap<&str, usize> = BTreeMap::new();
    let mut sessions: Vec<(Option<&str>, Relation, AgencyId, Option<String>)> =
        vec![(None, Relation::Uninvolved, app.psap.id, None)];
    for (role, agency, relation, username) in &users {
        sessions.push((Some(role.as_str()), *relation, *agency, Some(app.login(username).await)));
    }
    for (role, relation, agency, token) in &sessions {
        for r in ROUTES {
            let own_team = *agency == app.provider.id;
            let target = match r.scope {
                Scope::Team => app.team.id.to_string(),
                Scope::User => someone_of_the_psap.to_string(),
                Scope::Named => "psap-911".to_owned(),
                Scope::Incident | Scope::None => id.clone(),
            };
            let path =
                r.path.replace("{id}", &target).replace("{version}", "1").replace("{number}", "1");
            let path = path.replace("{z}", "15").replace("{x}", "9649").replace("{y}", "5061");
            let method = reqwest::Method::from_bytes(r.method.as_bytes()).unwrap();
            let mut request = app.client.request(method, app.url(&path));
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            if let Some(body) = r.body {
                let kind = if body.starts_with('{') { "application/json" } else { "text/plain" };
                let kind = if body.starts_with('<') { "application/lost+xml" } else { kind };
                request = request.header("content-type", kind).body(body);
            }
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            assert!(status < 500, "{} {path} as {role:?}: {status}", r.method);
            let want = expected(r, *role, *relation, own_team);
            checked += 1;
            *tally
                .entry(match want {
                    Expect::Allowed => "allowed",
                    Expect::Forbidden => "forbidden",
                    Expect::Hidden => "hidden",
                    Expect::Unauthenticated => "unauthenticated",
                })
                .or_default() += 1;
            if got(r, status) != want {
                differences.push(format!(
                    "{} {path} as {} ({relation:?}): expected {want:?}, got {status}",
                    r.method,
                    role.unwrap_or("nobody")
                ));
            }
        }
    }
    eprintln!("{checked} checks: {tally:?}");
    assert!(
        differences.is_empty(),
        "{} differences:\n{}",
        differences.len(),
        differences.join("\n")
    );

    // Every route that reads or changes incidents left a record in the audit trail for the
    // requests just made (a route outside the audit layer would leave none).
    let records = store::AuditLog::audit_records(&*app.store, 0, 100_000, None).await.unwrap();
    for r in ROUTES
        .iter()
        .filter(|r| r.path.starts_with("/api/v1/incidents") || r.path == "/api/v1/follow-ups")
    {
        let action = format!("{} {}", r.method, r.path);
        assert!(
            records.iter().any(|rec| rec.entry.action.starts_with(&action)),
            "{action} is not audited"
        );
    }
}
