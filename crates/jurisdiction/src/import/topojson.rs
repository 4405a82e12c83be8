//! TopoJSON, as topojson-server writes it (us-atlas): shared arcs, quantized and delta-encoded
//! when the topology has a `transform`; Polygon and MultiPolygon geometries as rings of arc
//! indices, where `~i` (a negative index) is arc `i` reversed.

use serde_json::{Map, Value};

use super::{Collector, ImportError, excerpt};
use crate::geometry::{Polygon, Ring};

type Arc = Vec<[f64; 2]>;

pub(super) fn import(
    root: &Value,
    object: Option<&str>,
    out: &mut Collector<'_>,
) -> Result<(), ImportError> {
    let arcs = decode_arcs(root)?;
    let objects = root.get("objects").and_then(Value::as_object).ok_or_else(|| {
        ImportError::Format("TopoJSON Topology without an \"objects\" member".into())
    })?;
    let chosen: Vec<&Value> = match object {
        None => objects.values().collect(),
        Some(name) => vec![objects.get(name).ok_or_else(|| {
            let names: Vec<&str> = objects.keys().map(String::as_str).collect();
            ImportError::Format(format!(
                "the topology has no object `{name}`; its objects are: {}",
                names.join(", ")
            ))
        })?],
    };
    // Fallback ids count features across all the objects taken, so they stay unique.
    let mut index = 0;
    for geometry in chosen {
        if geometry.get("type").and_then(Value::as_str) == Some("GeometryCollection") {
            let members =
                geometry.get("geometries").and_then(Value::as_array).ok_or_else(|| {
                    ImportError::Format(
                        "TopoJSON: an object's GeometryCollection has no \"geometries\" array"
                            .into(),
                    )
                })?;
            for member in members {
                import_feature(index, member, &arcs, out)?;
                index += 1;
            }
        } else {
            import_feature(index, geometry, &arcs, out)?;
            index += 1;
        }
    }
    Ok(())
}

fn import_feature(
    index: usize,
    geometry: &Value,
    arcs: &[Arc],
    out: &mut Collector<'_>,
) -> Result<(), ImportError> {
    let who = out.identify_json(
        index,
        geometry.get("properties").and_then(Value::as_object),
        geometry.get("id"),
    );
    if matches!(geometry.get("type"), None | Some(Value::Null)) {
        out.skip(&who, "its geometry is null, so it has no area".into());
        return Ok(());
    }
    let mut found = Vec::new();
    collect(geometry, &mut found).map_err(|problem| who.error(problem))?;
    found.retain(|rings| !rings.is_empty());
    let multi = found.len() > 1;
    let polygons = found
        .iter()
        .enumerate()
        .map(|(p, rings)| {
            let name = |r: usize| {
                if multi { format!("polygon {p} ring {r}") } else { format!("ring {r}") }
            };
            let mut rings =
                rings.iter().enumerate().map(|(r, ring)| build_ring(ring, arcs, &name(r)));
            let exterior = rings.next().transpose()?.unwrap_or_default();
            Ok(Polygon { exterior, holes: rings.collect::<Result<_, _>>()? })
        })
        .collect::<Result<Vec<_>, String>>()
        .map_err(|problem| who.error(problem))?;
    out.add(who, polygons, true)
}

/// Each polygon's list of rings (arrays of arc indices), from Polygon, MultiPolygon and nested
/// GeometryCollections; null members are skipped.
fn collect<'v>(geometry: &'v Value, found: &mut Vec<&'v [Value]>) -> Result<(), String> {
    let kind = match geometry.get("type") {
        None | Some(Value::Null) => return Ok(()),
        Some(kind) => kind.as_str().unwrap_or_default(),
    };
    let arcs = || {
        geometry
            .get("arcs")
            .and_then(Value::as_array)
            .ok_or_else(|| format!("its {kind} has no \"arcs\" array"))
    };
    match kind {
        "Polygon" => found.push(arcs()?),
        "MultiPolygon" => {
            for polygon in arcs()? {
                found.push(polygon.as_array().ok_or_else(|| {
                    format!(
                        "a MultiPolygon's arcs must be arrays of rings, not {}",
                        excerpt(polygon)
                    )
                })?);
            }
        }
        "GeometryCollection" => {
            let members = geometry
                .get("geometries")
                .and_then(Value::as_array)
                .ok_or_else(|| "its GeometryCollection has no \"geometries\" array".to_string())?;
            for member in members {
                collect(member, found)?;
            }
        }
        "Point" | "MultiPoint" | "LineString" | "MultiLineString" => {
            return Err(format!(
                "its geometry is a {kind}, which has no area: boundaries must be Polygons or \
                 MultiPolygons (is this the right object?)"
            ));
        }
        _ => return Err(format!("its geometry has an unknown type: {}", excerpt(geometry))),
    }
    Ok(())
}

/// A ring from its arcs: each arc after the first starts where the previous one ended, so its
/// first point is left out.
fn build_ring(indices: &Value, arcs: &[Arc], name: &str) -> Result<Ring, String> {
    let indices = indices.as_array().ok_or_else(|| {
        format!("{name} must be an array of arc indices, not {}", excerpt(indices))
    })?;
    let mut ring = Ring::new();
    for value in indices {
        let i = value
            .as_i64()
            .ok_or_else(|| format!("{name} has an arc index that is not an integer: {value}"))?;
        let (k, reversed) = if i < 0 { (!i, true) } else { (i, false) };
        let arc = usize::try_from(k).ok().and_then(|k| arcs.get(k)).ok_or_else(|| {
            format!(
                "{name} refers to arc {i}, but the topology has {} arcs (0..{}, or ~i for arc i \
                 reversed); the file is damaged",
                arcs.len(),
                arcs.len()
            )
        })?;
        let skip = usize::from(!ring.is_empty());
        if reversed {
            ring.extend(arc.iter().rev().skip(skip));
        } else {
            ring.extend(arc.iter().skip(skip));
        }
    }
    Ok(ring)
}

/// Every arc as `[lon, lat]` points: with a `transform`, positions are integer deltas from the
/// previous position of the arc (the first from 0), scaled and translated.
fn decode_arcs(root: &Value) -> Result<Vec<Arc>, ImportError> {
    let transform = match root.get("transform") {
        None | Some(Value::Null) => None,
        Some(Value::Object(t)) => Some(parse_transform(t)?),
        Some(other) => {
            return Err(ImportError::Format(format!(
                "TopoJSON: \"transform\" must be an object with \"scale\" and \"translate\", \
                 not {}",
                excerpt(other)
            )));
        }
    };
    let arcs = root
        .get("arcs")
        .and_then(Value::as_array)
        .ok_or_else(|| ImportError::Format("TopoJSON Topology without an \"arcs\" array".into()))?;
    arcs.iter()
        .enumerate()
        .map(|(a, arc)| {
            let positions = arc.as_array().ok_or_else(|| {
                ImportError::Format(format!(
                    "TopoJSON: arc {a} is not an array of positions; the file is damaged"
                ))
            })?;
            let mut sum = [0.0, 0.0];
            positions
                .iter()
                .enumerate()
                .map(|(v, position)| {
                    let number = |k: usize| position.get(k).and_then(Value::as_f64);
                    let (Some(x), Some(y)) = (number(0), number(1)) else {
                        return Err(ImportError::Format(format!(
                            "TopoJSON: arc {a}, position {v} is not a pair of numbers: {}; the \
                             file is damaged",
                            excerpt(position)
                        )));
                    };
                    Ok(match transform {
                        Some(([sx, sy], [tx, ty])) => {
                            sum = [sum[0] + x, sum[1] + y];
                            [sum[0] * sx + tx, sum[1] * sy + ty]
                        }
                        None => [x, y],
                    })
                })
                .collect()
        })
        .collect()
}

/// `(scale, translate)`.
fn parse_transform(t: &Map<String, Value>) -> Result<([f64; 2], [f64; 2]), ImportError> {
    let pair = |key: &str| {
        let value = t.get(key)?;
        Some([value.get(0)?.as_f64()?, value.get(1)?.as_f64()?])
    };
    match (pair("scale"), pair("translate")) {
        (Some(scale), Some(translate)) => Ok((scale, translate)),
        _ => Err(ImportError::Format(
            "TopoJSON: \"transform\" needs \"scale\" and \"translate\", each a pair of numbers"
                .into(),
        )),
    }
}
