//! Road files into a [`Network`], then a [`Graph`]: OpenStreetMap PBF, OpenStreetMap XML
//! (`.osm`), and the CSV edge list, each optionally gzip- or bzip2-compressed. The format is
//! recognised from the content, not the file name. Functions take bytes; callers read files.
//!
//! OSM files go through the travel-time model (`model.rs`); CSV rows carry their own times.

mod csv;
mod osm;
mod pbf;
mod xml;

use std::cell::Cell;
use std::io::{BufRead, BufReader, Read};

pub use self::csv::CsvReport;
pub use self::osm::OsmReport;
use crate::error::{Result, RoadsError};
use crate::graph::Graph;
use crate::line::{RoadClass, RoadLine};
use crate::network::{BuildReport, Network, Stage};

/// What kind of road file it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    OsmPbf,
    OsmXml,
    EdgeCsv,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
    Bzip2,
}

/// What was read from the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceReport {
    Osm(OsmReport),
    Csv(CsvReport),
}

/// Everything an import did, for the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportReport {
    pub format: Format,
    pub compression: Compression,
    pub source: SourceReport,
    pub build: BuildReport,
}

/// Reads and preprocesses a road file.
pub fn import(bytes: &[u8]) -> Result<(Graph, ImportReport)> {
    import_with_progress(bytes, &mut |_, _, _| {})
}

/// [`import`], reporting progress as `(stage, done, total)`.
pub fn import_with_progress(
    bytes: &[u8],
    progress: &mut dyn FnMut(Stage, u64, u64),
) -> Result<(Graph, ImportReport)> {
    let (network, format, compression, source) = read_network(bytes, progress)?;
    let (graph, build) = network.build_with_progress(progress)?;
    Ok((graph, ImportReport { format, compression, source, build }))
}

/// A road file imported with its roads as drawn and named.
#[derive(Debug)]
pub struct Imported {
    pub graph: Graph,
    /// Named stretches of road from an OSM file; for an edge list, which names nothing, one
    /// unnamed line per road of the graph (both directions of a two-way road once).
    pub lines: Vec<RoadLine>,
    pub report: ImportReport,
}

/// [`import_with_progress`], keeping the roads as drawn and named.
pub fn import_with_lines(
    bytes: &[u8],
    progress: &mut dyn FnMut(Stage, u64, u64),
) -> Result<Imported> {
    let (mut network, format, compression, source) = read_network(bytes, progress)?;
    let lines = network.take_lines();
    let (graph, build) = network.build_with_progress(progress)?;
    let lines = if lines.is_empty() { graph_lines(&graph) } else { lines };
    Ok(Imported { graph, lines, report: ImportReport { format, compression, source, build } })
}

/// One unnamed line per road of a graph: each arc, with a two-way road's two arcs drawn once.
pub fn graph_lines(graph: &Graph) -> Vec<RoadLine> {
    let mut lines = Vec::new();
    for arc in graph.arcs() {
        let (from, to) = (arc.from.index() as u32, arc.to.index() as u32);
        // A two-way road: kept from its lower-numbered end only.
        if from > to && graph.arc(to, from).is_some() {
            continue;
        }
        lines.push(RoadLine {
            name: None,
            class: RoadClass::Unknown,
            points: vec![graph.e7(from), graph.e7(to)],
        });
    }
    lines
}

/// Reads a road file into a network without preprocessing it.
pub fn read_network(
    bytes: &[u8],
    progress: &mut dyn FnMut(Stage, u64, u64),
) -> Result<(Network, Format, Compression, SourceReport)> {
    let total = bytes.len() as u64;
    let consumed = Cell::new(0u64);
    let counted = Counting { inner: bytes, consumed: &consumed };
    let (compression, mut input): (Compression, Box<dyn BufRead + '_>) =
        if bytes.starts_with(&[0x1f, 0x8b]) {
            let decoder = flate2::bufread::MultiGzDecoder::new(BufReader::new(counted));
            (Compression::Gzip, Box::new(BufReader::with_capacity(1 << 16, decoder)))
        } else if bytes.starts_with(b"BZh") {
            let decoder = bzip2::bufread::MultiBzDecoder::new(BufReader::new(counted));
            (Compression::Bzip2, Box::new(BufReader::with_capacity(1 << 16, decoder)))
        } else {
            (Compression::None, Box::new(BufReader::with_capacity(1 << 16, counted)))
        };
    let broken = |e: std::io::Error| {
        let what = match compression {
            Compression::Gzip => "gzip",
            Compression::Bzip2 => "bzip2",
            Compression::None => "input",
        };
        RoadsError::Format(format!("the {what} data cannot be read: {e}"))
    };
    let head = input.fill_buf().map_err(broken)?.to_vec();
    let format = sniff(&head)?;
    let mut tick = || progress(Stage::Reading, consumed.get(), total);
    let (network, source) = match format {
        Format::OsmPbf => {
            let decompressed;
            let pbf: &[u8] = if compression == Compression::None {
                bytes
            } else {
                let mut all = Vec::new();
                input.read_to_end(&mut all).map_err(broken)?;
                decompressed = all;
                &decompressed
            };
            let (network, report) = pbf::read(pbf, progress)?;
            (network, SourceReport::Osm(report))
        }
        Format::OsmXml => {
            let (network, report) = xml::read(input, &mut tick)?;
            (network, SourceReport::Osm(report))
        }
        Format::EdgeCsv => {
            let (network, report) = csv::read(input, &mut tick)?;
            (network, SourceReport::Csv(report))
        }
    };
    Ok((network, format, compression, source))
}

/// Recognises the format from the first bytes (after decompression).
fn sniff(head: &[u8]) -> Result<Format> {
    if crate::format::is_graph_file(head) {
        return Err(RoadsError::Format(
            "this is a graph file already (made by an import); load it instead of importing it"
                .into(),
        ));
    }
    // A PBF file starts with a 4-byte length, then a BlobHeader whose first field is the
    // string "OSMHeader".
    if head.get(4..6) == Some(&[0x0a, 0x09]) && head.get(6..15) == Some(b"OSMHeader".as_slice()) {
        return Ok(Format::OsmPbf);
    }
    let text = head.strip_prefix(b"\xef\xbb\xbf".as_slice()).unwrap_or(head);
    let first = text.iter().find(|b| !b.is_ascii_whitespace());
    match first {
        Some(b'<') => Ok(Format::OsmXml),
        Some(b) if b.is_ascii_alphanumeric() || *b == b'-' || *b == b'+' || *b == b'.' => {
            Ok(Format::EdgeCsv)
        }
        None => Err(RoadsError::Format("the file is empty".into())),
        Some(_) => Err(RoadsError::Format(
            "not a road file: expected OpenStreetMap PBF or XML, or a CSV edge list (each may be gzip or bzip2 compressed)".into(),
        )),
    }
}

/// A reader of the input bytes that counts how many it has handed out, for progress.
struct Counting<'a> {
    inner: &'a [u8],
    consumed: &'a Cell<u64>,
}

impl Read for Counting<'_> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(out)?;
        self.consumed.set(self.consumed.get() + n as u64);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_formats() {
        assert_eq!(sniff(b"<?xml version='1.0'?><osm>").unwrap(), Format::OsmXml);
        assert_eq!(sniff(b"\xef\xbb\xbf  <osm>").unwrap(), Format::OsmXml);
        assert_eq!(sniff(b"from_lat,from_lon").unwrap(), Format::EdgeCsv);
        assert_eq!(sniff(b"40.1,-73.2,40.2").unwrap(), Format::EdgeCsv);
        assert_eq!(sniff(b"\0\0\0\x0d\x0a\x09OSMHeader\x18").unwrap(), Format::OsmPbf);
        assert!(sniff(b"").is_err());
        assert!(sniff(b"\x89PNG\r\n").unwrap_err().to_string().contains("not a road file"));
    }

    #[test]
    fn broken_compression_is_an_error() {
        let err = read_network(b"\x1f\x8b\x08\0garbage", &mut |_, _, _| {}).unwrap_err();
        assert!(err.to_string().contains("gzip data cannot be read"), "{err}");
        let err = read_network(b"BZh9garbage", &mut |_, _, _| {}).unwrap_err();
        assert!(err.to_string().contains("bzip2 data cannot be read"), "{err}");
    }
}
