//! Suppression against a reader who knows every published cell and every relation between
//! them: on adversarial tables, every assignment of the hidden cells consistent with what is
//! published is enumerated, and no hidden cell may come down to a single value.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use super::*;
use crate::synthetic::Rng;

/// Every cell's value, where known or assumed.
type Values = Vec<Vec<Option<u64>>>;

/// Rows of (contacts, 911, 988, other) that add up, and their total row.
fn table_of(rows: &[[u64; 3]]) -> (Vec<Vec<u64>>, Vec<u64>) {
    let rows: Vec<Vec<u64>> = rows.iter().map(|[a, b, c]| vec![a + b + c, *a, *b, *c]).collect();
    let total = (0..4).map(|c| rows.iter().map(|r| r[c]).sum()).collect();
    (rows, total)
}

/// Every value each hidden cell can take, given the published cells and the table's lines;
/// complementary cells are searched in 0..=`ceiling`.
fn feasible(
    rows: &[Vec<u64>],
    cells: &[Vec<Cell>],
    total: &[Cell],
    ceiling: u64,
) -> Vec<(At, Vec<u64>)> {
    let n = rows.len();
    let all: Vec<Vec<Cell>> =
        cells.iter().cloned().chain(std::iter::once(total.to_vec())).collect();
    let unknowns: Vec<At> = (0..=n)
        .flat_map(|r| (0..4).map(move |c| (r, c)))
        .filter(|&(r, c)| matches!(all[r][c], Cell::Hidden(_)))
        .collect();
    let lines = lines(n, 4);
    // A part is at most any shown total of a line it is part of.
    let bound = |at: At| {
        lines
            .iter()
            .filter(|(_, parts)| parts.contains(&at))
            .filter_map(|((r, c), _)| if let Cell::Count(v) = all[*r][*c] { Some(v) } else { None })
            .min()
            .unwrap_or(ceiling)
    };
    let domain = |(r, c): At| match all[r][c] {
        Cell::Hidden(Hidden::Small) => {
            (1..SMALLEST_SHOWN.min(bound((r, c)) + 1)).collect::<Vec<u64>>()
        }
        Cell::Hidden(Hidden::Complementary) => (0..=bound((r, c))).collect(),
        Cell::Count(v) => vec![v],
    };
    let mut values: Values = all
        .iter()
        .map(|row| {
            row.iter().map(|c| if let Cell::Count(v) = c { Some(*v) } else { None }).collect()
        })
        .collect();
    let mut seen: Vec<std::collections::BTreeSet<u64>> = vec![Default::default(); unknowns.len()];
    // Whether the partial assignment can still satisfy every line.
    let possible = |values: &Values| {
        lines.iter().all(|(sum, parts)| {
            let range = |(r, c): At| match values[r][c] {
                Some(v) => (v, v),
                None => {
                    let d = domain((r, c));
                    (*d.first().unwrap(), *d.last().unwrap())
                }
            };
            let (sl, sh) = range(*sum);
            let pl: u64 = parts.iter().map(|&p| range(p).0).sum();
            let ph: u64 = parts.iter().map(|&p| range(p).1).sum();
            sl <= ph && pl <= sh
        })
    };
    /// Depth-first over the hidden cells; a line with one unassigned cell left forces it. Stops
    /// once every hidden cell has taken two values.
    fn search(
        unknowns: &[At],
        lines: &[(At, Vec<At>)],
        values: &mut Values,
        seen: &mut Vec<std::collections::BTreeSet<u64>>,
        domain: &dyn Fn(At) -> Vec<u64>,
        possible: &dyn Fn(&Values) -> bool,
    ) {
        // Enough once every hidden cell has shown two values: that is all the tests ask.
        if !possible(values) || seen.iter().all(|s| s.len() >= 2) {
            return;
        }
        let open: Vec<At> =
            unknowns.iter().copied().filter(|&(r, c)| values[r][c].is_none()).collect();
        if open.is_empty() {
            for (k, &(r, c)) in unknowns.iter().enumerate() {
                seen[k].insert(values[r][c].unwrap());
            }
            return;
        }
        for (sum, parts) in lines {
            let cells: Vec<At> = std::iter::once(*sum).chain(parts.iter().copied()).collect();
            let unset: Vec<At> =
                cells.iter().copied().filter(|&(r, c)| values[r][c].is_none()).collect();
            if let [only] = unset[..] {
                let parts_known: i128 = parts
                    .iter()
                    .filter(|&&p| p != only)
                    .map(|&(r, c)| i128::from(values[r][c].unwrap()))
                    .sum();
                let forced = if only == *sum {
                    parts_known
                } else {
                    i128::from(values[sum.0][sum.1].unwrap()) - parts_known
                };
                let Ok(v) = u64::try_from(forced) else { return };
                if !domain(only).contains(&v) {
                    return;
                }
                values[only.0][only.1] = Some(v);
                search(unknowns, lines, values, seen, domain, possible);
                values[only.0][only.1] = None;
                return;
            }
        }
        let next = *open.iter().min_by_key(|&&a| domain(a).len()).unwrap();
        for v in domain(next) {
            values[next.0][next.1] = Some(v);
            search(unknowns, lines, values, seen, domain, possible);
        }
        values[next.0][next.1] = None;
    }
    search(&unknowns, &lines, &mut values, &mut seen, &domain, &possible);
    let _ = rows;
    unknowns.into_iter().zip(seen.into_iter().map(|s| s.into_iter().collect())).collect()
}

fn assert_protected(rows: &[[u64; 3]]) {
    let (rows, total) = table_of(rows);
    let (cells, total_cells) = suppress(&rows, &total);
    // Every small count is hidden.
    for (r, row) in rows.iter().chain(std::iter::once(&total)).enumerate() {
        for (c, &v) in row.iter().enumerate() {
            let cell = if r == rows.len() { total_cells[c] } else { cells[r][c] };
            if (1..SMALLEST_SHOWN).contains(&v) {
                assert!(matches!(cell, Cell::Hidden(_)), "{v} at ({r}, {c}) is shown: {rows:?}");
            } else if let Cell::Count(shown) = cell {
                assert_eq!(shown, v);
            }
        }
    }
    let ceiling = total.iter().copied().max().unwrap_or(0);
    for (at, values) in feasible(&rows, &cells, &total_cells, ceiling) {
        assert!(
            values.len() >= 2,
            "the hidden cell {at:?} can only be {values:?} in {rows:?} → {cells:?} / {total_cells:?}"
        );
    }
}

#[test]
fn one_small_count_takes_a_second_cell_in_its_row_and_column() {
    assert_protected(&[[20, 4, 12], [15, 20, 15], [14, 13, 11]]);
}

#[test]
fn a_row_of_small_counts_and_a_column_of_them_are_protected() {
    assert_protected(&[[3, 2, 1], [15, 5, 15], [14, 13, 11]]);
}

#[test]
fn a_small_total_is_hidden_with_its_parts() {
    assert_protected(&[[0, 0, 2], [0, 0, 3], [12, 0, 0]]);
}

#[test]
fn zeros_are_shown_and_do_not_reveal_their_neighbours() {
    assert_protected(&[[0, 12, 0], [11, 0, 1], [0, 0, 0]]);
}

#[test]
fn random_adversarial_tables_are_protected() {
    let mut rng = Rng::new(11);
    for _ in 0..40 {
        let rows: Vec<[u64; 3]> = (0..3)
            .map(|_| {
                let mut v = || if rng.chance(400) { rng.below(11) } else { rng.below(30) };
                [v(), v(), v()]
            })
            .collect();
        assert_protected(&rows);
    }
}

#[test]
fn a_table_without_small_counts_is_published_whole() {
    let (rows, total) = table_of(&[[30, 14, 12], [25, 20, 15]]);
    let (cells, total_cells) = suppress(&rows, &total);
    assert!(cells.iter().flatten().chain(&total_cells).all(|c| matches!(c, Cell::Count(_))));
}

#[test]
fn printed_forms_say_less_than_eleven_and_suppressed() {
    assert_eq!(Cell::Hidden(Hidden::Small).text(), "<11");
    assert_eq!(Cell::Hidden(Hidden::Complementary).text(), "suppressed");
    let table = Table {
        columns: vec!["contacts", "911 calls"],
        rows: vec![("a, b".into(), vec![Cell::Count(20), Cell::Hidden(Hidden::Small)])],
        total: vec![Cell::Count(20), Cell::Hidden(Hidden::Complementary)],
    };
    assert_eq!(csv(&table), "group,contacts,911 calls\n\"a, b\",20,<11\nTotal,20,suppressed\n");
    let page = html(&table, "Crisis <measures>");
    assert!(
        page.contains("<title>Crisis &lt;measures&gt;</title>") && page.contains("<td>&lt;11</td>")
    );
}
