//! Streets and places: the console's street map as vector tiles (`/api/v1/streets/{z}/{x}/{y}`,
//! served from the deployment's own road data — nothing is fetched from anywhere else), a
//! point described in words (`/api/v1/places/describe`), and what a person types found on the
//! map (`/api/v1/places`). Street names and places are not about any person: any logged-in
//! user may read them.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody, ErrorCode};
use crate::state::AppState;

/// Tiles kept once cut; past this many the cache starts again (a county's streets at every
/// zoom a console shows fit well within it).
const CACHED_TILES: usize = 20_000;

/// A tile's address: zoom, x, y.
type TileKey = (u8, u32, u32);

/// Tiles already cut, as their JSON bytes.
#[derive(Debug, Clone, Default)]
pub struct TileCache(Arc<Mutex<HashMap<TileKey, Arc<Vec<u8>>>>>);

/// What street data the deployment has.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct StreetsInfo {
    /// Streets are drawn (a road network is loaded).
    pub streets: bool,
    /// Lines and distinct street names held.
    pub lines: usize,
    pub names: usize,
    /// Address points loaded (`address_points`).
    pub addresses: usize,
    /// South, west, north, east in degrees, when there are streets.
    pub bounds: Option<[f64; 4]>,
    /// Whom to credit wherever the streets are shown (OpenStreetMap's licence asks for it).
    pub attribution: Option<String>,
    pub min_zoom: u8,
    pub max_zoom: u8,
    /// Steps per tile side in tile coordinates.
    pub extent: i32,
}

#[utoipa::path(get, path = "/api/v1/streets", tag = "places",
    responses((status = 200, body = StreetsInfo), (status = 401, body = ErrorBody)))]
pub async fn info(State(state): State<AppState>, _caller: Caller) -> Json<StreetsInfo> {
    let places = state.settings.places.as_deref();
    let map = places.map(streets::Places::map).filter(|m| !m.is_empty());
    Json(StreetsInfo {
        streets: map.is_some(),
        lines: map.map_or(0, streets::StreetMap::line_count),
        names: map.map_or(0, streets::StreetMap::name_count),
        addresses: places.map_or(0, streets::Places::address_count),
        bounds: map.and_then(streets::StreetMap::bounds).map(|((s, w), (n, e))| [s, w, n, e]),
        attribution: map.and_then(|m| m.attribution().map(str::to_owned)),
        min_zoom: streets::MIN_ZOOM,
        max_zoom: streets::MAX_ZOOM,
        extent: streets::EXTENT,
    })
}

/// One tile. At zoom `z` tiles are `360 / 2^z` degrees square; tile `x` starts at longitude
/// `-180 + x·size`, tile `y` at latitude `90 - y·size` going south. Each line is
/// `[class, name, u0, v0, du1, dv1, …]`: `class` an index into `classes`, `name` an index
/// into `names` or -1, then the first point and each next one as a difference, in steps of
/// `size / extent` east and south of the tile's north-west corner.
#[utoipa::path(get, path = "/api/v1/streets/{z}/{x}/{y}", tag = "places",
    params(("z" = u8, Path, description = "zoom, 6 to 18"), ("x" = u32, Path), ("y" = u32, Path)),
    responses((status = 200, description = "the tile (JSON)", body = Object),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, description = "no road network is loaded", body = ErrorBody)))]
pub async fn tile(
    State(state): State<AppState>,
    _caller: Caller,
    Path((z, x, y)): Path<(String, String, String)>,
) -> ApiResult<Response> {
    let number = |name: &str, v: &str| {
        v.parse::<u32>().map_err(|_| {
            ApiError::new(
                ErrorCode::InvalidParameter,
                format!("{name}: {v:?} is not a whole number"),
            )
        })
    };
    let (z, x, y) = (number("z", &z)?, number("x", &x)?, number("y", &y)?);
    if state.settings.places.as_deref().is_none_or(|p| p.map().is_empty()) {
        return Err(ApiError::new(
            ErrorCode::NotFound,
            "no road network is loaded on this server (road_graph), so there are no streets to draw",
        ));
    }
    let z = u8::try_from(z).unwrap_or(u8::MAX);
    let cached = state.tiles.0.lock().ok().and_then(|c| c.get(&(z, x, y)).cloned());
    let bytes = match cached {
        Some(bytes) => bytes,
        None => {
            // Cutting reads many lines: off the async workers.
            let cut = state.settings.places.clone();
            let tile = tokio::task::spawn_blocking(move || cut.map(|p| p.map().tile(z, x, y)))
                .await
                .map_err(|e| ApiError::new(ErrorCode::Internal, format!("cutting a tile: {e}")))?
                .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "no road network is loaded"))?
                .map_err(|e| ApiError::new(ErrorCode::InvalidParameter, e.to_string()))?;
            let bytes = Arc::new(serde_json::to_vec(&tile_json(&tile)).unwrap_or_default());
            // Empty tiles (the sea, outside the data) are cheap to cut again and are not
            // kept, so asking for many of them cannot push the real ones out.
            if tile.lines.is_empty() {
                return Ok(answer(bytes.as_ref().clone()));
            }
            if let Ok(mut cache) = state.tiles.0.lock() {
                if cache.len() >= CACHED_TILES {
                    cache.clear();
                }
                cache.insert((z, x, y), bytes.clone());
            }
            bytes
        }
    };
    Ok(answer(bytes.as_ref().clone()))
}

fn answer(bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "private, max-age=3600"),
        ],
        bytes,
    )
        .into_response()
}

fn tile_json(tile: &streets::Tile) -> Value {
    let lines: Vec<Vec<i64>> = tile
        .lines
        .iter()
        .map(|line| {
            let mut out = Vec::with_capacity(2 + line.points.len() * 2);
            out.push(i64::from(line.class.index()));
            out.push(line.name.map_or(-1, i64::from));
            let mut last = (0i64, 0i64);
            for (i, (u, v)) in line.points.iter().enumerate() {
                let p = (i64::from(*u), i64::from(*v));
                if i == 0 {
                    out.extend([p.0, p.1]);
                } else {
                    out.extend([p.0 - last.0, p.1 - last.1]);
                }
                last = p;
            }
            out
        })
        .collect();
    json!({
        "z": tile.z, "x": tile.x, "y": tile.y,
        "west": tile.west, "north": tile.north, "size": tile.size,
        "extent": streets::EXTENT,
        "classes": roads::RoadClass::ALL.map(roads::RoadClass::as_str),
        "names": tile.names,
        "lines": lines,
    })
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DescribeQuery {
    /// Latitude in degrees.
    pub lat: f64,
    /// Longitude in degrees.
    pub lon: f64,
}

/// A point in words.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DescriptionDto {
    /// "at W 23rd St & Iowa St", "on W 23rd St near Iowa St", or the nearest address point.
    pub text: String,
    pub street: Option<String>,
    pub cross_street: Option<String>,
    pub at_intersection: bool,
    pub address: Option<String>,
    /// Metres from the point to the street (or address point) named.
    pub distance_m: f64,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DescribeDto {
    /// `null` when no named street or address point is near, or none is loaded.
    pub description: Option<DescriptionDto>,
}

#[utoipa::path(get, path = "/api/v1/places/describe", tag = "places", params(DescribeQuery),
    responses((status = 200, body = DescribeDto), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody)))]
pub async fn describe(
    State(state): State<AppState>,
    _caller: Caller,
    query: Result<Query<DescribeQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<DescribeDto>> {
    let Query(q) = query.map_err(|e| {
        ApiError::new(
            ErrorCode::InvalidParameter,
            format!("{}: give lat and lon in degrees", e.body_text()),
        )
    })?;
    domain::GeoPoint::parse(q.lat, q.lon)
        .map_err(|e| ApiError::new(ErrorCode::InvalidParameter, e.to_string()))?;
    let description =
        state.settings.places.as_deref().and_then(|p| p.describe(q.lat, q.lon)).map(|d| {
            DescriptionDto {
                text: d.text,
                street: d.street,
                cross_street: d.cross_street,
                at_intersection: d.at_intersection,
                address: d.address,
                distance_m: (d.distance_m * 10.0).round() / 10.0,
            }
        });
    Ok(Json(DescribeDto { description }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FindQuery {
    /// An intersection ("W 23rd St & Iowa St"), a street, or an address ("1000 W 23rd St").
    pub q: String,
    /// At most this many answers, 1–25 (default 8).
    pub limit: Option<u32>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct FoundDto {
    /// `intersection`, `street` or `address`.
    pub kind: String,
    pub label: String,
    pub lat: f64,
    pub lon: f64,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct FindDto {
    pub found: Vec<FoundDto>,
}

#[utoipa::path(get, path = "/api/v1/places", tag = "places", params(FindQuery),
    responses((status = 200, body = FindDto), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody)))]
pub async fn find(
    State(state): State<AppState>,
    _caller: Caller,
    query: Result<Query<FindQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<FindDto>> {
    let Query(q) = query.map_err(|e| {
        ApiError::new(
            ErrorCode::InvalidParameter,
            format!("{}: give q, the text to find", e.body_text()),
        )
    })?;
    let limit = super::page_limit(q.limit, 8, 25)?;
    if q.q.chars().count() > 200 {
        return Err(ApiError::new(ErrorCode::InvalidParameter, "q: at most 200 characters"));
    }
    let found = state
        .settings
        .places
        .as_deref()
        .map(|p| p.find(&q.q, limit as usize))
        .unwrap_or_default()
        .into_iter()
        .map(|f| FoundDto {
            kind: f.kind.as_str().to_owned(),
            label: f.label,
            lat: (f.lat * 1e6).round() / 1e6,
            lon: (f.lon * 1e6).round() / 1e6,
        })
        .collect();
    Ok(Json(FindDto { found }))
}
