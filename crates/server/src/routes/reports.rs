//! `GET /api/v1/reports/measures`: the outcome measures (docs/measures.md) of the incidents the
//! caller's agency is involved in, for a period, grouped — the same figures as
//! `crisisbridge report measures`, from the same code (`reports::measures`). Aggregates only:
//! no row names a person. For supervisors and administrators; each request is audited.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use domain::{AgencyId, Channel, Location, Permission, TeamId};
use reports::Zone;
use reports::measures::charts::Chart;
use reports::measures::{CallTally, Grouping, Names, Options, Report, Tally};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody, ErrorCode};
use crate::state::AppState;

/// Events read from the log per page.
const PAGE: u32 = 10_000;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct MeasuresQuery {
    /// Incidents opened on or after this day, `YYYY-MM-DD`, in the agency's time zone.
    from: Option<String>,
    /// Incidents opened before this day, `YYYY-MM-DD`, in the agency's time zone.
    to: Option<String>,
    /// `911`, `988` or `other`.
    channel: Option<String>,
    /// `all` (default), `agency`, `channel`, `hour`, `weekday`, `team` or `area`.
    by: Option<String>,
    /// `json` (default), `csv`, or `html` (one self-contained page with the charts).
    format: Option<String>,
}

/// The same period and grouping as the measures, for one chart.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ChartQuery {
    /// Incidents opened on or after this day, `YYYY-MM-DD`, in the agency's time zone.
    from: Option<String>,
    /// Incidents opened before this day, `YYYY-MM-DD`, in the agency's time zone.
    to: Option<String>,
    /// `911`, `988` or `other`.
    channel: Option<String>,
    /// `all` (default), `agency`, `channel`, `hour`, `weekday`, `team` or `area`; the rate map
    /// is always by area.
    by: Option<String>,
    /// The rate map's measure (default `contacts.total`): one of the counts given per 100,000
    /// residents.
    measure: Option<String>,
}

fn invalid(message: String) -> ApiError {
    ApiError::new(ErrorCode::InvalidParameter, message)
}

fn day(name: &str, value: Option<&str>, zone: &Zone) -> ApiResult<Option<domain::Timestamp>> {
    value
        .map(|d| reports::parse_day_in(d, zone).map_err(|e| invalid(format!("{name}: {e}"))))
        .transpose()
}

/// The measures, as the report's JSON (`incidents`, and `groups` each with `key` and
/// `measures`: `id`, `label`, `kind` and the value's fields) or as CSV.
#[utoipa::path(get, path = "/api/v1/reports/measures", tag = "reports", params(MeasuresQuery),
    responses(
        (status = 200, description = "the measures: JSON, or CSV with format=csv", body = Object),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
pub async fn measures(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<MeasuresQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Response> {
    caller.require(Permission::ReportRead)?;
    let Query(query) = query.map_err(|e| invalid(e.body_text()))?;
    let format = query.format.as_deref().unwrap_or("json");
    if !["json", "csv", "html"].contains(&format) {
        return Err(invalid(format!("format {format:?}: use json, csv or html")));
    }
    let (report, heading) = report(
        &state,
        &caller,
        query.from.as_deref(),
        query.to.as_deref(),
        query.channel.as_deref(),
        query.by.as_deref(),
    )
    .await?;
    Ok(match format {
        "csv" => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (header::CONTENT_DISPOSITION, "attachment; filename=\"measures.csv\""),
            ],
            reports::measures::csv(&report),
        )
            .into_response(),
        "html" => (
            [
                (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                (header::CONTENT_DISPOSITION, "attachment; filename=\"measures.html\""),
            ],
            reports::measures::html(&report, &heading, map(&state, &report, None)?.as_deref()),
        )
            .into_response(),
        _ => axum::Json(report).into_response(),
    })
}

/// One chart of the measures as SVG: `volume`, `answer-times`, `response-times`, `funnel`, or
/// `rate-map` (a measure per 100,000 residents by area; needs the server's `population_file`).
#[utoipa::path(get, path = "/api/v1/reports/charts/{chart}", tag = "reports", params(
        ("chart" = String, Path, description = "volume, answer-times, response-times, funnel or rate-map"),
        ChartQuery),
    responses(
        (status = 200, description = "the chart, image/svg+xml", content_type = "image/svg+xml", body = String),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn chart(
    State(state): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
    query: Result<Query<ChartQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Response> {
    caller.require(Permission::ReportRead)?;
    let chart = Chart::parse(&name);
    if chart.is_none() && name != RATE_MAP {
        return Err(ApiError::not_found(format!(
            "chart {name:?} (there are {}, and {RATE_MAP})",
            Chart::NAMES
        )));
    }
    let Query(query) = query.map_err(|e| invalid(e.body_text()))?;
    let by = if chart.is_none() { Some("area") } else { query.by.as_deref() };
    let (report, _) = report(
        &state,
        &caller,
        query.from.as_deref(),
        query.to.as_deref(),
        query.channel.as_deref(),
        by,
    )
    .await?;
    let svg = match chart {
        Some(chart) => reports::measures::charts::svg(chart, &report),
        None => map(&state, &report, query.measure.as_deref())?.ok_or_else(|| {
            invalid(
                "the rate map needs each area's population: the server's population_file is not set"
                    .to_owned(),
            )
        })?,
    };
    Ok(([(header::CONTENT_TYPE, "image/svg+xml"), (header::CACHE_CONTROL, "no-store")], svg)
        .into_response())
}

/// The chart that is not one of [`Chart`]'s: it needs the areas' outlines and populations.
const RATE_MAP: &str = "rate-map";

/// The rate map of a report grouped by area with rates per 100,000 residents; `None` when the
/// report has none (another grouping, or no population file).
fn map(state: &AppState, report: &Report, measure: Option<&str>) -> ApiResult<Option<String>> {
    let measure = measure.unwrap_or("contacts.total");
    if !reports::measures::population::PER_CAPITA.contains(&measure) {
        return Err(invalid(format!(
            "measure {measure:?}: use one of {}",
            reports::measures::population::PER_CAPITA.join(", ")
        )));
    }
    let (Some(per_capita), Some(populations), Some(router)) =
        (&report.per_100k, &state.settings.populations, state.routing.current())
    else {
        return Ok(None);
    };
    Ok(Some(reports::measures::charts::rate_map(
        per_capita,
        populations,
        &shapes(&router),
        measure,
    )))
}

/// Every area's outline, labelled as reports name areas.
pub fn shapes(router: &incidents::routing::ServiceRouter) -> Vec<reports::measures::charts::Shape> {
    router
        .areas()
        .iter()
        .map(|a| reports::measures::charts::Shape {
            label: incidents::routing::ServiceRouter::label_of(a),
            rings: a.polygons.iter().map(|p| p.exterior.clone()).collect(),
        })
        .collect()
}

/// The caller's agency's measures for the period and grouping asked, and what they cover in
/// words.
async fn report(
    state: &AppState,
    caller: &Caller,
    from: Option<&str>,
    to: Option<&str>,
    channel: Option<&str>,
    by: Option<&str>,
) -> ApiResult<(Report, String)> {
    // Days, hours and weekdays are the agency's own.
    let zone = Zone::named(&caller.agency.time_zone).unwrap_or_else(|e| {
        tracing::warn!(agency = %caller.agency.code, error = %e, "the agency's time zone is unknown; its reports are in UTC");
        Zone::utc()
    });
    let window = reports::Window {
        from: day("from", from, &zone)?,
        to: day("to", to, &zone)?,
        channel: channel
            .map(|c| {
                Channel::parse(c)
                    .ok_or_else(|| invalid(format!("channel {c:?}: use 911, 988 or other")))
            })
            .transpose()?,
    };
    let by = match by {
        None => Grouping::All,
        Some(b) => Grouping::parse(b)
            .ok_or_else(|| invalid(format!("by {b:?}: use {}", Grouping::NAMES)))?,
    };
    let options = Options { window, agency: Some(caller.agency.id), by, zone: zone.clone() };
    let (from, to) = window.call_steps();
    let mut calls = CallTally::default();
    for step in state.store.calls_between(from, to, Some(caller.agency.id)).await? {
        calls.add(&step.event);
    }
    let naming = Naming {
        agencies: state.store.agencies().await?.into_iter().map(|a| (a.id, a.code)).collect(),
        teams: state.store.teams(None).await?.into_iter().map(|t| (t.id, t.name)).collect(),
        router: state.routing.current(),
    };
    let failed = |e: tokio::task::JoinError| {
        ApiError::new(ErrorCode::Internal, format!("the report failed: {e}"))
    };
    // Computed off the async workers: a year of a large deployment takes a while.
    let live_ready = state.measures.sync(&*state.store).await?;
    metrics::counter!("crisisbridge_reports_total", "source" => if live_ready { "live" } else { "log" })
        .increment(1);
    let report = if live_ready {
        let live = state.measures.clone();
        tokio::task::spawn_blocking(move || {
            live.with(|tally| naming.report(tally, &options, &calls))
        })
        .await
        .map_err(failed)?
        .ok_or_else(|| ApiError::new(ErrorCode::Internal, "the live measures are unavailable"))?
    } else {
        // Just after start, while the live tally still reads the log: read it for this report.
        let mut tally = Tally::new(options.clone());
        let mut after = 0;
        loop {
            let page = state.store.events_after(after, Some(caller.agency.id), PAGE).await?;
            let Some(last) = page.last() else { break };
            after = last.seq;
            for recorded in &page {
                tally.add(&recorded.event, &recorded.involved);
            }
        }
        tokio::task::spawn_blocking(move || naming.report(&tally, &options, &calls))
            .await
            .map_err(failed)?
    };
    let mut report = report;
    if let (Grouping::Area, Some(populations)) = (by, &state.settings.populations) {
        report.per_100k = Some(reports::measures::population::per_capita(&report, populations));
    }
    let heading =
        format!("{}; {}; grouped by {}", caller.agency.name, window.describe(&zone), by.name());
    Ok((report, heading))
}

/// How a report names agencies, teams and areas.
struct Naming {
    agencies: HashMap<AgencyId, String>,
    teams: HashMap<TeamId, String>,
    router: Option<Arc<incidents::routing::ServiceRouter>>,
}

impl Naming {
    fn report(&self, tally: &Tally, options: &Options, calls: &CallTally) -> Report {
        let agency =
            |id: AgencyId| self.agencies.get(&id).cloned().unwrap_or_else(|| id.to_string());
        let team = |id: TeamId| self.teams.get(&id).cloned().unwrap_or_else(|| id.to_string());
        let area = |location: &Location| self.router.as_ref()?.area_label(location);
        tally.report_with_calls(
            options,
            &Names { agency: &agency, team: &team, area: &area },
            calls,
        )
    }
}
