//! The demo city's evaluation at the end of its year: the monitor has detected findings all year;
//! the bureau records a few of its own, reviews every finding of the finished quarters
//! (confirming most, dismissing some with a reason) and publishes 2026 Q1–Q3 (Q2 corrected once);
//! the current quarter is left in progress with its findings to review.

use crate::actor::Meta;
use crate::demo_activity::actor;
use crate::findings::{self, FindingDecision, RecordInput};
use crate::{App, AppResult};
use daiban_domain::clock::CHINA;
use daiban_domain::evaluation::Quarter;
use daiban_domain::role::Role;
use daiban_store::entity::{finding, unit, user};
use rand::Rng;
use rand::rngs::StdRng;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

/// Reasons the bureau gives when it dismisses a detected finding.
const DISMISSALS: [&str; 4] = [
    "经核实，超时系企业补正材料迟延所致，不属单位责任",
    "经核实，系上级部门系统故障导致，已出具情况说明",
    "经核实，该事项已按规定挂起，系统记录补录后不再超时",
    "经核实，人员请假手续齐全，系登记遗漏",
];

/// What the bureau records by hand in the demo: (rule, note).
const RECORDED: [(&str, &str); 3] = [
    (
        "refused_eligible",
        "企业来电反映：符合代办条件的厂房扩建项目，窗口以材料不全为由未予受理，经回访核实",
    ),
    (
        "poor_explanation",
        "对不予受理的事项未作解释说明，企业多次来电询问，经核实",
    ),
    (
        "touting",
        "代办人员向企业推荐指定中介机构办理环评文本，经调查属实",
    ),
];

/// Plays the bureau's review and publications at the end of the demo year.
///
/// # Errors
/// A use case refused a planned step (a bug in the plan) or the database failed.
pub(crate) async fn finish(app: &App, rng: &mut StdRng, meta: &Meta) -> AppResult<u32> {
    let db = &app.db.conn;
    let Some(coord) = user::Entity::find()
        .filter(user::Column::Role.eq(Role::Coordinator.code()))
        .filter(user::Column::Active.eq(true))
        .order_by_asc(user::Column::Id)
        .one(db)
        .await?
    else {
        return Ok(0);
    };
    let coord = actor(app, coord.id).await?;
    let today = app.now().with_timezone(&CHINA).date_naive();
    let current = Quarter::of(today);
    let towns: Vec<i64> = unit::Entity::find()
        .filter(unit::Column::Kind.is_in(["town", "subdistrict", "dev_zone"]))
        .order_by_asc(unit::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|u| u.id)
        .collect();
    let mut published = 0;
    for q in [
        Quarter::new(2026, 1),
        Quarter::new(2026, 2),
        Quarter::new(2026, 3),
    ]
    .into_iter()
    .flatten()
    {
        if q >= current || towns.is_empty() {
            continue;
        }
        crate::evaluation::detect_now(app, &coord, q, meta).await?;
        let (rule, note) = RECORDED[usize::from(q.q) - 1];
        findings::record(
            app,
            &coord,
            &RecordInput {
                unit_id: towns[rng.random_range(0..towns.len())],
                rule: rule.into(),
                occurred_on: q.first_day() + chrono::Duration::days(rng.random_range(10..70)),
                note: note.into(),
                project_id: None,
            },
            meta,
        )
        .await?;
        for f in finding::Entity::find()
            .filter(finding::Column::Quarter.eq(q.to_string()))
            .filter(finding::Column::State.eq("proposed"))
            .order_by_asc(finding::Column::Id)
            .all(db)
            .await?
        {
            let dismiss = f.source == "detected" && rng.random_bool(0.12);
            findings::decide(
                app,
                &coord,
                f.id,
                &FindingDecision {
                    state: if dismiss { "dismissed" } else { "confirmed" }.into(),
                    reason: if dismiss {
                        DISMISSALS[rng.random_range(0..DISMISSALS.len())].into()
                    } else {
                        String::new()
                    },
                    version: f.version,
                },
                meta,
            )
            .await?;
        }
        crate::evaluation::publish(app, &coord, q, "", meta).await?;
        published += 1;
        if q.q == 2 {
            // A dismissal reconsidered after the notice: the correction is a new revision.
            if let Some(f) = finding::Entity::find()
                .filter(finding::Column::Quarter.eq(q.to_string()))
                .filter(finding::Column::State.eq("dismissed"))
                .order_by_asc(finding::Column::Id)
                .one(db)
                .await?
            {
                findings::decide(
                    app,
                    &coord,
                    f.id,
                    &FindingDecision {
                        state: "confirmed".into(),
                        reason: "单位申辩材料经复核不成立，恢复扣分".into(),
                        version: f.version,
                    },
                    meta,
                )
                .await?;
                crate::evaluation::publish(app, &coord, q, "复核恢复一项扣分，更正通报", meta)
                    .await?;
            }
        }
    }
    Ok(published)
}
