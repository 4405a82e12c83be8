//! GeoJSON (RFC 7946): a FeatureCollection, a Feature or a bare geometry; Polygon,
//! MultiPolygon and GeometryCollections of those.

use serde_json::Value;

use super::{Collector, ImportError, excerpt};
use crate::geometry::{Polygon, Ring};

/// `type` values of GeoJSON objects.
pub(super) fn is_geojson_type(kind: &str) -> bool {
    matches!(
        kind,
        "FeatureCollection"
            | "Feature"
            | "Polygon"
            | "MultiPolygon"
            | "GeometryCollection"
            | "Point"
            | "MultiPoint"
            | "LineString"
            | "MultiLineString"
    )
}

pub(super) fn import(root: &Value, out: &mut Collector<'_>) -> Result<(), ImportError> {
    match root.get("type").and_then(Value::as_str) {
        Some("FeatureCollection") => {
            let features = root.get("features").and_then(Value::as_array).ok_or_else(|| {
                ImportError::Format("GeoJSON FeatureCollection without a \"features\" array".into())
            })?;
            for (index, feature) in features.iter().enumerate() {
                if feature.get("type").and_then(Value::as_str) != Some("Feature") {
                    return Err(ImportError::Format(format!(
                        "GeoJSON FeatureCollection: features[{index}] is not a Feature (it \
                         starts {}); every member of \"features\" must have \"type\": \"Feature\"",
                        excerpt(feature)
                    )));
                }
                import_feature(index, feature, out)?;
            }
            Ok(())
        }
        Some("Feature") => import_feature(0, root, out),
        _ => {
            let who = out.identify_json(0, None, None);
            let polygons = polygons(root).map_err(|problem| who.error(problem))?;
            out.add(who, polygons, false)
        }
    }
}

fn import_feature(
    index: usize,
    feature: &Value,
    out: &mut Collector<'_>,
) -> Result<(), ImportError> {
    let who = out.identify_json(
        index,
        feature.get("properties").and_then(Value::as_object),
        feature.get("id"),
    );
    match feature.get("geometry") {
        None | Some(Value::Null) => {
            out.skip(&who, "its geometry is null, so it has no area".into());
            Ok(())
        }
        Some(geometry) => {
            let polygons = polygons(geometry).map_err(|problem| who.error(problem))?;
            out.add(who, polygons, false)
        }
    }
}

/// The polygons of a geometry, as they are in the file (unvalidated).
fn polygons(geometry: &Value) -> Result<Vec<Polygon>, String> {
    let mut found = Vec::new();
    collect(geometry, &mut found)?;
    // Empty polygons (no rings) are empty geometry, not an error.
    found.retain(|rings| !rings.is_empty());
    let multi = found.len() > 1;
    found
        .iter()
        .enumerate()
        .map(|(p, rings)| {
            let name = |r: usize| {
                if multi { format!("polygon {p} ring {r}") } else { format!("ring {r}") }
            };
            let mut rings = rings.iter().enumerate().map(|(r, ring)| parse_ring(ring, &name(r)));
            let exterior = rings.next().transpose()?.unwrap_or_default();
            Ok(Polygon { exterior, holes: rings.collect::<Result<_, _>>()? })
        })
        .collect()
}

/// Each polygon's list of rings, from Polygon, MultiPolygon and GeometryCollection.
fn collect<'v>(geometry: &'v Value, found: &mut Vec<&'v [Value]>) -> Result<(), String> {
    let kind = geometry.get("type").and_then(Value::as_str);
    let coordinates = || {
        geometry.get("coordinates").and_then(Value::as_array).ok_or_else(|| {
            format!("its {} has no \"coordinates\" array", kind.unwrap_or("geometry"))
        })
    };
    let rings = |polygon: &'v Value| {
        polygon.as_array().map(Vec::as_slice).ok_or_else(|| {
            format!("a polygon's coordinates must be an array of rings, not {}", excerpt(polygon))
        })
    };
    match kind {
        Some("Polygon") => found.push(coordinates()?),
        Some("MultiPolygon") => {
            for polygon in coordinates()? {
                found.push(rings(polygon)?);
            }
        }
        Some("GeometryCollection") => {
            let members = geometry
                .get("geometries")
                .and_then(Value::as_array)
                .ok_or_else(|| "its GeometryCollection has no \"geometries\" array".to_string())?;
            for member in members {
                collect(member, found)?;
            }
        }
        Some(kind @ ("Point" | "MultiPoint" | "LineString" | "MultiLineString")) => {
            return Err(format!(
                "its geometry is a {kind}, which has no area: boundaries must be Polygons or \
                 MultiPolygons (is this the right file?)"
            ));
        }
        Some(kind) => {
            return Err(format!(
                "its geometry has type \"{kind}\", which is not a GeoJSON geometry; boundaries \
                 must be Polygons or MultiPolygons"
            ));
        }
        None => return Err(format!("its geometry has no \"type\": {}", excerpt(geometry))),
    }
    Ok(())
}

/// A ring's positions; elements after longitude and latitude (altitude) are ignored.
fn parse_ring(ring: &Value, name: &str) -> Result<Ring, String> {
    let positions = ring.as_array().ok_or_else(|| {
        format!("{name} must be an array of [longitude, latitude] positions, not {}", excerpt(ring))
    })?;
    positions
        .iter()
        .enumerate()
        .map(|(v, position)| {
            let number = |k: usize| position.get(k).and_then(Value::as_f64);
            match (number(0), number(1)) {
                (Some(lon), Some(lat)) => Ok([lon, lat]),
                _ => Err(format!(
                    "{name}, vertex {v} is not a [longitude, latitude] pair of numbers: {}",
                    excerpt(position)
                )),
            }
        })
        .collect()
}
