//! 工作日历: the year page for staff (twelve month grids, the notice, a calculator that works
//! without JavaScript) and the administrator's page (every year's versions and the import form).

use super::{Chrome, check_csrf, chrome, error_page, render, see_other};
use crate::AppState;
use crate::extract::PageUser;
use crate::i18n::t;
use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{Datelike, NaiveDate};
use daiban_app::calendar::{self, ImportSource, MAX_DAYS, VersionView};
use daiban_app::{AppError, error::forbidden};
use daiban_domain::calendar::{Calendar, DayKind, HolidayName};
use daiban_domain::role::Role;
use serde::Deserialize;

fn staff_only(user: &PageUser) -> Result<(), Response> {
    if matches!(user.actor.role, Role::Enterprise | Role::Auditor) {
        Err(error_page(&forbidden(), user.lang, &user.meta.request_id))
    } else {
        Ok(())
    }
}

fn holiday_label(lang: &str, name: HolidayName) -> String {
    t(lang, &format!("holiday.{}", name.code()))
}

/// `?year=` of the year switch.
#[derive(Deserialize)]
pub struct YearQuery {
    year: Option<String>,
}

/// GET /calendar: the current year's page (or the year chosen in the switch).
pub async fn index(
    State(s): State<AppState>,
    user: PageUser,
    Query(q): Query<YearQuery>,
) -> Response {
    if let Err(r) = staff_only(&user) {
        return r;
    }
    let year = q
        .year
        .as_deref()
        .and_then(|y| y.trim().parse::<i32>().ok())
        .unwrap_or_else(|| china_today(&s).year());
    see_other(&format!("/calendar/{year}"))
}

fn china_today(s: &AppState) -> NaiveDate {
    (s.app.now() + chrono::Duration::hours(8)).date_naive()
}

/// One day cell of a month grid.
pub struct Cell {
    /// Day of the month.
    pub day: u32,
    /// The ISO date.
    pub date: String,
    /// CSS class: `workday`, `weekend`, `holiday`, `makeup`.
    pub class: &'static str,
    /// The visible text marker (休 / 班), empty for ordinary days.
    pub mark: String,
    /// The full description (kind and holiday), for the title and screen readers.
    pub label: String,
}

/// One month as weeks of seven cells (Monday first); `None` pads before the 1st and after the
/// last day.
pub struct Month {
    /// Its name.
    pub name: String,
    /// The weeks.
    pub weeks: Vec<Vec<Option<Cell>>>,
}

/// One holiday of the year: its days off and make-up working days.
pub struct HolidayRow {
    /// The name in the page's language.
    pub name: String,
    /// Days off, as ranges.
    pub off: String,
    /// Number of days off.
    pub off_count: usize,
    /// Make-up working days.
    pub makeup: String,
}

fn ranges(dates: &[NaiveDate]) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < dates.len() {
        let mut j = i;
        while j + 1 < dates.len() && dates[j].succ_opt() == Some(dates[j + 1]) {
            j += 1;
        }
        if i == j {
            out.push(dates[i].to_string());
        } else {
            out.push(format!("{} – {}", dates[i], dates[j]));
        }
        i = j + 1;
    }
    out.join("，")
}

fn months(cal: &Calendar, year: i32, lang: &str) -> Vec<Month> {
    let mut out = Vec::new();
    for m in 1..=12u32 {
        let Some(first) = NaiveDate::from_ymd_opt(year, m, 1) else {
            continue;
        };
        let mut weeks: Vec<Vec<Option<Cell>>> = Vec::new();
        let mut week: Vec<Option<Cell>> = (0..first.weekday().num_days_from_monday())
            .map(|_| None)
            .collect();
        for d in first.iter_days().take_while(|d| d.month() == m) {
            let (class, mark, label) = match cal.day(d) {
                Ok(info) => {
                    let name = info.name.map(|n| holiday_label(lang, n));
                    let kind = t(lang, &format!("calendar.kind_{}", info.kind.code()));
                    let label = match &name {
                        Some(n) => format!("{kind}：{n}"),
                        None => kind,
                    };
                    match info.kind {
                        DayKind::Holiday => ("holiday", t(lang, "calendar.mark_holiday"), label),
                        DayKind::MakeupWorkday => {
                            ("makeup", t(lang, "calendar.mark_makeup"), label)
                        }
                        DayKind::Weekend => ("weekend", String::new(), label),
                        DayKind::Workday => ("workday", String::new(), label),
                    }
                }
                Err(_) => ("workday", String::new(), String::new()),
            };
            week.push(Some(Cell {
                day: d.day(),
                date: d.to_string(),
                class,
                mark,
                label,
            }));
            if week.len() == 7 {
                weeks.push(std::mem::take(&mut week));
            }
        }
        if !week.is_empty() {
            week.resize_with(7, || None);
            weeks.push(week);
        }
        out.push(Month {
            name: t(lang, &format!("calendar.m{m}")),
            weeks,
        });
    }
    out
}

fn holidays(cal: &Calendar, year: i32, lang: &str) -> Vec<HolidayRow> {
    let Some(a) = cal.arrangement(year) else {
        return Vec::new();
    };
    let mut names: Vec<HolidayName> = a
        .days
        .iter()
        .filter_map(|e| HolidayName::parse(&e.name))
        .collect();
    names.sort_by_key(|n| {
        a.days
            .iter()
            .filter(|e| HolidayName::parse(&e.name) == Some(*n) && e.off)
            .map(|e| e.date)
            .min()
    });
    names.dedup();
    names
        .into_iter()
        .map(|n| {
            let pick = |off: bool| {
                let mut v: Vec<NaiveDate> = a
                    .days
                    .iter()
                    .filter(|e| e.off == off && HolidayName::parse(&e.name) == Some(n))
                    .map(|e| e.date)
                    .collect();
                v.sort_unstable();
                v
            };
            let off = pick(true);
            let makeup = pick(false);
            HolidayRow {
                name: holiday_label(lang, n),
                off: ranges(&off),
                off_count: off.len(),
                makeup: if makeup.is_empty() {
                    "—".to_owned()
                } else {
                    ranges(&makeup)
                },
            }
        })
        .collect()
}

/// The calculator's inputs.
#[derive(Deserialize, Default)]
pub struct CalcQuery {
    #[serde(default)]
    start: String,
    #[serde(default)]
    n: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

#[derive(Template)]
#[template(path = "calendar_year.html")]
struct YearTpl {
    c: Chrome,
    year: i32,
    known: bool,
    unknown_msg: String,
    notice_number: String,
    notice_title: String,
    notice_published: String,
    amendments: Vec<String>,
    version_note: String,
    working_days: String,
    years: Vec<i32>,
    months: Vec<Month>,
    weekdays: Vec<String>,
    holidays: Vec<HolidayRow>,
    q: CalcQuery,
    add_result: Option<String>,
    add_error: Option<String>,
    between_result: Option<String>,
    between_error: Option<String>,
}

fn first_message(e: &AppError, lang: &str) -> String {
    match e {
        AppError::Invalid(list) => list
            .iter()
            .map(|f| f.message.get(lang).to_owned())
            .collect::<Vec<_>>()
            .join("；"),
        other => crate::error::classify(other, lang).3,
    }
}

/// GET /calendar/{year}
pub async fn year(
    State(s): State<AppState>,
    user: PageUser,
    Path(year): Path<String>,
    Query(q): Query<CalcQuery>,
) -> Response {
    if let Err(r) = staff_only(&user) {
        return r;
    }
    let lang = user.lang;
    let year = match calendar::parse_int(
        "year",
        &year,
        i64::from(daiban_domain::calendar::FIRST_SUPPORTED_YEAR),
        i64::from(daiban_domain::calendar::LAST_SUPPORTED_YEAR),
    )
    .and_then(|y| i32::try_from(y).map_err(|e| AppError::Unexpected(e.into())))
    {
        Ok(y) => y,
        Err(e) => return error_page(&e, lang, &user.meta.request_id),
    };
    let cal = s.app.calendar();
    let versions = match calendar::versions(&s.app).await {
        Ok(v) => v,
        Err(e) => return error_page(&e, lang, &user.meta.request_id),
    };
    let current: Option<&VersionView> = versions.iter().find(|v| v.year == year && v.current);
    let version_note = current.map_or_else(String::new, |v| {
        if v.version == 0 {
            t(lang, "calendar.source_shipped")
        } else {
            format!(
                "{} {}{}",
                t(lang, "calendar.source_imported"),
                v.version,
                v.imported_at
                    .map(|at| format!(" · {}", at.format("%Y-%m-%d")))
                    .unwrap_or_default()
            )
        }
    });
    let arrangement = cal.arrangement(year);
    let known = arrangement.is_some();
    let calc = |r: Result<String, AppError>| match r {
        Ok(v) => (Some(v), None),
        Err(e) => (None, Some(first_message(&e, lang))),
    };
    let (add_result, add_error) = if q.start.trim().is_empty() && q.n.trim().is_empty() {
        (None, None)
    } else {
        calc(
            calendar::parse_date("start", &q.start)
                .and_then(|d| {
                    let n = calendar::parse_int("n", &q.n, 0, i64::from(MAX_DAYS))?;
                    let n = u32::try_from(n).map_err(|e| AppError::Unexpected(e.into()))?;
                    calendar::add(&cal, d, n)
                })
                .map(|v| v.result.to_string()),
        )
    };
    let (between_result, between_error) = if q.from.trim().is_empty() && q.to.trim().is_empty() {
        (None, None)
    } else {
        calc(
            calendar::parse_date("from", &q.from)
                .and_then(|a| Ok((a, calendar::parse_date("to", &q.to)?)))
                .and_then(|(a, b)| calendar::between(&cal, a, b))
                .map(|v| v.days.to_string()),
        )
    };
    let mut c = chrome(
        &user,
        "/calendar",
        "calendar.title",
        vec![
            (t(lang, "calendar.title"), Some("/calendar".into())),
            (year.to_string(), None),
        ],
    );
    c.title = format!("{} · {year}", t(lang, "calendar.title"));
    let years = {
        let mut v = cal.years();
        let this = china_today(&s).year();
        for y in [this, this + 1, year] {
            if !v.contains(&y) {
                v.push(y);
            }
        }
        v.sort_unstable();
        v.reverse();
        v
    };
    render(&YearTpl {
        unknown_msg: first_message(&calendar::unknown_year("year", year), lang),
        notice_number: arrangement
            .map(|a| a.notice.number.clone())
            .unwrap_or_default(),
        notice_title: arrangement
            .map(|a| a.notice.title.clone())
            .unwrap_or_default(),
        notice_published: arrangement
            .and_then(|a| a.notice.published)
            .map(|d| d.to_string())
            .unwrap_or_default(),
        amendments: arrangement
            .map(|a| {
                a.amendments
                    .iter()
                    .map(|m| format!("{} {}", m.number, m.title).trim().to_owned())
                    .collect()
            })
            .unwrap_or_default(),
        working_days: cal
            .working_days_in_year(year)
            .map(|n| n.to_string())
            .unwrap_or_default(),
        months: if known {
            months(&cal, year, lang)
        } else {
            Vec::new()
        },
        holidays: holidays(&cal, year, lang),
        weekdays: (1..=7)
            .map(|k| t(lang, &format!("calendar.wd{k}")))
            .collect(),
        c,
        year,
        known,
        version_note,
        years,
        q,
        add_result,
        add_error,
        between_result,
        between_error,
    })
}

/// A version row of the administrator's table.
pub struct VersionRow {
    /// The version.
    pub v: VersionView,
    /// Source label.
    pub source: String,
    /// When imported, China time.
    pub when: String,
}

#[derive(Template)]
#[template(path = "admin_calendar.html")]
struct AdminTpl {
    c: Chrome,
    rows: Vec<VersionRow>,
    text: String,
    errors: Vec<(String, String)>,
    form_error: String,
}

fn admin_page(
    user: &PageUser,
    versions: Vec<VersionView>,
    text: String,
    errors: Vec<(String, String)>,
    form_error: String,
    flash: Option<String>,
) -> Response {
    let lang = user.lang;
    let mut c = chrome(
        user,
        "/admin/calendar",
        "calendar.admin_title",
        vec![(t(lang, "calendar.admin_title"), None)],
    );
    c.flash = flash;
    let rows = versions
        .into_iter()
        .map(|v| VersionRow {
            source: t(lang, &format!("calendar.src_{}", v.source)),
            when: v
                .imported_at
                .map(|at| {
                    (at + chrono::Duration::hours(8))
                        .format("%Y-%m-%d %H:%M")
                        .to_string()
                })
                .unwrap_or_default(),
            v,
        })
        .collect();
    render(&AdminTpl {
        c,
        rows,
        text,
        errors,
        form_error,
    })
}

/// `?imported=ID` after a successful import.
#[derive(Deserialize)]
pub struct ImportedQuery {
    imported: Option<i64>,
}

/// GET /admin/calendar
pub async fn admin(
    State(s): State<AppState>,
    user: PageUser,
    Query(q): Query<ImportedQuery>,
) -> Response {
    if user.actor.role != Role::Admin {
        return error_page(&forbidden(), user.lang, &user.meta.request_id);
    }
    let versions = match calendar::versions(&s.app).await {
        Ok(v) => v,
        Err(e) => return error_page(&e, user.lang, &user.meta.request_id),
    };
    let flash = q.imported.and_then(|id| {
        versions.iter().find(|v| v.id == Some(id)).map(|v| {
            t(user.lang, "calendar.imported")
                .replace("{year}", &v.year.to_string())
                .replace("{version}", &v.version.to_string())
                .replace("{count}", &v.recomputed_items.unwrap_or(0).to_string())
        })
    });
    admin_page(
        &user,
        versions,
        String::new(),
        Vec::new(),
        String::new(),
        flash,
    )
}

/// The import form as posted.
#[derive(Deserialize)]
pub struct ImportForm {
    #[serde(default)]
    arrangement: String,
    #[serde(default, rename = "_csrf")]
    csrf: String,
}

/// POST /admin/calendar
pub async fn import(
    State(s): State<AppState>,
    user: PageUser,
    Form(f): Form<ImportForm>,
) -> Response {
    if let Err(r) = check_csrf(&user, &f.csrf) {
        return r;
    }
    let result = calendar::import_text(
        &s.app,
        &user.actor,
        &f.arrangement,
        ImportSource::Web,
        &user.meta,
    )
    .await;
    let e = match result {
        Ok(o) => {
            return see_other(&format!(
                "/admin/calendar?imported={}",
                o.version.id.unwrap_or_default()
            ));
        }
        Err(e) => e,
    };
    let (status, errors, form_error) = match &e {
        AppError::Invalid(list) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            list.iter()
                .map(|x| (x.field.clone(), x.message.get(user.lang).to_owned()))
                .collect(),
            String::new(),
        ),
        AppError::Conflict { message, .. } => (
            StatusCode::CONFLICT,
            Vec::new(),
            message.get(user.lang).to_owned(),
        ),
        _ => return error_page(&e, user.lang, &user.meta.request_id),
    };
    let versions = match calendar::versions(&s.app).await {
        Ok(v) => v,
        Err(e) => return error_page(&e, user.lang, &user.meta.request_id),
    };
    let mut r = admin_page(&user, versions, f.arrangement, errors, form_error, None);
    *r.status_mut() = status;
    r
}
