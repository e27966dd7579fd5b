//! Chinese full-text search of the information platform: announcements, the FAQ, projects and
//! enterprises, by substring (Chinese words are not separated by spaces, so a word search would
//! miss 环评 inside 环评报告书).
//!
//! The semantics are [`daiban_domain::consultation::matches`]: the normalized query (Latin
//! letters lower-cased, whitespace collapsed) is a substring of the normalized title and body.
//! Both databases implement exactly that, over the same normalized `doc` column of
//! `search_index`:
//! - SQLite: an FTS5 table with the `trigram` tokenizer (case-sensitive over the normalized
//!   text) answers queries of 3 characters or more with `MATCH` of the quoted phrase; queries of
//!   two (环评, 土地), which trigrams cannot answer, are one token of `search_grams`, the same
//!   rows' bigrams ([`daiban_domain::consultation::bigram_tokens`]) under the same rowid
//!   ([`key`]); a one-character query is a `LIKE` scan;
//! - PostgreSQL: `LIKE` over `doc`, which a `pg_trgm` GIN index serves for 3+ characters.
//!
//! Results are then filtered by who may see them and sorted here, in Rust, so the order is
//! the same on both: by kind (FAQ, announcements, projects, enterprises), matches in the title
//! first, newest first.
//!
//! The index is kept by the application, in the transactions that write the rows:
//! [`index`] (insert or replace) and [`remove`]. This module holds the only raw SQL of it.
//! Projects and enterprises are scoped (`Audience::Scoped`): candidates are filtered through
//! the same scope queries as their lists ([`crate::scope::projects`],
//! `enterprises::scoped`). Other kinds carry their audience: public, signed in, staff.

use crate::actor::Actor;
use crate::error::{AppError, AppResult, FieldError};
use crate::{App, scope};
use daiban_domain::consultation::{
    MAX_QUERY_CHARS, TRIGRAM_MIN_CHARS, bigram_phrase, bigram_tokens, excerpt, normalize,
    search_document, search_head,
};
use daiban_domain::role::Role;
use daiban_store::entity::{enterprise, project};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QuerySelect, Statement,
    Value,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// Who may find an indexed row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// Everyone, without login (the public FAQ, public announcements).
    Public,
    /// Every signed-in user.
    SignedIn,
    /// Staff only (not enterprise users).
    Staff,
    /// Decided per row by the scope of the kind (projects, enterprises).
    Scoped,
}

impl Audience {
    /// The stored code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Public => "public",
            Self::SignedIn => "signed_in",
            Self::Staff => "staff",
            Self::Scoped => "scoped",
        }
    }

    fn from_code(s: &str) -> Self {
        match s {
            "public" => Self::Public,
            "signed_in" => Self::SignedIn,
            "staff" => Self::Staff,
            _ => Self::Scoped,
        }
    }
}

/// The kinds searched, in the order their groups are shown.
pub const KINDS: [&str; 4] = ["faq", "announcement", "project", "enterprise"];

/// Results shown per kind.
pub const PER_KIND: usize = 50;

fn sql(db: &impl ConnectionTrait, sqlite: &str, postgres: &str, values: Vec<Value>) -> Statement {
    let backend = db.get_database_backend();
    let text = if backend == DbBackend::Postgres {
        postgres
    } else {
        sqlite
    };
    Statement::from_sql_and_values(backend, text, values)
}

/// The row key of `kind` #`ref_id` in the SQLite index (`search_index` and `search_grams`
/// share it): `ref_id × 4 +` the kind's place in [`KINDS`], so that a row is found by one
/// lookup (FTS5 cannot index `kind` and `ref_id`; migration m0020).
///
/// # Errors
/// An unknown kind (a bug in the caller).
pub fn key(kind: &str, ref_id: i64) -> AppResult<i64> {
    let k = KINDS
        .iter()
        .position(|&x| x == kind)
        .ok_or_else(|| anyhow::anyhow!("unknown search kind {kind:?}"))?;
    Ok(ref_id * 4 + i64::try_from(k).unwrap_or(0))
}

/// Removes `kind` #`ref_id` from the index (nothing if absent).
///
/// # Errors
/// Database failure; an unknown kind.
pub async fn remove<C: ConnectionTrait>(db: &C, kind: &str, ref_id: i64) -> AppResult<()> {
    if db.get_database_backend() == DbBackend::Postgres {
        db.execute_raw(sql(
            db,
            "",
            "DELETE FROM search_index WHERE kind = $1 AND ref_id = $2",
            vec![kind.into(), ref_id.into()],
        ))
        .await?;
        return Ok(());
    }
    let k = key(kind, ref_id)?;
    for table in ["search_index", "search_grams"] {
        db.execute_raw(sql(
            db,
            &format!("DELETE FROM {table} WHERE rowid = ?"),
            "",
            vec![k.into()],
        ))
        .await?;
    }
    Ok(())
}

/// A row as indexed: what it is, what it shows, who may find it.
#[derive(Debug, Clone, Copy)]
pub struct Entry<'a> {
    /// One of [`KINDS`].
    pub kind: &'a str,
    /// The id of the row.
    pub ref_id: i64,
    /// Its title (a project's or enterprise's name).
    pub title: &'a str,
    /// Its codes, searched with the title by lists (a project's code, a credit code).
    pub codes: &'a [&'a str],
    /// The rest of its text.
    pub body: &'a str,
    /// Who may find it.
    pub audience: Audience,
}

impl Entry<'_> {
    /// The SQLite statements that write it, with their arguments (after [`remove`]): the keyed
    /// row of `search_index` and its bigrams in `search_grams`.
    ///
    /// # Errors
    /// An unknown kind (a bug in the caller).
    pub fn sqlite_inserts(&self) -> AppResult<[(&'static str, Vec<Value>); 2]> {
        let k = key(self.kind, self.ref_id)?;
        let head = search_head(self.title, self.codes);
        let doc = search_document(self.title, self.body);
        Ok([
            (
                "INSERT INTO search_index \
                 (rowid, kind, ref_id, audience, title, body, head, doc) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                vec![
                    k.into(),
                    self.kind.into(),
                    self.ref_id.into(),
                    self.audience.code().into(),
                    self.title.into(),
                    self.body.into(),
                    head.as_str().into(),
                    doc.as_str().into(),
                ],
            ),
            (
                "INSERT INTO search_grams (rowid, head, doc) VALUES (?, ?, ?)",
                vec![
                    k.into(),
                    bigram_tokens(&head).into(),
                    bigram_tokens(&doc).into(),
                ],
            ),
        ])
    }
}

/// Indexes (or re-indexes) `kind` #`ref_id` with its title and body, for `audience`. Call it
/// inside the transaction that writes the row, e.g. for an announcement:
/// `search::index(&w.txn, "announcement", id, &title, &body, Audience::Public)`.
///
/// # Errors
/// Database failure.
pub async fn index<C: ConnectionTrait>(
    db: &C,
    kind: &str,
    ref_id: i64,
    title: &str,
    body: &str,
    audience: Audience,
) -> AppResult<()> {
    index_entry(
        db,
        &Entry {
            kind,
            ref_id,
            title,
            codes: &[],
            body,
            audience,
        },
    )
    .await
}

/// Indexes (or re-indexes) `e`.
///
/// # Errors
/// Database failure.
pub async fn index_entry<C: ConnectionTrait>(db: &C, e: &Entry<'_>) -> AppResult<()> {
    remove(db, e.kind, e.ref_id).await?;
    if db.get_database_backend() == DbBackend::Postgres {
        db.execute_raw(sql(
            db,
            "",
            "INSERT INTO search_index (kind, ref_id, audience, title, body, doc) \
             VALUES ($1, $2, $3, $4, $5, $6)",
            vec![
                e.kind.into(),
                e.ref_id.into(),
                e.audience.code().into(),
                e.title.into(),
                e.body.into(),
                search_document(e.title, e.body).into(),
            ],
        ))
        .await?;
        return Ok(());
    }
    for (text, values) in e.sqlite_inserts()? {
        db.execute_raw(sql(db, text, "", values)).await?;
    }
    Ok(())
}

/// Indexes a project: its name; its code, industry and description. (Its enterprise is found
/// as an enterprise, within the same scope.)
///
/// # Errors
/// Database failure.
pub async fn index_project<C: ConnectionTrait>(db: &C, p: &project::Model) -> AppResult<()> {
    let body = [
        p.code.clone().unwrap_or_default(),
        p.industry.clone(),
        p.description.clone(),
    ]
    .into_iter()
    .filter(|s| !s.is_empty())
    .collect::<Vec<_>>()
    .join(" · ");
    let code = p.code.as_deref().unwrap_or_default();
    index_entry(
        db,
        &Entry {
            kind: "project",
            ref_id: p.id,
            title: &p.name,
            codes: &[code],
            body: &body,
            audience: Audience::Scoped,
        },
    )
    .await
}

/// Indexes an enterprise: its name; its code, industry and address.
///
/// # Errors
/// Database failure.
pub async fn index_enterprise<C: ConnectionTrait>(db: &C, e: &enterprise::Model) -> AppResult<()> {
    let body = [e.uscc.clone(), e.industry.clone(), e.address.clone()]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" · ");
    index_entry(
        db,
        &Entry {
            kind: "enterprise",
            ref_id: e.id,
            title: &e.name,
            codes: &[&e.uscc],
            body: &body,
            audience: Audience::Scoped,
        },
    )
    .await
}

async fn indexed_ids<C: ConnectionTrait>(db: &C, kind: &str) -> AppResult<BTreeSet<i64>> {
    let rows = db
        .query_all_raw(sql(
            db,
            "SELECT ref_id FROM search_index WHERE kind = ?",
            "SELECT ref_id FROM search_index WHERE kind = $1",
            vec![kind.into()],
        ))
        .await?;
    let mut out = BTreeSet::new();
    for r in rows {
        out.insert(r.try_get::<i64>("", "ref_id")?);
    }
    Ok(out)
}

/// Indexes the projects and enterprises not yet in the index (a database that predates the
/// index, or rows written by an older version): run at startup. Returns how many it added.
///
/// # Errors
/// Database failure; nothing is kept then.
pub async fn backfill(app: &App) -> AppResult<u64> {
    // First, outside the writer slot, which ids are missing (ids only: on the generated province
    // reading its 100,000 projects whole held the slot for 0.6 s of every start, and the memory
    // stayed with the process). Usually none, and nothing is written.
    let db = &app.db.conn;
    let projects: Vec<i64> = project::Entity::find()
        .select_only()
        .column(project::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    let enterprises: Vec<i64> = enterprise::Entity::find()
        .select_only()
        .column(enterprise::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    let missing = |ids: Vec<i64>, have: &BTreeSet<i64>| -> Vec<i64> {
        ids.into_iter().filter(|id| !have.contains(id)).collect()
    };
    let projects = missing(projects, &indexed_ids(db, "project").await?);
    let enterprises = missing(enterprises, &indexed_ids(db, "enterprise").await?);
    if projects.is_empty() && enterprises.is_empty() {
        return Ok(0);
    }
    let w = app.begin_write().await?;
    let mut added = 0;
    // Checked again in the slot: a row indexed in between is not indexed twice.
    let have = indexed_ids(&w.txn, "project").await?;
    for chunk in projects.chunks(500) {
        for p in project::Entity::find()
            .filter(project::Column::Id.is_in(chunk.iter().copied()))
            .all(&w.txn)
            .await?
        {
            if !have.contains(&p.id) {
                index_project(&w.txn, &p).await?;
                added += 1;
            }
        }
    }
    let have = indexed_ids(&w.txn, "enterprise").await?;
    for chunk in enterprises.chunks(500) {
        for e in enterprise::Entity::find()
            .filter(enterprise::Column::Id.is_in(chunk.iter().copied()))
            .all(&w.txn)
            .await?
        {
            if !have.contains(&e.id) {
                index_enterprise(&w.txn, &e).await?;
                added += 1;
            }
        }
    }
    w.commit().await?;
    Ok(added)
}

/// On SQLite, the ids of `kind` whose head (title and codes: [`Entry::codes`]) contains `q`
/// (normalized), as a subquery for `IN`: the trigram index for three characters or more, the
/// bigram index for two ([`sqlite_index_for`]). `None` on PostgreSQL and for one character,
/// where the caller's own `LIKE` is the search.
///
/// # Errors
/// An unknown kind (a bug in the caller).
pub fn ids_containing(
    backend: DbBackend,
    kind: &str,
    q: &str,
) -> AppResult<Option<sea_orm::sea_query::SelectStatement>> {
    use sea_orm::sea_query::{Expr, Query};
    if backend != DbBackend::Sqlite {
        return Ok(None);
    }
    // The kind's place in the key.
    let k = key(kind, 0)?;
    let Some((table, phrase)) = sqlite_index_for(q) else {
        return Ok(None);
    };
    Ok(Some(
        Query::select()
            .expr(Expr::cust("rowid / 4"))
            .from(table)
            .and_where(Expr::cust_with_values(
                format!("{table} MATCH ?"),
                [format!("head : {phrase}")],
            ))
            .and_where(Expr::cust_with_values("rowid % 4 = ?", [k]))
            .to_owned(),
    ))
}

/// One row found, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Row {
    kind: String,
    ref_id: i64,
    audience: Audience,
    title: String,
    body: String,
}

/// The SQLite index that answers `q` (normalized) and the FTS5 phrase to match there, whose
/// rowids are the index's keys: the trigrams of `search_index` for three characters or more
/// (every trigram of `q`, consecutive, i.e. the substring), the bigrams of `search_grams` for
/// two. `None` for one character, which neither index answers.
fn sqlite_index_for(q: &str) -> Option<(&'static str, String)> {
    if q.chars().count() >= TRIGRAM_MIN_CHARS {
        Some(("search_index", format!("\"{}\"", q.replace('"', "\"\""))))
    } else {
        bigram_phrase(q).map(|p| ("search_grams", p))
    }
}

fn like_pattern(q: &str) -> String {
    let mut p = String::with_capacity(q.len() + 2);
    p.push('%');
    for ch in q.chars() {
        if matches!(ch, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(ch);
    }
    p.push('%');
    p
}

/// The rows whose normalized text contains `q` (normalized, not empty), of `kinds`.
async fn candidates<C: ConnectionTrait>(db: &C, q: &str, kinds: &[&str]) -> AppResult<Vec<Row>> {
    let backend = db.get_database_backend();
    let stmt = if backend == DbBackend::Postgres {
        sql(
            db,
            "",
            "SELECT kind, ref_id, audience, title, body FROM search_index \
             WHERE doc LIKE $1 ESCAPE '\\'",
            vec![like_pattern(q).into()],
        )
    } else if let Some((table, phrase)) = sqlite_index_for(q) {
        // The rows whose document matches, by key (for two characters, the bigram index's
        // rowids are the index's).
        sql(
            db,
            &format!(
                "SELECT kind, ref_id, audience, title, body FROM search_index WHERE rowid IN \
                 (SELECT rowid FROM {table} WHERE {table} MATCH ?)"
            ),
            "",
            vec![format!("doc : {phrase}").into()],
        )
    } else {
        sql(
            db,
            "SELECT kind, ref_id, audience, title, body FROM search_index \
             WHERE doc LIKE ? ESCAPE '\\'",
            "",
            vec![like_pattern(q).into()],
        )
    };
    let mut out = Vec::new();
    for r in db.query_all_raw(stmt).await? {
        let kind: String = r.try_get("", "kind")?;
        if !kinds.contains(&kind.as_str()) {
            continue;
        }
        out.push(Row {
            kind,
            ref_id: r.try_get("", "ref_id")?,
            audience: Audience::from_code(&r.try_get::<String>("", "audience")?),
            title: r.try_get("", "title")?,
            body: r.try_get("", "body")?,
        });
    }
    Ok(out)
}

/// The search query.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct SearchQuery {
    /// What to look for: a substring of Chinese (or Latin, case-insensitive) text, 1–100
    /// characters.
    #[serde(default)]
    pub q: String,
    /// Only this kind: `faq`, `announcement`, `project` or `enterprise`.
    #[serde(default)]
    pub kind: Option<String>,
}

/// One result.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Hit {
    /// `faq`, `announcement`, `project` or `enterprise`.
    pub kind: String,
    /// The id of the row.
    pub id: i64,
    /// Its title.
    pub title: String,
    /// A short excerpt of its text around the first match (or its beginning).
    pub excerpt: String,
    /// Where to read it.
    pub href: String,
}

/// The results of one kind.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Group {
    /// The kind.
    pub kind: String,
    /// How many the caller may see (at most [`PER_KIND`] are listed).
    pub total: usize,
    /// The first results.
    pub hits: Vec<Hit>,
}

/// The results of a search.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SearchResults {
    /// The query as matched (normalized).
    pub query: String,
    /// The groups with results, in [`KINDS`] order.
    pub groups: Vec<Group>,
}

fn href(kind: &str, id: i64, public: bool) -> String {
    match kind {
        "faq" if public => format!("/public/faq#faq-{id}"),
        "faq" => format!("/faq#faq-{id}"),
        "announcement" => format!("/announcements/{id}"),
        "project" => format!("/projects/{id}"),
        "enterprise" => format!("/enterprises/{id}"),
        _ => "/".to_owned(),
    }
}

/// The normalized query, or the field error of `q`.
///
/// # Errors
/// [`AppError::Invalid`] on `q`: empty, or longer than [`MAX_QUERY_CHARS`].
pub fn check_query(q: &str) -> AppResult<String> {
    let n = normalize(q);
    if n.is_empty() {
        return Err(AppError::Invalid(vec![FieldError::new(
            "q",
            "required",
            "请输入要搜索的内容",
            "q (what to search for) is required",
        )]));
    }
    if n.chars().count() > MAX_QUERY_CHARS {
        return Err(AppError::Invalid(vec![FieldError::new(
            "q",
            "too_long",
            format!("搜索内容最多 {MAX_QUERY_CHARS} 个字符"),
            format!("q must be at most {MAX_QUERY_CHARS} characters"),
        )]));
    }
    Ok(n)
}

/// The ids of `kind` whose text contains `q`, whatever their audience (for callers that apply
/// their own visibility, e.g. the FAQ list).
///
/// # Errors
/// [`AppError::Invalid`] on `q`; database failure.
pub async fn matching_ids<C: ConnectionTrait>(
    db: &C,
    kind: &str,
    q: &str,
) -> AppResult<BTreeSet<i64>> {
    let q = check_query(q)?;
    Ok(candidates(db, &q, &[kind])
        .await?
        .into_iter()
        .map(|r| r.ref_id)
        .collect())
}

/// Searches what `actor` may see (`None`: the public, who find public rows only), grouped by
/// kind in [`KINDS`] order, each group sorted matches-in-title first, then newest first.
///
/// # Errors
/// [`AppError::Invalid`] on `q` (empty, too long) or `kind` (unknown); database failure.
pub async fn search(
    app: &App,
    actor: Option<&Actor>,
    query: &SearchQuery,
) -> AppResult<SearchResults> {
    let q = check_query(&query.q)?;
    let kinds: Vec<&str> = match query.kind.as_deref().filter(|k| !k.is_empty()) {
        None => KINDS.to_vec(),
        Some(k) => match KINDS.iter().find(|x| **x == k) {
            Some(k) => vec![*k],
            None => {
                return Err(AppError::Invalid(vec![FieldError::new(
                    "kind",
                    "unknown",
                    "类别须为：常见问题、公告、项目或企业",
                    "kind must be faq, announcement, project or enterprise",
                )]));
            }
        },
    };
    let db = &app.db.conn;
    let rows = candidates(db, &q, &kinds).await?;
    let visible_projects = scoped_ids(db, actor, &rows, "project").await?;
    let visible_enterprises = scoped_ids(db, actor, &rows, "enterprise").await?;
    let staff = actor.is_some_and(|a| a.role != Role::Enterprise);
    let mut groups = Vec::new();
    for kind in kinds {
        let mut hits: Vec<&Row> = rows
            .iter()
            .filter(|r| r.kind == kind)
            .filter(|r| match r.audience {
                Audience::Public => true,
                Audience::SignedIn => actor.is_some(),
                Audience::Staff => staff,
                Audience::Scoped => match kind {
                    "project" => visible_projects.contains(&r.ref_id),
                    "enterprise" => visible_enterprises.contains(&r.ref_id),
                    _ => false,
                },
            })
            .collect();
        if hits.is_empty() {
            continue;
        }
        hits.sort_by_key(|r| {
            (
                !normalize(&r.title).contains(&q),
                std::cmp::Reverse(r.ref_id),
            )
        });
        let total = hits.len();
        groups.push(Group {
            kind: kind.to_owned(),
            total,
            hits: hits
                .into_iter()
                .take(PER_KIND)
                .map(|r| Hit {
                    kind: r.kind.clone(),
                    id: r.ref_id,
                    title: r.title.clone(),
                    excerpt: excerpt(&r.body, &q, 30),
                    href: href(&r.kind, r.ref_id, actor.is_none()),
                })
                .collect(),
        });
    }
    Ok(SearchResults { query: q, groups })
}

/// Of the candidate rows of a scoped `kind`, the ids `actor` may see, through the scope
/// queries of their lists.
async fn scoped_ids<C: ConnectionTrait>(
    db: &C,
    actor: Option<&Actor>,
    rows: &[Row],
    kind: &str,
) -> AppResult<BTreeSet<i64>> {
    let ids: Vec<i64> = rows
        .iter()
        .filter(|r| r.kind == kind && r.audience == Audience::Scoped)
        .map(|r| r.ref_id)
        .collect();
    let Some(actor) = actor else {
        return Ok(BTreeSet::new());
    };
    if ids.is_empty() {
        return Ok(BTreeSet::new());
    }
    let mut out = BTreeSet::new();
    // Chunks keep the IN lists well under either database's parameter limit.
    for chunk in ids.chunks(500) {
        let found: Vec<i64> = match kind {
            "project" => {
                let Ok(s) = scope::of(actor) else {
                    return Ok(BTreeSet::new());
                };
                scope::projects(
                    s,
                    project::Entity::find().filter(project::Column::Id.is_in(chunk.to_vec())),
                )
                .select_only()
                .column(project::Column::Id)
                .into_tuple()
                .all(db)
                .await?
            }
            "enterprise" => {
                let Ok(sel) = crate::enterprises::scoped(
                    actor,
                    enterprise::Entity::find().filter(enterprise::Column::Id.is_in(chunk.to_vec())),
                ) else {
                    return Ok(BTreeSet::new());
                };
                sel.select_only()
                    .column(enterprise::Column::Id)
                    .into_tuple()
                    .all(db)
                    .await?
            }
            _ => Vec::new(),
        };
        out.extend(found);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::like_pattern;

    #[test]
    fn like_wildcards_are_escaped() {
        assert_eq!(like_pattern("环评"), "%环评%");
        assert_eq!(like_pattern("50%_a\\"), "%50\\%\\_a\\\\%");
    }
}
