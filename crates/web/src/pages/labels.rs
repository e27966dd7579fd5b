//! Labels of the domain's codes in the page language, and China-time formatting. The domain
//! enums carry their own Chinese and English labels; what they do not label comes from the
//! locale files.

use crate::i18n::{EN, t};
use chrono::{DateTime, Utc};
use daiban_domain::case_item::{CaseAction, CaseState};
use daiban_domain::clock::{CHINA, ItemType, SuspensionReason};
use daiban_domain::custody::{CustodyEvent, CustodyState};
use daiban_domain::mandate::{MandateAction, MandateState};
use daiban_domain::problem::{
    ActionItemStatus, Attendance, Level, MeetingKind, ProblemAction, ProblemCategory, ProblemStatus,
};
use daiban_domain::project::{PolicyStanding, ProjectStage, ProjectStatus};

/// Picks the Chinese or the English text.
pub fn pick(lang: &str, zh: &str, en: &str) -> String {
    if lang == EN { en } else { zh }.to_owned()
}

fn or_code(o: Option<String>, code: &str) -> String {
    o.unwrap_or_else(|| code.to_owned())
}

/// Project stage.
pub fn stage(lang: &str, code: &str) -> String {
    or_code(
        ProjectStage::from_code(code).map(|s| pick(lang, s.label_zh(), s.label_en())),
        code,
    )
}

/// Project status.
pub fn status(lang: &str, code: &str) -> String {
    or_code(
        ProjectStatus::from_code(code).map(|s| pick(lang, s.label_zh(), s.label_en())),
        code,
    )
}

/// Industrial-policy standing.
pub fn standing(lang: &str, code: &str) -> String {
    or_code(
        PolicyStanding::from_code(code).map(|s| pick(lang, s.label_zh(), s.label_en())),
        code,
    )
}

/// Project kind (建设性质).
pub fn project_kind(lang: &str, code: &str) -> String {
    daiban_app::projects::KINDS
        .iter()
        .find(|k| k.0 == code)
        .map_or_else(|| code.to_owned(), |k| pick(lang, k.1, k.2))
}

/// Case-item state.
pub fn case_state(lang: &str, code: &str) -> String {
    or_code(
        CaseState::from_code(code).map(|s| pick(lang, s.label_zh(), s.label_en())),
        code,
    )
}

/// Case-item action.
pub fn action(lang: &str, a: CaseAction) -> String {
    pick(lang, a.label_zh(), a.label_en())
}

/// Item type (即办件 / 承诺件 / 上报件 / 联办件).
pub fn item_type(lang: &str, code: &str) -> String {
    or_code(
        ItemType::from_code(code).map(|s| pick(lang, s.label_zh(), s.label_en())),
        code,
    )
}

/// Suspension reason.
pub fn suspension(lang: &str, r: SuspensionReason) -> String {
    pick(lang, r.label_zh(), &r.code().replace('_', " "))
}

/// Mandate state.
pub fn mandate_state(lang: &str, code: &str) -> String {
    or_code(
        MandateState::from_code(code).map(|s| pick(lang, s.label_zh(), s.label_en())),
        code,
    )
}

/// Mandate action.
pub fn mandate_action(lang: &str, a: MandateAction) -> String {
    pick(lang, a.label_zh(), a.label_en())
}

/// Custody state of a material.
pub fn custody(lang: &str, code: &str) -> String {
    or_code(
        CustodyState::from_code(code).map(|s| pick(lang, s.label_zh(), s.label_en())),
        code,
    )
}

/// Custody event.
pub fn custody_event(lang: &str, e: CustodyEvent) -> String {
    pick(lang, e.label_zh(), e.label_en())
}

/// Warning level as text (never colour alone).
pub fn warning(lang: &str, code: &str) -> String {
    match code {
        "yellow" | "red" => t(lang, &format!("case.warning_{code}")),
        _ => String::new(),
    }
}

/// The CSS class of a warning level.
pub fn warning_class(code: &str) -> &'static str {
    match code {
        "red" => "bad",
        "yellow" => "warn",
        _ => "",
    }
}

/// Problem level on the ladder.
pub fn level(lang: &str, code: &str) -> String {
    or_code(
        Level::from_code(code).map(|s| pick(lang, s.label_zh(), s.label_en())),
        code,
    )
}

/// Problem status.
pub fn problem_status(lang: &str, code: &str) -> String {
    or_code(
        ProblemStatus::from_code(code).map(|s| pick(lang, s.label_zh(), s.label_en())),
        code,
    )
}

/// Problem action.
pub fn problem_action(lang: &str, a: ProblemAction) -> String {
    pick(lang, a.label_zh(), a.label_en())
}

/// Problem category.
pub fn category(lang: &str, code: &str) -> String {
    or_code(
        ProblemCategory::from_code(code).map(|s| pick(lang, s.label_zh(), s.label_en())),
        code,
    )
}

/// Meeting kind.
pub fn meeting_kind(lang: &str, code: &str) -> String {
    or_code(
        MeetingKind::from_code(code).map(|s| pick(lang, s.label_zh(), s.label_en())),
        code,
    )
}

/// Attendance at a meeting (empty until recorded).
pub fn attendance(lang: &str, code: Option<&str>) -> String {
    code.map(|c| {
        or_code(
            Attendance::from_code(c).map(|s| pick(lang, s.label_zh(), s.label_en())),
            c,
        )
    })
    .unwrap_or_default()
}

/// Action-item status.
pub fn action_item_status(lang: &str, code: &str) -> String {
    or_code(
        ActionItemStatus::from_code(code).map(|s| pick(lang, s.label_zh(), s.label_en())),
        code,
    )
}

/// What a timeline event was, in words.
pub fn event(lang: &str, kind: &str) -> String {
    if let Some(a) = kind.strip_prefix("case.")
        && let Some(a) = CaseAction::from_code(a)
    {
        return action(lang, a);
    }
    if let Some(a) = kind.strip_prefix("mandate.")
        && let Some(a) = MandateAction::from_code(a)
    {
        return format!("{}{}", t(lang, "event.mandate"), mandate_action(lang, a));
    }
    if let Some(e) = kind.strip_prefix("material.")
        && let Some(e) = CustodyEvent::from_code(e)
    {
        return format!("{}{}", t(lang, "event.material"), custody_event(lang, e));
    }
    let key = format!("event.{}", kind.replace('.', "_"));
    let s = t(lang, &key);
    if s == key { kind.to_owned() } else { s }
}

/// A time in China time, to the minute.
pub fn dt(at: DateTime<Utc>) -> String {
    at.with_timezone(&CHINA)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// An optional time in China time.
pub fn odt(at: Option<DateTime<Utc>>) -> String {
    at.map(dt).unwrap_or_default()
}

/// Parses a `datetime-local` input (China time) into UTC; empty is `None`.
///
/// # Errors
/// The text is not a date and time.
pub fn parse_local(s: &str) -> Result<Option<DateTime<Utc>>, ()> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    let naive = chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M")
        .or_else(|_| chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S"))
        .or_else(|_| chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M"))
        .map_err(|_| ())?;
    naive
        .and_local_timezone(CHINA)
        .single()
        .map(|d| Some(d.with_timezone(&Utc)))
        .ok_or(())
}
