//! The web console: the files of `web/`, compiled into the binary and served under
//! `/console/`, so a deployment needs nothing but the binary and no browser asks any other
//! host for anything (PSAPs run on closed networks, and a caller's location must not reach a
//! tile server).
//!
//! The pages hold no data; every API call they make is authenticated like any other, so these
//! routes need no login. Every answer carries a strict Content-Security-Policy: scripts,
//! styles, images and connections only from this origin, no inline script — which is also
//! the proof that the console talks to nothing else. Files are served with `no-cache` and an
//! `ETag`, so a browser revalidates (one small 304) and never runs a stale module after an
//! upgrade.

use std::sync::OnceLock;

use axum::extract::Path;
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, ETAG, IF_NONE_MATCH, LOCATION,
    REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

/// Where the console lives.
pub const PREFIX: &str = "/console/";

/// Only this origin, for everything; no inline script or style, no plugins, no framing.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
     frame-ancestors 'none'";

/// The responder's page sends the phone's position; nothing else may ask for sensors.
const PERMISSIONS_POLICY: &str = "geolocation=(self), camera=(), microphone=(), payment=()";

macro_rules! assets {
    ($($path:literal),* $(,)?) => {
        /// Every file of `web/` the console serves (tests excluded), by path under `web/`.
        pub const ASSETS: &[(&str, &[u8])] = &[
            $(($path, include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../web/", $path)))),*
        ];
    };
}

assets![
    "index.html",
    "icon.svg",
    "console.css",
    "js/app.js",
    "js/api.js",
    "js/live.js",
    "js/dom.js",
    "js/format.js",
    "js/directory.js",
    "js/login.js",
    "js/shortcuts.js",
    "js/map.js",
    "js/streets.js",
    "js/places.js",
    "js/teams.js",
    "js/triage.js",
    "js/incident-detail.js",
    "js/incident-list.js",
    "js/incident-feed.js",
    "js/incident-panel.js",
    "js/location-form.js",
    "js/alarms.js",
    "js/alerts.js",
    "js/contact.js",
    "js/reports.js",
    "js/simulated.js",
    "js/search.js",
    "js/shift-log.js",
    "js/phone.js",
    "js/follow-ups.js",
    "js/prior.js",
    "js/destinations.js",
    "js/posts.js",
    "js/views/facility.js",
    "js/views/care-navigator.js",
    "js/views/call-taker.js",
    "js/views/clinician.js",
    "js/views/counselor.js",
    "js/views/dispatcher.js",
    "js/views/responder.js",
    "js/views/supervisor.js",
];

/// The content type a file is served with, from its extension.
pub fn content_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, ext)| ext) {
        Some("html") => "text/html; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("json") => "application/json",
        _ => "application/octet-stream",
    }
}

/// Each asset's ETag, computed once.
fn etags() -> &'static [String] {
    static ETAGS: OnceLock<Vec<String>> = OnceLock::new();
    ETAGS.get_or_init(|| {
        ASSETS
            .iter()
            .map(|(_, bytes)| {
                let digest = Sha256::digest(bytes);
                let hex: String = digest.iter().take(12).map(|b| format!("{b:02x}")).collect();
                format!("\"{hex}\"")
            })
            .collect()
    })
}

/// `GET /` and `GET /console`: to the console.
pub async fn redirect() -> Response {
    (StatusCode::SEE_OTHER, [(LOCATION, PREFIX)]).into_response()
}

/// `GET /console/`: the page.
pub async fn index(headers: HeaderMap) -> Response {
    serve("index.html", &headers)
}

/// `GET /console/{*path}`: one file.
pub async fn asset(Path(path): Path<String>, headers: HeaderMap) -> Response {
    serve(&path, &headers)
}

fn serve(path: &str, request: &HeaderMap) -> Response {
    let Some((index, (name, bytes))) =
        ASSETS.iter().enumerate().find(|(_, (name, _))| *name == path)
    else {
        let mut response = (StatusCode::NOT_FOUND, "the console has no such file").into_response();
        security_headers(response.headers_mut());
        return response;
    };
    let etag = etags().get(index).map(String::as_str).unwrap_or_default();
    let mut response = if request
        .get(IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|tag| tag.trim() == etag))
    {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        ([(CONTENT_TYPE, content_type(name))], *bytes).into_response()
    };
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(etag) {
        headers.insert(ETAG, value);
    }
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    security_headers(headers);
    response
}

fn security_headers(headers: &mut HeaderMap) {
    headers.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(
        HeaderName::from_static("permissions-policy"),
        HeaderValue::from_static(PERMISSIONS_POLICY),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every file under `web/` (but its tests) is served, so a new module cannot be forgotten.
    #[test]
    fn every_web_file_is_an_asset() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../web");
        let mut found = Vec::new();
        let mut dirs = vec![root.clone()];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                let path = entry.path();
                let relative = path.strip_prefix(&root).map(|p| p.display().to_string());
                let relative = relative.unwrap_or_default();
                if relative == "tests" || relative.starts_with('.') {
                    continue;
                }
                if path.is_dir() {
                    dirs.push(path);
                } else {
                    found.push(relative);
                }
            }
        }
        found.sort();
        let mut served: Vec<String> = ASSETS.iter().map(|(p, _)| (*p).to_owned()).collect();
        served.sort();
        assert_eq!(found, served, "web/ and console::ASSETS disagree");
    }

    /// The console listens for every kind of event the stream sends; a kind it does not know
    /// would never refresh a view.
    #[test]
    fn the_console_listens_for_every_event_kind() {
        let live = ASSETS
            .iter()
            .find(|(p, _)| *p == "js/live.js")
            .map(|(_, bytes)| String::from_utf8_lossy(bytes).into_owned())
            .unwrap_or_default();
        for kind in domain::EventKind::NAMES {
            assert!(
                live.contains(&format!("'{kind}'")),
                "web/js/live.js does not listen for {kind}"
            );
        }
    }

    #[test]
    fn content_types_follow_the_extension() {
        assert_eq!(content_type("js/app.js"), "text/javascript; charset=utf-8");
        assert_eq!(content_type("index.html"), "text/html; charset=utf-8");
        assert_eq!(content_type("icon.svg"), "image/svg+xml");
    }
}
