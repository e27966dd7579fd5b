//! Online consultation (在线业务咨询, policy 五(三)) and the search semantics of the
//! information platform: the thread's states, the answer's warning level on the working-day
//! clock, and the one definition of "a query matches a text" that both databases implement.

use crate::clock::Warning;
use chrono::{DateTime, FixedOffset};

/// The default answer limit: 2 working days after the day the question is asked.
pub const DEFAULT_CONSULTATION_DAYS: u32 = 2;

/// Where a consultation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsultationStatus {
    /// Asked, no answer yet: the clock runs.
    Open,
    /// Answered by the unit or the bureau; follow-ups may continue the thread.
    Answered,
    /// The asker marked it resolved: the thread is closed.
    Resolved,
}

impl ConsultationStatus {
    /// Every status.
    pub const ALL: [Self; 3] = [Self::Open, Self::Answered, Self::Resolved];

    /// The stable code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Answered => "answered",
            Self::Resolved => "resolved",
        }
    }

    /// From its code.
    pub fn from_code(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.code() == s)
    }

    /// Whether messages may still be added (answers, follow-ups) and the thread re-routed.
    pub const fn is_live(self) -> bool {
        !matches!(self, Self::Resolved)
    }

    /// Whether the asker may mark it resolved (once it has an answer).
    pub const fn may_resolve(self) -> bool {
        matches!(self, Self::Answered)
    }

    /// Whether it can be published to the FAQ (it has an answer).
    pub const fn may_publish(self) -> bool {
        matches!(self, Self::Answered | Self::Resolved)
    }
}

/// The warning of an unanswered consultation due at `due_at` (the close of office hours of a
/// working day, from [`crate::clock::compute`]): yellow on that last working day, red once it
/// has passed; an answered consultation has none. Times are China time.
pub fn warning(
    answered: bool,
    due_at: DateTime<FixedOffset>,
    now: DateTime<FixedOffset>,
) -> Warning {
    if answered {
        Warning::None
    } else if now > due_at {
        Warning::Red
    } else if now.date_naive() == due_at.date_naive() {
        Warning::Yellow
    } else {
        Warning::None
    }
}

/// Categories offered for FAQ entries (the bureau may type another).
pub const FAQ_CATEGORIES: [&str; 8] = [
    "项目立项",
    "用地规划",
    "环境影响评价",
    "施工许可",
    "消防",
    "竣工验收",
    "代办服务",
    "其他",
];

/// The shortest query the trigram indexes answer (shorter queries are a scan with the same
/// semantics).
pub const TRIGRAM_MIN_CHARS: usize = 3;

/// The shortest query the bigram index answers on SQLite (two characters: 环评, 土地, 工业 are
/// common Chinese searches and are below the trigrams' three).
pub const BIGRAM_MIN_CHARS: usize = 2;

/// `text` (normalized) as the tokens of the bigram index: one token per pair of adjacent
/// characters, in order, separated by spaces. A token spells the pair's two code points in hex
/// around an `x` (工业 is `5de5x4e1a`), so that a word tokenizer (SQLite's `unicode61`) keeps
/// every pair whole, whatever the characters (punctuation, spaces, Latin or digits).
///
/// Text of one character has no pair and no token.
pub fn bigram_tokens(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(chars.len().saturating_sub(1) * 10);
    for (i, pair) in chars.windows(2).enumerate() {
        if i > 0 {
            out.push(' ');
        }
        push_bigram(&mut out, pair[0], pair[1]);
    }
    out
}

fn push_bigram(out: &mut String, a: char, b: char) {
    use std::fmt::Write as _;
    // Writing to a String cannot fail.
    let _ = write!(out, "{:x}x{:x}", u32::from(a), u32::from(b));
}

/// The bigram-index query for `query` (normalized, at least [`BIGRAM_MIN_CHARS`] characters):
/// the phrase of its bigram tokens. Consecutive in the indexed text exactly where `query` is a
/// substring of it. `None` for a shorter query.
pub fn bigram_phrase(query: &str) -> Option<String> {
    if query.chars().count() < BIGRAM_MIN_CHARS {
        return None;
    }
    Some(format!("\"{}\"", bigram_tokens(query)))
}

/// The longest query accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 100;

/// The normal form under which text is indexed and queries are matched: Latin letters
/// lower-cased (ASCII only, so that SQLite and PostgreSQL agree byte for byte), every run of
/// whitespace one space, trimmed. Chinese text is unchanged.
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for ch in text.trim().chars() {
        if ch.is_whitespace() {
            space = true;
            continue;
        }
        if space && !out.is_empty() {
            out.push(' ');
        }
        space = false;
        out.push(ch.to_ascii_lowercase());
    }
    out
}

/// The indexed text of a searchable row: its title and body, [`normalize`]d, on two lines.
pub fn search_document(title: &str, body: &str) -> String {
    format!("{}\n{}", normalize(title), normalize(body))
}

/// The indexed *head* of a searchable row: its title and its codes (a project's code, an
/// enterprise's credit code), [`normalize`]d, one per line, empty codes left out. Lists that
/// search by name or code match here; the whole [`search_document`] holds it and more.
pub fn search_head(title: &str, codes: &[&str]) -> String {
    let mut out = normalize(title);
    for c in codes.iter().map(|c| normalize(c)).filter(|c| !c.is_empty()) {
        out.push('\n');
        out.push_str(&c);
    }
    out
}

/// The search semantics: `query` (already [`normalize`]d, not empty) occurs in `text` as a
/// substring, Latin letters compared case-insensitively.
pub fn matches(text: &str, query: &str) -> bool {
    !query.is_empty() && normalize(text).contains(query)
}

/// `text` cut into pieces, each marked whether it is an occurrence of `query` (normalized):
/// for highlighting. ASCII lower-casing keeps byte offsets, so the pieces are of the original
/// text. Whitespace runs in `text` are not collapsed here: a query containing a space
/// highlights where the text has exactly one.
pub fn highlight(text: &str, query: &str) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    if query.is_empty() {
        out.push((text.to_owned(), false));
        return out;
    }
    let lower = text.to_ascii_lowercase();
    let mut at = 0;
    while let Some(i) = lower[at..].find(query) {
        let start = at + i;
        let end = start + query.len();
        if start > at {
            out.push((text[at..start].to_owned(), false));
        }
        out.push((text[start..end].to_owned(), true));
        at = end;
    }
    if at < text.len() {
        out.push((text[at..].to_owned(), false));
    }
    out
}

/// A short excerpt of `text` around the first occurrence of `query` (normalized), at most
/// `width` characters on each side, with an ellipsis where cut.
pub fn excerpt(text: &str, query: &str, width: usize) -> String {
    let lower = text.to_ascii_lowercase();
    let Some(pos) = lower.find(query).filter(|_| !query.is_empty()) else {
        let cut: String = text.chars().take(width * 2).collect();
        return if cut.len() < text.len() {
            format!("{cut}…")
        } else {
            cut
        };
    };
    let chars: Vec<char> = text.chars().collect();
    let at = text[..pos].chars().count();
    let from = at.saturating_sub(width);
    let to = chars.len().min(at + query.chars().count() + width);
    let mut s = String::new();
    if from > 0 {
        s.push('…');
    }
    s.extend(&chars[from..to]);
    if to < chars.len() {
        s.push('…');
    }
    s
}

#[cfg(test)]
mod tests {
    #[test]
    fn bigram_tokens_spell_every_adjacent_pair() {
        assert_eq!(bigram_tokens("工业"), "5de5x4e1a");
        assert_eq!(bigram_tokens("工业园"), "5de5x4e1a 4e1ax56ed");
        assert_eq!(bigram_tokens("a-1"), "61x2d 2dx31");
        assert_eq!(bigram_tokens("工"), "");
        assert_eq!(bigram_tokens(""), "");
        assert_eq!(bigram_phrase("工"), None);
        assert_eq!(
            bigram_phrase("工业园").as_deref(),
            Some("\"5de5x4e1a 4e1ax56ed\"")
        );
    }

    proptest::proptest! {
        /// A query's bigram phrase occurs, token for token and consecutively, in a text's
        /// tokens exactly when the query is a substring of the text.
        #[test]
        fn bigram_phrase_matches_exactly_the_substrings(
            text in "[工业园区a-c1 ]{0,12}",
            query in "[工业园区a-c1 ]{2,4}",
        ) {
            let tokens: Vec<String> = bigram_tokens(&text).split(' ').map(str::to_owned).collect();
            let wanted: Vec<String> = bigram_tokens(&query).split(' ').map(str::to_owned).collect();
            let found = tokens.windows(wanted.len()).any(|w| w == wanted.as_slice());
            proptest::prop_assert_eq!(found, text.contains(&query));
        }
    }

    use super::*;
    use crate::clock::CHINA;
    use chrono::TimeZone;

    #[test]
    fn statuses_round_trip_and_allow() {
        for s in ConsultationStatus::ALL {
            assert_eq!(ConsultationStatus::from_code(s.code()), Some(s));
        }
        assert!(ConsultationStatus::Open.is_live());
        assert!(!ConsultationStatus::Resolved.is_live());
        assert!(!ConsultationStatus::Open.may_resolve());
        assert!(ConsultationStatus::Answered.may_resolve());
        assert!(!ConsultationStatus::Open.may_publish());
        assert!(ConsultationStatus::Resolved.may_publish());
        assert_eq!(ConsultationStatus::from_code("closed"), None);
    }

    #[test]
    fn warning_is_yellow_on_the_last_day_and_red_after() {
        let at = |d: u32, h: u32| {
            CHINA
                .with_ymd_and_hms(2026, 10, d, h, 0, 0)
                .single()
                .unwrap_or_else(|| unreachable!())
        };
        // Due at 17:30 on Friday 9 October 2026 (asked on 30 September: the holiday week).
        let due = at(9, 17) + chrono::Duration::minutes(30);
        let table = [
            (false, at(8, 10), Warning::None),
            (false, at(9, 9), Warning::Yellow),
            (false, at(9, 17), Warning::Yellow),
            (false, at(9, 18), Warning::Red),
            (false, at(12, 9), Warning::Red),
            (true, at(12, 9), Warning::None),
        ];
        for (answered, now, want) in table {
            assert_eq!(warning(answered, due, now), want, "{answered} {now}");
        }
    }

    #[test]
    fn normal_form_lowercases_latin_only_and_collapses_spaces() {
        assert_eq!(normalize("  环评  ABC\t报告\n"), "环评 abc 报告");
        assert_eq!(
            normalize("ＡＢＣ"),
            "ＡＢＣ",
            "full-width letters stay as typed"
        );
        assert_eq!(normalize(""), "");
    }

    #[test]
    fn substring_semantics() {
        assert!(matches("建设项目环境影响评价文件审批", "影响评"));
        assert!(matches("建设项目环境影响评价文件审批", "环境"));
        assert!(matches("关于 EIA 的问题", "eia"));
        assert!(!matches("建设用地规划许可", "环评"));
        assert!(!matches("任何文本", ""));
    }

    #[test]
    fn highlight_marks_each_occurrence_of_the_original_text() {
        assert_eq!(
            highlight("办理EIA与eia", "eia"),
            vec![
                ("办理".to_owned(), false),
                ("EIA".to_owned(), true),
                ("与".to_owned(), false),
                ("eia".to_owned(), true),
            ]
        );
        assert_eq!(highlight("土地", "环评"), vec![("土地".to_owned(), false)]);
    }

    #[test]
    fn excerpt_cuts_around_the_match() {
        let t = "一二三四五六七八九十环评甲乙丙丁戊己庚辛壬癸";
        assert_eq!(excerpt(t, "环评", 2), "…九十环评甲乙…");
        assert_eq!(excerpt("环评", "环评", 5), "环评");
    }
}
