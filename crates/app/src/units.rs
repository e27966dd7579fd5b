//! Units: the administrator creates, edits and deactivates them; every staff member can read
//! the directory.

use crate::App;
use crate::actor::{Actor, Meta};
use crate::audit::{self, Change};
use crate::error::{AppError, AppResult, Checks, FieldError, forbidden, version_conflict};
use daiban_domain::role::Role;
use daiban_domain::unit::{UnitCode, UnitKind};
use daiban_store::entity::{unit, user};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder,
};
use serde::{Deserialize, Serialize};

/// A unit as clients see it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct UnitView {
    /// Id.
    pub id: i64,
    /// Public code.
    pub code: String,
    /// Kind code.
    pub kind: String,
    /// Chinese name.
    pub name: String,
    /// English name.
    pub name_en: String,
    /// Town units: agency window (项目代办专窗) set up.
    pub agency_window: bool,
    /// Departments: window in the service center.
    pub center_window: bool,
    /// Address.
    pub address: String,
    /// Phone.
    pub phone: String,
    /// Active or deactivated.
    pub active: bool,
    /// Optimistic-concurrency version.
    pub version: i32,
}

impl From<unit::Model> for UnitView {
    fn from(m: unit::Model) -> Self {
        Self {
            id: m.id,
            code: m.code,
            kind: m.kind,
            name: m.name,
            name_en: m.name_en,
            agency_window: m.agency_window,
            center_window: m.center_window,
            address: m.address,
            phone: m.phone,
            active: m.active,
            version: m.version,
        }
    }
}

/// The fields of a unit that can be set.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema, utoipa::IntoParams)]
pub struct UnitInput {
    /// Public code (create only).
    pub code: String,
    /// Kind code (create only).
    pub kind: String,
    /// Chinese name.
    pub name: String,
    /// English name.
    #[serde(default)]
    pub name_en: String,
    /// Agency window set up (town units).
    #[serde(default)]
    pub agency_window: bool,
    /// Service-center window (departments).
    #[serde(default)]
    pub center_window: bool,
    /// Address.
    #[serde(default)]
    pub address: String,
    /// Phone.
    #[serde(default)]
    pub phone: String,
}

/// Filters of the unit list.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema, utoipa::IntoParams)]
pub struct UnitFilter {
    /// Kind code.
    pub kind: Option<String>,
    /// Substring of the name or code.
    pub q: Option<String>,
    /// Include deactivated units.
    pub include_inactive: Option<bool>,
}

fn may_read(actor: &Actor) -> bool {
    actor.role != Role::Enterprise
}

/// Lists units. Enterprise users have no directory access.
///
/// # Errors
/// [`AppError::Forbidden`] for enterprise users.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    f: &UnitFilter,
) -> AppResult<Vec<UnitView>> {
    if !may_read(actor) {
        return Err(forbidden());
    }
    let mut q = unit::Entity::find();
    if let Some(k) = f.kind.as_deref().filter(|k| !k.is_empty()) {
        q = q.filter(unit::Column::Kind.eq(k));
    }
    if let Some(s) = f.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        q = q.filter(
            unit::Column::Name
                .contains(s)
                .or(unit::Column::Code.contains(s.to_uppercase())),
        );
    }
    if !f.include_inactive.unwrap_or(false) {
        q = q.filter(unit::Column::Active.eq(true));
    }
    let rows = q.order_by_asc(unit::Column::Id).all(db).await?;
    Ok(rows.into_iter().map(UnitView::from).collect())
}

/// One unit.
///
/// # Errors
/// [`AppError::NotFound`] if absent or not readable by the caller.
pub async fn get<C: ConnectionTrait>(db: &C, actor: &Actor, id: i64) -> AppResult<UnitView> {
    if !may_read(actor) {
        return Err(AppError::NotFound);
    }
    unit::Entity::find_by_id(id)
        .one(db)
        .await?
        .map(UnitView::from)
        .ok_or(AppError::NotFound)
}

fn check(input: &UnitInput, checks: &mut Checks) -> (String, String, String, String) {
    let name = checks.text("name", "单位名称", &input.name, 64);
    let name_en = checks.optional_text("name_en", "英文名称", &input.name_en, 128);
    let address = checks.optional_text("address", "地址", &input.address, 128);
    let phone = checks.optional_text("phone", "电话", &input.phone, 32);
    (name, name_en, address, phone)
}

/// Creates a unit (administrator).
///
/// # Errors
/// [`AppError::Invalid`] naming each broken rule; [`AppError::Conflict`] on a duplicate code.
pub async fn create(
    app: &App,
    actor: &Actor,
    input: &UnitInput,
    meta: &Meta,
) -> AppResult<UnitView> {
    if actor.role != Role::Admin {
        return Err(forbidden());
    }
    create_unchecked(app, &actor.into(), input, meta).await
}

/// Creates a unit on behalf of `who` without a role check, in its own transaction (CLI
/// bootstrap, tests).
///
/// # Errors
/// As [`create`].
pub async fn create_unchecked(
    app: &App,
    who: &audit::ActorRef,
    input: &UnitInput,
    meta: &Meta,
) -> AppResult<UnitView> {
    let w = app.begin_write().await?;
    let view = insert(&w.txn, app.now(), who, input, meta).await?;
    w.commit().await?;
    Ok(view)
}

/// Inserts a unit and its audit entry inside the caller's transaction, without a role check
/// (the demo city loads whole in one transaction).
///
/// # Errors
/// As [`create`].
pub async fn insert<C: ConnectionTrait>(
    txn: &C,
    now: chrono::DateTime<chrono::Utc>,
    who: &audit::ActorRef,
    input: &UnitInput,
    meta: &Meta,
) -> AppResult<UnitView> {
    let mut checks = Checks::default();
    let code = match UnitCode::parse(&input.code) {
        Ok(c) => Some(c),
        Err(e) => {
            checks.push(FieldError::new(
                "code",
                "unit_code",
                "单位代码须为 1–32 位大写字母、数字、“_”或“-”",
                e.to_string(),
            ));
            None
        }
    };
    let kind: Option<UnitKind> = match input.kind.parse() {
        Ok(k) => Some(k),
        Err(_) => {
            checks.push(FieldError::new("kind", "unit_kind", "单位类型须为：审批局、政务服务中心、镇、街道、开发区或部门", "kind must be one of bureau, service_center, town, subdistrict, dev_zone, department"));
            None
        }
    };
    let (name, name_en, address, phone) = check(input, &mut checks);
    checks.finish()?;
    let (Some(code), Some(kind)) = (code, kind) else {
        return Err(AppError::Invalid(vec![]));
    };
    if unit::Entity::find()
        .filter(unit::Column::Code.eq(code.as_str()))
        .count(txn)
        .await?
        > 0
    {
        return Err(AppError::Invalid(vec![FieldError::new(
            "code",
            "duplicate",
            format!("单位代码 {code} 已存在"),
            format!("unit code {code} already exists"),
        )]));
    }
    let m = unit::Entity::insert(unit::ActiveModel {
        code: Set(code.as_str().to_owned()),
        kind: Set(kind.code().to_owned()),
        name: Set(name),
        name_en: Set(name_en),
        agency_window: Set(kind.is_town_unit() && input.agency_window),
        center_window: Set(kind == UnitKind::Department && input.center_window),
        address: Set(address),
        phone: Set(phone),
        active: Set(true),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    })
    .exec_with_returning(txn)
    .await?;
    let view = UnitView::from(m);
    audit::append(
        txn,
        now,
        who,
        meta,
        Change {
            action: "unit.create",
            object_type: "unit",
            object_id: view.id.to_string(),
            before: None,
            after: Some(audit::snapshot(&view)?),
        },
    )
    .await?;
    Ok(view)
}

/// Edits a unit's name, contact and window facts (administrator). Code and kind are fixed once
/// created, because evaluations and filings refer to them.
///
/// # Errors
/// [`AppError::Conflict`] when `version` is stale; [`AppError::Invalid`] on bad input.
pub async fn update(
    app: &App,
    actor: &Actor,
    id: i64,
    version: i32,
    input: &UnitInput,
    meta: &Meta,
) -> AppResult<UnitView> {
    if actor.role != Role::Admin {
        return Err(forbidden());
    }
    let mut checks = Checks::default();
    let (name, name_en, address, phone) = check(input, &mut checks);
    checks.finish()?;
    let now = app.now();
    let w = app.begin_write().await?;
    let before = unit::Entity::find_by_id(id)
        .one(&w.txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let kind: UnitKind = before
        .kind
        .parse()
        .map_err(|e| anyhow::anyhow!("unit {id}: {e}"))?;
    let res = unit::Entity::update_many()
        .col_expr(unit::Column::Name, Expr::value(name))
        .col_expr(unit::Column::NameEn, Expr::value(name_en))
        .col_expr(
            unit::Column::AgencyWindow,
            Expr::value(kind.is_town_unit() && input.agency_window),
        )
        .col_expr(
            unit::Column::CenterWindow,
            Expr::value(kind == UnitKind::Department && input.center_window),
        )
        .col_expr(unit::Column::Address, Expr::value(address))
        .col_expr(unit::Column::Phone, Expr::value(phone))
        .col_expr(unit::Column::Version, Expr::value(version + 1))
        .col_expr(unit::Column::UpdatedAt, Expr::value(now))
        .filter(unit::Column::Id.eq(id))
        .filter(unit::Column::Version.eq(version))
        .exec(&w.txn)
        .await?;
    if res.rows_affected == 0 {
        return Err(version_conflict());
    }
    let after = unit::Entity::find_by_id(id)
        .one(&w.txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let (before, after) = (UnitView::from(before), UnitView::from(after));
    audit::append(
        &w.txn,
        now,
        &actor.into(),
        meta,
        Change {
            action: "unit.update",
            object_type: "unit",
            object_id: id.to_string(),
            before: Some(audit::snapshot(&before)?),
            after: Some(audit::snapshot(&after)?),
        },
    )
    .await?;
    w.commit().await?;
    Ok(after)
}

/// Deactivates or reactivates a unit (administrator). A unit with active staff cannot be
/// deactivated: their work would be left without an owner.
///
/// # Errors
/// [`AppError::Conflict`] when active staff remain.
pub async fn set_active(
    app: &App,
    actor: &Actor,
    id: i64,
    active: bool,
    meta: &Meta,
) -> AppResult<UnitView> {
    if actor.role != Role::Admin {
        return Err(forbidden());
    }
    let now = app.now();
    let w = app.begin_write().await?;
    let before = unit::Entity::find_by_id(id)
        .one(&w.txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if !active {
        let staff = user::Entity::find()
            .filter(user::Column::UnitId.eq(id))
            .filter(user::Column::Active.eq(true))
            .count(&w.txn)
            .await?;
        if staff > 0 {
            return Err(AppError::Conflict {
                code: "unit_has_active_staff",
                message: crate::Msg::new(
                    format!("该单位仍有 {staff} 名在岗人员，请先调整或停用人员"),
                    format!(
                        "The unit still has {staff} active staff; move or deactivate them first"
                    ),
                ),
            });
        }
    }
    unit::Entity::update_many()
        .col_expr(unit::Column::Active, Expr::value(active))
        .col_expr(unit::Column::Version, Expr::value(before.version + 1))
        .col_expr(unit::Column::UpdatedAt, Expr::value(now))
        .filter(unit::Column::Id.eq(id))
        .exec(&w.txn)
        .await?;
    let after = UnitView::from(
        unit::Entity::find_by_id(id)
            .one(&w.txn)
            .await?
            .ok_or(AppError::NotFound)?,
    );
    let action = if active {
        "unit.activate"
    } else {
        "unit.deactivate"
    };
    audit::append(
        &w.txn,
        now,
        &actor.into(),
        meta,
        Change {
            action,
            object_type: "unit",
            object_id: id.to_string(),
            before: Some(serde_json::json!({"active": before.active})),
            after: Some(serde_json::json!({"active": active})),
        },
    )
    .await?;
    w.commit().await?;
    Ok(after)
}

/// Every unit's name by id, for labelling lists in one query. Unit names are directory data,
/// readable by every role that lists accounts.
///
/// # Errors
/// Database failure.
pub async fn names<C: ConnectionTrait>(
    db: &C,
) -> AppResult<std::collections::BTreeMap<i64, String>> {
    Ok(unit::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect())
}

/// Finds a unit by code (CLI, demo).
///
/// # Errors
/// Database failure.
pub async fn find_by_code<C: ConnectionTrait>(
    db: &C,
    code: &str,
) -> AppResult<Option<unit::Model>> {
    Ok(unit::Entity::find()
        .filter(unit::Column::Code.eq(code.trim().to_uppercase()))
        .one(db)
        .await?)
}

/// What the bureau sees at a glance about post set-up (evaluation category 岗位设置), computed
/// from the units as they stand; staffing (人员到位) is the personnel register's
/// ([`crate::personnel::register`]).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Oversight {
    /// Active town units.
    pub town_units: u64,
    /// Active departments.
    pub departments: u64,
    /// Town units without an agency window.
    pub without_window: Vec<UnitView>,
}

/// The bureau's overview of post set-up.
///
/// # Errors
/// [`AppError::Forbidden`] for roles other than coordinator and city leader.
pub async fn oversight<C: ConnectionTrait>(db: &C, actor: &Actor) -> AppResult<Oversight> {
    if !matches!(actor.role, Role::Coordinator | Role::CityLeader) {
        return Err(forbidden());
    }
    let all = unit::Entity::find()
        .filter(unit::Column::Active.eq(true))
        .order_by_asc(unit::Column::Id)
        .all(db)
        .await?;
    let mut o = Oversight {
        town_units: 0,
        departments: 0,
        without_window: vec![],
    };
    for u in &all {
        let Ok(kind) = u.kind.parse::<UnitKind>() else {
            continue;
        };
        if kind.is_town_unit() {
            o.town_units += 1;
            if !u.agency_window {
                o.without_window.push(u.clone().into());
            }
        } else if kind == UnitKind::Department {
            o.departments += 1;
        }
    }
    Ok(o)
}
