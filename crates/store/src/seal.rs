//! Sealing the audit trail with a key kept outside the database.
//!
//! Without a key, record `n`'s hash is a plain SHA-256 over record `n - 1`'s hash and its
//! fields ([`crate::audit::chain`]): it finds an edited or deleted row, but anyone who can
//! write the database can recompute every later hash. With a key, each record's hash is an
//! HMAC-SHA256 under it, written `hmac-sha256:<key id>:<hex>`, so nobody without the key can
//! make a record that verifies — and since each hash covers the one before, a sealed record
//! protects every record before it too.
//!
//! - **Keys** live in a key file ([`KeyRing::parse`]): one `<id> <hex secret>` per line, the
//!   last line the key that seals new records. Rotating is appending a line (`crisisbridge
//!   audit new-key`); old lines stay, to verify what they sealed.
//! - **Checkpoints** ([`Checkpoint`]): the head of the trail (sequence number and hash) with
//!   an HMAC under the current key, kept somewhere else. Against the last checkpoint,
//!   [`crate::audit::verify`] finds records deleted from the end — truncation — which no
//!   chain can show by itself.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use hmac::{KeyInit, Mac};
use sha2::Sha256;

use crate::audit::AuditEntry;

/// The prefix of a sealed record's hash.
pub const SEALED: &str = "hmac-sha256:";
/// The shortest secret accepted, in bytes.
pub const MIN_SECRET_BYTES: usize = 32;

type HmacSha256 = hmac::Hmac<Sha256>;

/// One key: its name, and its secret.
#[derive(Clone)]
pub struct AuditKey {
    pub id: String,
    secret: Vec<u8>,
}

impl std::fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditKey").field("id", &self.id).finish_non_exhaustive()
    }
}

impl AuditKey {
    /// A key from its id and secret.
    ///
    /// # Errors
    /// When the id is not a short name or the secret is shorter than [`MIN_SECRET_BYTES`].
    pub fn new(id: &str, secret: Vec<u8>) -> Result<Self, String> {
        let well_named = (1..=40).contains(&id.len())
            && id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if !well_named {
            return Err(format!(
                "key id {id:?}: use 1 to 40 letters, digits, '-', '_' or '.', e.g. 2026-12"
            ));
        }
        if secret.len() < MIN_SECRET_BYTES {
            return Err(format!(
                "key {id}: the secret has {} bytes; use at least {MIN_SECRET_BYTES} random ones",
                secret.len()
            ));
        }
        Ok(Self { id: id.to_owned(), secret })
    }

    fn mac(&self, message: &[u8]) -> String {
        // HMAC takes a key of any length: this cannot fail.
        let Ok(mut mac) = <HmacSha256 as KeyInit>::new_from_slice(&self.secret) else {
            return String::new();
        };
        mac.update(message);
        hex(&mac.finalize().into_bytes())
    }

    /// The sealed hash of record `seq` holding `entry`, after the record whose hash is
    /// `previous`.
    #[must_use]
    pub fn seal(&self, previous: &str, seq: u64, entry: &AuditEntry) -> String {
        self.seal_fields(&crate::audit::fields(previous, seq, entry))
    }

    /// The sealed hash of a chained row's fields (an audit record's or an event's).
    #[must_use]
    pub fn seal_fields(&self, fields: &str) -> String {
        format!("{SEALED}{}:{}", self.id, self.mac(fields.as_bytes()))
    }

    /// A line of the key file.
    #[must_use]
    pub fn to_line(&self) -> String {
        format!("{} {}", self.id, hex(&self.secret))
    }
}

/// The unkeyed hash of a chained row's fields: SHA-256, hex.
fn plain(fields: &str) -> String {
    use sha2::Digest;
    hex(&Sha256::digest(fields.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| text.get(i..i + 2).and_then(|pair| u8::from_str_radix(pair, 16).ok()))
        .collect()
}

/// Every key a trail may be sealed with; the last one seals new records.
#[derive(Debug, Clone, Default)]
pub struct KeyRing {
    keys: Vec<AuditKey>,
    by_id: HashMap<String, usize>,
}

impl KeyRing {
    /// Reads a key file: `<id> <hex secret>` per line; blank lines and `#` comments are
    /// skipped.
    ///
    /// # Errors
    /// With the line number, when a line is not a key or an id repeats.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut ring = Self::default();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut parts = line.split_whitespace();
            let (Some(id), Some(secret), None) = (parts.next(), parts.next(), parts.next()) else {
                return Err(format!("line {}: write `<id> <hex secret>`", n + 1));
            };
            let secret = unhex(secret)
                .ok_or_else(|| format!("line {}: the secret is not hexadecimal", n + 1))?;
            let key = AuditKey::new(id, secret).map_err(|e| format!("line {}: {e}", n + 1))?;
            ring.push(key).map_err(|e| format!("line {}: {e}", n + 1))?;
        }
        Ok(ring)
    }

    /// Adds a key, which becomes the current one.
    ///
    /// # Errors
    /// When its id is taken.
    pub fn push(&mut self, key: AuditKey) -> Result<(), String> {
        if self.by_id.contains_key(&key.id) {
            return Err(format!("key id {:?} appears twice", key.id));
        }
        self.by_id.insert(key.id.clone(), self.keys.len());
        self.keys.push(key);
        Ok(())
    }

    /// The key new records are sealed with.
    #[must_use]
    pub fn current(&self) -> Option<&AuditKey> {
        self.keys.last()
    }

    #[must_use]
    pub fn get(&self, id: &str) -> Option<&AuditKey> {
        self.by_id.get(id).and_then(|&i| self.keys.get(i))
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Recomputes a stored hash: `Ok(true)` when it matches, `Err` when it names a key this
    /// ring does not hold.
    ///
    /// # Errors
    /// When the record is sealed with a key the ring lacks.
    pub fn check(
        &self,
        stored: &str,
        previous: &str,
        seq: u64,
        entry: &AuditEntry,
    ) -> Result<bool, String> {
        self.check_fields(stored, &crate::audit::fields(previous, seq, entry))
    }

    /// Like [`KeyRing::check`], for any chained row's fields.
    ///
    /// # Errors
    /// When the row is sealed with a key the ring lacks.
    pub fn check_fields(&self, stored: &str, fields: &str) -> Result<bool, String> {
        match stored.strip_prefix(SEALED).and_then(|rest| rest.split_once(':')) {
            Some((id, _)) => match self.get(id) {
                Some(key) => Ok(key.seal_fields(fields) == stored),
                None => Err(format!(
                    "it is sealed with key {id:?}, which the key file given does not hold"
                )),
            },
            None => Ok(plain(fields) == stored),
        }
    }
}

/// What seals a store's new audit records: shared by the store and its writer, and set
/// when the server starts with a key file.
#[derive(Debug, Clone, Default)]
pub struct Sealer(Arc<RwLock<Option<AuditKey>>>);

impl Sealer {
    pub fn set(&self, key: Option<AuditKey>) {
        if let Ok(mut current) = self.0.write() {
            *current = key;
        }
    }

    /// Record `seq`'s hash: sealed with the current key, or a plain chain without one.
    #[must_use]
    pub fn hash(&self, previous: &str, seq: u64, entry: &AuditEntry) -> String {
        self.hash_fields(&crate::audit::fields(previous, seq, entry))
    }

    /// A chained row's hash from its fields: sealed with the current key, or plain SHA-256.
    #[must_use]
    pub fn hash_fields(&self, fields: &str) -> String {
        match self.0.read().ok().as_deref().and_then(Option::as_ref) {
            Some(key) => key.seal_fields(fields),
            None => plain(fields),
        }
    }
}

/// One chain checked link by link, the audit trail's or the event log's: each link's hash
/// recomputed with the ring's keys over its fields and the link before, a gap, a link not
/// sealed after sealed ones, a link other than the one a checkpoint saw, and — at the end —
/// links a checkpoint saw that are gone. Errors are `(sequence number, why)`.
#[derive(Debug)]
pub(crate) struct ChainWalk<'a> {
    ring: &'a KeyRing,
    /// What the links are called in messages: "record", "event".
    noun: &'static str,
    /// A checkpoint's `(sequence number, hash)`.
    seen: Option<(u64, &'a str)>,
    /// The last link checked.
    pub last: u64,
    pub sealed: u64,
    pub head: String,
}

impl<'a> ChainWalk<'a> {
    pub fn new(ring: &'a KeyRing, noun: &'static str, seen: Option<(u64, &'a str)>) -> Self {
        Self { ring, noun, seen, last: 0, sealed: 0, head: crate::audit::GENESIS.to_owned() }
    }

    /// Checks link `seq`, stored with `hash`, whose hashed fields `fields` gives from the hash
    /// before it.
    pub fn step(
        &mut self,
        seq: u64,
        hash: String,
        fields: impl FnOnce(&str) -> String,
    ) -> Result<(), (u64, String)> {
        let noun = self.noun;
        if seq != self.last + 1 {
            let first = self.last + 1;
            return Err((first, format!("{noun}s {first} to {} are missing", seq - 1)));
        }
        let sealed = hash.starts_with(SEALED);
        let why = match self.ring.check_fields(&hash, &fields(&self.head)) {
            Ok(true) if !sealed && self.sealed > 0 => Some(format!(
                "it is not sealed, though {noun}s before it are: the chain was rewritten without the key"
            )),
            Ok(true) => None,
            Ok(false) if sealed => Some(format!(
                "its sealed hash does not match its contents and the {noun} before: it was changed, or the chain rewritten"
            )),
            Ok(false) => Some(format!(
                "its hash does not match its contents and the {noun} before: it was changed"
            )),
            Err(why) => Some(why),
        };
        if let Some(why) = why {
            return Err((seq, why));
        }
        if self.seen.is_some_and(|(at, seen)| at == seq && seen != hash) {
            return Err((
                seq,
                format!(
                    "the checkpoint saw another {noun} here: the chain was rebuilt from this {noun} on"
                ),
            ));
        }
        self.last = seq;
        self.sealed += u64::from(sealed);
        self.head = hash;
        Ok(())
    }

    /// Skips link `seq`, which predates the chain.
    pub fn skip(&mut self, seq: u64) {
        self.last = seq;
    }

    /// After the last link: the links the checkpoint saw that are gone, if any.
    pub fn end(&self) -> Option<(u64, String)> {
        let (seen, _) = self.seen?;
        (seen > self.last).then(|| {
            let first = self.last + 1;
            (
                first,
                format!(
                    "{}s {first} to {seen} are missing from the end: the checkpoint saw them",
                    self.noun
                ),
            )
        })
    }
}

/// The head of the trail at a moment, signed: kept elsewhere, it shows records deleted from
/// the end.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Checkpoint {
    /// The last record's sequence number.
    pub seq: u64,
    /// The last record's hash.
    pub hash: String,
    /// When the checkpoint was taken, ms since the epoch.
    pub at_ms: i64,
    /// The event log's head then — its last event's sequence number and chain hash — when
    /// the checkpoint covers the log too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub events: Option<(u64, String)>,
    /// The key that signed it.
    pub key: String,
    /// HMAC-SHA256 over the fields above.
    pub mac: String,
}

impl Checkpoint {
    fn message(seq: u64, hash: &str, at_ms: i64, events: Option<&(u64, String)>) -> String {
        let mut message = format!("crisisbridge audit checkpoint\n{seq}\n{hash}\n{at_ms}");
        if let Some((events_seq, events_hash)) = events {
            message.push_str(&format!("\nevents {events_seq} {events_hash}"));
        }
        message
    }

    #[must_use]
    pub fn sign(key: &AuditKey, seq: u64, hash: &str, at_ms: i64) -> Self {
        Self::sign_with_events(key, seq, hash, at_ms, None)
    }

    /// A checkpoint of the audit trail and of the event log's head.
    #[must_use]
    pub fn sign_with_events(
        key: &AuditKey,
        seq: u64,
        hash: &str,
        at_ms: i64,
        events: Option<(u64, String)>,
    ) -> Self {
        Self {
            seq,
            hash: hash.to_owned(),
            at_ms,
            key: key.id.clone(),
            mac: key.mac(Self::message(seq, hash, at_ms, events.as_ref()).as_bytes()),
            events,
        }
    }

    /// Checks the signature.
    ///
    /// # Errors
    /// When the ring lacks the key or the signature does not match.
    pub fn check(&self, ring: &KeyRing) -> Result<(), String> {
        let key = ring.get(&self.key).ok_or_else(|| {
            format!("the checkpoint is signed with key {:?}, which the key file lacks", self.key)
        })?;
        let message = Self::message(self.seq, &self.hash, self.at_ms, self.events.as_ref());
        if key.mac(message.as_bytes()) == self.mac {
            Ok(())
        } else {
            Err("the checkpoint's signature does not match: it was altered".to_owned())
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use domain::Timestamp;

    fn entry() -> AuditEntry {
        AuditEntry {
            at: Timestamp::from_millis(1_700_000_000_000),
            user: None,
            agency: None,
            client: "127.0.0.1".into(),
            action: "GET /api/v1/incidents/{id}".into(),
            incident: None,
            outcome: 200,
        }
    }

    fn key(id: &str, byte: u8) -> AuditKey {
        AuditKey::new(id, vec![byte; 32]).unwrap()
    }

    #[test]
    fn a_sealed_hash_needs_the_key_and_names_it() {
        let (k1, k2) = (key("k1", 1), key("k2", 2));
        let sealed = k1.seal(crate::audit::GENESIS, 1, &entry());
        assert!(sealed.starts_with("hmac-sha256:k1:"), "{sealed}");
        assert_ne!(
            sealed,
            AuditKey { id: "k1".into(), ..k2.clone() }.seal(crate::audit::GENESIS, 1, &entry())
        );
        let mut ring = KeyRing::default();
        ring.push(k1).unwrap();
        assert_eq!(ring.check(&sealed, crate::audit::GENESIS, 1, &entry()), Ok(true));
        assert_eq!(ring.check(&sealed, crate::audit::GENESIS, 2, &entry()), Ok(false));
        let other = k2.seal(crate::audit::GENESIS, 1, &entry());
        assert!(ring.check(&other, crate::audit::GENESIS, 1, &entry()).is_err());
    }

    #[test]
    fn key_files_are_read_strictly_and_the_last_key_is_current() {
        let text =
            format!("# keys\n{}\n\n{}\n", key("2026-11", 1).to_line(), key("2026-12", 2).to_line());
        let ring = KeyRing::parse(&text).unwrap();
        assert_eq!(ring.current().unwrap().id, "2026-12");
        assert!(ring.get("2026-11").is_some());
        for (bad, says) in [
            ("k1 abcd", "at least 32"),
            ("k1 zz", "not hexadecimal"),
            ("k1", "write `<id> <hex secret>`"),
            ("k<1> 00", "key id"),
        ] {
            let err = KeyRing::parse(bad).unwrap_err();
            assert!(err.contains(says) && err.starts_with("line 1"), "{bad}: {err}");
        }
        let twice = format!("{}\n{}", key("k", 1).to_line(), key("k", 2).to_line());
        assert!(KeyRing::parse(&twice).unwrap_err().contains("twice"));
    }

    #[test]
    fn a_checkpoint_is_signed_and_any_change_to_it_is_found() {
        let k = key("k1", 7);
        let mut ring = KeyRing::default();
        ring.push(k.clone()).unwrap();
        let cp = Checkpoint::sign(&k, 42, "abc", 1_700_000_000_000);
        assert_eq!(cp.check(&ring), Ok(()));
        let moved = Checkpoint { seq: 41, ..cp.clone() };
        assert!(moved.check(&ring).is_err());
        let unknown = Checkpoint { key: "k9".into(), ..cp };
        assert!(unknown.check(&ring).unwrap_err().contains("lacks"));
        let both = Checkpoint::sign_with_events(&k, 42, "abc", 0, Some((7, "def".into())));
        assert_eq!(both.check(&ring), Ok(()));
        let shortened = Checkpoint { events: Some((6, "def".into())), ..both.clone() };
        assert!(shortened.check(&ring).is_err(), "the event head is signed too");
        let dropped = Checkpoint { events: None, ..both };
        assert!(dropped.check(&ring).is_err());
    }
}
