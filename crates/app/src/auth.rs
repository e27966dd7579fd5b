//! Logins, sessions and API tokens, with lockout after repeated failures. Only the SHA-256 of a
//! token is stored; the token itself goes to the client once.

use crate::App;
use crate::actor::{Actor, Meta};
use crate::audit::{self, ActorRef, Change};
use crate::error::{AppError, AppResult, Checks, FieldError, Msg};
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use chrono::{DateTime, Duration, Utc};
use daiban_domain::role::Role;
use daiban_store::entity::{session, unit, user};
use rand::RngCore;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, FromQueryResult, IntoActiveModel,
    JoinType, QueryFilter, QuerySelect, RelationDef,
};
use sha2::{Digest, Sha256};

/// Browser session or API bearer token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionKind {
    /// Cookie session with an idle timeout and a CSRF token.
    Web,
    /// Bearer token with a fixed lifetime.
    Api,
}

impl SessionKind {
    fn code(self) -> &'static str {
        match self {
            SessionKind::Web => "web",
            SessionKind::Api => "api",
        }
    }
}

/// What a successful login hands to the client.
#[derive(Debug, Clone)]
pub struct Issued {
    /// The secret token (cookie value or bearer token).
    pub token: String,
    /// When it expires (API) or would expire if left idle (web).
    pub expires_at: DateTime<Utc>,
    /// The user.
    pub actor: Actor,
}

/// A random 256-bit token, hex-encoded.
pub fn random_token() -> String {
    let mut b = [0_u8; 32];
    rand::rng().fill_bytes(&mut b);
    hex::encode(b)
}

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Hashes a password with argon2id (off the async threads).
///
/// # Errors
/// Hashing failed (out of memory).
pub async fn hash_password(password: &str) -> AppResult<String> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut salt = [0_u8; 16];
        rand::rng().fill_bytes(&mut salt);
        let salt = SaltString::encode_b64(&salt).map_err(|e| anyhow::anyhow!("salt: {e}"))?;
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| anyhow::anyhow!("argon2: {e}"))
    })
    .await
    .map_err(|e| anyhow::anyhow!("hashing task: {e}"))?
    .map_err(AppError::Unexpected)
}

/// A real argon2id hash of a password nobody has, so that a login for an unknown user costs
/// the same as one for a real user.
async fn dummy_hash() -> String {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    if let Some(h) = DUMMY.get() {
        return h.clone();
    }
    let h = hash_password(&random_token()).await.unwrap_or_default();
    DUMMY.get_or_init(|| h).clone()
}

async fn verify_password(password: &str, hash: &str) -> bool {
    let password = password.to_owned();
    let hash = hash.to_owned();
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash).is_ok_and(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
    })
    .await
    .unwrap_or(false)
}

/// Checks a new password against the policy, as a field error on `field`.
pub fn check_new_password(app: &App, field: &str, password: &str, checks: &mut Checks) {
    use daiban_domain::password::{PasswordError, check_password};
    if let Err(e) = check_password(password, app.auth.min_password_len) {
        let (zh, code) = match &e {
            PasswordError::TooShort(n) => (format!("密码至少 {n} 个字符"), "too_short"),
            PasswordError::NeedsLettersAndDigits => {
                ("密码须同时包含字母和数字".to_owned(), "letters_and_digits")
            }
            PasswordError::TooLong => ("密码最多 128 个字符".to_owned(), "too_long"),
        };
        checks.push(FieldError::new(field, code, zh, e.to_string()));
    }
}

/// Loads the actor for a user row (with the unit's name and kind).
///
/// # Errors
/// Database failure.
pub async fn actor_of<C: sea_orm::ConnectionTrait>(
    db: &C,
    u: &user::Model,
    csrf: &str,
) -> AppResult<Actor> {
    let role: Role = u
        .role
        .parse()
        .map_err(|e| anyhow::anyhow!("user {}: {e}", u.id))?;
    let unit = match u.unit_id {
        Some(id) => unit::Entity::find_by_id(id).one(db).await?,
        None => None,
    };
    Ok(Actor {
        user_id: u.id,
        username: u.username.clone(),
        name: u.name.clone(),
        role,
        unit_id: u.unit_id,
        unit_name: unit.as_ref().map(|x| x.name.clone()).unwrap_or_default(),
        unit_kind: unit.and_then(|x| x.kind.parse().ok()),
        enterprise_id: u.enterprise_id,
        locale: u.locale.clone(),
        csrf_token: csrf.to_owned(),
    })
}

fn bad_credentials() -> AppError {
    AppError::Unauthenticated(Msg::new("用户名或密码错误", "Wrong username or password"))
}

/// Logs in with a password. Failures count; at the limit the account locks for the configured
/// minutes. Every success, failure and lockout is audited.
///
/// # Errors
/// [`AppError::Unauthenticated`] for wrong credentials or an inactive account,
/// [`AppError::Locked`] while locked.
pub async fn login(
    app: &App,
    username: &str,
    password: &str,
    kind: SessionKind,
    meta: &Meta,
) -> AppResult<Issued> {
    let username = username.trim().to_lowercase();
    let mut checks = Checks::default();
    if username.is_empty() {
        checks.push(FieldError::required("username", "用户名"));
    }
    if password.is_empty() {
        checks.push(FieldError::required("password", "密码"));
    }
    checks.finish()?;
    let now = app.now();
    let found = user::Entity::find()
        .filter(user::Column::Username.eq(&username))
        .one(&app.db.conn)
        .await?;
    // Verify outside the write slot: argon2 is slow on purpose.
    let ok = match &found {
        Some(u) => verify_password(password, &u.password_hash).await,
        None => {
            // Spend the same time as for a real user, so timing does not reveal who exists.
            verify_password(password, &dummy_hash().await).await;
            false
        }
    };
    let w = app.begin_write().await?;
    let Some(u) = user::Entity::find()
        .filter(user::Column::Username.eq(&username))
        .one(&w.txn)
        .await?
    else {
        audit::append(
            &w.txn,
            now,
            &ActorRef {
                name: username.clone(),
                ..ActorRef::default()
            },
            meta,
            Change {
                action: "auth.login_failed",
                object_type: "user",
                object_id: String::new(),
                before: None,
                after: Some(serde_json::json!({"reason": "unknown_user"})),
            },
        )
        .await?;
        w.commit().await?;
        return Err(bad_credentials());
    };
    let who = ActorRef {
        id: Some(u.id),
        name: u.username.clone(),
        role: u.role.clone(),
        unit_id: u.unit_id,
    };
    if let Some(until) = u.locked_until.filter(|t| *t > now) {
        audit::append(
            &w.txn,
            now,
            &who,
            meta,
            Change {
                action: "auth.login_refused_locked",
                object_type: "user",
                object_id: u.id.to_string(),
                before: None,
                after: None,
            },
        )
        .await?;
        w.commit().await?;
        let mins = (until - now).num_minutes() + 1;
        return Err(AppError::Locked(Msg::new(
            format!("连续登录失败次数过多，账号已锁定，请 {mins} 分钟后再试"),
            format!("Too many failed logins: the account is locked; try again in {mins} minutes"),
        )));
    }
    if !ok || !u.active {
        let failures = u.failed_logins + 1;
        let lock = failures >= app.auth.max_failed_logins;
        let mut am = u.clone().into_active_model();
        am.failed_logins = Set(if lock { 0 } else { failures });
        if lock {
            am.locked_until = Set(Some(now + Duration::minutes(app.auth.lockout_minutes)));
        }
        am.update(&w.txn).await?;
        let reason = if u.active {
            "wrong_password"
        } else {
            "inactive"
        };
        audit::append(
            &w.txn,
            now,
            &who,
            meta,
            Change {
                action: "auth.login_failed",
                object_type: "user",
                object_id: u.id.to_string(),
                before: None,
                after: Some(serde_json::json!({"reason": reason, "failures": failures})),
            },
        )
        .await?;
        if lock {
            audit::append(
                &w.txn,
                now,
                &who,
                meta,
                Change {
                    action: "auth.locked",
                    object_type: "user",
                    object_id: u.id.to_string(),
                    before: None,
                    after: Some(serde_json::json!({"minutes": app.auth.lockout_minutes})),
                },
            )
            .await?;
        }
        w.commit().await?;
        if lock {
            return Err(AppError::Locked(Msg::new(
                format!(
                    "连续登录失败 {failures} 次，账号已锁定 {} 分钟",
                    app.auth.lockout_minutes
                ),
                format!(
                    "{failures} failed logins in a row: the account is locked for {} minutes",
                    app.auth.lockout_minutes
                ),
            )));
        }
        return Err(bad_credentials());
    }
    let token = random_token();
    let csrf = random_token();
    let expires_at = match kind {
        SessionKind::Web => now + Duration::minutes(app.auth.idle_timeout_minutes),
        SessionKind::Api => now + Duration::hours(app.auth.api_token_hours),
    };
    session::ActiveModel {
        token_hash: Set(token_hash(&token)),
        user_id: Set(u.id),
        kind: Set(kind.code().into()),
        csrf_token: Set(csrf.clone()),
        client_addr: Set(meta.client_addr.clone()),
        created_at: Set(now),
        last_seen_at: Set(now),
        expires_at: Set(expires_at),
        revoked: Set(false),
        ..Default::default()
    }
    .insert(&w.txn)
    .await?;
    let mut am = u.clone().into_active_model();
    am.failed_logins = Set(0);
    am.locked_until = Set(None);
    am.last_login_at = Set(Some(now));
    let u = am.update(&w.txn).await?;
    audit::append(
        &w.txn,
        now,
        &who,
        meta,
        Change {
            action: "auth.login",
            object_type: "user",
            object_id: u.id.to_string(),
            before: None,
            after: Some(serde_json::json!({"kind": kind.code()})),
        },
    )
    .await?;
    let actor = actor_of(&w.txn, &u, &csrf).await?;
    w.commit().await?;
    Ok(Issued {
        token,
        expires_at,
        actor,
    })
}

/// Resolves a token to its actor. Web sessions slide their idle expiry (written at most once a
/// minute, to keep reads cheap).
///
/// # Errors
/// [`AppError::Unauthenticated`] if unknown, revoked, expired, or the user is inactive.
pub async fn authenticate(app: &App, token: &str, kind: SessionKind) -> AppResult<Actor> {
    let expired = || {
        AppError::Unauthenticated(Msg::new(
            "登录已过期，请重新登录",
            "Your session has expired; log in again",
        ))
    };
    let now = app.now();
    let Some(s) = SessionActor::find(&app.db.conn, &token_hash(token), kind).await? else {
        return Err(expired());
    };
    if s.revoked || s.expires_at <= now || !s.active {
        return Err(expired());
    }
    if kind == SessionKind::Web && now - s.last_seen_at >= Duration::minutes(1) {
        let w = app.begin_write().await?;
        session::Entity::update_many()
            .col_expr(session::Column::LastSeenAt, Expr::value(now))
            .col_expr(
                session::Column::ExpiresAt,
                Expr::value(now + Duration::minutes(app.auth.idle_timeout_minutes)),
            )
            .filter(session::Column::Id.eq(s.session_id))
            .exec(&w.txn)
            .await?;
        w.commit().await?;
    }
    s.into_actor()
}

/// A session with its user and the user's unit, read in one statement: every authenticated
/// request starts with it.
#[derive(Debug, FromQueryResult)]
struct SessionActor {
    session_id: i64,
    csrf_token: String,
    last_seen_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    revoked: bool,
    user_id: i64,
    username: String,
    name: String,
    role: String,
    unit_id: Option<i64>,
    enterprise_id: Option<i64>,
    locale: String,
    active: bool,
    unit_name: Option<String>,
    unit_kind: Option<String>,
}

impl SessionActor {
    async fn find(
        db: &sea_orm::DatabaseConnection,
        token_hash: &str,
        kind: SessionKind,
    ) -> AppResult<Option<Self>> {
        let to_user: RelationDef = session::Entity::belongs_to(user::Entity)
            .from(session::Column::UserId)
            .to(user::Column::Id)
            .into();
        let to_unit: RelationDef = user::Entity::belongs_to(unit::Entity)
            .from(user::Column::UnitId)
            .to(unit::Column::Id)
            .into();
        Ok(session::Entity::find()
            .select_only()
            .column_as(session::Column::Id, "session_id")
            .columns([
                session::Column::CsrfToken,
                session::Column::LastSeenAt,
                session::Column::ExpiresAt,
                session::Column::Revoked,
                session::Column::UserId,
            ])
            .columns([
                user::Column::Username,
                user::Column::Name,
                user::Column::Role,
                user::Column::UnitId,
                user::Column::EnterpriseId,
                user::Column::Locale,
                user::Column::Active,
            ])
            .column_as(unit::Column::Name, "unit_name")
            .column_as(unit::Column::Kind, "unit_kind")
            .join(JoinType::InnerJoin, to_user)
            .join(JoinType::LeftJoin, to_unit)
            .filter(session::Column::TokenHash.eq(token_hash))
            .filter(session::Column::Kind.eq(kind.code()))
            .into_model::<Self>()
            .one(db)
            .await?)
    }

    fn into_actor(self) -> AppResult<Actor> {
        let role: Role = self
            .role
            .parse()
            .map_err(|e| anyhow::anyhow!("user {}: {e}", self.user_id))?;
        Ok(Actor {
            user_id: self.user_id,
            username: self.username,
            name: self.name,
            role,
            unit_id: self.unit_id,
            unit_name: self.unit_name.unwrap_or_default(),
            unit_kind: self.unit_kind.and_then(|k| k.parse().ok()),
            enterprise_id: self.enterprise_id,
            locale: self.locale,
            csrf_token: self.csrf_token,
        })
    }
}

/// Revokes a token (logout).
///
/// # Errors
/// Database failure.
pub async fn logout(app: &App, token: &str, actor: &Actor, meta: &Meta) -> AppResult<()> {
    let w = app.begin_write().await?;
    session::Entity::update_many()
        .col_expr(
            session::Column::Revoked,
            sea_orm::sea_query::Expr::value(true),
        )
        .filter(session::Column::TokenHash.eq(token_hash(token)))
        .exec(&w.txn)
        .await?;
    audit::append(
        &w.txn,
        app.now(),
        &actor.into(),
        meta,
        Change {
            action: "auth.logout",
            object_type: "user",
            object_id: actor.user_id.to_string(),
            before: None,
            after: None,
        },
    )
    .await?;
    w.commit().await
}

/// Changes one's own password, after checking the current one. Other sessions are revoked.
///
/// # Errors
/// [`AppError::Invalid`] on a wrong current password or a policy violation.
pub async fn change_own_password(
    app: &App,
    actor: &Actor,
    current: &str,
    new: &str,
    meta: &Meta,
) -> AppResult<()> {
    let u = user::Entity::find_by_id(actor.user_id)
        .one(&app.db.conn)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut checks = Checks::default();
    if !verify_password(current, &u.password_hash).await {
        checks.push(FieldError::new(
            "current_password",
            "wrong_password",
            "当前密码不正确",
            "The current password is wrong",
        ));
    }
    check_new_password(app, "new_password", new, &mut checks);
    checks.finish()?;
    let hash = hash_password(new).await?;
    let w = app.begin_write().await?;
    let mut am = u.into_active_model();
    am.password_hash = Set(hash);
    am.updated_at = Set(app.now());
    am.update(&w.txn).await?;
    audit::append(
        &w.txn,
        app.now(),
        &actor.into(),
        meta,
        Change {
            action: "user.change_password",
            object_type: "user",
            object_id: actor.user_id.to_string(),
            before: None,
            after: None,
        },
    )
    .await?;
    w.commit().await
}

/// Revokes every session of a user (used when an administrator deactivates or resets).
///
/// # Errors
/// Database failure.
pub async fn revoke_all<C: sea_orm::ConnectionTrait>(txn: &C, user_id: i64) -> AppResult<()> {
    session::Entity::update_many()
        .col_expr(
            session::Column::Revoked,
            sea_orm::sea_query::Expr::value(true),
        )
        .filter(session::Column::UserId.eq(user_id))
        .exec(txn)
        .await?;
    Ok(())
}
