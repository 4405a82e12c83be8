//! A report as people read it (a table) and as spreadsheets read it (CSV). JSON is the
//! report's own serde form.

use std::fmt::Write;

use super::Report;
use super::value::{Distribution, Value};

/// Milliseconds as minutes and seconds, or seconds under a minute.
fn duration(ms: i64) -> String {
    let s = ms.div_euclid(1000);
    if s < 60 { format!("{s} s") } else { format!("{} min {:02} s", s / 60, s % 60) }
}

fn distribution(d: &Distribution) -> String {
    match (d.p50_ms, d.p90_ms, d.p95_ms) {
        (Some(p50), Some(p90), Some(p95)) => format!(
            "p50 {}, p90 {}, p95 {} (n = {})",
            duration(p50),
            duration(p90),
            duration(p95),
            d.count
        ),
        _ => "none measured (n = 0)".to_owned(),
    }
}

/// A value in words, as the table says it.
pub(crate) fn value_text(v: &Value) -> String {
    match v {
        Value::Count { count } => count.to_string(),
        Value::Share { part, of } => match v.rate() {
            Some(rate) => format!("{part} of {of} ({:.1}%)", rate * 100.0),
            None => format!("{part} of {of}"),
        },
        Value::Time(d) => distribution(d),
        Value::NotMeasured { .. } => "not measured".to_owned(),
    }
}

/// One block per group: each measure's label and value; why a measure is not measured is said
/// once, under the first group.
pub fn table(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "incidents counted: {}", report.incidents);
    let _ = writeln!(out, "calls counted (phone system): {}", report.calls);
    let mut explained = Vec::new();
    for group in &report.groups {
        let _ = writeln!(out, "\n{}", group.key);
        for m in &group.measures {
            let _ = writeln!(out, "  {:<48} {}", m.label, value_text(&m.value));
            if let Value::NotMeasured { reason } = m.value
                && !explained.contains(&reason)
            {
                explained.push(reason);
            }
        }
    }
    for reason in explained {
        let _ = writeln!(out, "\nnot measured: {reason}");
    }
    if let Some(p) = &report.per_100k {
        out.push_str(&super::population::table(p));
    }
    out
}

/// Quotes a CSV field when it needs it (RFC 4180).
fn opt(v: Option<i64>) -> String {
    v.map_or_else(String::new, |ms| format!("{:.3}", ms as f64 / 1000.0))
}

/// One row per group and measure:
/// `group,measure,kind,count,of,rate,p50_s,p90_s,p95_s,mean_s,note`, written by the `csv`
/// crate (fields quoted where they need it).
pub fn csv(report: &Report) -> String {
    let mut out = csv::Writer::from_writer(Vec::new());
    let mut row = |fields: [&str; 11]| {
        // Writing to memory fails only on a bug; a lost row would show in the tests.
        let _ = out.write_record(fields);
    };
    row([
        "group", "measure", "kind", "count", "of", "rate", "p50_s", "p90_s", "p95_s", "mean_s",
        "note",
    ]);
    for group in &report.groups {
        for m in &group.measures {
            let (kind, count, of, rate, times, note) = match &m.value {
                Value::Count { count } => {
                    ("count", count.to_string(), String::new(), String::new(), None, "")
                }
                Value::Share { part, of } => (
                    "share",
                    part.to_string(),
                    of.to_string(),
                    m.value.rate().map_or_else(String::new, |r| format!("{r:.4}")),
                    None,
                    "",
                ),
                Value::Time(d) => {
                    ("time", d.count.to_string(), String::new(), String::new(), Some(d), "")
                }
                Value::NotMeasured { reason } => {
                    ("not_measured", String::new(), String::new(), String::new(), None, *reason)
                }
            };
            let [p50, p90, p95, mean] = times.map_or_else(
                || [String::new(), String::new(), String::new(), String::new()],
                |d| [opt(d.p50_ms), opt(d.p90_ms), opt(d.p95_ms), opt(d.mean_ms)],
            );
            row([&group.key, m.id, kind, &count, &of, &rate, &p50, &p90, &p95, &mean, note]);
        }
    }
    // Rates per 100,000 residents: `count` is the population, `rate` the rate.
    for (area, population, rates) in report.per_100k.iter().flat_map(|p| &p.areas) {
        for (id, rate) in rates {
            let measure = format!("{id}.per_100k");
            let (population, rate) = (population.to_string(), format!("{rate:.4}"));
            row([area, &measure, "per_100k", &population, "", &rate, "", "", "", "", ""]);
        }
    }
    String::from_utf8(out.into_inner().unwrap_or_default()).unwrap_or_default()
}
