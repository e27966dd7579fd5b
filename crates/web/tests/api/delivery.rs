//! Notification delivery: e-mail to an SMTP sink and a signed webhook to a receiver, both
//! started by the test on loopback port 0; retries with backoff driven by explicit times; a
//! crash between the business commit and the send; two dispatchers at once; preferences; the
//! administrator's list and audited retry; the inbox's unread count and "mark all read".

use crate::helpers::{TestApp, csrf_of};
use axum::http::{HeaderMap, Method, StatusCode};
use chrono::{DateTime, Duration, Utc};
use daiban_app::delivery::{self, DeliveryConfig, Dispatcher, MailSecurity};
use daiban_app::timeline::{self, Notice, Recipient};
use daiban_app::{App, AuthPolicy, Msg};
use daiban_store::entity::{audit_entry, delivery as delivery_row, user};
use daiban_store::sea_orm::sea_query::Expr;
use daiban_store::sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

const SECRET: &str = "test-webhook-secret";

/// One message the SMTP sink accepted.
#[derive(Debug, Clone)]
struct Mail {
    rcpt: Vec<String>,
    data: String,
}

/// A minimal SMTP server on loopback: accepts every message and keeps it.
async fn smtp_sink() -> (u16, Arc<Mutex<Vec<Mail>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind smtp");
    let port = listener.local_addr().expect("addr").port();
    let mails = Arc::new(Mutex::new(Vec::new()));
    let store = mails.clone();
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            let store = store.clone();
            tokio::spawn(async move {
                let (r, mut w) = sock.into_split();
                let mut r = BufReader::new(r);
                let _ = w.write_all(b"220 sink ESMTP\r\n").await;
                let mut rcpt = Vec::new();
                let mut line = String::new();
                loop {
                    line.clear();
                    if r.read_line(&mut line).await.unwrap_or(0) == 0 {
                        break;
                    }
                    let cmd = line.trim_end().to_ascii_uppercase();
                    let reply: &[u8] = if cmd.starts_with("EHLO") || cmd.starts_with("HELO") {
                        b"250-sink\r\n250 8BITMIME\r\n"
                    } else if cmd.starts_with("MAIL FROM") {
                        rcpt.clear();
                        b"250 OK\r\n"
                    } else if cmd.starts_with("RCPT TO") {
                        let addr = line.trim_end()[8..]
                            .trim()
                            .trim_start_matches('<')
                            .trim_end_matches('>')
                            .to_owned();
                        rcpt.push(addr);
                        b"250 OK\r\n"
                    } else if cmd == "DATA" {
                        let _ = w.write_all(b"354 go ahead\r\n").await;
                        let mut data = String::new();
                        loop {
                            line.clear();
                            if r.read_line(&mut line).await.unwrap_or(0) == 0 {
                                return;
                            }
                            if line == ".\r\n" {
                                break;
                            }
                            data.push_str(&line);
                        }
                        store.lock().expect("lock").push(Mail {
                            rcpt: rcpt.clone(),
                            data,
                        });
                        b"250 queued\r\n"
                    } else if cmd == "QUIT" {
                        let _ = w.write_all(b"221 bye\r\n").await;
                        break;
                    } else {
                        b"250 OK\r\n"
                    };
                    if w.write_all(reply).await.is_err() {
                        break;
                    }
                }
            });
        }
    });
    (port, mails)
}

/// One request the webhook receiver got.
#[derive(Debug, Clone)]
struct Hook {
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Mail {
    /// The decoded text of a single-part message (lettre encodes UTF-8 text as base64).
    fn text(&self) -> String {
        use base64::Engine;
        let Some((head, body)) = self.data.split_once("\r\n\r\n") else {
            return String::new();
        };
        if head.contains("Content-Transfer-Encoding: base64") {
            let joined: String = body.split_whitespace().collect();
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(joined)
                .expect("base64 body");
            String::from_utf8(bytes).expect("utf-8 body")
        } else {
            body.to_owned()
        }
    }
}

impl Hook {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("json body")
    }
    fn header(&self, name: &str) -> String {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    }
}

#[derive(Clone, Default)]
struct Receiver {
    hooks: Arc<Mutex<Vec<Hook>>>,
    /// Statuses to answer, in order; 200 once empty.
    answers: Arc<Mutex<VecDeque<u16>>>,
}

impl Receiver {
    fn hooks(&self) -> Vec<Hook> {
        self.hooks.lock().expect("lock").clone()
    }
    fn answer(&self, statuses: &[u16]) {
        self.answers.lock().expect("lock").extend(statuses);
    }
}

/// A webhook receiver on loopback.
async fn receiver() -> (String, Receiver) {
    let rec = Receiver::default();
    let state = rec.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: axum::body::Bytes| {
            let state = state.clone();
            async move {
                state.hooks.lock().expect("lock").push(Hook {
                    headers,
                    body: body.to_vec(),
                });
                let code = state
                    .answers
                    .lock()
                    .expect("lock")
                    .pop_front()
                    .unwrap_or(200);
                StatusCode::from_u16(code).unwrap_or(StatusCode::OK)
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind hook");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}/hook"), rec)
}

fn config(smtp_port: u16, hook_url: &str) -> DeliveryConfig {
    let mut c = DeliveryConfig::default();
    c.mail.enabled = true;
    c.mail.host = "127.0.0.1".into();
    c.mail.port = smtp_port;
    c.mail.security = MailSecurity::None;
    c.mail.from = "兴化代办 <daiban@example.test>".into();
    c.mail.timeout_seconds = 5;
    c.webhook.enabled = true;
    c.webhook.url = hook_url.into();
    c.webhook.secret = SECRET.into();
    c.webhook.timeout_seconds = 5;
    c.delivery.public_url = "https://daiban.example.test/".into();
    c.delivery.retry_base_seconds = 60;
    c.delivery.retry_cap_seconds = 3600;
    c.delivery.max_attempts = 3;
    c.delivery.lease_seconds = 300;
    c
}

struct Env {
    t: TestApp,
    mails: Arc<Mutex<Vec<Mail>>>,
    hooks: Receiver,
    config: DeliveryConfig,
}

impl Env {
    fn mails(&self) -> Vec<Mail> {
        self.mails.lock().expect("lock").clone()
    }
    fn dispatcher(&self) -> Dispatcher {
        Dispatcher::new(&self.config).expect("dispatcher")
    }
    fn now(&self) -> DateTime<Utc> {
        self.t.app.now()
    }
}

async fn set_contact(t: &TestApp, username: &str, email: &str, phone: &str) {
    user::Entity::update_many()
        .col_expr(user::Column::Email, Expr::value(email))
        .col_expr(user::Column::Phone, Expr::value(phone))
        .filter(user::Column::Username.eq(username))
        .exec(&t.app.db.conn)
        .await
        .expect("contact");
}

async fn user_id(t: &TestApp, username: &str) -> i64 {
    user::Entity::find()
        .filter(user::Column::Username.eq(username))
        .one(&t.app.db.conn)
        .await
        .expect("db")
        .expect("user")
        .id
}

/// The test city with e-mail addresses and phones, the sink and the receiver.
async fn env() -> Env {
    let t = TestApp::new().await;
    set_contact(&t, "agent.a", "agent.a@example.test", "13800000001").await;
    set_contact(&t, "ent.a", "ent.a@example.test", "13900000001").await;
    set_contact(&t, "ent.b", "ent.b@example.test", "13900000002").await;
    // helper.x has neither: nothing but the inbox.
    let (port, mails) = smtp_sink().await;
    let (url, hooks) = receiver().await;
    Env {
        config: config(port, &url),
        t,
        mails,
        hooks,
    }
}

/// Writes a notification in its own committed transaction, as every feature does.
async fn notify(app: &App, to: Recipient, kind: &str, title: &str) {
    let w = app.begin_write().await.expect("begin");
    timeline::notify(
        &w.txn,
        app.now(),
        to,
        &Notice {
            kind: kind.into(),
            title: Msg::new(title, format!("{title} (en)")),
            body: Msg::new(format!("{title}：正文"), format!("{title}: body")),
            project_id: None,
            case_item_id: None,
        },
    )
    .await
    .expect("notify");
    w.commit().await.expect("commit");
}

async fn deliveries(t: &TestApp) -> Vec<delivery_row::Model> {
    delivery_row::Entity::find()
        .order_by_asc(delivery_row::Column::Id)
        .all(&t.app.db.conn)
        .await
        .expect("deliveries")
}

fn verify(secret: &str, body: &[u8], header: &str) -> bool {
    let Some(hex_sig) = header.strip_prefix("sha256=") else {
        return false;
    };
    let Ok(sig) = hex::decode(hex_sig) else {
        return false;
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("key");
    mac.update(body);
    mac.verify_slice(&sig).is_ok()
}

#[tokio::test]
async fn email_and_signed_webhook_reach_their_receivers_once() {
    let e = env().await;
    let agent = user_id(&e.t, "agent.a").await;
    notify(
        &e.t.app,
        Recipient::User(agent),
        "deadline.red",
        "办件已超期",
    )
    .await;
    notify(
        &e.t.app,
        Recipient::Enterprise(e.t.enterprise_a),
        "progress",
        "办件已受理",
    )
    .await;
    let d = e.dispatcher();
    let r = delivery::run_at(&e.t.app, &d, e.now()).await.expect("run");
    // deadline.red: e-mail and SMS on by default; progress: e-mail only.
    assert_eq!((r.handed_out, r.created, r.sent), (2, 3, 3), "{r:?}");

    let mails = e.mails();
    assert_eq!(mails.len(), 2, "{mails:?}");
    let to_agent = mails
        .iter()
        .find(|m| m.rcpt == ["agent.a@example.test"])
        .expect("agent's mail");
    assert!(
        to_agent.data.contains("Subject: =?utf-8?b?"),
        "{}",
        to_agent.data
    );
    assert!(
        to_agent.data.contains("From: =?utf-8?b?"),
        "{}",
        to_agent.data
    );
    let text = to_agent.text();
    assert!(text.starts_with("办件已超期"), "Chinese first: {text}");
    assert!(text.contains("办件已超期: body"), "and English: {text}");
    assert!(text.contains("https://daiban.example.test/inbox"), "{text}");
    assert!(mails.iter().any(|m| m.rcpt == ["ent.a@example.test"]));

    let hooks = e.hooks.hooks();
    assert_eq!(hooks.len(), 1);
    let h = &hooks[0];
    // The receiver recomputes the HMAC over the exact body bytes.
    assert!(verify(SECRET, &h.body, &h.header("x-daiban-signature")));
    assert!(!verify(
        "wrong-secret",
        &h.body,
        &h.header("x-daiban-signature")
    ));
    let body = h.json();
    assert_eq!(
        h.header("x-daiban-delivery"),
        body["delivery_id"].to_string()
    );
    assert_eq!(
        h.header("x-daiban-timestamp"),
        body["sent_at"].as_str().unwrap()
    );
    assert_eq!(h.header("content-type"), "application/json");
    assert_eq!(body["kind"], "deadline.red");
    assert_eq!(body["recipient"]["phone"], "13800000001");
    assert_eq!(body["recipient"]["username"], "agent.a");
    assert_eq!(body["title"]["zh"], "办件已超期");
    assert_eq!(body["title"]["en"], "办件已超期 (en)");
    assert_eq!(body["body"]["en"], "办件已超期: body");
    assert_eq!(body["attempt"], 1);
    assert!(body["links"]["case_item"].is_null());
    assert_eq!(body["links"]["inbox"], "https://daiban.example.test/inbox");
    assert!(body["created_at"].as_str().unwrap().ends_with('Z'));

    let rows = deliveries(&e.t).await;
    assert_eq!(rows.len(), 3);
    assert!(
        rows.iter()
            .all(|r| r.state == "sent" && r.sent_at.is_some())
    );

    // Nothing more to do: a second run sends nothing again.
    let again = delivery::run_at(&e.t.app, &d, e.now() + Duration::hours(1))
        .await
        .expect("run");
    assert_eq!(again, delivery::DispatchReport::default());
    assert_eq!(e.mails().len(), 2);
    assert_eq!(e.hooks.hooks().len(), 1);
    // The inbox is unaffected: the notifications are still there, unread.
    let tok = e.t.token("agent.a").await;
    let r =
        e.t.api(Method::GET, "/api/v1/inbox/unread-count", Some(&tok), None)
            .await;
    assert_eq!(r.json()["unread"], 1);
}

#[tokio::test]
async fn a_failed_webhook_is_retried_after_its_backoff_then_fails_for_good() {
    let e = env().await;
    let agent = user_id(&e.t, "agent.a").await;
    e.hooks.answer(&[500]);
    notify(
        &e.t.app,
        Recipient::User(agent),
        "problem",
        "问题已上报至审批局",
    )
    .await;
    let d = e.dispatcher();
    let t0 = e.now();
    let r = delivery::run_at(&e.t.app, &d, t0).await.expect("run");
    assert_eq!(
        (r.sent, r.retried),
        (1, 1),
        "mail sent, webhook to retry: {r:?}"
    );
    let hook = deliveries(&e.t)
        .await
        .into_iter()
        .find(|r| r.channel == "webhook")
        .expect("webhook delivery");
    assert_eq!(hook.state, "pending");
    assert_eq!(hook.attempts, 1);
    assert_eq!(hook.next_attempt_at, t0 + Duration::seconds(60));
    assert!(hook.last_error.contains("HTTP 500"), "{}", hook.last_error);

    // Before the backoff has passed nothing is sent.
    let r = delivery::run_at(&e.t.app, &d, t0 + Duration::seconds(59))
        .await
        .expect("run");
    assert_eq!(r.sent + r.retried, 0);
    assert_eq!(e.hooks.hooks().len(), 1);
    // At the backoff time it goes again, and the gateway takes it (same delivery id).
    let r = delivery::run_at(&e.t.app, &d, t0 + Duration::seconds(60))
        .await
        .expect("run");
    assert_eq!(r.sent, 1);
    let hooks = e.hooks.hooks();
    assert_eq!(hooks.len(), 2);
    assert_eq!(
        hooks[0].json()["delivery_id"],
        hooks[1].json()["delivery_id"]
    );
    assert_eq!(hooks[1].json()["attempt"], 2);
    assert!(verify(
        SECRET,
        &hooks[1].body,
        &hooks[1].header("x-daiban-signature")
    ));
    assert_eq!(e.mails().len(), 1, "the e-mail went once");

    // A gateway that keeps failing: three attempts (60 s, then 120 s apart), then failed.
    e.hooks.answer(&[503, 503, 503]);
    notify(
        &e.t.app,
        Recipient::User(agent),
        "deadline.red",
        "办件已超期",
    )
    .await;
    let t1 = t0 + Duration::hours(1);
    for (at, want) in [
        (t1, "pending"),
        (t1 + Duration::seconds(60), "pending"),
        (t1 + Duration::seconds(179), "pending"),
        (t1 + Duration::seconds(180), "failed"),
    ] {
        delivery::run_at(&e.t.app, &d, at).await.expect("run");
        let last = deliveries(&e.t)
            .await
            .into_iter()
            .rfind(|r| r.channel == "webhook")
            .expect("row");
        assert_eq!(last.state, want, "at {at}");
    }
    assert_eq!(e.hooks.hooks().len(), 5);
}

#[tokio::test]
async fn the_administrator_sees_failures_without_the_text_and_retries_them() {
    let e = env().await;
    let agent = user_id(&e.t, "agent.a").await;
    let mut cfg = e.config.clone();
    cfg.delivery.max_attempts = 1;
    let d = Dispatcher::new(&cfg).expect("dispatcher");
    e.hooks.answer(&[500]);
    notify(
        &e.t.app,
        Recipient::User(agent),
        "deadline.red",
        "机密的办件标题",
    )
    .await;
    delivery::run_at(&e.t.app, &d, e.now()).await.expect("run");

    let admin = e.t.token("admin").await;
    let r =
        e.t.api(
            Method::GET,
            "/api/v1/admin/deliveries?state=failed",
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let list = r.json()["deliveries"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(list.len(), 1, "{}", r.text);
    let failed = &list[0];
    assert_eq!(failed["kind"], "deadline.red");
    assert_eq!(failed["channel"], "webhook");
    assert_eq!(failed["username"], "agent.a");
    assert!(failed["last_error"].as_str().unwrap().contains("HTTP 500"));
    assert!(
        !r.text.contains("机密"),
        "the administrator reads no business text"
    );
    let counts = r.json()["counts"].clone();
    assert!(
        counts
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["state"] == "failed" && c["count"] == 1)
    );
    let id = failed["id"].as_i64().unwrap();

    // Other roles: 403 on the list and the retry.
    for who in ["coord", "agent.a", "auditor", "ent.a"] {
        let tok = e.t.token(who).await;
        let r =
            e.t.api(Method::GET, "/api/v1/admin/deliveries", Some(&tok), None)
                .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{who}");
        let r =
            e.t.api(
                Method::POST,
                &format!("/api/v1/admin/deliveries/{id}/retry"),
                Some(&tok),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{who}");
    }
    // A bad filter is a 422 naming the field.
    let r =
        e.t.api(
            Method::GET,
            "/api/v1/admin/deliveries?state=lost",
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["errors"][0]["field"], "state");

    let r =
        e.t.api(
            Method::POST,
            &format!("/api/v1/admin/deliveries/{id}/retry"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["state"], "pending");
    assert_eq!(r.json()["attempts"], 0);
    let audit = audit_entry::Entity::find()
        .filter(audit_entry::Column::Action.eq("delivery.retry"))
        .all(&e.t.app.db.conn)
        .await
        .expect("audit");
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].object_id, id.to_string());

    // Retrying a pending one is a conflict; an unknown id is 404.
    let r =
        e.t.api(
            Method::POST,
            &format!("/api/v1/admin/deliveries/{id}/retry"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.json()["code"], "delivery_state");
    let r =
        e.t.api(
            Method::POST,
            "/api/v1/admin/deliveries/999999/retry",
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // The gateway answers now: the retried delivery is sent.
    let r = delivery::run_at(&e.t.app, &d, e.now()).await.expect("run");
    assert_eq!(r.sent, 1);
    assert_eq!(e.hooks.hooks().len(), 2);

    // The page: the administrator's list with a retry button for failed rows.
    let session = e.t.page_login("admin").await;
    let page = e.t.page("/admin/deliveries", &session).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("消息推送记录"));
    assert!(page.text.contains("agent.a"));
    assert!(!page.text.contains("机密"));
    let other = e.t.page_login("coord").await;
    assert_eq!(
        e.t.page("/admin/deliveries", &other).await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn nothing_is_lost_when_the_process_dies_between_commit_and_send() {
    let e = env().await;
    let agent = user_id(&e.t, "agent.a").await;
    // The business transaction commits its notification; the process "dies" before any
    // dispatcher ran: this App and its pool are dropped.
    {
        let db = daiban_store::connect(&e.t.app.db.url, 2)
            .await
            .expect("connect");
        let first = App::new(db, e.t.clock.clone(), AuthPolicy::default());
        notify(&first, Recipient::User(agent), "deadline.red", "办件已超期").await;
        first.db.conn.clone().close().await.expect("close");
    }
    // A new process on the same database finds the outbox row and delivers it once.
    let db = daiban_store::connect(&e.t.app.db.url, 2)
        .await
        .expect("connect");
    let second = App::new(db, e.t.clock.clone(), AuthPolicy::default());
    let d = Dispatcher::new(&e.config).expect("dispatcher");
    let r = delivery::run_at(&second, &d, e.now()).await.expect("run");
    assert_eq!((r.handed_out, r.sent), (1, 2));
    assert_eq!(e.mails().len(), 1);
    assert_eq!(e.hooks.hooks().len(), 1);
    // Yet another restart delivers nothing twice.
    let d2 = Dispatcher::new(&e.config).expect("dispatcher");
    let r = delivery::run_at(&second, &d2, e.now() + Duration::minutes(10))
        .await
        .expect("run");
    assert_eq!(r, delivery::DispatchReport::default());
    assert_eq!(e.mails().len(), 1);

    // A dispatcher that died while sending: its lease runs out, then another sends the rows.
    notify(&second, Recipient::User(agent), "problem", "问题已上报").await;
    let now = e.now();
    let before = e.mails().len();
    let d3 = Dispatcher::new(&e.config).expect("dispatcher");
    let (handed, created, _) = delivery::hand_out(&second, &d3, now)
        .await
        .expect("hand out");
    assert_eq!((handed, created), (1, 2));
    // What a claim by a dispatcher that then died leaves behind: a lease and one attempt.
    let leased_until = now + Duration::minutes(5);
    delivery_row::Entity::update_many()
        .col_expr(
            delivery_row::Column::LeaseUntil,
            Expr::value(Some(leased_until)),
        )
        .col_expr(
            delivery_row::Column::LeaseOwner,
            Expr::value("dead-dispatcher"),
        )
        .col_expr(delivery_row::Column::Attempts, Expr::value(1))
        .filter(delivery_row::Column::State.eq("pending"))
        .exec(&second.db.conn)
        .await
        .expect("lease");
    let r = delivery::run_at(&second, &d3, now + Duration::minutes(1))
        .await
        .expect("run");
    assert_eq!(r.sent, 0, "leased to another dispatcher");
    let r = delivery::run_at(&second, &d3, leased_until + Duration::seconds(1))
        .await
        .expect("run");
    assert_eq!(r.sent, 2, "the lease ran out: sent again (at least once)");
    assert_eq!(e.mails().len(), before + 1);
    let hook = e.hooks.hooks().pop().expect("hook");
    assert_eq!(hook.json()["attempt"], 2);
}

#[tokio::test]
async fn two_dispatchers_at_once_send_each_delivery_once() {
    let e = env().await;
    let agent = user_id(&e.t, "agent.a").await;
    for i in 0..12 {
        notify(
            &e.t.app,
            Recipient::User(agent),
            "deadline.red",
            &format!("超期{i}"),
        )
        .await;
    }
    let mut cfg = e.config.clone();
    cfg.delivery.batch_size = 3;
    let a = Dispatcher::new(&cfg).expect("a");
    let b = Dispatcher::new(&cfg).expect("b");
    let now = e.now();
    let (ra, rb) = tokio::join!(
        delivery::run_at(&e.t.app, &a, now),
        delivery::run_at(&e.t.app, &b, now)
    );
    let (ra, rb) = (ra.expect("a"), rb.expect("b"));
    assert_eq!(ra.handed_out + rb.handed_out, 12);
    assert_eq!(ra.sent + rb.sent, 24);
    assert_eq!(e.mails().len(), 12);
    let hooks = e.hooks.hooks();
    assert_eq!(hooks.len(), 12);
    let mut ids: Vec<i64> = hooks
        .iter()
        .map(|h| h.json()["delivery_id"].as_i64().unwrap())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 12, "no delivery went twice");
}

#[tokio::test]
async fn preferences_decide_the_channels_and_are_validated_and_audited() {
    let e = env().await;
    let ent = e.t.token("ent.a").await;
    let r =
        e.t.api(
            Method::GET,
            "/api/v1/account/notification-preferences",
            Some(&ent),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let kinds = r.json()["kinds"].as_array().cloned().unwrap_or_default();
    let progress = kinds
        .iter()
        .find(|k| k["kind"] == "progress")
        .expect("progress");
    assert_eq!(
        (progress["email"].as_bool(), progress["webhook"].as_bool()),
        (Some(true), Some(false))
    );
    assert_eq!(r.json()["email"], "ent.a@example.test");
    assert!(kinds.iter().any(|k| k["kind"] == "deadline.red"));

    // An unknown kind: 422 naming the field and the rule, in both languages.
    let r =
        e.t.api(
            Method::PUT,
            "/api/v1/account/notification-preferences",
            Some(&ent),
            Some(json!({"preferences": [{"kind": "gossip", "email": true, "webhook": true}]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(r.json()["errors"][0]["field"], "preferences[0].kind");
    assert_eq!(r.json()["errors"][0]["code"], "unknown");
    let en =
        e.t.api_lang(
            Method::PUT,
            "/api/v1/account/notification-preferences",
            Some(&ent),
            Some(json!({"preferences": [{"kind": "gossip", "email": true, "webhook": true}]})),
            Some("en"),
        )
        .await;
    assert!(
        en.json()["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("unknown kind")
    );
    let r =
        e.t.api(
            Method::PUT,
            "/api/v1/account/notification-preferences",
            Some(&ent),
            Some(json!({"preferences": "all"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Progress by SMS instead of e-mail.
    let r =
        e.t.api(
            Method::PUT,
            "/api/v1/account/notification-preferences",
            Some(&ent),
            Some(json!({"preferences": [{"kind": "progress", "email": false, "webhook": true}]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let audit = audit_entry::Entity::find()
        .filter(audit_entry::Column::Action.eq("notification_preferences.update"))
        .all(&e.t.app.db.conn)
        .await
        .expect("audit");
    assert_eq!(audit.len(), 1);

    notify(
        &e.t.app,
        Recipient::Enterprise(e.t.enterprise_a),
        "progress",
        "办件已受理",
    )
    .await;
    // Enterprise B's user keeps the defaults and gets nothing of enterprise A.
    let d = e.dispatcher();
    delivery::run_at(&e.t.app, &d, e.now()).await.expect("run");
    assert!(
        e.mails().is_empty(),
        "ent.a switched e-mail off: {:?}",
        e.mails()
    );
    let hooks = e.hooks.hooks();
    assert_eq!(hooks.len(), 1);
    assert_eq!(hooks[0].json()["recipient"]["phone"], "13900000001");

    // The administrator and the auditor receive no notices: no preferences.
    for who in ["admin", "auditor"] {
        let tok = e.t.token(who).await;
        let r =
            e.t.api(
                Method::GET,
                "/api/v1/account/notification-preferences",
                Some(&tok),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{who}");
    }

    // The page saves the boxes ticked (an unticked box is off).
    let session = e.t.page_login("agent.a").await;
    let page = e.t.page("/account/notifications", &session).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("消息推送设置"));
    let csrf = csrf_of(&page.text);
    let r =
        e.t.post_form(
            "/account/notifications",
            &session,
            &format!("_csrf={csrf}&email.deadline.red=on"),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let tok = e.t.token("agent.a").await;
    let p =
        e.t.api(
            Method::GET,
            "/api/v1/account/notification-preferences",
            Some(&tok),
            None,
        )
        .await
        .json();
    let red = p["kinds"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kind"] == "deadline.red")
        .cloned()
        .unwrap();
    assert_eq!(
        (red["email"].as_bool(), red["webhook"].as_bool()),
        (Some(true), Some(false))
    );
    let problem = p["kinds"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kind"] == "problem")
        .cloned()
        .unwrap();
    assert_eq!(problem["email"], false);
}

async fn unread(t: &TestApp, who: &str) -> Option<u64> {
    let tok = t.token(who).await;
    t.api(Method::GET, "/api/v1/inbox/unread-count", Some(&tok), None)
        .await
        .json()["unread"]
        .as_u64()
}

#[tokio::test]
async fn unread_badge_and_mark_all_read_are_scoped_to_the_reader() {
    let e = env().await;
    let agent = user_id(&e.t, "agent.a").await;
    notify(&e.t.app, Recipient::User(agent), "progress", "一").await;
    notify(&e.t.app, Recipient::User(agent), "progress", "二").await;
    notify(
        &e.t.app,
        Recipient::Enterprise(e.t.enterprise_a),
        "progress",
        "三",
    )
    .await;

    let session = e.t.page_login("agent.a").await;
    let page = e.t.page("/", &session).await;
    assert!(
        page.text.contains("站内消息（2 条未读）"),
        "badge: {}",
        page.text
    );
    let en =
        e.t.send(
            axum::http::Request::get("/")
                .header(
                    axum::http::header::COOKIE,
                    format!("daiban_session={session}; lang=en"),
                )
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert!(en.text.contains("Inbox (2 unread)"));

    assert_eq!(unread(&e.t, "agent.a").await, Some(2));
    assert_eq!(unread(&e.t, "ent.a").await, Some(1));
    assert_eq!(unread(&e.t, "ent.b").await, Some(0));
    assert_eq!(unread(&e.t, "agent.b").await, Some(0));

    // Another reader's notification is not found.
    let ent_b = e.t.token("ent.b").await;
    let mine =
        e.t.api(
            Method::GET,
            "/api/v1/inbox",
            Some(&e.t.token("ent.a").await),
            None,
        )
        .await;
    let id = mine.json()[0]["id"].as_i64().unwrap();
    let r =
        e.t.api(
            Method::POST,
            &format!("/api/v1/inbox/{id}/read"),
            Some(&ent_b),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // Mark all read: the agent's two, not the enterprise's.
    let inbox = e.t.page("/inbox", &session).await;
    let csrf = csrf_of(&inbox.text);
    let r =
        e.t.post_form("/inbox/read-all", &session, &format!("_csrf={csrf}"))
            .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(unread(&e.t, "agent.a").await, Some(0));
    assert_eq!(unread(&e.t, "ent.a").await, Some(1));
    let page = e.t.page("/", &session).await;
    assert!(page.text.contains("站内消息（无未读）"));
    let tok = e.t.token("ent.a").await;
    let r =
        e.t.api(Method::POST, "/api/v1/inbox/read-all", Some(&tok), None)
            .await;
    assert_eq!(r.json()["marked"], 1);
    // The administrator has no inbox.
    let admin = e.t.token("admin").await;
    let r =
        e.t.api(Method::POST, "/api/v1/inbox/read-all", Some(&admin), None)
            .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn without_configured_channels_deliveries_are_recorded_as_not_sent() {
    let e = env().await;
    let agent = user_id(&e.t, "agent.a").await;
    notify(
        &e.t.app,
        Recipient::User(agent),
        "deadline.red",
        "办件已超期",
    )
    .await;
    let d = Dispatcher::new(&DeliveryConfig::default()).expect("dispatcher");
    let r = delivery::run_at(&e.t.app, &d, e.now()).await.expect("run");
    assert_eq!((r.created, r.skipped, r.sent), (2, 2, 0));
    let rows = deliveries(&e.t).await;
    assert!(
        rows.iter()
            .all(|r| r.state == "skipped" && r.last_error == "not_configured")
    );
    assert!(e.mails().is_empty());
    // Once configured, the administrator can send a skipped one.
    let admin = e.t.token("admin").await;
    let id = rows[0].id;
    let r =
        e.t.api(
            Method::POST,
            &format!("/api/v1/admin/deliveries/{id}/retry"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = delivery::run_at(&e.t.app, &e.dispatcher(), e.now())
        .await
        .expect("run");
    assert_eq!(r.sent, 1);
}

#[tokio::test]
async fn the_demo_records_what_it_would_have_sent_as_not_configured() {
    use daiban_store::entity::notification;
    use daiban_store::sea_orm::PaginatorTrait;
    let (app, _clock, _dir) = crate::helpers::bare_app().await;
    daiban_app::demo::load_with(&app, 24).await.expect("load");
    let db = &app.db.conn;
    // Every notice of the simulated year was handed to delivery on the demo's clock.
    let waiting = notification::Entity::find()
        .filter(notification::Column::DeliveredAt.is_null())
        .count(db)
        .await
        .expect("count");
    assert_eq!(waiting, 0);
    let rows = delivery_row::Entity::find().all(db).await.expect("rows");
    assert!(
        rows.len() > 20,
        "SMS the year's red alerts and problems would send: {}",
        rows.len()
    );
    assert!(
        rows.iter().all(|r| r.state == "skipped"
            && r.last_error == "not_configured"
            && r.channel == "webhook"),
        "no channel is configured in the demo, and the demo accounts have phones, no e-mail"
    );
    let first = rows.iter().map(|r| r.created_at).min().expect("rows");
    let last = rows.iter().map(|r| r.created_at).max().expect("rows");
    assert!(last - first > Duration::days(100), "spread over the year");
}
