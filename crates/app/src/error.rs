//! The errors of the use cases. Messages people read come in Chinese and English, so that every
//! front end can show the one its user chose.

use serde::Serialize;

/// A message in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Msg {
    /// 中文.
    pub zh: String,
    /// English.
    pub en: String,
}

impl Msg {
    /// A message from its two translations.
    pub fn new(zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self {
            zh: zh.into(),
            en: en.into(),
        }
    }

    /// The text in `lang` (`en` or anything else for Chinese).
    pub fn get(&self, lang: &str) -> &str {
        if lang.starts_with("en") {
            &self.en
        } else {
            &self.zh
        }
    }
}

/// One invalid field: which field, which rule (stable code), and the message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    /// The field's name as the client sent it.
    pub field: String,
    /// A stable rule code, e.g. `required`, `too_long`, `uscc_checksum`.
    pub code: String,
    /// What is wrong and what the rule is.
    pub message: Msg,
}

impl FieldError {
    /// A field error.
    pub fn new(field: &str, code: &str, zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self {
            field: field.to_owned(),
            code: code.to_owned(),
            message: Msg::new(zh, en),
        }
    }

    /// `field` is required.
    pub fn required(field: &str, label_zh: &str) -> Self {
        Self::new(
            field,
            "required",
            format!("{label_zh}不能为空"),
            format!("{field} is required"),
        )
    }
}

/// Why a use case did not happen. Nothing was written in any of these cases.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Not logged in, or the credentials are wrong.
    #[error("unauthenticated")]
    Unauthenticated(Msg),
    /// The role may not take this action.
    #[error("forbidden")]
    Forbidden(Msg),
    /// Does not exist, or is outside the caller's scope (never reveal which).
    #[error("not found")]
    NotFound,
    /// Someone else changed it first, or it would duplicate something unique.
    #[error("conflict: {code}")]
    Conflict {
        /// Stable code, e.g. `version_conflict`, `duplicate_username`.
        code: &'static str,
        /// What happened.
        message: Msg,
    },
    /// The input breaks rules; every broken rule is listed.
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    /// The account is locked after repeated failures.
    #[error("account locked")]
    Locked(Msg),
    /// Anything unexpected (database down, bug): logged, never shown.
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<sea_orm::DbErr> for AppError {
    fn from(e: sea_orm::DbErr) -> Self {
        // Two writers racing for the same unique value: the loser gets a conflict, not a 500.
        if let Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) = e.sql_err() {
            return AppError::Conflict {
                code: "duplicate",
                message: Msg::new("该记录已存在", "A record with this value already exists"),
            };
        }
        AppError::Unexpected(e.into())
    }
}

/// The result of a use case.
pub type AppResult<T> = Result<T, AppError>;

/// Collects field errors and fails if there are any.
#[derive(Debug, Default)]
pub struct Checks(pub Vec<FieldError>);

impl Checks {
    /// Records an error.
    pub fn push(&mut self, e: FieldError) {
        self.0.push(e);
    }

    /// Fails with every recorded error.
    ///
    /// # Errors
    /// [`AppError::Invalid`] when anything was recorded.
    pub fn finish(self) -> AppResult<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(AppError::Invalid(self.0))
        }
    }

    /// Trims `value` and records `required` if empty or `too_long` if above `max` characters.
    pub fn text(&mut self, field: &str, label_zh: &str, value: &str, max: usize) -> String {
        let v = value.trim().to_owned();
        if v.is_empty() {
            self.push(FieldError::required(field, label_zh));
        } else if v.chars().count() > max {
            self.push(FieldError::new(
                field,
                "too_long",
                format!("{label_zh}最多 {max} 个字符"),
                format!("{field} must be at most {max} characters"),
            ));
        }
        v
    }

    /// Trims an optional text; records `too_long` above `max` characters.
    pub fn optional_text(
        &mut self,
        field: &str,
        label_zh: &str,
        value: &str,
        max: usize,
    ) -> String {
        let v = value.trim().to_owned();
        if v.chars().count() > max {
            self.push(FieldError::new(
                field,
                "too_long",
                format!("{label_zh}最多 {max} 个字符"),
                format!("{field} must be at most {max} characters"),
            ));
        }
        v
    }
}

/// A forbidden action, with a standard message.
pub fn forbidden() -> AppError {
    AppError::Forbidden(Msg::new(
        "您的角色无权执行此操作",
        "Your role may not take this action",
    ))
}

/// The version the client saw is not the current one.
pub fn version_conflict() -> AppError {
    AppError::Conflict {
        code: "version_conflict",
        message: Msg::new(
            "该记录已被他人修改，请刷新后重试",
            "This record was changed by someone else; reload and try again",
        ),
    }
}
