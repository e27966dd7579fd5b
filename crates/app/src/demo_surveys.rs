//! The demo city's democratic appraisal (民主评议): a survey for each quarter of 2026, opened by
//! the bureau near the quarter's end and closed about two weeks later, with some fifty
//! respondents of the four groups (the demo's own agent, helper and enterprise user among them)
//! answering with unit-dependent distributions — most know their own kind of unit, enterprise
//! staff rarely know other towns (不了解). In the second quarter one development zone gets only
//! 不了解 and the bureau records a decision for it; the fourth quarter's survey is still open at
//! the end, some answers in. Driven by the year's clock in [`crate::demo_activity`], through the
//! real use cases.

use crate::actor::Meta;
use crate::demo_activity::actor;
use crate::surveys::{self, AddRespondents, AnswersInput, DecisionInput, OpenInput, PersonInput};
use crate::{App, AppResult};
use chrono::{DateTime, Duration, NaiveTime, Utc};
use daiban_domain::clock::CHINA;
use daiban_domain::evaluation::Quarter;
use daiban_domain::survey::Answer;
use daiban_domain::unit::UnitKind;
use daiban_store::entity::{enterprise, user};
use rand::Rng;
use rand::rngs::StdRng;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use std::collections::BTreeMap;

/// Service-center staff asked without an account.
const CENTER_STAFF: [&str; 6] = ["周丽娟", "陈海峰", "徐静", "蒋文涛", "沈晓燕", "韩磊"];

/// A step of the appraisal story; the index is into the year's quarters (0 = 2026Q1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SurveyStep {
    /// The bureau opens the quarter's survey and issues the links.
    Open(usize),
    /// One respondent answers (or changes their answers).
    Answer(usize, usize),
    /// The bureau closes the survey and resolves a unit without appraisal.
    Close(usize),
}

/// A respondent of the story: their link and what shapes their answers.
struct Respondent {
    token: String,
    /// `agent`, `helper`, `enterprise` or `service_center`.
    group: &'static str,
    /// Their own unit (the enterprise's town for enterprise staff).
    unit: Option<i64>,
}

/// The cast and the links issued.
pub(crate) struct Surveys {
    coordinator: Option<i64>,
    quarters: Vec<Quarter>,
    /// Evaluated units: id, kind, and how well it serves (0–100).
    units: Vec<(i64, UnitKind, u32)>,
    accounts: Vec<(i64, &'static str, Option<i64>)>,
    /// The unit nobody can appraise in the second quarter.
    unknown_unit: Option<i64>,
    links: BTreeMap<usize, Vec<Respondent>>,
    survey_ids: BTreeMap<usize, i64>,
    end: DateTime<Utc>,
}

fn at(day: chrono::NaiveDate, hour: u32, minute: u32) -> DateTime<Utc> {
    day.and_time(NaiveTime::from_hms_opt(hour, minute, 0).unwrap_or(NaiveTime::MIN))
        .and_local_timezone(CHINA)
        .single()
        .map_or_else(Utc::now, |t| t.with_timezone(&Utc))
}

impl Surveys {
    /// Loads the cast: the coordinator, the evaluated units and about fifty accounts.
    pub(crate) async fn new(app: &App, end: DateTime<Utc>) -> AppResult<Self> {
        let db = &app.db.conn;
        let units: Vec<(i64, UnitKind, u32)> = surveys::evaluated_units(db)
            .await?
            .into_iter()
            .filter_map(|u| {
                let k: UnitKind = u.kind.parse().ok()?;
                // A fixed, unit-dependent standing: most good, a few weak.
                let quality = u32::try_from((u.id * 37 + 11) % 100).unwrap_or(50);
                Some((u.id, k, quality))
            })
            .collect();
        let unknown_unit = units
            .iter()
            .rev()
            .find(|u| u.1 == UnitKind::DevZone)
            .or_else(|| units.last())
            .map(|u| u.0);
        let ent_units: BTreeMap<i64, i64> = enterprise::Entity::find()
            .all(db)
            .await?
            .into_iter()
            .map(|e| (e.id, e.unit_id))
            .collect();
        let staff = user::Entity::find()
            .filter(user::Column::Active.eq(true))
            .order_by_asc(user::Column::Id)
            .all(db)
            .await?;
        let demo: Vec<&str> = crate::demo::DEMO_ACCOUNTS.iter().map(|a| a.1).collect();
        let mut coordinator = None;
        let mut accounts = Vec::new();
        let mut per_group: BTreeMap<&str, usize> = BTreeMap::new();
        // The demo's own accounts first, then others of a kind up to the group's quota.
        let mut ordered: Vec<&user::Model> = staff
            .iter()
            .filter(|u| demo.contains(&u.username.as_str()))
            .collect();
        ordered.extend(
            staff
                .iter()
                .filter(|u| !demo.contains(&u.username.as_str())),
        );
        for u in ordered {
            let (group, quota, own): (&'static str, usize, Option<i64>) = match u.role.as_str() {
                "coordinator" => {
                    coordinator.get_or_insert(u.id);
                    continue;
                }
                "agent" => ("agent", 18, u.unit_id),
                "helper" => ("helper", 14, u.unit_id),
                "enterprise" => (
                    "enterprise",
                    14,
                    u.enterprise_id.and_then(|e| ent_units.get(&e).copied()),
                ),
                _ => continue,
            };
            let n = per_group.entry(group).or_default();
            if *n < quota {
                *n += 1;
                accounts.push((u.id, group, own));
            }
        }
        let year = end.with_timezone(&CHINA).date_naive();
        let y = chrono::Datelike::year(&year);
        Ok(Self {
            coordinator,
            quarters: Quarter::of_year(y).to_vec(),
            units,
            accounts,
            unknown_unit,
            links: BTreeMap::new(),
            survey_ids: BTreeMap::new(),
            end,
        })
    }

    /// When each quarter's survey opens: eleven days before the quarter's end.
    pub(crate) fn opening(&self) -> Vec<(DateTime<Utc>, SurveyStep)> {
        self.quarters
            .iter()
            .enumerate()
            .map(|(i, q)| {
                // The quarter still running at the end opens eleven days before it.
                let last = q
                    .last_day()
                    .min(self.end.with_timezone(&CHINA).date_naive());
                let day = last - Duration::days(11);
                (at(day, 9, 30), SurveyStep::Open(i))
            })
            .filter(|(t, _)| *t <= self.end)
            .collect()
    }

    fn answer_for(
        &self,
        q: usize,
        r: &Respondent,
        unit: (i64, UnitKind, u32),
        rng: &mut StdRng,
    ) -> Answer {
        if q == 1 && Some(unit.0) == self.unknown_unit {
            return Answer::Unknown;
        }
        let (id, kind, quality) = unit;
        let town = kind.is_town_unit();
        // Who knows whom: agents work with the departments and their own town; helpers with the
        // towns; enterprise staff with their own town and a few departments; the center's staff
        // with the departments that have a window and the towns that send projects.
        let unknown = match r.group {
            "agent" if town && r.unit != Some(id) => 55,
            "helper" if !town && r.unit != Some(id) => 45,
            "enterprise" if town && r.unit != Some(id) => 80,
            "enterprise" => 40,
            "service_center" => 30,
            _ => 8,
        };
        let roll = rng.random_range(0..100u32);
        if roll < unknown {
            return Answer::Unknown;
        }
        // Better units get more 优秀, weaker ones some 不满意.
        let roll = rng.random_range(0..100u32);
        let excellent = 25 + quality / 2;
        let dissatisfied = if quality < 20 { 18 } else { 3 };
        if roll < excellent {
            Answer::Excellent
        } else if roll < 100 - dissatisfied {
            Answer::Satisfied
        } else {
            Answer::Dissatisfied
        }
    }

    /// Takes one step; returns the steps it schedules.
    pub(crate) async fn handle(
        &mut self,
        app: &App,
        step: SurveyStep,
        now: DateTime<Utc>,
        rng: &mut StdRng,
        meta: &Meta,
    ) -> AppResult<Vec<(DateTime<Utc>, SurveyStep)>> {
        let Some(cid) = self.coordinator else {
            return Ok(Vec::new());
        };
        let coord = actor(app, cid).await?;
        let mut next = Vec::new();
        match step {
            SurveyStep::Open(i) => {
                let q = self.quarters[i];
                let today = now.with_timezone(&CHINA).date_naive();
                let closes_on = today + Duration::days(14);
                let v = surveys::open(
                    app,
                    &coord,
                    &OpenInput {
                        quarter: q.to_string(),
                        title: format!("{}年第{}季度项目代办帮办工作满意度测评", q.year, q.q),
                        opens_on: today,
                        closes_on,
                    },
                    meta,
                )
                .await?;
                self.survey_ids.insert(i, v.id);
                // Accounts closed during the year (an adjustment's outgoing agent) are not asked.
                let active: Vec<i64> = user::Entity::find()
                    .filter(user::Column::Active.eq(true))
                    .filter(user::Column::Id.is_in(self.accounts.iter().map(|a| a.0)))
                    .all(&app.db.conn)
                    .await?
                    .into_iter()
                    .map(|u| u.id)
                    .collect();
                let issued = surveys::add_respondents(
                    app,
                    &coord,
                    v.id,
                    &AddRespondents {
                        user_ids: active,
                        people: CENTER_STAFF
                            .iter()
                            .enumerate()
                            .map(|(n, name)| PersonInput {
                                name: (*name).to_owned(),
                                group: "service_center".into(),
                                phone: format!("0523-8323{:04}", 1200 + n),
                            })
                            .collect(),
                        ..AddRespondents::default()
                    },
                    meta,
                )
                .await?;
                let own: BTreeMap<i64, Option<i64>> =
                    self.accounts.iter().map(|a| (a.0, a.2)).collect();
                let list: Vec<Respondent> = issued
                    .into_iter()
                    .map(|l| Respondent {
                        group: match l.respondent.group.as_str() {
                            "agent" => "agent",
                            "helper" => "helper",
                            "enterprise" => "enterprise",
                            _ => "service_center",
                        },
                        unit: l
                            .respondent
                            .user_id
                            .and_then(|u| own.get(&u).copied().flatten()),
                        token: l.token,
                    })
                    .collect();
                // Most answer within the two weeks; a few never do. A few change their mind.
                for (n, _) in list.iter().enumerate() {
                    if rng.random_bool(0.88) {
                        let t = now + Duration::minutes(rng.random_range(60..13 * 24 * 60));
                        next.push((t, SurveyStep::Answer(i, n)));
                        if rng.random_bool(0.06) {
                            next.push((t + Duration::hours(30), SurveyStep::Answer(i, n)));
                        }
                    }
                }
                self.links.insert(i, list);
                next.push((at(closes_on, 17, 30), SurveyStep::Close(i)));
            }
            SurveyStep::Answer(i, n) => {
                let Some(r) = self.links.get(&i).and_then(|l| l.get(n)) else {
                    return Ok(next);
                };
                let answers = self
                    .units
                    .iter()
                    .map(|u| surveys::UnitAnswer {
                        unit_id: u.0,
                        answer: self.answer_for(i, r, *u, rng).code().to_owned(),
                    })
                    .collect();
                surveys::answer(app, &r.token, &AnswersInput { answers }, meta).await?;
            }
            SurveyStep::Close(i) => {
                let Some(id) = self.survey_ids.get(&i).copied() else {
                    return Ok(next);
                };
                let v = surveys::get(app, &coord, id).await?;
                surveys::close(app, &coord, id, v.version, meta).await?;
                let q = self.quarters[i];
                for u in surveys::unresolved(&app.db.conn, &app.scheme, q).await? {
                    surveys::decide(
                        app,
                        &coord,
                        id,
                        &DecisionInput {
                            unit_id: u,
                            points: "24.00".into(),
                            reason: "本季度测评表中该单位均为“不了解”（园区新设，入驻项目尚少），经局务会研究，按满意等次认定"
                                .into(),
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
