//! The measures report as one self-contained HTML file a program manager can e-mail: the
//! charts inline as SVG, every group's measures in a table with the numbers behind the
//! charts, why anything is not measured, and the rates per 100,000 residents when given. No
//! script, no external file, nothing fetched.

use std::fmt::Write;

use super::Report;
use super::charts::{Chart, escape, svg};
use super::render::value_text;
use super::value::Value;

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:60rem;color:#1d232a;padding:0 1rem}\
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem}\
table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem}\
th,td{text-align:left;padding:.25rem .5rem;border-bottom:1px solid #d6dbe0;font-size:.92rem}\
td{font-variant-numeric:tabular-nums}.note{color:#59636e;font-size:.9rem}\
figure{margin:1rem 0}svg{max-width:100%;height:auto}";

/// The report as HTML; `heading` names what it covers (agency, period, grouping); `map` is the
/// rate map's SVG ([`super::charts::rate_map`]) when the report has rates by area.
pub fn html(report: &Report, heading: &str, map: Option<&str>) -> String {
    let mut out = String::with_capacity(64 * 1024);
    let heading = escape(heading);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Outcome measures: {heading}</title><style>{STYLE}</style></head><body>\
         <h1>Outcome measures</h1><p>{heading}</p>\
         <p>{} incidents counted; {} calls counted from the phone systems.</p>",
        report.incidents, report.calls
    );
    for chart in Chart::ALL {
        let _ = write!(out, "<figure>{}</figure>", svg(chart, report));
    }
    if let Some(map) = map {
        let _ = write!(out, "<figure>{map}</figure>");
    }
    let mut reasons: Vec<&str> = Vec::new();
    for group in &report.groups {
        let _ = write!(
            out,
            "<h2>{}</h2><table><thead><tr><th scope=\"col\">Measure</th><th scope=\"col\">Id</th>\
             <th scope=\"col\">Value</th></tr></thead><tbody>",
            escape(if group.key == "all" { "All" } else { &group.key })
        );
        for m in &group.measures {
            if let Value::NotMeasured { reason } = m.value
                && !reasons.contains(&reason)
            {
                reasons.push(reason);
            }
            let _ = write!(
                out,
                "<tr><th scope=\"row\">{}</th><td><code>{}</code></td><td>{}</td></tr>",
                escape(m.label),
                escape(m.id),
                escape(&value_text(&m.value))
            );
        }
        out.push_str("</tbody></table>");
    }
    for reason in reasons {
        let _ = write!(out, "<p class=\"note\">Not measured: {}.</p>", escape(reason));
    }
    if let Some(p) = &report.per_100k {
        out.push_str(
            "<h2>Per 100,000 residents</h2><table><thead><tr><th scope=\"col\">Area</th>\
            <th scope=\"col\">Population</th><th scope=\"col\">Rates</th></tr></thead><tbody>",
        );
        for (area, population, rates) in &p.areas {
            let rates: Vec<String> = rates.iter().map(|(id, r)| format!("{id} {r:.1}")).collect();
            let _ = write!(
                out,
                "<tr><th scope=\"row\">{}</th><td>{population}</td><td>{}</td></tr>",
                escape(area),
                escape(&rates.join(", "))
            );
        }
        out.push_str("</tbody></table>");
        for s in &p.spread {
            let ratio = s
                .ratio
                .map_or_else(|| "no ratio (the lowest is 0)".to_owned(), |r| format!("{r:.1}×"));
            let _ = write!(
                out,
                "<p>Spread of <code>{}</code>: highest {} ({:.1}), lowest {} ({:.1}): {ratio}</p>",
                escape(s.measure),
                escape(&s.highest.0),
                s.highest.1,
                escape(&s.lowest.0),
                s.lowest.1
            );
        }
    }
    out.push_str(
        "<p class=\"note\">Every measure is defined in Crisisbridge's docs/measures.md \
         (numerator, denominator, the events it reads, the edge cases). Times are nearest-rank \
         percentiles.</p></body></html>\n",
    );
    out
}
