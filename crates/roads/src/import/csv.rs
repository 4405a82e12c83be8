//! The CSV edge list: one directed arc per row, `from_lat,from_lon,to_lat,to_lon,seconds`
//! and optionally `metres` — the form an agency can export from its own road centerline GIS,
//! and the form `crisisbridge roads export` writes.
//!
//! - A first line whose first field is not a number is a header; it must name those columns
//!   in that order (`seconds` may be followed by `metres`).
//! - Two-way roads need a row for each direction.
//! - Nodes are identified by their position rounded to 1e-7 degrees.
//! - `seconds` is in 0..=86,400 (a day: no road arc takes longer, and a larger value is
//!   usually a column in milliseconds); it is rounded to whole milliseconds. Without a
//!   `metres` column, lengths are great-circle distances between the end points.
//! - Empty lines are skipped. Anything else that is not a valid row is an error naming the
//!   line, the column and the problem.
//! - Read with the `csv` crate, as GIS exports write it: quoted fields, a UTF-8 byte-order
//!   mark, CRLF line ends.

use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::io::{BufRead, Read};
use std::rc::Rc;

use csv::StringRecord;

use super::osm::to_u32;
use crate::error::{Result, RoadsError};
use crate::geo::{E7, e7_distance_m};
use crate::network::{Arc, Network};

const COLUMNS: [&str; 6] = ["from_lat", "from_lon", "to_lat", "to_lon", "seconds", "metres"];
const MAX_SECONDS: f64 = 86_400.0;
const MAX_METRES: f64 = 1_000_000.0;

/// Counts from reading an edge list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CsvReport {
    pub rows: usize,
    pub header: bool,
}

pub(crate) fn read(input: impl BufRead, mut tick: impl FnMut()) -> Result<(Network, CsvReport)> {
    let mut network = Network::new();
    let mut nodes: HashMap<E7, u32> = HashMap::new();
    let mut report = CsvReport::default();
    // The `csv` crate's own line numbers skip blank lines and miscount CRLF: count newlines as
    // the bytes go by, and number each record from its byte offset.
    let newlines = Rc::new(RefCell::new(Lines::default()));
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(Counting { inner: input, offset: 0, lines: newlines.clone() });
    let line_at = |byte: u64| newlines.borrow_mut().line_at(byte);
    let mut record = StringRecord::new();
    for n in 0usize.. {
        let more = reader.read_record(&mut record).map_err(|e| RoadsError::Csv {
            line: e.position().map_or(n as u64 + 1, |p| line_at(p.byte())),
            problem: match e.kind() {
                csv::ErrorKind::Utf8 { .. } => "not UTF-8 text (save the file as UTF-8)".into(),
                _ => format!("cannot read: {e}"),
            },
        })?;
        if !more {
            break;
        }
        let number = record.position().map_or(n as u64 + 1, |p| line_at(p.byte()));
        let fail = |problem: String| RoadsError::Csv { line: number, problem };
        if record.iter().all(str::is_empty) {
            continue;
        }
        if n % 65_536 == 0 {
            tick();
        }
        let fields: Vec<&str> = record.iter().collect();
        if n == 0 && fields.first().is_some_and(|f| f.parse::<f64>().is_err()) {
            check_header(&fields).map_err(fail)?;
            report.header = true;
            continue;
        }
        if !(5..=6).contains(&fields.len()) {
            return Err(fail(format!(
                "{} columns; a row is from_lat,from_lon,to_lat,to_lon,seconds[,metres]",
                fields.len()
            )));
        }
        let mut values = [0.0f64; 6];
        for (i, field) in fields.iter().enumerate() {
            let column = COLUMNS.get(i).copied().unwrap_or("?");
            let value: f64 =
                field.parse().map_err(|_| fail(format!("{column} {field:?} is not a number")))?;
            if !value.is_finite() {
                return Err(fail(format!("{column} {field:?} is not a finite number")));
            }
            if let Some(slot) = values.get_mut(i) {
                *slot = value;
            }
        }
        let [from_lat, from_lon, to_lat, to_lon, seconds, metres] = values;
        let mut node = |lat: f64, lon: f64, which: &str| -> Result<u32> {
            if lat.abs() > 90.0 {
                return Err(fail(format!("{which}_lat {lat} is out of range [-90, 90]")));
            }
            if lon.abs() > 180.0 {
                return Err(fail(format!("{which}_lon {lon} is out of range [-180, 180]")));
            }
            let p = E7::from_degrees(lat, lon)
                .ok_or_else(|| fail(format!("{which} position {lat},{lon} is out of range")))?;
            match nodes.get(&p) {
                Some(v) => Ok(*v),
                None => {
                    let v = network.push_node(p)?;
                    nodes.insert(p, v);
                    Ok(v)
                }
            }
        };
        let from = node(from_lat, from_lon, "from")?;
        let to = node(to_lat, to_lon, "to")?;
        if !(0.0..=MAX_SECONDS).contains(&seconds) {
            return Err(fail(format!(
                "seconds {seconds} is out of range [0, {MAX_SECONDS}] (is the column in milliseconds?)"
            )));
        }
        let metres = if fields.len() == 6 {
            if !(0.0..=MAX_METRES).contains(&metres) {
                return Err(fail(format!("metres {metres} is out of range [0, {MAX_METRES}]")));
            }
            metres
        } else {
            let (a, b) = (network.nodes.get(from as usize), network.nodes.get(to as usize));
            a.zip(b).map_or(0.0, |(a, b)| e7_distance_m(*a, *b))
        };
        let (Some(millis), Some(centimetres)) = (to_u32(seconds * 1000.0), to_u32(metres * 100.0))
        else {
            return Err(fail("travel time or length out of range".into()));
        };
        network.add_arc(Arc { from, to, millis, centimetres });
        report.rows += 1;
    }
    Ok((network, report))
}

/// Line ends read but not yet passed by the records (offset, whether a newline), and how
/// many newlines were passed.
#[derive(Default)]
struct Lines {
    ahead: VecDeque<(u64, bool)>,
    passed: u64,
}

impl Lines {
    /// The line of the record at byte `offset` (offsets asked in increasing order). The offset
    /// may point into the line ends before the record (the crate counts a CR and an LF apart):
    /// the record starts after them.
    fn line_at(&mut self, offset: u64) -> u64 {
        let mut start = offset;
        while let Some(&(at, newline)) = self.ahead.front() {
            if at > start {
                break;
            }
            if at == start {
                start += 1;
            }
            self.passed += u64::from(newline);
            self.ahead.pop_front();
        }
        self.passed + 1
    }
}

/// Passes the input through, noting where its line ends are.
struct Counting<R> {
    inner: R,
    offset: u64,
    lines: Rc<RefCell<Lines>>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut lines = self.lines.borrow_mut();
        for (i, b) in buf.iter().take(n).enumerate() {
            if matches!(b, b'\n' | b'\r') {
                lines.ahead.push_back((self.offset + i as u64, *b == b'\n'));
            }
        }
        self.offset += n as u64;
        Ok(n)
    }
}

fn check_header(fields: &[&str]) -> Result<(), String> {
    let names: Vec<String> = fields.iter().map(|f| f.to_ascii_lowercase()).collect();
    let expected_5: Vec<&str> = COLUMNS.iter().take(5).copied().collect();
    if names == expected_5 || names == COLUMNS {
        Ok(())
    } else {
        Err(format!(
            "header {:?} does not name the columns from_lat,from_lon,to_lat,to_lon,seconds[,metres]",
            fields.join(",")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_str(text: &str) -> Result<(Network, CsvReport)> {
        read(text.as_bytes(), || {})
    }

    #[test]
    fn reads_rows_with_and_without_header_and_lengths() {
        let (net, report) =
            read_str("from_lat,from_lon,to_lat,to_lon,seconds\n1,2,1,2.001,5.5\n\n1,2.001,1,2,6\n")
                .unwrap();
        assert!(report.header);
        assert_eq!((net.node_count(), net.arc_count(), report.rows), (2, 2, 2));
        assert_eq!(net.arcs[0].millis, 5500);
        let metres = net.arcs[0].centimetres as f64 / 100.0;
        assert!((metres - 111.2).abs() < 0.5, "{metres}");
        let (net, report) = read_str("1,2,1,2.001,5.5,120.25\n").unwrap();
        assert!(!report.header);
        assert_eq!(net.arcs[0].centimetres, 12025);
    }

    #[test]
    fn files_as_gis_exports_write_them_are_read() {
        let text = "\u{feff}\"from_lat\",\"from_lon\",\"to_lat\",\"to_lon\",\"seconds\"\r\n\"1\",\"2\",\"1\",\"2.001\",\"5.5\"\r\n";
        let (net, report) = read_str(text).unwrap();
        assert!(report.header);
        assert_eq!((net.arc_count(), net.arcs[0].millis), (1, 5500));
        let err = read_str(
            "from_lat,from_lon,to_lat,to_lon,seconds\r\n\r\n1,2,1,2.001,5\r\n1,x,1,2,3\r\n",
        )
        .unwrap_err()
        .to_string();
        assert!(err.starts_with("CSV line 4: from_lon"), "blank lines and CRLF count: {err}");
    }

    #[test]
    fn errors_name_the_line_and_the_problem() {
        let cases = [
            ("1,2,3\n", "CSV line 1: 3 columns"),
            ("1,2,1,2.001,5\n1,x,1,2,3\n", "CSV line 2: from_lon \"x\" is not a number"),
            ("91,2,1,2,3\n", "CSV line 1: from_lat 91 is out of range [-90, 90]"),
            ("1,2,1,181,3\n", "CSV line 1: to_lon 181 is out of range [-180, 180]"),
            ("1,2,1,2.1,90000000\n", "CSV line 1: seconds 90000000 is out of range"),
            ("1,2,1,2.1,-1\n", "CSV line 1: seconds -1 is out of range"),
            ("1,2,1,2.1,1,NaN\n", "CSV line 1: metres \"NaN\" is not a finite number"),
            ("a,b,c,d,e\n", "CSV line 1: header \"a,b,c,d,e\" does not name"),
        ];
        for (text, want) in cases {
            let err = read_str(text).unwrap_err().to_string();
            assert!(err.starts_with(want), "{text:?}: {err}");
        }
    }
}
