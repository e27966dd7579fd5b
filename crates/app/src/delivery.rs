//! Notification delivery (消息推送) from the outbox: e-mail over SMTP and a signed webhook to an
//! SMS or messaging gateway, per the recipients' preferences, at least once, with retries.
//!
//! Every feature writes its `notifications` rows (the outbox) inside its own transaction; this
//! module never sits in that transaction. The dispatcher ([`run_at`]) works in three steps:
//!
//! 1. **Fan-out.** Outbox rows with `delivered_at IS NULL` are read in batches (on PostgreSQL
//!    `FOR UPDATE SKIP LOCKED`, so two instances take different rows); for each recipient (the
//!    user, or every active user of the enterprise) and channel the user wants (preferences,
//!    else the defaults of [`daiban_domain::delivery::KINDS`]) and has an address for, one
//!    `deliveries` row is inserted (`ON CONFLICT DO NOTHING` on notification × channel ×
//!    recipient), `pending`, or `skipped` when the channel is not configured here; in the same
//!    transaction the outbox rows get `delivered_at` ("handed to delivery"). A crash before the
//!    commit leaves the outbox rows undelivered, found again on the next run; after it, the
//!    delivery rows are there. Nothing is lost between the business commit and the send.
//! 2. **Claim.** Due `pending` rows whose lease is free are leased to this dispatcher
//!    (`lease_until`, `lease_owner`, `attempts + 1`) in one short transaction (PostgreSQL:
//!    `FOR UPDATE SKIP LOCKED`; SQLite: the single writer slot). No transaction is held while
//!    sending. A dispatcher that dies while sending leaves a lease that expires: the row is sent
//!    again (at least once; the receiver deduplicates on the delivery id).
//! 3. **Send and record.** Each claimed row is sent; the result is written guarded by the lease
//!    owner: `sent`, or `pending` again at the backoff time, or `failed` after the last attempt.
//!
//! The administrator sees the deliveries with the kind, the recipient and the error, never the
//! notification's text (三权分立), and may retry a failed or skipped one (audited).

use crate::App;
use crate::actor::{Actor, Meta};
use crate::audit::{self, ActorRef, Change};
use crate::error::{AppError, AppResult, Checks, FieldError, Msg, forbidden};
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use daiban_domain::delivery::{
    AfterFailure, Backoff, Channel, DeliveryState, KINDS, default_on, preference_kind,
};
use daiban_domain::role::Role;
use daiban_store::Backend;
use daiban_store::entity::{delivery, notification, notification_preference, user};
use hmac::{Hmac, Mac};
use lettre::message::{Mailbox, header::ContentType};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sea_orm::sea_query::{Expr, LockBehavior, LockType, OnConflict};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use std::collections::{BTreeMap, BTreeSet};

// ---------------------------------------------------------------------------------------------
// Settings

/// How the SMTP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MailSecurity {
    /// Plain connection upgraded with STARTTLS (required), usually port 587.
    Starttls,
    /// Implicit TLS from the first byte (SMTPS), usually port 465.
    Tls,
    /// No encryption (a relay on the same host or network only).
    None,
}

/// `[mail]`: e-mail over SMTP. Off by default.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct MailSettings {
    /// Send e-mail.
    pub enabled: bool,
    /// SMTP server.
    pub host: String,
    /// SMTP port.
    pub port: u16,
    /// `starttls`, `tls` (implicit) or `none`.
    pub security: MailSecurity,
    /// SMTP user (empty: no authentication).
    pub username: String,
    /// SMTP password.
    pub password: String,
    /// Sender, e.g. `兴化市代办平台 <daiban@example.gov.cn>`.
    pub from: String,
    /// Seconds before a connection or a command times out.
    pub timeout_seconds: u64,
}

impl Default for MailSettings {
    fn default() -> Self {
        Self {
            enabled: false,
            host: String::new(),
            port: 587,
            security: MailSecurity::Starttls,
            username: String::new(),
            password: String::new(),
            from: String::new(),
            timeout_seconds: 30,
        }
    }
}

/// `[webhook]`: a signed JSON POST to an SMS or messaging gateway (`docs/WEBHOOK.md`). Off by
/// default.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct WebhookSettings {
    /// Call the webhook.
    pub enabled: bool,
    /// `https://gateway.example/daiban`.
    pub url: String,
    /// The HMAC-SHA256 key of `X-Daiban-Signature`.
    pub secret: String,
    /// Seconds before a request times out.
    pub timeout_seconds: u64,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        Self {
            enabled: false,
            url: String::new(),
            secret: String::new(),
            timeout_seconds: 15,
        }
    }
}

/// `[delivery]`: the dispatcher.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct DeliverySettings {
    /// Seconds between runs of the dispatcher; 0 turns it off on this instance.
    pub interval_seconds: u64,
    /// The address of the site, for the links in e-mails and webhook payloads.
    pub public_url: String,
    /// Outbox rows handed out and deliveries claimed per batch.
    pub batch_size: u64,
    /// Seconds a claimed delivery stays with its dispatcher before another may take it.
    pub lease_seconds: i64,
    /// The wait after the first failed attempt, doubling each time…
    pub retry_base_seconds: i64,
    /// … up to this.
    pub retry_cap_seconds: i64,
    /// After this many attempts a delivery is `failed`.
    pub max_attempts: i32,
}

impl Default for DeliverySettings {
    fn default() -> Self {
        let b = Backoff::default();
        Self {
            interval_seconds: 30,
            public_url: "http://127.0.0.1:8080".into(),
            batch_size: 200,
            lease_seconds: 300,
            retry_base_seconds: b.base_seconds,
            retry_cap_seconds: b.cap_seconds,
            max_attempts: b.max_attempts,
        }
    }
}

impl DeliverySettings {
    /// The retry schedule.
    pub fn backoff(&self) -> Backoff {
        Backoff {
            base_seconds: self.retry_base_seconds,
            cap_seconds: self.retry_cap_seconds,
            max_attempts: self.max_attempts,
        }
    }
}

/// The three sections together, as the application holds them.
#[derive(Debug, Clone, Default)]
pub struct DeliveryConfig {
    /// `[delivery]`.
    pub delivery: DeliverySettings,
    /// `[mail]`.
    pub mail: MailSettings,
    /// `[webhook]`.
    pub webhook: WebhookSettings,
}

impl DeliveryConfig {
    /// Whether `channel` is switched on.
    pub fn enabled(&self, channel: Channel) -> bool {
        match channel {
            Channel::Email => self.mail.enabled,
            Channel::Webhook => self.webhook.enabled,
        }
    }

    /// Where `channel` goes, without credentials (for the administrator's page).
    pub fn target(&self, channel: Channel) -> String {
        match channel {
            Channel::Email if self.mail.enabled => format!(
                "{}:{} ({:?})",
                self.mail.host, self.mail.port, self.mail.security
            )
            .to_lowercase(),
            Channel::Webhook if self.webhook.enabled => {
                // Scheme, host and path; never a user or password in the URL.
                match reqwest::Url::parse(&self.webhook.url) {
                    Ok(mut u) => {
                        let _ = u.set_username("");
                        let _ = u.set_password(None);
                        u.set_query(None);
                        u.to_string()
                    }
                    Err(_) => String::new(),
                }
            }
            _ => String::new(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The dispatcher

struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

struct Webhook {
    client: reqwest::Client,
    url: String,
    secret: Vec<u8>,
}

/// Sends deliveries on the configured channels. Build it once per process.
pub struct Dispatcher {
    owner: String,
    mailer: Option<Mailer>,
    webhook: Option<Webhook>,
    backoff: Backoff,
    lease: Duration,
    batch: u64,
    public_url: String,
}

/// What one run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DispatchReport {
    /// Outbox rows handed to delivery.
    pub handed_out: u64,
    /// Delivery rows created (pending or skipped).
    pub created: u64,
    /// Created as skipped: the channel is not configured.
    pub skipped: u64,
    /// Sent.
    pub sent: u64,
    /// Failed and scheduled again.
    pub retried: u64,
    /// Failed for the last time.
    pub failed: u64,
}

/// The settings cannot work.
fn config_error(field: &str, zh: &str, en: &str) -> AppError {
    AppError::Invalid(vec![FieldError::new(field, "delivery_config", zh, en)])
}

impl Dispatcher {
    /// Builds the transports of the enabled channels.
    ///
    /// # Errors
    /// [`AppError::Invalid`] naming the setting that cannot work (no host, a sender that is no
    /// address, a webhook without URL or secret).
    pub fn new(config: &DeliveryConfig) -> AppResult<Self> {
        let mailer = if config.mail.enabled {
            let m = &config.mail;
            if m.host.trim().is_empty() {
                return Err(config_error(
                    "mail.host",
                    "已启用邮件但未配置 SMTP 服务器",
                    "mail is enabled but mail.host is empty",
                ));
            }
            let from: Mailbox = m.from.parse().map_err(|_| {
                config_error(
                    "mail.from",
                    "发件人不是有效的邮箱地址",
                    "mail.from is not an e-mail address",
                )
            })?;
            let tls = || {
                TlsParameters::new(m.host.clone()).map_err(|e| {
                    config_error(
                        "mail.host",
                        "无法建立 TLS 参数",
                        &format!("TLS parameters for mail.host: {e}"),
                    )
                })
            };
            let tls = match m.security {
                MailSecurity::None => Tls::None,
                MailSecurity::Starttls => Tls::Required(tls()?),
                MailSecurity::Tls => Tls::Wrapper(tls()?),
            };
            let mut b = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(m.host.trim())
                .port(m.port)
                .tls(tls)
                .timeout(Some(std::time::Duration::from_secs(
                    m.timeout_seconds.max(1),
                )));
            if !m.username.is_empty() {
                b = b.credentials(Credentials::new(m.username.clone(), m.password.clone()));
            }
            Some(Mailer {
                transport: b.build(),
                from,
            })
        } else {
            None
        };
        let webhook = if config.webhook.enabled {
            let w = &config.webhook;
            if reqwest::Url::parse(&w.url).is_err() {
                return Err(config_error(
                    "webhook.url",
                    "已启用 Webhook 但地址无效",
                    "webhook is enabled but webhook.url is not a URL",
                ));
            }
            if w.secret.is_empty() {
                return Err(config_error(
                    "webhook.secret",
                    "已启用 Webhook 但未配置签名密钥",
                    "webhook is enabled but webhook.secret is empty",
                ));
            }
            let client = reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(w.timeout_seconds.max(1)))
                .build()
                .map_err(|e| AppError::Unexpected(e.into()))?;
            Some(Webhook {
                client,
                url: w.url.clone(),
                secret: w.secret.as_bytes().to_vec(),
            })
        } else {
            None
        };
        Ok(Self {
            owner: crate::auth::random_token().chars().take(16).collect(),
            mailer,
            webhook,
            backoff: config.delivery.backoff(),
            lease: Duration::seconds(config.delivery.lease_seconds.max(1)),
            batch: config.delivery.batch_size.clamp(1, 10_000),
            public_url: config.delivery.public_url.trim_end_matches('/').to_owned(),
        })
    }

    fn configured(&self, channel: Channel) -> bool {
        match channel {
            Channel::Email => self.mailer.is_some(),
            Channel::Webhook => self.webhook.is_some(),
        }
    }
}

/// One run at the app's current time.
///
/// # Errors
/// Database failure (a failed send is not an error: it is recorded on its delivery).
pub async fn run_once(app: &App, d: &Dispatcher) -> AppResult<DispatchReport> {
    run_at(app, d, app.now()).await
}

/// One run as of `now`: hand out the outbox, then claim and send what is due.
///
/// # Errors
/// Database failure.
pub async fn run_at(app: &App, d: &Dispatcher, now: DateTime<Utc>) -> AppResult<DispatchReport> {
    let mut report = DispatchReport::default();
    loop {
        let (handed, created, skipped) = hand_out(app, d, now).await?;
        report.handed_out += handed;
        report.created += created;
        report.skipped += skipped;
        if handed < d.batch {
            break;
        }
    }
    loop {
        let claimed = claim(app, d, now).await?;
        let n = claimed.len() as u64;
        for c in claimed {
            match send(d, &c, now).await {
                Ok(()) => {
                    record(app, d, &c.delivery, Outcome::Sent, now).await?;
                    report.sent += 1;
                }
                Err(SendError::NotConfigured) => {
                    record(app, d, &c.delivery, Outcome::NotConfigured, now).await?;
                }
                Err(SendError::Failed(e)) => {
                    match d.backoff.after_failure(c.delivery.attempts, now) {
                        AfterFailure::RetryAt(at) => {
                            record(app, d, &c.delivery, Outcome::Retry(at, e), now).await?;
                            report.retried += 1;
                        }
                        AfterFailure::GiveUp => {
                            record(app, d, &c.delivery, Outcome::Failed(e), now).await?;
                            report.failed += 1;
                        }
                    }
                }
            }
        }
        if n < d.batch {
            break;
        }
    }
    Ok(report)
}

fn lock_if_pg<S: QuerySelect>(q: S, backend: Backend) -> S {
    if backend == Backend::Postgres {
        q.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
    } else {
        q
    }
}

/// The preference of each (user, kind, channel) that has a row.
async fn preferences_of<C: ConnectionTrait>(
    db: &C,
    users: &[i64],
) -> AppResult<BTreeMap<(i64, String, String), bool>> {
    if users.is_empty() {
        return Ok(BTreeMap::new());
    }
    Ok(notification_preference::Entity::find()
        .filter(notification_preference::Column::UserId.is_in(users.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|p| ((p.user_id, p.kind, p.channel), p.enabled))
        .collect())
}

fn wants(
    prefs: &BTreeMap<(i64, String, String), bool>,
    user_id: i64,
    kind: &str,
    channel: Channel,
) -> bool {
    let key = preference_kind(kind);
    prefs
        .get(&(user_id, key.to_owned(), channel.code().to_owned()))
        .copied()
        .unwrap_or_else(|| default_on(key, channel))
}

fn address_of(u: &user::Model, channel: Channel) -> &str {
    match channel {
        Channel::Email => u.email.trim(),
        Channel::Webhook => u.phone.trim(),
    }
}

/// Hands one batch of the outbox to delivery (the fan-out alone, without sending); returns
/// (outbox rows handed out, delivery rows created, of which skipped).
///
/// # Errors
/// Database failure; nothing of the batch is kept then.
pub async fn hand_out(app: &App, d: &Dispatcher, now: DateTime<Utc>) -> AppResult<(u64, u64, u64)> {
    let w = app.begin_write().await?;
    let batch = lock_if_pg(
        notification::Entity::find()
            .filter(notification::Column::DeliveredAt.is_null())
            .order_by_asc(notification::Column::Id)
            .limit(d.batch),
        app.db.backend,
    )
    .all(&w.txn)
    .await?;
    if batch.is_empty() {
        return Ok((0, 0, 0));
    }
    let user_ids: BTreeSet<i64> = batch.iter().filter_map(|n| n.user_id).collect();
    let ent_ids: BTreeSet<i64> = batch.iter().filter_map(|n| n.enterprise_id).collect();
    let users = user::Entity::find()
        .filter(user::Column::Active.eq(true))
        .filter(
            Condition::any().add(user::Column::Id.is_in(user_ids)).add(
                Condition::all()
                    .add(user::Column::EnterpriseId.is_in(ent_ids))
                    .add(user::Column::Role.eq(Role::Enterprise.code())),
            ),
        )
        .order_by_asc(user::Column::Id)
        .all(&w.txn)
        .await?;
    let ids: Vec<i64> = users.iter().map(|u| u.id).collect();
    let prefs = preferences_of(&w.txn, &ids).await?;
    let mut rows = Vec::new();
    let mut skipped = 0;
    for n in &batch {
        let recipients = users.iter().filter(|u| match (n.user_id, n.enterprise_id) {
            (Some(id), _) => u.id == id,
            (None, Some(e)) => u.enterprise_id == Some(e) && u.role == Role::Enterprise.code(),
            (None, None) => false,
        });
        for u in recipients {
            for ch in Channel::ALL {
                let address = address_of(u, ch);
                if address.is_empty() || !wants(&prefs, u.id, &n.kind, ch) {
                    continue;
                }
                let (state, error) = if d.configured(ch) {
                    (DeliveryState::Pending, String::new())
                } else {
                    skipped += 1;
                    (DeliveryState::Skipped, NOT_CONFIGURED.to_owned())
                };
                rows.push(delivery::ActiveModel {
                    notification_id: Set(n.id),
                    channel: Set(ch.code().to_owned()),
                    user_id: Set(u.id),
                    address: Set(address.to_owned()),
                    state: Set(state.code().to_owned()),
                    attempts: Set(0),
                    next_attempt_at: Set(now),
                    lease_until: Set(None),
                    lease_owner: Set(String::new()),
                    last_error: Set(error),
                    created_at: Set(now),
                    updated_at: Set(now),
                    sent_at: Set(None),
                    ..Default::default()
                });
            }
        }
    }
    let created = rows.len() as u64;
    for chunk in rows.chunks(200) {
        delivery::Entity::insert_many(chunk.to_vec())
            .on_conflict(
                OnConflict::columns([
                    delivery::Column::NotificationId,
                    delivery::Column::Channel,
                    delivery::Column::UserId,
                ])
                .do_nothing()
                .to_owned(),
            )
            .exec_without_returning(&w.txn)
            .await?;
    }
    notification::Entity::update_many()
        .col_expr(notification::Column::DeliveredAt, Expr::value(Some(now)))
        .filter(notification::Column::Id.is_in(batch.iter().map(|n| n.id)))
        .exec(&w.txn)
        .await?;
    w.commit().await?;
    Ok((batch.len() as u64, created, skipped))
}

/// The error recorded on a delivery whose channel is not configured.
pub const NOT_CONFIGURED: &str = "not_configured";

struct Claimed {
    delivery: delivery::Model,
    notification: notification::Model,
    user: user::Model,
}

/// Leases the due deliveries to this dispatcher.
async fn claim(app: &App, d: &Dispatcher, now: DateTime<Utc>) -> AppResult<Vec<Claimed>> {
    use sea_orm::sea_query::ExprTrait;
    let w = app.begin_write().await?;
    let due = lock_if_pg(
        delivery::Entity::find()
            .filter(delivery::Column::State.eq(DeliveryState::Pending.code()))
            .filter(delivery::Column::NextAttemptAt.lte(now))
            .filter(
                Condition::any()
                    .add(delivery::Column::LeaseUntil.is_null())
                    .add(delivery::Column::LeaseUntil.lt(now)),
            )
            .order_by_asc(delivery::Column::NextAttemptAt)
            .order_by_asc(delivery::Column::Id)
            .limit(d.batch),
        app.db.backend,
    )
    .all(&w.txn)
    .await?;
    if due.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = due.iter().map(|r| r.id).collect();
    delivery::Entity::update_many()
        .col_expr(
            delivery::Column::LeaseUntil,
            Expr::value(Some(now + d.lease)),
        )
        .col_expr(delivery::Column::LeaseOwner, Expr::value(d.owner.clone()))
        .col_expr(
            delivery::Column::Attempts,
            Expr::col(delivery::Column::Attempts).add(1),
        )
        .col_expr(delivery::Column::UpdatedAt, Expr::value(now))
        .filter(delivery::Column::Id.is_in(ids.iter().copied()))
        .exec(&w.txn)
        .await?;
    let notes: BTreeMap<i64, notification::Model> = notification::Entity::find()
        .filter(notification::Column::Id.is_in(due.iter().map(|r| r.notification_id)))
        .all(&w.txn)
        .await?
        .into_iter()
        .map(|n| (n.id, n))
        .collect();
    let users: BTreeMap<i64, user::Model> = user::Entity::find()
        .filter(user::Column::Id.is_in(due.iter().map(|r| r.user_id)))
        .all(&w.txn)
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    w.commit().await?;
    Ok(due
        .into_iter()
        .filter_map(|mut r| {
            r.attempts += 1;
            r.lease_owner.clone_from(&d.owner);
            Some(Claimed {
                notification: notes.get(&r.notification_id)?.clone(),
                user: users.get(&r.user_id)?.clone(),
                delivery: r,
            })
        })
        .collect())
}

enum SendError {
    NotConfigured,
    Failed(String),
}

enum Outcome {
    Sent,
    NotConfigured,
    Retry(DateTime<Utc>, String),
    Failed(String),
}

/// The JSON body POSTed to the webhook (`docs/WEBHOOK.md`).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct WebhookPayload {
    /// The delivery (the receiver's idempotency key: a retry carries the same id).
    pub delivery_id: i64,
    /// The notification.
    pub notification_id: i64,
    /// The kind, e.g. `deadline.red`.
    pub kind: String,
    /// Who it is for.
    pub recipient: WebhookRecipient,
    /// Title in zh-CN and en.
    pub title: Msg,
    /// Body in zh-CN and en.
    pub body: Msg,
    /// When the notification was written.
    pub created_at: String,
    /// When this attempt was sent (equals the `X-Daiban-Timestamp` header, in RFC 3339).
    pub sent_at: String,
    /// This attempt's number, from 1.
    pub attempt: i32,
    /// Links into the site.
    pub links: WebhookLinks,
}

/// The recipient in a webhook payload.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct WebhookRecipient {
    /// User id.
    pub user_id: i64,
    /// Login name.
    pub username: String,
    /// Display name.
    pub name: String,
    /// Mobile phone, for the SMS gateway.
    pub phone: String,
    /// `zh-CN` or `en`.
    pub locale: String,
}

/// Links of a webhook payload.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct WebhookLinks {
    /// The inbox.
    pub inbox: String,
    /// The project, if any.
    pub project: Option<String>,
    /// The case item, if any.
    pub case_item: Option<String>,
}

/// `sha256=<hex>` of HMAC-SHA256 over `body` with `secret`: the `X-Daiban-Signature` header.
pub fn signature(secret: &[u8], body: &[u8]) -> String {
    // HMAC accepts a key of any length: `new_from_slice` cannot fail for it.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else {
        return String::new();
    };
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

fn links(d: &Dispatcher, n: &notification::Model) -> WebhookLinks {
    WebhookLinks {
        inbox: format!("{}/inbox", d.public_url),
        project: n
            .project_id
            .map(|p| format!("{}/projects/{p}", d.public_url)),
        case_item: n
            .case_item_id
            .map(|c| format!("{}/cases/{c}", d.public_url)),
    }
}

async fn send(d: &Dispatcher, c: &Claimed, now: DateTime<Utc>) -> Result<(), SendError> {
    let Some(channel) = Channel::from_code(&c.delivery.channel) else {
        return Err(SendError::Failed(format!(
            "unknown channel {}",
            c.delivery.channel
        )));
    };
    match channel {
        Channel::Email => {
            let Some(m) = &d.mailer else {
                return Err(SendError::NotConfigured);
            };
            send_mail(d, m, c).await.map_err(SendError::Failed)
        }
        Channel::Webhook => {
            let Some(w) = &d.webhook else {
                return Err(SendError::NotConfigured);
            };
            send_webhook(d, w, c, now).await.map_err(SendError::Failed)
        }
    }
}

async fn send_mail(d: &Dispatcher, m: &Mailer, c: &Claimed) -> Result<(), String> {
    let to: Mailbox = c
        .delivery
        .address
        .parse()
        .map_err(|e| format!("recipient address: {e}"))?;
    let n = &c.notification;
    let en_first = c.user.locale == "en";
    let subject = if en_first { &n.title_en } else { &n.title_zh };
    let l = links(d, n);
    let link = l.case_item.or(l.project).unwrap_or(l.inbox);
    let zh = format!("{}\n\n{}\n\n{link}", n.title_zh, n.body_zh);
    let en = format!("{}\n\n{}\n\n{link}", n.title_en, n.body_en);
    let text = if en_first {
        format!("{en}\n\n——\n\n{zh}\n")
    } else {
        format!("{zh}\n\n——\n\n{en}\n")
    };
    let msg = Message::builder()
        .from(m.from.clone())
        .to(to)
        .subject(subject.clone())
        .header(ContentType::TEXT_PLAIN)
        .body(text)
        .map_err(|e| format!("message: {e}"))?;
    m.transport
        .send(msg)
        .await
        .map(|_| ())
        .map_err(|e| format!("smtp: {e}"))
}

/// The webhook body of a delivery, exactly as sent and signed.
fn payload(d: &Dispatcher, c: &Claimed, now: DateTime<Utc>) -> WebhookPayload {
    let n = &c.notification;
    WebhookPayload {
        delivery_id: c.delivery.id,
        notification_id: n.id,
        kind: n.kind.clone(),
        recipient: WebhookRecipient {
            user_id: c.user.id,
            username: c.user.username.clone(),
            name: c.user.name.clone(),
            phone: c.delivery.address.clone(),
            locale: c.user.locale.clone(),
        },
        title: Msg::new(n.title_zh.clone(), n.title_en.clone()),
        body: Msg::new(n.body_zh.clone(), n.body_en.clone()),
        created_at: n.created_at.to_rfc3339_opts(SecondsFormat::Secs, true),
        sent_at: now.to_rfc3339_opts(SecondsFormat::Secs, true),
        attempt: c.delivery.attempts,
        links: links(d, n),
    }
}

async fn send_webhook(
    d: &Dispatcher,
    w: &Webhook,
    c: &Claimed,
    now: DateTime<Utc>,
) -> Result<(), String> {
    let body = serde_json::to_vec(&payload(d, c, now)).map_err(|e| format!("payload: {e}"))?;
    let sig = signature(&w.secret, &body);
    let resp = w
        .client
        .post(&w.url)
        .header("content-type", "application/json")
        .header("x-daiban-delivery", c.delivery.id.to_string())
        .header(
            "x-daiban-timestamp",
            now.to_rfc3339_opts(SecondsFormat::Secs, true),
        )
        .header("x-daiban-signature", sig)
        .body(body)
        .send()
        .await
        .map_err(|e| format!("webhook: {e}"))?;
    let status = resp.status();
    if status.is_success() {
        Ok(())
    } else {
        let text = resp.text().await.unwrap_or_default();
        let short: String = text.chars().take(200).collect();
        Err(format!("webhook: HTTP {}: {short}", status.as_u16()))
    }
}

/// Writes the outcome of an attempt, if the lease is still this dispatcher's.
async fn record(
    app: &App,
    d: &Dispatcher,
    r: &delivery::Model,
    outcome: Outcome,
    now: DateTime<Utc>,
) -> AppResult<()> {
    use sea_orm::sea_query::ExprTrait;
    let w = app.begin_write().await?;
    let mut q = delivery::Entity::update_many()
        .col_expr(
            delivery::Column::LeaseUntil,
            Expr::value(None::<DateTime<Utc>>),
        )
        .col_expr(delivery::Column::UpdatedAt, Expr::value(now));
    q = match outcome {
        Outcome::Sent => q
            .col_expr(
                delivery::Column::State,
                Expr::value(DeliveryState::Sent.code()),
            )
            .col_expr(delivery::Column::SentAt, Expr::value(Some(now)))
            .col_expr(delivery::Column::LastError, Expr::value("")),
        Outcome::NotConfigured => q
            .col_expr(
                delivery::Column::State,
                Expr::value(DeliveryState::Skipped.code()),
            )
            .col_expr(
                delivery::Column::Attempts,
                Expr::col(delivery::Column::Attempts).sub(1),
            )
            .col_expr(delivery::Column::LastError, Expr::value(NOT_CONFIGURED)),
        Outcome::Retry(at, e) => q
            .col_expr(delivery::Column::NextAttemptAt, Expr::value(at))
            .col_expr(delivery::Column::LastError, Expr::value(clip(&e))),
        Outcome::Failed(e) => q
            .col_expr(
                delivery::Column::State,
                Expr::value(DeliveryState::Failed.code()),
            )
            .col_expr(delivery::Column::LastError, Expr::value(clip(&e))),
    };
    q.filter(delivery::Column::Id.eq(r.id))
        .filter(delivery::Column::LeaseOwner.eq(d.owner.clone()))
        .filter(delivery::Column::State.eq(DeliveryState::Pending.code()))
        .exec(&w.txn)
        .await?;
    w.commit().await?;
    Ok(())
}

fn clip(e: &str) -> String {
    e.chars().take(500).collect()
}

// ---------------------------------------------------------------------------------------------
// Preferences

/// One kind of notice with the caller's choice per channel.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[allow(
    clippy::struct_excessive_bools,
    reason = "one switch and one default per channel"
)]
pub struct PreferenceView {
    /// Kind code (`other`: every kind not listed).
    pub kind: String,
    /// What it is.
    pub label: Msg,
    /// E-mail on.
    pub email: bool,
    /// Webhook (SMS) on.
    pub webhook: bool,
    /// The default for e-mail.
    pub email_default: bool,
    /// The default for the webhook.
    pub webhook_default: bool,
}

/// The caller's preferences, the addresses they go to and whether each channel is running.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Preferences {
    /// One entry per kind.
    pub kinds: Vec<PreferenceView>,
    /// The e-mail address of the account (empty: no e-mail is sent).
    pub email: String,
    /// The mobile phone of the account (empty: nothing goes to the SMS gateway).
    pub phone: String,
    /// E-mail is configured on this installation.
    pub email_enabled: bool,
    /// The webhook is configured on this installation.
    pub webhook_enabled: bool,
}

/// One kind's choice.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct PreferenceInput {
    /// Kind code.
    pub kind: String,
    /// E-mail on.
    pub email: bool,
    /// Webhook (SMS) on.
    pub webhook: bool,
}

/// The choices to save (kinds not listed keep theirs).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct PreferencesInput {
    /// Per kind.
    pub preferences: Vec<PreferenceInput>,
}

/// The label of a kind of notice.
pub fn kind_label(kind: &str) -> Msg {
    let (zh, en) = match kind {
        "progress" => ("办理进度", "Progress of a case item or project"),
        "deadline.yellow" => ("黄色预警（即将到期）", "Yellow warning (due soon)"),
        "deadline.red" => ("红色预警（已超期）", "Red alert (overdue)"),
        "problem" => ("矛盾问题与逐级上报", "Problems and escalations"),
        "meeting" => ("协调会议", "Coordination meetings"),
        "action_item" => ("会议交办事项", "Meeting action items"),
        "assignment" => ("帮办指派", "Assignments"),
        "handover" => ("工作交接", "Handovers to confirm"),
        "filing" => ("人员选配报备", "Personnel filings"),
        "material" => ("材料流转", "Material custody"),
        "upload" => ("材料上传", "Uploads"),
        "rectification" => ("差评整改", "Rectifications after a bad rating"),
        "complaint" => ("举报投诉", "Complaints"),
        "monthly_report" => ("月报表", "Monthly reports"),
        "activity" => ("培训、座谈与走访", "Trainings, seminars and visits"),
        "survey.invite" => ("民主评议邀请", "Democratic-appraisal invitations"),
        _ => ("其他消息", "Other notices"),
    };
    Msg::new(zh, en)
}

fn may_receive(actor: &Actor) -> AppResult<()> {
    if matches!(actor.role, Role::Admin | Role::Auditor) {
        // The administrator and the auditor receive no business notices (三权分立).
        Err(forbidden())
    } else {
        Ok(())
    }
}

/// The caller's preferences.
///
/// # Errors
/// [`AppError::Forbidden`] for the administrator and the auditor (they receive no notices).
pub async fn preferences(app: &App, actor: &Actor) -> AppResult<Preferences> {
    may_receive(actor)?;
    let db = &app.db.conn;
    let me = user::Entity::find_by_id(actor.user_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let prefs = preferences_of(db, &[me.id]).await?;
    let kinds = KINDS
        .iter()
        .map(|k| PreferenceView {
            kind: k.kind.to_owned(),
            label: kind_label(k.kind),
            email: wants(&prefs, me.id, k.kind, Channel::Email),
            webhook: wants(&prefs, me.id, k.kind, Channel::Webhook),
            email_default: k.email,
            webhook_default: k.webhook,
        })
        .collect();
    Ok(Preferences {
        kinds,
        email: me.email,
        phone: me.phone,
        email_enabled: app.delivery.mail.enabled,
        webhook_enabled: app.delivery.webhook.enabled,
    })
}

/// Saves the caller's choices in one transaction with its audit entry.
///
/// # Errors
/// [`AppError::Invalid`] for an unknown or repeated kind (`preferences[i].kind`);
/// [`AppError::Forbidden`] for the administrator and the auditor.
pub async fn set_preferences(
    app: &App,
    actor: &Actor,
    input: &PreferencesInput,
    meta: &Meta,
) -> AppResult<Preferences> {
    may_receive(actor)?;
    let mut checks = Checks::default();
    let mut seen = BTreeSet::new();
    for (i, p) in input.preferences.iter().enumerate() {
        let field = format!("preferences[{i}].kind");
        if !KINDS.iter().any(|k| k.kind == p.kind) {
            checks.push(FieldError::new(
                &field,
                "unknown",
                format!("未知的消息类别“{}”", p.kind),
                format!("unknown kind of notice '{}'", p.kind),
            ));
        } else if !seen.insert(p.kind.clone()) {
            checks.push(FieldError::new(
                &field,
                "duplicate",
                format!("消息类别“{}”重复", p.kind),
                format!("kind '{}' is listed twice", p.kind),
            ));
        }
    }
    checks.finish()?;
    let now = app.now();
    let w = app.begin_write().await?;
    let before = preferences_of(&w.txn, &[actor.user_id]).await?;
    let mut changed = Vec::new();
    for p in &input.preferences {
        for (ch, on) in [(Channel::Email, p.email), (Channel::Webhook, p.webhook)] {
            if wants(&before, actor.user_id, &p.kind, ch) == on
                && before.contains_key(&(actor.user_id, p.kind.clone(), ch.code().to_owned()))
            {
                continue;
            }
            notification_preference::Entity::insert(notification_preference::ActiveModel {
                user_id: Set(actor.user_id),
                kind: Set(p.kind.clone()),
                channel: Set(ch.code().to_owned()),
                enabled: Set(on),
                updated_at: Set(now),
                ..Default::default()
            })
            .on_conflict(
                OnConflict::columns([
                    notification_preference::Column::UserId,
                    notification_preference::Column::Kind,
                    notification_preference::Column::Channel,
                ])
                .update_columns([
                    notification_preference::Column::Enabled,
                    notification_preference::Column::UpdatedAt,
                ])
                .to_owned(),
            )
            .exec_without_returning(&w.txn)
            .await?;
            changed.push(serde_json::json!({"kind": p.kind, "channel": ch.code(), "enabled": on}));
        }
    }
    if !changed.is_empty() {
        audit::append(
            &w.txn,
            now,
            &actor.into(),
            meta,
            Change {
                action: "notification_preferences.update",
                object_type: "user",
                object_id: actor.user_id.to_string(),
                before: None,
                after: Some(serde_json::json!({ "changes": changed })),
            },
        )
        .await?;
    }
    w.commit().await?;
    preferences(app, actor).await
}

// ---------------------------------------------------------------------------------------------
// The administrator's view

/// A delivery as the administrator sees it: kind, recipient, state and error, never the text.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DeliveryView {
    /// Id.
    pub id: i64,
    /// The notification.
    pub notification_id: i64,
    /// Its kind.
    pub kind: String,
    /// `email` or `webhook`.
    pub channel: String,
    /// Recipient's account.
    pub user_id: i64,
    /// Recipient's login name.
    pub username: String,
    /// Recipient's name.
    pub name: String,
    /// E-mail address or phone.
    pub address: String,
    /// `pending`, `sent`, `failed`, `skipped`.
    pub state: String,
    /// Attempts made.
    pub attempts: i32,
    /// When the next attempt is due (pending).
    pub next_attempt_at: DateTime<Utc>,
    /// The last error (`not_configured` for a skipped one).
    pub last_error: String,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// Sent.
    pub sent_at: Option<DateTime<Utc>>,
}

/// The filter of the administrator's list.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct DeliveryFilter {
    /// `pending`, `sent`, `failed` or `skipped` (default: every state).
    pub state: Option<String>,
    /// `email` or `webhook`.
    pub channel: Option<String>,
}

/// One channel's standing.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ChannelStatus {
    /// `email` or `webhook`.
    pub channel: String,
    /// Configured and on.
    pub enabled: bool,
    /// Server or URL (no credentials).
    pub target: String,
}

/// Deliveries per state.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StateCount {
    /// State.
    pub state: String,
    /// Deliveries in it.
    pub count: u64,
}

/// The administrator's overview.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DeliveryOverview {
    /// The channels and whether they are configured.
    pub channels: Vec<ChannelStatus>,
    /// Counts by state.
    pub counts: Vec<StateCount>,
    /// Outbox rows not yet handed to delivery.
    pub outbox_waiting: u64,
    /// The dispatcher's interval on this instance (0: off here).
    pub interval_seconds: u64,
    /// The latest deliveries matching the filter (at most 200), newest first.
    pub deliveries: Vec<DeliveryView>,
}

fn admin_only(actor: &Actor) -> AppResult<()> {
    if actor.is(Role::Admin) {
        Ok(())
    } else {
        Err(forbidden())
    }
}

fn check_filter(f: &DeliveryFilter) -> AppResult<()> {
    let mut checks = Checks::default();
    if let Some(s) = f.state.as_deref().filter(|s| !s.is_empty())
        && DeliveryState::from_code(s).is_none()
    {
        checks.push(FieldError::new(
            "state",
            "unknown",
            "状态应为 pending、sent、failed 或 skipped",
            "state must be pending, sent, failed or skipped",
        ));
    }
    if let Some(c) = f.channel.as_deref().filter(|s| !s.is_empty())
        && Channel::from_code(c).is_none()
    {
        checks.push(FieldError::new(
            "channel",
            "unknown",
            "渠道应为 email 或 webhook",
            "channel must be email or webhook",
        ));
    }
    checks.finish()
}

async fn views<C: ConnectionTrait>(
    db: &C,
    rows: Vec<delivery::Model>,
) -> AppResult<Vec<DeliveryView>> {
    let kinds: BTreeMap<i64, String> = notification::Entity::find()
        .select_only()
        .column(notification::Column::Id)
        .column(notification::Column::Kind)
        .filter(notification::Column::Id.is_in(rows.iter().map(|r| r.notification_id)))
        .into_tuple::<(i64, String)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let users: BTreeMap<i64, (String, String)> = user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .column(user::Column::Username)
        .column(user::Column::Name)
        .filter(user::Column::Id.is_in(rows.iter().map(|r| r.user_id)))
        .into_tuple::<(i64, String, String)>()
        .all(db)
        .await?
        .into_iter()
        .map(|(id, u, n)| (id, (u, n)))
        .collect();
    Ok(rows
        .into_iter()
        .map(|r| {
            let (username, name) = users.get(&r.user_id).cloned().unwrap_or_default();
            DeliveryView {
                id: r.id,
                notification_id: r.notification_id,
                kind: kinds.get(&r.notification_id).cloned().unwrap_or_default(),
                channel: r.channel,
                user_id: r.user_id,
                username,
                name,
                address: r.address,
                state: r.state,
                attempts: r.attempts,
                next_attempt_at: r.next_attempt_at,
                last_error: r.last_error,
                created_at: r.created_at,
                updated_at: r.updated_at,
                sent_at: r.sent_at,
            }
        })
        .collect())
}

/// The channels, the counts and the latest deliveries (administrator only).
///
/// # Errors
/// [`AppError::Forbidden`] for any other role; [`AppError::Invalid`] for an unknown state or
/// channel in the filter.
pub async fn overview(app: &App, actor: &Actor, f: &DeliveryFilter) -> AppResult<DeliveryOverview> {
    admin_only(actor)?;
    check_filter(f)?;
    let db = &app.db.conn;
    let mut counts = Vec::new();
    for s in DeliveryState::ALL {
        let n = delivery::Entity::find()
            .filter(delivery::Column::State.eq(s.code()))
            .count(db)
            .await?;
        counts.push(StateCount {
            state: s.code().to_owned(),
            count: n,
        });
    }
    let outbox_waiting = notification::Entity::find()
        .filter(notification::Column::DeliveredAt.is_null())
        .count(db)
        .await?;
    let mut q = delivery::Entity::find();
    if let Some(s) = f.state.as_deref().filter(|s| !s.is_empty()) {
        q = q.filter(delivery::Column::State.eq(s));
    }
    if let Some(c) = f.channel.as_deref().filter(|s| !s.is_empty()) {
        q = q.filter(delivery::Column::Channel.eq(c));
    }
    let rows = q
        .order_by_desc(delivery::Column::UpdatedAt)
        .order_by_desc(delivery::Column::Id)
        .limit(200)
        .all(db)
        .await?;
    Ok(DeliveryOverview {
        channels: Channel::ALL
            .into_iter()
            .map(|c| ChannelStatus {
                channel: c.code().to_owned(),
                enabled: app.delivery.enabled(c),
                target: app.delivery.target(c),
            })
            .collect(),
        counts,
        outbox_waiting,
        interval_seconds: app.delivery.delivery.interval_seconds,
        deliveries: views(db, rows).await?,
    })
}

/// Sends a failed or skipped delivery again: it is pending now with its attempts reset. One
/// transaction with its audit entry (the kind, channel, recipient and the error it had).
///
/// # Errors
/// [`AppError::Forbidden`] for any role but the administrator; [`AppError::NotFound`];
/// [`AppError::Conflict`] `delivery_state` for a pending or sent delivery.
pub async fn retry(app: &App, actor: &Actor, id: i64, meta: &Meta) -> AppResult<DeliveryView> {
    admin_only(actor)?;
    let now = app.now();
    let w = app.begin_write().await?;
    let r = delivery::Entity::find_by_id(id)
        .one(&w.txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let state = DeliveryState::from_code(&r.state).unwrap_or(DeliveryState::Pending);
    if !state.retryable() {
        return Err(AppError::Conflict {
            code: "delivery_state",
            message: Msg::new(
                format!(
                    "该推送状态为“{}”，只有失败或未发送（未配置）的推送可以重发",
                    r.state
                ),
                format!(
                    "the delivery is {}: only a failed or skipped delivery can be retried",
                    r.state
                ),
            ),
        });
    }
    let n = delivery::Entity::update_many()
        .col_expr(
            delivery::Column::State,
            Expr::value(DeliveryState::Pending.code()),
        )
        .col_expr(delivery::Column::Attempts, Expr::value(0))
        .col_expr(delivery::Column::NextAttemptAt, Expr::value(now))
        .col_expr(
            delivery::Column::LeaseUntil,
            Expr::value(None::<DateTime<Utc>>),
        )
        .col_expr(delivery::Column::LastError, Expr::value(""))
        .col_expr(delivery::Column::UpdatedAt, Expr::value(now))
        .filter(delivery::Column::Id.eq(r.id))
        .filter(delivery::Column::State.eq(r.state.clone()))
        .exec(&w.txn)
        .await?;
    if n.rows_affected != 1 {
        return Err(crate::error::version_conflict());
    }
    let before = views(&w.txn, vec![r.clone()]).await?;
    audit::append(
        &w.txn,
        now,
        &ActorRef::from(actor),
        meta,
        Change {
            action: "delivery.retry",
            object_type: "delivery",
            object_id: r.id.to_string(),
            before: before.first().map(|v| {
                serde_json::json!({
                    "kind": v.kind, "channel": v.channel, "user_id": v.user_id,
                    "state": v.state, "attempts": v.attempts, "last_error": v.last_error,
                })
            }),
            after: Some(serde_json::json!({"state": "pending", "attempts": 0})),
        },
    )
    .await?;
    let after = delivery::Entity::find_by_id(r.id)
        .one(&w.txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let view = views(&w.txn, vec![after]).await?;
    w.commit().await?;
    view.into_iter().next().ok_or(AppError::NotFound)
}
