//! Points in CSV files, for `route` and `eta`: each command has its column order (`route`
//! lon,lat; `eta` lat,lon), a header line naming the columns overrides it, and a row that only
//! makes sense the other way round is refused with that hint rather than read wrong.
//!
//! Files are read with the `csv` crate, as a county GIS export writes them: quoted fields, a
//! UTF-8 byte-order mark, CRLF line ends, blank lines, further columns.

use std::io::Read;

/// Which column holds which coordinate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Order {
    LonLat,
    LatLon,
}

impl Order {
    fn name(self) -> &'static str {
        match self {
            Self::LonLat => "lon,lat",
            Self::LatLon => "lat,lon",
        }
    }

    fn other(self) -> Self {
        match self {
            Self::LonLat => Self::LatLon,
            Self::LatLon => Self::LonLat,
        }
    }
}

/// Calls `each(line, lat, lon)` for every point of `input`, in order. The first row is a header
/// when it names the columns (`lat,lon`, `longitude,latitude`, `y,x`, any case: it sets the
/// order) or is not a point; otherwise columns are in `order`. A row that is not a point is an
/// error naming its line.
pub(crate) fn read(
    mut input: impl Read,
    order: Order,
    each: impl FnMut(u64, f64, f64) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let mut text = Vec::new();
    input.read_to_end(&mut text)?;
    read_slice(&text, order, 1, true, each)
}

/// [`read`] on a piece of a file that starts at line `first_line`; only a piece that starts
/// the file (`may_have_header`) may begin with a header.
pub(crate) fn read_slice(
    text: &[u8],
    mut order: Order,
    first_line: u64,
    may_have_header: bool,
    mut each: impl FnMut(u64, f64, f64) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    // The `csv` crate's own line numbers skip blank lines and miscount CRLF: count them here,
    // from each record's byte offset, as the records come in order.
    let mut lines = LineOf { text, at: 0, line: first_line };
    let mut reader = reader(text);
    let mut record = csv::StringRecord::new();
    let mut first = may_have_header;
    loop {
        let more = reader.read_record(&mut record).map_err(|e| {
            let line = e.position().map_or(0, |p| lines.line(p.byte()));
            anyhow::anyhow!("line {line}: {}", csv_problem(&e))
        })?;
        if !more {
            return Ok(());
        }
        let line = record.position().map_or(0, |p| lines.line(p.byte()));
        if record.iter().all(str::is_empty) {
            continue;
        }
        if std::mem::take(&mut first) {
            if let Some(named) = header(&record) {
                order = named;
                continue;
            }
            if parse(&record, order).is_err() {
                continue;
            }
        }
        let (lat, lon) = parse(&record, order).map_err(|p| anyhow::anyhow!("line {line}: {p}"))?;
        each(line, lat, lon)?;
    }
}

/// The order the file's header names, if its first row is one (`None`: the default order), and
/// where the line holding that first row ends (so it can be read with the part of the file
/// that may have a header).
pub(crate) fn header_order(text: &[u8]) -> (Option<Order>, usize) {
    let mut reader = reader(text);
    let mut record = csv::StringRecord::new();
    while reader.read_record(&mut record).unwrap_or(false) {
        if !record.iter().all(str::is_empty) {
            let mut start = record.position().map_or(0, |p| usize::try_from(p.byte()).unwrap_or(0));
            // As in `LineOf::line`: the offset may point into the line ends before the row.
            while text.get(start).is_some_and(|b| matches!(b, b'\r' | b'\n')) {
                start += 1;
            }
            return (header(&record), line_start_after(text, start));
        }
    }
    (None, 0)
}

/// The `csv` reader every points file is read with: no header row assumed, rows of any
/// length, fields trimmed.
fn reader(text: &[u8]) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text)
}

/// The first line start at or after `at` (the end of `text` if none).
pub(crate) fn line_start_after(text: &[u8], at: usize) -> usize {
    text.get(at..)
        .and_then(|rest| rest.iter().position(|b| *b == b'\n'))
        .map_or(text.len(), |i| at + i + 1)
}

/// A CSV reading error in words.
fn csv_problem(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::Utf8 { .. } => "not UTF-8 text (save the file as UTF-8)".to_owned(),
        _ => e.to_string(),
    }
}

/// The line of each byte offset asked, offsets asked in increasing order.
struct LineOf<'a> {
    text: &'a [u8],
    at: usize,
    line: u64,
}

impl LineOf<'_> {
    /// A record's offset may point into the line ends before it (the crate counts a CR and an
    /// LF apart): the record starts after them.
    fn line(&mut self, byte: u64) -> u64 {
        let mut start =
            usize::try_from(byte).unwrap_or(usize::MAX).min(self.text.len()).max(self.at);
        while self.text.get(start).is_some_and(|b| matches!(b, b'\r' | b'\n')) {
            start += 1;
        }
        self.line +=
            self.text.get(self.at..start).map_or(0, |s| s.iter().filter(|b| **b == b'\n').count())
                as u64;
        self.at = start;
        self.line
    }
}

/// The order a header row names (`lat,lon`, `longitude,latitude`, `y,x`, any case), or `None`
/// when the row is no such header.
fn header(record: &csv::StringRecord) -> Option<Order> {
    let kind = |f: &str| match f.to_ascii_lowercase().as_str() {
        "lat" | "latitude" | "y" => Some(true),
        "lon" | "lng" | "long" | "longitude" | "x" => Some(false),
        _ => None,
    };
    match (kind(record.get(0)?)?, kind(record.get(1)?)?) {
        (true, false) => Some(Order::LatLon),
        (false, true) => Some(Order::LonLat),
        _ => None,
    }
}

/// A row's point as `(lat, lon)`, read in `order` (further columns are ignored).
fn parse(record: &csv::StringRecord, order: Order) -> Result<(f64, f64), String> {
    let (Some(a), Some(b)) = (record.get(0), record.get(1)) else {
        return Err(format!(
            "{:?} is not a {} row",
            record.iter().collect::<Vec<_>>().join(","),
            order.name()
        ));
    };
    let number =
        |what: &str, v: &str| v.parse::<f64>().map_err(|_| format!("{what} {v:?} is not a number"));
    let (lat, lon) = match order {
        Order::LatLon => (number("latitude", a)?, number("longitude", b)?),
        Order::LonLat => (number("latitude", b)?, number("longitude", a)?),
    };
    match domain::GeoPoint::parse(lat, lon) {
        Ok(_) => Ok((lat, lon)),
        Err(e) if domain::GeoPoint::parse(lon, lat).is_ok() => Err(format!(
            "{e}: the row reads as {} instead — start the file with a header line `{}`, or swap \
             the columns",
            order.other().name(),
            order.other().name()
        )),
        Err(e) => Err(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn points(text: &str, order: Order) -> anyhow::Result<Vec<(u64, f64, f64)>> {
        let mut out = Vec::new();
        read(text.as_bytes(), order, |line, lat, lon| {
            out.push((line, lat, lon));
            Ok(())
        })?;
        Ok(out)
    }

    fn row(fields: &[&str]) -> csv::StringRecord {
        csv::StringRecord::from(fields.to_vec())
    }

    #[test]
    fn headers_name_the_order() {
        assert_eq!(header(&row(&["lat", "lon"])), Some(Order::LatLon));
        assert_eq!(header(&row(&["Longitude", "Latitude", "name"])), Some(Order::LonLat));
        assert_eq!(header(&row(&["y", "x"])), Some(Order::LatLon));
        assert_eq!(header(&row(&["-95.2", "38.9"])), None);
        assert_eq!(header(&row(&["lat", "lat"])), None);
        assert_eq!(header(&row(&["id"])), None);
    }

    #[test]
    fn rows_are_read_in_order_and_a_swapped_row_says_so() {
        assert_eq!(parse(&row(&["-95.2353", "38.9717"]), Order::LonLat), Ok((38.9717, -95.2353)));
        assert_eq!(
            parse(&row(&["38.9717", "-95.2353", "x"]), Order::LatLon),
            Ok((38.9717, -95.2353))
        );
        let swapped = parse(&row(&["-95.2353", "38.9717"]), Order::LatLon).unwrap_err();
        assert!(swapped.contains("reads as lon,lat instead"), "{swapped}");
        assert!(swapped.contains("header line `lon,lat`"), "{swapped}");
        let wrong = parse(&row(&["200", "100"]), Order::LatLon).unwrap_err();
        assert!(!wrong.contains("instead"), "{wrong}");
        assert!(parse(&row(&["1"]), Order::LatLon).unwrap_err().contains("is not a lat,lon row"));
        assert!(parse(&row(&["a", "1"]), Order::LonLat).unwrap_err().contains("longitude \"a\""));
    }

    #[test]
    fn files_as_gis_exports_write_them_are_read() {
        // A byte-order mark, a quoted header, CRLF, quoted numbers, a blank line, a further
        // column holding a comma.
        let text = "\u{feff}\"Latitude\",\"Longitude\",\"Name\"\r\n\"38.9717\",\"-95.2353\",\"Lawrence, KS\"\r\n\r\n39.0,-95.0,x\r\n";
        let read = points(text, Order::LonLat).unwrap();
        assert_eq!(
            read,
            [(2, 38.9717, -95.2353), (4, 39.0, -95.0)],
            "lines as an editor numbers them"
        );
    }

    #[test]
    fn a_bad_row_names_its_line() {
        let e = points("lat,lon\n38.9,-95.2\n38.9,oops\n", Order::LatLon).unwrap_err();
        assert_eq!(e.to_string(), "line 3: longitude \"oops\" is not a number");
        let e = points("lat,lon\r\n\r\n38.9,-95.2\r\n38.9,oops\r\n", Order::LatLon).unwrap_err();
        assert_eq!(
            e.to_string(),
            "line 4: longitude \"oops\" is not a number",
            "blank lines and CRLF count"
        );
        let mut bytes = b"38.9,-95.2\n".to_vec();
        bytes.extend_from_slice(&[0xff, b',', b'1', b'\n']);
        let e = read(bytes.as_slice(), Order::LatLon, |_, _, _| Ok(())).unwrap_err();
        assert_eq!(e.to_string(), "line 2: not UTF-8 text (save the file as UTF-8)");
    }
}
