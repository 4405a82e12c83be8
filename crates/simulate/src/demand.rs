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

/// Areas from GeoJSON: `id` names each feature, `weight` (a number, or a number in a string)
/// weights it; features sharing an id are one area with their weights added.
pub fn areas(bytes: &[u8], id: &str, weight: &str) -> Result<ReadDemand, String> {
    let (_, areas) = jurisdiction::import::import_json(bytes, id).map_err(|e| e.to_string())?;
    let json = jurisdiction::import::gunzip_if_needed(bytes).map_err(|e| e.to_string())?;
    let root: Value = serde_json::from_slice(&json).map_err(|e| e.to_string())?;
    let mut weights: HashMap<String, f64> = HashMap::new();
    let features = root.get("features").and_then(Value::as_array);
    for (k, feature) in features.into_iter().flatten().enumerate() {
        let props = feature.get("properties");
        let key = match props.and_then(|p| p.get(id)) {
            Some(Value::String(s)) => s.clone(),
            Some(v @ Value::Number(_)) => v.to_string(),
            _ => {
                return Err(format!(
                    "feature {k} has no \"{id}\" property: every area needs its id"
                ));
            }
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
        *weights.entry(key).or_default() += value;
    }
    let total: f64 = weights.values().sum();
    let note = format!("{} areas, total weight {total:.0}", areas.len());
    let demand = areas
        .into_iter()
        .map(|a| {
            let w = weights.get(&a.id).copied().unwrap_or(0.0);
            (a, w)
        })
        .collect();
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
