//! Enterprises (企业) and their unified social credit code (统一社会信用代码, GB 32100-2015).

use serde::Serialize;
use std::fmt;

const CHARSET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// Why a unified social credit code is not valid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UsccError {
    /// Not exactly 18 characters after trimming.
    #[error("a unified social credit code has 18 characters, this one has {0}")]
    Length(usize),
    /// A character outside `0-9A-HJ-NPQRTUWXY` (no I, O, S, V, Z).
    #[error("character `{ch}` at position {position} is not allowed (no I, O, S, V, Z)")]
    Charset {
        /// The offending character.
        ch: char,
        /// 1-based position.
        position: usize,
    },
    /// The 18th character is not the GB 32100-2015 mod-31 check character.
    #[error("check character should be `{expected}`, found `{found}`")]
    Checksum {
        /// What the first 17 characters require.
        expected: char,
        /// What was given.
        found: char,
    },
}

impl UsccError {
    /// A checksum failure can be overridden by a bureau coordinator with a reason (some early
    /// pilot codes fail it); a malformed code never.
    pub fn is_overridable(&self) -> bool {
        matches!(self, UsccError::Checksum { .. })
    }
}

/// A unified social credit code, normalised (trimmed, upper-case) and validated.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Uscc(String);

impl Uscc {
    /// Parses and checks length, charset and the check character.
    ///
    /// # Errors
    /// [`UsccError`] naming the rule that failed.
    pub fn parse(raw: &str) -> Result<Self, UsccError> {
        let s = Self::parse_format(raw)?;
        let expected = check_char(&s.0);
        let found = s.0.chars().nth(17).unwrap_or('?');
        if expected != found {
            return Err(UsccError::Checksum { expected, found });
        }
        Ok(s)
    }

    /// Checks length and charset only: for a code whose checksum failure a coordinator accepted.
    ///
    /// # Errors
    /// [`UsccError::Length`] or [`UsccError::Charset`].
    pub fn parse_format(raw: &str) -> Result<Self, UsccError> {
        let s = raw.trim().to_uppercase();
        let n = s.chars().count();
        if n != 18 {
            return Err(UsccError::Length(n));
        }
        if let Some((i, ch)) = s.chars().enumerate().find(|(_, c)| !CHARSET.contains(*c)) {
            return Err(UsccError::Charset {
                ch,
                position: i + 1,
            });
        }
        Ok(Self(s))
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Uscc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The GB 32100-2015 check character for the first 17 characters of `code` (already in charset).
fn check_char(code: &str) -> char {
    let sum: u32 = code
        .chars()
        .take(17)
        .zip(WEIGHTS)
        .map(|(c, w)| {
            let v = CHARSET.find(c).map_or(0, |i| u32::try_from(i).unwrap_or(0));
            v * w
        })
        .sum();
    let idx = (31 - sum % 31) % 31;
    CHARSET.chars().nth(idx as usize).unwrap_or('0')
}

/// Completes a 17-character prefix with its check character (used by the demo and tests).
///
/// # Errors
/// [`UsccError`] if the prefix is not 17 charset characters.
pub fn complete_uscc(prefix17: &str) -> Result<Uscc, UsccError> {
    let p = prefix17.trim().to_uppercase();
    if p.chars().count() != 17 {
        return Err(UsccError::Length(p.chars().count() + 1));
    }
    let candidate = format!("{p}0");
    let s = Uscc::parse_format(&candidate)?;
    let c = check_char(&s.0);
    Ok(Uscc(format!("{p}{c}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_worked_example() {
        assert_eq!(
            Uscc::parse("91350100M000100Y43").map(|u| u.0),
            Ok("91350100M000100Y43".into())
        );
        assert_eq!(
            Uscc::parse("91350100M000100Y4Z"),
            Err(UsccError::Charset {
                ch: 'Z',
                position: 18
            })
        );
        assert_eq!(
            Uscc::parse("91350100M000100Y44"),
            Err(UsccError::Checksum {
                expected: '3',
                found: '4'
            })
        );
    }

    #[test]
    fn thirty_one_maps_to_zero() {
        assert!(Uscc::parse("9132128100000000A0").is_ok());
    }

    #[test]
    fn normalises_then_checks() {
        assert!(Uscc::parse("  91350100m000100y43 ").is_ok());
        assert_eq!(Uscc::parse("91350100M000100Y4"), Err(UsccError::Length(17)));
        assert_eq!(
            Uscc::parse("91350100M000100Y433"),
            Err(UsccError::Length(19))
        );
        assert!(matches!(
            Uscc::parse("9135010OM000100Y43"),
            Err(UsccError::Charset {
                ch: 'O',
                position: 8
            })
        ));
    }

    #[test]
    fn pilot_codes_fail_only_the_checksum() {
        let e = Uscc::parse("91350100M0001TGQXM").unwrap_err();
        assert!(e.is_overridable());
        assert!(Uscc::parse_format("91350100M0001TGQXM").is_ok());
    }

    #[test]
    fn completion_agrees_with_parse() {
        let u = complete_uscc("91321281MA1XY0000").unwrap();
        assert!(Uscc::parse(u.as_str()).is_ok());
    }
}
