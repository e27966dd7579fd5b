//! The quarterly evaluation computed from what happened: findings detected from the other
//! features' records (overdue steps, notice breaches, lost materials, late problem reporting,
//! staffing evidence, attendance), the bureau's recorded ones, and per unit and quarter the six
//! categories floored at zero, the total out of 100 and the rank.

use crate::findings::{self, NewFinding, Source};
use crate::{AppError, AppResult};
use chrono::{DateTime, NaiveDate, Utc};
use daiban_domain::clock::CHINA;
use daiban_domain::evaluation::{Category, Cents, Quarter, Scheme, floored, fmt_points, ranks};
use daiban_domain::personnel::Post;
use daiban_domain::problem::Attendance;
use daiban_domain::unit::UnitKind;
use daiban_store::entity::{
    activity, activity_invitee, case_item, deadline_alert, finding, one_time_notice, post, problem,
    problem_overdue, project_event, staffing_evidence, unit, user,
};
use sea_orm::sea_query::ExprTrait;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

fn china_day(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&CHINA).date_naive()
}

/// The quarter's range as UTC instants: from its first day's midnight in China to the next
/// quarter's.
fn bounds(q: Quarter) -> (DateTime<Utc>, DateTime<Utc>) {
    let at = |d: NaiveDate| {
        d.and_hms_opt(0, 0, 0)
            .and_then(|t| t.and_local_timezone(CHINA).single())
            .map_or(DateTime::<Utc>::MIN_UTC, |t| t.with_timezone(&Utc))
    };
    (at(q.first_day()), at(q.next().first_day()))
}

/// What a detection run found.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Detected {
    /// New findings, by source of evidence.
    pub overdue_steps: u64,
    /// One-time notices that demanded something new.
    pub notice_breaches: u64,
    /// Materials reported lost.
    pub lost_materials: u64,
    /// Problems left too long at a unit.
    pub late_problems: u64,
    /// Staffing: below count, non-qualifying cadre, adjustments against the rules.
    pub staffing: u64,
    /// Late, early or absent without leave at the bureau's activities.
    pub attendance: u64,
}

impl Detected {
    /// All new findings.
    pub const fn total(&self) -> u64 {
        self.overdue_steps
            + self.notice_breaches
            + self.lost_materials
            + self.late_problems
            + self.staffing
            + self.attendance
    }
}

/// Detects the findings of `quarter` from the records, inside the caller's transaction. Each
/// fact gives one finding once (its detection key), proposed for the bureau to confirm.
///
/// # Errors
/// Database failure.
#[expect(
    clippy::too_many_lines,
    reason = "one detector per source of evidence, in order"
)]
pub async fn detect<C: ConnectionTrait>(
    txn: &C,
    now: DateTime<Utc>,
    scheme: &Scheme,
    quarter: Quarter,
) -> AppResult<Detected> {
    let (from, to) = bounds(quarter);
    let mut d = Detected::default();
    // The evidence already recorded, read once: the monitor runs this every minute, and at
    // province scale looking up each piece of evidence and its finding one by one took most of
    // a run (tens of thousands of red steps a quarter).
    let known: BTreeSet<String> = finding::Entity::find()
        .select_only()
        .column(finding::Column::DetectedKey)
        .filter(finding::Column::Quarter.eq(quarter.to_string()))
        .filter(finding::Column::DetectedKey.is_not_null())
        .into_tuple::<Option<String>>()
        .all(txn)
        .await?
        .into_iter()
        .flatten()
        .collect();
    let recorded = |kind: &str, id: i64| known.contains(&format!("{kind}:{id}"));
    let add = async |f: NewFinding| -> AppResult<u64> {
        Ok(u64::from(
            findings::insert(txn, now, scheme, f).await?.is_some(),
        ))
    };
    let base = |unit_id, rule: &str, day, kind: &str, id, label: String, project| NewFinding {
        unit_id,
        rule: rule.into(),
        occurred_on: day,
        evidence_kind: kind.into(),
        evidence_id: Some(id),
        evidence_label: label,
        project_id: project,
        detected_key: Some(format!("{kind}:{id}")),
        note: String::new(),
        source: Source::Detected,
        recorded_by: None,
        confirmed_by: None,
    };
    // Overdue steps: the agent's submission, the department's review, the report upward. (The
    // whole item's clock is the sum of those: not counted again.)
    for a in deadline_alert::Entity::find()
        .filter(deadline_alert::Column::Level.eq("red"))
        .filter(deadline_alert::Column::Step.is_in(["submission", "review", "report_up"]))
        .filter(deadline_alert::Column::DueAt.gte(from))
        .filter(deadline_alert::Column::DueAt.lt(to))
        .order_by_asc(deadline_alert::Column::Id)
        .all(txn)
        .await?
    {
        if recorded("deadline_alert", a.id) {
            continue;
        }
        let item = case_item::Entity::find_by_id(a.case_item_id)
            .one(txn)
            .await?;
        let label = item.map_or_else(String::new, |c| {
            format!("{} {} · {}", c.item_code, c.item_name, step_zh(&a.step))
        });
        d.overdue_steps += add(base(
            a.responsible_unit_id,
            "coordination_delay",
            china_day(a.due_at),
            "deadline_alert",
            a.id,
            label,
            Some(a.project_id),
        ))
        .await?;
    }
    // One-time notices that demanded something the first did not (一次性告知 breached).
    for n in one_time_notice::Entity::find()
        .filter(one_time_notice::Column::BreachCodes.ne(""))
        .filter(one_time_notice::Column::BreachCodes.ne("[]"))
        .filter(one_time_notice::Column::IssuedAt.gte(from))
        .filter(one_time_notice::Column::IssuedAt.lt(to))
        .order_by_asc(one_time_notice::Column::Id)
        .all(txn)
        .await?
    {
        if recorded("notice", n.id) {
            continue;
        }
        let Some(item) = case_item::Entity::find_by_id(n.case_item_id)
            .one(txn)
            .await?
        else {
            continue;
        };
        let issuer_unit = match n.issued_by {
            Some(u) => user::Entity::find_by_id(u)
                .one(txn)
                .await?
                .and_then(|u| u.unit_id),
            None => None,
        };
        d.notice_breaches += add(base(
            issuer_unit.unwrap_or(item.unit_id),
            "no_first_contact_or_notice",
            china_day(n.issued_at),
            "notice",
            n.id,
            format!("{} {} · 第{}次告知", item.item_code, item.item_name, n.seq),
            Some(item.project_id),
        ))
        .await?;
    }
    // Materials reported lost, charged to the unit that held them.
    for e in project_event::Entity::find()
        .filter(project_event::Column::Kind.eq("material.report_lost"))
        .filter(project_event::Column::OccurredAt.gte(from))
        .filter(project_event::Column::OccurredAt.lt(to))
        .order_by_asc(project_event::Column::Id)
        .all(txn)
        .await?
    {
        if recorded("material_event", e.id) {
            continue;
        }
        let data: serde_json::Value = serde_json::from_str(&e.data).unwrap_or_default();
        let Some(unit_id) = data["responsible_unit_id"].as_i64() else {
            continue;
        };
        d.lost_materials += add(base(
            unit_id,
            "materials_lost",
            china_day(e.occurred_at),
            "material_event",
            e.id,
            data["material"].as_str().unwrap_or_default().to_owned(),
            Some(e.project_id),
        ))
        .await?;
    }
    // Problems left too long at a unit (late reporting).
    for o in problem_overdue::Entity::find()
        .filter(problem_overdue::Column::DueAt.gte(from))
        .filter(problem_overdue::Column::DueAt.lt(to))
        .order_by_asc(problem_overdue::Column::Id)
        .all(txn)
        .await?
    {
        if recorded("problem_overdue", o.id) {
            continue;
        }
        let p = problem::Entity::find_by_id(o.problem_id).one(txn).await?;
        d.late_problems += add(base(
            o.responsible_unit_id,
            "coordination_delay",
            china_day(o.due_at),
            "problem_overdue",
            o.id,
            p.as_ref().map(|p| p.title.clone()).unwrap_or_default(),
            p.map(|p| p.project_id),
        ))
        .await?;
    }
    // Staffing: an episode below the count or with a non-qualifying holder that overlaps the
    // quarter is one finding for the quarter; each adjustment against the rules, one.
    for e in staffing_evidence::Entity::find()
        .filter(staffing_evidence::Column::OpenedOn.lte(quarter.last_day()))
        .filter(
            staffing_evidence::Column::ClosedOn
                .is_null()
                .or(staffing_evidence::Column::ClosedOn.gte(quarter.first_day())),
        )
        .order_by_asc(staffing_evidence::Column::Id)
        .all(txn)
        .await?
    {
        let today = china_day(now);
        let (rule, key, label) = match e.kind.as_str() {
            "adjustment_rule" => (
                "adjustment_violation",
                format!("staffing_evidence:{}", e.id),
                e.detail.clone(),
            ),
            "non_qualifying" | "below_count" => (
                if e.kind == "below_count" {
                    "below_count"
                } else {
                    "non_qualifying_cadre"
                },
                format!("staffing:{}:{}:{quarter}", e.kind, e.unit_id),
                e.detail.clone(),
            ),
            _ => continue,
        };
        let day = Ord::max(e.opened_on, quarter.first_day());
        if day > today || known.contains(&key) {
            continue;
        }
        let mut f = base(e.unit_id, rule, day, "staffing_evidence", e.id, label, None);
        f.detected_key = Some(key);
        d.staffing += add(f).await?;
    }
    // Late, early or absent without leave at the bureau's activities held in the quarter.
    let kinds: Vec<&str> = Attendance::ALL
        .into_iter()
        .filter(|a| a.is_discipline_finding())
        .map(Attendance::code)
        .collect();
    for a in activity::Entity::find()
        .filter(activity::Column::Status.eq("held"))
        .filter(activity::Column::ScheduledAt.gte(from))
        .filter(activity::Column::ScheduledAt.lt(to))
        .order_by_asc(activity::Column::Id)
        .all(txn)
        .await?
    {
        for i in activity_invitee::Entity::find()
            .filter(activity_invitee::Column::ActivityId.eq(a.id))
            .filter(activity_invitee::Column::Attendance.is_in(kinds.clone()))
            .order_by_asc(activity_invitee::Column::Id)
            .all(txn)
            .await?
        {
            if recorded("attendance", i.id) {
                continue;
            }
            let name = crate::users::user_name(txn, Some(i.user_id)).await?;
            d.attendance += add(base(
                i.unit_id,
                "attendance",
                china_day(a.scheduled_at),
                "attendance",
                i.id,
                format!("{} · {name}", a.topic),
                None,
            ))
            .await?;
        }
    }
    Ok(d)
}

fn step_zh(step: &str) -> &'static str {
    match step {
        "submission" => "代办报送超时",
        "review" => "部门办结超时",
        "report_up" => "上报超时",
        _ => "超时",
    }
}

/// One unit's result for a quarter.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UnitResult {
    /// Unit id.
    pub unit_id: i64,
    /// Unit code.
    pub unit_code: String,
    /// Unit name.
    pub unit_name: String,
    /// Unit kind code.
    pub unit_kind: String,
    /// Score per category in hundredths; the appraisal is `None` without an appraisal.
    #[schema(value_type = BTreeMap<String, Option<i64>>)]
    pub categories: BTreeMap<Category, Option<Cents>>,
    /// The confirmed findings counted, per category.
    #[schema(value_type = BTreeMap<String, u32>)]
    pub findings: BTreeMap<Category, u32>,
    /// Total in hundredths.
    pub total: Cents,
    /// Rank (1 is best; equal totals share a rank).
    pub rank: u32,
}

/// A quarter's result.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct QuarterResult {
    /// `2026Q3`.
    pub quarter: String,
    /// The scheme's version.
    pub scheme: String,
    /// Every evaluated unit, best first.
    pub units: Vec<UnitResult>,
}

/// Whether units of this kind are evaluated (town units and departments).
pub fn evaluated(kind: &str) -> bool {
    kind.parse::<UnitKind>()
        .ok()
        .and_then(Post::for_unit)
        .is_some()
}

/// Computes the quarter from the confirmed findings, the units' facts and the appraisal scores
/// given (`None` for a unit without an appraisal).
///
/// # Errors
/// Database failure.
pub async fn compute<C: ConnectionTrait>(
    db: &C,
    scheme: &Scheme,
    quarter: Quarter,
    appraisal: &BTreeMap<i64, Option<Cents>>,
) -> AppResult<QuarterResult> {
    let units: Vec<unit::Model> = unit::Entity::find()
        .filter(unit::Column::Active.eq(true))
        .order_by_asc(unit::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .filter(|u| evaluated(&u.kind))
        .collect();
    let deductions = findings::confirmed_deductions(db, quarter).await?;
    // Departments without a service-center window need a named helper: one filed at the
    // quarter's end.
    let end = quarter.last_day();
    let helpers: std::collections::BTreeSet<i64> = post::Entity::find()
        .filter(post::Column::Since.lte(end))
        .filter(
            post::Column::Until
                .is_null()
                .or(post::Column::Until.gte(end)),
        )
        .all(db)
        .await?
        .into_iter()
        .map(|p| p.unit_id)
        .collect();
    let points = |c: Category| scheme.category(c).map_or(0, |c| c.points.0);
    let mut out = Vec::with_capacity(units.len());
    for u in units {
        let mut categories = BTreeMap::new();
        let mut counts = BTreeMap::new();
        let set_up = if u.kind == "department" {
            u.center_window || helpers.contains(&u.id)
        } else {
            u.agency_window
        };
        categories.insert(
            Category::PostSetup,
            Some(if set_up {
                points(Category::PostSetup)
            } else {
                0
            }),
        );
        for c in [
            Category::Staffing,
            Category::Service,
            Category::Discipline,
            Category::Complaints,
        ] {
            let d = deductions.get(&(u.id, c)).cloned().unwrap_or_default();
            counts.insert(c, u32::try_from(d.len()).unwrap_or(u32::MAX));
            categories.insert(c, Some(floored(points(c), d)));
        }
        categories.insert(
            Category::Appraisal,
            appraisal
                .get(&u.id)
                .copied()
                .flatten()
                .map(|a| a.clamp(0, points(Category::Appraisal))),
        );
        let total = categories.values().map(|v| v.unwrap_or(0)).sum();
        out.push(UnitResult {
            unit_id: u.id,
            unit_code: u.code,
            unit_name: u.name,
            unit_kind: u.kind,
            categories,
            findings: counts,
            total,
            rank: 0,
        });
    }
    let totals: Vec<Cents> = out.iter().map(|u| u.total).collect();
    for (u, r) in out.iter_mut().zip(ranks(&totals)) {
        u.rank = r;
    }
    out.sort_by(|a, b| a.rank.cmp(&b.rank).then(a.unit_code.cmp(&b.unit_code)));
    Ok(QuarterResult {
        quarter: quarter.to_string(),
        scheme: scheme.version.clone(),
        units: out,
    })
}

/// The appraisal score of each evaluated unit for `quarter` from its democratic-appraisal survey:
/// the counted answers' score, else the bureau's recorded decision (`None`: no appraisal).
///
/// # Errors
/// Database failure.
pub async fn appraisals<C: ConnectionTrait>(
    db: &C,
    scheme: &Scheme,
    quarter: Quarter,
) -> AppResult<BTreeMap<i64, Option<Cents>>> {
    Ok(crate::surveys::appraisal(db, scheme, quarter)
        .await?
        .into_iter()
        .map(|(u, a)| (u, a.score.or(a.decided.map(|d| d.0))))
        .collect())
}

/// The quarter as it stands now, on the app's scheme (the CLI, the API, the pages).
///
/// # Errors
/// Database failure.
pub async fn of_quarter(app: &crate::App, quarter: Quarter) -> AppResult<QuarterResult> {
    let db = &app.db.conn;
    let a = appraisals(db, &app.scheme, quarter).await?;
    compute(db, &app.scheme, quarter, &a).await
}

/// A number printed with two decimals, as a JSON number (`28.50`).
struct Num(Cents);

impl Serialize for Num {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let raw = serde_json::value::RawValue::from_string(fmt_points(self.0))
            .map_err(serde::ser::Error::custom)?;
        raw.serialize(s)
    }
}

/// The result in the CLI's and the API's JSON contract: `{"quarter", "scheme", "units":
/// [{"unit_code", "unit_name", "categories": {…}, "total", "rank"}]}`, numbers with two decimals,
/// `appraisal` null without an appraisal.
///
/// # Errors
/// Serialisation failure (none expected).
pub fn to_json(r: &QuarterResult) -> AppResult<String> {
    #[derive(Serialize)]
    struct U<'a> {
        unit_code: &'a str,
        unit_name: &'a str,
        categories: BTreeMap<&'static str, Option<Num>>,
        total: Num,
        rank: u32,
    }
    #[derive(Serialize)]
    struct Q<'a> {
        quarter: &'a str,
        scheme: &'a str,
        units: Vec<U<'a>>,
    }
    let q = Q {
        quarter: &r.quarter,
        scheme: &r.scheme,
        units: r
            .units
            .iter()
            .map(|u| U {
                unit_code: &u.unit_code,
                unit_name: &u.unit_name,
                categories: Category::ALL
                    .into_iter()
                    .map(|c| (c.code(), u.categories.get(&c).copied().flatten().map(Num)))
                    .collect(),
                total: Num(u.total),
                rank: u.rank,
            })
            .collect(),
    };
    serde_json::to_string_pretty(&q).map_err(|e| AppError::Unexpected(e.into()))
}

/// The header of the CSV and table forms.
pub const COLUMNS: [&str; 10] = [
    "rank",
    "unit_code",
    "unit_name",
    "post_setup",
    "staffing",
    "service",
    "discipline",
    "appraisal",
    "complaints",
    "total",
];

fn cells(u: &UnitResult) -> Vec<String> {
    let mut v = vec![u.rank.to_string(), u.unit_code.clone(), u.unit_name.clone()];
    for c in Category::ALL {
        v.push(
            u.categories
                .get(&c)
                .copied()
                .flatten()
                .map_or_else(|| "—".to_owned(), fmt_points),
        );
    }
    v.push(fmt_points(u.total));
    v
}

/// The result as CSV (UTF-8 with a byte-order mark, so spreadsheet programs open the Chinese
/// names correctly); a unit without an appraisal shows `—`.
pub fn to_csv(r: &QuarterResult) -> String {
    let field = |s: &str| {
        if s.contains([',', '"', '\n']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_owned()
        }
    };
    let mut out = String::from("\u{feff}");
    out.push_str(&COLUMNS.join(","));
    out.push_str("\r\n");
    for u in &r.units {
        out.push_str(
            &cells(u)
                .iter()
                .map(|c| field(c))
                .collect::<Vec<_>>()
                .join(","),
        );
        out.push_str("\r\n");
    }
    out
}

/// The result as an aligned text table for people.
pub fn to_table(r: &QuarterResult) -> String {
    use unicode_width::UnicodeWidthStr;
    let header = [
        "名次",
        "代码",
        "单位",
        "岗位设置",
        "人员到位",
        "规范服务",
        "制度执行",
        "民主评议",
        "举报投诉",
        "总分",
    ];
    let mut rows: Vec<Vec<String>> = vec![header.iter().map(|s| (*s).to_owned()).collect()];
    rows.extend(r.units.iter().map(cells));
    let widths: Vec<usize> = (0..header.len())
        .map(|i| rows.iter().map(|r| r[i].width()).max().unwrap_or(0))
        .collect();
    let mut out = format!("{} · {}\n", r.quarter, r.scheme);
    for row in rows {
        let line: Vec<String> = row
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(i, (c, w))| {
                let pad = " ".repeat(w.saturating_sub(c.width()));
                if i >= 3 || i == 0 {
                    format!("{pad}{c}")
                } else {
                    format!("{c}{pad}")
                }
            })
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    out
}

/// The result as an XLSX workbook: one sheet, the scores as numbers with two decimals, a unit
/// without an appraisal left blank.
///
/// # Errors
/// The workbook could not be written (none expected).
pub fn to_xlsx(r: &QuarterResult) -> AppResult<Vec<u8>> {
    use rust_xlsxwriter::{Format, Workbook};
    let err = |e: rust_xlsxwriter::XlsxError| AppError::Unexpected(anyhow::anyhow!("xlsx: {e}"));
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let num = Format::new().set_num_format("0.00");
    let ws = wb.add_worksheet();
    ws.set_name(&r.quarter).map_err(err)?;
    ws.write_string_with_format(
        0,
        0,
        format!("{} 考评结果（{}）", r.quarter, r.scheme),
        &bold,
    )
    .map_err(err)?;
    let header = [
        "名次",
        "单位代码",
        "单位",
        "岗位设置",
        "人员到位",
        "规范服务",
        "制度执行",
        "民主评议",
        "举报投诉",
        "总分",
    ];
    for (i, h) in (0u16..).zip(header) {
        ws.write_string_with_format(1, i, h, &bold).map_err(err)?;
    }
    #[expect(
        clippy::cast_precision_loss,
        reason = "scores are at most 10,000 hundredths"
    )]
    let cell = |c: Cents| c as f64 / 100.0;
    for (row, u) in (2u32..).zip(&r.units) {
        ws.write_number(row, 0, f64::from(u.rank)).map_err(err)?;
        ws.write_string(row, 1, &u.unit_code).map_err(err)?;
        ws.write_string(row, 2, &u.unit_name).map_err(err)?;
        for (col, c) in (3u16..).zip(Category::ALL) {
            if let Some(v) = u.categories.get(&c).copied().flatten() {
                ws.write_number_with_format(row, col, cell(v), &num)
                    .map_err(err)?;
            }
        }
        ws.write_number_with_format(row, 9, cell(u.total), &num)
            .map_err(err)?;
    }
    ws.set_column_width(2, 28).map_err(err)?;
    wb.save_to_buffer().map_err(err)
}

/// Detects the quarter's findings now (a bureau coordinator; the monitor does it daily for the
/// current quarter), audited.
///
/// # Errors
/// [`AppError::Forbidden`] for other roles; database failure.
pub async fn detect_now(
    app: &crate::App,
    actor: &crate::Actor,
    quarter: Quarter,
    meta: &crate::Meta,
) -> AppResult<Detected> {
    if actor.role != daiban_domain::role::Role::Coordinator {
        return Err(crate::error::forbidden());
    }
    let now = app.now();
    let w = app.begin_write().await?;
    let d = detect(&w.txn, now, &app.scheme, quarter).await?;
    crate::audit::append(
        &w.txn,
        now,
        &actor.into(),
        meta,
        crate::audit::Change {
            action: "evaluation.detect",
            object_type: "quarter",
            object_id: quarter.to_string(),
            before: None,
            after: Some(serde_json::to_value(d).map_err(|e| AppError::Unexpected(e.into()))?),
        },
    )
    .await?;
    w.commit().await?;
    Ok(d)
}

/// The quarter's result as `actor` may see it: the bureau every unit, a unit's staff their own
/// unit's line (with its rank), without the appraisal while the quarter's survey is open.
///
/// # Errors
/// [`AppError::Forbidden`] for roles without evaluation records.
pub async fn for_actor(
    app: &crate::App,
    actor: &crate::Actor,
    quarter: Quarter,
) -> AppResult<QuarterResult> {
    let own = findings::readable_unit(actor)?;
    let mut r = if own.is_some() && crate::surveys::is_open_for(app, quarter).await? {
        // The answers are not shown to the units before the survey closes: every unit's
        // appraisal is left out alike, so the ranks stay comparable.
        compute(&app.db.conn, &app.scheme, quarter, &BTreeMap::new()).await?
    } else {
        of_quarter(app, quarter).await?
    };
    if let Some(u) = own {
        r.units.retain(|x| x.unit_id == u);
    }
    Ok(r)
}

/// A published quarter: the snapshot as it was published.
#[derive(Debug, Clone, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Publication {
    /// `2026Q3`.
    pub quarter: String,
    /// 1 for the first publication; each correction adds one.
    pub revision: i32,
    /// The scheme's version.
    pub scheme: String,
    /// The result.
    pub result: QuarterSnapshot,
    /// Why this revision (required for a correction).
    pub reason: String,
    /// Who published.
    pub published_by: String,
    /// When.
    pub published_at: DateTime<Utc>,
}

/// The frozen content of a publication.
#[derive(Debug, Clone, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct QuarterSnapshot {
    /// Each unit's line, best first.
    pub units: Vec<SnapshotLine>,
    /// The confirmed findings counted.
    pub findings: Vec<SnapshotFinding>,
}

/// A unit's line in a publication (points in hundredths).
#[derive(Debug, Clone, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct SnapshotLine {
    /// Unit id.
    pub unit_id: i64,
    /// Unit code.
    pub unit_code: String,
    /// Unit name.
    pub unit_name: String,
    /// Per category code, hundredths (`None`: no appraisal, decided otherwise).
    #[schema(value_type = Object)]
    pub categories: BTreeMap<String, Option<Cents>>,
    /// Total, hundredths.
    pub total: Cents,
    /// Rank.
    pub rank: u32,
}

/// A finding in a publication.
#[derive(Debug, Clone, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct SnapshotFinding {
    /// Finding id.
    pub id: i64,
    /// Unit id.
    pub unit_id: i64,
    /// Category code.
    pub category: String,
    /// Rule code.
    pub rule: String,
    /// Hundredths deducted.
    pub points: Cents,
    /// When.
    pub occurred_on: NaiveDate,
    /// The evidence in words.
    pub evidence_label: String,
}

fn conflict(code: &'static str, zh: String, en: String) -> AppError {
    AppError::Conflict {
        code,
        message: crate::error::Msg::new(zh, en),
    }
}

/// Publishes a quarter (bureau coordinator): an immutable snapshot of the result, the findings
/// counted and the scheme version. The quarter must be over, every finding decided and every
/// unit's appraisal resolved. Publishing again is a correction: a new revision with its reason;
/// the earlier ones stay visible.
///
/// # Errors
/// [`AppError::Forbidden`] for other roles; [`AppError::Conflict`] (`quarter_open`,
/// `findings_pending`, `appraisal_unresolved`); [`AppError::Invalid`] without a correction's
/// reason.
pub async fn publish(
    app: &crate::App,
    actor: &crate::Actor,
    quarter: Quarter,
    reason: &str,
    meta: &crate::Meta,
) -> AppResult<Publication> {
    use daiban_store::entity::{evaluation_publication as pubs, finding};
    use sea_orm::{ActiveValue::Set, PaginatorTrait};
    if actor.role != daiban_domain::role::Role::Coordinator {
        return Err(crate::error::forbidden());
    }
    let now = app.now();
    if quarter.last_day() >= china_day(now) {
        return Err(conflict(
            "quarter_open",
            format!("{quarter} 尚未结束，结束后才能通报"),
            format!("{quarter} is not over yet"),
        ));
    }
    let w = app.begin_write().await?;
    let pending = finding::Entity::find()
        .filter(finding::Column::Quarter.eq(quarter.to_string()))
        .filter(finding::Column::State.eq("proposed"))
        .count(&w.txn)
        .await?;
    if pending > 0 {
        return Err(conflict(
            "findings_pending",
            format!("{quarter} 还有 {pending} 项扣分待确认或排除"),
            format!("{pending} findings of {quarter} are still to be confirmed or dismissed"),
        ));
    }
    let unresolved = unresolved_appraisals(&w.txn, &app.scheme, quarter).await?;
    if !unresolved.is_empty() {
        let names = crate::units::names(&w.txn).await?;
        let list: Vec<String> = unresolved
            .iter()
            .filter_map(|u| names.get(u).cloned())
            .collect();
        return Err(conflict(
            "appraisal_unresolved",
            format!(
                "以下单位无民主评议结果，须补充测评或作出认定：{}",
                list.join("、")
            ),
            format!(
                "these units have no democratic appraisal; add answers or record a decision: {}",
                list.join(", ")
            ),
        ));
    }
    let last = pubs::Entity::find()
        .filter(pubs::Column::Quarter.eq(quarter.to_string()))
        .order_by_desc(pubs::Column::Revision)
        .one(&w.txn)
        .await?;
    let revision = last.as_ref().map_or(1, |p| p.revision + 1);
    let reason = reason.trim();
    if revision > 1 && reason.is_empty() {
        return Err(AppError::Invalid(vec![crate::error::FieldError::new(
            "reason",
            "required",
            "更正已通报的季度须说明理由",
            "a correction of a published quarter needs its reason",
        )]));
    }
    let a = appraisals(&w.txn, &app.scheme, quarter).await?;
    let r = compute(&w.txn, &app.scheme, quarter, &a).await?;
    let findings = finding::Entity::find()
        .filter(finding::Column::Quarter.eq(quarter.to_string()))
        .filter(finding::Column::State.eq("confirmed"))
        .order_by_asc(finding::Column::Id)
        .all(&w.txn)
        .await?
        .into_iter()
        .map(|f| SnapshotFinding {
            id: f.id,
            unit_id: f.unit_id,
            category: f.category,
            rule: f.rule,
            points: f.points,
            occurred_on: f.occurred_on,
            evidence_label: f.evidence_label,
        })
        .collect();
    let snapshot = QuarterSnapshot {
        units: r
            .units
            .iter()
            .map(|u| SnapshotLine {
                unit_id: u.unit_id,
                unit_code: u.unit_code.clone(),
                unit_name: u.unit_name.clone(),
                categories: u
                    .categories
                    .iter()
                    .map(|(c, v)| (c.code().to_owned(), *v))
                    .collect(),
                total: u.total,
                rank: u.rank,
            })
            .collect(),
        findings,
    };
    let text = serde_json::to_string(&snapshot).map_err(|e| AppError::Unexpected(e.into()))?;
    pubs::Entity::insert(pubs::ActiveModel {
        quarter: Set(quarter.to_string()),
        revision: Set(revision),
        scheme_version: Set(app.scheme.version.clone()),
        result: Set(text),
        reason: Set(reason.to_owned()),
        published_by: Set(actor.user_id),
        published_at: Set(now),
        ..Default::default()
    })
    .exec_without_returning(&w.txn)
    .await?;
    crate::audit::append(
        &w.txn,
        now,
        &actor.into(),
        meta,
        crate::audit::Change {
            action: "evaluation.publish",
            object_type: "quarter",
            object_id: quarter.to_string(),
            before: None,
            after: Some(serde_json::json!({"revision": revision, "reason": reason, "scheme": app.scheme.version})),
        },
    )
    .await?;
    w.commit().await?;
    Ok(Publication {
        quarter: quarter.to_string(),
        revision,
        scheme: app.scheme.version.clone(),
        result: snapshot,
        reason: reason.to_owned(),
        published_by: actor.name.clone(),
        published_at: now,
    })
}

/// The evaluated units without an appraisal or a recorded decision for `quarter`.
///
/// # Errors
/// Database failure.
pub async fn unresolved_appraisals<C: ConnectionTrait>(
    db: &C,
    scheme: &Scheme,
    quarter: Quarter,
) -> AppResult<Vec<i64>> {
    crate::surveys::unresolved(db, scheme, quarter).await
}

/// Every publication of `quarter`, the latest first (public: no login needed).
///
/// # Errors
/// Database failure; a stored snapshot that does not parse.
pub async fn publications<C: ConnectionTrait>(
    db: &C,
    quarter: Quarter,
) -> AppResult<Vec<Publication>> {
    use daiban_store::entity::evaluation_publication as pubs;
    let mut out = Vec::new();
    for p in pubs::Entity::find()
        .filter(pubs::Column::Quarter.eq(quarter.to_string()))
        .order_by_desc(pubs::Column::Revision)
        .all(db)
        .await?
    {
        out.push(Publication {
            quarter: p.quarter,
            revision: p.revision,
            scheme: p.scheme_version,
            result: serde_json::from_str(&p.result).map_err(|e| AppError::Unexpected(e.into()))?,
            reason: p.reason,
            published_by: crate::users::user_name(db, Some(p.published_by)).await?,
            published_at: p.published_at,
        });
    }
    Ok(out)
}

/// The quarters published so far, latest first.
///
/// # Errors
/// Database failure.
pub async fn published_quarters<C: ConnectionTrait>(db: &C) -> AppResult<Vec<Quarter>> {
    use daiban_store::entity::evaluation_publication as pubs;
    let mut qs: Vec<Quarter> = pubs::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .filter_map(|p| p.quarter.parse().ok())
        .collect();
    qs.sort_unstable();
    qs.dedup();
    qs.reverse();
    Ok(qs)
}

/// One unit's line of the year-end ranking.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct YearLine {
    /// Unit code.
    pub unit_code: String,
    /// Unit name.
    pub unit_name: String,
    /// The published total of each quarter (hundredths), `None` where not published.
    pub quarters: [Option<Cents>; 4],
    /// The mean of the published quarters, hundredths rounded half up.
    pub mean: Cents,
    /// Rank by the exact mean.
    pub rank: u32,
}

/// The year-end composite ranking (年底综合排名): the mean of the four quarterly totals as
/// published (the latest revision of each); with fewer than four published, the mean of those
/// there are. Ranks compare the exact means; equal means share a rank.
///
/// # Errors
/// Database failure.
pub async fn year_ranking<C: ConnectionTrait>(db: &C, year: i32) -> AppResult<Vec<YearLine>> {
    let mut lines: BTreeMap<String, YearLine> = BTreeMap::new();
    for (i, q) in Quarter::of_year(year).into_iter().enumerate() {
        if let Some(p) = publications(db, q).await?.into_iter().next() {
            for u in p.result.units {
                let e = lines
                    .entry(u.unit_code.clone())
                    .or_insert_with(|| YearLine {
                        unit_code: u.unit_code.clone(),
                        unit_name: u.unit_name.clone(),
                        quarters: [None; 4],
                        mean: 0,
                        rank: 0,
                    });
                e.quarters[i] = Some(u.total);
            }
        }
    }
    let mut out: Vec<YearLine> = lines.into_values().collect();
    // Compare sum/n exactly: scale every sum to a common denominator of 12 (1–4 quarters).
    let scaled: Vec<Cents> = out
        .iter()
        .map(|l| {
            let got: Vec<Cents> = l.quarters.iter().filter_map(|q| *q).collect();
            let n = Ord::max(i64::try_from(got.len()).unwrap_or(1), 1);
            got.iter().sum::<Cents>() * (12 / n)
        })
        .collect();
    for (l, s) in out.iter_mut().zip(&scaled) {
        l.mean = daiban_domain::evaluation::div_round_half_up(*s, 12);
    }
    for (l, r) in out.iter_mut().zip(ranks(&scaled)) {
        l.rank = r;
    }
    out.sort_by(|a, b| a.rank.cmp(&b.rank).then(a.unit_code.cmp(&b.unit_code)));
    Ok(out)
}
