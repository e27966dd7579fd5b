//! `TestApp`: a router over a fresh database with a small city: the bureau, two towns (A, B),
//! one department, and one account per role.

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use chrono::TimeZone;
use daiban_app::audit::ActorRef;
use daiban_app::enterprises::{EnterpriseInput, create_unchecked as create_enterprise};
use daiban_app::error::Checks;
use daiban_app::units::{UnitInput, create_unchecked as create_unit};
use daiban_app::users::{UserInput, create_with_hash};
use daiban_app::{App, AuthPolicy, FixedClock, Meta};
use daiban_store::sea_orm::{ConnectionTrait, Database};
use daiban_web::{AppState, WebSettings};
use http_body_util::BodyExt;
use serde_json::Value;
use std::sync::Arc;
use tower::ServiceExt;

pub const PASSWORD: &str = "daiban2026";

pub struct TestApp {
    pub router: Router,
    pub app: App,
    pub clock: Arc<FixedClock>,
    pub enterprise_a: i64,
    pub enterprise_b: i64,
    _dir: Option<tempfile::TempDir>,
}

pub struct Resp {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub text: String,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or(Value::Null)
    }
}

async fn database_url() -> (String, Option<tempfile::TempDir>) {
    if let Ok(admin) = std::env::var("DAIBAN_TEST_POSTGRES_URL") {
        let conn = Database::connect(&admin)
            .await
            .expect("connect to PostgreSQL");
        let name = format!(
            "daiban_test_{}",
            daiban_app::auth::random_token().get(..16).unwrap_or("x")
        );
        conn.execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .expect("create database");
        let base = admin
            .rsplit_once('/')
            .map_or(admin.as_str(), |(b, _)| b)
            .to_owned();
        (format!("{base}/{name}"), None)
    } else {
        let dir = tempfile::tempdir().expect("tempdir");
        (
            format!("sqlite://{}", dir.path().join("t.db").display()),
            Some(dir),
        )
    }
}

/// An application over a fresh, migrated, empty database (the directory must outlive it).
pub async fn bare_app() -> (App, Arc<FixedClock>, Option<tempfile::TempDir>) {
    let (url, dir) = database_url().await;
    let db = daiban_store::connect(&url, 4).await.expect("connect");
    daiban_store::migration::migrate(&db)
        .await
        .expect("migrate");
    let start = chrono::Utc
        .with_ymd_and_hms(2026, 11, 27, 2, 0, 0)
        .single()
        .expect("time");
    let clock = Arc::new(FixedClock::new(start));
    (
        App::new(db, clock.clone(), AuthPolicy::default()),
        clock,
        dir,
    )
}

impl TestApp {
    pub async fn new() -> Self {
        let (app, clock, dir) = bare_app().await;
        let who = ActorRef::system();
        let meta = Meta::cli();
        for (code, kind, name) in [
            ("BUREAU", "bureau", "兴化市行政审批局"),
            ("T-A", "town", "甲镇"),
            ("T-B", "town", "乙镇"),
            ("D-X", "department", "市住房和城乡建设局"),
        ] {
            create_unit(
                &app,
                &who,
                &UnitInput {
                    code: code.into(),
                    kind: kind.into(),
                    name: name.into(),
                    agency_window: true,
                    ..UnitInput::default()
                },
                &meta,
            )
            .await
            .expect("unit");
        }
        let ea = create_enterprise(
            &app,
            &who,
            &EnterpriseInput {
                uscc: "91350100M000100Y43".into(),
                name: "甲镇不锈钢有限公司".into(),
                unit: "T-A".into(),
                ..EnterpriseInput::default()
            },
            &meta,
        )
        .await
        .expect("enterprise a");
        let eb = create_enterprise(
            &app,
            &who,
            &EnterpriseInput {
                uscc: "9132128100000000A0".into(),
                name: "乙镇食品有限公司".into(),
                unit: "T-B".into(),
                ..EnterpriseInput::default()
            },
            &meta,
        )
        .await
        .expect("enterprise b");
        let hash = daiban_app::auth::hash_password(PASSWORD)
            .await
            .expect("hash");
        let staff: [(&str, &str, &str); 8] = [
            ("admin", "admin", "BUREAU"),
            ("auditor", "auditor", "BUREAU"),
            ("coord", "coordinator", "BUREAU"),
            ("leader", "city_leader", "BUREAU"),
            ("agent.a", "agent", "T-A"),
            ("agent.b", "agent", "T-B"),
            ("lead.a", "unit_leader", "T-A"),
            ("helper.x", "helper", "D-X"),
        ];
        for (u, role, unit) in staff {
            let input = UserInput {
                username: u.into(),
                name: format!("测试{u}"),
                role: role.into(),
                unit: unit.into(),
                ..UserInput::default()
            };
            create_with_hash(
                &app,
                &who,
                &input,
                u,
                hash.clone(),
                Checks::default(),
                &meta,
            )
            .await
            .expect("user");
        }
        for (u, e) in [("ent.a", ea.id), ("ent.b", eb.id)] {
            let input = UserInput {
                username: u.into(),
                name: format!("企业{u}"),
                role: "enterprise".into(),
                enterprise_id: Some(e),
                ..UserInput::default()
            };
            create_with_hash(
                &app,
                &who,
                &input,
                u,
                hash.clone(),
                Checks::default(),
                &meta,
            )
            .await
            .expect("enterprise user");
        }
        let state = AppState {
            app: app.clone(),
            web: Arc::new(WebSettings::default()),
            demo: false,
        };
        Self {
            router: daiban_web::router(state),
            app,
            clock,
            enterprise_a: ea.id,
            enterprise_b: eb.id,
            _dir: dir,
        }
    }

    pub async fn send(&self, req: Request<Body>) -> Resp {
        let resp = self.router.clone().oneshot(req).await.expect("response");
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp.into_body().collect().await.expect("body").to_bytes();
        Resp {
            status,
            headers,
            text: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    pub async fn api(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Resp {
        self.api_lang(method, path, token, body, None).await
    }

    pub async fn api_lang(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
        lang: Option<&str>,
    ) -> Resp {
        let mut b = Request::builder().method(method).uri(path);
        if let Some(t) = token {
            b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        if let Some(l) = lang {
            b = b.header(header::ACCEPT_LANGUAGE, l);
        }
        let req = match body {
            Some(v) => b
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(v.to_string())),
            None => b.body(Body::empty()),
        };
        self.send(req.expect("request")).await
    }

    /// The id of the account with this username.
    pub async fn user_id(&self, username: &str) -> i64 {
        use daiban_store::entity::user;
        use daiban_store::sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        user::Entity::find()
            .filter(user::Column::Username.eq(username))
            .one(&self.app.db.conn)
            .await
            .expect("db")
            .expect("user")
            .id
    }

    pub async fn token(&self, username: &str) -> String {
        let r = self
            .api(
                Method::POST,
                "/api/v1/auth/token",
                None,
                Some(serde_json::json!({"username": username, "password": PASSWORD})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "login {username}: {}", r.text);
        r.json()["token"].as_str().expect("token").to_owned()
    }

    /// Logs in through the login page; returns the session cookie.
    pub async fn page_login(&self, username: &str) -> String {
        let r = self
            .send(Request::get("/login").body(Body::empty()).expect("req"))
            .await;
        let pre = set_cookie(&r, "daiban_login_csrf").expect("login csrf cookie");
        let body = format!("username={username}&password={PASSWORD}&next=%2F&_csrf={pre}");
        let req = Request::post("/login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, format!("daiban_login_csrf={pre}"))
            .body(Body::from(body))
            .expect("req");
        let r = self.send(req).await;
        assert_eq!(
            r.status,
            StatusCode::SEE_OTHER,
            "page login {username}: {}",
            r.text
        );
        set_cookie(&r, "daiban_session").expect("session cookie")
    }

    pub async fn page(&self, path: &str, session: &str) -> Resp {
        self.send(
            Request::get(path)
                .header(header::COOKIE, format!("daiban_session={session}"))
                .body(Body::empty())
                .expect("req"),
        )
        .await
    }

    pub async fn post_form(&self, path: &str, session: &str, body: &str) -> Resp {
        let req = Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, format!("daiban_session={session}"))
            .body(Body::from(body.to_owned()))
            .expect("req");
        self.send(req).await
    }

    pub async fn count(&self, table: &str) -> i64 {
        use daiban_store::sea_orm::Statement;
        let backend = self.app.db.db_backend();
        let row = self
            .app
            .db
            .conn
            .query_one_raw(Statement::from_string(
                backend,
                format!("SELECT COUNT(*) AS n FROM {table}"),
            ))
            .await
            .expect("count")
            .expect("row");
        row.try_get::<i64>("", "n").expect("n")
    }
}

pub fn set_cookie(r: &Resp, name: &str) -> Option<String> {
    r.headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| {
            let first = v.split(';').next()?;
            let (k, val) = first.split_once('=')?;
            (k == name && !val.is_empty()).then(|| val.to_owned())
        })
}

/// The CSRF token embedded in a page's forms.
pub fn csrf_of(html: &str) -> String {
    let marker = "name=\"_csrf\" value=\"";
    let start = html.find(marker).expect("csrf field") + marker.len();
    html[start..].split('"').next().expect("csrf").to_owned()
}
