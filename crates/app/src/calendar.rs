//! The working-day calendar in use: the shipped years (`Calendar::official()`), each replaced by
//! its latest imported version where an administrator imported one. The administrator imports a
//! new year's arrangement (validated, versioned, audited, with every open deadline it affects
//! recomputed in the same transaction); every signed-in user queries it.
//!
//! Each instance keeps the effective calendar in memory ([`App::calendar`]). Several instances
//! may share one PostgreSQL database: [`refresh_if_changed`] notices another instance's import
//! by the highest version id and reloads.

use crate::App;
use crate::actor::{Actor, Meta};
use crate::audit::{self, ActorRef, Change};
use crate::deadlines::{self, RecomputeSummary};
use crate::error::{AppError, AppResult, FieldError, Msg, forbidden};
use chrono::{DateTime, Datelike, NaiveDate, Utc, Weekday};
use daiban_domain::calendar::{
    ArrangementError, Calendar, CalendarError, DayKind, HolidayName, YearArrangement,
};
use daiban_domain::role::Role;
use daiban_store::entity::calendar_version;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock, PoisonError, RwLock};

/// The name recorded for imports from the command line.
pub const CLI_IMPORTER: &str = "命令行 / command line";

/// The calendar an [`App`] holds: the effective calendar and the highest version id it was built
/// from (0 for the shipped years alone).
#[derive(Debug)]
pub struct SharedCalendar(RwLock<(Arc<Calendar>, i64)>);

impl SharedCalendar {
    /// The shipped calendar, before anything was loaded from the database.
    pub(crate) fn shipped() -> Self {
        Self(RwLock::new((shipped(), 0)))
    }

    fn get(&self) -> (Arc<Calendar>, i64) {
        let g = self.0.read().unwrap_or_else(PoisonError::into_inner);
        (g.0.clone(), g.1)
    }

    fn set(&self, calendar: Arc<Calendar>, max_id: i64) {
        let mut g = self.0.write().unwrap_or_else(PoisonError::into_inner);
        *g = (calendar, max_id);
    }
}

/// The years that ship with the product, built once per process.
fn shipped() -> Arc<Calendar> {
    static SHIPPED: OnceLock<Arc<Calendar>> = OnceLock::new();
    SHIPPED
        .get_or_init(|| match Calendar::official() {
            Ok(c) => Arc::new(c),
            Err(e) => {
                // The domain's tests rule this out; if it ever happens, refuse every date rather
                // than guess.
                tracing::error!(error = %e, "the shipped calendar is corrupt");
                Arc::new(Calendar::default())
            }
        })
        .clone()
}

impl App {
    /// The effective working-day calendar.
    pub fn calendar(&self) -> Arc<Calendar> {
        self.calendar.get().0
    }
}

/// The effective calendar as the database has it, and the highest version id in it.
async fn effective<C: ConnectionTrait>(db: &C) -> AppResult<(Calendar, i64)> {
    let rows = calendar_version::Entity::find()
        .order_by_asc(calendar_version::Column::Year)
        .order_by_asc(calendar_version::Column::Version)
        .all(db)
        .await?;
    let max_id = rows.iter().map(|r| r.id).max().unwrap_or(0);
    let base = shipped();
    let mut years: BTreeMap<i32, YearArrangement> = base
        .years()
        .into_iter()
        .filter_map(|y| base.arrangement(y).map(|a| (y, a.clone())))
        .collect();
    // Ascending versions: the latest of each year is inserted last and stays.
    for r in &rows {
        let a: YearArrangement = serde_json::from_str(&r.arrangement).map_err(|e| {
            anyhow::anyhow!("calendar version {} ({}): stored JSON: {e}", r.id, r.year)
        })?;
        years.insert(r.year, a);
    }
    let cal = Calendar::from_years(years.into_values().collect())
        .map_err(|e| anyhow::anyhow!("stored calendar versions: {e}"))?;
    Ok((cal, max_id))
}

/// Rebuilds the app's calendar from the database.
///
/// # Errors
/// Database failure or a corrupt stored version; the calendar in use is kept.
pub async fn reload(app: &App) -> AppResult<()> {
    let (cal, max_id) = effective(&app.db.conn).await?;
    app.calendar.set(Arc::new(cal), max_id);
    Ok(())
}

/// Reloads the calendar only if a version was imported since it was loaded (by this instance or
/// another one sharing the database). Returns whether it reloaded. One cheap query otherwise.
///
/// # Errors
/// As [`reload`].
pub async fn refresh_if_changed(app: &App) -> AppResult<bool> {
    let latest: Option<Option<i64>> = calendar_version::Entity::find()
        .select_only()
        .column_as(calendar_version::Column::Id.max(), "max_id")
        .into_tuple()
        .one(&app.db.conn)
        .await?;
    let latest = latest.flatten().unwrap_or(0);
    if latest == app.calendar.get().1 {
        return Ok(false);
    }
    reload(app).await?;
    Ok(true)
}

/// Where an import came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportSource {
    /// `daiban calendar import`.
    Cli,
    /// The administrator's page.
    Web,
    /// `POST /api/v1/calendar/imports`.
    Api,
}

impl ImportSource {
    /// The stored code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Cli => "cli",
            Self::Web => "web",
            Self::Api => "api",
        }
    }
}

/// Who imports: the audit identity, the user id (none from the command line) and the name shown
/// in the history.
#[derive(Debug, Clone)]
pub struct Importer {
    /// For the audit entry.
    pub audit: ActorRef,
    /// The user, if any.
    pub user_id: Option<i64>,
    /// The name recorded with the version.
    pub name: String,
}

impl Importer {
    /// The command line (whoever can run the binary against the database).
    pub fn cli() -> Self {
        Self {
            audit: ActorRef {
                name: "cli".into(),
                ..ActorRef::system()
            },
            user_id: None,
            name: CLI_IMPORTER.into(),
        }
    }
}

impl From<&Actor> for Importer {
    fn from(a: &Actor) -> Self {
        Self {
            audit: a.into(),
            user_id: Some(a.user_id),
            name: a.name.clone(),
        }
    }
}

/// One version of a year's arrangement in the history: shipped (version 0) or imported (1, 2, …).
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct VersionView {
    /// The stored version's id; none for a shipped year.
    pub id: Option<i64>,
    /// The year.
    pub year: i32,
    /// 0 for the shipped arrangement, then 1, 2, … per imported version.
    pub version: i32,
    /// `shipped`, `cli`, `web` or `api`.
    pub source: String,
    /// The notice's document number (文号).
    pub notice_number: String,
    /// The notice's title.
    pub notice_title: String,
    /// The date the notice bears.
    pub notice_published: Option<NaiveDate>,
    /// Who imported it (none for shipped years).
    pub imported_by_name: Option<String>,
    /// When it was imported (none for shipped years).
    pub imported_at: Option<DateTime<Utc>>,
    /// Open deadlines recomputed by the import (none for shipped years).
    pub recomputed_items: Option<i64>,
    /// The arrangement's content fingerprint (SHA-256).
    pub fingerprint: String,
    /// Whether this version is the one in effect for its year.
    pub current: bool,
}

impl From<&calendar_version::Model> for VersionView {
    fn from(r: &calendar_version::Model) -> Self {
        Self {
            id: Some(r.id),
            year: r.year,
            version: r.version,
            source: r.source.clone(),
            notice_number: r.notice_number.clone(),
            notice_title: r.notice_title.clone(),
            notice_published: r.notice_published,
            imported_by_name: Some(r.imported_by_name.clone()),
            imported_at: Some(r.imported_at),
            recomputed_items: Some(r.recomputed_items),
            fingerprint: r.fingerprint.clone(),
            current: false,
        }
    }
}

/// Every year's versions, shipped and imported, newest year first and, within a year, newest
/// version first. Every signed-in user may read it.
///
/// # Errors
/// Database failure.
pub async fn versions(app: &App) -> AppResult<Vec<VersionView>> {
    let rows = calendar_version::Entity::find()
        .order_by_desc(calendar_version::Column::Year)
        .order_by_desc(calendar_version::Column::Version)
        .all(&app.db.conn)
        .await?;
    let mut by_year: BTreeMap<i32, Vec<VersionView>> = BTreeMap::new();
    for r in &rows {
        by_year.entry(r.year).or_default().push(r.into());
    }
    let base = shipped();
    for y in base.years() {
        if let Some(a) = base.arrangement(y) {
            by_year.entry(y).or_default().push(VersionView {
                id: None,
                year: y,
                version: 0,
                source: "shipped".into(),
                notice_number: a.notice.number.clone(),
                notice_title: a.notice.title.clone(),
                notice_published: a.notice.published,
                imported_by_name: None,
                imported_at: None,
                recomputed_items: None,
                fingerprint: a.fingerprint(),
                current: false,
            });
        }
    }
    let mut out = Vec::new();
    for (_, mut list) in by_year.into_iter().rev() {
        if let Some(first) = list.first_mut() {
            first.current = true;
        }
        out.extend(list);
    }
    Ok(out)
}

/// One day whose kind or name an import changes.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct DayChange {
    /// The date.
    pub date: NaiveDate,
    /// Its kind before (for a year without an arrangement: the provisional rule, Monday to
    /// Friday working).
    pub before: String,
    /// Its holiday before.
    pub before_name: Option<String>,
    /// Its kind after the import.
    pub after: String,
    /// Its holiday after the import.
    pub after_name: Option<String>,
}

/// What importing an arrangement would change (the dry run), without writing anything.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct ImportPreview {
    /// The year.
    pub year: i32,
    /// The version in effect now: none for a year never published, 0 for the shipped one.
    pub current_version: Option<i32>,
    /// The version the import would create.
    pub next_version: i32,
    /// Whether the arrangement is identical to the one in effect (the import would be refused).
    pub identical: bool,
    /// Working days in the year before (none if the year had no arrangement).
    pub working_days_before: Option<i64>,
    /// Working days in the year after.
    pub working_days_after: i64,
    /// Every day whose kind or holiday changes.
    pub changes: Vec<DayChange>,
}

/// The outcome of an import.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct ImportOutcome {
    /// The version created.
    pub version: VersionView,
    /// The recomputation of open deadlines, done in the same transaction.
    pub recompute: RecomputeSummary,
    /// Days whose kind or holiday changed.
    pub changed_days: usize,
}

/// Reads an arrangement from its JSON text (the format of `data/calendar/*.json`).
///
/// # Errors
/// [`AppError::Invalid`] on field `arrangement` saying what the parser found.
pub fn parse(text: &str) -> AppResult<YearArrangement> {
    serde_json::from_str(text.trim_start_matches('\u{feff}')).map_err(|e| {
        AppError::Invalid(vec![FieldError::new(
            "arrangement",
            "invalid_json",
            format!("节假日安排不是有效的 JSON 或格式不符：{e}"),
            format!("The arrangement is not valid JSON in the calendar format: {e}"),
        )])
    })
}

fn weekday_zh(w: Weekday) -> &'static str {
    match w {
        Weekday::Mon => "星期一",
        Weekday::Tue => "星期二",
        Weekday::Wed => "星期三",
        Weekday::Thu => "星期四",
        Weekday::Fri => "星期五",
        Weekday::Sat => "星期六",
        Weekday::Sun => "星期日",
    }
}

/// One broken rule of an arrangement as a field error: the field is the date it concerns (or the
/// part of the arrangement), the code names the rule.
pub fn arrangement_error(e: &ArrangementError) -> FieldError {
    let en = e.to_string();
    match e {
        ArrangementError::YearOutOfRange { year } => FieldError::new(
            "year",
            "year_out_of_range",
            format!(
                "年份 {year} 超出支持范围（{}–{}）",
                daiban_domain::calendar::FIRST_SUPPORTED_YEAR,
                daiban_domain::calendar::LAST_SUPPORTED_YEAR
            ),
            en,
        ),
        ArrangementError::MissingNotice { year } => FieldError::new(
            "notice.title",
            "missing_notice",
            format!("{year}年的安排未写明通知标题：须注明依据哪份通知"),
            en,
        ),
        ArrangementError::AmendmentWithoutTitle { index, .. } => FieldError::new(
            &format!("amendments[{index}].title"),
            "amendment_without_title",
            format!("第 {} 个调整通知没有标题", index + 1),
            en,
        ),
        ArrangementError::NoDays { year } => FieldError::new(
            "days",
            "no_days",
            format!("{year}年的安排没有列出任何日期"),
            en,
        ),
        ArrangementError::OutsideYear { date, year } => FieldError::new(
            &date.to_string(),
            "outside_year",
            format!("{date}：不在{year}年内（只有元旦可以落在上一年十二月）"),
            en,
        ),
        ArrangementError::Duplicate { date } => FieldError::new(
            &date.to_string(),
            "duplicate_date",
            format!("{date}：重复列出"),
            en,
        ),
        ArrangementError::UnknownName { date, name } => FieldError::new(
            &date.to_string(),
            "unknown_holiday_name",
            format!(
                "{date}：未知的节日名称“{name}”（可用：{}）",
                HolidayName::ALL.map(HolidayName::as_str).join("、")
            ),
            en,
        ),
        ArrangementError::WorkdayNotWeekend { date, weekday } => FieldError::new(
            &date.to_string(),
            "workday_not_weekend",
            format!(
                "{date}：调休上班日必须是星期六或星期日，这一天是{}",
                weekday_zh(*weekday)
            ),
            en,
        ),
        ArrangementError::WeekendOffOutsideSpan { date, weekday } => FieldError::new(
            &date.to_string(),
            "weekend_off_outside_span",
            format!(
                "{date}：{}放假必须在包含工作日的连续放假期间内（是否把补班日误写成了放假？）",
                weekday_zh(*weekday)
            ),
            en,
        ),
    }
}

/// Checks every rule of [`YearArrangement::validate`].
///
/// # Errors
/// [`AppError::Invalid`] with one field error per broken rule.
pub fn validate(a: &YearArrangement) -> AppResult<()> {
    a.validate()
        .map_err(|errors| AppError::Invalid(errors.iter().map(arrangement_error).collect()))
}

/// A day's kind on `cal`, or by the provisional rule (Monday to Friday working) where the year
/// has no arrangement.
fn kind_on(cal: &Calendar, d: NaiveDate) -> (DayKind, Option<HolidayName>) {
    match cal.day(d) {
        Ok(i) => (i.kind, i.name),
        Err(_) => {
            if matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
                (DayKind::Weekend, None)
            } else {
                (DayKind::Workday, None)
            }
        }
    }
}

fn changes(old: &Calendar, new: &Calendar, a: &YearArrangement) -> Vec<DayChange> {
    let Some(jan1) = NaiveDate::from_ymd_opt(a.year, 1, 1) else {
        return Vec::new();
    };
    let first = a.first_date().map_or(jan1, |d| d.min(jan1));
    first
        .iter_days()
        .take_while(|d| d.year() <= a.year)
        .filter_map(|d| {
            let (bk, bn) = kind_on(old, d);
            let (ak, an) = kind_on(new, d);
            ((bk, bn) != (ak, an)).then(|| DayChange {
                date: d,
                before: bk.code().to_owned(),
                before_name: bn.map(|n| n.as_str().to_owned()),
                after: ak.code().to_owned(),
                after_name: an.map(|n| n.as_str().to_owned()),
            })
        })
        .collect()
}

async fn latest_version<C: ConnectionTrait>(db: &C, year: i32) -> AppResult<Option<i32>> {
    Ok(calendar_version::Entity::find()
        .filter(calendar_version::Column::Year.eq(year))
        .order_by_desc(calendar_version::Column::Version)
        .one(db)
        .await?
        .map(|r| r.version))
}

/// What importing `a` would change, without writing (`daiban calendar import --dry-run`).
///
/// # Errors
/// [`AppError::Invalid`] with every broken rule.
pub async fn preview(app: &App, a: &YearArrangement) -> AppResult<ImportPreview> {
    validate(a)?;
    let (old, _) = effective(&app.db.conn).await?;
    let new = old
        .with_year(a.clone())
        .map_err(|e| calendar_error("arrangement", &e))?;
    let stored = latest_version(&app.db.conn, a.year).await?;
    let current_version = stored.or_else(|| shipped().covers(a.year).then_some(0));
    Ok(ImportPreview {
        year: a.year,
        current_version,
        next_version: stored.unwrap_or(0) + 1,
        identical: old
            .arrangement(a.year)
            .is_some_and(|cur| cur.fingerprint() == a.fingerprint()),
        working_days_before: old.working_days_in_year(a.year).ok(),
        working_days_after: new
            .working_days_in_year(a.year)
            .map_err(|e| calendar_error("year", &e))?,
        changes: changes(&old, &new, a),
    })
}

/// Imports a year's arrangement (administrator): validates it, refuses one identical to the
/// arrangement in effect, stores it as the year's next version with its audit entry, and
/// recomputes every open deadline it affects — all in one transaction — then reloads the
/// calendar.
///
/// # Errors
/// [`AppError::Forbidden`] for other roles; [`AppError::Invalid`] with every broken rule;
/// [`AppError::Conflict`] (`calendar_unchanged`) when nothing would change.
pub async fn import(
    app: &App,
    actor: &Actor,
    arrangement: YearArrangement,
    source: ImportSource,
    meta: &Meta,
) -> AppResult<ImportOutcome> {
    if actor.role != Role::Admin {
        return Err(forbidden());
    }
    import_as(app, &actor.into(), arrangement, source, meta).await
}

/// [`import`] of an arrangement given as JSON text (the API body, the page's form). The role is
/// checked before the text is read.
///
/// # Errors
/// As [`import`]; [`AppError::Invalid`] on field `arrangement` when the text is not an
/// arrangement.
pub async fn import_text(
    app: &App,
    actor: &Actor,
    text: &str,
    source: ImportSource,
    meta: &Meta,
) -> AppResult<ImportOutcome> {
    if actor.role != Role::Admin {
        return Err(forbidden());
    }
    import_as(app, &actor.into(), parse(text)?, source, meta).await
}

/// [`import`] on behalf of `who` without a role check (the command line).
///
/// # Errors
/// As [`import`], without the role check.
pub async fn import_as(
    app: &App,
    who: &Importer,
    arrangement: YearArrangement,
    source: ImportSource,
    meta: &Meta,
) -> AppResult<ImportOutcome> {
    validate(&arrangement)?;
    let year = arrangement.year;
    let fingerprint = arrangement.fingerprint();
    let json =
        serde_json::to_string_pretty(&arrangement).map_err(|e| AppError::Unexpected(e.into()))?;
    let now = app.now();
    let w = app.begin_write().await?;
    let (old, _) = effective(&w.txn).await?;
    let previous = old.arrangement(year).cloned();
    if previous
        .as_ref()
        .is_some_and(|p| p.fingerprint() == fingerprint)
    {
        return Err(AppError::Conflict {
            code: "calendar_unchanged",
            message: Msg::new(
                format!("{year}年的节假日安排与当前生效的版本完全相同，未导入"),
                format!(
                    "The {year} arrangement is identical to the one in effect; nothing was imported"
                ),
            ),
        });
    }
    let prior_version = latest_version(&w.txn, year).await?;
    let version = prior_version.unwrap_or(0) + 1;
    let new = old
        .with_year(arrangement.clone())
        .map_err(|e| calendar_error("arrangement", &e))?;
    let changed = changes(&old, &new, &arrangement);
    let recompute =
        deadlines::recompute_after_calendar_change(&w.txn, &new, now.fixed_offset()).await?;
    let row = calendar_version::Entity::insert(calendar_version::ActiveModel {
        year: Set(year),
        version: Set(version),
        arrangement: Set(json),
        fingerprint: Set(fingerprint),
        notice_number: Set(arrangement.notice.number.clone()),
        notice_title: Set(arrangement.notice.title.clone()),
        notice_published: Set(arrangement.notice.published),
        source: Set(source.code().to_owned()),
        imported_by: Set(who.user_id),
        imported_by_name: Set(who.name.clone()),
        imported_at: Set(now),
        recomputed_items: Set(i64::try_from(recompute.items_checked).unwrap_or(i64::MAX)),
        ..Default::default()
    })
    .exec_with_returning(&w.txn)
    .await?;
    let mut view = VersionView::from(&row);
    view.current = true;
    audit::append(
        &w.txn,
        now,
        &who.audit,
        meta,
        Change {
            action: "calendar.import",
            object_type: "calendar_version",
            object_id: row.id.to_string(),
            before: previous.as_ref().map(|p| {
                serde_json::json!({
                    "year": year,
                    "version": prior_version.unwrap_or(0),
                    "fingerprint": p.fingerprint(),
                    "notice_title": p.notice.title,
                })
            }),
            after: Some(serde_json::json!({
                "version": audit::snapshot(&view)?,
                "changed_days": changed.len(),
                "recompute": audit::snapshot(&recompute)?,
            })),
        },
    )
    .await?;
    w.commit().await?;
    if let Err(e) = reload(app).await {
        // The import is committed; the periodic refresh will pick it up.
        tracing::error!(error = ?e, "calendar reload after import failed");
    }
    Ok(ImportOutcome {
        version: view,
        recompute,
        changed_days: changed.len(),
    })
}

// ---------------------------------------------------------------------------------------------
// Queries: every signed-in user.

/// The message for a year without a published arrangement, naming the field that reached it.
pub fn unknown_year(field: &str, year: i32) -> AppError {
    AppError::Invalid(vec![FieldError::new(
        field,
        "calendar_year_unknown",
        format!("{year}年的节假日安排尚未公布（未导入），无法计算"),
        format!(
            "The {year} holiday arrangement has not been published (not imported); cannot compute"
        ),
    )])
}

/// A calendar error as a field error on `field`.
pub fn calendar_error(field: &str, e: &CalendarError) -> AppError {
    match e {
        CalendarError::UnknownYear { year } => unknown_year(field, *year),
        CalendarError::InvalidArrangement { errors, .. } => {
            AppError::Invalid(errors.iter().map(arrangement_error).collect())
        }
        CalendarError::InvalidRange { from, to } => AppError::Invalid(vec![FieldError::new(
            "to",
            "invalid_range",
            format!("结束年份 {to} 早于起始年份 {from}"),
            format!("the last year {to} is before the first year {from}"),
        )]),
        CalendarError::OutOfRange => AppError::Invalid(vec![FieldError::new(
            field,
            "out_of_range",
            "日期超出可计算的范围",
            "the date falls outside the range of representable dates",
        )]),
        CalendarError::DuplicateYear { .. } | CalendarError::Parse { .. } => {
            AppError::Invalid(vec![FieldError::new(
                field,
                "invalid_calendar",
                e.to_string(),
                e.to_string(),
            )])
        }
    }
}

/// Reads a `YYYY-MM-DD` date given in `field`.
///
/// # Errors
/// [`AppError::Invalid`] naming the field.
pub fn parse_date(field: &str, s: &str) -> AppResult<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| {
        AppError::Invalid(vec![FieldError::new(
            field,
            "invalid_date",
            format!("{field} 须为 YYYY-MM-DD 格式的日期，收到“{s}”"),
            format!("{field} must be a date as YYYY-MM-DD, got {s:?}"),
        )])
    })
}

/// Reads a whole number in `lo..=hi` given in `field`.
///
/// # Errors
/// [`AppError::Invalid`] naming the field.
pub fn parse_int(field: &str, s: &str, lo: i64, hi: i64) -> AppResult<i64> {
    s.trim()
        .parse::<i64>()
        .ok()
        .filter(|n| (lo..=hi).contains(n))
        .ok_or_else(|| {
            AppError::Invalid(vec![FieldError::new(
                field,
                "invalid_number",
                format!("{field} 须为 {lo} 到 {hi} 之间的整数，收到“{s}”"),
                format!("{field} must be a whole number from {lo} to {hi}, got {s:?}"),
            )])
        })
}

/// The largest `n` the queries accept: about 40 years of working days.
pub const MAX_DAYS: u32 = 10_000;

/// What the calendar says about one date.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct DayView {
    /// The date.
    pub date: NaiveDate,
    /// `workday`, `weekend`, `holiday` or `makeup_workday`.
    pub kind: String,
    /// Whether it is a working day.
    pub working: bool,
    /// The holiday (Chinese, as the notice writes it), for holidays and make-up working days.
    pub name: Option<String>,
    /// The holiday's stable code (`spring_festival`, …).
    pub name_code: Option<String>,
}

/// What the calendar says about `date`.
///
/// # Errors
/// [`AppError::Invalid`] on field `date` when its year has no published arrangement.
pub fn day(cal: &Calendar, date: NaiveDate) -> AppResult<DayView> {
    let i = cal.day(date).map_err(|e| calendar_error("date", &e))?;
    Ok(DayView {
        date,
        kind: i.kind.code().to_owned(),
        working: i.kind.is_working(),
        name: i.name.map(|n| n.as_str().to_owned()),
        name_code: i.name.map(|n| n.code().to_owned()),
    })
}

/// A date computed by adding working days.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct AddView {
    /// The start date.
    pub date: NaiveDate,
    /// The working days added.
    pub n: u32,
    /// The n-th working day after `date` (`n = 0`: `date` if working, else the next one).
    pub result: NaiveDate,
    /// `true` when the walk crossed a year without an arrangement, where Monday to Friday were
    /// counted: the result changes when that year is imported.
    pub provisional: bool,
}

/// The exact `date + n` working days.
///
/// # Errors
/// [`AppError::Invalid`] on `date` naming the first year without an arrangement it reaches.
pub fn add(cal: &Calendar, date: NaiveDate, n: u32) -> AppResult<AddView> {
    let result = cal.add(date, n).map_err(|e| calendar_error("date", &e))?;
    Ok(AddView {
        date,
        n,
        result,
        provisional: false,
    })
}

/// `date + n` working days, counting Monday to Friday in years without an arrangement (and
/// saying so) instead of refusing them.
///
/// # Errors
/// [`AppError::Invalid`] only when the result is beyond representable dates.
pub fn add_provisional(cal: &Calendar, date: NaiveDate, n: u32) -> AppResult<AddView> {
    let d = cal
        .add_provisional(date, n)
        .map_err(|e| calendar_error("n", &e))?;
    Ok(AddView {
        date,
        n,
        result: d.date,
        provisional: d.provisional,
    })
}

/// A count of working days.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct BetweenView {
    /// The first date (excluded).
    pub from: NaiveDate,
    /// The last date (included).
    pub to: NaiveDate,
    /// Working days in `(from, to]`; negative when `to` is before `from`.
    pub days: i64,
}

/// The field an unknown year belongs to: `from` if it is `from`'s year, else `to`.
fn range_field(from_year: i32, e: &CalendarError) -> &'static str {
    match e {
        CalendarError::UnknownYear { year } if *year == from_year => "from",
        _ => "to",
    }
}

/// Working days in `(from, to]`.
///
/// # Errors
/// [`AppError::Invalid`] on `from` or `to` naming the first year without an arrangement.
pub fn between(cal: &Calendar, from: NaiveDate, to: NaiveDate) -> AppResult<BetweenView> {
    let days = cal.between(from, to).map_err(|e| {
        let lo = from.min(to).year();
        let field = match &e {
            CalendarError::UnknownYear { year } if *year == lo && from > to => "to",
            _ => range_field(from.year(), &e),
        };
        calendar_error(field, &e)
    })?;
    Ok(BetweenView { from, to, days })
}

/// Every day of the years `from..=to` as CSV `date,kind,name` (no byte-order mark).
///
/// # Errors
/// [`AppError::Invalid`] on `from` or `to` naming the first year without an arrangement, or when
/// `to` is before `from`.
pub fn export(cal: &Calendar, from: i32, to: i32) -> AppResult<String> {
    cal.export_csv(from, to)
        .map_err(|e| calendar_error(range_field(from, &e), &e))
}
