//! The public dashboard table: counts by group with small-cell suppression, the way health
//! departments publish — so that no published cell, and no cell worked out from the published
//! ones, counts fewer than 11 people (docs/measures.md, "The public export").
//!
//! 1. **Primary suppression.** A count from 1 to 10 is shown as "<11". Zeros are shown.
//! 2. **Complementary suppression.** The table has linear relations a reader can use: each
//!    column's cells add up to its total row, and in each row the contacts add up by channel
//!    (all = 911 + 988 + other). In every such line, one hidden cell alone would be its total
//!    minus the shown cells, so a second is hidden; and a hidden cell whose line leaves it only
//!    one possible value (the hidden cells' sum is known, and each small count lies in 1..10)
//!    gets company until it has at least two. This repeats until no line changes.
//!
//! The tests check the guarantee on adversarial tables by enumerating every assignment of the
//! hidden cells consistent with everything published.

use serde::Serialize;

use crate::measures::{Group, Report, Value};

/// The smallest count shown as it is.
pub const SMALLEST_SHOWN: u64 = 11;

/// The columns published, each a measure of the report.
pub const COLUMNS: [(&str, &str); 8] = [
    ("contacts.total", "contacts"),
    ("contacts.911", "911 calls"),
    ("contacts.988", "988 contacts"),
    ("contacts.other", "other contacts"),
    ("diversion.diverted", "911 calls diverted to 988 or mobile crisis"),
    ("mobile.dispatches", "mobile crisis teams sent"),
    ("handoff.started", "imminent-risk handoffs to 911"),
    ("unserved.no_coverage", "contacts where no agency covered the location"),
];

/// The channel columns, which add up to the contacts column in every row.
const CHANNEL_PARTS: [usize; 3] = [1, 2, 3];
const CONTACTS: usize = 0;

/// A published cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Cell {
    Count(u64),
    /// Hidden: "<11" when the count was small, "suppressed" when hidden to protect another.
    Hidden(Hidden),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Hidden {
    /// From 1 to 10.
    Small,
    /// Any count, hidden so that a small one cannot be worked out.
    Complementary,
}

impl Cell {
    /// As printed: the count, "<11" or "suppressed".
    pub fn text(&self) -> String {
        match self {
            Cell::Count(n) => n.to_string(),
            Cell::Hidden(Hidden::Small) => format!("<{SMALLEST_SHOWN}"),
            Cell::Hidden(Hidden::Complementary) => "suppressed".to_owned(),
        }
    }
}

/// The table: one row per group and the total row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Table {
    pub columns: Vec<&'static str>,
    pub rows: Vec<(String, Vec<Cell>)>,
    pub total: Vec<Cell>,
}

fn count_of(group: &Group, id: &str) -> u64 {
    match group.measures.iter().find(|m| m.id == id).map(|m| &m.value) {
        Some(Value::Count { count }) => *count,
        Some(Value::Share { part, .. }) => *part,
        _ => 0,
    }
}

/// The counts of `grouped` (one row per group) with `all` (the same incidents as one group) as
/// the total row, suppressed.
pub fn table(grouped: &Report, all: &Report) -> Table {
    let counts = |g: &Group| COLUMNS.iter().map(|(id, _)| count_of(g, id)).collect::<Vec<u64>>();
    let rows: Vec<Vec<u64>> = grouped.groups.iter().map(counts).collect();
    let total = all.groups.first().map(counts).unwrap_or_else(|| vec![0; COLUMNS.len()]);
    let (rows_cells, total_cells) = suppress(&rows, &total);
    Table {
        columns: COLUMNS.iter().map(|(_, label)| *label).collect(),
        rows: grouped.groups.iter().map(|g| g.key.clone()).zip(rows_cells).collect(),
        total: total_cells,
    }
}

/// A cell of the table: `(row, column)`, the total row being `rows.len()`.
type At = (usize, usize);

/// Every line of the table: a total cell and the cells that add up to it.
pub fn lines(rows: usize, columns: usize) -> Vec<(At, Vec<At>)> {
    let mut out = Vec::new();
    for c in 0..columns {
        out.push(((rows, c), (0..rows).map(|r| (r, c)).collect()));
    }
    for r in 0..=rows {
        out.push(((r, CONTACTS), CHANNEL_PARTS.iter().map(|&c| (r, c)).collect()));
    }
    out
}

/// Suppresses `rows` with their `total` row; returns the cells of both.
pub fn suppress(rows: &[Vec<u64>], total: &[u64]) -> (Vec<Vec<Cell>>, Vec<Cell>) {
    let columns = total.len();
    let value = |(r, c): At| -> u64 {
        if r == rows.len() {
            total.get(c).copied().unwrap_or(0)
        } else {
            rows.get(r).and_then(|row| row.get(c)).copied().unwrap_or(0)
        }
    };
    let n = rows.len() + 1;
    let mut hidden: Vec<Vec<Option<Hidden>>> = (0..n)
        .map(|r| {
            (0..columns)
                .map(|c| {
                    let v = value((r, c));
                    (1..SMALLEST_SHOWN).contains(&v).then_some(Hidden::Small)
                })
                .collect()
        })
        .collect();
    let lines = lines(rows.len(), columns);
    let is_hidden = |h: &Vec<Vec<Option<Hidden>>>, (r, c): At| {
        h.get(r).and_then(|row| row.get(c)).copied().flatten().is_some()
    };
    // While a reader can pin a hidden cell down, hide one more cell of a line through it: the
    // smallest shown part of those lines (or a total, when every part is hidden).
    while let Some(pinned) = pinned(&lines, &hidden, &value) {
        let through: Vec<&(At, Vec<At>)> =
            lines.iter().filter(|(sum, parts)| *sum == pinned || parts.contains(&pinned)).collect();
        let next = through
            .iter()
            .flat_map(|(_, parts)| parts.iter().copied())
            .filter(|&a| !is_hidden(&hidden, a))
            .min_by_key(|&a| (value(a) == 0, value(a)))
            .or_else(|| through.iter().map(|(sum, _)| *sum).find(|&a| !is_hidden(&hidden, a)));
        let Some((r, c)) = next else { break };
        match hidden.get_mut(r).and_then(|row| row.get_mut(c)) {
            Some(cell) => *cell = Some(Hidden::Complementary),
            None => break,
        }
    }
    let cell = |a: At| match hidden.get(a.0).and_then(|row| row.get(a.1)).copied().flatten() {
        Some(h) => Cell::Hidden(h),
        None => Cell::Count(value(a)),
    };
    let out_rows = (0..rows.len()).map(|r| (0..columns).map(|c| cell((r, c))).collect()).collect();
    let out_total = (0..columns).map(|c| cell((rows.len(), c))).collect();
    (out_rows, out_total)
}

/// A hidden cell a reader can pin down to one value, if any. The reader knows every shown
/// cell, that each line's total is the sum of its parts, that a small count lies in 1..10 and
/// any count is at least 0; each hidden cell's possible range is narrowed line by line until
/// nothing narrows further (bounds propagation).
fn pinned(
    lines: &[(At, Vec<At>)],
    hidden: &[Vec<Option<Hidden>>],
    value: &impl Fn(At) -> u64,
) -> Option<At> {
    use std::collections::BTreeMap;
    const ANY: i128 = i64::MAX as i128;
    let kind = |(r, c): At| hidden.get(r).and_then(|row| row.get(c)).copied().flatten();
    let mut range: BTreeMap<At, (i128, i128)> = BTreeMap::new();
    for (sum, parts) in lines {
        for &a in std::iter::once(sum).chain(parts) {
            let r = match kind(a) {
                Some(Hidden::Small) => (1, i128::from(SMALLEST_SHOWN) - 1),
                Some(Hidden::Complementary) => (0, ANY),
                None => (i128::from(value(a)), i128::from(value(a))),
            };
            range.insert(a, r);
        }
    }
    let get =
        |range: &BTreeMap<At, (i128, i128)>, a: At| range.get(&a).copied().unwrap_or((0, ANY));
    for _ in 0..1000 {
        let mut narrowed = false;
        for (sum, parts) in lines {
            let low: i128 = parts.iter().map(|&p| get(&range, p).0).sum();
            let high: i128 = parts.iter().map(|&p| get(&range, p).1).sum();
            let (sl, sh) = get(&range, *sum);
            let mut updates = vec![(*sum, (sl.max(low), sh.min(high)))];
            for &p in parts {
                let (pl, ph) = get(&range, p);
                let others_low = low - pl;
                let others_high = high - ph;
                updates.push((p, (pl.max(sl - others_high), ph.min(sh - others_low))));
            }
            for (a, r) in updates {
                if kind(a).is_some() && r != get(&range, a) {
                    range.insert(a, r);
                    narrowed = true;
                }
            }
        }
        if !narrowed {
            break;
        }
    }
    range.iter().find(|(a, (low, high))| kind(**a).is_some() && low >= high).map(|(a, _)| *a)
}

/// The table as CSV: `group,<columns…>`, the total row last, written by the `csv` crate.
pub fn csv(table: &Table) -> String {
    let mut out = csv::Writer::from_writer(Vec::new());
    // Writing to memory fails only on a bug; a lost row would show in the tests.
    let _ = out.write_record(std::iter::once("group").chain(table.columns.iter().copied()));
    for (key, cells) in table
        .rows
        .iter()
        .map(|(k, c)| (k.as_str(), c))
        .chain(std::iter::once(("Total", &table.total)))
    {
        let texts: Vec<String> = cells.iter().map(|c| c.text()).collect();
        let _ = out.write_record(std::iter::once(key).chain(texts.iter().map(String::as_str)));
    }
    String::from_utf8(out.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// The table as one self-contained HTML page.
pub fn html(table: &Table, title: &str) -> String {
    let esc = |s: &str| {
        s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
    };
    let mut out = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{t}</title>\
         <style>body{{font-family:sans-serif;margin:2rem}}table{{border-collapse:collapse}}\
         th,td{{border:1px solid #999;padding:.3rem .6rem;text-align:right}}th:first-child,td:first-child{{text-align:left}}</style>\
         </head><body><h1>{t}</h1><table><thead><tr><th>group</th>",
        t = esc(title)
    );
    for c in &table.columns {
        out.push_str(&format!("<th>{}</th>", esc(c)));
    }
    out.push_str("</tr></thead><tbody>");
    for (key, cells) in table
        .rows
        .iter()
        .map(|(k, c)| (k.as_str(), c))
        .chain(std::iter::once(("Total", &table.total)))
    {
        out.push_str(&format!("<tr><td>{}</td>", esc(key)));
        for cell in cells {
            out.push_str(&format!("<td>{}</td>", esc(&cell.text())));
        }
        out.push_str("</tr>");
    }
    out.push_str(&format!(
        "</tbody></table><p>Counts from 1 to 10 are shown as &lt;{SMALLEST_SHOWN}; cells marked \
         suppressed are hidden so that those cannot be worked out from the totals.</p></body></html>\n"
    ));
    out
}

#[cfg(test)]
mod tests;
