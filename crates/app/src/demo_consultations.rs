//! The demo's online consultations over the simulated year, through the real use cases on a
//! `FixedClock` that walks the year: three dozen questions from enterprises (and a couple from
//! agents), routed by project, catalog item, choice or to the bureau; most answered within the
//! limit, some late, a few still open and red at the end; follow-ups, resolutions, two
//! re-routings by the bureau, and about fifteen answers published to the FAQ. The consultation
//! watch runs on each simulated day, so the yellow and red alerts are in the record too.

use crate::actor::Meta;
use crate::consultations::{self, AskInput, MessageInput, RerouteInput, ResolveInput};
use crate::demo_activity::{actor, after_workdays};
use crate::faq::{self, FaqInput};
use crate::{App, AppResult, Clock, FixedClock};
use chrono::{DateTime, Duration, Utc};
use daiban_domain::clock::CHINA;
use daiban_domain::role::Role;
use daiban_domain::unit::UnitKind;
use daiban_store::entity::{catalog_item, project, unit, user};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use std::sync::Arc;

/// (subject, question, answer, FAQ category) of the scripted consultations.
const SCRIPT: [(&str, &str, &str, &str); 18] = [
    (
        "环评报告书还是报告表",
        "我公司拟建年产5万吨不锈钢管项目，请问需要编制环境影响评价报告书还是报告表？",
        "按《建设项目环境影响评价分类管理名录》，金属制品加工项目有电镀、酸洗工艺的编制报告书，其余编制报告表。请携带工艺说明到生态环境局窗口预审。",
        "环境影响评价",
    ),
    (
        "施工许可需要哪些材料",
        "厂房主体即将开工，办理建筑工程施工许可证需要准备哪些材料？",
        "需施工合同、监理合同、施工图审查合格书、质量安全监督手续及资金到位证明；代办员可一次性告知并帮办网上申报。",
        "施工许可",
    ),
    (
        "用地规划许可办理时限",
        "土地已摘牌，建设用地规划许可证多久能办下来？",
        "材料齐全后自然资源和规划局承诺 5 个工作日办结；摘牌后即可由代办员同步准备设计方案审查材料。",
        "用地规划",
    ),
    (
        "企业投资项目备案",
        "鼓励类项目是否还需要核准？备案需要多长时间？",
        "不在核准目录内的企业投资项目实行备案，在线平台提交后即办；代办员可协助填报项目代码申请。",
        "项目立项",
    ),
    (
        "消防设计审查",
        "丙类厂房是否需要消防设计审查？",
        "特殊建设工程需消防设计审查，其他建设工程实行备案抽查；丙类厂房一般为备案，具体以住建部门认定为准。",
        "消防",
    ),
    (
        "代办是否收费",
        "委托代办员办理审批手续需要支付费用吗？",
        "项目审批代办服务全程免费，代办员不得收取任何费用或接受宴请；如遇收费请向审批局举报投诉。",
        "代办服务",
    ),
    (
        "竣工联合验收",
        "项目竣工后规划、消防、人防验收可以一起办吗？",
        "实行竣工联合验收，一次申请、同步查验、限时办结；请提前 10 个工作日向代办员提出。",
        "竣工验收",
    ),
    (
        "土地出让金缴纳",
        "土地出让金可以分期缴纳吗？",
        "按出让合同约定，首期不低于 50%，余款一年内缴清；具体以自然资源和规划局合同为准。",
        "用地规划",
    ),
    (
        "节能审查",
        "年综合能耗 800 吨标准煤的项目是否需要节能审查？",
        "年综合能耗 1000 吨标准煤以下且电力消费量 500 万千瓦时以下的项目不单独节能审查，按节能标准建设即可。",
        "项目立项",
    ),
    (
        "环评与施工许可并联",
        "环评批复前能否先办施工许可？",
        "环评审批是开工前置条件，但可并联准备施工图审查材料；环评批复后即可申请施工许可。",
        "环境影响评价",
    ),
    (
        "排污许可",
        "投产前需要办理排污许可证吗？",
        "纳入排污许可管理名录的企业须在启动生产设施前申领排污许可证或进行排污登记。",
        "环境影响评价",
    ),
    (
        "营业执照变更",
        "公司名称变更后已办的批文需要重新办理吗？",
        "已办批文一般办理名称变更即可，由代办员向各发证部门一并申请，无需重新审批。",
        "代办服务",
    ),
    (
        "图审合格书",
        "施工图审查多久出合格书？",
        "施工图联合审查承诺 10 个工作日，修改补正时间不计入。",
        "施工许可",
    ),
    (
        "规划方案调整",
        "设计方案审查通过后想增加一栋仓库，需要重新审查吗？",
        "增加建筑须办理规划方案调整，按变更程序审查，代办员可帮办。",
        "用地规划",
    ),
    (
        "安全评价",
        "涉及危险化学品储存，需要做安全条件审查吗？",
        "涉及危险化学品的建设项目须进行安全条件审查，由应急管理局受理。",
        "其他",
    ),
    (
        "人防易地建设费",
        "厂房是否需要缴纳人防易地建设费？",
        "工业厂房按规定可减免，具体由住建部门（人防）核定。",
        "施工许可",
    ),
    (
        "上报件进度",
        "项目需报泰州市审批，怎样查看上报进度？",
        "上报件在系统中可查看上报时间和上级决定，帮办员负责跟踪，有进展会推送通知。",
        "代办服务",
    ),
    (
        "材料原件归还",
        "交给代办员的材料原件什么时候归还？",
        "材料流转全程登记，办结后由代办员归还并签收；可在项目页面查看材料保管记录。",
        "代办服务",
    ),
];

/// Consultations in the demo year.
const COUNT: usize = 36;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Ev {
    Ask,
    Reroute,
    Answer,
    FollowUp,
    Resolve,
    Publish,
}

struct Plan {
    asker: i64,
    script: usize,
    route: Route,
    id: Option<i64>,
}

#[derive(Clone, Copy)]
enum Route {
    Project(i64),
    Item(i64),
    Unit(i64),
    Bureau,
}

/// Generates the year's consultations ending at `end`. Returns how many were asked.
///
/// # Errors
/// A use case refused a planned step (a bug in the plan) or the database failed.
pub(crate) async fn generate(app: &App, end: DateTime<Utc>) -> AppResult<usize> {
    let mut rng = StdRng::seed_from_u64(20_261_201);
    let start = end - Duration::days(330);
    let clock = Arc::new(FixedClock::new(start));
    let mut sim = App::new(app.db.clone(), clock.clone(), app.auth.clone());
    sim.consultation_days = app.consultation_days;
    let calendar = app.calendar();
    let db = &app.db.conn;
    let enterprise_users: Vec<user::Model> = user::Entity::find()
        .filter(user::Column::Role.eq(Role::Enterprise.code()))
        .filter(user::Column::Active.eq(true))
        .order_by_asc(user::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .filter(|u| u.enterprise_id.is_some())
        .collect();
    let coordinator = user::Entity::find()
        .filter(user::Column::Role.eq(Role::Coordinator.code()))
        .filter(user::Column::Active.eq(true))
        .order_by_asc(user::Column::Id)
        .one(db)
        .await?;
    let (Some(coordinator), false) = (coordinator, enterprise_users.is_empty()) else {
        return Ok(0);
    };
    let agents: Vec<user::Model> = user::Entity::find()
        .filter(user::Column::Role.eq(Role::Agent.code()))
        .filter(user::Column::Active.eq(true))
        .order_by_asc(user::Column::Id)
        .all(db)
        .await?;
    let items: Vec<catalog_item::Model> = catalog_item::Entity::find()
        .filter(catalog_item::Column::Current.eq(true))
        .order_by_asc(catalog_item::Column::Code)
        .all(db)
        .await?;
    let departments: Vec<unit::Model> = unit::Entity::find()
        .filter(unit::Column::Kind.eq(UnitKind::Department.code()))
        .filter(unit::Column::Active.eq(true))
        .order_by_asc(unit::Column::Id)
        .all(db)
        .await?;
    let projects: Vec<project::Model> = project::Entity::find()
        .order_by_asc(project::Column::Id)
        .all(db)
        .await?;
    let mut plans: Vec<Plan> = Vec::new();
    let mut events: Vec<(DateTime<Utc>, Ev, usize)> = Vec::new();
    let span = (end - start).num_days() - 3;
    for i in 0..COUNT {
        // Spread over the year; the last few land in the final working days.
        let day = if i + 4 >= COUNT {
            span - i64::try_from(COUNT - i).unwrap_or(0) * 2
        } else {
            span * i64::try_from(i).unwrap_or(0) / i64::try_from(COUNT).unwrap_or(1)
        };
        let ask_at = after_workdays(&calendar, start + Duration::days(day.max(0)), 0, &mut rng);
        let by_agent = i % 12 == 5 && !agents.is_empty();
        let (asker, enterprise) = if by_agent {
            (agents[i % agents.len()].id, None)
        } else {
            let u = &enterprise_users[(i * 7) % enterprise_users.len()];
            (u.id, u.enterprise_id)
        };
        let own: Vec<&project::Model> = projects
            .iter()
            .filter(|p| Some(p.enterprise_id) == enterprise && p.created_at < ask_at)
            .collect();
        let route = match i % 4 {
            0 if !own.is_empty() => Route::Project(own[i % own.len()].id),
            1 if !items.is_empty() => Route::Item(items[(i * 5) % items.len()].id),
            2 if !departments.is_empty() => {
                Route::Unit(departments[(i * 3) % departments.len()].id)
            }
            _ if !own.is_empty() => Route::Project(own[0].id),
            _ => Route::Bureau,
        };
        let route = if by_agent || i % 9 == 8 {
            Route::Bureau
        } else {
            route
        };
        plans.push(Plan {
            asker,
            script: i % SCRIPT.len(),
            route,
            id: None,
        });
        events.push((ask_at, Ev::Ask, i));
        let mut t = ask_at;
        if i % 11 == 3 {
            t = after_workdays(&calendar, t, 0, &mut rng);
            events.push((t, Ev::Reroute, i));
        }
        // The last ones stay open (red or yellow at the end); one in five is answered late.
        if i + 4 >= COUNT {
            continue;
        }
        let late = rng.random_bool(0.2);
        let days = if late {
            rng.random_range(3..6)
        } else {
            rng.random_range(0..2)
        };
        t = after_workdays(&calendar, t, days, &mut rng);
        events.push((t, Ev::Answer, i));
        if i % 3 == 0 {
            t = after_workdays(&calendar, t, 1, &mut rng);
            events.push((t, Ev::FollowUp, i));
            t = after_workdays(&calendar, t, 0, &mut rng);
            events.push((t, Ev::Answer, i));
        }
        if i % 5 != 4 {
            t = after_workdays(&calendar, t, 1, &mut rng);
            events.push((t, Ev::Resolve, i));
        }
        if plans
            .iter()
            .filter(|p| p.script == i % SCRIPT.len())
            .count()
            == 1
            && i % 6 != 5
        {
            events.push((after_workdays(&calendar, t, 2, &mut rng), Ev::Publish, i));
        }
    }
    events.sort_by_key(|(at, ev, i)| (*at, *ev, *i));
    let meta = Meta {
        request_id: "demo".into(),
        client_addr: "local".into(),
    };
    let bureau = actor(&sim, coordinator.id).await?;
    let mut asked = 0;
    for (at, ev, i) in events {
        if at > end {
            continue;
        }
        let now = clock.now();
        if at > now {
            clock.advance(at - now);
            if at.with_timezone(&CHINA).date_naive() != now.with_timezone(&CHINA).date_naive() {
                let w = sim.begin_write().await?;
                consultations::watch(&w.txn, at).await?;
                w.commit().await?;
            }
        }
        let (subject, question, answer, category) = SCRIPT[plans[i].script];
        match ev {
            Ev::Ask => {
                let who = actor(&sim, plans[i].asker).await?;
                let mut input = AskInput {
                    subject: subject.into(),
                    body: question.into(),
                    ..AskInput::default()
                };
                match plans[i].route {
                    Route::Project(p) => input.project_id = Some(p),
                    Route::Item(it) => input.catalog_item_id = Some(it),
                    Route::Unit(u) => input.unit_id = Some(u),
                    Route::Bureau => {}
                }
                let v = consultations::ask(&sim, &who, &input, &meta).await?;
                plans[i].id = Some(v.id);
                asked += 1;
            }
            Ev::Reroute => {
                let Some(id) = plans[i].id else { continue };
                let v = consultations::get(&sim, &bureau, id).await?;
                let Some(to) = departments.iter().map(|d| d.id).find(|d| *d != v.unit_id) else {
                    continue;
                };
                consultations::reroute(
                    &sim,
                    &bureau,
                    id,
                    &RerouteInput {
                        unit_id: to,
                        reason: "该问题属于行业主管部门职责，改由部门帮办员答复".into(),
                        version: v.version,
                    },
                    &meta,
                )
                .await?;
            }
            Ev::Answer => {
                let Some(id) = plans[i].id else { continue };
                let v = consultations::get(&sim, &bureau, id).await?;
                let who = match answerer(&sim, v.unit_id).await? {
                    Some(u) => actor(&sim, u).await?,
                    None => bureau.clone(),
                };
                let body = if v.status == "open" {
                    answer.to_owned()
                } else {
                    "补充说明：已通知代办员与您对接，可随时在本咨询中继续留言。".to_owned()
                };
                consultations::post_message(
                    &sim,
                    &who,
                    id,
                    &MessageInput {
                        body,
                        version: v.version,
                    },
                    &meta,
                )
                .await?;
            }
            Ev::FollowUp => {
                let Some(id) = plans[i].id else { continue };
                let who = actor(&sim, plans[i].asker).await?;
                let v = consultations::get(&sim, &who, id).await?;
                consultations::post_message(
                    &sim,
                    &who,
                    id,
                    &MessageInput {
                        body: "谢谢答复。请问能否安排代办员上门指导材料准备？".into(),
                        version: v.version,
                    },
                    &meta,
                )
                .await?;
            }
            Ev::Resolve => {
                let Some(id) = plans[i].id else { continue };
                let who = actor(&sim, plans[i].asker).await?;
                let v = consultations::get(&sim, &who, id).await?;
                if v.status != "answered" {
                    continue;
                }
                consultations::resolve(
                    &sim,
                    &who,
                    id,
                    &ResolveInput {
                        note: "问题已解决，感谢。".into(),
                        version: v.version,
                    },
                    &meta,
                )
                .await?;
            }
            Ev::Publish => {
                let Some(id) = plans[i].id else { continue };
                faq::publish(
                    &sim,
                    &bureau,
                    id,
                    &FaqInput {
                        category: category.into(),
                        question: question.into(),
                        answer: answer.into(),
                    },
                    &meta,
                )
                .await?;
            }
        }
    }
    let w = sim.begin_write().await?;
    consultations::watch(&w.txn, clock.now()).await?;
    w.commit().await?;
    Ok(asked)
}

/// The first active answerer of `unit_id`: a helper or agent, else its leader.
async fn answerer(app: &App, unit_id: i64) -> AppResult<Option<i64>> {
    let staff = user::Entity::find()
        .filter(user::Column::Active.eq(true))
        .filter(user::Column::UnitId.eq(unit_id))
        .filter(user::Column::Role.is_in([
            Role::Helper.code(),
            Role::Agent.code(),
            Role::UnitLeader.code(),
        ]))
        .order_by_asc(user::Column::Role)
        .order_by_asc(user::Column::Id)
        .all(&app.db.conn)
        .await?;
    Ok(staff
        .iter()
        .find(|u| u.role != Role::UnitLeader.code())
        .or_else(|| staff.first())
        .map(|u| u.id))
}
