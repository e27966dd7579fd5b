//! The plan: every enterprise, project, case item, transition, alert, problem, meeting, finding
//! and survey of the dataset, with its times, decided before anything is written.
//!
//! Each project is planned from its own generator (seeded by the run's seed and the project's
//! position), so projects can be planned on several threads and the result does not depend on
//! how they were split. Times come from the working-day calendar and the fixed end of the run,
//! never from the wall clock. The emitter then walks every planned event in time order.

use super::world::{CatItem, World};
use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, TimeZone, Utc};
use daiban_domain::calendar::Calendar;
use daiban_domain::case_item::{CaseAction, CaseState, apply};
use daiban_domain::clock::{
    self, CHINA, ClockInput, ClockState, Extension, ItemType, Suspension, SuspensionReason, Warning,
};
use daiban_domain::evaluation::Quarter;
use daiban_domain::mandate::TerminationCause;
use daiban_domain::problem::{LadderLimits, Level};
use daiban_domain::project::ProjectStage;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// A timestamp.
pub(super) type Time = DateTime<Utc>;

/// The run's parameters, as the planner needs them.
pub(super) struct Params {
    /// Projects to plan.
    pub projects: usize,
    /// The seed.
    pub seed: u64,
    /// When the city was loaded (nothing happens before).
    pub start: Time,
    /// The end of the run: nothing happens after.
    pub end: Time,
    /// Response limits of the problem ladder.
    pub ladder: LadderLimits,
}

/// Who acts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Who {
    /// A person of the city (index into [`World::people`]).
    P(usize),
    /// The account of generated enterprise `e` (index into [`Plan::ents`]).
    Account(usize),
}

/// An enterprise account the generator creates.
#[derive(Debug, Clone)]
pub(super) struct Account {
    /// Login name.
    pub username: String,
    /// Display name.
    pub name: String,
    /// Phone.
    pub phone: String,
}

/// An enterprise: one of the city's (already stored) or a generated one.
#[derive(Debug, Clone)]
pub(super) struct Ent {
    /// The id of a city enterprise.
    pub city_id: Option<i64>,
    /// Its town (index into [`World::towns`]).
    pub town: usize,
    /// Name.
    pub name: String,
    /// Unified social credit code (valid GB 32100 check character).
    pub uscc: String,
    /// Legal representative.
    pub legal_rep: String,
    /// Contact.
    pub contact: String,
    /// Phone.
    pub phone: String,
    /// Address.
    pub address: String,
    /// Industry.
    pub industry: &'static str,
    /// When it was registered (generated ones).
    pub created_at: Time,
    /// The agent who registered it.
    pub creator: usize,
    /// A generated account.
    pub account: Option<Account>,
    /// The city enterprise's account.
    pub city_account: Option<usize>,
}

impl Ent {
    /// Who acts for the enterprise on the portal, if it has an account.
    pub(super) fn user(&self, e: usize) -> Option<Who> {
        match (self.city_account, &self.account) {
            (Some(p), _) => Some(Who::P(p)),
            (None, Some(_)) => Some(Who::Account(e)),
            _ => None,
        }
    }
}

/// The bureau's decision on a finding.
#[derive(Debug, Clone, Copy)]
pub(super) struct Decision {
    /// When.
    pub at: Time,
    /// The coordinator (index into [`World::people`]).
    pub by: usize,
    /// Confirmed (else dismissed).
    pub confirm: bool,
}

/// One planned event of a project, in time order.
#[derive(Debug, Clone, Copy)]
pub(super) struct Ev {
    /// When it happens.
    pub at: Time,
    /// What.
    pub kind: EvKind,
}

/// What a planned event is.
#[derive(Debug, Clone, Copy)]
pub(super) enum EvKind {
    /// The project is registered.
    Register,
    /// The free service is declined (restricted standing).
    Decline,
    /// The mandate is signed.
    Sign,
    /// A bureau helper takes the major project on.
    AssignHelper,
    /// The project moves to stage `.0`.
    Stage(u8),
    /// Case item `.0` is requested.
    Request(u16),
    /// Transition `.1` of case item `.0`.
    Act(u16, u8),
    /// Deadline alert `.1` of case item `.0`.
    Alert(u16, u8),
    /// The bureau decides the finding of alert `.1` of item `.0`.
    DecideAlert(u16, u8),
    /// The bureau decides the finding of notice `.1` of item `.0`.
    DecideNotice(u16, u8),
    /// The mandate is concluded.
    Conclude,
    /// The mandate is terminated.
    Terminate,
    /// The bureau decides the project-lost finding.
    DecideLost,
    /// Step `.1` of problem `.0`.
    Problem(u16, u8),
    /// The bureau decides the late-reporting finding of step `.1` of problem `.0`.
    DecideOverdue(u16, u8),
}

/// A transition's details for its record.
#[derive(Debug, Clone, Copy)]
pub(super) enum ActData {
    /// Nothing more.
    None,
    /// A one-time notice (index into [`Item::notices`]).
    Notice(u8),
    /// Materials complete: the agent's submission is due then.
    Complete(DateTime<FixedOffset>),
    /// Submitted after the submission was due.
    Late(Time),
    /// Accepted by the department: due then.
    Review(DateTime<FixedOffset>, bool),
    /// Suspended for a reason; the due date recomputed.
    Suspend(SuspensionReason, DateTime<FixedOffset>),
    /// Resumed: the due date recomputed.
    Due(DateTime<FixedOffset>),
    /// Extended by days; the due date recomputed.
    Extend(u32, DateTime<FixedOffset>),
    /// Concluded or refused with a reason.
    Reason(&'static str),
}

/// One transition.
#[derive(Debug, Clone, Copy)]
pub(super) struct Act {
    /// When.
    pub at: Time,
    /// The action.
    pub action: CaseAction,
    /// State before.
    pub from: CaseState,
    /// State after.
    pub to: CaseState,
    /// Details.
    pub data: ActData,
}

/// A one-time notice.
#[derive(Debug, Clone)]
pub(super) struct Notice {
    /// Materials demanded (indices into the item's materials).
    pub codes: Vec<u8>,
    /// Of those, the ones no earlier notice demanded (a breach).
    pub breach: Vec<u8>,
    /// The bureau's decision on the breach's finding.
    pub decision: Option<Decision>,
}

/// A deadline alert as the monitor raises it.
#[derive(Debug, Clone, Copy)]
pub(super) struct Alert {
    /// `submission`, `review`, `report_up` or `overall`.
    pub step: &'static str,
    /// Yellow or red.
    pub level: Warning,
    /// The due time it is about.
    pub due_at: Time,
    /// When it was raised.
    pub raised_at: Time,
    /// The unit responsible then.
    pub unit_id: i64,
    /// The handler then.
    pub handler: Option<usize>,
    /// Whether the monitor proposed a finding from it (red, not the overall clock).
    pub finding: bool,
    /// The bureau's decision on that finding.
    pub decision: Option<Decision>,
}

/// A case item with its whole history up to the end.
#[derive(Debug, Clone)]
pub(super) struct Item {
    /// Catalog item (index into [`World::catalog`]).
    pub cat: usize,
    /// The department's helper.
    pub helper: usize,
    /// State at the end.
    pub state: CaseState,
    /// Requested at.
    pub requested_at: Time,
    /// Accepted by the agent.
    pub accepted_at: Option<Time>,
    /// Materials complete.
    pub materials_complete_at: Option<Time>,
    /// The submission is due.
    pub submit_due_at: Option<Time>,
    /// Submitted.
    pub submitted_at: Option<Time>,
    /// Accepted by the helper.
    pub review_started_at: Option<Time>,
    /// The department's step is due.
    pub due_at: Option<Time>,
    /// A due date in a year without a published arrangement.
    pub due_provisional: bool,
    /// Reported up.
    pub reported_up_at: Option<Time>,
    /// Concluded.
    pub concluded_at: Option<Time>,
    /// Reason of the conclusion.
    pub outcome_note: &'static str,
    /// Warning as of the end.
    pub warning: Warning,
    /// Transitions.
    pub acts: Vec<Act>,
    /// Pauses.
    pub susp: Vec<(SuspensionReason, Time, Option<Time>)>,
    /// Extensions (days, granted at).
    pub ext: Vec<(u32, Time)>,
    /// One-time notices.
    pub notices: Vec<Notice>,
    /// Deadline alerts.
    pub alerts: Vec<Alert>,
}

impl Item {
    /// The optimistic-concurrency version: 1 plus one per transition.
    pub(super) fn version(&self) -> i32 {
        1 + i32::try_from(self.acts.len()).unwrap_or(0)
    }

    /// The last change.
    pub(super) fn updated_at(&self) -> Time {
        self.acts.last().map_or(self.requested_at, |a| a.at)
    }
}

/// A mandate.
#[derive(Debug, Clone)]
pub(super) struct Mandate {
    /// Signed at.
    pub signed_at: Time,
    /// Who signed (the enterprise's account, or the agent recording a paper mandate).
    pub signer: Who,
    /// State at the end.
    pub state: &'static str,
    /// Reason of the last change.
    pub last_reason: String,
    /// Concluded or terminated at.
    pub closed_at: Option<Time>,
    /// Who concluded or terminated it.
    pub closer: Option<Who>,
    /// Version.
    pub version: i32,
    /// Termination cause.
    pub cause: Option<TerminationCause>,
    /// The staff member at fault.
    pub fault: Option<usize>,
    /// The bureau's decision on the project-lost finding.
    pub lost_decision: Option<Decision>,
}

/// What a problem step does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum PKind {
    /// Raised by the agent.
    Raise,
    /// The handler responds.
    Respond,
    /// The handler resolves it.
    Resolve,
    /// The raiser confirms.
    Confirm,
    /// Not answered in time: the monitor moves it up.
    AutoEscalate,
    /// Put on a coordination meeting's agenda.
    Convene,
    /// The meeting decides.
    Record,
    /// The meeting's action item is done.
    ActionDone,
}

/// One step of a problem.
#[derive(Debug, Clone, Copy)]
pub(super) struct PStep {
    /// When.
    pub at: Time,
    /// What.
    pub kind: PKind,
    /// Who (none: the monitor).
    pub by: Option<usize>,
    /// Level before and after.
    pub from: Level,
    /// Level after.
    pub to: Level,
    /// Status before.
    pub from_status: &'static str,
    /// Status after.
    pub to_status: &'static str,
    /// The level's due time after the step.
    pub due: Time,
    /// Version after the step.
    pub version: i32,
    /// For an escalation: the due time missed and when the level was entered.
    pub missed: Option<(Time, Time)>,
    /// For an escalation: the bureau's decision on the late-reporting finding.
    pub decision: Option<Decision>,
}

/// A coordination meeting on a problem.
#[derive(Debug, Clone)]
pub(super) struct Meeting {
    /// When it is held.
    pub scheduled_at: Time,
    /// The convening coordinator.
    pub convenor: usize,
    /// Attendance of the town unit and the department.
    pub attendance: [&'static str; 2],
    /// The action item's due time.
    pub action_due_at: Time,
}

/// A problem raised on a project.
#[derive(Debug, Clone)]
pub(super) struct Problem {
    /// Title.
    pub title: &'static str,
    /// Description.
    pub description: &'static str,
    /// Category code.
    pub category: &'static str,
    /// Responsible department.
    pub dept: i64,
    /// Its helper, who owns it.
    pub owner: usize,
    /// Raised by (the agent).
    pub raiser: usize,
    /// At the project's site.
    pub at_site: bool,
    /// Steps up to the end.
    pub steps: Vec<PStep>,
    /// The meeting, if it got that far.
    pub meeting: Option<Meeting>,
    /// The resolution text.
    pub resolution: &'static str,
}

/// A project.
#[derive(Debug, Clone)]
pub(super) struct Project {
    /// Enterprise (index into [`Plan::ents`]).
    pub ent: usize,
    /// Town (index into [`World::towns`]).
    pub town: usize,
    /// The agent who carries it.
    pub agent: usize,
    /// Who registers it and requests its items.
    pub requester: Who,
    /// Name.
    pub name: String,
    /// Project code.
    pub code: Option<String>,
    /// Investment in yuan.
    pub investment_yuan: i64,
    /// Industry.
    pub industry: &'static str,
    /// Kind code.
    pub kind: &'static str,
    /// Policy standing code.
    pub standing: &'static str,
    /// Major project.
    pub major: bool,
    /// Description.
    pub description: String,
    /// Registered at.
    pub created_at: Time,
    /// The bureau helper of a major project.
    pub bureau_helper: Option<usize>,
    /// The coordinator who assigned the bureau helper.
    pub assigner: usize,
    /// Stage at the end.
    pub stage: usize,
    /// Status at the end.
    pub status: &'static str,
    /// Version at the end.
    pub version: i32,
    /// Last change.
    pub updated_at: Time,
    /// The decline's explanation.
    pub decline_reason: Option<&'static str>,
    /// The mandate.
    pub mandate: Option<Mandate>,
    /// Case items.
    pub items: Vec<Item>,
    /// Problems.
    pub problems: Vec<Problem>,
    /// Every event, in time order.
    pub events: Vec<Ev>,
}

/// A respondent of a survey.
#[derive(Debug, Clone)]
pub(super) struct Respondent {
    /// `agent`, `helper` or `enterprise`.
    pub grp: &'static str,
    /// The account.
    pub who: Who,
    /// The personal link's token.
    pub token: String,
    /// When the answers came in.
    pub answered_at: Option<Time>,
    /// Seed of the answers.
    pub answers: u64,
}

/// A quarter's survey.
#[derive(Debug, Clone)]
pub(super) struct Survey {
    /// The quarter.
    pub quarter: Quarter,
    /// Opens on.
    pub opens_on: NaiveDate,
    /// Closes on.
    pub closes_on: NaiveDate,
    /// Opened at.
    pub created_at: Time,
    /// Closed at, if before the end.
    pub closed_at: Option<Time>,
    /// The coordinator.
    pub by: usize,
    /// Respondents.
    pub respondents: Vec<Respondent>,
}

/// A global (not project) event.
#[derive(Debug, Clone, Copy)]
pub(super) enum GlobalEv {
    /// Generated enterprise `.0` registers (with its account).
    Enterprise(usize),
    /// Survey `.0` opens with its respondents.
    SurveyOpen(usize),
    /// Respondent `.1` of survey `.0` answers.
    SurveyAnswer(usize, usize),
    /// Survey `.0` closes.
    SurveyClose(usize),
}

/// The whole plan.
pub(super) struct Plan {
    /// Enterprises: the city's first, then the generated ones.
    pub ents: Vec<Ent>,
    /// Projects, by registration time.
    pub projects: Vec<Project>,
    /// Surveys.
    pub surveys: Vec<Survey>,
    /// Global events, in time order.
    pub global: Vec<(Time, GlobalEv)>,
}

/// Everything a planner reads.
pub(super) struct Ctx<'a> {
    /// The city.
    pub world: &'a World,
    /// The calendar.
    pub cal: &'a Calendar,
    /// Parameters.
    pub params: &'a Params,
}

const PRODUCTS: [(&str, &str); 16] = [
    ("不锈钢制品", "金属制品业"),
    ("绿色食品加工", "农副食品加工业"),
    ("新能源装备", "电气机械和器材制造业"),
    ("智能电网设备", "电气机械和器材制造业"),
    ("健康食品", "食品制造业"),
    ("精密机械", "通用设备制造业"),
    ("新材料", "化学原料和化学制品制造业"),
    ("电子元器件", "计算机、通信和其他电子设备制造业"),
    ("特种钢材", "黑色金属冶炼和压延加工业"),
    ("汽车零部件", "汽车制造业"),
    ("医疗器械", "专用设备制造业"),
    ("光伏组件", "电气机械和器材制造业"),
    ("绿色建材", "非金属矿物制品业"),
    ("纺织面料", "纺织业"),
    ("水产品精深加工", "农副食品加工业"),
    ("智能装备", "专用设备制造业"),
];

const BRANDS: [&str; 24] = [
    "恒昌", "鼎盛", "华泰", "兴达", "瑞丰", "金盛", "宏远", "永创", "天润", "嘉禾", "远航", "新锐",
    "东升", "汇通", "聚源", "盛世", "博越", "泰和", "中联", "长丰", "润泽", "海川", "德邦", "安达",
];

const SURNAMES: [&str; 16] = [
    "王", "李", "张", "刘", "陈", "杨", "赵", "周", "吴", "徐", "孙", "朱", "马", "胡", "郭", "林",
];

const GIVEN: [&str; 16] = [
    "建国", "海燕", "志强", "丽华", "国平", "晓东", "金林", "雪芳", "永军", "静怡", "亚东", "晨阳",
    "春梅", "宏伟", "玉兰", "立新",
];

const QUANTITIES: [&str; 8] = [
    "10万件",
    "5万吨",
    "2000台套",
    "30万平方米",
    "8000吨",
    "50万套",
    "1.2万吨",
    "300万件",
];

const KINDS: [&str; 4] = ["new", "expansion", "renovation", "relocation"];

const USCC_CHARSET: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// Reasons of the rarer conclusions.
pub(super) const REJECT_REASON: &str = "申请材料与现场情况不符，不予许可。";
/// Why an item is withdrawn.
pub(super) const WITHDRAW_REASON: &str = "企业调整建设方案，申请撤回本事项，待方案确定后重新申请。";
/// Why an item is not acceptable.
pub(super) const NOT_ACCEPTABLE_REASON: &str =
    "申请事项不属于本级受理范围，已一次性告知企业向有权机关申请。";
/// The suspension's reason text.
pub(super) const SUSPEND_NOTE: &str = "按规定组织相关程序，期间暂停计时。";
/// The extension's reason.
pub(super) const EXTEND_REASON: &str = "需补充现场核查，经批准延期。";
/// Who approves extensions.
pub(super) const EXTEND_APPROVER: &str = "部门分管负责人";
/// The mandate's scope.
pub(super) const MANDATE_SCOPE: &str =
    "项目从登记注册至竣工投产全过程审批手续的咨询、申报、跟踪与材料流转。";
/// The decline's explanation.
pub(super) const DECLINE_REASON: &str = "经核查，该项目属于《产业结构调整指导目录》限制类，不属于无偿代办服务范围。如需办理，可由企业自行向相关部门申请，窗口可提供政策咨询。";
/// The conclusion's reason.
pub(super) const CONCLUDE_REASON: &str = "项目已竣工投产，全部审批手续办结。";

/// A seeded generator for stream `k` of the run.
pub(super) fn rng_for(seed: u64, k: u64) -> StdRng {
    let mut x = seed ^ k.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    StdRng::seed_from_u64(x ^ (x >> 31))
}

/// China time.
pub(super) fn china(t: Time) -> DateTime<FixedOffset> {
    t.with_timezone(&CHINA)
}

/// The first minute of a China-time day, in UTC.
fn midnight(d: NaiveDate) -> Time {
    CHINA
        .from_local_datetime(&d.and_hms_opt(0, 0, 0).unwrap_or_default())
        .single()
        .map_or(DateTime::<Utc>::MIN_UTC, |t| t.with_timezone(&Utc))
}

/// `n` working days after `from`, at a time of office hours (later than `from`).
fn after(cal: &Calendar, from: Time, n: u32, rng: &mut StdRng) -> Time {
    crate::demo_activity::after_workdays(cal, from, n, rng)
}

fn is_workday(cal: &Calendar, d: NaiveDate) -> bool {
    cal.add_provisional(d, 0).is_ok_and(|x| x.date == d)
}

/// The working day `n` working days before `d` (a working day).
fn workdays_before(cal: &Calendar, d: NaiveDate, n: u32) -> NaiveDate {
    let mut day = d;
    let mut k = 0;
    while k < n {
        match day.pred_opt() {
            Some(p) => day = p,
            None => break,
        }
        if is_workday(cal, day) {
            k += 1;
        }
    }
    day
}

fn pick<'a, T>(rng: &mut StdRng, xs: &'a [T]) -> &'a T {
    &xs[rng.random_range(0..xs.len())]
}

/// A valid USCC for generated enterprise `n` (GB 32100 check character computed).
fn uscc_for(n: usize) -> String {
    let base = u64::try_from(n).unwrap_or(0) + 31 * 31 * 31 * 31 * 31 * 3;
    let mut digits = [b'0'; 7];
    let mut x = base;
    for d in digits.iter_mut().rev() {
        let i = usize::try_from(x % 31).unwrap_or(0);
        *d = USCC_CHARSET[i];
        x /= 31;
    }
    let prefix = format!("91321281MA{}", String::from_utf8_lossy(&digits));
    daiban_domain::enterprise::complete_uscc(&prefix)
        .map_or_else(|_| format!("{prefix}0"), |u| u.as_str().to_owned())
}

/// Plans the enterprises, the projects' registration times and enterprises, and the surveys.
///
/// # Errors
/// A planned transition the lifecycle refuses (a bug).
pub(super) fn plan(ctx: &Ctx<'_>, progress: &(dyn Fn(u64) + Sync)) -> anyhow::Result<Plan> {
    let p = ctx.params;
    let w = ctx.world;
    let cal = ctx.cal;
    let mut rng = rng_for(p.seed, u64::MAX);
    // Towns draw investment unevenly: development zones most.
    let weights: Vec<u32> = w
        .towns
        .iter()
        .map(|t| {
            let base = rng.random_range(1..=4);
            if t.code.contains("KFQ") || t.code.contains("ZONE") || t.code.starts_with("Z-") {
                base * 3
            } else {
                base
            }
        })
        .collect();
    let total_weight: u32 = weights.iter().sum();
    let town_by_weight = |rng: &mut StdRng| {
        let mut x = rng.random_range(0..total_weight.max(1));
        for (i, wt) in weights.iter().enumerate() {
            if x < *wt {
                return i;
            }
            x -= wt;
        }
        0
    };
    // Registration times: the platform grew, so the recent years hold most projects.
    let year = Duration::days(365);
    let begin = p.end - year * 5;
    let year_weights = [6_u32, 11, 20, 28, 35];
    let mut created: Vec<Time> = (0..p.projects)
        .map(|_| {
            let mut x = rng.random_range(0..100);
            let mut y = 0;
            while y < 4 && x >= year_weights[y] {
                x -= year_weights[y];
                y += 1;
            }
            let from = begin + year * i32::try_from(y).unwrap_or(0);
            let secs = rng.random_range(0..year.num_seconds() - 86_400);
            let day = china(from + Duration::seconds(secs)).date_naive();
            let t = after(cal, midnight(day), 0, &mut rng);
            t.min(p.end - Duration::hours(30))
                .max(p.start + Duration::days(40))
        })
        .collect();
    created.sort_unstable();
    // Enterprises: the city's, then one per four projects.
    let mut ents: Vec<Ent> = Vec::new();
    for (i, c) in w.city_enterprises.iter().enumerate() {
        let Some(town) = c.town else { continue };
        ents.push(Ent {
            city_id: Some(c.id),
            town,
            name: c.name.clone(),
            uscc: String::new(),
            legal_rep: String::new(),
            contact: String::new(),
            phone: String::new(),
            address: String::new(),
            industry: PRODUCTS[i % PRODUCTS.len()].1,
            created_at: p.start,
            creator: w.towns[town].agents[0],
            account: None,
            city_account: c.account,
        });
    }
    let city = ents.len();
    let extra = p.projects.div_ceil(4);
    for n in 0..extra {
        let town = town_by_weight(&mut rng);
        let t = &w.towns[town];
        let (product, industry) = *pick(&mut rng, &PRODUCTS);
        let brand = *pick(&mut rng, &BRANDS);
        let place = t.name.trim_end_matches(['镇', '街', '道', '区']);
        let name = format!("兴化市{place}{brand}{product}有限公司");
        let legal_rep = format!("{}{}", pick(&mut rng, &SURNAMES), pick(&mut rng, &GIVEN));
        let contact = format!("{}{}", pick(&mut rng, &SURNAMES), pick(&mut rng, &GIVEN));
        let account = rng.random_bool(1.0 / 12.0).then(|| Account {
            username: format!("ent.g{:06}", n + 1),
            name: format!("{brand}{product}项目专员"),
            phone: format!("139{:08}", rng.random_range(0..100_000_000)),
        });
        ents.push(Ent {
            city_id: None,
            town,
            name,
            uscc: uscc_for(n),
            legal_rep,
            contact,
            phone: format!("0523-8{:07}", rng.random_range(0..10_000_000)),
            address: format!(
                "{}工业集中区{}路{}号",
                t.name,
                brand,
                rng.random_range(1..300)
            ),
            industry,
            created_at: p.end,
            creator: *pick(&mut rng, &t.agents),
            account,
            city_account: None,
        });
    }
    // Each project belongs to an enterprise; a generated enterprise registers before its first.
    let project_ent: Vec<usize> = (0..p.projects)
        .map(|_| rng.random_range(0..ents.len()))
        .collect();
    for (i, e) in project_ent.iter().enumerate() {
        if *e >= city && ents[*e].created_at > created[i] {
            let back = Duration::days(rng.random_range(1..25));
            let day = china(created[i] - back).date_naive();
            let t = after(cal, midnight(day), 0, &mut rng);
            ents[*e].created_at = t
                .min(created[i] - Duration::hours(2))
                .max(p.start + Duration::minutes(1));
        }
    }
    for e in ents.iter_mut().skip(city) {
        if e.created_at >= p.end {
            let secs = rng.random_range(0..(p.end - begin).num_seconds().max(1));
            let day = china(begin + Duration::seconds(secs)).date_naive();
            e.created_at = after(cal, midnight(day), 0, &mut rng).min(p.end - Duration::hours(30));
        }
    }
    let mut global: Vec<(Time, GlobalEv)> = (city..ents.len())
        .map(|e| (ents[e].created_at, GlobalEv::Enterprise(e)))
        .collect();
    let surveys = plan_surveys(ctx, &ents, &mut rng, &mut global);
    global.sort_by_key(|(t, _)| *t);
    // The projects, on every core: each from its own generator.
    let threads = std::thread::available_parallelism()
        .map_or(1, std::num::NonZeroUsize::get)
        .clamp(1, 8);
    let chunk = p.projects.div_ceil(threads).max(1);
    let ents_ref = &ents;
    let created_ref = &created;
    let project_ent_ref = &project_ent;
    let results: Vec<anyhow::Result<Vec<Project>>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|k| {
                s.spawn(move || {
                    let lo = k * chunk;
                    let hi = ((k + 1) * chunk).min(p.projects);
                    let mut out = Vec::with_capacity(hi.saturating_sub(lo));
                    for i in lo..hi {
                        let mut r = rng_for(p.seed, i as u64);
                        out.push(plan_project(
                            ctx,
                            &mut r,
                            ents_ref,
                            project_ent_ref[i],
                            created_ref[i],
                            i,
                        )?);
                        if i % 256 == 255 {
                            progress(256);
                        }
                    }
                    Ok(out)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(anyhow::anyhow!("a planning thread panicked")))
            })
            .collect()
    });
    let mut projects = Vec::with_capacity(p.projects);
    for r in results {
        projects.extend(r?);
    }
    Ok(Plan {
        ents,
        projects,
        surveys,
        global,
    })
}

fn plan_surveys(
    ctx: &Ctx<'_>,
    ents: &[Ent],
    rng: &mut StdRng,
    global: &mut Vec<(Time, GlobalEv)>,
) -> Vec<Survey> {
    let w = ctx.world;
    let p = ctx.params;
    let mut out = Vec::new();
    let mut q = Quarter::of(china(p.start).date_naive());
    let last = Quarter::of(china(p.end).date_naive());
    let staff: Vec<(usize, &'static str)> = w
        .people
        .iter()
        .enumerate()
        .filter(|(_, x)| matches!(x.role, "agent" | "helper"))
        .map(|(i, x)| (i, x.role))
        .collect();
    loop {
        let opens_on = q.last_day() - Duration::days(11);
        let created_at = midnight(opens_on) + Duration::minutes(9 * 60 + 30);
        if created_at > p.start && created_at <= p.end {
            let closes_on = opens_on + Duration::days(14);
            let close_time = midnight(closes_on) + Duration::minutes(17 * 60 + 30);
            let closed_at = (close_time <= p.end).then_some(close_time);
            let s = out.len();
            let mut respondents = Vec::new();
            for (i, role) in &staff {
                respondents.push((*role, Who::P(*i)));
            }
            let accounts: Vec<usize> = (0..ents.len())
                .filter(|e| ents[*e].created_at < created_at && ents[*e].user(*e).is_some())
                .collect();
            for _ in 0..accounts.len().min(14) {
                let e = accounts[rng.random_range(0..accounts.len())];
                if let Some(who) = ents[e].user(e)
                    && !respondents.iter().any(|(_, x)| *x == who)
                {
                    respondents.push(("enterprise", who));
                }
            }
            let deadline = closed_at.unwrap_or(p.end);
            let span = (deadline - created_at).num_minutes().max(2);
            let respondents: Vec<Respondent> = respondents
                .into_iter()
                .enumerate()
                .map(|(k, (grp, who))| {
                    let answered_at = rng
                        .random_bool(0.85)
                        .then(|| created_at + Duration::minutes(rng.random_range(1..span)));
                    Respondent {
                        grp,
                        who,
                        token: format!(
                            "{:016x}{:016x}",
                            rng.random::<u64>(),
                            (s * 10_000 + k) as u64
                        ),
                        answered_at,
                        answers: rng.random(),
                    }
                })
                .collect();
            global.push((created_at, GlobalEv::SurveyOpen(s)));
            for (k, r) in respondents.iter().enumerate() {
                if let Some(at) = r.answered_at {
                    global.push((at, GlobalEv::SurveyAnswer(s, k)));
                }
            }
            if let Some(at) = closed_at {
                global.push((at, GlobalEv::SurveyClose(s)));
            }
            out.push(Survey {
                quarter: q,
                opens_on,
                closes_on,
                created_at,
                closed_at,
                by: w.coordinators[0],
                respondents,
            });
        }
        if q >= last {
            break;
        }
        q = q.next();
    }
    out
}

/// A finding's decision: quarters already over are decided; the current one partly.
fn decide(ctx: &Ctx<'_>, rng: &mut StdRng, detected: Time) -> Option<Decision> {
    let p = ctx.params;
    let q = Quarter::of(china(detected).date_naive());
    let q_end = midnight(q.last_day()) + Duration::days(1);
    let at = if q_end <= p.end && rng.random_bool(0.95) {
        after(ctx.cal, q_end.max(detected), rng.random_range(2..12), rng)
    } else if rng.random_bool(0.4) {
        after(ctx.cal, detected, rng.random_range(1..10), rng)
    } else {
        return None;
    };
    (at <= p.end).then(|| Decision {
        at,
        by: *pick(rng, &ctx.world.coordinators),
        confirm: rng.random_bool(0.85),
    })
}

/// Working days an act takes after the previous one (as the demo's year of activity draws them).
fn delay(a: CaseAction, c: &CatItem, rng: &mut StdRng) -> u32 {
    let limit = u32::try_from(
        c.view
            .committed_limit_days
            .max(c.view.report_up_limit_days.unwrap_or(0)),
    )
    .unwrap_or(1);
    match a {
        CaseAction::Accept | CaseAction::NoticeMissing => rng.random_range(0..2),
        CaseAction::HelperAccept => u32::from(rng.random_bool(0.2)),
        CaseAction::MaterialsComplete => rng.random_range(1..6),
        CaseAction::Submit => {
            if rng.random_bool(0.02) {
                rng.random_range(2..4)
            } else {
                u32::from(rng.random_bool(0.4))
            }
        }
        CaseAction::Suspend => rng.random_range(0..limit.max(1)),
        CaseAction::Resume => rng.random_range(3..12),
        CaseAction::Extend => 0,
        CaseAction::ReportUp => rng.random_range(1..limit.max(2)),
        CaseAction::Withdraw => rng.random_range(5..20),
        CaseAction::DeclareNotAcceptable => rng.random_range(1..3),
        CaseAction::Approve | CaseAction::Reject => {
            if c.view.item_type == "upward" {
                rng.random_range(8..30)
            } else if rng.random_bool(0.04) {
                limit + rng.random_range(1..5)
            } else {
                rng.random_range(0..=limit * 3 / 4)
            }
        }
    }
}

/// The share of items whose department review began in the last year that are still in review
/// at the end (the departments' backlog; see the module documentation).
const BACKLOG_SHARE: f64 = 0.55;

struct ScriptStep {
    action: CaseAction,
    notice: Vec<u8>,
    reason: Option<SuspensionReason>,
    days: u32,
    /// A fixed time instead of a delay.
    at: Option<Time>,
}

impl ScriptStep {
    fn of(action: CaseAction) -> Self {
        Self {
            action,
            notice: Vec::new(),
            reason: None,
            days: 0,
            at: None,
        }
    }
}

/// For an item whose department review begins at `t` in the last year, maybe (by
/// [`BACKLOG_SHARE`]) the departments' backlog: a statutory pause (expert review, testing,
/// hearing, site survey, public notice) from the next working day that ended within the last
/// few working days of the period — so the item is in review at the end with most of its limit
/// left — or, for one in ten, is still going on.
fn backlog_steps(ctx: &Ctx<'_>, rng: &mut StdRng, c: &CatItem, t: Time) -> Option<Vec<ScriptStep>> {
    let end = ctx.params.end;
    let eligible = matches!(c.view.item_type.as_str(), "committed" | "joint")
        && c.limit >= 3
        && t >= end - Duration::days(365);
    if !eligible || !rng.random_bool(BACKLOG_SHARE) {
        return None;
    }
    let start = after(ctx.cal, t, rng.random_range(0..2), rng);
    let back = rng.random_range(0..u32::try_from(c.limit - 2).unwrap_or(1).max(1));
    let day = workdays_before(ctx.cal, china(end).date_naive(), back);
    let resume = at_day(ctx.cal, day, rng).min(end);
    if resume <= start + Duration::hours(1) {
        return None;
    }
    let reasons = [
        SuspensionReason::ExpertReview,
        SuspensionReason::Testing,
        SuspensionReason::Hearing,
        SuspensionReason::SiteSurvey,
        SuspensionReason::PublicNotice,
    ];
    let mut out = vec![ScriptStep {
        reason: Some(*pick(rng, &reasons)),
        at: Some(start),
        ..ScriptStep::of(CaseAction::Suspend)
    }];
    if !rng.random_bool(0.1) {
        out.push(ScriptStep {
            at: Some(resume),
            ..ScriptStep::of(CaseAction::Resume)
        });
    }
    Some(out)
}

/// An immediate item's conclusion: later the same day before the close of office hours, or
/// the next working day if it was taken on after the close.
fn same_day(cal: &Calendar, t: Time, rng: &mut StdRng) -> Time {
    let local = china(t);
    let close = midnight(local.date_naive()) + Duration::minutes(17 * 60 + 25);
    let left = (close - t).num_minutes();
    if left > 6 && is_workday(cal, local.date_naive()) {
        t + Duration::minutes(rng.random_range(5..left))
    } else {
        after(cal, t, 1, rng)
    }
}

/// A time of office hours on working day `day`.
fn at_day(cal: &Calendar, day: NaiveDate, rng: &mut StdRng) -> Time {
    let t = after(cal, midnight(day) - Duration::minutes(1), 0, rng);
    if china(t).date_naive() == day {
        t
    } else {
        midnight(day) + Duration::minutes(9 * 60)
    }
}

fn script(c: &CatItem, rng: &mut StdRng) -> Vec<ScriptStep> {
    let mut s = vec![ScriptStep::of(CaseAction::Accept)];
    let roll = rng.random_range(0..1000);
    if roll < 8 {
        s.push(ScriptStep::of(CaseAction::DeclareNotAcceptable));
        return s;
    }
    if !c.blocking.is_empty() && rng.random_bool(0.3) {
        let last = u8::try_from(c.blocking[c.blocking.len() - 1]).unwrap_or(0);
        s.push(ScriptStep {
            notice: vec![last],
            ..ScriptStep::of(CaseAction::NoticeMissing)
        });
        if c.blocking.len() > 1 && rng.random_bool(0.08) {
            let first = u8::try_from(c.blocking[0]).unwrap_or(0);
            s.push(ScriptStep {
                notice: vec![last, first],
                ..ScriptStep::of(CaseAction::NoticeMissing)
            });
        }
    }
    if roll < 18 {
        s.push(ScriptStep::of(CaseAction::Withdraw));
        return s;
    }
    s.push(ScriptStep::of(CaseAction::MaterialsComplete));
    s.push(ScriptStep::of(CaseAction::Submit));
    s.push(ScriptStep::of(CaseAction::HelperAccept));
    if rng.random_bool(0.12) {
        let reasons = [
            SuspensionReason::ExpertReview,
            SuspensionReason::PublicNotice,
            SuspensionReason::SiteSurvey,
            SuspensionReason::Correction,
            SuspensionReason::Testing,
        ];
        s.push(ScriptStep {
            reason: Some(*pick(rng, &reasons)),
            ..ScriptStep::of(CaseAction::Suspend)
        });
        s.push(ScriptStep::of(CaseAction::Resume));
    }
    if rng.random_bool(0.04) {
        s.push(ScriptStep {
            days: rng.random_range(2..6),
            ..ScriptStep::of(CaseAction::Extend)
        });
    }
    if c.view.item_type == "upward" {
        s.push(ScriptStep::of(CaseAction::ReportUp));
    }
    s.push(ScriptStep::of(if rng.random_bool(0.03) {
        CaseAction::Reject
    } else {
        CaseAction::Approve
    }));
    s
}

/// The clock of the department's step (or the report-up of an upward item) at `now`.
fn review_input(item: &Item, c: &CatItem, now: Time) -> Option<ClockInput> {
    let start = item.review_started_at?;
    let t = match c.view.item_type() {
        ItemType::Upward => ItemType::Committed,
        t => t,
    };
    let mut input = ClockInput::new(t, u32::try_from(c.limit).unwrap_or(0), china(start));
    input.warning_threshold_days = u32::try_from(c.view.warning_threshold_days).unwrap_or(1);
    input.suspensions = suspensions(item);
    input.extensions = extensions(item, now);
    Some(input)
}

fn suspensions(item: &Item) -> Vec<Suspension> {
    item.susp
        .iter()
        .map(|(r, s, e)| Suspension {
            reason: *r,
            start: china(*s),
            end: e.map(china),
        })
        .collect()
}

fn extensions(item: &Item, now: Time) -> Vec<Extension> {
    item.ext
        .iter()
        .filter(|(_, at)| *at <= now)
        .map(|(d, _)| Extension {
            days: *d,
            approver: EXTEND_APPROVER.into(),
            reason: EXTEND_REASON.into(),
        })
        .collect()
}

fn compute(cal: &Calendar, input: &ClockInput, now: Time) -> anyhow::Result<ClockState> {
    clock::compute(cal, input, china(now)).map_err(|e| anyhow::anyhow!("clock: {e}"))
}

/// Simulates one case item requested at `t0`. Returns it, and when it concluded if it did
/// (and is not held up in the departments' backlog).
fn plan_item(
    ctx: &Ctx<'_>,
    rng: &mut StdRng,
    cat: usize,
    t0: Time,
    agent_unit: i64,
    agent: usize,
) -> anyhow::Result<(Item, Option<Time>, bool)> {
    let c = &ctx.world.catalog[cat];
    let cal = ctx.cal;
    let end = ctx.params.end;
    let ty = c.view.item_type();
    let helpers = &ctx.world.depts[&c.view.department_id].helpers;
    let helper = helpers[0];
    let mut item = Item {
        cat,
        helper,
        state: CaseState::Requested,
        requested_at: t0,
        accepted_at: None,
        materials_complete_at: None,
        submit_due_at: None,
        submitted_at: None,
        review_started_at: None,
        due_at: None,
        due_provisional: false,
        reported_up_at: None,
        concluded_at: None,
        outcome_note: "",
        warning: Warning::None,
        acts: Vec::new(),
        susp: Vec::new(),
        ext: Vec::new(),
        notices: Vec::new(),
        alerts: Vec::new(),
    };
    let mut steps = script(c, rng);
    let mut t = t0;
    let mut backlog = false;
    let mut k = 0;
    while k < steps.len() {
        let st = &steps[k];
        k += 1;
        t = match st.at {
            Some(at) => at,
            None if ty == ItemType::Immediate
                && matches!(st.action, CaseAction::Approve | CaseAction::Reject) =>
            {
                same_day(cal, t, rng)
            }
            None => after(cal, t, delay(st.action, c, rng), rng),
        };
        if t > end {
            break;
        }
        let st = ScriptStep {
            notice: st.notice.clone(),
            ..*st
        };
        let from = item.state;
        let to = apply(from, st.action, ty).map_err(|e| anyhow::anyhow!("plan: {e}"))?;
        let mut data = ActData::None;
        match st.action {
            CaseAction::Accept => item.accepted_at = Some(t),
            CaseAction::NoticeMissing => {
                let earlier: Vec<u8> = item
                    .notices
                    .iter()
                    .flat_map(|n| n.codes.iter().copied())
                    .collect();
                let breach: Vec<u8> = if item.notices.is_empty() {
                    Vec::new()
                } else {
                    st.notice
                        .iter()
                        .copied()
                        .filter(|x| !earlier.contains(x))
                        .collect()
                };
                let decision = if breach.is_empty() {
                    None
                } else {
                    decide(ctx, rng, t)
                };
                data = ActData::Notice(u8::try_from(item.notices.len()).unwrap_or(0));
                item.notices.push(Notice {
                    codes: st.notice.clone(),
                    breach,
                    decision,
                });
            }
            CaseAction::MaterialsComplete => {
                let s = compute(cal, &ClockInput::new(ItemType::Committed, 1, china(t)), t)?;
                item.materials_complete_at = Some(t);
                item.submit_due_at = Some(s.due_at.with_timezone(&Utc));
                item.due_provisional = s.provisional;
                data = ActData::Complete(s.due_at);
            }
            CaseAction::Submit => {
                item.submitted_at = Some(t);
                if let Some(d) = item.submit_due_at.filter(|d| t > *d) {
                    data = ActData::Late(d);
                }
            }
            CaseAction::HelperAccept => {
                item.review_started_at = Some(t);
                let input = review_input(&item, c, t)
                    .ok_or_else(|| anyhow::anyhow!("plan: review without a start"))?;
                let s = compute(cal, &input, t)?;
                item.due_at = Some(s.due_at.with_timezone(&Utc));
                item.due_provisional = s.provisional;
                item.warning = s.warning;
                data = ActData::Review(s.due_at, s.provisional);
                if let Some(rest) = backlog_steps(ctx, rng, c, t) {
                    // The departments' backlog: the rest of the review is replaced by a long
                    // statutory pause that has just ended (or not yet).
                    steps.truncate(k);
                    steps.extend(rest);
                    backlog = true;
                }
            }
            CaseAction::Suspend | CaseAction::Resume | CaseAction::Extend => {
                match st.action {
                    CaseAction::Suspend => {
                        item.susp
                            .push((st.reason.unwrap_or(SuspensionReason::Other), t, None));
                    }
                    CaseAction::Resume => {
                        if let Some(last) = item.susp.last_mut() {
                            last.2 = Some(t);
                        }
                    }
                    _ => item.ext.push((st.days, t)),
                }
                let input = review_input(&item, c, t)
                    .ok_or_else(|| anyhow::anyhow!("plan: pause without a review"))?;
                let s = compute(cal, &input, t)?;
                item.due_at = Some(s.due_at.with_timezone(&Utc));
                item.due_provisional = s.provisional;
                data = match st.action {
                    CaseAction::Suspend => {
                        ActData::Suspend(st.reason.unwrap_or(SuspensionReason::Other), s.due_at)
                    }
                    CaseAction::Resume => ActData::Due(s.due_at),
                    _ => ActData::Extend(st.days, s.due_at),
                };
            }
            CaseAction::ReportUp => {
                item.reported_up_at = Some(t);
                item.warning = Warning::None;
            }
            CaseAction::Approve
            | CaseAction::Reject
            | CaseAction::Withdraw
            | CaseAction::DeclareNotAcceptable => {
                item.concluded_at = Some(t);
                item.warning = Warning::None;
                let reason = match st.action {
                    CaseAction::Reject => REJECT_REASON,
                    CaseAction::Withdraw => WITHDRAW_REASON,
                    CaseAction::DeclareNotAcceptable => NOT_ACCEPTABLE_REASON,
                    _ => "",
                };
                item.outcome_note = reason;
                if !reason.is_empty() {
                    data = ActData::Reason(reason);
                }
            }
        }
        item.acts.push(Act {
            at: t,
            action: st.action,
            from,
            to,
            data,
        });
        item.state = to;
    }
    plan_alerts(ctx, rng, &mut item, agent_unit, agent)?;
    let done = if backlog { None } else { item.concluded_at };
    Ok((item, done, backlog))
}

/// The state of the item just after time `t`.
fn state_at(item: &Item, t: Time) -> CaseState {
    item.acts
        .iter()
        .take_while(|a| a.at <= t)
        .last()
        .map_or(CaseState::Requested, |a| a.to)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum StepKind {
    Submission,
    Review,
    Overall,
}

/// The deadline alerts the monitor (running every minute) raised for the item up to the end,
/// and the warning it left on the item.
fn plan_alerts(
    ctx: &Ctx<'_>,
    rng: &mut StdRng,
    item: &mut Item,
    town_unit: i64,
    agent: usize,
) -> anyhow::Result<()> {
    let c = &ctx.world.catalog[item.cat];
    let cal = ctx.cal;
    let end = ctx.params.end;
    let Some(mc) = item.materials_complete_at else {
        return Ok(());
    };
    let leave_ready = item
        .acts
        .iter()
        .find(|a| a.at > mc && a.from == CaseState::Ready)
        .map(|a| a.at);
    let leave_dept = item.reported_up_at.or(item.concluded_at);
    let upward = c.view.item_type == "upward";
    let mut windows: Vec<(StepKind, &'static str, Time, Option<Time>)> =
        vec![(StepKind::Submission, "submission", mc, leave_ready)];
    if let Some(rs) = item.review_started_at {
        windows.push((
            StepKind::Review,
            if upward { "report_up" } else { "review" },
            rs,
            leave_dept,
        ));
    }
    windows.push((StepKind::Overall, "overall", mc, leave_dept));
    let mut final_warning = Warning::None;
    let mut alerts: Vec<Alert> = Vec::new();
    for (kind, step, from, until) in windows {
        let input_at = |now: Time| -> Option<ClockInput> {
            match kind {
                StepKind::Submission => Some(ClockInput::new(ItemType::Committed, 1, china(mc))),
                StepKind::Review => review_input(item, c, now),
                StepKind::Overall => {
                    let mut input = ClockInput::new(
                        ItemType::Committed,
                        1 + u32::try_from(c.limit).unwrap_or(0),
                        china(mc),
                    );
                    input.warning_threshold_days =
                        u32::try_from(c.view.warning_threshold_days).unwrap_or(1);
                    if item.review_started_at.is_some_and(|r| r <= now) {
                        input.suspensions = suspensions(item);
                        input.extensions = extensions(item, now);
                    }
                    Some(input)
                }
            }
        };
        let open = until.is_none();
        let last = until.unwrap_or(end).min(end);
        let Some(input) = input_at(last) else {
            continue;
        };
        let at_last = compute(cal, &input, last)?;
        // Only the steps that went overdue, and those still warning at the end, carry alerts:
        // their yellow warning, then the red one.
        let warned = if open {
            at_last.warning != Warning::None
        } else {
            at_last.warning == Warning::Red
        };
        if !warned {
            continue;
        }
        let threshold = input.warning_threshold_days;
        let yellow_day = workdays_before(cal, at_last.due_date, threshold);
        let mut candidates = vec![
            midnight(yellow_day).max(from) + Duration::minutes(1),
            at_last.due_at.with_timezone(&Utc) + Duration::minutes(1),
        ];
        if open {
            candidates.push(end);
        }
        candidates.sort_unstable();
        for t in candidates {
            let inside = t > from && (t < last || (open && t <= end));
            if !inside {
                continue;
            }
            let Some(input) = input_at(t) else { continue };
            let s = compute(cal, &input, t)?;
            if s.warning == Warning::None {
                continue;
            }
            let due = s.due_at.with_timezone(&Utc);
            if alerts
                .iter()
                .any(|a| a.step == step && a.level == s.warning && a.due_at == due)
            {
                continue;
            }
            let state = state_at(item, t);
            let at_department = state != CaseState::Ready;
            let handler = if at_department {
                item.review_started_at
                    .filter(|r| *r <= t)
                    .map(|_| item.helper)
            } else {
                Some(agent)
            };
            let finding = s.warning == Warning::Red && kind != StepKind::Overall;
            let decision = if finding { decide(ctx, rng, t) } else { None };
            alerts.push(Alert {
                step,
                level: s.warning,
                due_at: due,
                raised_at: t,
                unit_id: if at_department {
                    c.view.department_id
                } else {
                    town_unit
                },
                handler,
                finding,
                decision,
            });
        }
        if open {
            final_warning = final_warning.max(at_last.warning);
        }
    }
    if matches!(
        item.state,
        CaseState::Ready | CaseState::Submitted | CaseState::InReview | CaseState::Suspended
    ) {
        item.warning = final_warning;
    }
    alerts.sort_by_key(|a| a.raised_at);
    item.alerts = alerts;
    Ok(())
}

/// Working days between a stage's last conclusion and the next stage: the works themselves
/// take months between the construction permit and completion.
fn stage_gap(s: usize, rng: &mut StdRng) -> u32 {
    match s {
        3 => rng.random_range(5..20),
        4 => rng.random_range(80..250),
        5 => rng.random_range(10..40),
        6 => rng.random_range(20..120),
        _ => rng.random_range(2..10),
    }
}

#[expect(
    clippy::too_many_lines,
    reason = "a project's life from registration to conclusion, read top to bottom"
)]
fn plan_project(
    ctx: &Ctx<'_>,
    rng: &mut StdRng,
    ents: &[Ent],
    ent: usize,
    created_at: Time,
    n: usize,
) -> anyhow::Result<Project> {
    let w = ctx.world;
    let cal = ctx.cal;
    let end = ctx.params.end;
    let e = &ents[ent];
    let town = &w.towns[e.town];
    let agent = if rng.random_bool(0.6) {
        town.agents[0]
    } else {
        *pick(rng, &town.agents)
    };
    let requester = e.user(ent).unwrap_or(Who::P(agent));
    let (product, industry) = *pick(rng, &PRODUCTS);
    let wan: i64 = if rng.random_bool(0.05) {
        rng.random_range(50_000..200_000)
    } else {
        rng.random_range(800..45_000)
    };
    let restricted = rng.random_bool(0.03);
    let standing = if restricted {
        "restricted"
    } else if rng.random_bool(0.4) {
        "encouraged"
    } else {
        "permitted"
    };
    let yymm = china(created_at).format("%y%m");
    let code = rng
        .random_bool(0.8)
        .then(|| format!("{yymm}-321281-04-01-{:06}", 100_000 + n));
    let major = wan >= 50_000;
    let mut pr = Project {
        ent,
        town: e.town,
        agent,
        requester,
        name: format!("年产{}{}项目", pick(rng, &QUANTITIES), product),
        code,
        investment_yuan: wan * 10_000,
        industry,
        kind: KINDS[rng.random_range(0..KINDS.len())],
        standing,
        major,
        description: format!("新建{product}生产线及配套设施，项目建成后形成规模化产能。"),
        created_at,
        bureau_helper: None,
        assigner: *pick(rng, &w.coordinators),
        stage: 0,
        status: "requested",
        version: 1,
        updated_at: created_at,
        decline_reason: None,
        mandate: None,
        items: Vec::new(),
        problems: Vec::new(),
        events: vec![Ev {
            at: created_at,
            kind: EvKind::Register,
        }],
    };
    let mut t = after(cal, created_at, rng.random_range(0..3), rng);
    if t > end {
        return Ok(pr);
    }
    if restricted {
        pr.status = "declined";
        pr.version = 2;
        pr.updated_at = t;
        pr.decline_reason = Some(DECLINE_REASON);
        pr.events.push(Ev {
            at: t,
            kind: EvKind::Decline,
        });
        return Ok(pr);
    }
    pr.status = "active";
    pr.version = 2;
    pr.updated_at = t;
    pr.mandate = Some(Mandate {
        signed_at: t,
        signer: requester,
        state: "active",
        last_reason: String::new(),
        closed_at: None,
        closer: None,
        version: 1,
        cause: None,
        fault: None,
        lost_decision: None,
    });
    pr.events.push(Ev {
        at: t,
        kind: EvKind::Sign,
    });
    let signed = t;
    if major && !w.bureau_helpers.is_empty() {
        let at = after(cal, t, rng.random_range(0..2), rng);
        if at <= end {
            pr.bureau_helper = Some(*pick(rng, &w.bureau_helpers));
            pr.version += 1;
            pr.updated_at = at;
            pr.events.push(Ev {
                at,
                kind: EvKind::AssignHelper,
            });
        }
    }
    // A few projects are lost before their first item (as in the demo's year).
    let lost = match n % 100 {
        11 => Some(TerminationCause::StaffFault),
        29 => Some(TerminationCause::EnterpriseDecision),
        63 => Some(TerminationCause::PolicyOrPlanning),
        _ => None,
    };
    if let Some(cause) = lost {
        let at = after(cal, t, 12, rng);
        if at <= end {
            let reason = match cause {
                TerminationCause::StaffFault => {
                    "代办员多次未按约定时间答复、推诿材料问题，企业决定将项目转至外地实施。"
                }
                TerminationCause::EnterpriseDecision => {
                    "受市场行情影响，企业董事会决定暂缓投资，撤回本项目。"
                }
                _ => "项目选址与新一轮国土空间规划不符，企业另行选址后重新申报。",
            };
            let fault = cause.names_staff().then_some(agent);
            let m = pr
                .mandate
                .as_mut()
                .ok_or_else(|| anyhow::anyhow!("plan: mandate"))?;
            m.state = "terminated";
            reason.clone_into(&mut m.last_reason);
            m.closed_at = Some(at);
            m.closer = Some(requester);
            m.version = 2;
            m.cause = Some(cause);
            m.fault = fault;
            if fault.is_some() {
                m.lost_decision = decide(ctx, rng, at);
                if let Some(d) = m.lost_decision {
                    pr.events.push(Ev {
                        at: d.at,
                        kind: EvKind::DecideLost,
                    });
                }
            }
            pr.status = "terminated";
            pr.version += 1;
            pr.updated_at = at;
            pr.events.push(Ev {
                at,
                kind: EvKind::Terminate,
            });
        }
        pr.events.sort_by_key(|e| e.at);
        return Ok(pr);
    }
    // The stages, one after the other; a stage's items run side by side.
    let agent_unit = town.id;
    t = after(cal, t, 1, rng);
    let mut finished = None;
    for s in 0..ProjectStage::ALL.len() {
        if t > end {
            break;
        }
        if s > 0 {
            pr.stage = s;
            pr.version += 1;
            pr.updated_at = t;
            pr.events.push(Ev {
                at: t,
                kind: EvKind::Stage(u8::try_from(s).unwrap_or(0)),
            });
        }
        let mut done = t;
        let mut stage_open = false;
        for &cat in &w.by_stage[s] {
            let p = if w.catalog[cat].unconditional {
                0.92
            } else {
                0.3
            };
            if !rng.random_bool(p) {
                continue;
            }
            let k = u16::try_from(pr.items.len()).unwrap_or(u16::MAX);
            let (item, concluded, backlog) = plan_item(ctx, rng, cat, t, agent_unit, agent)?;
            pr.events.push(Ev {
                at: t,
                kind: EvKind::Request(k),
            });
            for (j, a) in item.acts.iter().enumerate() {
                pr.events.push(Ev {
                    at: a.at,
                    kind: EvKind::Act(k, u8::try_from(j).unwrap_or(0)),
                });
            }
            for (j, a) in item.alerts.iter().enumerate() {
                let j = u8::try_from(j).unwrap_or(0);
                pr.events.push(Ev {
                    at: a.raised_at,
                    kind: EvKind::Alert(k, j),
                });
                if let Some(d) = a.decision {
                    pr.events.push(Ev {
                        at: d.at,
                        kind: EvKind::DecideAlert(k, j),
                    });
                }
            }
            for (j, nt) in item.notices.iter().enumerate() {
                if let Some(d) = nt.decision {
                    pr.events.push(Ev {
                        at: d.at,
                        kind: EvKind::DecideNotice(k, u8::try_from(j).unwrap_or(0)),
                    });
                }
            }
            match concluded {
                Some(c) => done = done.max(c),
                // An item in the departments' backlog does not hold the project up (the next
                // stage's items run in parallel); any other open item does.
                None if backlog => {}
                None => stage_open = true,
            }
            pr.items.push(item);
        }
        if stage_open {
            break;
        }
        t = after(cal, done, stage_gap(s, rng), rng);
        if s + 1 == ProjectStage::ALL.len() {
            finished = Some(t);
        }
    }
    if let Some(at) = finished.filter(|at| *at <= end) {
        let m = pr
            .mandate
            .as_mut()
            .ok_or_else(|| anyhow::anyhow!("plan: mandate"))?;
        m.state = "concluded";
        CONCLUDE_REASON.clone_into(&mut m.last_reason);
        m.closed_at = Some(at);
        m.closer = Some(Who::P(agent));
        m.version = 2;
        pr.status = "completed";
        pr.version += 1;
        pr.updated_at = at;
        pr.events.push(Ev {
            at,
            kind: EvKind::Conclude,
        });
    }
    if rng.random_bool(0.08) {
        let latest = pr.updated_at.max(
            pr.items
                .iter()
                .map(Item::updated_at)
                .max()
                .unwrap_or(signed),
        );
        let span = u32::try_from(
            cal.between_provisional(
                china(signed).date_naive(),
                china(latest.min(end)).date_naive(),
            )
            .days,
        )
        .unwrap_or(0);
        if span > 6 {
            let at = after(cal, signed, rng.random_range(5..span), rng);
            if at < end {
                let dept = pr
                    .items
                    .get(rng.random_range(0..pr.items.len().max(1)))
                    .map_or(*w.depts.keys().next().unwrap_or(&0), |i| {
                        w.catalog[i.cat].view.department_id
                    });
                if w.depts.contains_key(&dept) {
                    let k = u16::try_from(pr.problems.len()).unwrap_or(0);
                    let prob = plan_problem(ctx, rng, at, dept, agent)?;
                    for (j, st) in prob.steps.iter().enumerate() {
                        let j = u8::try_from(j).unwrap_or(0);
                        pr.events.push(Ev {
                            at: st.at,
                            kind: EvKind::Problem(k, j),
                        });
                        if let Some(d) = st.decision {
                            pr.events.push(Ev {
                                at: d.at,
                                kind: EvKind::DecideOverdue(k, j),
                            });
                        }
                    }
                    pr.problems.push(prob);
                }
            }
        }
    }
    pr.events.sort_by_key(|e| e.at);
    Ok(pr)
}

const PROBLEMS: [(&str, &str, &str, bool); 6] = [
    (
        "施工图审查意见反复修改",
        "审图机构先后三次提出新的修改意见，企业无所适从，请求一次性告知全部意见。",
        "approval",
        true,
    ),
    (
        "用地指标未落实",
        "项目用地的新增建设用地指标尚未下达，土地出让无法启动，影响开工计划。",
        "land",
        false,
    ),
    (
        "供电接入方案迟迟未定",
        "项目用电报装已受理，但接入方案未答复，企业设备安装无法按期进行。",
        "utilities",
        true,
    ),
    (
        "规划条件与设计方案不一致",
        "规划设计条件中的容积率与已批设计方案不一致，需协调确认。",
        "planning",
        false,
    ),
    (
        "企业反映后续手续衔接不畅",
        "企业反映下一阶段审批手续的申报材料要求不明确，请责任部门一次性告知。",
        "approval",
        false,
    ),
    (
        "技改补助政策咨询未答复",
        "企业申请技改补助，相关政策适用条件咨询多次未获明确答复。",
        "policy",
        false,
    ),
];

fn level_due(ctx: &Ctx<'_>, level: Level, at: Time) -> anyhow::Result<Time> {
    let input = ClockInput::new(ItemType::Committed, ctx.params.ladder.at(level), china(at));
    Ok(compute(ctx.cal, &input, at)?.due_at.with_timezone(&Utc))
}

#[expect(
    clippy::too_many_lines,
    reason = "the problem's climb up the ladder, read top to bottom"
)]
fn plan_problem(
    ctx: &Ctx<'_>,
    rng: &mut StdRng,
    at: Time,
    dept: i64,
    agent: usize,
) -> anyhow::Result<Problem> {
    let w = ctx.world;
    let cal = ctx.cal;
    let end = ctx.params.end;
    let (title, description, category, at_site) = *pick(rng, &PROBLEMS);
    let owner = w.depts[&dept].helpers[0];
    let leader = w.leaders.get(&dept).and_then(|l| l.first().copied());
    let coordinator = *pick(rng, &w.coordinators);
    let resolution = "经协调，已明确办理路径并完成相关手续。";
    let mut steps = Vec::new();
    let mut level = Level::Department;
    let mut entered = at;
    let mut due = level_due(ctx, level, at)?;
    let mut version = 1;
    steps.push(PStep {
        at,
        kind: PKind::Raise,
        by: Some(agent),
        from: level,
        to: level,
        from_status: "",
        to_status: "open",
        due,
        version,
        missed: None,
        decision: None,
    });
    let mut meeting = None;
    let slow = rng.random_bool(0.3);
    let mut t = at;
    let push = |steps: &mut Vec<PStep>, st: PStep| -> bool {
        if st.at > end {
            return false;
        }
        steps.push(st);
        true
    };
    let mut handler = Some(owner);
    if slow {
        // Not answered in time: the monitor moves it up, once per level.
        let climbs = if rng.random_bool(0.5) { 1 } else { 2 };
        for _ in 0..climbs {
            let Some(next) = level.next() else { break };
            let tick = due + Duration::minutes(1);
            let next_due = level_due(ctx, next, tick)?;
            version += 1;
            let decision = decide(ctx, rng, tick);
            if !push(
                &mut steps,
                PStep {
                    at: tick,
                    kind: PKind::AutoEscalate,
                    by: None,
                    from: level,
                    to: next,
                    from_status: "open",
                    to_status: "open",
                    due: next_due,
                    version,
                    missed: Some((due, entered)),
                    decision,
                },
            ) {
                return Ok(finish(
                    title,
                    description,
                    category,
                    dept,
                    owner,
                    agent,
                    at_site,
                    steps,
                    meeting,
                    resolution,
                ));
            }
            level = next;
            entered = tick;
            due = next_due;
            t = tick;
            handler = match level {
                Level::DepartmentLeader => leader,
                _ => Some(coordinator),
            };
        }
        if level == Level::Bureau {
            // The bureau puts it on a huddle's agenda; the meeting decides and the department
            // carries out the decision.
            let convene = after(cal, t, rng.random_range(0..2), rng);
            let meet_due = level_due(ctx, Level::Meeting, convene)?;
            version += 1;
            if !push(
                &mut steps,
                PStep {
                    at: convene,
                    kind: PKind::Convene,
                    by: Some(coordinator),
                    from: level,
                    to: Level::Meeting,
                    from_status: "open",
                    to_status: "open",
                    due: meet_due,
                    version,
                    missed: None,
                    decision: None,
                },
            ) {
                return Ok(finish(
                    title,
                    description,
                    category,
                    dept,
                    owner,
                    agent,
                    at_site,
                    steps,
                    meeting,
                    resolution,
                ));
            }
            let held = after(cal, convene, rng.random_range(1..3), rng);
            let action_due = {
                let input = ClockInput::new(ItemType::Committed, 7, china(held));
                compute(cal, &input, held)?.due_at.with_timezone(&Utc)
            };
            let attendance = [
                *pick(
                    rng,
                    &["present", "present", "present", "late", "left_early"],
                ),
                *pick(rng, &["present", "present", "present", "absent_with_leave"]),
            ];
            meeting = Some(Meeting {
                scheduled_at: held - Duration::minutes(120),
                convenor: coordinator,
                attendance,
                action_due_at: action_due,
            });
            version += 1;
            if !push(
                &mut steps,
                PStep {
                    at: held,
                    kind: PKind::Record,
                    by: Some(coordinator),
                    from: Level::Meeting,
                    to: Level::Meeting,
                    from_status: "open",
                    to_status: "resolved",
                    due: meet_due,
                    version,
                    missed: None,
                    decision: None,
                },
            ) {
                return Ok(finish(
                    title,
                    description,
                    category,
                    dept,
                    owner,
                    agent,
                    at_site,
                    steps,
                    meeting,
                    resolution,
                ));
            }
            let done = after(cal, held, rng.random_range(1..6), rng);
            push(
                &mut steps,
                PStep {
                    at: done,
                    kind: PKind::ActionDone,
                    by: Some(owner),
                    from: Level::Meeting,
                    to: Level::Meeting,
                    from_status: "resolved",
                    to_status: "resolved",
                    due: meet_due,
                    version,
                    missed: None,
                    decision: None,
                },
            );
            return Ok(finish(
                title,
                description,
                category,
                dept,
                owner,
                agent,
                at_site,
                steps,
                meeting,
                resolution,
            ));
        }
    }
    let by = handler.unwrap_or(owner);
    t = after(cal, t, rng.random_range(0..2), rng);
    version += 1;
    if !push(
        &mut steps,
        PStep {
            at: t,
            kind: PKind::Respond,
            by: Some(by),
            from: level,
            to: level,
            from_status: "open",
            to_status: "open",
            due,
            version,
            missed: None,
            decision: None,
        },
    ) {
        return Ok(finish(
            title,
            description,
            category,
            dept,
            owner,
            agent,
            at_site,
            steps,
            meeting,
            resolution,
        ));
    }
    t = after(cal, t, rng.random_range(1..4), rng);
    version += 1;
    if !push(
        &mut steps,
        PStep {
            at: t,
            kind: PKind::Resolve,
            by: Some(by),
            from: level,
            to: level,
            from_status: "open",
            to_status: "resolved",
            due,
            version,
            missed: None,
            decision: None,
        },
    ) {
        return Ok(finish(
            title,
            description,
            category,
            dept,
            owner,
            agent,
            at_site,
            steps,
            meeting,
            resolution,
        ));
    }
    t = after(cal, t, rng.random_range(1..4), rng);
    version += 1;
    push(
        &mut steps,
        PStep {
            at: t,
            kind: PKind::Confirm,
            by: Some(agent),
            from: level,
            to: level,
            from_status: "resolved",
            to_status: "closed",
            due,
            version,
            missed: None,
            decision: None,
        },
    );
    Ok(finish(
        title,
        description,
        category,
        dept,
        owner,
        agent,
        at_site,
        steps,
        meeting,
        resolution,
    ))
}

#[expect(
    clippy::too_many_arguments,
    reason = "the fields of one problem, assembled once"
)]
fn finish(
    title: &'static str,
    description: &'static str,
    category: &'static str,
    dept: i64,
    owner: usize,
    raiser: usize,
    at_site: bool,
    steps: Vec<PStep>,
    meeting: Option<Meeting>,
    resolution: &'static str,
) -> Problem {
    Problem {
        title,
        description,
        category,
        dept,
        owner,
        raiser,
        at_site,
        steps,
        meeting,
        resolution,
    }
}

/// The quarter's first day in China time, for labels.
pub(super) fn quarter_label(q: Quarter) -> String {
    format!(
        "{}年第{}季度项目代办帮办工作满意度测评",
        q.first_day().year(),
        (q.first_day().month() - 1) / 3 + 1
    )
}
