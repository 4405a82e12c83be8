//! Agencies' incident lists and searches (see [`store::search`]), written once for both
//! databases. Each statement reads one index of `incident_index` or `incident_terms` in its
//! order and stops at the page's end, so its cost does not grow with the agency's history:
//!
//! - the live board reads `incident_index_live` once per status and channel asked for (a few
//!   short ranges, merged);
//! - a search starts from the most selective index its filters allow — an incident's id, the
//!   first word, the callback number, the outcome, the open statuses, or the opening time —
//!   and tests the other filters on the rows it meets.

use domain::{Channel, Incident, IncidentStatus};
use store::search::{Cursor, IncidentSearch, SearchPage};
use store::{IncidentFilter, Result, codec};

use super::db_err;
use super::dialect::{self as d, Connection};
use super::rows::get;

type Query<'q> = sqlx::query::Query<'q, d::Db, <d::Db as sqlx::Database>::Arguments>;

/// A value a built statement binds.
enum Value {
    Id(uuid::Uuid),
    Text(String),
    Int(i64),
}

/// A statement built piece by piece: its SQL, with `$n` placeholders numbered as values are
/// added, and the values.
#[derive(Default)]
struct Statement {
    sql: String,
    values: Vec<Value>,
}

impl Statement {
    /// Adds `value` and returns its placeholder.
    fn value(&mut self, value: Value) -> String {
        self.values.push(value);
        format!("${}", self.values.len())
    }

    fn query(&self) -> Query<'_> {
        let mut query: Query<'_> = sqlx::query(sqlx::AssertSqlSafe(self.sql.clone()));
        for value in &self.values {
            query = match value {
                Value::Id(id) => query.bind(d::id(*id)),
                Value::Text(text) => query.bind(text.clone()),
                Value::Int(n) => query.bind(*n),
            };
        }
        query
    }
}

/// Each of `statuses` once, in a fixed order, however often the request names it.
fn each_once(statuses: &[IncidentStatus]) -> impl Iterator<Item = IncidentStatus> + '_ {
    IncidentStatus::ALL.into_iter().filter(|s| statuses.contains(s))
}

/// The live board of one agency: incidents in `filter`'s statuses (every open one by default)
/// and channel, most recently updated first.
pub(crate) async fn board(
    conn: &mut Connection,
    agency: domain::AgencyId,
    filter: &IncidentFilter,
) -> Result<Vec<Incident>> {
    let statuses: Vec<IncidentStatus> = if filter.statuses.is_empty() {
        IncidentStatus::ALL.into_iter().filter(|s| *s != IncidentStatus::Closed).collect()
    } else {
        each_once(&filter.statuses).collect()
    };
    let channels: Vec<Channel> = filter.channel.map_or_else(|| Channel::ALL.to_vec(), |c| vec![c]);
    let mut s = Statement::default();
    let limit = i64::from(filter.limit);
    let mut ranges = Vec::new();
    for status in &statuses {
        for channel in &channels {
            let (a, st, ch, n) = (
                s.value(Value::Id(agency.as_uuid())),
                s.value(Value::Text(status.as_str().to_owned())),
                s.value(Value::Text(channel.as_str().to_owned())),
                s.value(Value::Int(limit)),
            );
            ranges.push(format!(
                "SELECT * FROM (SELECT incident_id, updated_at FROM incident_index \
                 WHERE agency_id = {a} AND status = {st} AND channel = {ch} \
                 ORDER BY updated_at DESC, incident_id DESC LIMIT {n}) r{}",
                ranges.len()
            ));
        }
    }
    let n = s.value(Value::Int(limit));
    s.sql = format!(
        "SELECT i.state FROM ({}) x JOIN incidents i ON i.id = x.incident_id \
         ORDER BY x.updated_at DESC, x.incident_id DESC LIMIT {n}",
        ranges.join(" UNION ALL ")
    );
    let found = s.query().fetch_all(&mut *conn).await.map_err(db_err)?;
    found.iter().map(|r| codec::decode_incident(&get::<String>(r, "state")?)).collect()
}

/// `agency`'s follow-up queue (`follow_up_queue_due`, in order), and how many are overdue.
pub(crate) async fn follow_up_queue(
    conn: &mut Connection,
    agency: domain::AgencyId,
    now: domain::Timestamp,
    limit: u32,
) -> Result<store::FollowUpQueue> {
    let found = sqlx::query(
        "SELECT i.state FROM (SELECT incident_id, due FROM follow_up_queue WHERE agency_id = $1 \
         ORDER BY due, incident_id LIMIT $2) q JOIN incidents i ON i.id = q.incident_id \
         ORDER BY q.due, q.incident_id",
    )
    .bind(d::id(agency.as_uuid()))
    .bind(i64::from(limit))
    .fetch_all(&mut *conn)
    .await
    .map_err(db_err)?;
    let incidents = found
        .iter()
        .map(|r| codec::decode_incident(&get::<String>(r, "state")?))
        .collect::<Result<Vec<_>>>()?;
    let (total, overdue): (i64, Option<i64>) = sqlx::query_as(
        "SELECT COUNT(*), SUM(CASE WHEN due < $2 THEN 1 ELSE 0 END) FROM follow_up_queue \
         WHERE agency_id = $1",
    )
    .bind(d::id(agency.as_uuid()))
    .bind(now.as_millis())
    .fetch_one(&mut *conn)
    .await
    .map_err(db_err)?;
    Ok(store::FollowUpQueue {
        incidents,
        total: u64::try_from(total).unwrap_or_default(),
        overdue: u64::try_from(overdue.unwrap_or_default()).unwrap_or_default(),
    })
}

/// Postings counted per word when choosing which word a search starts from: enough to tell a
/// rare word from a common one, few enough to cost well under a millisecond each.
const PROBE: i64 = 2_000;

/// `words` rarest first, as far as [`PROBE`] postings of each tell: a search walks the first
/// word's postings and tests the others, so starting from the rarest walks the fewest.
async fn rarest_first(
    conn: &mut Connection,
    agency: domain::AgencyId,
    words: &[String],
) -> Result<Vec<String>> {
    let mut counted = Vec::with_capacity(words.len());
    for word in words {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM (SELECT 1 FROM incident_terms WHERE agency_id = $1 AND term = $2 LIMIT $3) p",
        )
        .bind(d::id(agency.as_uuid()))
        .bind(word)
        .bind(PROBE)
        .fetch_one(&mut *conn)
        .await
        .map_err(db_err)?;
        counted.push((n, word.clone()));
    }
    counted.sort();
    Ok(counted.into_iter().map(|(_, w)| w).collect())
}

/// One page of `search`.
pub(crate) async fn search(conn: &mut Connection, search: &IncidentSearch) -> Result<SearchPage> {
    let words = if search.words.len() > 1 {
        rarest_first(conn, search.agency, &search.words).await?
    } else {
        search.words.clone()
    };
    let mut s = Statement::default();
    let agency = s.value(Value::Id(search.agency.as_uuid()));
    // The rows met in order (`k`, with `opened_at` and `incident_id`), and the filters.
    let mut filters = Vec::new();
    let (from, key) = if let Some((first, rest)) = words.split_first() {
        let term = s.value(Value::Text(first.clone()));
        filters.push(format!("k.agency_id = {agency} AND k.term = {term}"));
        for word in rest {
            let term = s.value(Value::Text(word.clone()));
            filters.push(format!(
                "EXISTS (SELECT 1 FROM incident_terms t WHERE t.agency_id = k.agency_id \
                 AND t.incident_id = k.incident_id AND t.term = {term})"
            ));
        }
        (
            "incident_terms k JOIN incident_index x ON x.agency_id = k.agency_id \
             AND x.incident_id = k.incident_id"
                .to_owned(),
            "k",
        )
    } else if !search.statuses.is_empty()
        && search.callback.is_none()
        && search.disposition.is_none()
        && search.id.is_none()
    {
        // By status: one ordered range of `incident_index_status_opened` per status, each
        // stopped at the page's end, merged — as cheap for the few open incidents as for a
        // million closed ones, whatever a planner's statistics say.
        let mut ranges = Vec::new();
        for status in each_once(&search.statuses) {
            let st = s.value(Value::Text(status.as_str().to_owned()));
            let mut conditions = vec![format!("agency_id = {agency}"), format!("status = {st}")];
            if let Some(channel) = search.channel {
                conditions.push(format!(
                    "channel = {}",
                    s.value(Value::Text(channel.as_str().to_owned()))
                ));
            }
            if let Some(at) = search.from {
                conditions.push(format!("opened_at >= {}", s.value(Value::Int(at.as_millis()))));
            }
            if let Some(at) = search.to {
                conditions.push(format!("opened_at < {}", s.value(Value::Int(at.as_millis()))));
            }
            if let Some(after) = search.after {
                let (at, id) = (
                    s.value(Value::Int(after.opened_at.as_millis())),
                    s.value(Value::Id(after.incident.as_uuid())),
                );
                conditions.push(format!("(opened_at, incident_id) < ({at}, {id})"));
            }
            let n = s.value(Value::Int(i64::from(search.limit) + 1));
            ranges.push(format!(
                "SELECT * FROM (SELECT agency_id, incident_id, status, channel, opened_at \
                 FROM incident_index WHERE {} ORDER BY opened_at DESC, incident_id DESC LIMIT {n}) r{}",
                conditions.join(" AND "),
                ranges.len()
            ));
        }
        (format!("({}) x", ranges.join(" UNION ALL ")), "x")
    } else {
        filters.push(format!("x.agency_id = {agency}"));
        ("incident_index x".to_owned(), "x")
    };
    if let Some(id) = search.id {
        let id = s.value(Value::Id(id.as_uuid()));
        filters.push(format!("x.incident_id = {id}"));
    }
    if let Some(number) = &search.callback {
        let number = s.value(Value::Text(number.as_str().to_owned()));
        filters.push(format!("x.callback = {number}"));
    }
    if let Some(disposition) = search.disposition {
        let disposition = s.value(Value::Text(disposition.as_str().to_owned()));
        filters.push(format!("x.disposition = {disposition}"));
    }
    if let Some(channel) = search.channel {
        let channel = s.value(Value::Text(channel.as_str().to_owned()));
        filters.push(format!("x.channel = {channel}"));
    }
    if !search.statuses.is_empty() {
        // Each status once, however often the search names it.
        let listed: Vec<String> =
            search.statuses.iter().map(|st| s.value(Value::Text(st.as_str().to_owned()))).collect();
        filters.push(format!("x.status IN ({})", listed.join(", ")));
    }
    if let Some(at) = search.from {
        let at = s.value(Value::Int(at.as_millis()));
        filters.push(format!("{key}.opened_at >= {at}"));
    }
    if let Some(at) = search.to {
        let at = s.value(Value::Int(at.as_millis()));
        filters.push(format!("{key}.opened_at < {at}"));
    }
    if let Some(after) = search.after {
        let (at, id) = (
            s.value(Value::Int(after.opened_at.as_millis())),
            s.value(Value::Id(after.incident.as_uuid())),
        );
        filters.push(format!("({key}.opened_at, {key}.incident_id) < ({at}, {id})"));
    }
    // One more than the page: whether there is a next page.
    let n = s.value(Value::Int(i64::from(search.limit) + 1));
    s.sql = format!(
        "SELECT i.state, {key}.opened_at AS opened_at FROM {from} \
         JOIN incidents i ON i.id = x.incident_id WHERE {} \
         ORDER BY {key}.opened_at DESC, {key}.incident_id DESC LIMIT {n}",
        filters.join(" AND ")
    );
    let found = s.query().fetch_all(&mut *conn).await.map_err(db_err)?;
    let mut incidents = found
        .iter()
        .map(|r| codec::decode_incident(&get::<String>(r, "state")?))
        .collect::<Result<Vec<_>>>()?;
    let next = if incidents.len() > search.limit as usize {
        incidents.truncate(search.limit as usize);
        incidents.last().map(|i| Cursor { opened_at: i.opened_at, incident: i.id })
    } else {
        None
    };
    Ok(SearchPage { incidents, next })
}
