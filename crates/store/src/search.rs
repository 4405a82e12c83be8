//! What an agency's incident lists and searches read: one [`IndexRow`] per incident and agency
//! taking part, with the words of the text that agency may search, and the [`IncidentSearch`]
//! asked of it, paged by a keyset [`Cursor`] so a page costs the same at any history size.
//!
//! Every backend derives its rows here, from the incident's state alone, so a write, a rebuild
//! and a backfill all index the same thing.

use domain::{
    AgencyId, CallbackNumber, Channel, Disposition, Incident, IncidentId, IncidentStatus, Timestamp,
};

/// The longest word kept, in characters; longer words are cut to it, in the text and in a
/// query alike, so they still match.
pub const MAX_TERM_CHARS: usize = 32;

/// What one agency's lists and searches know of one incident.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexRow {
    pub agency: AgencyId,
    pub incident: IncidentId,
    pub status: IncidentStatus,
    pub channel: Channel,
    /// How the incident closed — only for an agency still taking part when it did.
    pub disposition: Option<Disposition>,
    pub callback: Option<CallbackNumber>,
    pub opened_at: Timestamp,
    pub updated_at: Timestamp,
    /// The distinct words the agency may search, sorted.
    pub terms: Vec<String>,
    /// When the agency's first open follow-up of the incident is due, if it has one: its
    /// place in the agency's follow-up queue.
    pub follow_up_due: Option<Timestamp>,
    /// A digest of `terms` and `follow_up_due`: a writer rewrites an agency's words and its
    /// queue entry only when it changes.
    pub terms_digest: i64,
}

/// One row per agency the incident involves.
///
/// An agency taking part ([`Incident::cutoff_for`] is `None`) searches the summary and every
/// note it may read ([`Incident::as_seen_by`]) and finds the incident by how it closed. An
/// agency whose part ended (it declined, or its offer timed out) searches only the summary and
/// its own notes, and not by the outcome: nothing written or decided after its part shows
/// through a search — at the price of not finding the incident by other agencies' earlier
/// notes.
pub fn index_rows(incident: &Incident) -> Vec<IndexRow> {
    incident.involved.iter().map(|&agency| index_row(incident, agency)).collect()
}

fn index_row(incident: &Incident, agency: AgencyId) -> IndexRow {
    let taking_part = incident.cutoff_for(agency).is_none();
    let mut terms: Vec<String> = terms_of(incident.summary.as_str()).collect();
    for note in &incident.notes {
        let readable = if taking_part {
            note.audience.reaches(note.agency, agency)
        } else {
            note.agency == agency
        };
        if readable {
            terms.extend(terms_of(note.text.as_str()));
        }
    }
    terms.sort_unstable();
    terms.dedup();
    let follow_up_due = incident.follow_up_due(agency);
    IndexRow {
        agency,
        incident: incident.id,
        status: incident.status(),
        channel: incident.channel,
        disposition: incident.closure.as_ref().filter(|_| taking_part).map(|c| c.disposition),
        callback: incident.callback.clone(),
        opened_at: incident.opened_at,
        updated_at: incident.updated_at,
        terms_digest: digest(&terms, follow_up_due),
        terms,
        follow_up_due,
    }
}

/// FNV-1a (64 bits) over the words, each ended by a newline, then — only when there is one —
/// the follow-up due time as `\0<ms>`: stable across builds and releases, so a stored digest
/// stays comparable, and the same as before follow-ups existed for an incident without one.
fn digest(terms: &[String], follow_up_due: Option<Timestamp>) -> i64 {
    let due = follow_up_due.map(|t| format!("\0{}", t.as_millis())).unwrap_or_default();
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in
        terms.iter().flat_map(|t| t.bytes().chain(std::iter::once(b'\n'))).chain(due.bytes())
    {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash.cast_signed()
}

/// The words of `text` as they are indexed and searched: runs of letters and digits,
/// lower-cased, of two characters or more, cut to [`MAX_TERM_CHARS`].
pub fn terms_of(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|word| word.chars().nth(1).is_some())
        .map(|word| word.chars().take(MAX_TERM_CHARS).flat_map(char::to_lowercase).collect())
}

/// Where a page of search results ends: the last incident's opening time and id. The next page
/// starts after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub opened_at: Timestamp,
    pub incident: IncidentId,
}

impl Cursor {
    /// The cursor as a client passes it back: `<epoch ms>.<id>`.
    pub fn encode(&self) -> String {
        format!("{}.{}", self.opened_at.as_millis(), self.incident)
    }

    /// Reads a cursor [`Cursor::encode`] wrote; `None` for anything else.
    pub fn decode(s: &str) -> Option<Self> {
        let (ms, id) = s.split_once('.')?;
        let opened_at = Timestamp::from_millis(ms.parse().ok()?);
        let incident = IncidentId::from_uuid(uuid::Uuid::parse_str(id).ok()?);
        Some(Self { opened_at, incident })
    }
}

/// A search of one agency's incidents, newest opened first. Every filter given must hold.
#[derive(Debug, Clone)]
pub struct IncidentSearch {
    pub agency: AgencyId,
    pub id: Option<IncidentId>,
    pub callback: Option<CallbackNumber>,
    /// Opened at or after.
    pub from: Option<Timestamp>,
    /// Opened before.
    pub to: Option<Timestamp>,
    /// Any of these statuses; empty means every status, closed included.
    pub statuses: Vec<IncidentStatus>,
    pub channel: Option<Channel>,
    pub disposition: Option<Disposition>,
    /// Words ([`terms_of`]) that must all be in the text the agency may search.
    pub words: Vec<String>,
    /// Only incidents after this one in the order.
    pub after: Option<Cursor>,
    pub limit: u32,
}

impl IncidentSearch {
    /// A search of everything `agency` may see, first page of `limit`.
    pub fn of(agency: AgencyId, limit: u32) -> Self {
        Self {
            agency,
            id: None,
            callback: None,
            from: None,
            to: None,
            statuses: Vec::new(),
            channel: None,
            disposition: None,
            words: Vec::new(),
            after: None,
            limit,
        }
    }
}

/// An agency's follow-up queue: its incidents with an open follow-up of its own, due first.
#[derive(Debug, Clone, PartialEq)]
pub struct FollowUpQueue {
    /// The first `limit`, in the order their follow-ups are due.
    pub incidents: Vec<Incident>,
    /// How many the queue holds in all.
    pub total: u64,
    /// How many of them were due before the time asked about.
    pub overdue: u64,
}

/// One page of results.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchPage {
    pub incidents: Vec<Incident>,
    /// Where the next page starts; `None` on the last page.
    pub next: Option<Cursor>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_are_lowercased_words_of_two_or_more_characters() {
        let found: Vec<String> = terms_of("Caller, 34, says: I'm OK — café. a").collect();
        assert_eq!(found, ["caller", "34", "says", "ok", "café"]);
    }

    #[test]
    fn long_words_are_cut_the_same_way_in_text_and_query() {
        let long = "x".repeat(50);
        let found: Vec<String> = terms_of(&long).collect();
        assert_eq!(found, ["x".repeat(MAX_TERM_CHARS)]);
    }

    #[test]
    fn the_digest_is_fixed_and_tells_word_lists_apart() {
        let words = |w: &[&str]| w.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        // FNV-1a of "a\n": a stored digest must mean the same in every build.
        assert_eq!(digest(&words(&["a"]), None), 0x089b_dc07_b544_e7b2_u64.cast_signed());
        assert_ne!(digest(&words(&["ab", "c"]), None), digest(&words(&["a", "bc"]), None));
        assert_ne!(digest(&words(&[]), None), digest(&words(&[""]), None));
        let due = |ms| Some(Timestamp::from_millis(ms));
        assert_ne!(digest(&words(&["a"]), None), digest(&words(&["a"]), due(1)));
        assert_ne!(digest(&words(&["a"]), due(1)), digest(&words(&["a"]), due(2)));
    }

    #[test]
    fn a_cursor_reads_back_and_rejects_junk() {
        let cursor = Cursor {
            opened_at: Timestamp::from_millis(1_700_000_000_123),
            incident: IncidentId::from_uuid(uuid::Uuid::now_v7()),
        };
        assert_eq!(Cursor::decode(&cursor.encode()), Some(cursor));
        for junk in ["", "12", "x.y", "12.not-a-uuid", ".0190a1b2-0000-7000-8000-000000000000"] {
            assert_eq!(Cursor::decode(junk), None, "{junk:?}");
        }
    }
}
