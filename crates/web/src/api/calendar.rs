//! The working-day calendar: queries for every signed-in user, the history of versions, and the
//! administrator's import of a year's arrangement.

use super::ApiResult;
use crate::AppState;
use crate::error::Problem;
use crate::extract::{ApiQuery, ApiUser};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use daiban_app::calendar::{
    self, AddView, BetweenView, DayView, ImportOutcome, ImportSource, MAX_DAYS, VersionView,
};
use daiban_app::{AppError, AppResult, FieldError};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

fn required<'a>(field: &str, v: Option<&'a str>) -> AppResult<&'a str> {
    v.filter(|s| !s.trim().is_empty())
        .ok_or_else(|| AppError::Invalid(vec![FieldError::required(field, field)]))
}

/// What the calendar says about one date.
#[utoipa::path(get, path = "/api/v1/calendar/days/{date}", tag = "calendar", security(("bearer" = [])),
    params(("date" = String, Path, description = "YYYY-MM-DD")),
    responses((status = 200, body = DayView), (status = 401, body = Problem),
        (status = 422, body = Problem, description = "Not a date, or its year has no published arrangement (the year is named)")))]
pub async fn get_day(
    State(s): State<AppState>,
    user: ApiUser,
    Path(date): Path<String>,
) -> ApiResult<Json<DayView>> {
    let cal = s.app.calendar();
    calendar::parse_date("date", &date)
        .and_then(|d| calendar::day(&cal, d))
        .map(Json)
        .map_err(|e| user.err(e))
}

/// `date + n` working days.
#[derive(Debug, Deserialize, IntoParams)]
pub struct AddQuery {
    /// The start date, YYYY-MM-DD.
    pub date: Option<String>,
    /// Working days to add, 0 to 10000 (0: `date` if it is a working day, else the next one).
    pub n: Option<String>,
    /// `true`: never refuse a year without an arrangement; count Monday to Friday there and
    /// answer `provisional: true`.
    pub provisional: Option<bool>,
}

/// The date n working days after a date.
#[utoipa::path(get, path = "/api/v1/calendar/add", tag = "calendar", security(("bearer" = [])), params(AddQuery),
    responses((status = 200, body = AddView), (status = 401, body = Problem),
        (status = 422, body = Problem, description = "Bad input, or (without provisional=true) a year without a published arrangement, named")))]
pub async fn add(
    State(s): State<AppState>,
    user: ApiUser,
    ApiQuery(q): ApiQuery<AddQuery>,
) -> ApiResult<Json<AddView>> {
    let cal = s.app.calendar();
    let run = || -> AppResult<AddView> {
        let date = calendar::parse_date("date", required("date", q.date.as_deref())?)?;
        let n = calendar::parse_int("n", required("n", q.n.as_deref())?, 0, i64::from(MAX_DAYS))?;
        let n = u32::try_from(n).map_err(|e| AppError::Unexpected(e.into()))?;
        if q.provisional.unwrap_or(false) {
            calendar::add_provisional(&cal, date, n)
        } else {
            calendar::add(&cal, date, n)
        }
    };
    run().map(Json).map_err(|e| user.err(e))
}

/// A range of dates.
#[derive(Debug, Deserialize, IntoParams)]
pub struct BetweenQuery {
    /// The first date (excluded), YYYY-MM-DD.
    pub from: Option<String>,
    /// The last date (included), YYYY-MM-DD.
    pub to: Option<String>,
}

/// The number of working days in (from, to].
#[utoipa::path(get, path = "/api/v1/calendar/between", tag = "calendar", security(("bearer" = [])), params(BetweenQuery),
    responses((status = 200, body = BetweenView), (status = 401, body = Problem),
        (status = 422, body = Problem, description = "Bad input, or a year without a published arrangement, named")))]
pub async fn between(
    State(s): State<AppState>,
    user: ApiUser,
    ApiQuery(q): ApiQuery<BetweenQuery>,
) -> ApiResult<Json<BetweenView>> {
    let cal = s.app.calendar();
    let run = || -> AppResult<BetweenView> {
        let from = calendar::parse_date("from", required("from", q.from.as_deref())?)?;
        let to = calendar::parse_date("to", required("to", q.to.as_deref())?)?;
        calendar::between(&cal, from, to)
    };
    run().map(Json).map_err(|e| user.err(e))
}

/// A range of years.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ExportQuery {
    /// The first year.
    pub from: Option<String>,
    /// The last year.
    pub to: Option<String>,
}

/// Every day of the years as CSV `date,kind,name` (UTF-8 with a byte-order mark, so that Excel
/// shows the Chinese names); kind is `workday`, `weekend`, `holiday` or `makeup_workday`.
#[utoipa::path(get, path = "/api/v1/calendar/export", tag = "calendar", security(("bearer" = [])), params(ExportQuery),
    responses((status = 200, content_type = "text/csv", body = String), (status = 401, body = Problem),
        (status = 422, body = Problem, description = "Bad input, or a year without a published arrangement, named")))]
pub async fn export(
    State(s): State<AppState>,
    user: ApiUser,
    ApiQuery(q): ApiQuery<ExportQuery>,
) -> ApiResult<Response> {
    let cal = s.app.calendar();
    let run = || -> AppResult<(i32, i32, String)> {
        let year = |field: &str, v: Option<&str>| -> AppResult<i32> {
            let n = calendar::parse_int(field, required(field, v)?, 1, 9999)?;
            i32::try_from(n).map_err(|e| AppError::Unexpected(e.into()))
        };
        let from = year("from", q.from.as_deref())?;
        let to = year("to", q.to.as_deref())?;
        Ok((from, to, calendar::export(&cal, from, to)?))
    };
    let (from, to, csv) = run().map_err(|e| user.err(e))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"calendar-{from}-{to}.csv\""),
            ),
        ],
        format!("\u{feff}{csv}"),
    )
        .into_response())
}

/// Every year's versions, shipped (version 0) and imported, newest first.
#[utoipa::path(get, path = "/api/v1/calendar/versions", tag = "calendar", security(("bearer" = [])),
    responses((status = 200, body = Vec<VersionView>), (status = 401, body = Problem)))]
pub async fn versions(
    State(s): State<AppState>,
    user: ApiUser,
) -> ApiResult<Json<Vec<VersionView>>> {
    calendar::versions(&s.app)
        .await
        .map(Json)
        .map_err(|e| user.err(e))
}

/// The notice a year's arrangement comes from.
#[derive(Debug, ToSchema)]
#[expect(
    dead_code,
    reason = "documents the request body; the domain type is deserialised"
)]
pub struct NoticeDoc {
    /// Document number (文号), e.g. `国办发明电〔2025〕7号`; may be empty.
    number: String,
    /// Title, e.g. `国务院办公厅关于2027年部分节假日安排的通知` (required).
    title: String,
    /// The date the notice bears, YYYY-MM-DD, or null.
    published: Option<String>,
}

/// A later notice that changed the arrangement.
#[derive(Debug, ToSchema)]
#[expect(
    dead_code,
    reason = "documents the request body; the domain type is deserialised"
)]
pub struct AmendmentDoc {
    /// Document number; may be empty.
    number: String,
    /// Title (required).
    title: String,
    /// The date it bears, or null.
    published: Option<String>,
    /// What it changed.
    summary: String,
}

/// One date the notice names.
#[derive(Debug, ToSchema)]
#[expect(
    dead_code,
    reason = "documents the request body; the domain type is deserialised"
)]
pub struct DayEntryDoc {
    /// The date, YYYY-MM-DD.
    date: String,
    /// `true` for a day off, `false` for a make-up working day (a Saturday or Sunday).
    off: bool,
    /// The holiday: 元旦, 春节, 清明节, 劳动节, 端午节, 中秋节, 国庆节, 国庆节、中秋节, 抗战胜利纪念日.
    name: String,
}

/// A year's arrangement, the format of `data/calendar/YYYY.json` (unknown fields are refused).
#[derive(Debug, ToSchema)]
#[expect(
    dead_code,
    reason = "documents the request body; the domain type is deserialised"
)]
pub struct ArrangementDoc {
    /// The year.
    year: i32,
    /// The notice.
    notice: NoticeDoc,
    /// Later changes, oldest first (may be omitted).
    amendments: Vec<AmendmentDoc>,
    /// Every named date.
    days: Vec<DayEntryDoc>,
}

/// Import a year's arrangement (administrator): validated, stored as the year's next version,
/// open deadlines recomputed, all in one transaction.
#[utoipa::path(post, path = "/api/v1/calendar/imports", tag = "calendar", security(("bearer" = [])), request_body = ArrangementDoc,
    responses((status = 201, body = ImportOutcome), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 409, body = Problem, description = "Identical to the arrangement in effect (code calendar_unchanged)"),
        (status = 422, body = Problem, description = "Every broken rule, each naming its date (field) and rule (code)")))]
pub async fn import(
    State(s): State<AppState>,
    user: ApiUser,
    body: axum::body::Bytes,
) -> ApiResult<(StatusCode, Json<ImportOutcome>)> {
    // The body is read as text so that a refused role gets 403 before any parsing.
    let text = String::from_utf8_lossy(&body);
    let o = calendar::import_text(
        &s.app,
        &user.actor,
        &text,
        ImportSource::Api,
        &user.ctx.meta,
    )
    .await
    .map_err(|e| user.err(e))?;
    Ok((StatusCode::CREATED, Json(o)))
}
