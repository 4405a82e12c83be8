//! Each agency's shift log: handover notes one shift leaves the next ("bridge closed on K-10,
//! the backup center is short two counselors tonight"), and who acknowledged reading each.
//! Append-only: a note is never changed or removed; each reader acknowledges a note once.

use async_trait::async_trait;
use domain::{AgencyId, Text, Timestamp, UserId};
use uuid::Uuid;

use crate::Result;

/// The longest handover note, in characters.
pub const SHIFT_NOTE_MAX: usize = 4_000;

/// A handover note and who read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShiftNote {
    pub id: Uuid,
    pub agency: AgencyId,
    pub author: UserId,
    /// The author's name when writing it (kept, as users may be renamed).
    pub author_name: String,
    pub at: Timestamp,
    pub text: Text,
    /// Who acknowledged it, and when, in that order.
    pub read_by: Vec<ShiftNoteRead>,
}

/// One reader's acknowledgement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShiftNoteRead {
    pub user: UserId,
    pub name: String,
    pub at: Timestamp,
}

/// What acknowledging did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Acknowledged {
    Now,
    /// The reader had acknowledged it already; nothing was written.
    Already,
    /// No note with that id in the reader's agency.
    NoSuchNote,
}

#[async_trait]
pub trait ShiftLog: Send + Sync + 'static {
    /// Writes a note (its reads, if any, too: a copy brings them along).
    async fn add_shift_note(&self, note: &ShiftNote) -> Result<()>;

    /// The agency's notes written before `before` (all when `None`), newest first, at most
    /// `limit`.
    async fn shift_notes(
        &self,
        agency: AgencyId,
        before: Option<Timestamp>,
        limit: u32,
    ) -> Result<Vec<ShiftNote>>;

    /// Records that `reader` read note `id` of `agency`.
    async fn acknowledge_shift_note(
        &self,
        agency: AgencyId,
        id: Uuid,
        reader: &ShiftNoteRead,
    ) -> Result<Acknowledged>;

    /// Every agency's notes, oldest first: for copying a store.
    async fn all_shift_notes(&self) -> Result<Vec<ShiftNote>>;
}
