//! 消息推送: "mark all read" in the inbox, the account's notification preferences
//! (`/account/notifications`), and the administrator's delivery page (`/admin/deliveries`).

use super::labels as l;
use super::{Chrome, check_csrf, chrome, error_page, render, see_other};
use crate::AppState;
use crate::extract::PageUser;
use crate::i18n::t;
use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::response::Response;
use daiban_app::delivery::{
    self, DeliveryFilter, DeliveryOverview, PreferenceInput, Preferences, PreferencesInput,
};
use daiban_app::inbox;
use serde::Deserialize;

/// Only the CSRF token.
#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
}

/// POST /inbox/read-all
pub async fn mark_all_read(
    State(s): State<AppState>,
    user: PageUser,
    Form(f): Form<CsrfForm>,
) -> Response {
    if let Err(r) = check_csrf(&user, &f.csrf) {
        return r;
    }
    match inbox::mark_all_read(&s.app, &user.actor).await {
        Ok(_) => see_other("/inbox"),
        Err(e) => error_page(&e, user.lang, &user.meta.request_id),
    }
}

/// One kind of notice on the preference page.
pub struct PrefRow {
    /// Kind code.
    pub kind: String,
    /// Label in the page language.
    pub label: String,
    /// E-mail on.
    pub email: bool,
    /// Webhook on.
    pub webhook: bool,
    /// Defaults, as text.
    pub defaults: String,
}

#[derive(Template)]
#[template(path = "notification_preferences.html")]
struct PrefsTpl {
    c: Chrome,
    p: Preferences,
    rows: Vec<PrefRow>,
}

fn on_off(lang: &str, on: bool) -> String {
    t(lang, if on { "delivery.on" } else { "delivery.off" })
}

fn prefs_page(user: &PageUser, p: Preferences, flash: Option<String>) -> Response {
    let lang = user.lang;
    let rows = p
        .kinds
        .iter()
        .map(|k| PrefRow {
            kind: k.kind.clone(),
            label: k.label.get(lang).to_owned(),
            email: k.email,
            webhook: k.webhook,
            defaults: format!(
                "{} {} · {} {}",
                t(lang, "delivery.email"),
                on_off(lang, k.email_default),
                t(lang, "delivery.webhook"),
                on_off(lang, k.webhook_default)
            ),
        })
        .collect();
    let mut c = chrome(
        user,
        "/account",
        "delivery.prefs_title",
        vec![
            (t(lang, "account.title"), Some("/account".to_owned())),
            (t(lang, "delivery.prefs_title"), None),
        ],
    );
    c.flash = flash;
    render(&PrefsTpl { c, p, rows })
}

/// GET /account/notifications
pub async fn preferences(State(s): State<AppState>, user: PageUser) -> Response {
    match delivery::preferences(&s.app, &user.actor).await {
        Ok(p) => prefs_page(&user, p, None),
        Err(e) => error_page(&e, user.lang, &user.meta.request_id),
    }
}

/// POST /account/notifications: checkboxes `email.{kind}` and `webhook.{kind}`, every listed
/// kind saved (an unchecked box is off).
pub async fn save_preferences(
    State(s): State<AppState>,
    user: PageUser,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let csrf = fields
        .iter()
        .find(|(k, _)| k == "_csrf")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    if let Err(r) = check_csrf(&user, &csrf) {
        return r;
    }
    let checked = |prefix: &str, kind: &str| {
        fields
            .iter()
            .any(|(k, _)| k.strip_prefix(prefix).and_then(|r| r.strip_prefix('.')) == Some(kind))
    };
    let input = PreferencesInput {
        preferences: daiban_domain::delivery::KINDS
            .iter()
            .map(|k| PreferenceInput {
                kind: k.kind.to_owned(),
                email: checked("email", k.kind),
                webhook: checked("webhook", k.kind),
            })
            .collect(),
    };
    match delivery::set_preferences(&s.app, &user.actor, &input, &user.meta).await {
        Ok(p) => prefs_page(&user, p, Some(t(user.lang, "common.saved"))),
        Err(e) => error_page(&e, user.lang, &user.meta.request_id),
    }
}

/// A delivery on the administrator's page.
pub struct DeliveryRow {
    /// The delivery.
    pub d: delivery::DeliveryView,
    /// Kind label.
    pub kind: String,
    /// Channel label.
    pub channel: String,
    /// State label.
    pub state: String,
    /// The state's tag class.
    pub tone: &'static str,
    /// Updated, China time.
    pub updated: String,
    /// Next attempt (pending only).
    pub next: String,
    /// The error in the page language (`not_configured` is translated).
    pub error: String,
}

#[derive(Template)]
#[template(path = "admin_deliveries.html")]
struct AdminTpl {
    c: Chrome,
    o: DeliveryOverview,
    rows: Vec<DeliveryRow>,
    state: String,
    channel: String,
}

impl AdminTpl {
    fn state_label(&self, s: &str) -> String {
        t(self.c.lang, &format!("delivery.state_{s}"))
    }
    fn channel_label(&self, s: &str) -> String {
        t(self.c.lang, &format!("delivery.{s}"))
    }
}

/// GET /admin/deliveries
pub async fn admin(
    State(s): State<AppState>,
    user: PageUser,
    Query(f): Query<DeliveryFilter>,
) -> Response {
    let lang = user.lang;
    match delivery::overview(&s.app, &user.actor, &f).await {
        Ok(o) => {
            let rows = o
                .deliveries
                .iter()
                .cloned()
                .map(|d| DeliveryRow {
                    kind: delivery::kind_label(&d.kind).get(lang).to_owned(),
                    channel: t(lang, &format!("delivery.{}", d.channel)),
                    state: t(lang, &format!("delivery.state_{}", d.state)),
                    tone: match d.state.as_str() {
                        "sent" => "ok",
                        "failed" => "bad",
                        "pending" => "warn",
                        _ => "",
                    },
                    updated: l::dt(d.updated_at),
                    next: if d.state == "pending" {
                        l::dt(d.next_attempt_at)
                    } else {
                        String::new()
                    },
                    error: if d.last_error == delivery::NOT_CONFIGURED {
                        t(lang, "delivery.not_configured")
                    } else {
                        d.last_error.clone()
                    },
                    d,
                })
                .collect();
            let c = chrome(
                &user,
                "/admin/deliveries",
                "delivery.admin_title",
                vec![(t(lang, "delivery.admin_title"), None)],
            );
            render(&AdminTpl {
                c,
                o,
                rows,
                state: f.state.unwrap_or_default(),
                channel: f.channel.unwrap_or_default(),
            })
        }
        Err(e) => error_page(&e, lang, &user.meta.request_id),
    }
}

/// POST /admin/deliveries/{id}/retry
pub async fn retry(
    State(s): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    Form(f): Form<CsrfForm>,
) -> Response {
    if let Err(r) = check_csrf(&user, &f.csrf) {
        return r;
    }
    match delivery::retry(&s.app, &user.actor, id, &user.meta).await {
        Ok(_) => see_other("/admin/deliveries?state=pending"),
        Err(e) => error_page(&e, user.lang, &user.meta.request_id),
    }
}
