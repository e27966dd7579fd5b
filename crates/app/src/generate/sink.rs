//! The bulk writer: rows buffered per table, flushed as multi-row `INSERT`s (parents before
//! children) inside one transaction per flush, on one connection.
//!
//! The generator thread fills a [`Sink`]; each full flush becomes a [`Batch`] of statements sent
//! over a bounded channel to the async writer, so generating and writing overlap and memory stays
//! bounded. Values are bound as typed SeaORM values, so timestamps are stored exactly as the
//! application stores them on each backend.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sqlx::pool::PoolConnection;
use sea_orm::sqlx::postgres::PgArguments;
use sea_orm::sqlx::sqlite::SqliteArguments;
use sea_orm::sqlx::{Postgres, Sqlite};
use sea_orm::{DatabaseConnection, DbBackend, DbErr, Value};
use std::collections::BTreeMap;

/// The tables the generator writes, in the order a flush inserts them (parents first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum T {
    Enterprises,
    Users,
    Projects,
    Mandates,
    CaseItems,
    CaseItemDepartments,
    Materials,
    CaseSuspensions,
    CaseExtensions,
    OneTimeNotices,
    DeadlineAlerts,
    Meetings,
    Problems,
    ProblemBlocks,
    ProblemEvents,
    ProblemOverdue,
    MeetingAgenda,
    MeetingAttendees,
    MeetingDecisions,
    ActionItems,
    Findings,
    Surveys,
    SurveyRespondents,
    SurveyAnswers,
    ProjectEvents,
    Notifications,
    AuditLog,
    SearchIndex,
}

impl T {
    /// Every table, in flush order.
    pub(super) const ALL: [Self; 28] = [
        Self::Enterprises,
        Self::Users,
        Self::Projects,
        Self::Mandates,
        Self::CaseItems,
        Self::CaseItemDepartments,
        Self::Materials,
        Self::CaseSuspensions,
        Self::CaseExtensions,
        Self::OneTimeNotices,
        Self::DeadlineAlerts,
        Self::Meetings,
        Self::Problems,
        Self::ProblemBlocks,
        Self::ProblemEvents,
        Self::ProblemOverdue,
        Self::MeetingAgenda,
        Self::MeetingAttendees,
        Self::MeetingDecisions,
        Self::ActionItems,
        Self::Findings,
        Self::Surveys,
        Self::SurveyRespondents,
        Self::SurveyAnswers,
        Self::ProjectEvents,
        Self::Notifications,
        Self::AuditLog,
        Self::SearchIndex,
    ];

    /// The table's name.
    pub(super) const fn name(self) -> &'static str {
        match self {
            Self::Enterprises => "enterprises",
            Self::Users => "users",
            Self::Projects => "projects",
            Self::Mandates => "mandates",
            Self::CaseItems => "case_items",
            Self::CaseItemDepartments => "case_item_departments",
            Self::Materials => "materials",
            Self::CaseSuspensions => "case_suspensions",
            Self::CaseExtensions => "case_extensions",
            Self::OneTimeNotices => "one_time_notices",
            Self::DeadlineAlerts => "deadline_alerts",
            Self::Meetings => "meetings",
            Self::Problems => "problems",
            Self::ProblemBlocks => "problem_blocks",
            Self::ProblemEvents => "problem_events",
            Self::ProblemOverdue => "problem_overdue",
            Self::MeetingAgenda => "meeting_agenda",
            Self::MeetingAttendees => "meeting_attendees",
            Self::MeetingDecisions => "meeting_decisions",
            Self::ActionItems => "action_items",
            Self::Findings => "findings",
            Self::Surveys => "surveys",
            Self::SurveyRespondents => "survey_respondents",
            Self::SurveyAnswers => "survey_answers",
            Self::ProjectEvents => "project_events",
            Self::Notifications => "notifications",
            Self::AuditLog => "audit_log",
            Self::SearchIndex => "search_index",
        }
    }

    /// The columns the generator fills, in the order rows give them.
    pub(super) const fn columns(self) -> &'static [&'static str] {
        match self {
            Self::Enterprises => &[
                "id",
                "uscc",
                "uscc_override_reason",
                "name",
                "unit_id",
                "legal_rep",
                "contact",
                "phone",
                "address",
                "industry",
                "active",
                "version",
                "created_at",
                "updated_at",
            ],
            Self::Users => &[
                "id",
                "username",
                "name",
                "role",
                "unit_id",
                "enterprise_id",
                "cadre",
                "title",
                "phone",
                "email",
                "password_hash",
                "failed_logins",
                "locked_until",
                "locale",
                "active",
                "last_login_at",
                "version",
                "created_at",
                "updated_at",
            ],
            Self::Projects => &[
                "id",
                "code",
                "name",
                "enterprise_id",
                "unit_id",
                "investment_yuan",
                "industry",
                "kind",
                "policy_standing",
                "major_urban",
                "major",
                "bureau_helper_id",
                "stage",
                "status",
                "description",
                "decline_reason",
                "created_by",
                "version",
                "created_at",
                "updated_at",
            ],
            Self::Mandates => &[
                "id",
                "project_id",
                "state",
                "scope",
                "agent_ids",
                "signed_by",
                "signed_at",
                "last_reason",
                "closed_at",
                "version",
                "updated_at",
                "termination_cause",
                "fault_user_id",
            ],
            Self::CaseItems => &[
                "id",
                "project_id",
                "catalog_item_id",
                "item_code",
                "item_name",
                "department_id",
                "unit_id",
                "item_type",
                "limit_days",
                "report_up_limit_days",
                "warning_threshold_days",
                "state",
                "first_contact_id",
                "agent_id",
                "helper_id",
                "requested_at",
                "accepted_at",
                "materials_complete_at",
                "submit_due_at",
                "submitted_at",
                "review_started_at",
                "due_at",
                "due_provisional",
                "reported_up_at",
                "concluded_at",
                "outcome_note",
                "warning",
                "version",
                "updated_at",
            ],
            Self::CaseItemDepartments => &["case_item_id", "department_id"],
            Self::Materials => &[
                "id",
                "case_item_id",
                "project_id",
                "material_code",
                "name",
                "state",
                "holder_user_id",
                "holder_unit_id",
                "holder_name",
                "note",
                "version",
                "updated_at",
            ],
            Self::CaseSuspensions => &[
                "id",
                "case_item_id",
                "reason",
                "semantics",
                "started_at",
                "ended_at",
                "note",
            ],
            Self::CaseExtensions => &[
                "id",
                "case_item_id",
                "days",
                "approver",
                "reason",
                "granted_at",
            ],
            Self::OneTimeNotices => &[
                "id",
                "case_item_id",
                "seq",
                "demands",
                "breach_codes",
                "issued_by",
                "issued_by_name",
                "issued_at",
            ],
            Self::DeadlineAlerts => &[
                "id",
                "case_item_id",
                "project_id",
                "step",
                "level",
                "due_at",
                "responsible_unit_id",
                "responsible_user_id",
                "raised_at",
            ],
            Self::Meetings => &[
                "id",
                "kind",
                "title",
                "scheduled_at",
                "place",
                "convenor_id",
                "status",
                "minutes",
                "project_id",
                "version",
                "created_at",
                "updated_at",
            ],
            Self::Problems => &[
                "id",
                "project_id",
                "title",
                "description",
                "category",
                "department_id",
                "owner_id",
                "at_site",
                "raised_by",
                "raised_by_role",
                "level",
                "level_entered_at",
                "level_due_at",
                "due_provisional",
                "status",
                "resolution",
                "resolved_at",
                "meeting_id",
                "version",
                "created_at",
                "updated_at",
            ],
            Self::ProblemBlocks => &["problem_id", "case_item_id"],
            Self::ProblemEvents => &[
                "id",
                "problem_id",
                "kind",
                "from_level",
                "to_level",
                "from_status",
                "to_status",
                "actor_id",
                "actor_name",
                "actor_role",
                "note",
                "occurred_at",
            ],
            Self::ProblemOverdue => &[
                "id",
                "problem_id",
                "level",
                "level_entered_at",
                "due_at",
                "responsible_unit_id",
                "raised_at",
            ],
            Self::MeetingAgenda => &["id", "meeting_id", "project_id", "problem_id"],
            Self::MeetingAttendees => &[
                "id",
                "meeting_id",
                "unit_id",
                "user_id",
                "name",
                "attendance",
                "note",
            ],
            Self::MeetingDecisions => &["id", "meeting_id", "seq", "text", "problem_id"],
            Self::ActionItems => &[
                "id",
                "source",
                "meeting_id",
                "decision_id",
                "problem_id",
                "project_id",
                "title",
                "owner_unit_id",
                "owner_user_id",
                "due_days",
                "assigned_at",
                "due_at",
                "due_provisional",
                "status",
                "done_at",
                "done_note",
                "warning",
                "version",
                "updated_at",
            ],
            Self::Findings => &[
                "id",
                "unit_id",
                "quarter",
                "category",
                "rule",
                "points",
                "occurred_on",
                "source",
                "state",
                "evidence_kind",
                "evidence_id",
                "evidence_label",
                "project_id",
                "detected_key",
                "note",
                "recorded_by",
                "recorded_at",
                "decided_by",
                "decided_at",
                "decision_reason",
                "version",
                "updated_at",
            ],
            Self::Surveys => &[
                "id",
                "quarter",
                "title",
                "opens_on",
                "closes_on",
                "state",
                "unit_ids",
                "created_by",
                "created_at",
                "closed_by",
                "closed_at",
                "version",
                "updated_at",
            ],
            Self::SurveyRespondents => &[
                "id",
                "survey_id",
                "grp",
                "user_id",
                "name",
                "phone",
                "token_hash",
                "added_by",
                "added_at",
                "answered_at",
            ],
            Self::SurveyAnswers => &[
                "id",
                "survey_id",
                "respondent_id",
                "unit_id",
                "answer",
                "answered_at",
            ],
            Self::ProjectEvents => &[
                "id",
                "project_id",
                "case_item_id",
                "kind",
                "from_state",
                "to_state",
                "actor_id",
                "actor_name",
                "actor_role",
                "occurred_at",
                "entered_at",
                "backdated",
                "backdate_reason",
                "note",
                "materials",
                "data",
            ],
            Self::Notifications => &[
                "id",
                "user_id",
                "enterprise_id",
                "project_id",
                "case_item_id",
                "kind",
                "title_zh",
                "title_en",
                "body_zh",
                "body_en",
                "created_at",
                "read_at",
                "delivered_at",
            ],
            Self::AuditLog => &[
                "seq",
                "entered_at",
                "actor_id",
                "actor_name",
                "actor_role",
                "actor_unit_id",
                "action",
                "object_type",
                "object_id",
                "before",
                "after",
                "request_id",
                "client_addr",
                "prev_hash",
                "hash",
            ],
            Self::SearchIndex => &["kind", "ref_id", "audience", "title", "body", "doc"],
        }
    }

    /// Whether the table has an `id` column the generator assigns (and PostgreSQL a sequence
    /// behind it to move past the generated ids).
    pub(super) const fn has_id_sequence(self) -> bool {
        !matches!(
            self,
            Self::CaseItemDepartments | Self::ProblemBlocks | Self::AuditLog | Self::SearchIndex
        )
    }
}

/// A value for a row.
pub(super) fn int(v: i64) -> Value {
    Value::BigInt(Some(v))
}

/// An optional integer.
pub(super) fn oint(v: Option<i64>) -> Value {
    Value::BigInt(v)
}

/// A 32-bit integer column.
pub(super) fn int32(v: i32) -> Value {
    Value::Int(Some(v))
}

/// An optional 32-bit integer column.
pub(super) fn oint32(v: Option<i32>) -> Value {
    Value::Int(v)
}

/// Text.
pub(super) fn text(v: impl Into<String>) -> Value {
    Value::String(Some(v.into()))
}

/// Optional text.
pub(super) fn otext(v: Option<String>) -> Value {
    Value::String(v)
}

/// A boolean.
pub(super) fn boolean(v: bool) -> Value {
    Value::Bool(Some(v))
}

/// A timestamp.
pub(super) fn ts(v: DateTime<Utc>) -> Value {
    Value::ChronoDateTimeUtc(Some(v))
}

/// An optional timestamp.
pub(super) fn ots(v: Option<DateTime<Utc>>) -> Value {
    Value::ChronoDateTimeUtc(v)
}

/// A civil date.
pub(super) fn date(v: NaiveDate) -> Value {
    Value::ChronoDate(Some(v))
}

/// Arguments bound in the generator's thread, ready for the driver.
pub(super) enum Args {
    /// None: the values are written into the SQL text as literals (SQLite).
    Literal,
    /// SQLite.
    Sqlite(SqliteArguments),
    /// PostgreSQL.
    Postgres(PgArguments),
}

/// One statement with its arguments.
pub(super) struct Stmt {
    sql: String,
    args: Args,
}

/// One transaction's worth of statements, in order.
pub(super) struct Batch {
    /// The statements.
    pub statements: Vec<Stmt>,
}

fn bind_error(e: impl std::fmt::Display) -> DbErr {
    DbErr::Custom(format!("binding a generated value: {e}"))
}

/// Appends `v` as an SQLite literal, formatted as the driver binds it (timestamps as RFC 3339
/// with `+00:00`, booleans as 0 and 1).
fn literal(out: &mut String, v: &Value) -> Result<(), DbErr> {
    use std::fmt::Write as _;
    match v {
        Value::Bool(Some(b)) => out.push(if *b { '1' } else { '0' }),
        Value::Int(Some(x)) => {
            let _ = write!(out, "{x}");
        }
        Value::BigInt(Some(x)) => {
            let _ = write!(out, "{x}");
        }
        Value::String(Some(s)) => quote(out, s),
        Value::ChronoDateTimeUtc(Some(t)) => {
            quote(
                out,
                &t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false),
            );
        }
        Value::ChronoDate(Some(d)) => quote(out, &d.format("%F").to_string()),
        Value::Bool(None)
        | Value::Int(None)
        | Value::BigInt(None)
        | Value::String(None)
        | Value::ChronoDateTimeUtc(None)
        | Value::ChronoDate(None) => out.push_str("NULL"),
        other => return Err(bind_error(format!("{other:?}"))),
    }
    Ok(())
}

fn quote(out: &mut String, s: &str) {
    out.push('\'');
    if s.contains('\'') {
        out.push_str(&s.replace('\'', "''"));
    } else {
        out.push_str(s);
    }
    out.push('\'');
}

/// The values as the driver's arguments (what SeaORM's binding does for these types).
fn args(backend: DbBackend, values: Vec<Value>) -> Result<Args, DbErr> {
    use sea_orm::sqlx::Arguments;
    if backend == DbBackend::Postgres {
        let mut a = PgArguments::default();
        a.reserve(values.len(), values.len() * 16);
        for v in values {
            match v {
                Value::Bool(x) => a.add(x),
                Value::Int(x) => a.add(x),
                Value::BigInt(x) => a.add(x),
                Value::String(x) => a.add(x),
                Value::ChronoDateTimeUtc(x) => a.add(x),
                Value::ChronoDate(x) => a.add(x),
                other => return Err(bind_error(format!("{other:?}"))),
            }
            .map_err(bind_error)?;
        }
        Ok(Args::Postgres(a))
    } else {
        let mut a = SqliteArguments::default();
        a.reserve(values.len(), 0);
        for v in values {
            match v {
                Value::Bool(x) => a.add(x),
                Value::Int(x) => a.add(x),
                Value::BigInt(x) => a.add(x),
                Value::String(x) => a.add(x),
                Value::ChronoDateTimeUtc(x) => a.add(x),
                Value::ChronoDate(x) => a.add(x),
                other => return Err(bind_error(format!("{other:?}"))),
            }
            .map_err(bind_error)?;
        }
        Ok(Args::Sqlite(a))
    }
}

/// Collects rows and cuts them into batches.
pub(super) struct Sink {
    backend: DbBackend,
    buffers: Vec<Vec<Value>>,
    updates: Vec<(String, Vec<Value>)>,
    buffered_values: usize,
    flush_values: usize,
    sql_cache: BTreeMap<(usize, usize), String>,
    /// The audit chain's head after the last entry buffered: written with each batch.
    pub audit_head: Option<(i64, String)>,
    /// Rows buffered per table since the start.
    pub totals: Vec<u64>,
}

/// Bind parameters one statement may carry: SQLite's default limit is 32766, PostgreSQL's 65535.
fn max_params(backend: DbBackend) -> usize {
    if backend == DbBackend::Postgres {
        65_000
    } else {
        32_000
    }
}

impl Sink {
    /// A sink that cuts a batch every `flush_values` buffered values (roughly rows × columns).
    pub(super) fn new(backend: DbBackend, flush_values: usize) -> Self {
        Self {
            backend,
            buffers: vec![Vec::new(); T::ALL.len()],
            updates: Vec::new(),
            buffered_values: 0,
            flush_values,
            sql_cache: BTreeMap::new(),
            audit_head: None,
            totals: vec![0; T::ALL.len()],
        }
    }

    /// The database written.
    pub(super) const fn backend(&self) -> DbBackend {
        self.backend
    }

    /// Buffers one row of `t`; `values` are in [`T::columns`] order.
    pub(super) fn row<const N: usize>(&mut self, t: T, values: [Value; N]) {
        debug_assert_eq!(N, t.columns().len(), "row of {}", t.name());
        let buf = &mut self.buffers[t as usize];
        buf.extend(values);
        self.buffered_values += N;
        self.totals[t as usize] += 1;
    }

    /// Buffers an `UPDATE` (or any statement) run after the batch's inserts. `sql` uses `?`
    /// placeholders; they are renumbered for PostgreSQL.
    pub(super) fn update(&mut self, sql: &str, values: Vec<Value>) {
        let sql = if self.backend == DbBackend::Postgres {
            numbered(sql)
        } else {
            sql.to_owned()
        };
        self.updates.push((sql, values));
    }

    /// Whether enough is buffered for a batch.
    pub(super) fn full(&self) -> bool {
        self.buffered_values >= self.flush_values
    }

    /// Everything buffered as one batch (possibly empty), its arguments bound.
    ///
    /// # Errors
    /// A value of a type the generator does not bind (a bug).
    pub(super) fn take(&mut self) -> Result<Batch, DbErr> {
        let mut statements = Vec::new();
        for t in T::ALL {
            let ncols = t.columns().len();
            let buf = std::mem::take(&mut self.buffers[t as usize]);
            if buf.is_empty() {
                continue;
            }
            let nrows = buf.len() / ncols;
            let per = (max_params(self.backend) / ncols).clamp(1, 2_000);
            let mut it = buf.into_iter();
            let mut left = nrows;
            while left > 0 {
                let n = left.min(per);
                if self.backend == DbBackend::Sqlite {
                    let mut sql = String::with_capacity(n * ncols * 16);
                    sql.push_str("INSERT INTO ");
                    sql.push_str(t.name());
                    sql.push_str(" (");
                    sql.push_str(&t.columns().join(", "));
                    sql.push_str(") VALUES ");
                    for r in 0..n {
                        if r > 0 {
                            sql.push(',');
                        }
                        sql.push('(');
                        for c in 0..ncols {
                            if c > 0 {
                                sql.push(',');
                            }
                            if let Some(v) = it.next() {
                                literal(&mut sql, &v)?;
                            }
                        }
                        sql.push(')');
                    }
                    statements.push(Stmt {
                        sql,
                        args: Args::Literal,
                    });
                } else {
                    let values: Vec<Value> = it.by_ref().take(n * ncols).collect();
                    let sql = self.insert_sql(t, n);
                    statements.push(Stmt {
                        sql,
                        args: args(self.backend, values)?,
                    });
                }
                left -= n;
            }
        }
        for (sql, values) in std::mem::take(&mut self.updates) {
            statements.push(Stmt {
                sql,
                args: args(self.backend, values)?,
            });
        }
        if let Some((seq, hash)) = &self.audit_head {
            let sql = if self.backend == DbBackend::Postgres {
                "UPDATE audit_head SET seq = $1, last_hash = $2 WHERE id = 1"
            } else {
                "UPDATE audit_head SET seq = ?, last_hash = ? WHERE id = 1"
            };
            statements.push(Stmt {
                sql: sql.to_owned(),
                args: args(self.backend, vec![int(*seq), text(hash.clone())])?,
            });
        }
        self.buffered_values = 0;
        Ok(Batch { statements })
    }

    fn insert_sql(&mut self, t: T, n: usize) -> String {
        let backend = self.backend;
        self.sql_cache
            .entry((t as usize, n))
            .or_insert_with(|| {
                let cols = t.columns();
                let mut sql = format!("INSERT INTO {} ({}) VALUES ", t.name(), cols.join(", "));
                let mut k = 0;
                for r in 0..n {
                    if r > 0 {
                        sql.push(',');
                    }
                    sql.push('(');
                    for c in 0..cols.len() {
                        if c > 0 {
                            sql.push(',');
                        }
                        if backend == DbBackend::Postgres {
                            k += 1;
                            sql.push('$');
                            sql.push_str(&k.to_string());
                        } else {
                            sql.push('?');
                        }
                    }
                    sql.push(')');
                }
                sql
            })
            .clone()
    }
}

/// `?` placeholders as `$1`, `$2`, … (the generator's SQL has no `?` inside literals).
fn numbered(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut k = 0;
    for ch in sql.chars() {
        if ch == '?' {
            k += 1;
            out.push('$');
            out.push_str(&k.to_string());
        } else {
            out.push(ch);
        }
    }
    out
}

/// The connection the batches are written on, held for the whole run.
pub(super) enum Writer {
    /// SQLite.
    Sqlite(PoolConnection<Sqlite>),
    /// PostgreSQL.
    Postgres(PoolConnection<Postgres>),
}

impl Writer {
    /// Takes one connection of the bulk-load pool for the run. On SQLite it is set up for a
    /// bulk load of generated, consistent rows: a large page cache, and foreign keys not
    /// enforced (the generator writes parents first; the test suite checks the result with
    /// `PRAGMA foreign_key_check`).
    ///
    /// # Errors
    /// The pool gave no connection.
    pub(super) async fn open(conn: &DatabaseConnection) -> Result<Self, DbErr> {
        let err = |e: sea_orm::sqlx::Error| DbErr::Custom(format!("bulk connection: {e}"));
        if conn.get_database_backend() == DbBackend::Postgres {
            let c = conn
                .get_postgres_connection_pool()
                .acquire()
                .await
                .map_err(err)?;
            Ok(Self::Postgres(c))
        } else {
            let mut c = conn
                .get_sqlite_connection_pool()
                .acquire()
                .await
                .map_err(err)?;
            for pragma in ["PRAGMA foreign_keys = OFF", "PRAGMA cache_size = -262144"] {
                sea_orm::sqlx::raw_sql(sea_orm::sqlx::AssertSqlSafe(pragma))
                    .execute(&mut *c)
                    .await
                    .map_err(err)?;
            }
            Ok(Self::Sqlite(c))
        }
    }

    /// Writes one batch in one transaction.
    ///
    /// # Errors
    /// The database refused a statement; the batch is rolled back whole.
    pub(super) async fn write(&mut self, batch: Batch) -> Result<(), DbErr> {
        use sea_orm::sqlx::{AssertSqlSafe, Connection, query_with};
        let err = |e: sea_orm::sqlx::Error| DbErr::Custom(format!("bulk write: {e}"));
        match self {
            Self::Sqlite(c) => {
                let mut tx = c.begin().await.map_err(err)?;
                for s in batch.statements {
                    match s.args {
                        Args::Sqlite(a) => {
                            query_with(AssertSqlSafe(s.sql), a)
                                .execute(&mut *tx)
                                .await
                                .map_err(err)?;
                        }
                        Args::Literal => {
                            sea_orm::sqlx::raw_sql(AssertSqlSafe(s.sql))
                                .execute(&mut *tx)
                                .await
                                .map_err(err)?;
                        }
                        Args::Postgres(_) => {
                            return Err(DbErr::Custom("SQLite batch with other arguments".into()));
                        }
                    }
                }
                tx.commit().await.map_err(err)
            }
            Self::Postgres(c) => {
                let mut tx = c.begin().await.map_err(err)?;
                for s in batch.statements {
                    let Args::Postgres(a) = s.args else {
                        return Err(DbErr::Custom(
                            "PostgreSQL batch with other arguments".into(),
                        ));
                    };
                    query_with(AssertSqlSafe(s.sql), a)
                        .execute(&mut *tx)
                        .await
                        .map_err(err)?;
                }
                tx.commit().await.map_err(err)
            }
        }
    }
}
