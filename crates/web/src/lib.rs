//! HTTP of Daiban: the pages (askama templates, zh-CN by default with an English toggle) and
//! the JSON API under `/api/v1` with its OpenAPI document.
//!
//! Handlers are thin: extract, call `daiban-app`, render. Access rules are not decided here
//! (the app layer enforces them); this crate only maps outcomes to HTTP: one exhaustive match
//! from `AppError` to a status, RFC 9457 problem bodies for the API, the message in the form
//! for pages.

rust_i18n::i18n!("locales", fallback = "zh-CN");

pub mod api;
pub mod error;
pub mod extract;
pub mod i18n;
pub mod pages;
mod router;

pub use router::router;

use daiban_app::App;
use std::sync::Arc;

/// Web settings.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct WebSettings {
    /// Mark cookies `Secure` (set when Daiban is served over TLS, directly or behind a proxy).
    pub secure_cookies: bool,
    /// Per-request timeout in seconds.
    pub request_timeout_secs: u64,
}

impl Default for WebSettings {
    fn default() -> Self {
        Self {
            secure_cookies: false,
            request_timeout_secs: 30,
        }
    }
}

/// Shared state of every handler.
#[derive(Clone)]
pub struct AppState {
    /// The application.
    pub app: App,
    /// Web settings.
    pub web: Arc<WebSettings>,
    /// Running with the demo city: the login page lists the demo accounts.
    pub demo: bool,
}
