//! The language of a request: `zh-CN` (default) or `en`.

use axum::http::HeaderMap;

/// Chinese, the default.
pub const ZH: &str = "zh-CN";
/// English.
pub const EN: &str = "en";

/// Normalises a language tag to one we serve.
pub fn normalize(tag: &str) -> &'static str {
    if tag.trim().to_ascii_lowercase().starts_with("en") { EN } else { ZH }
}

/// The `lang` cookie, if set.
pub fn cookie_lang(headers: &HeaderMap) -> Option<&'static str> {
    crate::extract::cookie(headers, "lang").map(|v| normalize(&v))
}

/// The first language of `Accept-Language` that we serve, if any.
pub fn accept_language(headers: &HeaderMap) -> Option<&'static str> {
    let v = headers.get(axum::http::header::ACCEPT_LANGUAGE)?.to_str().ok()?;
    v.split(',').find_map(|part| {
        let tag = part.split(';').next()?.trim().to_ascii_lowercase();
        if tag.starts_with("en") {
            Some(EN)
        } else if tag.starts_with("zh") {
            Some(ZH)
        } else {
            None
        }
    })
}

/// Translates `key` into `lang`.
pub fn t(lang: &str, key: &str) -> String {
    rust_i18n::t!(key, locale = lang).into_owned()
}
