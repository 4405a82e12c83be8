//! OpenStreetMap XML (API 0.6, as JOSM, Osmosis, osmfilter and Overpass write it), streamed
//! with `quick-xml`. Node positions are kept for every node (ways come after the nodes they
//! use, and we cannot know earlier which nodes roads will need), so memory grows with the
//! file's node count. Elements marked `action="delete"` or `visible="false"` are skipped.
//! Errors name the line.

use std::collections::HashMap;
use std::io::BufRead;

use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, XmlVersion};

use super::osm::{OsmReport, OsmWays};
use crate::error::{Result, RoadsError};
use crate::geo::E7;
use crate::network::Network;

/// Counts the lines of what the parser has consumed, so errors can name their line.
struct LineCounter<R> {
    inner: R,
    lines: u64,
}

impl<R: BufRead> std::io::Read for LineCounter<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(out)?;
        self.lines += out.get(..n).map_or(0, |b| b.iter().filter(|c| **c == b'\n').count()) as u64;
        Ok(n)
    }
}

impl<R: BufRead> BufRead for LineCounter<R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, amount: usize) {
        if let Ok(buf) = self.inner.fill_buf() {
            let consumed = buf.get(..amount).unwrap_or(buf);
            self.lines += consumed.iter().filter(|c| **c == b'\n').count() as u64;
        }
        self.inner.consume(amount);
    }
}

/// The way being read: its id, tags and node references.
#[derive(Default)]
struct OpenWay {
    id: i64,
    skip: bool,
    tags: Vec<(String, String)>,
    refs: Vec<i64>,
}

pub(crate) fn read(input: impl BufRead, mut tick: impl FnMut()) -> Result<(Network, OsmReport)> {
    let mut reader = Reader::from_reader(LineCounter { inner: input, lines: 0 });
    let mut buf = Vec::new();
    let mut positions: HashMap<i64, E7> = HashMap::new();
    let mut ways = OsmWays::default();
    let mut way: Option<OpenWay> = None;
    let mut saw_osm = false;
    let mut events = 0u64;
    loop {
        buf.clear();
        let event = reader.read_event_into(&mut buf);
        let line = reader.get_ref().lines + 1;
        let fail = |problem: String| RoadsError::Xml { line, problem };
        events += 1;
        if events.is_multiple_of(65_536) {
            tick();
        }
        match event.map_err(|e| fail(e.to_string()))? {
            Event::Start(e) | Event::Empty(e) if e.name().as_ref() == "osm" => saw_osm = true,
            Event::Start(e) | Event::Empty(e) if e.name().as_ref() == "node" => {
                let attrs = Attrs::read(&e).map_err(fail)?;
                if attrs.skip() {
                    continue;
                }
                let id = attrs.int("node", "id").map_err(fail)?;
                let what = format!("node {id}");
                let lat = attrs.float(&what, "lat").map_err(fail)?;
                let lon = attrs.float(&what, "lon").map_err(fail)?;
                let p = E7::from_degrees(lat, lon).ok_or_else(|| {
                    fail(format!("{what}: position lat {lat}, lon {lon} is out of range"))
                })?;
                positions.insert(id, p);
            }
            Event::Start(e) if e.name().as_ref() == "way" => {
                let attrs = Attrs::read(&e).map_err(fail)?;
                let id = attrs.int("way", "id").map_err(fail)?;
                way = Some(OpenWay { id, skip: attrs.skip(), ..OpenWay::default() });
            }
            Event::Empty(e) if e.name().as_ref() == "way" => {
                // A way with no nodes and no tags: nothing to drive on.
                Attrs::read(&e).map_err(fail)?.int("way", "id").map_err(fail)?;
            }
            Event::Start(e) | Event::Empty(e) if e.name().as_ref() == "nd" => {
                if let Some(open) = way.as_mut() {
                    let what = format!("way {}: nd", open.id);
                    open.refs.push(Attrs::read(&e).map_err(fail)?.int(&what, "ref").map_err(fail)?);
                }
            }
            Event::Start(e) | Event::Empty(e) if e.name().as_ref() == "tag" => {
                if let Some(open) = way.as_mut() {
                    let attrs = Attrs::read(&e).map_err(fail)?;
                    let what = format!("way {}: tag", open.id);
                    let k = attrs.text(&what, "k").map_err(fail)?;
                    let v = attrs.text(&what, "v").map_err(fail)?;
                    open.tags.push((k, v));
                }
            }
            Event::End(e) if e.name().as_ref() == "way" => {
                if let Some(open) = way.take()
                    && !open.skip
                {
                    let tags: Vec<(&str, &str)> =
                        open.tags.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                    ways.add_way(open.id, &tags, open.refs.into_iter());
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !saw_osm {
        return Err(RoadsError::Xml {
            line: 1,
            problem: "no <osm> element: this is XML, but not OpenStreetMap XML".into(),
        });
    }
    ways.report.nodes_read = positions.len();
    ways.into_network(|id| positions.get(&id).copied())
}

/// An element's attributes, read once.
struct Attrs(Vec<(String, String)>);

impl Attrs {
    fn read(e: &BytesStart<'_>) -> Result<Self, String> {
        let name = e.name().as_ref().to_owned();
        let mut out = Vec::new();
        for attr in e.attributes() {
            let attr = attr.map_err(|err| format!("<{name}>: {err}"))?;
            let key = attr.key.as_ref().to_owned();
            let value = attr
                .normalized_value(XmlVersion::Implicit1_0)
                .map_err(|err| format!("<{name}> attribute {key}: {err}"))?
                .into_owned();
            out.push((key, value));
        }
        Ok(Self(out))
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    fn skip(&self) -> bool {
        self.get("action") == Some("delete") || self.get("visible") == Some("false")
    }

    fn text(&self, what: &str, key: &str) -> Result<String, String> {
        self.get(key).map(str::to_owned).ok_or_else(|| format!("{what} has no {key} attribute"))
    }

    fn int(&self, what: &str, key: &str) -> Result<i64, String> {
        let v = self.get(key).ok_or_else(|| format!("{what} has no {key} attribute"))?;
        v.trim().parse().map_err(|_| format!("{what}: {key} {v:?} is not a whole number"))
    }

    fn float(&self, what: &str, key: &str) -> Result<f64, String> {
        let v = self.get(key).ok_or_else(|| format!("{what} has no {key} attribute"))?;
        v.trim().parse().map_err(|_| format!("{what}: {key} {v:?} is not a number"))
    }
}
