//! The demo's complaints and monthly reports, driven from the simulated year of
//! [`crate::demo_activity`] through the real use cases: every reporting unit's leader submits
//! each month's report, most on time, a few late, a couple never; about ten complaints come in
//! over the year, on the portal and by phone or letter, and are assigned, investigated and
//! concluded, three or four verified.

use crate::actor::Meta;
use crate::complaints::{self, ComplaintActionInput, ComplaintInput};
use crate::demo_activity::{actor, after_workdays};
use crate::monthly_reports::{self, SubmitInput};
use crate::{App, AppResult};
use chrono::{DateTime, Duration, Utc};
use daiban_domain::calendar::Calendar;
use daiban_domain::clock::CHINA;
use daiban_domain::report::Month;
use daiban_domain::unit::UnitKind;
use daiban_store::entity::{enterprise, project, unit, user};
use rand::rngs::StdRng;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

/// A step of the reports story.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ReportsStep {
    /// The on-time reports of a month (`late`: the late ones, a few working days after).
    Month {
        /// The month reported.
        month: Month,
        /// The late ones.
        late: bool,
    },
    /// Complaint `i` comes in.
    Complaint(usize),
    /// A coordinator's step on a complaint: `assign`, `investigate` or `conclude`.
    Act {
        /// The complaint.
        id: i64,
        /// Which complaint of the script.
        i: usize,
        /// The action.
        action: &'static str,
    },
}

/// (subject, body, verified) of the scripted complaints; even ones come on the portal.
const SCRIPT: [(&str, &str, bool); 10] = [
    (
        "代办员多次推诿",
        "申请代办施工许可，代办员以材料不全为由多次推诿，未一次性告知所缺材料。",
        false,
    ),
    (
        "要求企业报销餐费",
        "代办员在踏勘后要求企业安排宴请并报销餐费。",
        true,
    ),
    (
        "答复不及时",
        "咨询规划许可办理进度，三个工作日无人答复。",
        false,
    ),
    (
        "推荐中介机构",
        "帮办员向企业推荐指定的测绘中介，称不用该中介会拖慢审批。",
        true,
    ),
    (
        "服务态度差",
        "窗口帮办员态度生硬，不愿解释不予受理的原因。",
        false,
    ),
    (
        "材料遗失",
        "企业交给代办员的原件遗失，需重新开具证明。",
        false,
    ),
    ("接受礼品", "代办员在项目开工时收受企业赠送的购物卡。", true),
    (
        "未告知办理时限",
        "办理过程中未告知承诺时限，企业无法安排施工计划。",
        false,
    ),
    ("拖延报送", "材料齐全后一周仍未报送审批部门。", true),
    ("电话无人接听", "多次拨打代办员电话无人接听。", false),
];

/// Who plays the parts.
pub(crate) struct Reports {
    /// (unit, its leader) of the reporting units.
    leaders: Vec<(i64, i64)>,
    coordinators: Vec<i64>,
    /// (enterprise user, enterprise, its unit).
    enterprise_users: Vec<(i64, i64, i64)>,
    /// Reporting unit ids, for phone complaints.
    units: Vec<i64>,
}

impl Reports {
    /// Loads the cast.
    pub(crate) async fn new(app: &App) -> AppResult<Self> {
        let db = &app.db.conn;
        let units: Vec<unit::Model> = unit::Entity::find()
            .filter(unit::Column::Active.eq(true))
            .order_by_asc(unit::Column::Id)
            .all(db)
            .await?
            .into_iter()
            .filter(|u| {
                u.kind
                    .parse::<UnitKind>()
                    .is_ok_and(|k| k.is_town_unit() || k == UnitKind::Department)
            })
            .collect();
        let staff = user::Entity::find()
            .filter(user::Column::Active.eq(true))
            .order_by_asc(user::Column::Id)
            .all(db)
            .await?;
        let leaders = units
            .iter()
            .filter_map(|u| {
                staff
                    .iter()
                    .find(|s| s.role == "unit_leader" && s.unit_id == Some(u.id))
                    .map(|s| (u.id, s.id))
            })
            .collect();
        let coordinators = staff
            .iter()
            .filter(|s| s.role == "coordinator")
            .map(|s| s.id)
            .collect();
        let mut enterprise_users = Vec::new();
        for s in staff.iter().filter(|s| s.role == "enterprise") {
            if let Some(e) = s.enterprise_id
                && let Some(ent) = enterprise::Entity::find_by_id(e).one(db).await?
            {
                enterprise_users.push((s.id, e, ent.unit_id));
            }
        }
        Ok(Self {
            leaders,
            coordinators,
            enterprise_users,
            units: units.iter().map(|u| u.id).collect(),
        })
    }

    /// The steps planned at the start: each month's reports and the complaints.
    pub(crate) fn opening(
        calendar: &Calendar,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        rng: &mut StdRng,
    ) -> Vec<(DateTime<Utc>, ReportsStep)> {
        let mut out = Vec::new();
        let mut month = Month::of(start.with_timezone(&CHINA).date_naive());
        let last = Month::of(end.with_timezone(&CHINA).date_naive());
        while month < last {
            let first = crate::monthly_reports::start_of_day(month.next().first_day());
            out.push((
                after_workdays(calendar, first, 3, rng),
                ReportsStep::Month { month, late: false },
            ));
            out.push((
                after_workdays(calendar, first, 8, rng),
                ReportsStep::Month { month, late: true },
            ));
            month = month.next();
        }
        for i in 0..SCRIPT.len() {
            let at = start + Duration::days(20 + 33 * i64::try_from(i).unwrap_or(0));
            out.push((
                after_workdays(calendar, at, 0, rng),
                ReportsStep::Complaint(i),
            ));
        }
        out
    }

    /// Takes one step; returns the steps it plans.
    pub(crate) async fn handle(
        &self,
        app: &App,
        calendar: &Calendar,
        step: ReportsStep,
        at: DateTime<Utc>,
        rng: &mut StdRng,
        meta: &Meta,
    ) -> AppResult<Vec<(DateTime<Utc>, ReportsStep)>> {
        match step {
            ReportsStep::Month { month, late } => {
                let idx = usize::try_from(month.month).unwrap_or(0);
                for (k, (unit_id, leader)) in self.leaders.iter().enumerate() {
                    // A couple of reports never come; a few come late; the first month is
                    // always in (the unit's reporting starts there).
                    let missing =
                        (k, idx) == (1, 5) || (k, idx) == (3 % self.leaders.len().max(1), 9);
                    let is_late = (k * 5 + idx) % 13 == 4;
                    if missing || is_late != late {
                        continue;
                    }
                    let who = actor(app, *leader).await?;
                    let remarks = if late {
                        "本月报表因人员外出培训延迟报送。".to_owned()
                    } else {
                        format!("{month} 代办帮办工作正常开展。")
                    };
                    match monthly_reports::submit(
                        app,
                        &who,
                        *unit_id,
                        &month.to_string(),
                        &SubmitInput { remarks },
                        meta,
                    )
                    .await
                    {
                        // A month the calendar does not cover yet is skipped.
                        Ok(_) | Err(crate::AppError::Invalid(_)) => {}
                        Err(e) => return Err(e),
                    }
                }
                Ok(Vec::new())
            }
            ReportsStep::Complaint(i) => {
                let (subject, body, _) = SCRIPT[i];
                let Some(&coord) = self.coordinators.first() else {
                    return Ok(Vec::new());
                };
                let portal = i % 2 == 0 && !self.enterprise_users.is_empty();
                let v = if portal {
                    let (u, e, home) = self.enterprise_users[(i / 2) % self.enterprise_users.len()];
                    let p = project::Entity::find()
                        .filter(project::Column::EnterpriseId.eq(e))
                        .order_by_asc(project::Column::Id)
                        .one(&app.db.conn)
                        .await?;
                    let who = actor(app, u).await?;
                    complaints::file(
                        app,
                        &who,
                        &ComplaintInput {
                            unit_id: p.as_ref().map_or(home, |p| p.unit_id),
                            project_id: p.map(|p| p.id),
                            subject: subject.into(),
                            body: body.into(),
                            ..ComplaintInput::default()
                        },
                        meta,
                    )
                    .await?
                } else {
                    let Some(&unit_id) = self.units.get((i * 3) % self.units.len().max(1)) else {
                        return Ok(Vec::new());
                    };
                    let who = actor(app, coord).await?;
                    complaints::file(
                        app,
                        &who,
                        &ComplaintInput {
                            unit_id,
                            subject: subject.into(),
                            body: body.into(),
                            channel: if i % 4 == 1 { "phone" } else { "letter" }.into(),
                            complainant_name: ["张先生", "王女士", "刘先生", "陈女士", "赵先生"]
                                [i % 5]
                                .into(),
                            complainant_contact: format!("1390523{:04}", 1000 + i * 37),
                            ..ComplaintInput::default()
                        },
                        meta,
                    )
                    .await?
                };
                Ok(vec![(
                    after_workdays(calendar, at, 1, rng),
                    ReportsStep::Act {
                        id: v.id,
                        i,
                        action: "assign",
                    },
                )])
            }
            ReportsStep::Act { id, i, action } => {
                let Some(&coord) = self.coordinators.get(i % self.coordinators.len().max(1)) else {
                    return Ok(Vec::new());
                };
                let who = actor(app, coord).await?;
                let v = complaints::get(app, &who, id).await?;
                let verified = SCRIPT[i].2;
                let input = ComplaintActionInput {
                    action: action.into(),
                    assignee_id: Some(coord),
                    verified: Some(verified),
                    findings: if verified {
                        format!("经调查核实：{}", SCRIPT[i].1)
                    } else {
                        String::new()
                    },
                    reason: if action == "conclude" {
                        if verified {
                            "证据属实，按考评办法扣分。".into()
                        } else {
                            "经调查与事实不符，已向举报投诉人说明。".into()
                        }
                    } else {
                        String::new()
                    },
                    version: v.version,
                };
                complaints::act(app, &who, id, &input, meta).await?;
                let next = match action {
                    "assign" => Some(("investigate", 2)),
                    "investigate" => Some(("conclude", 6)),
                    _ => None,
                };
                Ok(next
                    .map(|(a, n)| {
                        (
                            after_workdays(calendar, at, n, rng),
                            ReportsStep::Act { id, i, action: a },
                        )
                    })
                    .into_iter()
                    .collect())
            }
        }
    }
}
