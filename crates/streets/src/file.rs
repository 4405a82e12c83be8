//! The streets file and the address file: a magic word, a version, the values, and a CRC-32 of
//! everything before it. Loading checks the checksum first and then every value (positions in
//! range, names UTF-8, counts matching the bytes), so a damaged or foreign file is an error,
//! never a wrong map.
//!
//! Streets (`CBSTREET`, version 1): the attribution (`u16` length and UTF-8, empty for none),
//! the names (`u32` count, each `u16` length and UTF-8
//! bytes), then the lines (`u32` count, each a `u32` name index or `u32::MAX`, a `u8` class, a
//! `u32` point count of at least two and the points as `i32` latitude and longitude in 1e-7
//! degrees). All little-endian.

use roads::{E7, RoadClass, RoadLine};

use crate::StreetsError;
use crate::map::{NO_NAME, StreetMap};

const STREETS_MAGIC: &[u8; 8] = b"CBSTREET";
pub const STREETS_VERSION: u32 = 1;

/// Whether the bytes start like a streets file.
pub fn is_streets_file(bytes: &[u8]) -> bool {
    bytes.starts_with(STREETS_MAGIC)
}

/// The streets file of a map.
pub fn streets_to_bytes(map: &StreetMap) -> Vec<u8> {
    let mut out = Writer::new(STREETS_MAGIC, STREETS_VERSION);
    out.text(map.attribution().unwrap_or_default());
    out.u32(map.names.len() as u32);
    for name in &map.names {
        out.text(name);
    }
    out.u32(map.lines.len() as u32);
    for line in &map.lines {
        let points = map.points_of(line);
        out.u32(line.name);
        out.bytes.push(line.class.index());
        out.u32(points.len() as u32);
        for p in points {
            out.i32(p.lat);
            out.i32(p.lon);
        }
    }
    out.finish()
}

/// Reads a streets file (see the module docs).
pub fn streets_from_bytes(bytes: &[u8]) -> Result<StreetMap, StreetsError> {
    let mut r = Reader::open(bytes, STREETS_MAGIC, STREETS_VERSION, "streets")?;
    let attribution = r.text()?;
    let name_count = r.count(2)?;
    let mut names = Vec::with_capacity(name_count);
    for _ in 0..name_count {
        names.push(r.text()?);
    }
    let line_count = r.count(13)?;
    let mut lines = Vec::with_capacity(line_count);
    for i in 0..line_count {
        let name = r.u32()?;
        let class = RoadClass::from_index(r.u8()?)
            .ok_or_else(|| bad(format!("line {i} has an unknown road class")))?;
        let n = r.count(8)?;
        if n < 2 {
            return Err(bad(format!("line {i} has {n} points; a line needs two")));
        }
        let mut points = Vec::with_capacity(n);
        for _ in 0..n {
            points.push(r.position()?);
        }
        let name = match name {
            NO_NAME => None,
            id => Some(
                names
                    .get(id as usize)
                    .cloned()
                    .ok_or_else(|| bad(format!("line {i} names name {id} of {name_count}")))?,
            ),
        };
        lines.push(RoadLine { name, class, points });
    }
    r.end()?;
    Ok(StreetMap::new(lines).with_attribution(Some(attribution)))
}

pub(crate) fn bad(problem: String) -> StreetsError {
    StreetsError::Format(problem)
}

/// Writes a file: magic, version, values, CRC-32.
pub(crate) struct Writer {
    pub bytes: Vec<u8>,
}

impl Writer {
    pub fn new(magic: &[u8; 8], version: u32) -> Self {
        let mut w = Self { bytes: magic.to_vec() };
        w.u32(version);
        w
    }

    pub fn u32(&mut self, v: u32) {
        self.bytes.extend_from_slice(&v.to_le_bytes());
    }

    pub fn i32(&mut self, v: i32) {
        self.bytes.extend_from_slice(&v.to_le_bytes());
    }

    /// A string, cut at a character boundary to 65,535 bytes.
    pub fn text(&mut self, s: &str) {
        let mut end = s.len().min(usize::from(u16::MAX));
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        let cut = s.get(..end).unwrap_or_default();
        self.bytes.extend_from_slice(&(cut.len() as u16).to_le_bytes());
        self.bytes.extend_from_slice(cut.as_bytes());
    }

    pub fn finish(mut self) -> Vec<u8> {
        let crc = crc32fast::hash(&self.bytes);
        self.u32(crc);
        self.bytes
    }
}

/// Reads a file written by [`Writer`], every read bounds-checked.
pub(crate) struct Reader<'a> {
    body: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    /// Checks the magic word, the checksum and the version.
    pub fn open(
        bytes: &'a [u8],
        magic: &[u8; 8],
        version: u32,
        what: &str,
    ) -> Result<Self, StreetsError> {
        if !bytes.starts_with(magic) {
            return Err(bad(format!(
                "not a {what} file (it does not start with {:?})",
                String::from_utf8_lossy(magic)
            )));
        }
        let Some(split) = bytes.len().checked_sub(4).filter(|n| *n >= 12) else {
            return Err(bad(format!("the {what} file is cut short")));
        };
        let (body, crc) = bytes.split_at(split);
        let stored = u32::from_le_bytes(crc.try_into().unwrap_or_default());
        if crc32fast::hash(body) != stored {
            return Err(bad(format!("the {what} file is damaged (its checksum does not match)")));
        }
        let mut r = Self { body, at: magic.len() };
        let found = r.u32()?;
        if found != version {
            return Err(bad(format!(
                "the {what} file is version {found}; this Crisisbridge reads version {version}: import it again"
            )));
        }
        Ok(r)
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], StreetsError> {
        let slice = self
            .at
            .checked_add(n)
            .and_then(|end| self.body.get(self.at..end))
            .ok_or_else(|| bad("the file ends in the middle of a value".into()))?;
        self.at += n;
        Ok(slice)
    }

    pub fn u8(&mut self) -> Result<u8, StreetsError> {
        Ok(self.take(1)?.first().copied().unwrap_or_default())
    }

    pub fn u32(&mut self) -> Result<u32, StreetsError> {
        Ok(u32::from_le_bytes(self.take(4)?.try_into().unwrap_or_default()))
    }

    pub fn i32(&mut self) -> Result<i32, StreetsError> {
        Ok(i32::from_le_bytes(self.take(4)?.try_into().unwrap_or_default()))
    }

    /// A count of items each at least `min_bytes` long, checked against what is left.
    pub fn count(&mut self, min_bytes: usize) -> Result<usize, StreetsError> {
        let n = self.u32()? as usize;
        if n.saturating_mul(min_bytes) > self.body.len() - self.at {
            return Err(bad(format!("a count of {n} is more than the file holds")));
        }
        Ok(n)
    }

    pub fn text(&mut self) -> Result<String, StreetsError> {
        let len = u16::from_le_bytes(self.take(2)?.try_into().unwrap_or_default());
        let bytes = self.take(usize::from(len))?;
        String::from_utf8(bytes.to_vec()).map_err(|_| bad("a name is not UTF-8".into()))
    }

    pub fn position(&mut self) -> Result<E7, StreetsError> {
        let p = E7 { lat: self.i32()?, lon: self.i32()? };
        if p.is_valid() { Ok(p) } else { Err(bad("a position is out of range".into())) }
    }

    pub fn end(&self) -> Result<(), StreetsError> {
        if self.at == self.body.len() {
            Ok(())
        } else {
            Err(bad(format!("{} bytes follow the last value", self.body.len() - self.at)))
        }
    }
}
