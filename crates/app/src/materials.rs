//! Materials custody (材料流转): received from the enterprise → held by a person → transferred to
//! a department or person → returned; a material can be reported lost, which is evidence for
//! the evaluation (材料遗失).

use crate::App;
use crate::actor::{Actor, Meta};
use crate::audit::{self, Change};
use crate::cases::model_for_update;
use crate::error::{AppError, AppResult, Checks, FieldError, Msg, forbidden, version_conflict};
use crate::projects::acts_as_agent;
use crate::timeline::{self, Event, Notice, Occurred, Recipient};
use daiban_domain::custody::{CustodyEvent, CustodyState, apply_custody};
use daiban_domain::role::Role;
use daiban_store::entity::{material, unit, user};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde::Deserialize;

/// A custody move.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct MoveInput {
    /// `receive`, `transfer`, `return` or `report_lost`.
    pub event: String,
    /// The material's version the caller saw.
    pub version: i32,
    /// Transfer: to this person (user id)…
    #[serde(default)]
    pub to_user_id: Option<i64>,
    /// …or to this unit (unit id).
    #[serde(default)]
    pub to_unit_id: Option<i64>,
    /// A note (required when reporting a loss: what happened).
    #[serde(default)]
    pub note: String,
    /// When it happened, if earlier than now (补录).
    #[serde(default)]
    pub occurred_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Why the entry is back-dated.
    #[serde(default)]
    pub backdate_reason: String,
}

/// Moves a material along its custody chain. The agent side (and the department's helper once
/// the material is with the department) records the moves.
///
/// # Errors
/// [`AppError::NotFound`] outside scope; [`AppError::Forbidden`]; [`AppError::Conflict`] for a
/// move the material's state does not allow (naming the state) or a stale version;
/// [`AppError::Invalid`] for a missing recipient or loss description.
#[expect(
    clippy::too_many_lines,
    reason = "one move, its checks and its records"
)]
pub async fn move_material(
    app: &App,
    actor: &Actor,
    case_id: i64,
    material_id: i64,
    input: &MoveInput,
    meta: &Meta,
) -> AppResult<crate::cases::MaterialView> {
    let Some(event) = CustodyEvent::from_code(&input.event) else {
        return Err(AppError::Invalid(vec![FieldError::new(
            "event",
            "unknown",
            "未知的材料流转操作",
            "unknown custody event",
        )]));
    };
    let w = app.begin_write().await?;
    let (case, p) = model_for_update(&w.txn, actor, case_id).await?;
    let mat = material::Entity::find_by_id(material_id)
        .filter(material::Column::CaseItemId.eq(case.id))
        .one(&w.txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let dept_side = matches!(actor.role, Role::Helper | Role::UnitLeader)
        && actor.unit_id == Some(case.department_id);
    let holds = mat.holder_user_id == Some(actor.user_id)
        || (mat.holder_unit_id.is_some() && mat.holder_unit_id == actor.unit_id && dept_side);
    if !(acts_as_agent(actor, &p) || holds) {
        return Err(forbidden());
    }
    let from = CustodyState::from_code(&mat.state)
        .ok_or_else(|| anyhow::anyhow!("unknown custody state {}", mat.state))?;
    let to = apply_custody(from, event).map_err(|e| AppError::Conflict {
        code: "custody_state",
        message: Msg::new(e.message_zh(), e.to_string()),
    })?;
    if mat.version != input.version {
        return Err(version_conflict());
    }
    let mut c = Checks::default();
    let note = if event == CustodyEvent::ReportLost {
        c.text("note", "遗失情况说明", &input.note, 1000)
    } else {
        c.optional_text("note", "备注", &input.note, 1000)
    };
    let (holder_user, holder_unit, holder_name) = match event {
        CustodyEvent::Receive => (Some(actor.user_id), actor.unit_id, actor.name.clone()),
        CustodyEvent::Transfer => match (input.to_user_id, input.to_unit_id) {
            (Some(u), _) => match user::Entity::find_by_id(u).one(&w.txn).await? {
                Some(u) if u.active && u.role != Role::Enterprise.code() => {
                    (Some(u.id), u.unit_id, u.name)
                }
                _ => {
                    c.push(FieldError::new(
                        "to_user_id",
                        "not_found",
                        "接收人不存在",
                        "recipient not found",
                    ));
                    (None, None, String::new())
                }
            },
            (None, Some(d)) => match unit::Entity::find_by_id(d).one(&w.txn).await? {
                Some(u) if u.active => (None, Some(u.id), u.name),
                _ => {
                    c.push(FieldError::new(
                        "to_unit_id",
                        "not_found",
                        "接收单位不存在",
                        "recipient unit not found",
                    ));
                    (None, None, String::new())
                }
            },
            (None, None) => {
                c.push(FieldError::new(
                    "to_user_id",
                    "required",
                    "请选择移交的接收人或接收单位",
                    "choose the person or unit receiving the material",
                ));
                (None, None, String::new())
            }
        },
        CustodyEvent::Return => (
            None,
            None,
            "企业（已退还）/ enterprise (returned)".to_owned(),
        ),
        CustodyEvent::ReportLost => (
            mat.holder_user_id,
            mat.holder_unit_id,
            mat.holder_name.clone(),
        ),
    };
    c.finish()?;
    let now = app.now();
    let when = Occurred {
        at: input.occurred_at,
        backdate_reason: input.backdate_reason.clone(),
    }
    .resolve(now)?;
    let res = material::Entity::update_many()
        .col_expr(material::Column::State, Expr::value(to.code()))
        .col_expr(material::Column::HolderUserId, Expr::value(holder_user))
        .col_expr(material::Column::HolderUnitId, Expr::value(holder_unit))
        .col_expr(
            material::Column::HolderName,
            Expr::value(holder_name.clone()),
        )
        .col_expr(material::Column::Note, Expr::value(note.clone()))
        .col_expr(material::Column::Version, Expr::value(mat.version + 1))
        .col_expr(material::Column::UpdatedAt, Expr::value(now))
        .filter(material::Column::Id.eq(mat.id))
        .filter(material::Column::Version.eq(mat.version))
        .exec(&w.txn)
        .await?;
    if res.rows_affected == 0 {
        return Err(version_conflict());
    }
    // A loss is charged to the unit that held the material.
    let responsible_unit = mat.holder_unit_id.or(Some(case.unit_id));
    timeline::record(
        &w.txn,
        now,
        Some(actor),
        when,
        &input.backdate_reason,
        Event {
            project_id: p.id,
            case_item_id: Some(case.id),
            kind: &format!("material.{}", event.code()),
            from_state: Some(from.code()),
            to_state: Some(to.code()),
            note: &note,
            materials: vec![mat.material_code.clone()],
            data: serde_json::json!({
                "material": mat.name,
                "from_holder": mat.holder_name,
                "to_holder": holder_name,
                "responsible_unit_id": responsible_unit,
            }),
        },
    )
    .await?;
    if matches!(event, CustodyEvent::Return | CustodyEvent::ReportLost) {
        timeline::notify(
            &w.txn,
            now,
            Recipient::Enterprise(p.enterprise_id),
            &Notice {
                kind: "material".into(),
                title: Msg::new(
                    format!("材料{}：{}", event.label_zh(), mat.name),
                    format!("Material {}: {}", event.label_en(), mat.name),
                ),
                body: Msg::new(
                    format!(
                        "项目“{}”的材料“{}”已{}。{note}",
                        p.name,
                        mat.name,
                        event.label_zh()
                    ),
                    format!(
                        "The material \"{}\" of project \"{}\": {}. {note}",
                        mat.name,
                        p.name,
                        event.label_en()
                    ),
                ),
                project_id: Some(p.id),
                case_item_id: Some(case.id),
            },
        )
        .await?;
    }
    audit::append(
        &w.txn,
        now,
        &actor.into(),
        meta,
        Change {
            action: &format!("material.{}", event.code()),
            object_type: "material",
            object_id: mat.id.to_string(),
            before: Some(serde_json::json!({"state": from.code(), "holder": mat.holder_name})),
            after: Some(serde_json::json!({"state": to.code(), "holder": holder_name})),
        },
    )
    .await?;
    let list = crate::cases::materials(&w.txn, actor, case.id).await?;
    w.commit().await?;
    list.into_iter()
        .find(|m| m.id == material_id)
        .ok_or(AppError::NotFound)
}
