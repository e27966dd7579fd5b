//! The password policy (等保 level 3): length and character classes, settings-driven.

/// Why a password is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    /// Shorter than the minimum.
    #[error("password must be at least {0} characters")]
    TooShort(usize),
    /// Must contain both letters and digits.
    #[error("password must contain both letters and digits")]
    NeedsLettersAndDigits,
    /// Longer than 128 characters (hashing cost bound).
    #[error("password must be at most 128 characters")]
    TooLong,
}

/// Checks `password` against the policy.
///
/// # Errors
/// [`PasswordError`] naming the rule that failed.
pub fn check_password(password: &str, min_len: usize) -> Result<(), PasswordError> {
    let n = password.chars().count();
    if n < min_len {
        return Err(PasswordError::TooShort(min_len));
    }
    if n > 128 {
        return Err(PasswordError::TooLong);
    }
    let letters = password.chars().any(char::is_alphabetic);
    let digits = password.chars().any(|c| c.is_ascii_digit());
    if !(letters && digits) {
        return Err(PasswordError::NeedsLettersAndDigits);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_table() {
        assert_eq!(check_password("abc123", 8), Err(PasswordError::TooShort(8)));
        assert_eq!(
            check_password("abcdefgh", 8),
            Err(PasswordError::NeedsLettersAndDigits)
        );
        assert_eq!(
            check_password("12345678", 8),
            Err(PasswordError::NeedsLettersAndDigits)
        );
        assert_eq!(check_password("daiban2026", 8), Ok(()));
        assert_eq!(
            check_password(&"a1".repeat(65), 8),
            Err(PasswordError::TooLong)
        );
    }
}
