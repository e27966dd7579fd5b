//! A year of activity in the demo city: projects across every stage and town, their case items
//! with full histories, a few overdue, suspended, reported up, with one-time-notice breaches and
//! lost materials.
//!
//! It is produced by the real use cases — every record goes through the same rules, audit
//! entries and notifications as a user's action — on a clock that walks through the year. The
//! plan is drawn from a seeded generator, so every demo city is the same.

use crate::actor::{Actor, Meta};
use crate::audit::ActorRef;
use crate::cases::{self, ActInput, Demand, RequestInput};
use crate::catalog::{self, CatalogFilter, CatalogItemView};
use crate::error::{AppResult, Checks};
use crate::materials::{self, MoveInput};
use crate::projects::{self, MandateInput, ProjectInput};
use crate::users::{self, UserInput};
use crate::{App, Clock, FixedClock};
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use daiban_domain::calendar::Calendar;
use daiban_domain::clock::CHINA;
use daiban_domain::mandate::{MandateAction, TerminationCause};
use daiban_domain::project::ProjectStage;
use daiban_domain::role::Role;
use daiban_store::entity::{enterprise, unit, user};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use std::collections::{BTreeMap, BinaryHeap};
use std::sync::Arc;

/// What the generator made.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Activity {
    /// Projects registered.
    pub projects: usize,
    /// Case items opened.
    pub case_items: usize,
    /// Actions taken (transitions, custody moves, stage changes).
    pub actions: usize,
    /// Problems raised.
    pub problems: usize,
    /// Meetings held.
    pub meetings: usize,
    /// 好差评 ratings given.
    pub ratings: usize,
    /// Trainings, seminars and enterprise visits held.
    pub activities: usize,
    /// Return visits made.
    pub return_visits: usize,
    /// Quarters of the evaluation published.
    pub published_quarters: u32,
}

const INDUSTRIES: [(&str, &str); 8] = [
    ("不锈钢制品", "金属制品业"),
    ("绿色食品加工", "农副食品加工业"),
    ("新能源装备", "电气机械和器材制造业"),
    ("智能电网设备", "电气机械和器材制造业"),
    ("健康食品", "食品制造业"),
    ("精密机械", "通用设备制造业"),
    ("新材料", "化学原料和化学制品制造业"),
    ("电子元器件", "计算机、通信和其他电子设备制造业"),
];

const PROJECT_KINDS: [&str; 4] = ["new", "expansion", "renovation", "relocation"];

/// One planned action: when, which project, what.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Planned {
    at: DateTime<Utc>,
    seq: usize,
    project: usize,
    step: Step,
}

impl Ord for Planned {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        // Earliest first in a max-heap.
        (other.at, other.seq).cmp(&(self.at, self.seq))
    }
}
impl PartialOrd for Planned {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Register,
    Decline,
    Sign,
    /// Open the items of the project's next stage.
    OpenStage(usize),
    /// The next action on one case item.
    Item(String),
    Conclude,
    /// The enterprise ends the mandate before any item is requested.
    Terminate(TerminationCause),
    /// A step of the problems-and-meetings story.
    Coord(crate::demo_coordination::CoordStep),
    /// A step of the personnel-filing story.
    Personnel(crate::demo_personnel::PersonnelStep),
    /// A step of the trainings-and-return-visits story.
    Outreach(crate::demo_outreach::OutreachStep),
    /// A step of the democratic-appraisal story.
    Surveys(crate::demo_surveys::SurveyStep),
    /// A step of the complaints-and-monthly-reports story.
    Reports(crate::demo_reports::ReportsStep),
}

/// A project's plan: its target stage and how its items will go.
struct ProjectPlan {
    enterprise_user: i64,
    agent: Option<i64>,
    target_stage: usize,
    /// The target stage opens no earlier than this, so the project is mid-flight at the end of
    /// the year (open items, some suspended, some waiting above, some overdue).
    final_wave: DateTime<Utc>,
    restricted: bool,
    id: Option<i64>,
    /// item code → (case id, script position, script).
    items: BTreeMap<String, (i64, usize, Vec<ItemAct>)>,
    stage_items: Vec<Vec<String>>,
    open_in_stage: usize,
    current_stage: usize,
}

impl ProjectPlan {
    /// When stage `s` opens: the target stage waits for the final wave.
    fn stage_time(&self, s: usize, when: DateTime<Utc>) -> DateTime<Utc> {
        if s == self.target_stage {
            when.max(self.final_wave)
        } else {
            when
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum ItemAct {
    Accept,
    Notice(Vec<String>),
    Complete(Vec<String>),
    Submit,
    HelperAccept,
    Suspend(&'static str),
    Resume,
    Extend,
    ReportUp,
    Approve,
    Reject,
    LoseMaterial,
}

fn at_workday(calendar: &Calendar, day: NaiveDate, rng: &mut StdRng) -> DateTime<Utc> {
    let d = calendar.add_provisional(day, 0).map_or(day, |d| d.date);
    let minutes = rng.random_range(8 * 60 + 40..17 * 60 + 10);
    CHINA
        .from_local_datetime(&d.and_hms_opt(0, 0, 0).unwrap_or_default())
        .single()
        .map_or_else(Utc::now, |t| {
            (t + Duration::minutes(minutes)).with_timezone(&Utc)
        })
}

pub(crate) fn after_workdays(
    calendar: &Calendar,
    from: DateTime<Utc>,
    n: u32,
    rng: &mut StdRng,
) -> DateTime<Utc> {
    let day = from.with_timezone(&CHINA).date_naive();
    let d = calendar.add_provisional(day, n).map_or(day, |d| d.date);
    let t = at_workday(calendar, d, rng);
    if t <= from {
        from + Duration::minutes(rng.random_range(20..180))
    } else {
        t
    }
}

/// The script of one case item, drawn from the generator.
fn script(item: &CatalogItemView, rng: &mut StdRng) -> Vec<ItemAct> {
    let mut s = vec![ItemAct::Accept];
    let blocking: Vec<String> = item
        .materials
        .iter()
        .filter(|m| !m.deferrable && !m.promise_allowed)
        .map(|m| m.code.clone())
        .collect();
    let all: Vec<String> = item.materials.iter().map(|m| m.code.clone()).collect();
    if rng.random_bool(0.3) && !blocking.is_empty() {
        let first = vec![blocking[blocking.len() - 1].clone()];
        s.push(ItemAct::Notice(first.clone()));
        if rng.random_bool(0.08) && blocking.len() > 1 {
            // A second notice demanding something new: a one-time-notice breach.
            s.push(ItemAct::Notice(vec![first[0].clone(), blocking[0].clone()]));
        }
    }
    s.push(ItemAct::Complete(all));
    s.push(ItemAct::Submit);
    if rng.random_bool(0.015) {
        s.push(ItemAct::LoseMaterial);
    }
    s.push(ItemAct::HelperAccept);
    if rng.random_bool(0.12) {
        let reasons = [
            "expert_review",
            "public_notice",
            "site_survey",
            "correction",
            "testing",
        ];
        s.push(ItemAct::Suspend(
            reasons[rng.random_range(0..reasons.len())],
        ));
        s.push(ItemAct::Resume);
    }
    if rng.random_bool(0.04) {
        s.push(ItemAct::Extend);
    }
    if item.item_type == "upward" {
        s.push(ItemAct::ReportUp);
    }
    s.push(if rng.random_bool(0.03) {
        ItemAct::Reject
    } else {
        ItemAct::Approve
    });
    s
}

/// Working days an act takes after the previous one (most on time, a few late).
fn delay(act: &ItemAct, item: &CatalogItemView, rng: &mut StdRng) -> u32 {
    let limit = u32::try_from(
        item.committed_limit_days
            .max(item.report_up_limit_days.unwrap_or(0)),
    )
    .unwrap_or(1);
    match act {
        ItemAct::Accept | ItemAct::HelperAccept | ItemAct::Notice(_) | ItemAct::LoseMaterial => {
            rng.random_range(0..2)
        }
        ItemAct::Complete(_) => rng.random_range(1..6),
        ItemAct::Submit => {
            if rng.random_bool(0.06) {
                rng.random_range(2..4)
            } else {
                rng.random_range(0..2)
            }
        }
        ItemAct::Suspend(_) => rng.random_range(0..limit.max(1)),
        ItemAct::Resume => rng.random_range(3..12),
        ItemAct::Extend => 0,
        ItemAct::ReportUp => rng.random_range(1..limit.max(2)),
        ItemAct::Approve | ItemAct::Reject => {
            if item.item_type == "upward" {
                rng.random_range(8..30)
            } else if rng.random_bool(0.12) {
                limit + rng.random_range(1..5)
            } else {
                rng.random_range(0..=limit)
            }
        }
    }
}

/// The actor of user `id` (the demo acts as its users).
pub(crate) async fn actor(app: &App, id: i64) -> AppResult<Actor> {
    let u = user::Entity::find_by_id(id)
        .one(&app.db.conn)
        .await?
        .ok_or_else(|| anyhow::anyhow!("demo user {id} missing"))?;
    crate::auth::actor_of(&app.db.conn, &u, "").await
}

/// Generates the demo city's year of activity, ending at `end`, with `count` projects.
///
/// # Errors
/// A use case refused a planned step (a bug in the plan) or the database failed.
#[expect(
    clippy::too_many_lines,
    reason = "the plan and its execution, read top to bottom"
)]
pub async fn generate(
    app: &App,
    count: usize,
    end: DateTime<Utc>,
    hash: &str,
) -> AppResult<Activity> {
    let mut rng = StdRng::seed_from_u64(20_261_127);
    let clock = Arc::new(FixedClock::new(end - Duration::days(365)));
    // Thousands of small transactions: on SQLite one connection without a sync per commit
    // (nothing else writes while the demo is generated; the app's own pool reads the result).
    let db = daiban_store::connect_for_bulk_load(&app.db.url)
        .await
        .map_err(|e| anyhow::anyhow!("demo bulk-load connection: {e}"))?;
    let mut sim = App::new(db, clock.clone(), app.auth.clone());
    sim.ladder = app.ladder;
    sim.return_visit_days = app.return_visit_days;
    // The demo configures no e-mail or webhook: the dispatcher records what each notice's
    // recipients would get as `skipped` (not configured), day by day.
    let dispatcher = crate::delivery::Dispatcher::new(&sim.delivery)?;
    let calendar = app.calendar();
    let meta = Meta {
        request_id: "demo".into(),
        client_addr: "local".into(),
    };
    // The catalog and more enterprises, one per town at least.
    {
        let w = sim.begin_write().await?;
        catalog::load_file(
            &w.txn,
            sim.now(),
            &ActorRef::system(),
            &meta,
            catalog::DEFAULT_CATALOG_TOML,
        )
        .await?;
        let towns = unit::Entity::find()
            .filter(unit::Column::Kind.is_in(["town", "subdistrict", "dev_zone"]))
            .order_by_asc(unit::Column::Id)
            .all(&w.txn)
            .await?;
        for (i, town) in towns.iter().enumerate().take(40) {
            for k in 0..2 {
                let (product, industry) = INDUSTRIES[(i * 2 + k) % INDUSTRIES.len()];
                let place = town.name.trim_end_matches(['镇', '街', '道', '区']);
                let prefix = format!("91321281MA{:07}", 2_000_000 + i * 10 + k);
                let uscc = daiban_domain::enterprise::complete_uscc(&prefix)
                    .map_err(|e| anyhow::anyhow!("demo USCC {prefix}: {e}"))?;
                let e = crate::enterprises::insert(
                    &w.txn,
                    sim.now(),
                    &ActorRef::system(),
                    &crate::enterprises::EnterpriseInput {
                        uscc: uscc.as_str().to_owned(),
                        name: format!("兴化市{place}{product}有限公司"),
                        unit: town.code.clone(),
                        legal_rep: format!(
                            "{}总",
                            ["王", "李", "张", "刘", "陈", "杨", "赵", "周"][(i + k) % 8]
                        ),
                        contact: "项目联系人".into(),
                        phone: format!("0523-8{:07}", 3_000_000 + i * 10 + k),
                        address: format!("{}工业集中区", town.name),
                        industry: industry.into(),
                        uscc_override_reason: String::new(),
                    },
                    &meta,
                )
                .await?;
                users::insert(
                    &w.txn,
                    sim.now(),
                    &ActorRef::system(),
                    &UserInput {
                        username: format!("ent.{}.{}", town.code.to_lowercase(), k + 1),
                        name: format!(
                            "{}项目专员",
                            e.name
                                .trim_start_matches("兴化市")
                                .trim_end_matches("有限公司")
                        ),
                        role: "enterprise".into(),
                        enterprise_id: Some(e.id),
                        ..UserInput::default()
                    },
                    &format!("ent.{}.{}", town.code.to_lowercase(), k + 1),
                    hash.to_owned(),
                    Checks::default(),
                    &meta,
                )
                .await?;
            }
        }
        w.commit().await?;
    }
    let items = catalog::list(&sim.db.conn, &CatalogFilter::default()).await?;
    let helpers: BTreeMap<i64, i64> = user::Entity::find()
        .filter(user::Column::Role.eq(Role::Helper.code()))
        .filter(user::Column::Active.eq(true))
        .order_by_desc(user::Column::Id)
        .all(&sim.db.conn)
        .await?
        .into_iter()
        .filter_map(|u| Some((u.unit_id?, u.id)))
        .collect();
    // The items a project runs, by stage, among those whose department has a helper: most of
    // the unconditional ones, and now and then one that applies only to some projects (which is
    // where the upward items are).
    let mut by_stage: Vec<Vec<(&CatalogItemView, f64)>> = vec![Vec::new(); ProjectStage::ALL.len()];
    for i in &items {
        if helpers.contains_key(&i.department_id)
            && let Some(s) = ProjectStage::from_code(&i.stage)
        {
            let p = if i.applies_when.trim().is_empty() {
                0.55
            } else {
                0.1
            };
            by_stage[s.index()].push((i, p));
        }
    }
    let ent_rows = enterprise::Entity::find()
        .order_by_asc(enterprise::Column::Id)
        .all(&sim.db.conn)
        .await?;
    let ent_users: BTreeMap<i64, i64> = user::Entity::find()
        .filter(user::Column::Role.eq(Role::Enterprise.code()))
        .all(&sim.db.conn)
        .await?
        .into_iter()
        .filter_map(|u| Some((u.enterprise_id?, u.id)))
        .collect();
    // Each unit's agents, first listed first: the first (the demo's agent account in 戴南镇)
    // carries most of its unit's projects, as a lead agent does.
    let mut agents: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    for u in user::Entity::find()
        .filter(user::Column::Role.eq(Role::Agent.code()))
        .filter(user::Column::Active.eq(true))
        .order_by_asc(user::Column::Id)
        .all(&sim.db.conn)
        .await?
    {
        if let Some(unit) = u.unit_id {
            agents.entry(unit).or_default().push(u.id);
        }
    }
    let ents: Vec<&enterprise::Model> = ent_rows
        .iter()
        .filter(|e| ent_users.contains_key(&e.id) && agents.contains_key(&e.unit_id))
        .collect();
    let bureau_user = |role: Role| {
        let db = &sim.db.conn;
        async move {
            let bureau = crate::units::find_by_code(db, "BUREAU").await?;
            AppResult::Ok(match bureau {
                Some(b) => user::Entity::find()
                    .filter(user::Column::UnitId.eq(b.id))
                    .filter(user::Column::Role.eq(role.code()))
                    .filter(user::Column::Active.eq(true))
                    .order_by_asc(user::Column::Id)
                    .one(db)
                    .await?
                    .map(|u| u.id),
                None => None,
            })
        }
    };
    let bureau = (
        bureau_user(Role::Coordinator).await?,
        bureau_user(Role::Helper).await?,
    );
    let start = end - Duration::days(365);
    let mut plans = Vec::with_capacity(count);
    let mut heap = BinaryHeap::new();
    let mut seq = 0;
    for n in 0..count {
        let e = ents[n % ents.len()];
        // Older projects got further; recent ones are early.
        let age: usize = rng.random_range(3..360);
        let begin = after_workdays(
            &calendar,
            end - Duration::days(i64::try_from(age).unwrap_or(0)),
            0,
            &mut rng,
        )
        .max(start);
        let reach = (age * ProjectStage::ALL.len() / 300).min(ProjectStage::ALL.len() - 1);
        let target_stage = rng.random_range(0..=reach);
        let final_wave = after_workdays(
            &calendar,
            end - Duration::days(rng.random_range(0..45)),
            0,
            &mut rng,
        );
        plans.push(ProjectPlan {
            enterprise_user: ent_users[&e.id],
            agent: agents.get(&e.unit_id).and_then(|a| {
                if rng.random_bool(0.6) {
                    a.first().copied()
                } else {
                    a.get(rng.random_range(0..a.len())).copied()
                }
            }),
            target_stage,
            final_wave,
            restricted: rng.random_bool(0.03),
            id: None,
            items: BTreeMap::new(),
            stage_items: by_stage
                .iter()
                .map(|s| {
                    s.iter()
                        .filter(|(_, p)| rng.random_bool(*p))
                        .map(|(i, _)| i.code.clone())
                        .collect()
                })
                .collect(),
            open_in_stage: 0,
            current_stage: 0,
        });
        seq += 1;
        heap.push(Planned {
            at: begin,
            seq,
            project: n,
            step: Step::Register,
        });
    }
    let by_code: BTreeMap<&str, &CatalogItemView> =
        items.iter().map(|i| (i.code.as_str(), i)).collect();
    let mut report = Activity::default();
    let mut coord = crate::demo_coordination::Coordination::new(&sim, helpers.clone()).await?;
    seq += 1;
    heap.push(Planned {
        at: after_workdays(&calendar, start + Duration::days(20), 0, &mut rng),
        seq,
        project: 0,
        step: Step::Coord(crate::demo_coordination::CoordStep::Meeting),
    });
    let mut staffing = crate::demo_personnel::Personnel::new(&sim, hash, end).await?;
    for (at, p) in staffing.opening(start, sim.adjustment_window) {
        seq += 1;
        heap.push(Planned {
            at: after_workdays(&calendar, at, 0, &mut rng),
            seq,
            project: 0,
            step: Step::Personnel(p),
        });
    }
    // Agents replaced by an adjustment: the rest of the year acts as their successors.
    let mut replaced: BTreeMap<i64, i64> = BTreeMap::new();
    let mut outreach = crate::demo_outreach::Outreach::new(&sim).await?;
    seq += 1;
    heap.push(Planned {
        at: after_workdays(&calendar, start + Duration::days(12), 0, &mut rng),
        seq,
        project: 0,
        step: Step::Outreach(crate::demo_outreach::OutreachStep::Schedule),
    });
    let reports = crate::demo_reports::Reports::new(&sim).await?;
    for (at, r) in crate::demo_reports::Reports::opening(&calendar, start, end, &mut rng) {
        seq += 1;
        heap.push(Planned {
            at,
            seq,
            project: 0,
            step: Step::Reports(r),
        });
    }
    let mut appraisal = crate::demo_surveys::Surveys::new(&sim, end).await?;
    for (at, st) in appraisal.opening() {
        seq += 1;
        heap.push(Planned {
            at,
            seq,
            project: 0,
            step: Step::Surveys(st),
        });
    }
    while let Some(Planned {
        at,
        project: n,
        step,
        ..
    }) = heap.pop()
    {
        if at > end {
            continue;
        }
        let now = clock.now();
        if at > now {
            clock.advance(at - now);
            // The monitor runs through the year too: overdue evidence is recorded as it happens.
            if at.with_timezone(&CHINA).date_naive() != now.with_timezone(&CHINA).date_naive() {
                crate::monitor::run_once(&sim).await?;
                crate::delivery::run_once(&sim, &dispatcher).await?;
            }
        }
        if let Step::Personnel(p) = step {
            let (next, change) = staffing.handle(&sim, p, at, &meta).await?;
            for (when, p) in next {
                seq += 1;
                heap.push(Planned {
                    at: when,
                    seq,
                    project: n,
                    step: Step::Personnel(p),
                });
            }
            if let Some((from, to)) = change {
                replaced.insert(from, to);
                for plan in &mut plans {
                    if plan.agent == Some(from) {
                        plan.agent = Some(to);
                    }
                }
            }
            continue;
        }
        if let Step::Coord(mut c) = step {
            if let crate::demo_coordination::CoordStep::Raise { agent, .. } = &mut c
                && let Some(to) = replaced.get(agent)
            {
                *agent = *to;
            }
            for (when, c) in coord
                .handle(&sim, &calendar, c, at, &mut rng, &meta)
                .await?
            {
                seq += 1;
                heap.push(Planned {
                    at: when,
                    seq,
                    project: n,
                    step: Step::Coord(c),
                });
            }
            continue;
        }
        if let Step::Reports(r) = step {
            // Boxed: the complaint and report use cases would otherwise grow this future.
            for (when, r) in
                Box::pin(reports.handle(&sim, &calendar, r, at, &mut rng, &meta)).await?
            {
                seq += 1;
                heap.push(Planned {
                    at: when,
                    seq,
                    project: n,
                    step: Step::Reports(r),
                });
            }
            continue;
        }
        if let Step::Surveys(st) = step {
            for (when, st) in appraisal.handle(&sim, st, at, &mut rng, &meta).await? {
                seq += 1;
                heap.push(Planned {
                    at: when,
                    seq,
                    project: n,
                    step: Step::Surveys(st),
                });
            }
            continue;
        }
        if let Step::Outreach(o) = step {
            for (when, o) in outreach
                .handle(&sim, &calendar, o, at, &mut rng, &meta)
                .await?
            {
                seq += 1;
                heap.push(Planned {
                    at: when,
                    seq,
                    project: n,
                    step: Step::Outreach(o),
                });
            }
            continue;
        }
        let plan = &mut plans[n];
        let agent = match plan.agent {
            Some(a) => actor(&sim, a).await?,
            None => continue,
        };
        let ent = actor(&sim, plan.enterprise_user).await?;
        let mut next: Vec<(DateTime<Utc>, Step)> = Vec::new();
        match step {
            Step::Register => {
                let (product, industry) = INDUSTRIES[rng.random_range(0..INDUSTRIES.len())];
                let wan = if rng.random_bool(0.06) {
                    rng.random_range(50_000..150_000)
                } else {
                    rng.random_range(800..45_000)
                };
                let standing = if plan.restricted {
                    "restricted"
                } else if rng.random_bool(0.4) {
                    "encouraged"
                } else {
                    "permitted"
                };
                let yymm = at.with_timezone(&CHINA).format("%y%m");
                let v = projects::create(
                    &sim,
                    &ent,
                    &ProjectInput {
                        name: format!(
                            "年产{}{}项目",
                            ["10万件", "5万吨", "2000台套", "30万平方米", "8000吨"][n % 5],
                            product
                        ),
                        code: if rng.random_bool(0.8) {
                            format!("{yymm}-321281-04-01-{:06}", 100_000 + n)
                        } else {
                            String::new()
                        },
                        enterprise_id: None,
                        unit: String::new(),
                        investment_wan: wan.to_string(),
                        industry: industry.into(),
                        kind: PROJECT_KINDS[n % 4].into(),
                        policy_standing: standing.into(),
                        major_urban: rng.random_bool(0.02),
                        description: format!(
                            "新建{product}生产线及配套设施，项目建成后形成规模化产能。"
                        ),
                    },
                    &meta,
                )
                .await?;
                plan.id = Some(v.id);
                report.projects += 1;
                // A major project is taken on by the bureau's helper, assigned by a coordinator.
                if v.major
                    && let (Some(coord), Some(helper)) = (bureau.0, bureau.1)
                {
                    let coord = actor(&sim, coord).await?;
                    projects::assign_bureau_helper(&sim, &coord, v.id, v.version, helper, &meta)
                        .await?;
                    report.actions += 1;
                }
                let when = after_workdays(&calendar, at, rng.random_range(0..3), &mut rng);
                next.push((
                    when,
                    if plan.restricted {
                        Step::Decline
                    } else {
                        Step::Sign
                    },
                ));
            }
            Step::Decline => {
                let id = plan.id.unwrap_or_default();
                let version = projects::get(&sim.db.conn, &agent, id).await?.version;
                projects::decline(&sim, &agent, id, version, "经核查，该项目属于《产业结构调整指导目录》限制类，不属于无偿代办服务范围。如需办理，可由企业自行向相关部门申请，窗口可提供政策咨询。", &meta).await?;
            }
            Step::Sign => {
                let id = plan.id.unwrap_or_default();
                let project_version = projects::get(&sim.db.conn, &ent, id).await?.version;
                projects::sign_mandate(
                    &sim,
                    &ent,
                    id,
                    &MandateInput {
                        project_version,
                        agent_ids: Vec::new(),
                        scope:
                            "项目从登记注册至竣工投产全过程审批手续的咨询、申报、跟踪与材料流转。"
                                .into(),
                        free_and_voluntary: true,
                    },
                    &meta,
                )
                .await?;
                let first = plan.stage_time(0, after_workdays(&calendar, at, 1, &mut rng));
                // A few projects are lost before their first item: one in a hundred because the
                // agent pushed the enterprise away (a −5 finding), others for the enterprise's
                // own reasons or a change of planning.
                let lost = match n % 100 {
                    11 => Some(TerminationCause::StaffFault),
                    29 => Some(TerminationCause::EnterpriseDecision),
                    63 => Some(TerminationCause::PolicyOrPlanning),
                    _ => None,
                };
                match lost {
                    Some(cause) => next.push((
                        after_workdays(&calendar, at, 12, &mut rng),
                        Step::Terminate(cause),
                    )),
                    None => next.push((first, Step::OpenStage(0))),
                }
                if let Some(agent) = plan
                    .agent
                    .filter(|_| rng.random_bool(0.3))
                    .filter(|_| lost.is_none())
                {
                    // Any time between a week after signing and the end of the year, so some
                    // problems are still climbing at the end.
                    let span = u32::try_from((end - at).num_days().clamp(8, 90)).unwrap_or(8);
                    let when = after_workdays(&calendar, at, rng.random_range(5..span), &mut rng);
                    next.push((
                        when,
                        Step::Coord(crate::demo_coordination::CoordStep::Raise {
                            project_id: id,
                            enterprise_user: plan.enterprise_user,
                            agent,
                        }),
                    ));
                }
            }
            Step::OpenStage(s) => {
                let id = plan.id.unwrap_or_default();
                plan.current_stage = s;
                if s > 0 {
                    let p = projects::get(&sim.db.conn, &agent, id).await?;
                    projects::set_stage(
                        &sim,
                        &agent,
                        id,
                        p.version,
                        ProjectStage::ALL[s].code(),
                        &crate::timeline::Occurred::default(),
                        &meta,
                    )
                    .await?;
                    report.actions += 1;
                    // The bureau's return visit after the stage: mostly within the limit, some
                    // late, a few not yet.
                    let roll = rng.random_range(0..100u32);
                    let days = match roll {
                        0..72 => Some(rng.random_range(2..9)),
                        72..90 => Some(rng.random_range(11..18)),
                        _ => None,
                    };
                    if let Some(days) = days {
                        next.push((
                            after_workdays(&calendar, at, days, &mut rng),
                            Step::Outreach(crate::demo_outreach::OutreachStep::Visit(id)),
                        ));
                    }
                }
                let codes = plan.stage_items[s].clone();
                if codes.is_empty() {
                    if s < plan.target_stage {
                        let when = after_workdays(&calendar, at, 2, &mut rng);
                        next.push((plan.stage_time(s + 1, when), Step::OpenStage(s + 1)));
                    }
                } else {
                    let opened = cases::request(
                        &sim,
                        &ent,
                        id,
                        &RequestInput {
                            item_codes: codes,
                            note: String::new(),
                        },
                        &meta,
                    )
                    .await?;
                    plan.open_in_stage = opened.len();
                    for c in opened {
                        report.case_items += 1;
                        let item = by_code[c.item_code.as_str()];
                        let sc = script(item, &mut rng);
                        let first =
                            after_workdays(&calendar, at, delay(&sc[0], item, &mut rng), &mut rng);
                        plan.items.insert(c.item_code.clone(), (c.id, 0, sc));
                        next.push((first, Step::Item(c.item_code)));
                    }
                }
            }
            Step::Item(code) => {
                let item = by_code[code.as_str()];
                let Some((case_id, pos, sc)) = plan.items.get(&code).cloned() else {
                    continue;
                };
                let helper = actor(&sim, helpers[&item.department_id]).await?;
                let v = cases::get(&sim.db.conn, &agent, case_id).await?.version;
                let act = &sc[pos];
                let mut input = ActInput {
                    version: v,
                    ..ActInput::default()
                };
                let mut who = &agent;
                match act {
                    ItemAct::Accept => input.action = "accept".into(),
                    ItemAct::Notice(codes) => {
                        input.action = "notice_missing".into();
                        input.demands = codes
                            .iter()
                            .map(|c| Demand {
                                code: c.clone(),
                                name: String::new(),
                                problem: "missing".into(),
                                note: String::new(),
                            })
                            .collect();
                    }
                    ItemAct::Complete(codes) => {
                        input.action = "materials_complete".into();
                        input.materials.clone_from(codes);
                    }
                    ItemAct::Submit => input.action = "submit".into(),
                    ItemAct::LoseMaterial => {
                        let mats = cases::materials(&sim.db.conn, &agent, case_id).await?;
                        if let Some(m) = mats.first() {
                            let dept_helper = &helper;
                            materials::move_material(
                                &sim,
                                dept_helper,
                                case_id,
                                m.id,
                                &MoveInput {
                                    event: "report_lost".into(),
                                    version: m.version,
                                    note: "部门窗口交接时未登记签收，材料原件无法找到。".into(),
                                    ..MoveInput::default()
                                },
                                &meta,
                            )
                            .await?;
                        }
                        report.actions += 1;
                        input.action.clear();
                    }
                    ItemAct::HelperAccept => {
                        input.action = "helper_accept".into();
                        who = &helper;
                    }
                    ItemAct::Suspend(r) => {
                        input.action = "suspend".into();
                        input.suspension_reason = (*r).into();
                        input.reason = "按规定组织相关程序，期间暂停计时。".into();
                        who = &helper;
                    }
                    ItemAct::Resume => {
                        input.action = "resume".into();
                        who = &helper;
                    }
                    ItemAct::Extend => {
                        input.action = "extend".into();
                        input.extension_days = Some(rng.random_range(2..6));
                        input.approver = "部门分管负责人".into();
                        input.reason = "需补充现场核查，经批准延期。".into();
                        who = &helper;
                    }
                    ItemAct::ReportUp => {
                        input.action = "report_up".into();
                        who = &helper;
                    }
                    ItemAct::Approve => {
                        input.action = "approve".into();
                        who = &helper;
                    }
                    ItemAct::Reject => {
                        input.action = "reject".into();
                        input.reason = "申请材料与现场情况不符，不予许可。".into();
                        who = &helper;
                    }
                }
                if !input.action.is_empty() {
                    cases::act(&sim, who, case_id, &input, &meta).await?;
                    report.actions += 1;
                }
                if pos + 1 < sc.len() {
                    let when = after_workdays(
                        &calendar,
                        at,
                        delay(&sc[pos + 1], item, &mut rng),
                        &mut rng,
                    );
                    plan.items.insert(code.clone(), (case_id, pos + 1, sc));
                    next.push((when, Step::Item(code)));
                } else {
                    // About a third of the concluded items are rated by the enterprise.
                    if rng.random_bool(0.35) {
                        let when = after_workdays(&calendar, at, rng.random_range(1..5), &mut rng);
                        next.push((
                            when,
                            Step::Coord(crate::demo_coordination::CoordStep::Rate {
                                case_id,
                                enterprise_user: plan.enterprise_user,
                                again: false,
                            }),
                        ));
                    }
                    plan.open_in_stage = plan.open_in_stage.saturating_sub(1);
                    if plan.open_in_stage == 0 {
                        let s = plan.current_stage;
                        let when = after_workdays(&calendar, at, rng.random_range(2..10), &mut rng);
                        if s < plan.target_stage {
                            next.push((plan.stage_time(s + 1, when), Step::OpenStage(s + 1)));
                        } else if s == ProjectStage::ALL.len() - 1 {
                            next.push((when, Step::Conclude));
                        }
                    }
                }
            }
            Step::Conclude => {
                let id = plan.id.unwrap_or_default();
                if let Some(m) = projects::mandate(&sim.db.conn, &agent, id).await? {
                    projects::mandate_action(
                        &sim,
                        &agent,
                        id,
                        &projects::MandateStep {
                            action: MandateAction::Conclude,
                            version: m.version,
                            reason: "项目已竣工投产，全部审批手续办结。".into(),
                            cause: None,
                            fault_user_id: None,
                        },
                        &meta,
                    )
                    .await?;
                    report.actions += 1;
                }
            }
            Step::Terminate(cause) => {
                let id = plan.id.unwrap_or_default();
                if let Some(m) = projects::mandate(&sim.db.conn, &ent, id).await? {
                    let reason = match cause {
                        TerminationCause::StaffFault => {
                            "代办员多次未按约定时间答复、推诿材料问题，企业决定将项目转至外地实施。"
                        }
                        TerminationCause::EnterpriseDecision => {
                            "受市场行情影响，企业董事会决定暂缓投资，撤回本项目。"
                        }
                        _ => "项目选址与新一轮国土空间规划不符，企业另行选址后重新申报。",
                    };
                    projects::mandate_action(
                        &sim,
                        &ent,
                        id,
                        &projects::MandateStep {
                            action: MandateAction::Terminate,
                            version: m.version,
                            reason: reason.into(),
                            cause: Some(cause),
                            fault_user_id: cause.names_staff().then_some(agent.user_id),
                        },
                        &meta,
                    )
                    .await?;
                    report.actions += 1;
                }
            }
            // Taken before the project's actors are loaded.
            Step::Coord(_)
            | Step::Personnel(_)
            | Step::Outreach(_)
            | Step::Surveys(_)
            | Step::Reports(_) => {}
        }
        for (when, step) in next {
            seq += 1;
            heap.push(Planned {
                at: when,
                seq,
                project: n,
                step,
            });
        }
    }
    let now = clock.now();
    if end > now {
        clock.advance(end - now);
    }
    crate::monitor::run_once(&sim).await?;
    report.published_quarters = crate::demo_evaluation::finish(&sim, &mut rng, &meta).await?;
    crate::delivery::run_once(&sim, &dispatcher).await?;
    report.problems = coord.counts[0];
    report.meetings = coord.counts[1];
    report.ratings = coord.counts[3];
    report.activities = outreach.counts[0];
    report.return_visits = outreach.counts[1];
    Ok(report)
}
