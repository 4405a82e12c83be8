//! The schema's one source: every migration written once, in `migrations/`, for both databases.
//!
//! A migration file is SQL with two kinds of markup:
//!
//! - **Types and expressions** that the databases spell differently, in braces:
//!   `{id}` (a UUID: `TEXT` on SQLite, `UUID` on PostgreSQL), `{int64}`, `{real}`, `{bool}`,
//!   `{now_ms}` (the current UTC epoch milliseconds) and `{without_rowid}` (SQLite's clustered
//!   tables; nothing on PostgreSQL).
//! - **Statements only one database has**, between a `-- @sqlite` or `-- @postgres` line and
//!   the next `-- @both` (or the end of the file): triggers (SQLite's `RAISE(ABORT)` against
//!   PostgreSQL's trigger functions) and the head rows PostgreSQL locks to serialize writers
//!   across nodes, where SQLite has one writer at a time.
//!
//! Each is applied at open, in order, once; a new migration is appended and none is ever edited.
//! `tests/it/schema.rs` checks that the two databases end up with the same tables, columns,
//! keys and indexes.

/// The database a migration is rendered for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    /// What a `{name}` placeholder stands for, or `None` for a name no migration may use.
    fn spell(self, name: &str) -> Option<&'static str> {
        use Dialect::{Postgres, Sqlite};
        Some(match (name, self) {
            ("id", Sqlite) => "TEXT",
            ("id", Postgres) => "UUID",
            ("int64", Sqlite) => "INTEGER",
            ("int64", Postgres) => "BIGINT",
            ("real", Sqlite) => "REAL",
            ("real", Postgres) => "DOUBLE PRECISION",
            ("bool", Sqlite) => "INTEGER",
            ("bool", Postgres) => "BOOLEAN",
            ("now_ms", Sqlite) => "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)",
            ("now_ms", Postgres) => "(extract(epoch from clock_timestamp()) * 1000)::bigint",
            ("without_rowid", Sqlite) => "WITHOUT ROWID",
            ("without_rowid", Postgres) => "",
            _ => return None,
        })
    }

    fn marker(self) -> &'static str {
        match self {
            Dialect::Sqlite => "-- @sqlite",
            Dialect::Postgres => "-- @postgres",
        }
    }
}

/// One step of the schema.
#[derive(Debug)]
pub(crate) struct Migration {
    /// Its number: the order it is applied in, and what `schema_migrations` records.
    pub version: i64,
    source: &'static str,
}

macro_rules! migration {
    ($version:literal, $file:literal) => {
        Migration { version: $version, source: include_str!(concat!("../migrations/", $file)) }
    };
}

/// Every migration, in order.
pub(crate) const MIGRATIONS: &[Migration] = &[
    migration!(1, "0001_init.sql"),
    migration!(2, "0002_protocols.sql"),
    migration!(3, "0003_routing.sql"),
    migration!(4, "0004_teams.sql"),
    migration!(5, "0005_external_ids.sql"),
    migration!(6, "0006_team_members.sql"),
    migration!(7, "0007_audit.sql"),
    migration!(8, "0008_user_admin.sql"),
    migration!(9, "0009_totp.sql"),
    migration!(10, "0010_event_chain.sql"),
    migration!(11, "0011_call_timing.sql"),
    migration!(12, "0012_incident_search.sql"),
    migration!(13, "0013_shift_log.sql"),
    migration!(14, "0014_follow_ups.sql"),
    migration!(15, "0015_facilities.sql"),
    migration!(16, "0016_place_tables.sql"),
    migration!(17, "0017_received_eidos.sql"),
];

/// The migration that made agencies' list and search index: applying it also indexes the
/// incidents already stored, in the same transaction.
pub(crate) const INCIDENT_INDEX: i64 = 12;

/// The newest schema version.
#[cfg(test)]
fn latest() -> i64 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

impl Migration {
    /// The migration's SQL for `dialect`. Markup it does not know is an error that names the
    /// migration and the line, so a mistake fails the tests rather than reaching a database.
    pub(crate) fn sql(&self, dialect: Dialect) -> Result<String, String> {
        let mut out = String::with_capacity(self.source.len());
        let mut included = true;
        for (n, line) in self.source.lines().enumerate() {
            let at = || format!("migration {} line {}", self.version, n + 1);
            let marker = line.trim_end();
            if marker.starts_with("-- @") {
                included = match marker {
                    "-- @both" => true,
                    "-- @sqlite" | "-- @postgres" => marker == dialect.marker(),
                    other => return Err(format!("{}: unknown section {other:?}", at())),
                };
                continue;
            }
            if !included {
                continue;
            }
            let mut rest = line;
            while let Some(open) = rest.find('{') {
                let (before, after) = rest.split_at(open);
                out.push_str(before);
                let close =
                    after.find('}').ok_or_else(|| format!("{}: unclosed {{ in {line:?}", at()))?;
                let name = after.get(1..close).unwrap_or_default();
                let spelled = dialect
                    .spell(name)
                    .ok_or_else(|| format!("{}: unknown placeholder {{{name}}}", at()))?;
                out.push_str(spelled);
                rest = after.get(close + 1..).unwrap_or_default();
            }
            out.push_str(rest);
            out.push('\n');
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn every_migration_renders_for_both_databases() {
        for m in MIGRATIONS {
            for dialect in [Dialect::Sqlite, Dialect::Postgres] {
                let sql = m.sql(dialect).unwrap();
                assert!(!sql.contains('{') && !sql.contains('}'), "{}: {sql}", m.version);
                assert!(!sql.contains("-- @"), "{}", m.version);
            }
        }
    }

    #[test]
    fn versions_count_up_from_one() {
        for (i, m) in MIGRATIONS.iter().enumerate() {
            assert_eq!(m.version, i64::try_from(i).unwrap() + 1);
        }
        // Every file in migrations/ is listed: one added but forgotten would never run.
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
        let files = std::fs::read_dir(dir).unwrap().filter_map(|e| e.ok()).count();
        assert_eq!(latest(), i64::try_from(files).unwrap());
    }

    fn migration(source: &'static str) -> Migration {
        Migration { version: 99, source }
    }

    #[test]
    fn sections_keep_only_their_databases_lines() {
        let m = migration("A {id};\n-- @sqlite\nB;\n-- @postgres\nC {real};\n-- @both\nD;\n");
        assert_eq!(m.sql(Dialect::Sqlite).unwrap(), "A TEXT;\nB;\nD;\n");
        assert_eq!(m.sql(Dialect::Postgres).unwrap(), "A UUID;\nC DOUBLE PRECISION;\nD;\n");
    }

    #[test]
    fn unknown_markup_is_refused_with_its_place() {
        let e = migration("CREATE TABLE t (x {uuid});").sql(Dialect::Sqlite).unwrap_err();
        assert_eq!(e, "migration 99 line 1: unknown placeholder {uuid}");
        let e = migration("x\n-- @mysql\n").sql(Dialect::Postgres).unwrap_err();
        assert_eq!(e, "migration 99 line 2: unknown section \"-- @mysql\"");
        let e = migration("x {id").sql(Dialect::Postgres).unwrap_err();
        assert!(e.starts_with("migration 99 line 1: unclosed {"), "{e}");
    }
}
