//! The demo's information platform, played through the real use cases on a clock that walks
//! the year after the rest of the demo city is generated: about twenty announcements of the
//! bureau over the year (a few pinned, most public, one withdrawn), read by most staff within
//! days of publication, and forty enterprise demands in every state — routed, answered on time
//! or late, reopened, confirmed, a few turned into problems, the latest still waiting, some of
//! them overdue.

use crate::actor::Meta;
use crate::announcements::{self, AnnouncementActionInput, AnnouncementInput};
use crate::demands::{self, DemandActionInput, DemandInput};
use crate::demo_activity::{actor, after_workdays};
use crate::{App, AppResult, FixedClock};
use chrono::{DateTime, Duration, Utc};
use daiban_domain::role::Role;
use daiban_store::entity::{enterprise, project, unit, user};
use rand::SeedableRng;
use rand::rngs::StdRng;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use std::sync::Arc;

/// What the platform's demo produced.
#[derive(Debug, Clone, Copy, Default)]
pub struct Platform {
    /// Announcements published.
    pub announcements: usize,
    /// Read receipts left.
    pub reads: usize,
    /// Demands raised.
    pub demands: usize,
}

/// (title, category, public, pinned, body) of the year's announcements, oldest first.
const NEWS: [(&str, &str, bool, bool, &str); 20] = [
    (
        "兴化市项目审批代办帮办工作实施意见解读",
        "policy",
        true,
        true,
        "## 一、为什么要开展代办帮办\n\n为进一步优化营商环境，市政府出台《关于进一步做好项目审批代办帮办工作的实施意见》，对企业投资项目实行**全程免费代办**。\n\n## 二、谁来办\n\n- 乡镇（街道）、开发区设立**项目代办专窗**，选派代办员；\n- 各职能部门选派帮办员，负责本部门事项的受理和办结。\n\n## 三、企业怎么申请\n\n企业自愿签订委托代办协议后，由代办员一次性告知所需材料，全程跟踪办理进度。",
    ),
    (
        "2026年春节假期期间审批服务安排的通知",
        "notice",
        true,
        false,
        "春节假期（2月15日至23日）期间，市政务服务中心暂停现场办理。\n\n**2月14日（星期六）、2月28日（星期六）正常上班。** 急办事项请联系各乡镇代办专窗。",
    ),
    (
        "企业投资项目备案办事指南",
        "guide",
        true,
        false,
        "## 适用范围\n\n《产业结构调整指导目录》鼓励类、允许类的企业投资项目。\n\n## 所需材料\n\n1. 项目备案申请表；\n2. 企业营业执照；\n3. 项目建设内容说明。\n\n## 办理时限\n\n即办件，材料齐全当场办结。",
    ),
    (
        "第一季度代办员业务培训通知",
        "notice",
        false,
        false,
        "定于3月中旬举办全市代办员、帮办员业务培训，内容为审批流程、一次性告知和材料流转规范。\n\n请各单位按时参加，**无故缺席的按考评办法扣分**。",
    ),
    (
        "工程建设项目审批制度改革政策解读",
        "policy",
        true,
        false,
        "工程建设项目审批实行**分阶段并联审批**：立项用地规划许可、工程建设许可、施工许可、竣工验收四个阶段，每阶段“一家牵头、一窗受理、并联审批、限时办结”。",
    ),
    (
        "一季度全市项目代办工作动态",
        "work_news",
        true,
        false,
        "一季度全市新增代办项目一百余个，按时办结率持续提升。各乡镇代办专窗累计接待企业咨询数百人次。",
    ),
    (
        "施工许可办理指南（2026年版）",
        "guide",
        true,
        false,
        "## 办理条件\n\n- 已取得建设工程规划许可证；\n- 施工图审查合格；\n- 已确定施工企业。\n\n## 承诺时限\n\n**5个工作日**（法定时限15个工作日）。\n\n详见[江苏政务服务网](https://www.jszwfw.gov.cn)。",
    ),
    (
        "关于开展企业回访工作的通知",
        "notice",
        false,
        false,
        "市行政审批局将对完成阶段性审批的项目开展回访，听取企业对代办服务的意见。请各单位配合做好回访安排。",
    ),
    (
        "项目审批代办帮办考评办法解读",
        "policy",
        true,
        false,
        "考评实行**百分制、扣分制**，按季度进行：岗位设置10分、人员到位10分、规范服务30分、制度执行10分、民主评议30分、举报投诉10分，各项扣完为止。",
    ),
    (
        "二季度考评结果公示",
        "notice",
        true,
        false,
        "二季度代办帮办工作考评结果已经市行政审批局审定，现予公示，详见[考评结果公示](/public/evaluation)。",
    ),
    (
        "用地规划许可办事指南",
        "guide",
        true,
        false,
        "## 办理流程\n\n1. 企业提出申请；\n2. 自然资源部门受理并审查；\n3. 核发建设用地规划许可证。\n\n*涉及土地出让的，以出让合同为准。*",
    ),
    (
        "上半年项目代办工作总结",
        "work_news",
        true,
        false,
        "上半年全市重大项目均由市行政审批局帮办员全程跟踪服务，协调解决用地、水电气接入等问题数十个。",
    ),
    (
        "关于规范代办员廉洁从业的通知",
        "notice",
        false,
        true,
        "代办服务**全程免费**。严禁代办员、帮办员以任何形式收取费用、接受宴请和礼品、推荐中介机构。\n\n发现违规的，一经查实按考评办法扣分并严肃处理。",
    ),
    (
        "国庆假期期间审批服务安排的通知",
        "notice",
        true,
        false,
        "10月1日至8日放假调休，共8天。**9月27日（星期日）、10月10日（星期六）上班。**",
    ),
    (
        "三季度民主评议工作安排",
        "notice",
        false,
        false,
        "三季度民主评议问卷已发放至各代办员、帮办员和企业，请于截止日期前完成填报。",
    ),
    (
        "环境影响评价审批改革政策解读",
        "policy",
        true,
        false,
        "对环境影响很小的建设项目实行**告知承诺制**审批，企业承诺后即可取得审批决定。",
    ),
    (
        "三季度全市项目代办工作动态",
        "work_news",
        true,
        false,
        "三季度各乡镇代办专窗办件量平稳增长，企业满意度保持较高水平。",
    ),
    (
        "竣工验收备案办事指南",
        "guide",
        true,
        false,
        "## 所需材料\n\n- 竣工验收报告；\n- 规划、消防等专项验收意见；\n- 工程质量保修书。\n\n## 办理时限\n\n**3个工作日**。",
    ),
    (
        "关于试行旧版政策问答的通知（已撤回）",
        "notice",
        false,
        false,
        "本通知内容有误，已撤回，以后续通知为准。",
    ),
    (
        "关于做好年底人员集中调整报备的通知",
        "notice",
        false,
        false,
        "代办员、帮办员确需调整的，请于12月底前集中报送调整方案，经市行政审批局审核同意后方可调整，并做好工作交接。",
    ),
];

/// (title, category, description) of the demands; cycled over forty.
const ASKS: [(&str, &str, &str); 10] = [
    (
        "厂区供水接入",
        "utilities",
        "新厂区需接入市政供水管网，请协调供水公司尽快踏勘。",
    ),
    (
        "施工许可图审意见反复",
        "approval",
        "施工图审查意见多次反复，影响施工许可办理。",
    ),
    (
        "新增用地指标咨询",
        "land",
        "企业拟扩建二期，咨询新增建设用地指标和供地方式。",
    ),
    (
        "技改补贴政策咨询",
        "funding",
        "咨询本年度工业技改专项资金的申报条件和时间。",
    ),
    (
        "规划条件调整",
        "planning",
        "项目容积率需调整，请协助对接规划部门。",
    ),
    (
        "电力增容",
        "utilities",
        "生产线扩产需要电力增容至2000千伏安，请协调供电公司。",
    ),
    (
        "环评告知承诺制适用",
        "policy",
        "咨询本项目是否适用环评告知承诺制。",
    ),
    (
        "消防验收时间安排",
        "approval",
        "厂房已竣工，希望尽快安排消防验收。",
    ),
    (
        "天然气管道接入",
        "utilities",
        "食品加工线需接入天然气，请协调燃气公司。",
    ),
    (
        "人才公寓申请",
        "other",
        "企业引进技术人员，咨询人才公寓申请流程。",
    ),
];

const DEMANDS: usize = 40;

#[derive(Debug, Clone, Copy)]
enum Step {
    Write(usize),
    Publish(usize),
    Unpublish(usize),
    Read(usize, i64),
    Submit(usize),
    Act(usize, &'static str),
}

struct Cast {
    coordinator: i64,
    staff: Vec<i64>,
    /// (enterprise user, enterprise, its town unit).
    enterprises: Vec<(i64, i64, i64)>,
    departments: Vec<i64>,
}

async fn cast(app: &App) -> AppResult<Cast> {
    let db = &app.db.conn;
    let users = user::Entity::find()
        .filter(user::Column::Active.eq(true))
        .order_by_asc(user::Column::Id)
        .all(db)
        .await?;
    let coordinator = users
        .iter()
        .find(|u| u.role == Role::Coordinator.code())
        .map(|u| u.id)
        .ok_or_else(|| anyhow::anyhow!("the demo city has no coordinator"))?;
    let staff = users
        .iter()
        .filter(|u| {
            [
                Role::Coordinator,
                Role::CityLeader,
                Role::UnitLeader,
                Role::Agent,
                Role::Helper,
            ]
            .iter()
            .any(|r| r.code() == u.role)
        })
        .map(|u| u.id)
        .collect();
    let mut enterprises = Vec::new();
    for u in users.iter().filter(|u| u.role == Role::Enterprise.code()) {
        if let Some(e) = u.enterprise_id
            && let Some(ent) = enterprise::Entity::find_by_id(e).one(db).await?
            && !enterprises.iter().any(|(_, x, _)| *x == e)
        {
            enterprises.push((u.id, e, ent.unit_id));
        }
    }
    let departments = unit::Entity::find()
        .filter(unit::Column::Kind.eq("department"))
        .filter(unit::Column::Active.eq(true))
        .order_by_asc(unit::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|u| u.id)
        .collect();
    Ok(Cast {
        coordinator,
        staff,
        enterprises,
        departments,
    })
}

/// The active staff member of `unit_id` who handles its demands: an agent of a town unit, the
/// helper of a department (else its leader).
async fn handler(app: &App, unit_id: i64) -> AppResult<Option<i64>> {
    let list = user::Entity::find()
        .filter(user::Column::UnitId.eq(unit_id))
        .filter(user::Column::Active.eq(true))
        .filter(user::Column::Role.is_in([
            Role::Agent.code(),
            Role::Helper.code(),
            Role::UnitLeader.code(),
        ]))
        .order_by_asc(user::Column::Id)
        .all(&app.db.conn)
        .await?;
    Ok(list
        .iter()
        .find(|u| u.role != Role::UnitLeader.code())
        .or_else(|| list.first())
        .map(|u| u.id))
}

/// Plans demand `i`'s steps from its submission at `at`: the later ones stop earlier (the
/// last few are still waiting at the end of the year).
fn demand_plan(
    app: &App,
    i: usize,
    at: DateTime<Utc>,
    rng: &mut StdRng,
) -> Vec<(DateTime<Utc>, Step)> {
    let calendar = app.calendar();
    let mut out = vec![(at, Step::Submit(i))];
    let left = DEMANDS - i;
    let mut t = at;
    let mut push = |out: &mut Vec<(DateTime<Utc>, Step)>, days: u32, a: &'static str| {
        t = after_workdays(&calendar, t, days, rng);
        out.push((t, Step::Act(i, a)));
    };
    if left <= 2 {
        return out; // still to route
    }
    if i % 4 != 3 {
        push(&mut out, 1, "route");
    }
    if left <= 4 {
        return out; // routed, not accepted: overdue by the end of the year
    }
    push(&mut out, 1, "accept");
    if left <= 5 {
        return out;
    }
    if i % 8 == 5 {
        push(&mut out, 2, "escalate");
        if i < DEMANDS / 2 {
            push(&mut out, 15, "close");
            push(&mut out, 2, "confirm");
        }
        return out;
    }
    // Every seventh answer comes late.
    push(&mut out, if i.is_multiple_of(7) { 8 } else { 2 }, "reply");
    if left <= 7 {
        return out;
    }
    push(&mut out, 3, "close");
    if i % 9 == 4 {
        push(&mut out, 2, "reopen");
        push(&mut out, 3, "close");
    }
    if i % 6 != 1 {
        push(&mut out, 2, "confirm");
    }
    out
}

/// Plays the year of announcements and demands ending at `end` on a simulated clock.
///
/// # Errors
/// A use case refused a planned step (a bug in the plan) or the database failed.
pub(crate) async fn generate(app: &App, end: DateTime<Utc>) -> AppResult<Platform> {
    let start = end - Duration::days(365);
    let clock = Arc::new(FixedClock::new(start));
    let db = daiban_store::connect_for_bulk_load(&app.db.url)
        .await
        .map_err(|e| anyhow::anyhow!("demo bulk-load connection: {e}"))?;
    let mut sim = App::new(db, clock.clone(), app.auth.clone());
    sim.ladder = app.ladder;
    sim.demand_days = app.demand_days;
    let calendar = app.calendar();
    let meta = Meta {
        request_id: "demo".into(),
        client_addr: "local".into(),
    };
    let mut rng = StdRng::seed_from_u64(20_260_533);
    let cast = cast(&sim).await?;
    let mut plan: Vec<(DateTime<Utc>, Step)> = Vec::new();
    for i in 0..NEWS.len() {
        let days = 8 + 17 * i64::try_from(i).unwrap_or(0);
        let at = after_workdays(&calendar, start + Duration::days(days), 0, &mut rng);
        plan.push((at, Step::Write(i)));
        let published = after_workdays(&calendar, at, 1, &mut rng);
        plan.push((published, Step::Publish(i)));
        if i == 18 {
            plan.push((
                after_workdays(&calendar, published, 1, &mut rng),
                Step::Unpublish(i),
            ));
            continue;
        }
        // Most staff read it within two weeks; the latest ones fewer so far.
        let share = if i + 3 >= NEWS.len() { 3 } else { 7 };
        for (k, s) in cast.staff.iter().enumerate() {
            if (k * 7 + i * 3) % 10 < share {
                let lag = u32::try_from((k + i) % 10).unwrap_or(0);
                plan.push((
                    after_workdays(&calendar, published, lag, &mut rng),
                    Step::Read(i, *s),
                ));
            }
        }
    }
    for i in 0..DEMANDS {
        let days = 10 + 8 * i64::try_from(i).unwrap_or(0) + i64::try_from(i % 3).unwrap_or(0);
        let at = after_workdays(&calendar, start + Duration::days(days), 0, &mut rng);
        plan.extend(demand_plan(&sim, i, at, &mut rng));
    }
    plan.retain(|(at, _)| *at < end);
    plan.sort_by_key(|(at, _)| *at);

    let mut news_ids: Vec<Option<i64>> = vec![None; NEWS.len()];
    let mut demand_ids: Vec<Option<(i64, i64, i64)>> = vec![None; DEMANDS];
    let mut out = Platform::default();
    let coord = actor(&sim, cast.coordinator).await?;
    for (at, step) in plan {
        clock.set(at);
        match step {
            Step::Write(i) => {
                let (title, category, public, pinned, body) = NEWS[i];
                let v = announcements::create(
                    &sim,
                    &coord,
                    &AnnouncementInput {
                        title: title.into(),
                        body: body.into(),
                        category: category.into(),
                        public,
                        pinned,
                        version: 0,
                    },
                    &meta,
                )
                .await?;
                news_ids[i] = Some(v.id);
            }
            Step::Publish(i) | Step::Unpublish(i) => {
                let Some(id) = news_ids[i] else { continue };
                let v = announcements::get(&sim, &coord, id, &meta).await?;
                let action = if matches!(step, Step::Publish(_)) {
                    out.announcements += 1;
                    "publish"
                } else {
                    "unpublish"
                };
                announcements::act(
                    &sim,
                    &coord,
                    id,
                    &AnnouncementActionInput {
                        action: action.into(),
                        version: v.version,
                    },
                    &meta,
                )
                .await?;
            }
            Step::Read(i, staff) => {
                let Some(id) = news_ids[i] else { continue };
                let who = actor(&sim, staff).await?;
                announcements::get(&sim, &who, id, &meta).await?;
                out.reads += 1;
            }
            Step::Submit(i) => {
                let Some(&(mut user_id, mut enterprise_id, mut town)) =
                    cast.enterprises.get(i % cast.enterprises.len().max(1))
                else {
                    continue;
                };
                let (title, category, description) = ASKS[i % ASKS.len()];
                // Every other demand concerns a project registered by then, of its enterprise.
                let mut project_id = None;
                if i % 2 == 1 {
                    let projects = project::Entity::find()
                        .filter(project::Column::CreatedAt.lt(at))
                        .order_by_asc(project::Column::Id)
                        .all(&sim.db.conn)
                        .await?;
                    if !projects.is_empty() {
                        let p = &projects[(i * 5) % projects.len()];
                        if let Some(&(u, e, t)) =
                            cast.enterprises.iter().find(|x| x.1 == p.enterprise_id)
                        {
                            (user_id, enterprise_id, town, project_id) = (u, e, t, Some(p.id));
                        }
                    }
                }
                // Every fourth is entered by the town's agent, for the enterprise.
                let agent = if i % 4 == 3 {
                    handler(&sim, town).await?
                } else {
                    None
                };
                let (who, on_behalf) = match agent {
                    Some(a) => (actor(&sim, a).await?, Some(enterprise_id)),
                    None => (actor(&sim, user_id).await?, None),
                };
                let v = demands::submit(
                    &sim,
                    &who,
                    &DemandInput {
                        title: title.into(),
                        description: description.into(),
                        category: category.into(),
                        project_id,
                        enterprise_id: on_behalf,
                    },
                    &meta,
                )
                .await?;
                demand_ids[i] = Some((v.id, user_id, town));
                out.demands += 1;
            }
            Step::Act(i, action) => {
                let Some((id, enterprise_user, town)) = demand_ids[i] else {
                    continue;
                };
                let d = demands::get(&sim, &coord, id).await?;
                let town = Some(town);
                let department = cast
                    .departments
                    .get(i % cast.departments.len().max(1))
                    .copied();
                let who = match action {
                    "route" | "escalate" => coord.clone(),
                    "confirm" | "reopen" => actor(&sim, enterprise_user).await?,
                    _ => match d.unit_id {
                        Some(u) => match handler(&sim, u).await? {
                            Some(h) => actor(&sim, h).await?,
                            None => coord.clone(),
                        },
                        None => coord.clone(),
                    },
                };
                if action == "escalate" && d.project_id.is_none() {
                    continue;
                }
                let note = match action {
                    "reply" => "已联系相关单位，正在协调办理，将及时反馈进展。",
                    "close" => "经协调已落实，企业诉求已办结。",
                    "reopen" => "问题尚未完全解决，申请重新办理。",
                    "escalate" => "涉及多个部门，转入矛盾问题协调机制。",
                    _ => "",
                };
                let input = DemandActionInput {
                    action: action.into(),
                    version: d.version,
                    unit_id: if action == "route" {
                        // Approval and planning demands go to a department, the rest to the town.
                        if matches!(ASKS[i % ASKS.len()].1, "approval" | "planning") {
                            department.or(town)
                        } else {
                            town
                        }
                    } else {
                        None
                    },
                    note: note.into(),
                    department_id: department,
                };
                match demands::act(&sim, &who, id, &input, &meta).await {
                    // A demand the plan no longer fits (its project left the actor's sight) is
                    // left where it is.
                    Ok(_) | Err(crate::AppError::NotFound | crate::AppError::Invalid(_)) => {}
                    Err(e) => return Err(e),
                }
            }
        }
    }
    Ok(out)
}
