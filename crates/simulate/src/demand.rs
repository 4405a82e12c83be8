//! Reading a scenario's demand from bytes: GeoJSON areas (gzipped or not) each with an id
//! and a weight property, or a CSV of `lat,lon,weight` points. A file with a bad row or area
//! is refused whole, saying which and why.

use std::collections::HashMap;

use domain::GeoPoint;
use serde_json::Value;

use crate::on_roads::Demand;

/// Demand read, and a line saying what it held.
#[derive(Debug, Clone)]
pub struct ReadDemand {
    pub demand: Demand,
    pub note: String,
}

/// Areas from a GeoJSON FeatureCollection: `id` names each feature (unique), `weight` (a
/// number, or a number in a string, 0 or more) weights it. A feature without either is refused,
/// naming it; so is an id used twice.
pub fn areas(bytes: &[u8], id: &str, weight: &str) -> Result<ReadDemand, String> {
    let (_, areas) = jurisdiction::import::import_json(bytes, id).map_err(|e| e.to_string())?;
    let json = jurisdiction::import::gunzip_if_needed(bytes).map_err(|e| e.to_string())?;
    let root: Value = serde_json::from_slice(&json).map_err(|e| e.to_string())?;
    let Some(features) = root.get("features").and_then(Value::as_array) else {
        return Err("demand areas must be a GeoJSON FeatureCollection".into());
    };
    let mut weights: HashMap<String, f64> = HashMap::new();
    for (k, feature) in features.iter().enumerate() {
        let props = feature.get("properties").and_then(Value::as_object);
        let Some(key) = props.and_then(|p| jurisdiction::import::property_text(p, id)) else {
            return Err(format!("feature {k} has no \"{id}\" property: every area needs its id"));
        };
        let value = match props.and_then(|p| p.get(weight)) {
            Some(Value::Number(n)) => n.as_f64(),
            Some(Value::String(s)) => s.trim().parse::<f64>().ok(),
            _ => None,
        };
        let Some(value) = value.filter(|v| v.is_finite() && *v >= 0.0) else {
            return Err(format!(
                "area {key} has no usable \"{weight}\": every area needs a weight of 0 or more"
            ));
        };
        if weights.insert(key.clone(), value).is_some() {
            return Err(format!("area {key} appears twice: every area's \"{id}\" must be its own"));
        }
    }
    let mut demand = Vec::with_capacity(areas.len());
    for area in areas {
        let Some(w) = weights.get(&area.id).copied() else {
            return Err(format!("area {} has no weight", area.id));
        };
        demand.push((area, w));
    }
    let total: f64 = demand.iter().map(|(_, w)| w).sum();
    let note = format!("{} areas, total weight {total:.0}", demand.len());
    Ok(ReadDemand { demand: Demand::Areas(demand), note })
}

/// Points from CSV with the header `lat,lon,weight` (gzipped or not).
pub fn points(bytes: &[u8]) -> Result<ReadDemand, String> {
    let bytes = jurisdiction::import::gunzip_if_needed(bytes).map_err(|e| e.to_string())?;
    let mut reader = csv::Reader::from_reader(bytes.as_ref());
    let headers = reader.headers().map_err(|e| e.to_string())?.clone();
    if headers.iter().map(str::trim).collect::<Vec<_>>() != ["lat", "lon", "weight"] {
        return Err(format!(
            "the header is \"{}\": the columns must be lat,lon,weight",
            headers.iter().collect::<Vec<_>>().join(",")
        ));
    }
    let mut points = Vec::new();
    for (k, row) in reader.records().enumerate() {
        let line = k + 2;
        let row = row.map_err(|e| format!("line {line}: {e}"))?;
        let field = |i: usize, name: &str| -> Result<f64, String> {
            row.get(i)
                .and_then(|v| v.trim().parse::<f64>().ok())
                .ok_or_else(|| format!("line {line}: {name} is not a number"))
        };
        let point = GeoPoint::parse(field(0, "lat")?, field(1, "lon")?)
            .map_err(|e| format!("line {line}: {e}"))?;
        let weight = field(2, "weight")?;
        if !(weight.is_finite() && weight >= 0.0) {
            return Err(format!("line {line}: weight {weight}: give 0 or more"));
        }
        points.push((point, weight));
    }
    let note = format!("{} points", points.len());
    Ok(ReadDemand { demand: Demand::Points(points), note })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SQUARE: &str =
        r#"{"type":"Polygon","coordinates":[[[0,0],[0.01,0],[0.01,0.01],[0,0.01],[0,0]]]}"#;

    fn collection(features: &[(&str, &str)]) -> String {
        let list: Vec<String> = features
            .iter()
            .map(|(id, w)| format!(r#"{{"type":"Feature","properties":{{"GEOID":{id},"POP":{w}}},"geometry":{SQUARE}}}"#))
            .collect();
        format!(r#"{{"type":"FeatureCollection","features":[{}]}}"#, list.join(","))
    }

    #[test]
    fn area_weights_follow_their_ids_and_bad_ones_are_refused() {
        let read = areas(
            collection(&[("36061000100.0", "5"), ("\"B\"", "\"7\"")]).as_bytes(),
            "geoid",
            "POP",
        )
        .unwrap();
        let Demand::Areas(list) = read.demand else { panic!("areas") };
        let by_id: HashMap<String, f64> = list.iter().map(|(a, w)| (a.id.clone(), *w)).collect();
        assert_eq!(by_id.get("36061000100"), Some(&5.0));
        assert_eq!(by_id.get("B"), Some(&7.0));
        let twice = areas(collection(&[("1", "5"), ("1", "3")]).as_bytes(), "GEOID", "POP");
        assert!(twice.unwrap_err().contains("appears twice"));
        let no_weight = areas(collection(&[("1", "null")]).as_bytes(), "GEOID", "POP");
        assert!(no_weight.unwrap_err().contains("no usable \"POP\""));
        let bare = format!(
            r#"{{"type":"Feature","properties":{{"GEOID":1,"POP":2}},"geometry":{SQUARE}}}"#
        );
        assert!(areas(bare.as_bytes(), "GEOID", "POP").unwrap_err().contains("FeatureCollection"));
    }
}
