//! Agencies' shift logs ([`store::ShiftLog`]), written once for both databases: a note and its
//! acknowledgements are inserted, never changed (triggers refuse it); an acknowledgement is
//! keyed by note and reader, so a second one inserts nothing.

use std::collections::HashMap;

use async_trait::async_trait;
use domain::{AgencyId, Text, Timestamp, UserId};
use store::{Acknowledged, Result, SHIFT_NOTE_MAX, ShiftLog, ShiftNote, ShiftNoteRead};
use uuid::Uuid;

use super::db_err;
use super::dialect::{self as d, Row, Store};
use super::rows::{corrupt, get};

const NOTE_COLUMNS: &str =
    "SELECT id, agency_id, author_id, author_name, written_at, body FROM shift_notes";

fn note(row: &Row) -> Result<ShiftNote> {
    Ok(ShiftNote {
        id: d::uuid(row, "id")?,
        agency: AgencyId::from_uuid(d::uuid(row, "agency_id")?),
        author: UserId::from_uuid(d::uuid(row, "author_id")?),
        author_name: get(row, "author_name")?,
        at: Timestamp::from_millis(get(row, "written_at")?),
        text: Text::parse(&get::<String>(row, "body")?, SHIFT_NOTE_MAX).map_err(corrupt)?,
        read_by: Vec::new(),
    })
}

impl Store {
    /// `notes` with their reads filled in, in one query.
    async fn with_reads(&self, mut notes: Vec<ShiftNote>) -> Result<Vec<ShiftNote>> {
        if notes.is_empty() {
            return Ok(notes);
        }
        let placeholders: Vec<String> = (1..=notes.len()).map(|n| format!("${n}")).collect();
        let sql = format!(
            "SELECT note_id, user_id, user_name, read_at FROM shift_note_reads WHERE note_id IN ({}) \
             ORDER BY read_at, user_id",
            placeholders.join(", ")
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for n in &notes {
            query = query.bind(d::id(n.id));
        }
        let mut reads: HashMap<Uuid, Vec<ShiftNoteRead>> = HashMap::new();
        for row in query.fetch_all(&self.pool).await.map_err(db_err)? {
            reads.entry(d::uuid(&row, "note_id")?).or_default().push(ShiftNoteRead {
                user: UserId::from_uuid(d::uuid(&row, "user_id")?),
                name: get(&row, "user_name")?,
                at: Timestamp::from_millis(get(&row, "read_at")?),
            });
        }
        for n in &mut notes {
            n.read_by = reads.remove(&n.id).unwrap_or_default();
        }
        Ok(notes)
    }
}

#[async_trait]
impl ShiftLog for Store {
    async fn add_shift_note(&self, note: &ShiftNote) -> Result<()> {
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        sqlx::query(
            "INSERT INTO shift_notes (id, agency_id, author_id, author_name, written_at, body) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(d::id(note.id))
        .bind(d::id(note.agency.as_uuid()))
        .bind(d::id(note.author.as_uuid()))
        .bind(&note.author_name)
        .bind(note.at.as_millis())
        .bind(note.text.as_str())
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        for read in &note.read_by {
            sqlx::query(
                "INSERT INTO shift_note_reads (note_id, user_id, user_name, read_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(d::id(note.id))
            .bind(d::id(read.user.as_uuid()))
            .bind(&read.name)
            .bind(read.at.as_millis())
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        }
        tx.commit().await.map_err(db_err)
    }

    async fn shift_notes(
        &self,
        agency: AgencyId,
        before: Option<Timestamp>,
        limit: u32,
    ) -> Result<Vec<ShiftNote>> {
        let sql = format!(
            "{NOTE_COLUMNS} WHERE agency_id = $1 AND written_at < $2 \
             ORDER BY written_at DESC, id DESC LIMIT $3"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(d::id(agency.as_uuid()))
            .bind(before.map_or(i64::MAX, Timestamp::as_millis))
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        let notes = rows.iter().map(note).collect::<Result<Vec<_>>>()?;
        self.with_reads(notes).await
    }

    async fn acknowledge_shift_note(
        &self,
        agency: AgencyId,
        id: Uuid,
        reader: &ShiftNoteRead,
    ) -> Result<Acknowledged> {
        // Only a note of the reader's agency; a second acknowledgement inserts nothing.
        let inserted = sqlx::query(
            "INSERT INTO shift_note_reads (note_id, user_id, user_name, read_at) \
             SELECT id, $3, $4, $5 FROM shift_notes WHERE id = $1 AND agency_id = $2 \
             ON CONFLICT (note_id, user_id) DO NOTHING",
        )
        .bind(d::id(id))
        .bind(d::id(agency.as_uuid()))
        .bind(d::id(reader.user.as_uuid()))
        .bind(&reader.name)
        .bind(reader.at.as_millis())
        .execute(&self.pool)
        .await
        .map_err(db_err)?
        .rows_affected();
        if inserted > 0 {
            return Ok(Acknowledged::Now);
        }
        let exists: Option<String> =
            sqlx::query_scalar("SELECT body FROM shift_notes WHERE id = $1 AND agency_id = $2")
                .bind(d::id(id))
                .bind(d::id(agency.as_uuid()))
                .fetch_optional(&self.pool)
                .await
                .map_err(db_err)?;
        Ok(if exists.is_some() { Acknowledged::Already } else { Acknowledged::NoSuchNote })
    }

    async fn all_shift_notes(&self) -> Result<Vec<ShiftNote>> {
        let sql = format!("{NOTE_COLUMNS} ORDER BY written_at, id");
        let rows =
            sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(&self.pool).await.map_err(db_err)?;
        let notes = rows.iter().map(note).collect::<Result<Vec<_>>>()?;
        let mut out = Vec::with_capacity(notes.len());
        for chunk in notes.chunks(500) {
            out.extend(self.with_reads(chunk.to_vec()).await?);
        }
        Ok(out)
    }
}
