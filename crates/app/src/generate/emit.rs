//! The emitter: walks the planned events in time order and turns each into the rows the use case
//! would have written — the change itself, its timeline event, its notifications and its audit
//! entry, chained onto the audit log with the same hashing as [`crate::audit::append`].

use super::plan::{
    ActData, Alert, CONCLUDE_REASON, DECLINE_REASON, Decision, EXTEND_APPROVER, EXTEND_REASON,
    EvKind, GlobalEv, Item, MANDATE_SCOPE, PKind, Plan, Project, SUSPEND_NOTE, Time, Who, china,
    quarter_label,
};
use super::sink::{Batch, Sink, T, boolean, date, int, int32, oint, oint32, otext, ots, text, ts};
use super::world::World;
use crate::search;
use chrono::{Duration, SecondsFormat};
use daiban_domain::audit::{ChainedEntry, chain_hash};
use daiban_domain::case_item::CaseAction;
use daiban_domain::clock::{SuspensionPolicy, Warning};
use daiban_domain::consultation::search_document;
use daiban_domain::evaluation::{Quarter, Scheme};
use daiban_domain::problem::Level;
use daiban_domain::project::{Investment, ProjectStage};
use sea_orm::{DbBackend, Value};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use tokio::sync::mpsc::Sender;

/// A JSON object written in key order (callers list keys alphabetically, as serde_json's
/// default map sorts them).
struct J(String);

impl J {
    fn new() -> Self {
        Self(String::from("{"))
    }

    fn key(mut self, k: &str) -> Self {
        if self.0.len() > 1 {
            self.0.push(',');
        }
        esc(&mut self.0, k);
        self.0.push(':');
        self
    }

    fn s(self, k: &str, v: &str) -> Self {
        let mut j = self.key(k);
        esc(&mut j.0, v);
        j
    }

    fn n(self, k: &str, v: i64) -> Self {
        let mut j = self.key(k);
        let _ = write!(j.0, "{v}");
        j
    }

    fn on(self, k: &str, v: Option<i64>) -> Self {
        match v {
            Some(v) => self.n(k, v),
            None => self.null(k),
        }
    }

    fn b(self, k: &str, v: bool) -> Self {
        let mut j = self.key(k);
        j.0.push_str(if v { "true" } else { "false" });
        j
    }

    fn null(self, k: &str) -> Self {
        let mut j = self.key(k);
        j.0.push_str("null");
        j
    }

    fn raw(self, k: &str, v: &str) -> Self {
        let mut j = self.key(k);
        j.0.push_str(v);
        j
    }

    fn done(mut self) -> String {
        self.0.push('}');
        self.0
    }
}

/// Appends `s` as a JSON string, escaped as serde_json escapes it.
fn esc(out: &mut String, s: &str) {
    out.push('"');
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A JSON array of strings.
fn str_array<'a>(xs: impl IntoIterator<Item = &'a str>) -> String {
    let mut out = String::from("[");
    for (i, x) in xs.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        esc(&mut out, x);
    }
    out.push(']');
    out
}

/// A time as serde_json writes it (`2026-01-05T09:30:00Z`, `…+08:00`).
fn tj<T: serde::Serialize>(t: &T) -> String {
    serde_json::to_string(t).unwrap_or_else(|_| "null".into())
}

/// A cheap, fixed mix of a number (for minor per-row variation without a generator).
fn mix(x: i64) -> u64 {
    let mut z = u64::from_ne_bytes(x.to_ne_bytes()).wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The actor of an audit entry or a timeline event.
struct Actor<'a> {
    id: Option<i64>,
    username: &'a str,
    name: &'a str,
    role: &'a str,
    unit_id: Option<i64>,
}

const SYSTEM: Actor<'static> = Actor {
    id: None,
    username: "system",
    name: "系统 / system",
    role: "",
    unit_id: None,
};

/// Ids assigned to a project's rows as they are written.
#[derive(Default)]
struct ProjIds {
    id: i64,
    version: i32,
    items: Vec<i64>,
    findings: BTreeMap<(u8, u16, u8), i64>,
    problems: Vec<i64>,
    meetings: Vec<i64>,
    actions: BTreeMap<usize, i64>,
    lost_finding: i64,
}

/// Next ids per table.
struct Ids {
    next: BTreeMap<&'static str, i64>,
}

impl Ids {
    fn take(&mut self, t: T) -> i64 {
        let n = self.next.entry(t.name()).or_insert(1);
        let id = *n;
        *n += 1;
        id
    }
}

/// The emitter's state.
pub(super) struct Emitter<'a> {
    world: &'a World,
    plan: &'a Plan,
    scheme: &'a Scheme,
    end: Time,
    sink: Sink,
    tx: Sender<Batch>,
    ids: Ids,
    ent_ids: Vec<i64>,
    account_ids: Vec<Option<i64>>,
    projects: Vec<ProjIds>,
    survey_ids: Vec<i64>,
    respondent_ids: Vec<Vec<i64>>,
    seq: i64,
    prev_hash: String,
    request_id: String,
}

/// Where the emitter starts: the next id of each table, the audit chain's head.
pub(super) struct Start {
    /// Next id per table name.
    pub next_ids: BTreeMap<&'static str, i64>,
    /// The chain's last sequence number.
    pub seq: i64,
    /// The chain's last hash.
    pub last_hash: String,
}

impl<'a> Emitter<'a> {
    /// An emitter writing into `sink`, sending full batches to `tx`.
    #[expect(
        clippy::too_many_arguments,
        reason = "everything the emitter reads, once"
    )]
    pub(super) fn new(
        world: &'a World,
        plan: &'a Plan,
        scheme: &'a Scheme,
        end: Time,
        sink: Sink,
        tx: Sender<Batch>,
        start: Start,
        seed: u64,
    ) -> Self {
        let ent_ids = plan.ents.iter().map(|e| e.city_id.unwrap_or(0)).collect();
        Self {
            world,
            plan,
            scheme,
            end,
            sink,
            tx,
            ids: Ids {
                next: start.next_ids,
            },
            ent_ids,
            account_ids: vec![None; plan.ents.len()],
            projects: (0..plan.projects.len())
                .map(|_| ProjIds::default())
                .collect(),
            survey_ids: vec![0; plan.surveys.len()],
            respondent_ids: vec![Vec::new(); plan.surveys.len()],
            seq: start.seq,
            prev_hash: start.last_hash,
            request_id: format!("generate-{seed}"),
        }
    }

    /// Rows buffered per table so far.
    pub(super) fn totals(&self) -> Vec<(T, u64)> {
        T::ALL
            .iter()
            .map(|t| (*t, self.sink.totals[*t as usize]))
            .collect()
    }

    /// The next id of each table after the run.
    pub(super) fn next_ids(&self) -> &BTreeMap<&'static str, i64> {
        &self.ids.next
    }

    /// Sends what is buffered as a batch.
    ///
    /// # Errors
    /// The writer stopped (its error is reported by the caller).
    pub(super) fn flush(&mut self) -> anyhow::Result<()> {
        let batch = self.sink.take()?;
        if batch.statements.is_empty() {
            return Ok(());
        }
        self.tx
            .blocking_send(batch)
            .map_err(|_| anyhow::anyhow!("the database writer stopped"))
    }

    fn maybe_flush(&mut self) -> anyhow::Result<()> {
        if self.sink.full() {
            self.flush()?;
        }
        Ok(())
    }

    fn person(&self, who: Who) -> Actor<'a> {
        match who {
            Who::P(i) => {
                let p = &self.world.people[i];
                Actor {
                    id: Some(p.id),
                    username: &p.username,
                    name: &p.name,
                    role: p.role,
                    unit_id: p.unit_id,
                }
            }
            Who::Account(e) => {
                let a = self.plan.ents[e].account.as_ref();
                Actor {
                    id: self.account_ids[e],
                    username: a.map_or("", |a| a.username.as_str()),
                    name: a.map_or("", |a| a.name.as_str()),
                    role: "enterprise",
                    unit_id: None,
                }
            }
        }
    }

    fn uid(&self, i: usize) -> i64 {
        self.world.people[i].id
    }

    #[expect(clippy::too_many_arguments, reason = "one audit entry, field by field")]
    fn audit(
        &mut self,
        at: Time,
        actor: &Actor<'_>,
        action: &str,
        object_type: &str,
        object_id: &str,
        before: &str,
        after: &str,
    ) {
        self.seq += 1;
        let entered_at = at.to_rfc3339_opts(SecondsFormat::Micros, true);
        let hash = chain_hash(
            &self.prev_hash,
            &ChainedEntry {
                seq: self.seq,
                entered_at: &entered_at,
                actor_id: actor.id,
                actor_name: actor.username,
                actor_role: actor.role,
                actor_unit_id: actor.unit_id,
                action,
                object_type,
                object_id,
                before,
                after,
                request_id: &self.request_id,
                client_addr: "local",
            },
        );
        let prev = std::mem::replace(&mut self.prev_hash, hash.clone());
        self.sink.row(
            T::AuditLog,
            [
                int(self.seq),
                text(entered_at),
                oint(actor.id),
                text(actor.username),
                text(actor.role),
                oint(actor.unit_id),
                text(action),
                text(object_type),
                text(object_id),
                text(before),
                text(after),
                text(self.request_id.clone()),
                text("local"),
                text(prev),
                text(hash.clone()),
            ],
        );
        self.sink.audit_head = Some((self.seq, hash));
    }

    #[expect(
        clippy::too_many_arguments,
        reason = "one timeline row, column by column"
    )]
    fn event(
        &mut self,
        project_id: i64,
        case_item_id: Option<i64>,
        kind: &str,
        from: Option<&str>,
        to: Option<&str>,
        actor: &Actor<'_>,
        at: Time,
        note: &str,
        materials: &str,
        data: &str,
    ) -> i64 {
        let id = self.ids.take(T::ProjectEvents);
        self.sink.row(
            T::ProjectEvents,
            [
                int(id),
                int(project_id),
                oint(case_item_id),
                text(kind),
                otext(from.map(str::to_owned)),
                otext(to.map(str::to_owned)),
                oint(actor.id),
                text(actor.name),
                text(actor.role),
                ts(at),
                ts(at),
                boolean(false),
                text(""),
                text(note),
                text(materials),
                text(data),
            ],
        );
        id
    }

    #[expect(
        clippy::too_many_arguments,
        reason = "one outbox row, column by column"
    )]
    fn notify(
        &mut self,
        user: Option<i64>,
        enterprise: Option<i64>,
        project: Option<i64>,
        case_item: Option<i64>,
        kind: &str,
        title: (&str, &str),
        body: (&str, &str),
        at: Time,
    ) {
        let id = self.ids.take(T::Notifications);
        let h = mix(id);
        // Handed to delivery by the dispatcher within a minute; most read within days.
        let delivered = at + Duration::seconds(5 + i64::try_from(h % 55).unwrap_or(0));
        let read = (at < self.end - Duration::days(7) && h % 10 < 7)
            .then(|| at + Duration::seconds(60 + i64::try_from((h >> 8) % 259_200).unwrap_or(0)));
        self.sink.row(
            T::Notifications,
            [
                int(id),
                oint(user),
                oint(enterprise),
                oint(project),
                oint(case_item),
                text(kind),
                text(title.0),
                text(title.1),
                text(body.0),
                text(body.1),
                ts(at),
                ots(read),
                ts(delivered),
            ],
        );
    }

    /// Indexes a row for search, as the application does (`search::index_entry`): on SQLite
    /// keyed and with its bigrams.
    fn search(&mut self, e: &search::Entry<'_>) -> anyhow::Result<()> {
        if self.sink.backend() == DbBackend::Sqlite {
            for (sql, values) in e.sqlite_inserts()? {
                self.sink.update(sql, values);
            }
        } else {
            self.sink.row(
                T::SearchIndex,
                [
                    text(e.kind),
                    int(e.ref_id),
                    text(e.audience.code()),
                    text(e.title),
                    text(e.body),
                    text(search_document(e.title, e.body)),
                ],
            );
        }
        Ok(())
    }

    #[expect(clippy::too_many_arguments, reason = "one finding row")]
    fn finding(
        &mut self,
        unit_id: i64,
        rule: &str,
        occurred_on: chrono::NaiveDate,
        evidence_kind: &str,
        evidence_id: i64,
        label: &str,
        project_id: i64,
        note: &str,
        recorded_by: Option<i64>,
        at: Time,
        decision: Option<Decision>,
    ) -> anyhow::Result<i64> {
        let (category, r) = self
            .scheme
            .rule(rule)
            .ok_or_else(|| anyhow::anyhow!("the evaluation scheme has no rule {rule}"))?;
        let id = self.ids.take(T::Findings);
        let decided_by = decision.map(|d| self.uid(d.by));
        let state = match decision {
            Some(d) if d.confirm => "confirmed",
            Some(_) => "dismissed",
            None => "proposed",
        };
        let label: String = label.chars().take(200).collect();
        self.sink.row(
            T::Findings,
            [
                int(id),
                int(unit_id),
                text(Quarter::of(occurred_on).to_string()),
                text(category.code()),
                text(r.code.clone()),
                int(r.points.0),
                date(occurred_on),
                text("detected"),
                text(state),
                text(evidence_kind),
                oint(Some(evidence_id)),
                text(label),
                oint(Some(project_id)),
                otext(Some(if rule == "project_lost" {
                    format!("project_lost:{project_id}")
                } else {
                    format!("{evidence_kind}:{evidence_id}")
                })),
                text(note),
                oint(recorded_by),
                ts(at),
                oint(decided_by),
                ots(decision.map(|d| d.at)),
                text(dismiss_reason(decision)),
                int32(if decision.is_some() { 2 } else { 1 }),
                ts(decision.map_or(at, |d| d.at)),
            ],
        );
        Ok(id)
    }

    fn decide(&mut self, finding_id: i64, d: Decision) {
        let who = self.person(Who::P(d.by));
        let after = J::new()
            .s("reason", dismiss_reason(Some(d)))
            .s("state", if d.confirm { "confirmed" } else { "dismissed" })
            .done();
        self.audit(
            d.at,
            &who,
            "finding.decide",
            "finding",
            &finding_id.to_string(),
            r#"{"state":"proposed"}"#,
            &after,
        );
    }

    /// Emits global event `k`.
    ///
    /// # Errors
    /// The writer stopped.
    pub(super) fn global(&mut self, k: usize) -> anyhow::Result<()> {
        match self.plan.global[k].1 {
            GlobalEv::Enterprise(e) => self.enterprise(e)?,
            GlobalEv::SurveyOpen(s) => self.survey_open(s),
            GlobalEv::SurveyAnswer(s, r) => self.survey_answer(s, r),
            GlobalEv::SurveyClose(s) => self.survey_close(s),
        }
        self.maybe_flush()
    }

    fn enterprise(&mut self, e: usize) -> anyhow::Result<()> {
        let ent = &self.plan.ents[e];
        let at = ent.created_at;
        let id = self.ids.take(T::Enterprises);
        self.ent_ids[e] = id;
        let unit_id = self.world.towns[ent.town].id;
        self.sink.row(
            T::Enterprises,
            [
                int(id),
                text(ent.uscc.clone()),
                otext(None),
                text(ent.name.clone()),
                int(unit_id),
                text(ent.legal_rep.clone()),
                text(ent.contact.clone()),
                text(ent.phone.clone()),
                text(ent.address.clone()),
                text(ent.industry),
                boolean(true),
                int32(1),
                ts(at),
                ts(at),
            ],
        );
        let body = format!("{} · {} · {}", ent.uscc, ent.industry, ent.address);
        self.search(&search::Entry {
            kind: "enterprise",
            ref_id: id,
            title: &ent.name,
            codes: &[&ent.uscc],
            body: &body,
            audience: search::Audience::Scoped,
        })?;
        let view = J::new()
            .s("address", &ent.address)
            .s("contact", &ent.contact)
            .n("id", id)
            .s("industry", ent.industry)
            .s("legal_rep", &ent.legal_rep)
            .s("name", &ent.name)
            .s("phone", &ent.phone)
            .n("unit_id", unit_id)
            .s("uscc", &ent.uscc)
            .null("uscc_override_reason")
            .done();
        let creator = self.person(Who::P(ent.creator));
        self.audit(
            at,
            &creator,
            "enterprise.create",
            "enterprise",
            &id.to_string(),
            "",
            &view,
        );
        if let Some(a) = &ent.account {
            let uid = self.ids.take(T::Users);
            self.account_ids[e] = Some(uid);
            self.sink.row(
                T::Users,
                [
                    int(uid),
                    text(a.username.clone()),
                    text(a.name.clone()),
                    text("enterprise"),
                    oint(None),
                    oint(Some(id)),
                    otext(None),
                    text(""),
                    text(a.phone.clone()),
                    text(""),
                    text(self.world.password_hash.clone()),
                    int32(0),
                    ots(None),
                    text("zh-CN"),
                    boolean(true),
                    ots(None),
                    int32(1),
                    ts(at),
                    ts(at),
                ],
            );
            let view = J::new()
                .b("active", true)
                .null("cadre")
                .s("email", "")
                .n("enterprise_id", id)
                .n("id", uid)
                .s("locale", "zh-CN")
                .null("locked_until")
                .s("name", &a.name)
                .s("phone", &a.phone)
                .s("role", "enterprise")
                .s("title", "")
                .null("unit_id")
                .s("username", &a.username)
                .n("version", 1)
                .done();
            let admin = self.world.admin.map_or(SYSTEM, |i| self.person(Who::P(i)));
            self.audit(
                at,
                &admin,
                "user.create",
                "user",
                &uid.to_string(),
                "",
                &view,
            );
        }
        Ok(())
    }

    fn survey_open(&mut self, s: usize) {
        let sv = &self.plan.surveys[s];
        let id = self.ids.take(T::Surveys);
        self.survey_ids[s] = id;
        let title = quarter_label(sv.quarter);
        let unit_ids = format!(
            "[{}]",
            self.world
                .appraised
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(",")
        );
        let by = self.uid(sv.by);
        self.sink.row(
            T::Surveys,
            [
                int(id),
                text(sv.quarter.to_string()),
                text(title.clone()),
                date(sv.opens_on),
                date(sv.closes_on),
                text(if sv.closed_at.is_some() {
                    "closed"
                } else {
                    "open"
                }),
                text(unit_ids.clone()),
                int(by),
                ts(sv.created_at),
                oint(sv.closed_at.map(|_| by)),
                ots(sv.closed_at),
                int32(if sv.closed_at.is_some() { 2 } else { 1 }),
                ts(sv.closed_at.unwrap_or(sv.created_at)),
            ],
        );
        let coordinator = self.person(Who::P(sv.by));
        let after = J::new()
            .s("closes_on", &sv.closes_on.to_string())
            .s("opens_on", &sv.opens_on.to_string())
            .s("quarter", &sv.quarter.to_string())
            .s("title", &title)
            .raw("unit_ids", &unit_ids)
            .done();
        self.audit(
            sv.created_at,
            &coordinator,
            "survey.open",
            "survey",
            &id.to_string(),
            "",
            &after,
        );
        let mut listed = String::from("[");
        let mut rids = Vec::with_capacity(sv.respondents.len());
        for (k, r) in sv.respondents.iter().enumerate() {
            let rid = self.ids.take(T::SurveyRespondents);
            rids.push(rid);
            let who = self.person(r.who);
            let phone = match r.who {
                Who::P(i) => self.world.people[i].phone.clone(),
                Who::Account(e) => self.plan.ents[e]
                    .account
                    .as_ref()
                    .map(|a| a.phone.clone())
                    .unwrap_or_default(),
            };
            let token_hash = {
                use sha2::Digest;
                hex::encode(sha2::Sha256::digest(r.token.as_bytes()))
            };
            self.sink.row(
                T::SurveyRespondents,
                [
                    int(rid),
                    int(id),
                    text(r.grp),
                    oint(who.id),
                    text(who.name),
                    text(phone),
                    text(token_hash),
                    int(by),
                    ts(sv.created_at),
                    ots(r.answered_at),
                ],
            );
            if k > 0 {
                listed.push(',');
            }
            listed.push_str(
                &J::new()
                    .s("group", r.grp)
                    .n("id", rid)
                    .on("user_id", who.id)
                    .done(),
            );
            let body_zh = format!(
                "请于 {} 前通过您的专属链接评议各单位：/survey/{}（链接仅供本人使用，请勿转发）",
                sv.closes_on, r.token
            );
            let body_en = format!(
                "Please rate each unit by {} through your personal link: /survey/{} (for you only; do not forward it)",
                sv.closes_on, r.token
            );
            self.notify(
                who.id,
                None,
                None,
                None,
                "survey.invite",
                (
                    &format!("请参加民主评议：{title}"),
                    &format!("Please take part in the appraisal: {title}"),
                ),
                (&body_zh, &body_en),
                sv.created_at,
            );
        }
        listed.push(']');
        self.respondent_ids[s] = rids;
        let after = J::new().raw("respondents", &listed).done();
        self.audit(
            sv.created_at,
            &coordinator,
            "survey.respondents_add",
            "survey",
            &id.to_string(),
            "",
            &after,
        );
    }

    fn survey_answer(&mut self, s: usize, r: usize) {
        let sv = &self.plan.surveys[s];
        let resp = &sv.respondents[r];
        let Some(at) = resp.answered_at else { return };
        let sid = self.survey_ids[s];
        let rid = self.respondent_ids[s][r];
        let mut x = resp.answers;
        let units = &self.world.appraised;
        for u in units {
            x = mix(i64::from_ne_bytes(x.to_ne_bytes()) ^ *u);
            let answer = match x % 100 {
                0..45 => "excellent",
                45..85 => "satisfied",
                85..88 => "dissatisfied",
                _ => "unknown",
            };
            let id = self.ids.take(T::SurveyAnswers);
            self.sink.row(
                T::SurveyAnswers,
                [int(id), int(sid), int(rid), int(*u), text(answer), ts(at)],
            );
        }
        let name = format!("survey respondent #{rid}");
        let actor = Actor {
            id: None,
            username: &name,
            name: &name,
            role: "survey_respondent",
            unit_id: None,
        };
        let after = J::new()
            .n("answers", i64::try_from(units.len()).unwrap_or(0))
            .n("survey_id", sid)
            .done();
        self.audit(
            at,
            &actor,
            "survey.answer",
            "survey_respondent",
            &rid.to_string(),
            "",
            &after,
        );
    }

    fn survey_close(&mut self, s: usize) {
        let sv = &self.plan.surveys[s];
        let Some(at) = sv.closed_at else { return };
        let who = self.person(Who::P(sv.by));
        let id = self.survey_ids[s].to_string();
        self.audit(
            at,
            &who,
            "survey.close",
            "survey",
            &id,
            r#"{"state":"open"}"#,
            r#"{"state":"closed"}"#,
        );
    }

    /// Emits event `k` of project `p`.
    ///
    /// # Errors
    /// A finding rule missing from the scheme; the writer stopped.
    pub(super) fn project(&mut self, p: usize, k: usize) -> anyhow::Result<()> {
        let pr = &self.plan.projects[p];
        let ev = pr.events[k];
        match ev.kind {
            EvKind::Register => self.register(p)?,
            EvKind::Decline => self.decline(p, ev.at),
            EvKind::Sign => self.sign(p, ev.at),
            EvKind::AssignHelper => self.assign_helper(p, ev.at),
            EvKind::Stage(s) => self.stage(p, usize::from(s), ev.at),
            EvKind::Request(i) => self.request(p, usize::from(i)),
            EvKind::Act(i, j) => self.act(p, usize::from(i), usize::from(j))?,
            EvKind::Alert(i, j) => self.alert(p, usize::from(i), usize::from(j))?,
            EvKind::DecideAlert(i, j) => {
                let item = &pr.items[usize::from(i)];
                let a = &item.alerts[usize::from(j)];
                if let (Some(d), Some(f)) = (a.decision, self.projects[p].findings.get(&(0, i, j)))
                {
                    self.decide(*f, d);
                }
            }
            EvKind::DecideNotice(i, j) => {
                let n = &pr.items[usize::from(i)].notices[usize::from(j)];
                if let (Some(d), Some(f)) = (n.decision, self.projects[p].findings.get(&(1, i, j)))
                {
                    self.decide(*f, d);
                }
            }
            EvKind::DecideOverdue(i, j) => {
                let st = &pr.problems[usize::from(i)].steps[usize::from(j)];
                if let (Some(d), Some(f)) = (st.decision, self.projects[p].findings.get(&(2, i, j)))
                {
                    self.decide(*f, d);
                }
            }
            EvKind::DecideLost => {
                if let Some(d) = pr.mandate.as_ref().and_then(|m| m.lost_decision) {
                    let f = self.projects[p].lost_finding;
                    self.decide(f, d);
                }
            }
            EvKind::Conclude | EvKind::Terminate => self.close_mandate(p, ev.at)?,
            EvKind::Problem(i, j) => self.problem(p, usize::from(i), usize::from(j))?,
        }
        self.maybe_flush()
    }

    fn enterprise_id(&self, pr: &Project) -> i64 {
        self.ent_ids[pr.ent]
    }

    fn register(&mut self, p: usize) -> anyhow::Result<()> {
        let pr = &self.plan.projects[p];
        let id = self.ids.take(T::Projects);
        let town = &self.world.towns[pr.town];
        let ent = self.enterprise_id(pr);
        {
            let ids = &mut self.projects[p];
            ids.id = id;
            ids.version = 1;
        }
        let requester = self.person(pr.requester);
        let created_by = requester.id;
        self.sink.row(
            T::Projects,
            [
                int(id),
                otext(pr.code.clone()),
                text(pr.name.clone()),
                int(ent),
                int(town.id),
                int(pr.investment_yuan),
                text(pr.industry),
                text(pr.kind),
                text(pr.standing),
                boolean(false),
                boolean(pr.major),
                oint(pr.bureau_helper.map(|h| self.uid(h))),
                text(ProjectStage::ALL[pr.stage].code()),
                text(pr.status),
                text(pr.description.clone()),
                otext(pr.decline_reason.map(str::to_owned)),
                oint(created_by),
                int32(pr.version),
                ts(pr.created_at),
                ts(pr.updated_at),
            ],
        );
        let body = [
            pr.code.clone().unwrap_or_default(),
            pr.industry.to_owned(),
            pr.description.clone(),
        ]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" · ");
        self.search(&search::Entry {
            kind: "project",
            ref_id: id,
            title: &pr.name,
            codes: &[pr.code.as_deref().unwrap_or_default()],
            body: &body,
            audience: search::Audience::Scoped,
        })?;
        self.event(
            id,
            None,
            "project.register",
            None,
            Some("requested"),
            &requester,
            pr.created_at,
            "",
            "[]",
            "{}",
        );
        let ent_name = &self.plan.ents[pr.ent].name;
        let view = J::new()
            .null("bureau_helper_id")
            .s("bureau_helper_name", "")
            .raw(
                "code",
                &pr.code.as_deref().map_or_else(
                    || "null".to_owned(),
                    |c| {
                        let mut s = String::new();
                        esc(&mut s, c);
                        s
                    },
                ),
            )
            .raw("created_at", &tj(&pr.created_at))
            .null("decline_reason")
            .s("description", &pr.description)
            .n("enterprise_id", ent)
            .s("enterprise_name", ent_name)
            .n("id", id)
            .s("industry", pr.industry)
            .s(
                "investment_wan",
                &Investment::from_yuan(pr.investment_yuan).to_string(),
            )
            .s("kind", pr.kind)
            .b("major", pr.major)
            .b("major_urban", false)
            .s("name", &pr.name)
            .s("policy_standing", pr.standing)
            .s("stage", "registration")
            .s("status", "requested")
            .n("unit_id", town.id)
            .s("unit_name", &town.name)
            .n("version", 1)
            .done();
        self.audit(
            pr.created_at,
            &requester,
            "project.create",
            "project",
            &id.to_string(),
            "",
            &view,
        );
        Ok(())
    }

    /// The timeline event, the enterprise's notice and the audit entry of a project change.
    #[expect(clippy::too_many_arguments, reason = "one record of one change")]
    fn project_change(
        &mut self,
        p: usize,
        at: Time,
        who: Who,
        action: &str,
        from: &str,
        to: &str,
        note: &str,
        title: (&str, &str),
        body: (&str, &str),
    ) {
        let pr = &self.plan.projects[p];
        let (id, version) = {
            let ids = &mut self.projects[p];
            ids.version += 1;
            (ids.id, ids.version)
        };
        let ent = self.enterprise_id(pr);
        let actor = self.person(who);
        self.event(
            id,
            None,
            action,
            Some(from),
            Some(to),
            &actor,
            at,
            note,
            "[]",
            "{}",
        );
        self.notify(None, Some(ent), Some(id), None, "progress", title, body, at);
        let before = J::new()
            .s("status", from)
            .n("version", i64::from(version - 1))
            .done();
        let after = J::new()
            .s("note", note)
            .s("status", to)
            .n("version", i64::from(version))
            .done();
        self.audit(
            at,
            &actor,
            action,
            "project",
            &id.to_string(),
            &before,
            &after,
        );
    }

    fn decline(&mut self, p: usize, at: Time) {
        let pr = &self.plan.projects[p];
        let body = (
            format!(
                "您的项目“{}”不属于无偿代办范围。说明：{DECLINE_REASON}",
                pr.name
            ),
            format!(
                "Your project \"{}\" is outside the free agency service. Explanation: {DECLINE_REASON}",
                pr.name
            ),
        );
        self.project_change(
            p,
            at,
            Who::P(pr.agent),
            "project.decline",
            "requested",
            "declined",
            DECLINE_REASON,
            ("项目不予代办", "Project declined"),
            (&body.0, &body.1),
        );
    }

    fn sign(&mut self, p: usize, at: Time) {
        let pr = &self.plan.projects[p];
        let Some(m) = &pr.mandate else { return };
        let id = self.projects[p].id;
        let mid = self.ids.take(T::Mandates);
        let signer = self.person(m.signer);
        let agents = format!(
            "[{}]",
            self.world.towns[pr.town]
                .agents
                .iter()
                .map(|a| self.uid(*a).to_string())
                .collect::<Vec<_>>()
                .join(",")
        );
        self.sink.row(
            T::Mandates,
            [
                int(mid),
                int(id),
                text(m.state),
                text(MANDATE_SCOPE),
                text(agents),
                oint(signer.id),
                ts(m.signed_at),
                text(m.last_reason.clone()),
                ots(m.closed_at),
                int32(m.version),
                ts(m.closed_at.unwrap_or(m.signed_at)),
                otext(m.cause.map(|c| c.code().to_owned())),
                oint(m.fault.map(|f| self.uid(f))),
            ],
        );
        let body = (
            format!("项目“{}”的委托代办已签订，代办员将全程无偿代办。", pr.name),
            format!(
                "The mandate for \"{}\" is signed; the agents will carry the approvals free of charge.",
                pr.name
            ),
        );
        self.project_change(
            p,
            at,
            m.signer,
            "mandate.sign",
            "requested",
            "active",
            MANDATE_SCOPE,
            ("委托代办已生效", "Mandate in effect"),
            (&body.0, &body.1),
        );
    }

    fn assign_helper(&mut self, p: usize, at: Time) {
        let pr = &self.plan.projects[p];
        let Some(h) = pr.bureau_helper else { return };
        let (id, version) = {
            let ids = &mut self.projects[p];
            ids.version += 1;
            (ids.id, ids.version)
        };
        let _ = version;
        let coordinator = self.person(Who::P(pr.assigner));
        let helper = self.world.people[h].clone();
        self.event(
            id,
            None,
            "project.bureau_helper",
            None,
            None,
            &coordinator,
            at,
            &helper.name,
            "[]",
            "{}",
        );
        self.notify(
            Some(helper.id),
            None,
            Some(id),
            None,
            "assignment",
            ("重大项目帮办", "Major project assigned"),
            (
                &format!("您已被指派帮办重大项目“{}”。", pr.name),
                &format!("You take on the major project \"{}\".", pr.name),
            ),
            at,
        );
        self.audit(
            at,
            &coordinator,
            "project.assign_bureau_helper",
            "project",
            &id.to_string(),
            r#"{"bureau_helper_id":null}"#,
            &J::new().n("bureau_helper_id", helper.id).done(),
        );
    }

    fn stage(&mut self, p: usize, s: usize, at: Time) {
        let pr = &self.plan.projects[p];
        let id = {
            let ids = &mut self.projects[p];
            ids.version += 1;
            ids.id
        };
        let from = ProjectStage::ALL[s - 1];
        let to = ProjectStage::ALL[s];
        let agent = self.person(Who::P(pr.agent));
        let ent = self.enterprise_id(pr);
        self.event(
            id,
            None,
            "project.stage",
            Some(from.code()),
            Some(to.code()),
            &agent,
            at,
            "",
            "[]",
            "{}",
        );
        self.notify(
            None,
            Some(ent),
            Some(id),
            None,
            "progress",
            ("项目阶段更新", "Project stage updated"),
            (
                &format!("项目“{}”进入“{}”阶段。", pr.name, to.label_zh()),
                &format!(
                    "Project \"{}\" entered the stage: {}.",
                    pr.name,
                    to.label_en()
                ),
            ),
            at,
        );
        self.audit(
            at,
            &agent,
            "project.stage",
            "project",
            &id.to_string(),
            &J::new().s("stage", from.code()).done(),
            &J::new().s("stage", to.code()).done(),
        );
    }

    #[expect(clippy::too_many_lines, reason = "the case item row and its materials")]
    fn request(&mut self, p: usize, i: usize) {
        let pr = &self.plan.projects[p];
        let item = &pr.items[i];
        let c = &self.world.catalog[item.cat];
        let id = self.ids.take(T::CaseItems);
        let pid = self.projects[p].id;
        self.projects[p].items.push(id);
        let town = &self.world.towns[pr.town];
        let agent = &self.world.people[pr.agent];
        let accepted = item.accepted_at.is_some();
        self.sink.row(
            T::CaseItems,
            [
                int(id),
                int(pid),
                int(c.view.id),
                text(c.view.code.clone()),
                text(c.view.name.clone()),
                int(c.view.department_id),
                int(town.id),
                text(c.view.item_type.clone()),
                int32(c.limit),
                oint32(c.view.report_up_limit_days),
                int32(c.view.warning_threshold_days),
                text(item.state.code()),
                oint(accepted.then_some(agent.id)),
                oint(accepted.then_some(agent.id)),
                oint(item.review_started_at.map(|_| self.uid(item.helper))),
                ts(item.requested_at),
                ots(item.accepted_at),
                ots(item.materials_complete_at),
                ots(item.submit_due_at),
                ots(item.submitted_at),
                ots(item.review_started_at),
                ots(item.due_at),
                boolean(item.due_provisional),
                ots(item.reported_up_at),
                ots(item.concluded_at),
                text(item.outcome_note),
                text(item.warning.code()),
                int32(item.version()),
                ts(item.updated_at()),
            ],
        );
        let mut co = c.view.co_departments.clone();
        co.sort_unstable();
        for d in co {
            self.sink.row(T::CaseItemDepartments, [int(id), int(d)]);
        }
        let submitted = item.submitted_at;
        let complete = item.materials_complete_at;
        for m in &c.view.materials {
            let mid = self.ids.take(T::Materials);
            let (state, user, unit, holder, version, updated): (
                &str,
                Option<i64>,
                Option<i64>,
                &str,
                i32,
                Time,
            ) = match (complete, submitted) {
                (_, Some(s)) => (
                    "transferred",
                    None,
                    Some(c.view.department_id),
                    &c.dept_name,
                    3,
                    s,
                ),
                (Some(t), None) => ("held", Some(agent.id), agent.unit_id, &agent.name, 2, t),
                _ => ("not_received", None, None, "", 1, item.requested_at),
            };
            self.sink.row(
                T::Materials,
                [
                    int(mid),
                    int(id),
                    int(pid),
                    text(m.code.clone()),
                    text(m.name.clone()),
                    text(state),
                    oint(user),
                    oint(unit),
                    text(holder),
                    text(""),
                    int32(version),
                    ts(updated),
                ],
            );
        }
        let requester = self.person(pr.requester);
        self.event(
            pid,
            Some(id),
            "case.request",
            None,
            Some("requested"),
            &requester,
            item.requested_at,
            "",
            "[]",
            "{}",
        );
        let view = J::new()
            .null("accepted_at")
            .s("agent_name", "")
            .n("catalog_item_id", c.view.id)
            .raw(
                "co_department_names",
                &str_array(c.co_names.iter().map(String::as_str)),
            )
            .null("concluded_at")
            .n("department_id", c.view.department_id)
            .s("department_name", &c.dept_name)
            .null("due_at")
            .b("due_provisional", false)
            .s("first_contact_name", "")
            .s("helper_name", "")
            .n("id", id)
            .s("item_code", &c.view.code)
            .s("item_name", &c.view.name)
            .s("item_type", &c.view.item_type)
            .n("limit_days", i64::from(c.limit))
            .null("materials_complete_at")
            .s("outcome_note", "")
            .n("project_id", pid)
            .s("project_name", &pr.name)
            .null("reported_up_at")
            .raw("requested_at", &tj(&item.requested_at))
            .null("review_started_at")
            .s("state", "requested")
            .null("submit_due_at")
            .null("submitted_at")
            .n("unit_id", town.id)
            .n("version", 1)
            .s("warning", "none")
            .done();
        self.audit(
            item.requested_at,
            &requester,
            "case.request",
            "case_item",
            &id.to_string(),
            "",
            &view,
        );
    }

    #[expect(clippy::too_many_lines, reason = "one arm per kind of transition")]
    fn act(&mut self, p: usize, i: usize, j: usize) -> anyhow::Result<()> {
        let pr = &self.plan.projects[p];
        let item = &pr.items[i];
        let a = item.acts[j];
        let c = &self.world.catalog[item.cat];
        let id = self.projects[p].items[i];
        let pid = self.projects[p].id;
        let helper_side = matches!(
            a.action,
            CaseAction::HelperAccept
                | CaseAction::Suspend
                | CaseAction::Resume
                | CaseAction::Extend
                | CaseAction::ReportUp
                | CaseAction::Approve
                | CaseAction::Reject
        );
        let who = if helper_side {
            Who::P(item.helper)
        } else {
            Who::P(pr.agent)
        };
        let actor = self.person(who);
        let mut materials = "[]".to_owned();
        let mut note = "";
        let data = match a.data {
            ActData::None => "{}".to_owned(),
            ActData::Notice(n) => {
                let nt = &item.notices[usize::from(n)];
                let nid = self.ids.take(T::OneTimeNotices);
                let mats = &c.view.materials;
                let code = |k: &u8| mats[usize::from(*k)].code.as_str();
                let mut demands = String::from("[");
                for (x, k) in nt.codes.iter().enumerate() {
                    if x > 0 {
                        demands.push(',');
                    }
                    let m = &mats[usize::from(*k)];
                    let mut d = String::from("{\"code\":");
                    esc(&mut d, &m.code);
                    d.push_str(",\"name\":");
                    esc(&mut d, &m.name);
                    d.push_str(",\"problem\":\"missing\",\"note\":\"\"}");
                    demands.push_str(&d);
                }
                demands.push(']');
                let breach = str_array(nt.breach.iter().map(code));
                materials = str_array(nt.codes.iter().map(code));
                self.sink.row(
                    T::OneTimeNotices,
                    [
                        int(nid),
                        int(id),
                        int32(i32::from(n) + 1),
                        text(demands),
                        text(breach.clone()),
                        oint(actor.id),
                        text(actor.name),
                        ts(a.at),
                    ],
                );
                if !nt.breach.is_empty() {
                    let label = format!("{} {} · 第{}次告知", c.view.code, c.view.name, n + 1);
                    let unit = actor.unit_id.unwrap_or(self.world.towns[pr.town].id);
                    let f = self.finding(
                        unit,
                        "no_first_contact_or_notice",
                        china(a.at).date_naive(),
                        "notice",
                        nid,
                        &label,
                        pid,
                        "",
                        None,
                        a.at,
                        nt.decision,
                    )?;
                    self.projects[p]
                        .findings
                        .insert((1, u16::try_from(i).unwrap_or(0), n), f);
                }
                J::new()
                    .raw("breach", &breach)
                    .n("notice_seq", i64::from(n) + 1)
                    .done()
            }
            ActData::Complete(due) => {
                materials = str_array(c.view.materials.iter().map(|m| m.code.as_str()));
                J::new()
                    .raw("deferred", "[]")
                    .raw("submit_due_at", &tj(&due))
                    .done()
            }
            ActData::Late(d) => J::new()
                .b("late", true)
                .raw("submit_due_at", &tj(&d))
                .done(),
            ActData::Review(due, prov) => J::new()
                .raw("due_at", &tj(&due))
                .b("provisional", prov)
                .done(),
            ActData::Suspend(r, due) => {
                note = SUSPEND_NOTE;
                let k = item.acts[..j]
                    .iter()
                    .filter(|x| x.action == CaseAction::Suspend)
                    .count();
                if let Some((reason, start, ended)) = item.susp.get(k) {
                    let sid = self.ids.take(T::CaseSuspensions);
                    let semantics = format!("{:?}", SuspensionPolicy::default().semantics(*reason))
                        .to_lowercase();
                    self.sink.row(
                        T::CaseSuspensions,
                        [
                            int(sid),
                            int(id),
                            text(reason.code()),
                            text(semantics),
                            ts(*start),
                            ots(*ended),
                            text(SUSPEND_NOTE),
                        ],
                    );
                }
                J::new()
                    .raw("due_at", &tj(&due))
                    .s("suspension_reason", r.code())
                    .done()
            }
            ActData::Due(due) => J::new().raw("due_at", &tj(&due)).done(),
            ActData::Extend(days, due) => {
                note = EXTEND_REASON;
                let eid = self.ids.take(T::CaseExtensions);
                self.sink.row(
                    T::CaseExtensions,
                    [
                        int(eid),
                        int(id),
                        int32(i32::try_from(days).unwrap_or(0)),
                        text(EXTEND_APPROVER),
                        text(EXTEND_REASON),
                        ts(a.at),
                    ],
                );
                J::new()
                    .s("approver", EXTEND_APPROVER)
                    .n("days", i64::from(days))
                    .raw("due_at", &tj(&due))
                    .done()
            }
            ActData::Reason(r) => {
                note = r;
                "{}".to_owned()
            }
        };
        let kind = format!("case.{}", a.action.code());
        self.event(
            pid,
            Some(id),
            &kind,
            Some(a.from.code()),
            Some(a.to.code()),
            &actor,
            a.at,
            note,
            &materials,
            &data,
        );
        let ent = self.enterprise_id(pr);
        let (extra_zh, extra_en) = if note.is_empty() {
            (String::new(), String::new())
        } else {
            (format!("说明：{note}"), format!(" Note: {note}"))
        };
        self.notify(
            None,
            Some(ent),
            Some(pid),
            Some(id),
            "progress",
            (
                &format!("{}：{}", c.view.name, a.to.label_zh()),
                &format!("{}: {}", c.view.code, a.to.label_en()),
            ),
            (
                &format!(
                    "项目“{}”的办件“{}”已{}，当前状态：{}。{extra_zh}",
                    pr.name,
                    c.view.name,
                    a.action.label_zh(),
                    a.to.label_zh()
                ),
                &format!(
                    "Case item {} of project \"{}\": {}; now {}.{extra_en}",
                    c.view.code,
                    pr.name,
                    a.action.label_en(),
                    a.to.label_en()
                ),
            ),
            a.at,
        );
        let version = i64::try_from(j).unwrap_or(0) + 1;
        let before = J::new()
            .s("state", a.from.code())
            .n("version", version)
            .done();
        let after = J::new()
            .raw("data", &data)
            .s("state", a.to.code())
            .n("version", version + 1)
            .done();
        self.audit(
            a.at,
            &actor,
            &kind,
            "case_item",
            &id.to_string(),
            &before,
            &after,
        );
        Ok(())
    }

    fn alert(&mut self, p: usize, i: usize, j: usize) -> anyhow::Result<()> {
        let pr = &self.plan.projects[p];
        let item: &Item = &pr.items[i];
        let a: Alert = item.alerts[j];
        let c = &self.world.catalog[item.cat];
        let id = self.projects[p].items[i];
        let pid = self.projects[p].id;
        let aid = self.ids.take(T::DeadlineAlerts);
        let handler = a.handler.map(|h| self.uid(h));
        self.sink.row(
            T::DeadlineAlerts,
            [
                int(aid),
                int(id),
                int(pid),
                text(a.step),
                text(a.level.code()),
                ts(a.due_at),
                int(a.unit_id),
                oint(handler),
                ts(a.raised_at),
            ],
        );
        let mut recipients: Vec<i64> = handler.into_iter().collect();
        if let Some(l) = self.world.leaders.get(&a.unit_id) {
            recipients.extend(l.iter().map(|x| self.uid(*x)));
        }
        recipients.extend(self.world.coordinators.iter().map(|x| self.uid(*x)));
        recipients.sort_unstable();
        recipients.dedup();
        let step_zh = match a.step {
            "submission" => "代办员报送",
            "review" => "部门办结",
            "report_up" => "上报",
            _ => "办件整体",
        };
        let red = a.level == Warning::Red;
        let (title, verb_zh, verb_en) = if red {
            ("超时", "已超时", "is overdue")
        } else {
            ("预警", "即将到期", "is about to fall due")
        };
        let due_local = china(a.due_at).format("%Y-%m-%d %H:%M").to_string();
        let t_zh = format!("{title}：{}（{step_zh}）", c.view.name);
        let t_en = format!(
            "{}: {} ({})",
            if red { "Overdue" } else { "Warning" },
            c.view.code,
            a.step
        );
        let b_zh = format!(
            "办件“{}”的{step_zh}环节{verb_zh}，期限 {due_local}。",
            c.view.name
        );
        let b_en = format!(
            "The {} step of case item {} {verb_en}; due {due_local} (China time).",
            a.step, c.view.code
        );
        let kind = format!("deadline.{}", a.level.code());
        for r in recipients {
            self.notify(
                Some(r),
                None,
                Some(pid),
                Some(id),
                &kind,
                (&t_zh, &t_en),
                (&b_zh, &b_en),
                a.raised_at,
            );
        }
        if red {
            let data = J::new()
                .raw("due_at", &tj(&a.due_at))
                .n("responsible_unit_id", a.unit_id)
                .s("step", a.step)
                .done();
            self.event(
                pid,
                Some(id),
                "deadline.overdue",
                None,
                None,
                &SYSTEM,
                a.raised_at,
                a.step,
                "[]",
                &data,
            );
        }
        if a.finding {
            let step_label = match a.step {
                "submission" => "代办报送超时",
                "review" => "部门办结超时",
                "report_up" => "上报超时",
                _ => "超时",
            };
            let label = format!("{} {} · {step_label}", c.view.code, c.view.name);
            let f = self.finding(
                a.unit_id,
                "coordination_delay",
                china(a.due_at).date_naive(),
                "deadline_alert",
                aid,
                &label,
                pid,
                "",
                None,
                a.raised_at,
                a.decision,
            )?;
            self.projects[p].findings.insert(
                (
                    0,
                    u16::try_from(i).unwrap_or(0),
                    u8::try_from(j).unwrap_or(0),
                ),
                f,
            );
        }
        Ok(())
    }

    fn close_mandate(&mut self, p: usize, at: Time) -> anyhow::Result<()> {
        let pr = &self.plan.projects[p];
        let Some(m) = &pr.mandate else {
            return Ok(());
        };
        let closer = m.closer.unwrap_or(Who::P(pr.agent));
        let (action, to, label_zh, label_en, reason) = match m.cause {
            Some(cause) => (
                "mandate.terminate",
                "terminated",
                "终止",
                "terminate",
                format!("{}：{}", cause.label_zh(), m.last_reason),
            ),
            None => (
                "mandate.conclude",
                "completed",
                "办结",
                "conclude",
                CONCLUDE_REASON.to_owned(),
            ),
        };
        if let Some(f) = m.fault {
            let person = self.world.people[f].clone();
            let pid = self.projects[p].id;
            let label = format!("项目流失：{}（{}）", pr.name, person.name);
            let by = self.person(closer).id;
            let fid = self.finding(
                person.unit_id.unwrap_or(self.world.towns[pr.town].id),
                "project_lost",
                china(at).date_naive(),
                "project",
                pid,
                &label,
                pid,
                &m.last_reason,
                by,
                at,
                m.lost_decision,
            )?;
            self.projects[p].lost_finding = fid;
        }
        let title = (
            format!("委托代办{label_zh}"),
            format!("Mandate: {label_en}"),
        );
        let body = (
            format!("项目“{}”的委托代办已{label_zh}。原因：{reason}", pr.name),
            format!(
                "The mandate for \"{}\" was {label_en}. Reason: {reason}",
                pr.name
            ),
        );
        self.project_change(
            p,
            at,
            closer,
            action,
            "active",
            to,
            &reason,
            (&title.0, &title.1),
            (&body.0, &body.1),
        );
        Ok(())
    }

    #[expect(clippy::too_many_lines, reason = "one arm per step of the ladder")]
    fn problem(&mut self, p: usize, k: usize, j: usize) -> anyhow::Result<()> {
        let pr = &self.plan.projects[p];
        let prob = &pr.problems[k];
        let st = prob.steps[j];
        let pid = self.projects[p].id;
        let ent = self.enterprise_id(pr);
        let dept_name = self
            .world
            .depts
            .get(&prob.dept)
            .map_or("", |d| d.name.as_str());
        let actor = st.by.map_or(SYSTEM, |b| self.person(Who::P(b)));
        let last = prob.steps.last().copied().unwrap_or(st);
        let held = prob.steps.iter().any(|s| s.kind == PKind::Record);
        let done = prob.steps.iter().find(|s| s.kind == PKind::ActionDone);
        let meeting_title = format!("{}等项目协调会", pr.name);
        let place = "市行政审批局 3 楼会议室";
        let decision_text = format!(
            "关于“{}”：明确由责任部门牵头，相关部门配合，限期办结。",
            prob.title
        );
        let resolution = if held {
            decision_text.as_str()
        } else {
            prob.resolution
        };
        if st.kind == PKind::Raise {
            let id = self.ids.take(T::Problems);
            self.projects[p].problems.push(id);
            let entered = prob
                .steps
                .iter()
                .rev()
                .find(|s| matches!(s.kind, PKind::Raise | PKind::AutoEscalate | PKind::Convene))
                .map_or(st.at, |s| s.at);
            let resolved_at = prob
                .steps
                .iter()
                .find(|s| matches!(s.kind, PKind::Resolve | PKind::Record))
                .map(|s| s.at);
            let updated = prob
                .steps
                .iter()
                .rev()
                .find(|s| s.kind != PKind::ActionDone)
                .map_or(st.at, |s| s.at);
            self.sink.row(
                T::Problems,
                [
                    int(id),
                    int(pid),
                    text(prob.title),
                    text(prob.description),
                    text(prob.category),
                    int(prob.dept),
                    oint(Some(self.uid(prob.owner))),
                    boolean(prob.at_site),
                    int(self.uid(prob.raiser)),
                    text("agent"),
                    text(last.to.code()),
                    ts(entered),
                    ts(last.due),
                    boolean(false),
                    text(last.to_status),
                    text(if resolved_at.is_some() {
                        resolution
                    } else {
                        ""
                    }),
                    ots(resolved_at),
                    oint(None),
                    int32(last.version),
                    ts(st.at),
                    ts(updated),
                ],
            );
            self.problem_event(
                id,
                "raise",
                None,
                Some(st.to),
                None,
                Some("open"),
                &actor,
                prob.title,
                st.at,
            );
            let notice = level_notice(&pr.name, prob.title, Level::Department, st.due);
            for h in self
                .world
                .depts
                .get(&prob.dept)
                .map(|d| d.helpers.clone())
                .unwrap_or_default()
            {
                let uid = self.uid(h);
                self.notify(
                    Some(uid),
                    None,
                    Some(pid),
                    None,
                    "problem",
                    (&notice.0, &notice.1),
                    (&notice.2, &notice.3),
                    st.at,
                );
            }
            let owner = &self.world.people[prob.owner].name;
            let raiser = &self.world.people[prob.raiser].name;
            let view = J::new()
                .b("at_site", prob.at_site)
                .raw("blocks", "[]")
                .s("category", prob.category)
                .raw("created_at", &tj(&st.at))
                .n("department_id", prob.dept)
                .s("department_name", dept_name)
                .s("description", prob.description)
                .b("due_provisional", false)
                .n("id", id)
                .s("level", "department")
                .raw("level_due_at", &tj(&st.due))
                .raw("level_entered_at", &tj(&st.at))
                .b("major", pr.major)
                .null("meeting_id")
                .b("overdue", false)
                .s("owner_name", owner)
                .n("project_id", pid)
                .s("project_name", &pr.name)
                .s("raised_by_name", raiser)
                .s("raised_by_role", "agent")
                .s("resolution", "")
                .null("resolved_at")
                .s("status", "open")
                .s("title", prob.title)
                .n("version", 1)
                .done();
            self.audit(
                st.at,
                &actor,
                "problem.raise",
                "problem",
                &id.to_string(),
                "",
                &view,
            );
            return Ok(());
        }
        let id = self.projects[p].problems[k];
        let prev_version = st.version - 1;
        let audited = |e: &mut Self, action: &str, note: &str| {
            let before = J::new()
                .s("level", st.from.code())
                .s("status", st.from_status)
                .n("version", i64::from(prev_version))
                .done();
            let after = J::new()
                .s("level", st.to.code())
                .s("note", note)
                .s("status", st.to_status)
                .n("version", i64::from(st.version))
                .done();
            e.audit(
                st.at,
                &actor,
                action,
                "problem",
                &id.to_string(),
                &before,
                &after,
            );
        };
        match st.kind {
            PKind::Raise => {}
            PKind::Respond => {
                let note = "已收悉，正在与相关科室会商，近期答复。";
                self.problem_event(
                    id,
                    "respond",
                    Some(st.from),
                    Some(st.to),
                    Some("open"),
                    Some("open"),
                    &actor,
                    note,
                    st.at,
                );
                audited(self, "problem.respond", note);
            }
            PKind::Resolve => {
                self.problem_event(
                    id,
                    "resolve",
                    Some(st.from),
                    Some(st.to),
                    Some("open"),
                    Some("resolved"),
                    &actor,
                    prob.resolution,
                    st.at,
                );
                let t = (
                    format!("问题已解决：{}", prob.title),
                    format!("Problem resolved: {}", prob.title),
                );
                let b = (
                    format!(
                        "项目“{}”的问题“{}”已由{}解决：{}。如未真正解决，可在问题页面重新提出。",
                        pr.name,
                        prob.title,
                        st.from.label_zh(),
                        prob.resolution
                    ),
                    format!(
                        "The problem \"{}\" of project \"{}\" was resolved by the {}: {}. If it is not really solved, reopen it on the problem's page.",
                        prob.title,
                        pr.name,
                        st.from.label_en(),
                        prob.resolution
                    ),
                );
                self.notify(
                    None,
                    Some(ent),
                    Some(pid),
                    None,
                    "problem",
                    (&t.0, &t.1),
                    (&b.0, &b.1),
                    st.at,
                );
                let raiser = self.uid(prob.raiser);
                self.notify(
                    Some(raiser),
                    None,
                    Some(pid),
                    None,
                    "problem",
                    (&t.0, &t.1),
                    (&b.0, &b.1),
                    st.at,
                );
                audited(self, "problem.resolve", prob.resolution);
            }
            PKind::Confirm => {
                self.problem_event(
                    id,
                    "confirm",
                    Some(st.from),
                    Some(st.to),
                    Some("resolved"),
                    Some("closed"),
                    &actor,
                    "",
                    st.at,
                );
                audited(self, "problem.confirm", "");
            }
            PKind::AutoEscalate => {
                let (missed, entered) = st.missed.unwrap_or((st.at, st.at));
                let unit = match st.from {
                    Level::Department | Level::DepartmentLeader => prob.dept,
                    _ => self.world.bureau_id.unwrap_or(prob.dept),
                };
                let oid = self.ids.take(T::ProblemOverdue);
                self.sink.row(
                    T::ProblemOverdue,
                    [
                        int(oid),
                        int(id),
                        text(st.from.code()),
                        ts(entered),
                        ts(missed),
                        int(unit),
                        ts(st.at),
                    ],
                );
                let note = format!(
                    "在{}超过答复时限（{}），自动上报 / not answered in time at the {}: escalated",
                    st.from.label_zh(),
                    china(missed).format("%Y-%m-%d %H:%M"),
                    st.from.label_en()
                );
                self.problem_event(
                    id,
                    "auto_escalate",
                    Some(st.from),
                    Some(st.to),
                    Some("open"),
                    Some("open"),
                    &SYSTEM,
                    &note,
                    st.at,
                );
                let notice = level_notice(&pr.name, prob.title, st.to, st.due);
                for h in self.handlers(st.to, prob.dept) {
                    self.notify(
                        Some(h),
                        None,
                        Some(pid),
                        None,
                        "problem",
                        (&notice.0, &notice.1),
                        (&notice.2, &notice.3),
                        st.at,
                    );
                }
                let f = self.finding(
                    unit,
                    "coordination_delay",
                    china(missed).date_naive(),
                    "problem_overdue",
                    oid,
                    prob.title,
                    pid,
                    "",
                    None,
                    st.at,
                    st.decision,
                )?;
                self.projects[p].findings.insert(
                    (
                        2,
                        u16::try_from(k).unwrap_or(0),
                        u8::try_from(j).unwrap_or(0),
                    ),
                    f,
                );
            }
            PKind::Convene => {
                let Some(m) = &prob.meeting else {
                    return Ok(());
                };
                let mid = self.ids.take(T::Meetings);
                self.projects[p].meetings.push(mid);
                let minutes = if held {
                    format!(
                        "会议由市行政审批局召集，听取了{meeting_title}的情况汇报，逐项研究了议题，形成决定如下。"
                    )
                } else {
                    String::new()
                };
                let record_at = prob
                    .steps
                    .iter()
                    .find(|s| s.kind == PKind::Record)
                    .map(|s| s.at);
                self.sink.row(
                    T::Meetings,
                    [
                        int(mid),
                        text("huddle"),
                        text(meeting_title.clone()),
                        ts(m.scheduled_at),
                        text(place),
                        int(self.uid(m.convenor)),
                        text(if held { "held" } else { "planned" }),
                        text(minutes),
                        oint(Some(pid)),
                        int32(if held { 2 } else { 1 }),
                        ts(st.at),
                        ts(record_at.unwrap_or(st.at)),
                    ],
                );
                let aid1 = self.ids.take(T::MeetingAgenda);
                self.sink.row(
                    T::MeetingAgenda,
                    [int(aid1), int(mid), oint(Some(pid)), oint(None)],
                );
                let aid2 = self.ids.take(T::MeetingAgenda);
                self.sink.row(
                    T::MeetingAgenda,
                    [int(aid2), int(mid), oint(Some(pid)), oint(Some(id))],
                );
                let town = &self.world.towns[pr.town];
                let mut attendees = String::from("[");
                for (x, (unit, name)) in [
                    (town.id, town.name.clone()),
                    (prob.dept, dept_name.to_owned()),
                ]
                .into_iter()
                .enumerate()
                {
                    let at_id = self.ids.take(T::MeetingAttendees);
                    self.sink.row(
                        T::MeetingAttendees,
                        [
                            int(at_id),
                            int(mid),
                            int(unit),
                            oint(None),
                            text(name.clone()),
                            otext(held.then(|| m.attendance[x].to_owned())),
                            text(""),
                        ],
                    );
                    if x > 0 {
                        attendees.push(',');
                    }
                    attendees.push_str(
                        &J::new()
                            .null("attendance")
                            .n("id", at_id)
                            .s("name", &name)
                            .s("note", "")
                            .n("unit_id", unit)
                            .s("unit_name", &name)
                            .null("user_id")
                            .done(),
                    );
                }
                attendees.push(']');
                self.sink.update(
                    "UPDATE problems SET meeting_id = ? WHERE id = ?",
                    vec![Value::BigInt(Some(mid)), Value::BigInt(Some(id))],
                );
                let note = format!(
                    "列入项目碰头会“{meeting_title}”议题 / on the agenda of project huddle"
                );
                self.problem_event(
                    id,
                    "meeting",
                    Some(st.from),
                    Some(st.to),
                    Some("open"),
                    Some("open"),
                    &actor,
                    &note,
                    st.at,
                );
                let when = china(m.scheduled_at).format("%Y-%m-%d %H:%M").to_string();
                let mut invitees: Vec<i64> = town.agents.iter().map(|a| self.uid(*a)).collect();
                if let Some(d) = self.world.depts.get(&prob.dept) {
                    invitees.extend(d.helpers.iter().map(|h| self.uid(*h)));
                }
                for u in invitees {
                    self.notify(
                        Some(u),
                        None,
                        Some(pid),
                        None,
                        "meeting",
                        (&format!("会议通知：{meeting_title}"), &format!("Meeting: {meeting_title}")),
                        (
                            &format!("项目碰头会定于 {when} 在{place}召开，请准时参加。"),
                            &format!("project huddle on {when} (China time) at {place}; please attend on time."),
                        ),
                        st.at,
                    );
                }
                let convenor = &self.world.people[m.convenor].name;
                let problems = format!(
                    "[{}]",
                    J::new()
                        .n("id", id)
                        .s("status", "open")
                        .s("title", prob.title)
                        .done()
                );
                let view = J::new()
                    .raw("action_items", "[]")
                    .raw("attendees", &attendees)
                    .s("convenor_name", convenor)
                    .raw("decisions", "[]")
                    .n("id", mid)
                    .s("kind", "huddle")
                    .s("minutes", "")
                    .s("place", place)
                    .raw("problems", &problems)
                    .n("project_id", pid)
                    .raw("scheduled_at", &tj(&m.scheduled_at))
                    .s("status", "planned")
                    .s("title", &meeting_title)
                    .n("version", 1)
                    .done();
                self.audit(
                    st.at,
                    &actor,
                    "meeting.convene",
                    "meeting",
                    &mid.to_string(),
                    "",
                    &view,
                );
            }
            PKind::Record => {
                let Some(m) = &prob.meeting else {
                    return Ok(());
                };
                let Some(mid) = self.projects[p].meetings.last().copied() else {
                    return Ok(());
                };
                let did = self.ids.take(T::MeetingDecisions);
                self.sink.row(
                    T::MeetingDecisions,
                    [
                        int(did),
                        int(mid),
                        int32(1),
                        text(decision_text.clone()),
                        oint(Some(id)),
                    ],
                );
                let aid = self.ids.take(T::ActionItems);
                self.projects[p].actions.insert(k, aid);
                let title = format!("落实“{}”会议决定", prob.title);
                let done_note = "已按要求落实，并向企业反馈。";
                self.sink.row(
                    T::ActionItems,
                    [
                        int(aid),
                        text("meeting"),
                        oint(Some(mid)),
                        oint(Some(did)),
                        oint(Some(id)),
                        oint(Some(pid)),
                        text(title.clone()),
                        int(prob.dept),
                        oint(None),
                        int32(7),
                        ts(st.at),
                        ts(m.action_due_at),
                        boolean(false),
                        text(if done.is_some() { "done" } else { "open" }),
                        ots(done.map(|d| d.at)),
                        text(if done.is_some() { done_note } else { "" }),
                        text("none"),
                        int32(if done.is_some() { 2 } else { 1 }),
                        ts(done.map_or(st.at, |d| d.at)),
                    ],
                );
                self.problem_event(
                    id,
                    "decision",
                    Some(st.from),
                    Some(st.to),
                    Some("open"),
                    Some("resolved"),
                    &actor,
                    &decision_text,
                    st.at,
                );
                let due = china(m.action_due_at).format("%Y-%m-%d %H:%M").to_string();
                for h in self.handlers(Level::Department, prob.dept) {
                    self.notify(
                        Some(h),
                        None,
                        Some(pid),
                        None,
                        "action_item",
                        (
                            &format!("待落实事项：{title}"),
                            &format!("Action item: {title}"),
                        ),
                        (
                            &format!("请于 {due} 前落实并反馈。"),
                            &format!("Carry it out and report by {due} (China time)."),
                        ),
                        st.at,
                    );
                }
                let town = &self.world.towns[pr.town];
                let convenor = &self.world.people[m.convenor].name;
                let mut attendees = String::from("[");
                for (x, (unit, name)) in [(town.id, town.name.as_str()), (prob.dept, dept_name)]
                    .into_iter()
                    .enumerate()
                {
                    if x > 0 {
                        attendees.push(',');
                    }
                    attendees.push_str(
                        &J::new()
                            .s("attendance", m.attendance[x])
                            .n("id", 0)
                            .s("name", name)
                            .s("note", "")
                            .n("unit_id", unit)
                            .s("unit_name", name)
                            .null("user_id")
                            .done(),
                    );
                }
                attendees.push(']');
                let action = J::new()
                    .raw("assigned_at", &tj(&st.at))
                    .null("done_at")
                    .s("done_note", "")
                    .raw("due_at", &tj(&m.action_due_at))
                    .n("due_days", 7)
                    .b("due_provisional", false)
                    .n("id", aid)
                    .n("meeting_id", mid)
                    .n("owner_unit_id", prob.dept)
                    .s("owner_unit_name", dept_name)
                    .s("owner_user_name", "")
                    .n("problem_id", id)
                    .n("project_id", pid)
                    .s("source", "meeting")
                    .s("status", "open")
                    .s("title", &title)
                    .n("version", 1)
                    .s("warning", "none")
                    .done();
                let decisions = format!(
                    "[{}]",
                    J::new()
                        .n("id", did)
                        .n("problem_id", id)
                        .n("seq", 1)
                        .s("text", &decision_text)
                        .done()
                );
                let problems = format!(
                    "[{}]",
                    J::new()
                        .n("id", id)
                        .s("status", "resolved")
                        .s("title", prob.title)
                        .done()
                );
                let view = J::new()
                    .raw("action_items", &format!("[{action}]"))
                    .raw("attendees", &attendees)
                    .s("convenor_name", convenor)
                    .raw("decisions", &decisions)
                    .n("id", mid)
                    .s("kind", "huddle")
                    .s("minutes", &format!("会议由市行政审批局召集，听取了{meeting_title}的情况汇报，逐项研究了议题，形成决定如下。"))
                    .s("place", place)
                    .raw("problems", &problems)
                    .n("project_id", pid)
                    .raw("scheduled_at", &tj(&m.scheduled_at))
                    .s("status", "held")
                    .s("title", &meeting_title)
                    .n("version", 2)
                    .done();
                self.audit(
                    st.at,
                    &actor,
                    "meeting.record",
                    "meeting",
                    &mid.to_string(),
                    r#"{"status":"planned","version":1}"#,
                    &view,
                );
            }
            PKind::ActionDone => {
                let note = format!("落实“{}”会议决定：已按要求落实，并向企业反馈。", prob.title);
                self.problem_event(
                    id,
                    "action_done",
                    None,
                    None,
                    None,
                    None,
                    &actor,
                    &note,
                    st.at,
                );
                let aid = self.projects[p]
                    .actions
                    .get(&k)
                    .copied()
                    .unwrap_or_default();
                self.audit(
                    st.at,
                    &actor,
                    "action_item.done",
                    "action_item",
                    &aid.to_string(),
                    r#"{"status":"open","version":1}"#,
                    r#"{"note":"已按要求落实，并向企业反馈。","status":"done","version":2}"#,
                );
            }
        }
        Ok(())
    }

    fn handlers(&self, level: Level, dept: i64) -> Vec<i64> {
        let w = self.world;
        let ids: Vec<usize> = match level {
            Level::Department => w
                .depts
                .get(&dept)
                .map(|d| d.helpers.clone())
                .unwrap_or_default(),
            Level::DepartmentLeader => w.leaders.get(&dept).cloned().unwrap_or_default(),
            Level::Bureau | Level::Meeting => w.coordinators.clone(),
            Level::CityLeader => Vec::new(),
        };
        let mut out: Vec<i64> = ids.iter().map(|i| self.uid(*i)).collect();
        out.sort_unstable();
        out
    }

    #[expect(clippy::too_many_arguments, reason = "one problem event row")]
    fn problem_event(
        &mut self,
        problem_id: i64,
        kind: &str,
        from_level: Option<Level>,
        to_level: Option<Level>,
        from_status: Option<&str>,
        to_status: Option<&str>,
        actor: &Actor<'_>,
        note: &str,
        at: Time,
    ) {
        let id = self.ids.take(T::ProblemEvents);
        self.sink.row(
            T::ProblemEvents,
            [
                int(id),
                int(problem_id),
                text(kind),
                otext(from_level.map(|l| l.code().to_owned())),
                otext(to_level.map(|l| l.code().to_owned())),
                otext(from_status.map(str::to_owned)),
                otext(to_status.map(str::to_owned)),
                oint(actor.id),
                text(actor.name),
                text(actor.role),
                text(note),
                ts(at),
            ],
        );
    }
}

/// The text of a problem's notice to the handlers of a level (as `problems::level_notice`).
fn level_notice(
    project: &str,
    title: &str,
    level: Level,
    due: Time,
) -> (String, String, String, String) {
    let due = china(due).format("%Y-%m-%d %H:%M");
    (
        format!("待协调问题：{title}"),
        format!("Problem to handle: {title}"),
        format!(
            "项目“{project}”的问题“{title}”已到{}，请在 {due} 前答复或解决。",
            level.label_zh()
        ),
        format!(
            "The problem \"{title}\" of project \"{project}\" is now with the {}; respond or resolve it by {due} (China time).",
            level.label_en()
        ),
    )
}

fn dismiss_reason(d: Option<Decision>) -> &'static str {
    match d {
        Some(d) if !d.confirm => "经核实，延误系企业补充材料及第三方技术审查所致，不属于单位责任。",
        _ => "",
    }
}
