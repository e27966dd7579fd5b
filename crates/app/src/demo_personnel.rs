//! The demo city's personnel filing: at the start of the year the units enter their register
//! (each agent and helper filed with their appointment date, approved by the bureau); during the
//! year a few adjustments — one at the year-end window, one forced by a work change, one outside
//! the window (staffing evidence), one rejected, one approved late in the year whose handover the
//! successor has still to confirm, and one awaiting the bureau at the end. Driven by the year's
//! clock in [`crate::demo_activity`], through the real use cases.

use crate::actor::Meta;
use crate::audit::ActorRef;
use crate::demo_activity::actor;
use crate::error::Checks;
use crate::handover::{self, Side};
use crate::personnel::{self, DecisionInput, FilingInput};
use crate::users::{self, UserInput};
use crate::{App, AppResult};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use daiban_domain::clock::CHINA;
use daiban_domain::personnel::{AdjustmentWindow, CONDITIONS, Post};
use daiban_domain::role::Role;
use daiban_domain::unit::UnitKind;
use daiban_store::entity::{unit, user};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use std::collections::BTreeMap;

/// How a planned adjustment goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Plot {
    /// December: inside the year-end window, after years in the post.
    YearEnd,
    /// A work change requires it in spring.
    WorkChange,
    /// In June without a work change: recorded as staffing evidence.
    OutOfWindow,
    /// The successor proposed is not of the required cadre category: rejected.
    Rejected,
    /// Approved late in the year; the successor has not confirmed the handover yet.
    Unconfirmed,
    /// Proposed a few days before the end: awaiting the bureau.
    Pending,
}

/// The adjustments, by days after the start of the year (the last two: days before its end).
const PLOTS: [(Plot, i64, &str); 6] = [
    (
        Plot::YearEnd,
        16,
        "年底集中调整：原代办员轮岗至镇经济发展局",
    ),
    (
        Plot::WorkChange,
        110,
        "原代办员调任镇纪委，工作变动确需调整",
    ),
    (Plot::OutOfWindow, 200, "原代办员本人申请调整岗位"),
    (Plot::Rejected, 260, "原代办员调任镇党政办"),
    (Plot::Unconfirmed, -12, "原代办员借调市重点项目指挥部"),
    (Plot::Pending, -3, "原代办员提任镇农业农村局负责人"),
];

const SUCCESSORS: [&str; 6] = ["陆晓雯", "顾明远", "朱思涵", "吴建国", "孙雨桐", "钱志成"];

/// A step of the personnel story.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PersonnelStep {
    /// Every unit enters its register.
    Register,
    /// The adjustment `PLOTS[i]`.
    Adjust(usize),
    /// One side of a handover confirms.
    Confirm {
        /// Handover id.
        handover: i64,
        /// `true`: the outgoing person; `false`: the successor.
        from: bool,
        /// Who confirms.
        user: i64,
    },
}

/// Who plays the parts, and the people the adjustments replace.
pub(crate) struct Personnel {
    coordinator: Option<i64>,
    leaders: BTreeMap<i64, i64>,
    /// `PLOTS[i]` replaces this agent of this unit.
    outgoing: Vec<(i64, i64)>,
    hash: String,
    end: DateTime<Utc>,
}

fn all_conditions() -> Vec<String> {
    CONDITIONS.iter().map(|c| c.0.to_owned()).collect()
}

impl Personnel {
    /// Loads the cast; picks the agents the adjustments replace (never the demo's own account).
    pub(crate) async fn new(app: &App, hash: &str, end: DateTime<Utc>) -> AppResult<Self> {
        let db = &app.db.conn;
        let staff = user::Entity::find()
            .filter(user::Column::Active.eq(true))
            .order_by_asc(user::Column::Id)
            .all(db)
            .await?;
        let mut leaders = BTreeMap::new();
        let mut coordinator = None;
        let mut agents: BTreeMap<i64, Vec<&user::Model>> = BTreeMap::new();
        for u in &staff {
            match (u.role.as_str(), u.unit_id) {
                ("unit_leader", Some(unit)) => {
                    leaders.entry(unit).or_insert(u.id);
                }
                ("coordinator", _) => {
                    coordinator.get_or_insert(u.id);
                }
                ("agent", Some(unit)) => agents.entry(unit).or_default().push(u),
                _ => {}
            }
        }
        let demo_unit = staff
            .iter()
            .find(|u| u.username == crate::demo::DEMO_ACCOUNTS[1].1)
            .and_then(|u| u.unit_id);
        let candidates: Vec<(i64, i64)> = agents
            .iter()
            .filter(|(unit, list)| Some(**unit) != demo_unit && list.len() >= 2)
            .filter_map(|(unit, list)| list.last().map(|u| (*unit, u.id)))
            .collect();
        let outgoing = (0..PLOTS.len())
            .filter_map(|i| {
                candidates
                    .get((i * 3 + 1) % candidates.len().max(1))
                    .copied()
            })
            .collect();
        Ok(Self {
            coordinator,
            leaders,
            outgoing,
            hash: hash.to_owned(),
            end,
        })
    }

    /// The steps that start the story. The year-end adjustment falls in the first month of the
    /// window after the register, the one outside the window in the first month after day 200
    /// that is not in it, whatever the month the demo is loaded in.
    pub(crate) fn opening(
        &self,
        start: DateTime<Utc>,
        window: AdjustmentWindow,
    ) -> Vec<(DateTime<Utc>, PersonnelStep)> {
        let in_window = |t: DateTime<Utc>| window.contains(t.with_timezone(&CHINA).date_naive());
        let first = |from: DateTime<Utc>, wanted: bool| {
            (0..self.end.signed_duration_since(from).num_days().max(0))
                .map(|d| from + Duration::days(d))
                // Ten days to spare: the step moves on to the next working day.
                .find(|t| in_window(*t) == wanted && in_window(*t + Duration::days(10)) == wanted)
                .unwrap_or(from)
        };
        let mut v = vec![(start + Duration::hours(1), PersonnelStep::Register)];
        for (i, (plot, days, _)) in PLOTS.iter().enumerate() {
            let at = if *days >= 0 {
                start + Duration::days(*days)
            } else {
                self.end + Duration::days(*days)
            };
            let at = match plot {
                Plot::YearEnd => first(at, true),
                Plot::OutOfWindow => first(at, false),
                _ => at,
            };
            v.push((at, PersonnelStep::Adjust(i)));
        }
        v
    }

    /// The appointment date entered for someone already in the post: one to five years before
    /// the year, three years for those the adjustments replace (so only the plotted rules break),
    /// and a year and a half for the one whose adjustment awaits the bureau at the end (so the
    /// bureau always sees a broken rule before deciding, whatever the month).
    fn appointed(&self, user_id: i64, start: NaiveDate) -> NaiveDate {
        let plot = self
            .outgoing
            .iter()
            .position(|(_, u)| *u == user_id)
            .map(|i| PLOTS[i].0);
        let back = match plot {
            Some(Plot::Pending) => 180,
            Some(_) => 1100,
            None => 400 + (user_id * 97) % 1400,
        };
        start - Duration::days(back)
    }

    async fn leader_of(&self, app: &App, unit: i64) -> AppResult<crate::Actor> {
        match self.leaders.get(&unit).or(self.coordinator.as_ref()) {
            Some(id) => actor(app, *id).await,
            None => Err(anyhow::anyhow!("demo: no one to file for unit {unit}").into()),
        }
    }

    async fn coordinator(&self, app: &App) -> AppResult<crate::Actor> {
        match self.coordinator {
            Some(id) => actor(app, id).await,
            None => Err(anyhow::anyhow!("demo: no coordinator").into()),
        }
    }

    /// Takes one step; returns the steps it plans and, when an adjustment took effect, the
    /// (outgoing, successor) pair so the rest of the year acts as the successor.
    pub(crate) async fn handle(
        &mut self,
        app: &App,
        step: PersonnelStep,
        at: DateTime<Utc>,
        meta: &Meta,
    ) -> AppResult<(Vec<(DateTime<Utc>, PersonnelStep)>, Option<(i64, i64)>)> {
        match step {
            PersonnelStep::Register => {
                self.register(app, at, meta).await?;
                Ok((Vec::new(), None))
            }
            PersonnelStep::Adjust(i) => self.adjust(app, i, at, meta).await,
            PersonnelStep::Confirm {
                handover: h,
                from,
                user,
            } => {
                let who = actor(app, user).await?;
                let v = handover::get(&app.db.conn, &who, h).await?;
                handover::confirm(
                    app,
                    &who,
                    h,
                    if from { Side::From } else { Side::To },
                    "",
                    v.version,
                    meta,
                )
                .await?;
                Ok((Vec::new(), None))
            }
        }
    }

    async fn register(&self, app: &App, at: DateTime<Utc>, meta: &Meta) -> AppResult<()> {
        let db = &app.db.conn;
        let start = at.with_timezone(&CHINA).date_naive();
        let coord = self.coordinator(app).await?;
        for u in unit::Entity::find()
            .filter(unit::Column::Active.eq(true))
            .order_by_asc(unit::Column::Id)
            .all(db)
            .await?
        {
            let Some(post) = u.kind.parse::<UnitKind>().ok().and_then(Post::for_unit) else {
                continue;
            };
            let leader = self.leader_of(app, u.id).await?;
            let people = user::Entity::find()
                .filter(user::Column::UnitId.eq(u.id))
                .filter(user::Column::Role.eq(post.code()))
                .filter(user::Column::Active.eq(true))
                .order_by_asc(user::Column::Id)
                .all(db)
                .await?;
            // A department files its one helper; anyone else stays unfiled on the register.
            let take = if post == Post::Helper {
                1
            } else {
                people.len()
            };
            for p in people.into_iter().take(take) {
                let f = personnel::propose(
                    app,
                    &leader,
                    &FilingInput {
                        kind: "selection".into(),
                        unit_id: Some(u.id),
                        candidate_id: p.id,
                        cadre: p.cadre.clone().unwrap_or_else(|| "other".into()),
                        conditions: all_conditions(),
                        appointed_on: Some(self.appointed(p.id, start)),
                        ..FilingInput::default()
                    },
                    meta,
                )
                .await?;
                personnel::decide(
                    app,
                    &coord,
                    f.id,
                    &DecisionInput {
                        approve: true,
                        note: "已核对任职文件，同意备案".into(),
                        version: f.version,
                    },
                    meta,
                )
                .await?;
            }
        }
        Ok(())
    }

    async fn adjust(
        &mut self,
        app: &App,
        i: usize,
        at: DateTime<Utc>,
        meta: &Meta,
    ) -> AppResult<(Vec<(DateTime<Utc>, PersonnelStep)>, Option<(i64, i64)>)> {
        let Some(&(unit_id, outgoing)) = self.outgoing.get(i) else {
            return Ok((Vec::new(), None));
        };
        let (plot, _, reason) = PLOTS[i];
        let u = unit::Entity::find_by_id(unit_id)
            .one(&app.db.conn)
            .await?
            .ok_or_else(|| anyhow::anyhow!("demo unit {unit_id}"))?;
        // The administrator opens the successor's account first.
        let username = format!("{}.agent.new{}", u.code.to_lowercase(), i + 1);
        let cadre = if plot == Plot::Rejected {
            "other"
        } else if i.is_multiple_of(2) {
            "young_reserve"
        } else {
            "station_head"
        };
        let w = app.begin_write().await?;
        let successor = users::insert(
            &w.txn,
            app.now(),
            &ActorRef::system(),
            &UserInput {
                username: username.clone(),
                name: SUCCESSORS[i % SUCCESSORS.len()].into(),
                role: Role::Agent.code().into(),
                unit: u.code.clone(),
                cadre: cadre.into(),
                title: "项目代办员".into(),
                phone: format!("139{:08}", 52_000_000 + i * 1_013),
                ..UserInput::default()
            },
            &username,
            self.hash.clone(),
            Checks::default(),
            meta,
        )
        .await?;
        w.commit().await?;
        let leader = self.leader_of(app, unit_id).await?;
        let f = personnel::propose(
            app,
            &leader,
            &FilingInput {
                kind: "adjustment".into(),
                unit_id: Some(unit_id),
                candidate_id: successor.id,
                cadre: cadre.into(),
                conditions: all_conditions(),
                outgoing_id: Some(outgoing),
                work_change: matches!(plot, Plot::WorkChange | Plot::Unconfirmed),
                reason: reason.into(),
                ..FilingInput::default()
            },
            meta,
        )
        .await?;
        if plot == Plot::Pending {
            return Ok((Vec::new(), None));
        }
        let coord = self.coordinator(app).await?;
        let approve = plot != Plot::Rejected;
        let decided = personnel::decide(
            app,
            &coord,
            f.id,
            &DecisionInput {
                approve,
                note: if approve {
                    String::new()
                } else {
                    "拟任人员非年轻后备干部或基层站所负责人，不符合选配要求，请重新推荐".into()
                },
                version: f.version,
            },
            meta,
        )
        .await?;
        let Some(h) = decided.handover_id else {
            return Ok((Vec::new(), None));
        };
        let mut next = vec![(
            at + Duration::hours(20),
            PersonnelStep::Confirm {
                handover: h,
                from: true,
                user: outgoing,
            },
        )];
        if plot != Plot::Unconfirmed {
            next.push((
                at + Duration::hours(26),
                PersonnelStep::Confirm {
                    handover: h,
                    from: false,
                    user: successor.id,
                },
            ));
        }
        Ok((next, Some((outgoing, successor.id))))
    }
}
