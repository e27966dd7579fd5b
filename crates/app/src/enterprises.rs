//! Enterprises, scoped: an enterprise user sees only its own; a town unit's staff see the
//! enterprises located in their unit; the bureau sees all.

use crate::App;
use crate::actor::{Actor, Meta};
use crate::audit::{self, ActorRef, Change};
use crate::error::{AppError, AppResult, Checks, FieldError, forbidden};
use daiban_domain::enterprise::Uscc;
use daiban_domain::role::Role;
use daiban_store::entity::enterprise;
use sea_orm::sea_query::ExprTrait;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Select,
};
use serde::{Deserialize, Serialize};

/// An enterprise as clients see it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct EnterpriseView {
    /// Id.
    pub id: i64,
    /// Unified social credit code.
    pub uscc: String,
    /// Why a code failing only the checksum was accepted (by a bureau coordinator).
    pub uscc_override_reason: Option<String>,
    /// Name.
    pub name: String,
    /// Location unit id.
    pub unit_id: i64,
    /// Legal representative.
    pub legal_rep: String,
    /// Contact person.
    pub contact: String,
    /// Phone.
    pub phone: String,
    /// Address.
    pub address: String,
    /// Industry.
    pub industry: String,
}

impl From<enterprise::Model> for EnterpriseView {
    fn from(m: enterprise::Model) -> Self {
        Self {
            id: m.id,
            uscc: m.uscc,
            uscc_override_reason: m.uscc_override_reason,
            name: m.name,
            unit_id: m.unit_id,
            legal_rep: m.legal_rep,
            contact: m.contact,
            phone: m.phone,
            address: m.address,
            industry: m.industry,
        }
    }
}

/// The fields of a new enterprise.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema, utoipa::IntoParams)]
pub struct EnterpriseInput {
    /// Unified social credit code.
    pub uscc: String,
    /// Name.
    pub name: String,
    /// Location unit code.
    pub unit: String,
    /// Legal representative.
    #[serde(default)]
    pub legal_rep: String,
    /// Contact person.
    #[serde(default)]
    pub contact: String,
    /// Phone.
    #[serde(default)]
    pub phone: String,
    /// Address.
    #[serde(default)]
    pub address: String,
    /// Industry.
    #[serde(default)]
    pub industry: String,
    /// Why a code that fails only the GB 32100 checksum is accepted (a bureau coordinator's
    /// decision after checking it, e.g. an early pilot code); empty otherwise.
    #[serde(default)]
    pub uscc_override_reason: String,
}

pub(crate) fn scoped(
    actor: &Actor,
    q: Select<enterprise::Entity>,
) -> AppResult<Select<enterprise::Entity>> {
    let town_staff = actor
        .unit_kind
        .is_some_and(daiban_domain::unit::UnitKind::is_town_unit);
    Ok(match actor.role {
        Role::Coordinator | Role::CityLeader => q,
        Role::Enterprise => q.filter(enterprise::Column::Id.eq(actor.enterprise_id.unwrap_or(-1))),
        Role::Agent | Role::UnitLeader if town_staff => {
            q.filter(enterprise::Column::UnitId.eq(actor.unit_id.unwrap_or(-1)))
        }
        _ => return Err(forbidden()),
    })
}

/// Lists the enterprises the caller may see.
///
/// # Errors
/// [`AppError::Forbidden`] for roles without enterprise access.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    q: Option<&str>,
) -> AppResult<Vec<EnterpriseView>> {
    let mut sel = scoped(actor, enterprise::Entity::find())?;
    if let Some(s) = q.map(str::trim).filter(|s| !s.is_empty()) {
        sel = sel.filter(
            enterprise::Column::Name
                .contains(s)
                .or(enterprise::Column::Uscc.contains(s.to_uppercase())),
        );
    }
    Ok(sel
        .order_by_asc(enterprise::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(EnterpriseView::from)
        .collect())
}

/// One enterprise within scope.
///
/// # Errors
/// [`AppError::NotFound`] if absent or outside scope.
pub async fn get<C: ConnectionTrait>(db: &C, actor: &Actor, id: i64) -> AppResult<EnterpriseView> {
    let sel = scoped(actor, enterprise::Entity::find_by_id(id)).map_err(|_| AppError::NotFound)?;
    sel.one(db)
        .await?
        .map(EnterpriseView::from)
        .ok_or(AppError::NotFound)
}

/// Registers an enterprise on behalf of `who` (demo loading; the enterprise registration pages
/// come with projects).
///
/// # Errors
/// [`AppError::Invalid`] naming the USCC rule that failed, an unknown unit or a duplicate code.
pub async fn create_unchecked(
    app: &App,
    who: &ActorRef,
    input: &EnterpriseInput,
    meta: &Meta,
) -> AppResult<EnterpriseView> {
    let w = app.begin_write().await?;
    let view = insert(&w.txn, app.now(), who, input, meta).await?;
    w.commit().await?;
    Ok(view)
}

/// Inserts an enterprise and its audit entry inside the caller's transaction, without a role
/// check (the demo city loads whole in one transaction).
///
/// # Errors
/// As [`create_unchecked`].
pub async fn insert<C: ConnectionTrait>(
    txn: &C,
    now: chrono::DateTime<chrono::Utc>,
    who: &ActorRef,
    input: &EnterpriseInput,
    meta: &Meta,
) -> AppResult<EnterpriseView> {
    let mut checks = Checks::default();
    let override_reason = input.uscc_override_reason.trim();
    let uscc = match Uscc::parse(&input.uscc) {
        Ok(u) => u.as_str().to_owned(),
        Err(e) if e.is_overridable() && !override_reason.is_empty() => {
            Uscc::parse_format(&input.uscc)
                .map(|u| u.as_str().to_owned())
                .unwrap_or_default()
        }
        Err(e) if e.is_overridable() => {
            checks.push(FieldError::new(
                "uscc",
                "uscc_checksum",
                format!(
                    "统一社会信用代码校验位不符（GB 32100-2015）：{e}。如为早期试点代码，可由市行政审批局协调员核实后填写理由登记"
                ),
                format!(
                    "the unified social credit code fails the GB 32100-2015 checksum: {e}. An early pilot code can be accepted by a bureau coordinator with a reason"
                ),
            ));
            String::new()
        }
        Err(e) => {
            checks.push(FieldError::new(
                "uscc",
                "uscc_format",
                format!("统一社会信用代码格式错误：{e}"),
                format!("malformed unified social credit code: {e}"),
            ));
            String::new()
        }
    };
    let name = checks.text("name", "企业名称", &input.name, 128);
    let unit = crate::units::find_by_code(txn, &input.unit).await?;
    if unit.is_none() {
        checks.push(FieldError::new(
            "unit",
            "not_found",
            "所在单位不存在",
            "unit does not exist",
        ));
    }
    if !uscc.is_empty()
        && enterprise::Entity::find()
            .filter(enterprise::Column::Uscc.eq(&uscc))
            .count(txn)
            .await?
            > 0
    {
        checks.push(FieldError::new(
            "uscc",
            "duplicate",
            "该统一社会信用代码已登记",
            "this unified social credit code is already registered",
        ));
    }
    checks.finish()?;
    let Some(unit) = unit else {
        return Err(AppError::Invalid(vec![]));
    };
    let m = enterprise::Entity::insert(enterprise::ActiveModel {
        uscc: Set(uscc),
        uscc_override_reason: Set(Some(override_reason.to_owned())
            .filter(|r| !r.is_empty() && Uscc::parse(&input.uscc).is_err())),
        name: Set(name),
        unit_id: Set(unit.id),
        legal_rep: Set(input.legal_rep.trim().to_owned()),
        contact: Set(input.contact.trim().to_owned()),
        phone: Set(input.phone.trim().to_owned()),
        address: Set(input.address.trim().to_owned()),
        industry: Set(input.industry.trim().to_owned()),
        active: Set(true),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    })
    .exec_with_returning(txn)
    .await?;
    crate::search::index_enterprise(txn, &m).await?;
    let view = EnterpriseView::from(m);
    audit::append(
        txn,
        now,
        who,
        meta,
        Change {
            action: "enterprise.create",
            object_type: "enterprise",
            object_id: view.id.to_string(),
            before: None,
            after: Some(audit::snapshot(&view)?),
        },
    )
    .await?;
    Ok(view)
}

/// Registers an enterprise: an agent for its own town unit, a bureau coordinator for any. Only a
/// coordinator may accept a code that fails only the checksum, and must say why; a malformed
/// code is never accepted.
///
/// # Errors
/// [`AppError::Forbidden`] for other roles; [`AppError::Invalid`] naming the USCC rule that
/// failed (`uscc_format`, `uscc_checksum`), an override by someone else, a unit outside the
/// agent's own, or a duplicate code.
pub async fn register(
    app: &App,
    actor: &Actor,
    input: &EnterpriseInput,
    meta: &Meta,
) -> AppResult<EnterpriseView> {
    match actor.role {
        Role::Coordinator => {}
        Role::Agent => {
            let w = crate::units::find_by_code(&app.db.conn, input.unit.trim()).await?;
            if w.map(|u| u.id) != actor.unit_id {
                return Err(AppError::Invalid(vec![FieldError::new(
                    "unit",
                    "outside_unit",
                    "代办员只能登记本辖区的企业",
                    "an agent registers enterprises of its own unit only",
                )]));
            }
            if !input.uscc_override_reason.trim().is_empty() {
                return Err(AppError::Invalid(vec![FieldError::new(
                    "uscc_override_reason",
                    "coordinator_only",
                    "只有市行政审批局协调员可以核准校验位不符的代码",
                    "only a bureau coordinator may accept a code that fails the checksum",
                )]));
            }
        }
        _ => return Err(forbidden()),
    }
    let w = app.begin_write().await?;
    let view = insert(&w.txn, app.now(), &actor.into(), input, meta).await?;
    w.commit().await?;
    Ok(view)
}

/// Counts enterprises in scope (home page).
///
/// # Errors
/// Database failure.
pub async fn count<C: ConnectionTrait>(db: &C, actor: &Actor) -> AppResult<u64> {
    match scoped(actor, enterprise::Entity::find()) {
        Ok(q) => Ok(q.count(db).await?),
        Err(_) => Ok(0),
    }
}

/// Every enterprise's id, name and code, for the administrator's account form (linking an
/// enterprise account to its company). No other enterprise data is exposed to the admin.
///
/// # Errors
/// [`AppError::Forbidden`] for other roles.
pub async fn all_for_admin<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
) -> AppResult<Vec<EnterpriseView>> {
    if actor.role != Role::Admin {
        return Err(forbidden());
    }
    Ok(enterprise::Entity::find()
        .order_by_asc(enterprise::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|m| EnterpriseView {
            id: m.id,
            uscc: m.uscc,
            uscc_override_reason: None,
            name: m.name,
            unit_id: m.unit_id,
            legal_rep: String::new(),
            contact: String::new(),
            phone: String::new(),
            address: String::new(),
            industry: String::new(),
        })
        .collect())
}
