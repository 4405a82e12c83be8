//! Reading a scenario and the files it names: the road network (a graph file or any road
//! file `import roads` takes) and the demand (GeoJSON areas with an id and a weight, or a CSV
//! of points). Every problem is reported with the scenario file's line.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use domain::GeoPoint;
use roads::Graph;
use simulate::on_roads::{Demand, RoadModel};
use simulate::scenario::{DemandSource, Scenario};

/// A scenario with its files read.
pub(crate) struct Loaded {
    pub scenario: Scenario,
    pub graph: Graph,
    pub demand: Demand,
    /// What the demand file held, for the report.
    pub demand_note: String,
}

pub(crate) fn load(path: &Path) -> anyhow::Result<Loaded> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {file}"))?;
    let scenario = Scenario::parse(&file, &text)?;
    let dir = path.parent().map_or_else(PathBuf::new, Path::to_path_buf);
    let roads_path = dir.join(&scenario.roads);
    let graph = crate::roads::load_graph(&roads_path).map_err(|e| {
        scenario.error_at(&file, "roads", format!("roads = \"{}\": {e:#}", scenario.roads))
    })?;
    let (demand, demand_note) = match &scenario.demand {
        DemandSource::Areas { file: areas, id, weight } => {
            read_areas(&dir.join(areas), id, weight)
                .map_err(|e| scenario.error_at(&file, "demand", format!("areas = \"{areas}\": {e:#}")))?
        }
        DemandSource::Points { file: points } => read_points(&dir.join(points))
            .map_err(|e| scenario.error_at(&file, "demand", format!("points = \"{points}\": {e:#}")))?,
    };
    Ok(Loaded { scenario, graph, demand, demand_note })
}

impl Loaded {
    /// Posts and facilities snapped, their times kept; a point off the network is refused
    /// with its line.
    pub(crate) fn road_model(&self, file: &Path) -> anyhow::Result<RoadModel<'_>> {
        let s = &self.scenario;
        RoadModel::new(&self.graph, &s.posts, &s.facilities, self.demand.clone()).map_err(|e| {
            let what = if s.lines.contains_key(&e.what) { e.what.as_str() } else { "demand" };
            s.error_at(&file.display().to_string(), what, e.message).into()
        })
    }
}

fn read_areas(path: &Path, id: &str, weight: &str) -> anyhow::Result<(Demand, String)> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let (_, areas) = jurisdiction::import::import_json(&bytes, id)?;
    let json = jurisdiction::import::gunzip_if_needed(&bytes)?;
    let root: serde_json::Value = serde_json::from_slice(&json)?;
    let mut weights: HashMap<String, f64> = HashMap::new();
    let features = root.get("features").and_then(serde_json::Value::as_array);
    for (k, feature) in features.into_iter().flatten().enumerate() {
        let props = feature.get("properties");
        let key = match props.and_then(|p| p.get(id)) {
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(v @ serde_json::Value::Number(_)) => v.to_string(),
            _ => bail!("feature {k} has no \"{id}\" property: every area needs its id"),
        };
        let value = match props.and_then(|p| p.get(weight)) {
            Some(serde_json::Value::Number(n)) => n.as_f64(),
            Some(serde_json::Value::String(s)) => s.trim().parse::<f64>().ok(),
            _ => None,
        };
        let Some(value) = value.filter(|v| v.is_finite() && *v >= 0.0) else {
            bail!(
                "area {key} has no usable \"{weight}\": every area needs a weight of 0 or more"
            );
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
    Ok((Demand::Areas(demand), note))
}

fn read_points(path: &Path) -> anyhow::Result<(Demand, String)> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let bytes = jurisdiction::import::gunzip_if_needed(&bytes)?;
    let mut reader = csv::Reader::from_reader(bytes.as_ref());
    let headers = reader.headers()?.clone();
    if headers.iter().map(str::trim).collect::<Vec<_>>() != ["lat", "lon", "weight"] {
        bail!("the header is \"{}\": the columns must be lat,lon,weight", headers.iter().collect::<Vec<_>>().join(","));
    }
    let mut points = Vec::new();
    for (k, row) in reader.records().enumerate() {
        let line = k + 2;
        let row = row.with_context(|| format!("line {line}"))?;
        let field = |i: usize, name: &str| -> anyhow::Result<f64> {
            row.get(i)
                .and_then(|v| v.trim().parse::<f64>().ok())
                .with_context(|| format!("line {line}: {name} is not a number"))
        };
        let point = GeoPoint::parse(field(0, "lat")?, field(1, "lon")?)
            .map_err(|e| anyhow::anyhow!("line {line}: {e}"))?;
        let weight = field(2, "weight")?;
        if !(weight.is_finite() && weight >= 0.0) {
            bail!("line {line}: weight {weight}: give 0 or more");
        }
        points.push((point, weight));
    }
    let note = format!("{} points", points.len());
    Ok((Demand::Points(points), note))
}
