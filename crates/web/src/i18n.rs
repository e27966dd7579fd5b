//! The language of a request: `zh-CN` (default) or `en`.

use axum::http::HeaderMap;

/// Chinese, the default.
pub const ZH: &str = "zh-CN";
/// English.
pub const EN: &str = "en";

/// Normalises a language tag to one we serve.
pub fn normalize(tag: &str) -> &'static str {
    if tag.trim().to_ascii_lowercase().starts_with("en") {
        EN
    } else {
        ZH
    }
}

/// The `lang` cookie, if set.
pub fn cookie_lang(headers: &HeaderMap) -> Option<&'static str> {
    crate::extract::cookie(headers, "lang").map(|v| normalize(&v))
}

/// The first language of `Accept-Language` that we serve, if any.
pub fn accept_language(headers: &HeaderMap) -> Option<&'static str> {
    let v = headers
        .get(axum::http::header::ACCEPT_LANGUAGE)?
        .to_str()
        .ok()?;
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

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    fn keys(file: &str) -> BTreeSet<String> {
        let v: serde_yaml::Value = serde_yaml::from_str(file).unwrap_or(serde_yaml::Value::Null);
        let mut out = BTreeSet::new();
        if let Some(m) = v.as_mapping() {
            for (section, inner) in m {
                for (k, _) in inner.as_mapping().into_iter().flatten() {
                    out.insert(format!(
                        "{}.{}",
                        section.as_str().unwrap_or_default(),
                        k.as_str().unwrap_or_default()
                    ));
                }
            }
        }
        out
    }

    #[test]
    fn every_key_exists_in_both_languages_and_every_used_key_exists() {
        let zh = keys(include_str!("../locales/zh-CN.yml"));
        let en = keys(include_str!("../locales/en.yml"));
        assert!(!zh.is_empty());
        assert_eq!(zh, en, "zh-CN and en must have the same keys");
        let mut used = BTreeSet::new();
        for dir in ["templates", "src"] {
            let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
            let mut stack = vec![root];
            while let Some(d) = stack.pop() {
                for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
                    let p = e.path();
                    if p.is_dir() {
                        stack.push(p);
                        continue;
                    }
                    let text = std::fs::read_to_string(&p).unwrap_or_default();
                    for part in text.split("t(\"").skip(1) {
                        if let Some(k) = part.split('"').next()
                            && k.contains('.')
                            && !k.contains(' ')
                            && !k.ends_with('.')
                        {
                            used.insert(k.to_owned());
                        }
                    }
                }
            }
        }
        let missing: Vec<_> = used.difference(&zh).collect();
        assert!(
            missing.is_empty(),
            "keys used but not translated: {missing:?}"
        );
        // Keys built at run time from codes.
        for r in daiban_domain::role::Role::ALL {
            assert!(zh.contains(&format!("role.{}", r.code())));
        }
        for k in daiban_domain::unit::UnitKind::ALL {
            assert!(zh.contains(&format!("kind.{}", k.code())));
        }
        for c in daiban_domain::staff::CadreCategory::ALL {
            assert!(zh.contains(&format!("cadre.{}", c.code())));
        }
        for h in daiban_domain::calendar::HolidayName::ALL {
            assert!(zh.contains(&format!("holiday.{}", h.code())));
        }
        for k in ["workday", "weekend", "holiday", "makeup_workday"] {
            assert!(zh.contains(&format!("calendar.kind_{k}")));
        }
        for s in ["shipped", "cli", "web", "api"] {
            assert!(zh.contains(&format!("calendar.src_{s}")));
        }
        for m in 1..=12 {
            assert!(zh.contains(&format!("calendar.m{m}")));
        }
        for d in 1..=7 {
            assert!(zh.contains(&format!("calendar.wd{d}")));
        }
        for s in [401, 403, 404, 409, 422, 423, 500] {
            assert!(zh.contains(&format!("error.h{s}")));
        }
    }
}
