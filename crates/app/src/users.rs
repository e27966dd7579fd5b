//! Accounts: the administrator manages them; leaders and coordinators read them within scope.

use crate::App;
use crate::actor::{Actor, Meta};
use crate::audit::{self, ActorRef, Change};
use crate::auth::{check_new_password, hash_password, revoke_all};
use crate::error::{AppError, AppResult, Checks, FieldError, forbidden, version_conflict};
use daiban_domain::role::Role;
use daiban_domain::staff::CadreCategory;
use daiban_domain::unit::UnitKind;
use daiban_store::entity::{enterprise, unit, user};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Select,
};
use serde::{Deserialize, Serialize};

/// An account as clients see it (never the password hash).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct UserView {
    /// Id.
    pub id: i64,
    /// Login name.
    pub username: String,
    /// Display name.
    pub name: String,
    /// Role code.
    pub role: String,
    /// Unit id.
    pub unit_id: Option<i64>,
    /// Enterprise id.
    pub enterprise_id: Option<i64>,
    /// Cadre category code.
    pub cadre: Option<String>,
    /// Post title.
    pub title: String,
    /// Phone.
    pub phone: String,
    /// E-mail.
    pub email: String,
    /// Preferred language.
    pub locale: String,
    /// Active or deactivated.
    pub active: bool,
    /// Locked after failed logins until then (UTC); may lie in the past.
    pub locked_until: Option<chrono::DateTime<chrono::Utc>>,
    /// Optimistic-concurrency version.
    pub version: i32,
}

impl From<user::Model> for UserView {
    fn from(m: user::Model) -> Self {
        Self {
            id: m.id,
            username: m.username,
            name: m.name,
            role: m.role,
            unit_id: m.unit_id,
            enterprise_id: m.enterprise_id,
            cadre: m.cadre,
            title: m.title,
            phone: m.phone,
            email: m.email,
            locale: m.locale,
            active: m.active,
            locked_until: m.locked_until,
            version: m.version,
        }
    }
}

/// The fields of an account that can be set.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema, utoipa::IntoParams)]
pub struct UserInput {
    /// Login name (create only): 3–32 of a-z 0-9 . _
    #[serde(default)]
    pub username: String,
    /// Display name.
    pub name: String,
    /// Role code.
    pub role: String,
    /// Unit code (staff).
    #[serde(default)]
    pub unit: String,
    /// Enterprise id (enterprise users).
    #[serde(default)]
    pub enterprise_id: Option<i64>,
    /// Cadre category code, empty for none.
    #[serde(default)]
    pub cadre: String,
    /// Post title.
    #[serde(default)]
    pub title: String,
    /// Phone.
    #[serde(default)]
    pub phone: String,
    /// E-mail.
    #[serde(default)]
    pub email: String,
    /// Initial password (create only).
    #[serde(default)]
    pub password: String,
    /// Preferred language, `zh-CN` (default) or `en`.
    #[serde(default)]
    pub locale: String,
}

/// Filters of the account list.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema, utoipa::IntoParams)]
pub struct UserFilter {
    /// Role code.
    pub role: Option<String>,
    /// Unit id.
    pub unit_id: Option<i64>,
    /// Substring of the username or name.
    pub q: Option<String>,
}

/// Restricts a query to the accounts `actor` may see.
fn scoped(actor: &Actor, q: Select<user::Entity>) -> AppResult<Select<user::Entity>> {
    Ok(match actor.role {
        Role::Admin | Role::Coordinator | Role::CityLeader => q,
        Role::Agent | Role::Helper | Role::UnitLeader => {
            q.filter(user::Column::UnitId.eq(actor.unit_id.unwrap_or(-1)))
        }
        Role::Enterprise => {
            q.filter(user::Column::EnterpriseId.eq(actor.enterprise_id.unwrap_or(-1)))
        }
        Role::Auditor => return Err(forbidden()),
    })
}

/// Lists accounts within the caller's scope.
///
/// # Errors
/// [`AppError::Forbidden`] for the auditor.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    f: &UserFilter,
) -> AppResult<Vec<UserView>> {
    let mut q = scoped(actor, user::Entity::find())?;
    if let Some(r) = f.role.as_deref().filter(|s| !s.is_empty()) {
        q = q.filter(user::Column::Role.eq(r));
    }
    if let Some(u) = f.unit_id {
        q = q.filter(user::Column::UnitId.eq(u));
    }
    if let Some(s) = f.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        q = q.filter(
            user::Column::Username
                .contains(s.to_lowercase())
                .or(user::Column::Name.contains(s)),
        );
    }
    Ok(q.order_by_asc(user::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(UserView::from)
        .collect())
}

/// One account within scope.
///
/// # Errors
/// [`AppError::NotFound`] if absent or outside scope.
pub async fn get<C: ConnectionTrait>(db: &C, actor: &Actor, id: i64) -> AppResult<UserView> {
    let q = scoped(actor, user::Entity::find_by_id(id)).map_err(|_| AppError::NotFound)?;
    q.one(db)
        .await?
        .map(UserView::from)
        .ok_or(AppError::NotFound)
}

struct Checked {
    name: String,
    role: Role,
    unit_id: Option<i64>,
    enterprise_id: Option<i64>,
    cadre: Option<String>,
    title: String,
    phone: String,
    email: String,
    locale: String,
}

async fn check<C: ConnectionTrait>(
    db: &C,
    input: &UserInput,
    checks: &mut Checks,
) -> AppResult<Option<Checked>> {
    let name = checks.text("name", "姓名", &input.name, 32);
    let title = checks.optional_text("title", "职务", &input.title, 64);
    let phone = checks.optional_text("phone", "电话", &input.phone, 32);
    if !phone.is_empty()
        && !phone
            .chars()
            .all(|c| c.is_ascii_digit() || c == '-' || c == '+' || c == ' ')
    {
        checks.push(FieldError::new(
            "phone",
            "phone_format",
            "电话只能包含数字、“-”、“+”和空格",
            "phone may contain only digits, '-', '+' and spaces",
        ));
    }
    let email = checks.optional_text("email", "电子邮箱", &input.email, 128);
    if !email.is_empty() && (!email.contains('@') || email.starts_with('@') || email.ends_with('@'))
    {
        checks.push(FieldError::new(
            "email",
            "email_format",
            "电子邮箱格式不正确",
            "email must look like name@example.org",
        ));
    }
    let locale = match input.locale.trim() {
        "" | "zh-CN" | "zh" => "zh-CN".to_owned(),
        "en" => "en".to_owned(),
        _ => {
            checks.push(FieldError::new(
                "locale",
                "locale",
                "语言只能是 zh-CN 或 en",
                "locale must be zh-CN or en",
            ));
            String::new()
        }
    };
    let cadre = match input.cadre.trim() {
        "" => None,
        c => match c.parse::<CadreCategory>() {
            Ok(c) => Some(c.code().to_owned()),
            Err(_) => {
                checks.push(FieldError::new("cadre", "cadre", "干部类别须为：年轻后备干部、基层站所负责人、机关中层干部、窗口负责人或其他", "cadre must be one of young_reserve, station_head, middle_level, window_head, other"));
                None
            }
        },
    };
    let Ok(role) = input.role.trim().parse::<Role>() else {
        checks.push(FieldError::new("role", "role", "角色不存在", "role must be one of enterprise, agent, helper, unit_leader, coordinator, city_leader, admin, auditor"));
        return Ok(None);
    };
    let mut unit_id = None;
    let mut enterprise_id = None;
    if role.needs_enterprise() {
        match input.enterprise_id {
            None => checks.push(FieldError::required("enterprise_id", "所属企业")),
            Some(id) => {
                if enterprise::Entity::find_by_id(id).one(db).await?.is_none() {
                    checks.push(FieldError::new(
                        "enterprise_id",
                        "not_found",
                        "所属企业不存在",
                        "enterprise_id names no enterprise",
                    ));
                }
                enterprise_id = Some(id);
            }
        }
    } else if input.unit.trim().is_empty() {
        if role.needs_unit() {
            checks.push(FieldError::required("unit", "所属单位"));
        }
    } else {
        match crate::units::find_by_code(db, &input.unit).await? {
            None => checks.push(FieldError::new(
                "unit",
                "not_found",
                format!("单位代码 {} 不存在", input.unit.trim()),
                format!("unit {} does not exist", input.unit.trim()),
            )),
            Some(u) => {
                let kind: Option<UnitKind> = u.kind.parse().ok();
                if kind.is_some_and(|k| !role.allowed_unit_kinds().contains(&k)) {
                    checks.push(FieldError::new(
                        "unit",
                        "unit_kind_for_role",
                        format!("{}的人员不能担任该角色", u.name),
                        format!(
                            "a {} cannot belong to a unit of kind {}",
                            role.code(),
                            u.kind
                        ),
                    ));
                }
                if !u.active {
                    checks.push(FieldError::new(
                        "unit",
                        "inactive",
                        "该单位已停用",
                        "the unit is deactivated",
                    ));
                }
                unit_id = Some(u.id);
            }
        }
    }
    Ok(Some(Checked {
        name,
        role,
        unit_id,
        enterprise_id,
        cadre,
        title,
        phone,
        email,
        locale,
    }))
}

fn check_username(raw: &str, checks: &mut Checks) -> String {
    let u = raw.trim().to_lowercase();
    let ok_len = (3..=32).contains(&u.chars().count());
    let ok_chars = u
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '_');
    if !(ok_len && ok_chars) {
        checks.push(FieldError::new(
            "username",
            "username_format",
            "用户名须为 3–32 位小写字母、数字、“.”或“_”",
            "username must be 3-32 of a-z, 0-9, '.' and '_'",
        ));
    }
    u
}

/// Creates an account (administrator).
///
/// # Errors
/// [`AppError::Invalid`] naming each broken rule (including a taken username).
pub async fn create(
    app: &App,
    actor: &Actor,
    input: &UserInput,
    meta: &Meta,
) -> AppResult<UserView> {
    if actor.role != Role::Admin {
        return Err(forbidden());
    }
    let mut checks = Checks::default();
    check_new_password(app, "password", &input.password, &mut checks);
    let username = check_username(&input.username, &mut checks);
    let hash = if checks.0.is_empty() {
        hash_password(&input.password).await?
    } else {
        String::new()
    };
    create_with_hash(app, &actor.into(), input, &username, hash, checks, meta).await
}

/// Creates an account with an already computed password hash, on behalf of `who` and without a
/// role check (CLI bootstrap, demo loading). `checks` carries errors found earlier.
///
/// # Errors
/// As [`create`].
pub async fn create_with_hash(
    app: &App,
    who: &ActorRef,
    input: &UserInput,
    username: &str,
    hash: String,
    checks: Checks,
    meta: &Meta,
) -> AppResult<UserView> {
    let w = app.begin_write().await?;
    let view = insert(&w.txn, app.now(), who, input, username, hash, checks, meta).await?;
    w.commit().await?;
    Ok(view)
}

/// Inserts an account and its audit entry inside the caller's transaction, without a role
/// check (the demo city loads whole in one transaction).
///
/// # Errors
/// As [`create`].
#[expect(
    clippy::too_many_arguments,
    reason = "the account's parts plus the transaction context"
)]
pub async fn insert<C: ConnectionTrait>(
    txn: &C,
    now: chrono::DateTime<chrono::Utc>,
    who: &ActorRef,
    input: &UserInput,
    username: &str,
    hash: String,
    mut checks: Checks,
    meta: &Meta,
) -> AppResult<UserView> {
    let c = check(txn, input, &mut checks).await?;
    if user::Entity::find()
        .filter(user::Column::Username.eq(username))
        .count(txn)
        .await?
        > 0
    {
        checks.push(FieldError::new(
            "username",
            "duplicate",
            format!("用户名 {username} 已被使用"),
            format!("username {username} is taken"),
        ));
    }
    checks.finish()?;
    let Some(c) = c else {
        return Err(AppError::Invalid(vec![]));
    };
    let m = user::Entity::insert(user::ActiveModel {
        username: Set(username.to_owned()),
        name: Set(c.name),
        role: Set(c.role.code().to_owned()),
        unit_id: Set(c.unit_id),
        enterprise_id: Set(c.enterprise_id),
        cadre: Set(c.cadre),
        title: Set(c.title),
        phone: Set(c.phone),
        email: Set(c.email),
        password_hash: Set(hash),
        failed_logins: Set(0),
        locked_until: Set(None),
        locale: Set(c.locale),
        active: Set(true),
        version: Set(1),
        last_login_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    })
    .exec_with_returning(txn)
    .await?;
    let view = UserView::from(m);
    audit::append(
        txn,
        now,
        who,
        meta,
        Change {
            action: "user.create",
            object_type: "user",
            object_id: view.id.to_string(),
            before: None,
            after: Some(audit::snapshot(&view)?),
        },
    )
    .await?;
    Ok(view)
}

/// Edits an account (administrator). A change of role or unit is a permission change: it is
/// audited with before and after, and the user's sessions end.
///
/// # Errors
/// [`AppError::Conflict`] when `version` is stale; [`AppError::Invalid`] on bad input.
pub async fn update(
    app: &App,
    actor: &Actor,
    id: i64,
    version: i32,
    input: &UserInput,
    meta: &Meta,
) -> AppResult<UserView> {
    if actor.role != Role::Admin {
        return Err(forbidden());
    }
    let now = app.now();
    let w = app.begin_write().await?;
    let before = user::Entity::find_by_id(id)
        .one(&w.txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut checks = Checks::default();
    let c = check(&w.txn, input, &mut checks).await?;
    checks.finish()?;
    let Some(c) = c else {
        return Err(AppError::Invalid(vec![]));
    };
    if id == actor.user_id && c.role != Role::Admin {
        return Err(AppError::Invalid(vec![FieldError::new(
            "role",
            "own_role",
            "不能取消自己的管理员角色",
            "you cannot remove your own administrator role",
        )]));
    }
    let permission_change = before.role != c.role.code()
        || before.unit_id != c.unit_id
        || before.enterprise_id != c.enterprise_id;
    let res = user::Entity::update_many()
        .col_expr(user::Column::Name, Expr::value(c.name))
        .col_expr(user::Column::Role, Expr::value(c.role.code()))
        .col_expr(user::Column::UnitId, Expr::value(c.unit_id))
        .col_expr(user::Column::EnterpriseId, Expr::value(c.enterprise_id))
        .col_expr(user::Column::Cadre, Expr::value(c.cadre))
        .col_expr(user::Column::Title, Expr::value(c.title))
        .col_expr(user::Column::Phone, Expr::value(c.phone))
        .col_expr(user::Column::Email, Expr::value(c.email))
        .col_expr(user::Column::Locale, Expr::value(c.locale))
        .col_expr(user::Column::Version, Expr::value(version + 1))
        .col_expr(user::Column::UpdatedAt, Expr::value(now))
        .filter(user::Column::Id.eq(id))
        .filter(user::Column::Version.eq(version))
        .exec(&w.txn)
        .await?;
    if res.rows_affected == 0 {
        return Err(version_conflict());
    }
    if permission_change {
        revoke_all(&w.txn, id).await?;
    }
    let after = UserView::from(
        user::Entity::find_by_id(id)
            .one(&w.txn)
            .await?
            .ok_or(AppError::NotFound)?,
    );
    let before = UserView::from(before);
    let action = if permission_change {
        "user.permission_change"
    } else {
        "user.update"
    };
    audit::append(
        &w.txn,
        now,
        &actor.into(),
        meta,
        Change {
            action,
            object_type: "user",
            object_id: id.to_string(),
            before: Some(audit::snapshot(&before)?),
            after: Some(audit::snapshot(&after)?),
        },
    )
    .await?;
    w.commit().await?;
    Ok(after)
}

/// Deactivates or reactivates an account (administrator); deactivation ends its sessions and is
/// refused while the account owns open work (`open_work`).
///
/// # Errors
/// [`AppError::Invalid`] when deactivating oneself.
pub async fn set_active(
    app: &App,
    actor: &Actor,
    id: i64,
    active: bool,
    meta: &Meta,
) -> AppResult<UserView> {
    if actor.role != Role::Admin {
        return Err(forbidden());
    }
    if id == actor.user_id && !active {
        return Err(AppError::Invalid(vec![FieldError::new(
            "id",
            "self",
            "不能停用自己的账号",
            "you cannot deactivate your own account",
        )]));
    }
    let now = app.now();
    let w = app.begin_write().await?;
    let before = user::Entity::find_by_id(id)
        .one(&w.txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if !active {
        // Nothing may be left without an owner: a person in a post leaves it through a filed
        // adjustment, which hands their work over.
        let work = crate::handover::open_work_of(&w.txn, id).await?;
        if !work.is_empty() {
            return Err(AppError::Conflict {
                code: "open_work",
                message: crate::error::Msg::new(
                    format!(
                        "该账号仍有 {} 项在手工作（办件、问题、督办事项或材料），须先通过人员调整报备完成交接",
                        work.len()
                    ),
                    format!(
                        "this account still owns {} pieces of open work (case items, problems, action items or materials); hand them over through a filed staff adjustment first",
                        work.len()
                    ),
                ),
            });
        }
    }
    user::Entity::update_many()
        .col_expr(user::Column::Active, Expr::value(active))
        .col_expr(user::Column::Version, Expr::value(before.version + 1))
        .col_expr(user::Column::UpdatedAt, Expr::value(now))
        .filter(user::Column::Id.eq(id))
        .exec(&w.txn)
        .await?;
    if !active {
        revoke_all(&w.txn, id).await?;
    }
    let after = UserView::from(
        user::Entity::find_by_id(id)
            .one(&w.txn)
            .await?
            .ok_or(AppError::NotFound)?,
    );
    let action = if active {
        "user.activate"
    } else {
        "user.deactivate"
    };
    audit::append(
        &w.txn,
        now,
        &actor.into(),
        meta,
        Change {
            action,
            object_type: "user",
            object_id: id.to_string(),
            before: Some(serde_json::json!({"active": before.active})),
            after: Some(serde_json::json!({"active": active})),
        },
    )
    .await?;
    w.commit().await?;
    Ok(after)
}

/// Sets a new password for an account and unlocks it (administrator).
///
/// # Errors
/// [`AppError::Invalid`] when the password breaks the policy.
pub async fn reset_password(
    app: &App,
    actor: &Actor,
    id: i64,
    password: &str,
    meta: &Meta,
) -> AppResult<UserView> {
    if actor.role != Role::Admin {
        return Err(forbidden());
    }
    let mut checks = Checks::default();
    check_new_password(app, "password", password, &mut checks);
    checks.finish()?;
    let hash = hash_password(password).await?;
    let now = app.now();
    let w = app.begin_write().await?;
    let before = user::Entity::find_by_id(id)
        .one(&w.txn)
        .await?
        .ok_or(AppError::NotFound)?;
    user::Entity::update_many()
        .col_expr(user::Column::PasswordHash, Expr::value(hash))
        .col_expr(user::Column::FailedLogins, Expr::value(0))
        .col_expr(
            user::Column::LockedUntil,
            Expr::value(Option::<chrono::DateTime<chrono::Utc>>::None),
        )
        .col_expr(user::Column::Version, Expr::value(before.version + 1))
        .col_expr(user::Column::UpdatedAt, Expr::value(now))
        .filter(user::Column::Id.eq(id))
        .exec(&w.txn)
        .await?;
    revoke_all(&w.txn, id).await?;
    audit::append(
        &w.txn,
        now,
        &actor.into(),
        meta,
        Change {
            action: "user.reset_password",
            object_type: "user",
            object_id: id.to_string(),
            before: None,
            after: None,
        },
    )
    .await?;
    let after = UserView::from(
        user::Entity::find_by_id(id)
            .one(&w.txn)
            .await?
            .ok_or(AppError::NotFound)?,
    );
    w.commit().await?;
    Ok(after)
}

/// Contact persons of a unit (agents, helpers, leaders): the staff directory every business
/// user and the unit's enterprises may read. Only names, titles and phones.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Contact {
    /// Name.
    pub name: String,
    /// Role code.
    pub role: String,
    /// Post title.
    pub title: String,
    /// Phone.
    pub phone: String,
}

/// The contacts of unit `unit_id`.
///
/// # Errors
/// [`AppError::NotFound`] for the admin-only and auditor roles, and for an enterprise user
/// asking about a unit other than its own town unit.
pub async fn contacts<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    unit_id: i64,
) -> AppResult<Vec<Contact>> {
    match actor.role {
        Role::Admin | Role::Auditor => return Err(AppError::NotFound),
        Role::Enterprise => {
            let e = enterprise::Entity::find_by_id(actor.enterprise_id.unwrap_or(-1))
                .one(db)
                .await?;
            if e.map(|e| e.unit_id) != Some(unit_id) {
                return Err(AppError::NotFound);
            }
        }
        _ => {}
    }
    let rows = user::Entity::find()
        .filter(user::Column::UnitId.eq(unit_id))
        .filter(user::Column::Active.eq(true))
        .filter(user::Column::Role.is_in(["agent", "helper", "unit_leader", "coordinator"]))
        .order_by_asc(user::Column::Id)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|u| Contact {
            name: u.name,
            role: u.role,
            title: u.title,
            phone: u.phone,
        })
        .collect())
}

/// Counts of accounts by role (administrator's overview).
///
/// # Errors
/// [`AppError::Forbidden`] for other roles.
pub async fn count_by_role<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
) -> AppResult<Vec<(String, u64)>> {
    if !matches!(actor.role, Role::Admin | Role::Coordinator) {
        return Err(forbidden());
    }
    let mut out = Vec::new();
    for r in Role::ALL {
        let n = user::Entity::find()
            .filter(user::Column::Role.eq(r.code()))
            .filter(user::Column::Active.eq(true))
            .count(db)
            .await?;
        out.push((r.code().to_owned(), n));
    }
    Ok(out)
}

/// The unit record for an id (used by views).
///
/// # Errors
/// Database failure.
pub async fn unit_name<C: ConnectionTrait>(db: &C, id: Option<i64>) -> AppResult<String> {
    Ok(match id {
        Some(id) => unit::Entity::find_by_id(id)
            .one(db)
            .await?
            .map(|u| u.name)
            .unwrap_or_default(),
        None => String::new(),
    })
}

/// A user's display name for views; empty for none or an unknown id.
///
/// # Errors
/// Database failure.
pub async fn user_name<C: ConnectionTrait>(db: &C, id: Option<i64>) -> AppResult<String> {
    Ok(match id {
        Some(id) => user::Entity::find_by_id(id)
            .one(db)
            .await?
            .map(|u| u.name)
            .unwrap_or_default(),
        None => String::new(),
    })
}

/// Accounts locked right now after failed logins (administrator's home).
///
/// # Errors
/// [`AppError::Forbidden`] for other roles.
pub async fn locked<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<Vec<UserView>> {
    if actor.role != Role::Admin {
        return Err(forbidden());
    }
    Ok(user::Entity::find()
        .filter(user::Column::LockedUntil.gt(now))
        .order_by_asc(user::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(UserView::from)
        .collect())
}
