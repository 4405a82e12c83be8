//! Cross-site request guard.
//!
//! A browser sends the session cookie with every request to our host, whichever page made it;
//! `SameSite=Strict` stops other sites but not another port or a sibling subdomain. So every
//! request that a cookie could authenticate and that changes something — any method but
//! `GET`, `HEAD` and `OPTIONS` — and every WebSocket upgrade must come from one of the
//! deployment's own origins: the server's own (`scheme://Host`) or one the configuration
//! lists ([`crate::Settings::allowed_origins`], e.g. the public name behind a proxy).
//!
//! - A browser always sends `Origin` on such requests; when it is there, it must be allowed.
//! - `Sec-Fetch-Site`, when sent, must be `same-origin` or `none` (typed by the user), unless
//!   `Origin` is an allowed origin.
//! - A request that presents the session cookie must carry one of the two: a cookie without
//!   them is not from a browser page we served.
//! - A request with `Authorization: Bearer` is unaffected: no browser adds that header by itself.

use axum::extract::{Request, State};
use axum::http::header::{AUTHORIZATION, HOST, ORIGIN, UPGRADE};
use axum::http::{HeaderMap, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::{ApiError, ErrorCode};
use crate::state::AppState;

/// Refuses cross-site state changes and WebSocket upgrades before they reach a handler.
pub async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if needs_check(request.method(), request.headers())
        && let Err(refusal) =
            check(request.headers(), state.settings.scheme(), &state.settings.allowed_origins)
    {
        metrics::counter!("crisisbridge_cross_origin_refused_total").increment(1);
        return refusal.into_response();
    }
    next.run(request).await
}

/// Whether a request is one a cross-site page could use against a logged-in user.
fn needs_check(method: &Method, headers: &HeaderMap) -> bool {
    let bearer = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("Bearer "));
    if bearer {
        return false;
    }
    let upgrade = headers
        .get(UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"));
    upgrade || !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Checks `Origin` and `Sec-Fetch-Site` against the server's own origin and `allowed`.
pub fn check(headers: &HeaderMap, scheme: &str, allowed: &[String]) -> Result<(), ApiError> {
    let origin = headers.get(ORIGIN).map(|v| v.to_str().unwrap_or("<not text>"));
    let fetch_site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    let own =
        headers.get(HOST).and_then(|v| v.to_str().ok()).map(|host| format!("{scheme}://{host}"));
    let allowed_origin = |origin: &str| {
        own.as_deref().is_some_and(|own| own.eq_ignore_ascii_case(origin))
            || allowed.iter().any(|a| a.eq_ignore_ascii_case(origin))
    };
    match (origin, fetch_site) {
        (Some(origin), _) if allowed_origin(origin) => Ok(()),
        (Some(origin), _) => Err(refused(format!(
            "this request came from the page origin {origin:?}, which is not this deployment's ({}); a page elsewhere cannot act with your session. If this origin is yours, add it to allowed_origins in the config",
            own.as_deref().unwrap_or("unknown: no Host header")
        ))),
        (None, Some("same-origin" | "none")) => Ok(()),
        (None, Some(site)) => Err(refused(format!(
            "this request came from another site (Sec-Fetch-Site: {site}); a page elsewhere cannot act with your session"
        ))),
        (None, None) if crate::auth::session_cookie(headers).is_some() => Err(refused(
            "a request authenticated by the session cookie must say where it comes from (Origin); programs should send Authorization: Bearer <token> instead of the cookie".to_owned(),
        )),
        (None, None) => Ok(()),
    }
}

fn refused(message: String) -> ApiError {
    ApiError::new(ErrorCode::CrossOrigin, message)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, value.parse().unwrap());
        }
        map
    }

    const COOKIE: (&str, &str) = ("cookie", "crisisbridge_session=abc");
    const HOST_HDR: (&str, &str) = ("host", "127.0.0.1:8080");

    #[test]
    fn own_and_listed_origins_pass_and_others_are_refused() {
        let allowed = vec!["https://crisis.county.example".to_owned()];
        let own = headers(&[COOKIE, HOST_HDR, ("origin", "http://127.0.0.1:8080")]);
        assert!(check(&own, "http", &allowed).is_ok());
        let listed = headers(&[COOKIE, HOST_HDR, ("origin", "https://crisis.county.example")]);
        assert!(check(&listed, "http", &allowed).is_ok());
        for origin in
            ["https://evil.example", "http://127.0.0.1:8081", "https://127.0.0.1:8080", "null"]
        {
            let other = headers(&[COOKIE, HOST_HDR, ("origin", origin)]);
            let err = check(&other, "http", &allowed).unwrap_err();
            assert_eq!(err.code, ErrorCode::CrossOrigin, "{origin}");
        }
        // Under TLS the own origin is https.
        let tls = headers(&[COOKIE, HOST_HDR, ("origin", "https://127.0.0.1:8080")]);
        assert!(check(&tls, "https", &[]).is_ok());
    }

    #[test]
    fn fetch_metadata_alone_decides_when_origin_is_missing() {
        let same = headers(&[COOKIE, HOST_HDR, ("sec-fetch-site", "same-origin")]);
        assert!(check(&same, "http", &[]).is_ok());
        for site in ["same-site", "cross-site"] {
            let other = headers(&[COOKIE, HOST_HDR, ("sec-fetch-site", site)]);
            assert!(check(&other, "http", &[]).is_err(), "{site}");
        }
    }

    #[test]
    fn a_cookie_without_origin_is_refused_and_no_cookie_is_not_a_browser_session() {
        assert!(check(&headers(&[COOKIE, HOST_HDR]), "http", &[]).is_err());
        assert!(check(&headers(&[HOST_HDR]), "http", &[]).is_ok());
    }

    #[test]
    fn only_state_changes_and_upgrades_are_checked_and_bearer_requests_never() {
        let plain = HeaderMap::new();
        assert!(!needs_check(&Method::GET, &plain));
        assert!(needs_check(&Method::POST, &plain));
        assert!(needs_check(&Method::DELETE, &plain));
        assert!(needs_check(&Method::GET, &headers(&[("upgrade", "websocket")])));
        assert!(!needs_check(&Method::POST, &headers(&[("authorization", "Bearer x")])));
    }
}
