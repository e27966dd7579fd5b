//! The whole HTTP surface: pages, API, OpenAPI + Swagger UI, probes, static assets, and the
//! middleware stack (request id, tracing, timeout, compression, panic catcher, security headers).

use crate::error::problem_response;
use crate::{AppState, api, pages};
use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderName, HeaderValue, Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use rust_embed::RustEmbed;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use utoipa_swagger_ui::SwaggerUi;

#[derive(RustEmbed)]
#[folder = "static/"]
struct Static;

/// Request ids: a per-process random prefix and a counter, unique across instances.
#[derive(Clone)]
struct Ids {
    prefix: String,
    next: std::sync::Arc<AtomicU64>,
}

impl MakeRequestId for Ids {
    fn make_request_id<B>(&mut self, _: &Request<B>) -> Option<RequestId> {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        HeaderValue::from_str(&format!("{}-{n:08}", self.prefix))
            .ok()
            .map(RequestId::new)
    }
}

async fn healthz() -> &'static str {
    "ok"
}

async fn readyz(State(s): State<AppState>) -> (StatusCode, &'static str) {
    if s.app.db.ping().await {
        (StatusCode::OK, "ready")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
    }
}

async fn static_file(axum::extract::Path(path): axum::extract::Path<String>) -> Response {
    match Static::get(&path) {
        Some(f) => {
            let mime = if path.ends_with(".css") {
                "text/css; charset=utf-8"
            } else if path.ends_with(".svg") {
                "image/svg+xml"
            } else if path.ends_with(".js") {
                "text/javascript; charset=utf-8"
            } else {
                "application/octet-stream"
            };
            (
                [
                    (header::CONTENT_TYPE, mime),
                    (header::CACHE_CONTROL, "public, max-age=3600"),
                ],
                f.data.into_owned(),
            )
                .into_response()
        }
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn fallback(req: Request<Body>) -> Response {
    let rid = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    if req.uri().path().starts_with("/api/") {
        let en = crate::i18n::accept_language(req.headers()) == Some(crate::i18n::EN);
        let detail = if en {
            "No such API route".to_owned()
        } else {
            "接口不存在".to_owned()
        };
        problem_response(
            StatusCode::NOT_FOUND,
            "not_found",
            "Not Found",
            detail,
            vec![],
            &rid,
        )
    } else {
        let lang = crate::i18n::cookie_lang(req.headers()).unwrap_or(crate::i18n::ZH);
        pages::error_page(&daiban_app::AppError::NotFound, lang, &rid)
    }
}

fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("a handler panicked");
    problem_response(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "Internal Server Error",
        "服务器内部错误 / Internal error".into(),
        vec![],
        "",
    )
}

/// Builds the application's router.
pub fn router(state: AppState) -> Router {
    let (api, openapi) = api::router();
    let timeout = Duration::from_secs(state.web.request_timeout_secs.max(1));
    let rid = HeaderName::from_static("x-request-id");
    let ids = Ids {
        prefix: format!("{:06x}", rand_prefix()),
        next: std::sync::Arc::new(AtomicU64::new(1)),
    };
    Router::new()
        .merge(pages::routes())
        .merge(api)
        .merge(SwaggerUi::new("/api/docs").url("/api/v1/openapi.json", openapi))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/static/{*path}", get(static_file))
        .fallback(fallback)
        .with_state(state)
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(CompressionLayer::new())
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            timeout,
        ))
        .layer(PropagateRequestIdLayer::new(rid.clone()))
        .layer(TraceLayer::new_for_http())
        .layer(SetRequestIdLayer::new(rid, ids))
}

fn rand_prefix() -> u32 {
    // Process id and start time: enough to tell instances apart in shared logs.
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    (std::process::id() ^ t) & 0x00ff_ffff
}
