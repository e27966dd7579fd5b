//! The demo city's outreach: about monthly the bureau holds a training, a seminar or an
//! enterprise visit for a few town units and departments, with realistic attendance (mostly
//! present, a few late, leaving early or on leave, a few absent without leave) and now and then
//! a cancellation; and after projects complete a stage it makes return visits by phone, on site
//! or at a seminar, appraising the agents and helpers who served them, mostly in time, some
//! late, a few not yet (so the visit plan shows overdue entries). Driven by the year's clock in
//! [`crate::demo_activity`], through the real use cases.

use crate::activities::{self, ActivityInput, AttendanceEntry, AttendanceRecordInput};
use crate::actor::Meta;
use crate::demo_activity::{actor, after_workdays};
use crate::problems::RaiseInput;
use crate::visits::{self, AppraisalInput, VisitInput, VisitProblemInput};
use crate::{App, AppResult};
use chrono::{DateTime, Duration, Utc};
use daiban_domain::calendar::Calendar;
use daiban_domain::clock::CHINA;
use daiban_domain::outreach::{ActivityKind, VisitMethod};
use daiban_domain::problem::{Attendance, ProblemCategory};
use daiban_domain::rating::Rating;
use daiban_domain::role::Role;
use daiban_store::entity::{case_item, project, unit, user};
use rand::Rng;
use rand::rngs::StdRng;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use std::collections::BTreeSet;

/// A step of the outreach story.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum OutreachStep {
    /// The month's activity is scheduled.
    Schedule,
    /// An activity is held (attendance recorded) or, now and then, cancelled before.
    Hold(i64),
    /// An activity is cancelled.
    Cancel(i64),
    /// The return visit after a project completed a stage.
    Visit(i64),
}

const TOPICS: [(ActivityKind, &str, &str); 6] = [
    (
        ActivityKind::Training,
        "工程建设项目审批制度改革政策解读",
        "市政务服务中心 5 楼培训室",
    ),
    (
        ActivityKind::Seminar,
        "代办帮办工作经验交流座谈会",
        "市行政审批局 3 楼会议室",
    ),
    (
        ActivityKind::EnterpriseVisit,
        "重点项目入企走访",
        "经济开发区重点企业",
    ),
    (
        ActivityKind::Training,
        "投资项目在线审批监管平台操作培训",
        "市政务服务中心 5 楼培训室",
    ),
    (
        ActivityKind::Seminar,
        "企业诉求收集与问题协调座谈会",
        "市行政审批局 3 楼会议室",
    ),
    (
        ActivityKind::Training,
        "材料一次性告知与首问负责制业务辅导",
        "市政务服务中心 5 楼培训室",
    ),
];

const FEEDBACK: [&str; 5] = [
    "企业对代办服务总体满意，希望后续施工许可阶段继续提前介入。",
    "代办员全程跟踪，材料一次告知到位，企业少跑了很多路。",
    "企业反映个别部门审查意见前后不一，建议加强沟通。",
    "企业希望竣工验收阶段各部门联合验收，减少重复检查。",
    "企业对帮办员上门指导表示感谢，提出希望简化用电报装流程。",
];

const COMMENTS: [&str; 4] = [
    "主动上门服务，熟悉业务",
    "进度反馈及时",
    "材料交接清楚，责任心强",
    "个别环节答复不够及时",
];

/// The outreach story's state.
pub(crate) struct Outreach {
    coordinator: Option<i64>,
    /// Town units and departments with staff to invite.
    towns: Vec<i64>,
    departments: Vec<i64>,
    next_topic: usize,
    /// Activities held, return visits made.
    pub counts: [usize; 2],
}

impl Outreach {
    /// Loads who plays the bureau's part and which units have staff to invite.
    pub(crate) async fn new(app: &App) -> AppResult<Self> {
        let staffed: BTreeSet<i64> = user::Entity::find()
            .filter(user::Column::Active.eq(true))
            .filter(user::Column::Role.is_in(activities::INVITED_ROLES.map(Role::code)))
            .all(&app.db.conn)
            .await?
            .into_iter()
            .filter_map(|u| u.unit_id)
            .collect();
        let mut towns = Vec::new();
        let mut departments = Vec::new();
        for u in unit::Entity::find()
            .order_by_asc(unit::Column::Id)
            .all(&app.db.conn)
            .await?
        {
            if !staffed.contains(&u.id) {
                continue;
            }
            if u.kind == "department" {
                departments.push(u.id);
            } else if matches!(u.kind.as_str(), "town" | "subdistrict" | "dev_zone") {
                towns.push(u.id);
            }
        }
        Ok(Self {
            coordinator: user::Entity::find()
                .filter(user::Column::Role.eq(Role::Coordinator.code()))
                .filter(user::Column::Active.eq(true))
                .order_by_asc(user::Column::Id)
                .one(&app.db.conn)
                .await?
                .map(|u| u.id),
            towns,
            departments,
            next_topic: 0,
            counts: [0; 2],
        })
    }

    fn pick(list: &[i64], n: usize, rng: &mut StdRng) -> Vec<i64> {
        let mut out = BTreeSet::new();
        for _ in 0..n.min(list.len()) * 2 {
            if out.len() >= n.min(list.len()) {
                break;
            }
            out.insert(list[rng.random_range(0..list.len())]);
        }
        out.into_iter().collect()
    }

    /// Takes one step; returns the steps it plans.
    #[expect(clippy::too_many_lines, reason = "one arm per step of the story")]
    pub(crate) async fn handle(
        &mut self,
        app: &App,
        calendar: &Calendar,
        step: OutreachStep,
        at: DateTime<Utc>,
        rng: &mut StdRng,
        meta: &Meta,
    ) -> AppResult<Vec<(DateTime<Utc>, OutreachStep)>> {
        let mut next = Vec::new();
        let Some(coord) = self.coordinator else {
            return Ok(next);
        };
        let coord = actor(app, coord).await?;
        match step {
            OutreachStep::Schedule => {
                next.push((
                    after_workdays(calendar, at, rng.random_range(19..24), rng),
                    OutreachStep::Schedule,
                ));
                let (kind, topic, place) = TOPICS[self.next_topic % TOPICS.len()];
                self.next_topic += 1;
                let mut unit_ids = Self::pick(&self.towns, rng.random_range(3..7), rng);
                unit_ids.extend(Self::pick(&self.departments, rng.random_range(2..5), rng));
                // On a working day a week ahead, at 09:00 or 14:30 China time.
                let day = after_workdays(calendar, at, 5, rng)
                    .with_timezone(&CHINA)
                    .date_naive();
                let (h, m) = if rng.random_bool(0.5) {
                    (9, 0)
                } else {
                    (14, 30)
                };
                let Some(when) = day
                    .and_hms_opt(h, m, 0)
                    .and_then(|t| t.and_local_timezone(CHINA).single())
                    .map(|t| t.with_timezone(&Utc))
                else {
                    return Ok(next);
                };
                let v = activities::schedule(
                    app,
                    &coord,
                    &ActivityInput {
                        kind: kind.code().into(),
                        topic: topic.into(),
                        scheduled_at: when,
                        place: place.into(),
                        notes: "请各单位代办员、帮办员准时参加，因故不能参加的请提前向市行政审批局请假。"
                            .into(),
                        user_ids: Vec::new(),
                        unit_ids,
                    },
                    meta,
                )
                .await?;
                if rng.random_bool(0.08) {
                    next.push((
                        after_workdays(calendar, at, 2, rng).min(when - Duration::hours(2)),
                        OutreachStep::Cancel(v.id),
                    ));
                } else {
                    next.push((when + Duration::hours(3), OutreachStep::Hold(v.id)));
                }
            }
            OutreachStep::Cancel(id) => {
                let v = activities::get(&app.db.conn, &coord, id).await?;
                activities::cancel(
                    app,
                    &coord,
                    id,
                    v.version,
                    "与全市重点工作部署会议时间冲突，活动延期，另行通知。",
                    meta,
                )
                .await?;
            }
            OutreachStep::Hold(id) => {
                let v = activities::get(&app.db.conn, &coord, id).await?;
                let attendance = v
                    .invitees
                    .iter()
                    .map(|i| {
                        let (att, note) = match rng.random_range(0..100u32) {
                            0..84 => (Attendance::Present, ""),
                            84..89 => (Attendance::Late, "迟到约 15 分钟"),
                            89..92 => (Attendance::LeftEarly, "未经同意提前离场"),
                            92..97 => (Attendance::AbsentWithLeave, "因公外出，已书面请假"),
                            _ => (Attendance::AbsentWithoutLeave, ""),
                        };
                        AttendanceEntry {
                            invitee_id: i.id,
                            attendance: att.code().into(),
                            note: note.into(),
                        }
                    })
                    .collect();
                activities::record_attendance(
                    app,
                    &coord,
                    id,
                    &AttendanceRecordInput {
                        version: v.version,
                        attendance,
                    },
                    meta,
                )
                .await?;
                self.counts[0] += 1;
            }
            OutreachStep::Visit(project_id) => {
                let Some(p) = project::Entity::find_by_id(project_id)
                    .one(&app.db.conn)
                    .await?
                else {
                    return Ok(next);
                };
                let served = visits::served(&app.db.conn, &coord, &[project_id]).await?;
                let mut appraisals = Vec::new();
                for s in &served {
                    if !rng.random_bool(0.85) {
                        continue;
                    }
                    let rating = match rng.random_range(0..100u32) {
                        0..46 => Rating::VerySatisfied,
                        46..81 => Rating::Satisfied,
                        81..93 => Rating::Basic,
                        93..98 => Rating::Dissatisfied,
                        _ => Rating::VeryDissatisfied,
                    };
                    let comment = if rating.is_bad() {
                        COMMENTS[3]
                    } else {
                        COMMENTS[rng.random_range(0..3)]
                    };
                    appraisals.push(AppraisalInput {
                        user_id: s.user_id,
                        rating: rating.code().into(),
                        comment: comment.into(),
                    });
                }
                let method = match rng.random_range(0..100u32) {
                    0..50 => VisitMethod::Phone,
                    50..85 => VisitMethod::OnSite,
                    _ => VisitMethod::Seminar,
                };
                let v = visits::record(
                    app,
                    &coord,
                    &VisitInput {
                        method: method.code().into(),
                        visited_on: Some(at.with_timezone(&CHINA).date_naive()),
                        enterprise_id: p.enterprise_id,
                        project_ids: vec![project_id],
                        participants: match method {
                            VisitMethod::Phone => "审批局协调员、企业项目负责人".into(),
                            VisitMethod::OnSite => {
                                "审批局协调员、属地代办员、企业负责人及项目经理".into()
                            }
                            VisitMethod::Seminar => "审批局、相关部门帮办员及企业代表".into(),
                        },
                        feedback: FEEDBACK[rng.random_range(0..FEEDBACK.len())].into(),
                        appraisals,
                    },
                    meta,
                )
                .await?;
                self.counts[1] += 1;
                // Now and then the visit finds a problem for a department of the project.
                let department = if rng.random_bool(0.05) {
                    let ids: Vec<i64> = case_item::Entity::find()
                        .filter(case_item::Column::ProjectId.eq(project_id))
                        .order_by_asc(case_item::Column::Id)
                        .all(&app.db.conn)
                        .await?
                        .into_iter()
                        .map(|c| c.department_id)
                        .collect();
                    unit::Entity::find()
                        .filter(unit::Column::Id.is_in(ids))
                        .filter(unit::Column::Kind.eq("department"))
                        .filter(unit::Column::Active.eq(true))
                        .order_by_asc(unit::Column::Id)
                        .one(&app.db.conn)
                        .await?
                } else {
                    None
                };
                if let Some(department) = department {
                    visits::raise_problem(
                        app,
                        &coord,
                        v.id,
                        &VisitProblemInput {
                            project_id,
                            problem: RaiseInput {
                                title: "回访中企业反映后续手续衔接不畅".into(),
                                description: "企业反映下一阶段审批手续的申报材料要求不明确，请责任部门一次性告知。"
                                    .into(),
                                category: ProblemCategory::Approval.code().into(),
                                department_id: department.id,
                                case_item_ids: Vec::new(),
                                at_site: false,
                            },
                        },
                        meta,
                    )
                    .await?;
                }
            }
        }
        Ok(next)
    }
}
