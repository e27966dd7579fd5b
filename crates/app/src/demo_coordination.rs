//! The demo city's problems and meetings: problems raised on some projects and handled at the
//! department, others climbing the ladder (by hand or by the monitor), the bureau's meetings
//! every two weeks with minutes, attendance, decisions and action items, a few problems decided
//! by the city leader, and a few reopened by the enterprise. Driven by the year's clock in
//! [`crate::demo_activity`], through the real use cases.

use crate::actor::Meta;
use crate::demo_activity::actor;
use crate::meetings::{
    self, ActionItemInput, AttendanceInput, DecisionInput, LeaderDecisionInput, MeetingInput,
    MeetingRecordInput,
};
use crate::problems::{self, ProblemActInput, RaiseInput};
use crate::{App, AppResult};
use chrono::{DateTime, Duration, Utc};
use daiban_domain::calendar::Calendar;
use daiban_domain::problem::{Attendance, Level, ProblemAction, ProblemCategory, ProblemStatus};
use daiban_domain::rating::{Rating, RectificationStatus};
use daiban_domain::role::Role;
use daiban_store::entity::{case_item, problem, project, user};
use rand::Rng;
use rand::rngs::StdRng;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use std::collections::{BTreeMap, BTreeSet};

/// A step of the coordination story.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CoordStep {
    /// Raise a problem on a project.
    Raise {
        /// Project id.
        project_id: i64,
        /// The enterprise's user.
        enterprise_user: i64,
        /// The project's agent.
        agent: i64,
    },
    /// The next act of a problem's script.
    Next(i64),
    /// The bureau's fortnightly meeting.
    Meeting,
    /// The minutes of a meeting.
    Record(i64),
    /// An action item done.
    Done(i64),
    /// The city leader decides.
    Decide(i64),
    /// The enterprise rates a concluded item (again, after a visit).
    Rate {
        /// Case item.
        case_id: i64,
        /// The enterprise's user.
        enterprise_user: i64,
        /// A re-rating after a rectification.
        again: bool,
    },
    /// The department replies to a bad rating, or the bureau visits.
    Rectify(i64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Act {
    Respond,
    Escalate,
    Resolve,
    Confirm,
    Reopen,
}

const PROBLEMS: [(&str, &str, ProblemCategory); 8] = [
    (
        "施工图审查意见反复修改",
        "审图机构先后三次提出新的修改意见，企业无所适从，请求一次性告知全部意见。",
        ProblemCategory::Approval,
    ),
    (
        "项目用地红线与规划条件不一致",
        "出让地块红线与规划设计条件图存在偏差，影响方案审查。",
        ProblemCategory::Land,
    ),
    (
        "高压供电接入容量不足",
        "园区变电站剩余容量不足，企业投产用电需求无法满足。",
        ProblemCategory::Utilities,
    ),
    (
        "厂区道路开口审批迟迟未办",
        "厂区出入口需开设道路开口，涉及交通、城管等多个部门。",
        ProblemCategory::Planning,
    ),
    (
        "技改补贴政策适用咨询",
        "企业询问设备投资补贴是否适用本项目，相关部门答复不一。",
        ProblemCategory::Policy,
    ),
    (
        "天然气管道接入费用争议",
        "燃气公司报价明显高于周边项目，企业请求协调。",
        ProblemCategory::Utilities,
    ),
    (
        "环评批复与排污许可衔接",
        "环评批复中的排放总量与排污许可申请口径不一致。",
        ProblemCategory::Approval,
    ),
    (
        "施工临时用水用电",
        "开工在即，施工临时用水用电手续尚未落实。",
        ProblemCategory::Utilities,
    ),
];

/// The coordination story's state.
pub(crate) struct Coordination {
    coordinator: Option<i64>,
    city_leader: Option<i64>,
    helpers: BTreeMap<i64, i64>,
    scripts: BTreeMap<i64, (usize, Vec<Act>)>,
    raisers: BTreeMap<i64, i64>,
    deciding: BTreeSet<i64>,
    raters: BTreeMap<i64, (i64, i64)>,
    next_title: usize,
    /// Problems raised, meetings held, leader decisions, ratings given.
    pub counts: [usize; 4],
}

fn later(calendar: &Calendar, from: DateTime<Utc>, days: u32, rng: &mut StdRng) -> DateTime<Utc> {
    let day = from
        .with_timezone(&daiban_domain::clock::CHINA)
        .date_naive();
    let d = calendar.add_provisional(day, days).map_or(day, |d| d.date);
    let base = d
        .and_hms_opt(9, 0, 0)
        .and_then(|t| t.and_local_timezone(daiban_domain::clock::CHINA).single())
        .map_or(from, |t| t.with_timezone(&Utc));
    let t = base + Duration::minutes(rng.random_range(0..7 * 60));
    if t <= from {
        from + Duration::minutes(rng.random_range(30..240))
    } else {
        t
    }
}

impl Coordination {
    /// Loads who plays the bureau's and the city leader's parts.
    pub(crate) async fn new(app: &App, helpers: BTreeMap<i64, i64>) -> AppResult<Self> {
        // Problems are raised with departments: keep the helpers of departments only.
        let departments: BTreeSet<i64> = daiban_store::entity::unit::Entity::find()
            .filter(daiban_store::entity::unit::Column::Kind.eq("department"))
            .all(&app.db.conn)
            .await?
            .into_iter()
            .map(|u| u.id)
            .collect();
        let helpers: BTreeMap<i64, i64> = helpers
            .into_iter()
            .filter(|(unit, _)| departments.contains(unit))
            .collect();
        let first = |role: Role| async move {
            AppResult::Ok(
                user::Entity::find()
                    .filter(user::Column::Role.eq(role.code()))
                    .filter(user::Column::Active.eq(true))
                    .order_by_asc(user::Column::Id)
                    .one(&app.db.conn)
                    .await?
                    .map(|u| u.id),
            )
        };
        Ok(Self {
            coordinator: first(Role::Coordinator).await?,
            city_leader: first(Role::CityLeader).await?,
            helpers,
            scripts: BTreeMap::new(),
            raisers: BTreeMap::new(),
            deciding: BTreeSet::new(),
            raters: BTreeMap::new(),
            next_title: 0,
            counts: [0; 4],
        })
    }

    /// Takes one step; returns the steps it plans.
    #[expect(clippy::too_many_lines, reason = "one arm per step of the story")]
    pub(crate) async fn handle(
        &mut self,
        app: &App,
        calendar: &Calendar,
        step: CoordStep,
        at: DateTime<Utc>,
        rng: &mut StdRng,
        meta: &Meta,
    ) -> AppResult<Vec<(DateTime<Utc>, CoordStep)>> {
        let mut next = Vec::new();
        match step {
            CoordStep::Raise {
                project_id,
                enterprise_user,
                agent,
            } => {
                // The department of one of the project's items, or any department with a helper.
                let depts: Vec<i64> = case_item::Entity::find()
                    .filter(case_item::Column::ProjectId.eq(project_id))
                    .all(&app.db.conn)
                    .await?
                    .into_iter()
                    .map(|c| c.department_id)
                    .filter(|d| self.helpers.contains_key(d))
                    .collect();
                let dept = if depts.is_empty() {
                    let all: Vec<i64> = self.helpers.keys().copied().collect();
                    all[rng.random_range(0..all.len())]
                } else {
                    depts[rng.random_range(0..depts.len())]
                };
                let raiser_id = if rng.random_bool(0.6) {
                    enterprise_user
                } else {
                    agent
                };
                let raiser = actor(app, raiser_id).await?;
                let (title, description, category) = PROBLEMS[self.next_title % PROBLEMS.len()];
                self.next_title += 1;
                let p = problems::raise(
                    app,
                    &raiser,
                    project_id,
                    &RaiseInput {
                        title: title.into(),
                        description: description.into(),
                        category: category.code().into(),
                        department_id: dept,
                        case_item_ids: Vec::new(),
                        at_site: rng.random_bool(0.15),
                    },
                    meta,
                )
                .await?;
                self.counts[0] += 1;
                self.raisers.insert(p.id, raiser_id);
                let roll: f64 = rng.random();
                let script = if roll < 0.55 {
                    if rng.random_bool(0.12) {
                        vec![
                            Act::Respond,
                            Act::Resolve,
                            Act::Reopen,
                            Act::Resolve,
                            Act::Confirm,
                        ]
                    } else {
                        vec![Act::Respond, Act::Resolve, Act::Confirm]
                    }
                } else if roll < 0.9 {
                    vec![Act::Respond, Act::Escalate]
                } else {
                    Vec::new()
                };
                if !script.is_empty() {
                    next.push((
                        later(calendar, at, rng.random_range(0..2), rng),
                        CoordStep::Next(p.id),
                    ));
                }
                self.scripts.insert(p.id, (0, script));
            }
            CoordStep::Next(id) => {
                let Some((pos, script)) = self.scripts.get(&id).cloned() else {
                    return Ok(next);
                };
                let Some(act) = script.get(pos).copied() else {
                    return Ok(next);
                };
                let Some(m) = problem::Entity::find_by_id(id).one(&app.db.conn).await? else {
                    return Ok(next);
                };
                let who = match act {
                    Act::Respond | Act::Escalate | Act::Resolve => {
                        self.helpers.get(&m.department_id).copied()
                    }
                    Act::Confirm | Act::Reopen => self.raisers.get(&id).copied(),
                };
                let Some(who) = who else { return Ok(next) };
                let who = actor(app, who).await?;
                let action = match act {
                    Act::Respond => ProblemAction::Respond,
                    Act::Escalate => ProblemAction::Escalate,
                    Act::Resolve => ProblemAction::Resolve,
                    Act::Confirm => ProblemAction::Confirm,
                    Act::Reopen => ProblemAction::Reopen,
                };
                // The monitor may have moved it meanwhile: the script stops where it no longer fits.
                if !problems::available_actions(&app.db.conn, &who, id)
                    .await?
                    .contains(&action)
                {
                    return Ok(next);
                }
                let note = match act {
                    Act::Respond => "已收悉，正在与相关科室会商，近期答复。",
                    Act::Escalate => "涉及多个部门职能，本部门无法单独解决，提请上级协调。",
                    Act::Resolve => "经协调，已明确办理路径并完成相关手续。",
                    Act::Confirm => "",
                    Act::Reopen => "问题仍未真正解决，请继续协调。",
                };
                problems::act(
                    app,
                    &who,
                    id,
                    &ProblemActInput {
                        action: action.code().into(),
                        version: m.version,
                        note: note.into(),
                    },
                    meta,
                )
                .await?;
                if pos + 1 < script.len() {
                    let days = if act == Act::Resolve {
                        rng.random_range(1..4)
                    } else {
                        rng.random_range(0..2)
                    };
                    next.push((later(calendar, at, days, rng), CoordStep::Next(id)));
                }
                self.scripts.insert(id, (pos + 1, script));
            }
            CoordStep::Meeting => {
                next.push((later(calendar, at, 7, rng), CoordStep::Meeting));
                let Some(coord) = self.coordinator else {
                    return Ok(next);
                };
                let open = problem::Entity::find()
                    .filter(problem::Column::Status.eq(ProblemStatus::Open.code()))
                    .order_by_asc(problem::Column::Id)
                    .all(&app.db.conn)
                    .await?;
                // Problems that reached the city leader get a decision.
                for p in open.iter().filter(|p| p.level == Level::CityLeader.code()) {
                    if self.deciding.insert(p.id) {
                        next.push((
                            later(calendar, at, rng.random_range(1..3), rng),
                            CoordStep::Decide(p.id),
                        ));
                    }
                }
                let agenda: Vec<&problem::Model> = open
                    .iter()
                    .filter(|p| {
                        p.meeting_id.is_none()
                            && (p.level == Level::Bureau.code() || p.level == Level::Meeting.code())
                    })
                    .take(4)
                    .collect();
                if agenda.is_empty() {
                    return Ok(next);
                }
                let mut invitees: BTreeSet<i64> = agenda.iter().map(|p| p.department_id).collect();
                let first_project = project::Entity::find_by_id(agenda[0].project_id)
                    .one(&app.db.conn)
                    .await?;
                if let Some(p) = &first_project {
                    invitees.insert(p.unit_id);
                }
                let coord = actor(app, coord).await?;
                let when = later(calendar, at, 1, rng);
                let title = first_project.as_ref().map_or_else(
                    || "项目审批协调会".to_owned(),
                    |p| format!("{}等项目协调会", p.name),
                );
                let m = meetings::convene(
                    app,
                    &coord,
                    &MeetingInput {
                        kind: String::new(),
                        title,
                        scheduled_at: when,
                        place: if agenda.iter().any(|p| p.at_site) {
                            "项目现场".into()
                        } else {
                            "市行政审批局 3 楼会议室".into()
                        },
                        project_id: first_project.map(|p| p.id),
                        problem_ids: agenda.iter().map(|p| p.id).collect(),
                        invitees: invitees
                            .into_iter()
                            .map(|unit_id| meetings::InviteeInput {
                                unit_id,
                                user_id: None,
                            })
                            .collect(),
                    },
                    meta,
                )
                .await?;
                next.push((
                    later(calendar, when, 0, rng).max(when + Duration::hours(2)),
                    CoordStep::Record(m.id),
                ));
            }
            CoordStep::Record(id) => {
                let Some(coord) = self.coordinator else {
                    return Ok(next);
                };
                let coord = actor(app, coord).await?;
                let m = meetings::get(&app.db.conn, &coord, id).await?;
                let attendance = m
                    .attendees
                    .iter()
                    .map(|a| {
                        let roll = rng.random_range(0..100u32);
                        let att = match roll {
                            0..80 => Attendance::Present,
                            80..88 => Attendance::Late,
                            88..92 => Attendance::LeftEarly,
                            92..96 => Attendance::AbsentWithLeave,
                            _ => Attendance::AbsentWithoutLeave,
                        };
                        AttendanceInput {
                            attendee_id: a.id,
                            attendance: att.code().into(),
                            note: String::new(),
                        }
                    })
                    .collect();
                let mut decisions = Vec::new();
                let mut to_leader = Vec::new();
                for p in &m.problems {
                    let dept = problem::Entity::find_by_id(p.id)
                        .one(&app.db.conn)
                        .await?
                        .map(|x| x.department_id);
                    if rng.random_bool(0.82) {
                        decisions.push(DecisionInput {
                            text: format!(
                                "关于“{}”：明确由责任部门牵头，相关部门配合，限期办结。",
                                p.title
                            ),
                            problem_id: Some(p.id),
                            resolves_problem: true,
                            action_items: dept
                                .map(|d| ActionItemInput {
                                    title: format!("落实“{}”会议决定", p.title),
                                    owner_unit_id: d,
                                    owner_user_id: None,
                                    due_days: rng.random_range(3..9),
                                })
                                .into_iter()
                                .collect(),
                        });
                    } else {
                        decisions.push(DecisionInput {
                            text: format!(
                                "关于“{}”：涉及重大政策调整，提请分管市领导协调。",
                                p.title
                            ),
                            problem_id: Some(p.id),
                            resolves_problem: false,
                            action_items: Vec::new(),
                        });
                        to_leader.push(p.id);
                    }
                }
                let held = meetings::record_meeting(
                    app,
                    &coord,
                    id,
                    &MeetingRecordInput {
                        version: m.version,
                        minutes: format!("会议由市行政审批局召集，听取了{}的情况汇报，逐项研究了议题，形成决定如下。", m.title),
                        attendance,
                        decisions,
                    },
                    meta,
                )
                .await?;
                self.counts[1] += 1;
                for a in &held.action_items {
                    let late = rng.random_bool(0.2);
                    let days = u32::try_from(a.due_days).unwrap_or(3);
                    let days = if late {
                        days + rng.random_range(1..4)
                    } else {
                        rng.random_range(1..=days)
                    };
                    next.push((later(calendar, at, days, rng), CoordStep::Done(a.id)));
                }
                for pid in to_leader {
                    if let Some(p) = problem::Entity::find_by_id(pid).one(&app.db.conn).await?
                        && p.level == Level::Meeting.code()
                    {
                        problems::act(
                            app,
                            &coord,
                            pid,
                            &ProblemActInput {
                                action: "escalate".into(),
                                version: p.version,
                                note: "会议决定提请分管市领导协调。".into(),
                            },
                            meta,
                        )
                        .await?;
                        if self.deciding.insert(pid) {
                            next.push((
                                later(calendar, at, rng.random_range(1..4), rng),
                                CoordStep::Decide(pid),
                            ));
                        }
                    }
                }
            }
            CoordStep::Decide(id) => {
                let Some(leader) = self.city_leader else {
                    return Ok(next);
                };
                let Some(p) = problem::Entity::find_by_id(id).one(&app.db.conn).await? else {
                    return Ok(next);
                };
                if p.level != Level::CityLeader.code() || p.status != ProblemStatus::Open.code() {
                    return Ok(next);
                }
                let leader = actor(app, leader).await?;
                let items = meetings::leader_decision(
                    app,
                    &leader,
                    id,
                    &LeaderDecisionInput {
                        version: p.version,
                        text:
                            "请责任部门会同相关部门专题研究，五个工作日内拿出解决方案并组织实施。"
                                .into(),
                        resolves_problem: true,
                        action_items: vec![ActionItemInput {
                            title: format!("落实市领导关于“{}”的决定", p.title),
                            owner_unit_id: p.department_id,
                            owner_user_id: None,
                            due_days: 5,
                        }],
                    },
                    meta,
                )
                .await?;
                self.counts[2] += 1;
                for a in items {
                    next.push((
                        later(calendar, at, rng.random_range(2..7), rng),
                        CoordStep::Done(a.id),
                    ));
                }
            }
            CoordStep::Rate {
                case_id,
                enterprise_user,
                again,
            } => {
                let ent = actor(app, enterprise_user).await?;
                let roll = rng.random_range(0..100u32);
                let level = match (again, roll) {
                    (true, 0..70) | (false, 0..45) => Rating::VerySatisfied,
                    (true, _) | (false, 45..80) => Rating::Satisfied,
                    (false, 80..92) => Rating::Basic,
                    (false, 92..97) => Rating::Dissatisfied,
                    (false, _) => Rating::VeryDissatisfied,
                };
                let comment = if level.is_bad() {
                    "窗口对补正要求解释不清，多次往返才办成。"
                } else if again {
                    "整改到位，回访及时。"
                } else {
                    ""
                };
                crate::ratings::rate(
                    app,
                    &ent,
                    case_id,
                    &crate::ratings::RateInput {
                        rating: level.code().into(),
                        comment: comment.into(),
                    },
                    meta,
                )
                .await?;
                self.counts[3] += 1;
                if level.is_bad() {
                    let rect = daiban_store::entity::rectification::Entity::find()
                        .filter(daiban_store::entity::rectification::Column::CaseItemId.eq(case_id))
                        .one(&app.db.conn)
                        .await?;
                    if let Some(r) = rect {
                        // Most reply within the 5 working days, a few late.
                        let days = if rng.random_bool(0.8) {
                            rng.random_range(1..5)
                        } else {
                            rng.random_range(6..9)
                        };
                        next.push((later(calendar, at, days, rng), CoordStep::Rectify(r.id)));
                        self.raters.insert(r.id, (case_id, enterprise_user));
                    }
                }
            }
            CoordStep::Rectify(id) => {
                let Some(r) = daiban_store::entity::rectification::Entity::find_by_id(id)
                    .one(&app.db.conn)
                    .await?
                else {
                    return Ok(next);
                };
                let (who, note) = if r.status == RectificationStatus::Open.code() {
                    (
                        self.helpers
                            .get(&r.responsible_unit_id)
                            .copied()
                            .or(self.coordinator),
                        "已约谈窗口人员，制作补正材料清单和办事指引图，向企业当面说明。",
                    )
                } else {
                    (self.coordinator, "电话回访企业负责人，企业认可整改措施。")
                };
                let Some(who) = who else { return Ok(next) };
                let who = actor(app, who).await?;
                let v = crate::ratings::advance(
                    app,
                    &who,
                    id,
                    &crate::ratings::LoopInput {
                        version: r.version,
                        note: note.into(),
                    },
                    meta,
                )
                .await?;
                if v.status == RectificationStatus::Rectified.code() {
                    next.push((
                        later(calendar, at, rng.random_range(1..4), rng),
                        CoordStep::Rectify(id),
                    ));
                } else if let Some((case_id, enterprise_user)) = self.raters.get(&id).copied() {
                    next.push((
                        later(calendar, at, rng.random_range(1..4), rng),
                        CoordStep::Rate {
                            case_id,
                            enterprise_user,
                            again: true,
                        },
                    ));
                }
            }
            CoordStep::Done(id) => {
                let Some(a) = daiban_store::entity::action_item::Entity::find_by_id(id)
                    .one(&app.db.conn)
                    .await?
                else {
                    return Ok(next);
                };
                let owner = self
                    .helpers
                    .get(&a.owner_unit_id)
                    .copied()
                    .or(self.coordinator);
                let Some(owner) = owner else { return Ok(next) };
                let owner = actor(app, owner).await?;
                meetings::complete_action_item(
                    app,
                    &owner,
                    id,
                    a.version,
                    "已按要求落实，并向企业反馈。",
                    meta,
                )
                .await?;
                self.counts[3] += 1;
            }
        }
        Ok(next)
    }
}
