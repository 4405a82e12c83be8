//! `GET /api/v1/incidents/search`: the caller's agency's incidents, closed ones included, by
//! number, id, opening date, status, channel, outcome and words of the summary and notes;
//! newest opened first, a page at a time (keyset: pass `next` back as `after`), as JSON or CSV.
//! Each page costs the same whatever the agency's history (`store::search`). Every incident
//! listed is audited as read.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use domain::{CallbackNumber, Disposition, Incident, IncidentId, Permission};
use reports::Zone;
use serde::{Deserialize, Serialize};
use store::search::{Cursor, IncidentSearch, terms_of};
use utoipa::{IntoParams, ToSchema};

use super::incidents::{as_seen, parse_channel, parse_statuses};
use crate::auth::Caller;
use crate::dto::IncidentDto;
use crate::error::{ApiError, ApiResult, ErrorBody, ErrorCode};
use crate::state::AppState;

/// The most incidents one JSON page holds.
pub const MAX_PAGE: u32 = 200;
/// The most incidents one CSV export holds: a search matching more is refused (400), asking
/// for a narrower one.
pub const MAX_EXPORT: usize = 10_000;
/// The most words a search may give.
const MAX_WORDS: usize = 8;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SearchQuery {
    /// Words that must all be in the summary or a note the agency may read (whole words,
    /// case-insensitive; at most 8).
    pub q: Option<String>,
    /// The callback number, written any usual way (`785-555-0100`, `+17855550100`).
    pub number: Option<String>,
    /// The incident's id.
    pub id: Option<String>,
    /// Opened on or after this day, `YYYY-MM-DD`, in the agency's time zone.
    pub from: Option<String>,
    /// Opened before this day, `YYYY-MM-DD`, in the agency's time zone.
    pub to: Option<String>,
    /// Comma-separated statuses (`open`, `transfer_pending`, `team_dispatched`, `closed`);
    /// default: every status.
    pub status: Option<String>,
    /// `911`, `988` or `other`.
    pub channel: Option<String>,
    /// How it closed: `resolved_by_phone`, `resolved_on_scene`, `transported`, `referred`,
    /// `handled_by_emergency_services`, `no_contact` or `duplicate`.
    pub outcome: Option<String>,
    /// Incidents per page, 1 to 200 (default 50).
    pub limit: Option<u32>,
    /// Where the page starts: the `next` of the page before.
    pub after: Option<String>,
    /// `json` (default) or `csv`: every match (at most 10,000) as one CSV file.
    pub format: Option<String>,
}

/// One page of a search.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchPageDto {
    pub incidents: Vec<IncidentDto>,
    /// Pass as `after` for the next page; absent on the last page.
    pub next: Option<String>,
}

fn invalid(message: String) -> ApiError {
    ApiError::new(ErrorCode::InvalidParameter, message)
}

/// Search the agency's incidents, closed ones included.
#[utoipa::path(get, path = "/api/v1/incidents/search", tag = "incidents", params(SearchQuery),
    responses(
        (status = 200, description = "a page of incidents (JSON), or every match as CSV with format=csv", body = SearchPageDto),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
pub async fn search(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<SearchQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Response> {
    caller.require(Permission::IncidentSearch)?;
    let Query(query) = query.map_err(|e| invalid(e.body_text()))?;
    let zone = Zone::named(&caller.agency.time_zone).unwrap_or_else(|_| Zone::utc());
    let csv = match query.format.as_deref() {
        None | Some("json") => false,
        Some("csv") => true,
        Some(other) => return Err(invalid(format!("format {other:?}: use json or csv"))),
    };
    let search = parse(&query, &caller, &zone)?;
    if csv {
        return export(&state, &caller, search, &zone).await;
    }
    let page = state.store.search(&search).await?;
    let mut incidents = Vec::with_capacity(page.incidents.len());
    let shown = seen(&state, &caller, &search, page.incidents).await?;
    caller.disclosed(shown.iter().map(|i| i.id));
    for incident in shown {
        incidents.push(IncidentDto::seen_by(&incident, caller.agency.id));
    }
    Ok(Json(SearchPageDto { incidents, next: page.next.map(|c| c.encode()) }).into_response())
}

/// `found` as the caller's agency may see each one ([`as_seen`]); the caller audits what it
/// shows. The index
/// holds an incident's current status; an agency whose part ended sees it as it was then, so
/// one whose status then does not match the search is left out — a search never tells it what
/// happened after its part.
async fn seen(
    state: &AppState,
    caller: &Caller,
    search: &IncidentSearch,
    found: Vec<Incident>,
) -> ApiResult<Vec<Incident>> {
    let mut out = Vec::with_capacity(found.len());
    for incident in found {
        let incident = as_seen(state, caller.agency.id, incident).await?;
        if search.statuses.is_empty() || search.statuses.contains(&incident.status()) {
            out.push(incident);
        }
    }
    Ok(out)
}

/// A cell as a spreadsheet reads it: text starting with `=`, `+`, `-`, `@`, a tab or a carriage
/// return would be taken for a formula (a callback number `+1785…` for a sum), so it gets a
/// leading `'`, which spreadsheets show as text and do not display.
fn cell(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

/// The search `query` asks for, every parameter checked.
fn parse(query: &SearchQuery, caller: &Caller, zone: &Zone) -> ApiResult<IncidentSearch> {
    let limit = query.limit.unwrap_or(50);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(invalid(format!("limit: {limit} is out of range [1, {MAX_PAGE}]")));
    }
    let mut search = IncidentSearch::of(caller.agency.id, limit);
    if let Some(q) = query.q.as_deref().filter(|q| !q.trim().is_empty()) {
        let mut words: Vec<String> = terms_of(q).collect();
        words.sort_unstable();
        words.dedup();
        if words.is_empty() {
            return Err(invalid(format!(
                "q {q:?}: give at least one word of two or more letters or digits"
            )));
        }
        if words.len() > MAX_WORDS {
            return Err(invalid(format!("q: {} words; give at most {MAX_WORDS}", words.len())));
        }
        // The store starts from the rarest.
        search.words = words;
    }
    if let Some(number) = query.number.as_deref().filter(|n| !n.trim().is_empty()) {
        search.callback = Some(CallbackNumber::parse(number).map_err(|e| {
            invalid(format!("number: {e}; give ten digits or + and the country code"))
        })?);
    }
    if let Some(id) = query.id.as_deref().filter(|i| !i.trim().is_empty()) {
        search.id = Some(id.trim().parse::<IncidentId>().map_err(|e| invalid(format!("id: {e}")))?);
    }
    let day = |name: &str, value: &Option<String>| {
        value
            .as_deref()
            .filter(|d| !d.trim().is_empty())
            .map(|d| {
                reports::parse_day_in(d.trim(), zone).map_err(|e| invalid(format!("{name}: {e}")))
            })
            .transpose()
    };
    search.from = day("from", &query.from)?;
    search.to = day("to", &query.to)?;
    if let (Some(from), Some(to)) = (search.from, search.to)
        && to <= from
    {
        return Err(invalid("to: must be a later day than from".to_owned()));
    }
    search.statuses = parse_statuses(query.status.as_deref())?;
    search.channel = parse_channel(query.channel.as_deref().filter(|c| !c.is_empty()))?;
    search.disposition = query
        .outcome
        .as_deref()
        .filter(|o| !o.is_empty())
        .map(|o| {
            Disposition::parse(o).ok_or_else(|| {
                let known: Vec<&str> = Disposition::ALL.iter().map(|d| d.as_str()).collect();
                invalid(format!("outcome: unknown outcome {o:?}; use one of {}", known.join(", ")))
            })
        })
        .transpose()?;
    search.after = query
        .after
        .as_deref()
        .filter(|a| !a.is_empty())
        .map(|a| {
            Cursor::decode(a).ok_or_else(|| {
                invalid(format!("after {a:?}: pass the `next` of the page before, unchanged"))
            })
        })
        .transpose()?;
    Ok(search)
}

/// Every match as CSV, one row per incident, paged through the index.
async fn export(
    state: &AppState,
    caller: &Caller,
    mut search: IncidentSearch,
    zone: &Zone,
) -> ApiResult<Response> {
    search.limit = MAX_PAGE;
    let mut found: Vec<Incident> = Vec::new();
    loop {
        let page = state.store.search(&search).await?;
        // Read as the agency sees them; audited once, when the file is made.
        found.extend(seen(state, caller, &search, page.incidents).await?);
        if found.len() > MAX_EXPORT {
            return Err(ApiError::new(
                ErrorCode::InvalidParameter,
                format!(
                    "the search matches more than {MAX_EXPORT} incidents; narrow it (from, to, status, outcome) and export each part"
                ),
            ));
        }
        match page.next {
            Some(next) => search.after = Some(next),
            None => break,
        }
    }
    caller.disclosed(found.iter().map(|i| i.id));
    // A byte-order mark first: spreadsheets then read the file as UTF-8.
    let mut out = csv::Writer::from_writer("\u{feff}".as_bytes().to_vec());
    let header = [
        "id",
        "opened",
        "channel",
        "status",
        "outcome",
        "callback_number",
        "latitude",
        "longitude",
        "summary",
        "notes",
    ];
    let failed = |e: csv::Error| ApiError::new(ErrorCode::Internal, format!("writing CSV: {e}"));
    out.write_record(header).map_err(failed)?;
    for incident in found {
        let (lat, lon) = dispatch::representative_point(&incident.location)
            .map_or((String::new(), String::new()), |p| {
                (format!("{:.6}", p.lat.degrees()), format!("{:.6}", p.lon.degrees()))
            });
        out.write_record([
            incident.id.to_string(),
            zone.minute(incident.opened_at),
            incident.channel.as_str().to_owned(),
            incident.status().as_str().to_owned(),
            incident.closure.as_ref().map_or(String::new(), |c| c.disposition.as_str().to_owned()),
            incident.callback.as_ref().map_or(String::new(), |c| cell(c.as_str())),
            lat,
            lon,
            cell(incident.summary.as_str()),
            incident.notes.len().to_string(),
        ])
        .map_err(failed)?;
    }
    let body = out
        .into_inner()
        .map_err(|e| ApiError::new(ErrorCode::Internal, format!("writing CSV: {}", e.error())))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"incidents.csv\""),
            // Callers' details: no copy kept by a browser or proxy.
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response())
}
