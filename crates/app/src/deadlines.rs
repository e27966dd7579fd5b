//! Deadlines of open case items, kept in step with the working-day calendar.

use crate::error::AppResult;
use chrono::{DateTime, FixedOffset};
use daiban_domain::calendar::Calendar;
use sea_orm::ConnectionTrait;
use serde::Serialize;

/// What a recomputation after a calendar change did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RecomputeSummary {
    /// Open deadlines looked at (recomputed on the new calendar).
    pub items_checked: u64,
    /// Of those, the ones whose due date moved.
    pub due_dates_changed: u64,
}

/// Recomputes, inside the calendar import's transaction, the due date of every open step of
/// every case item on the new calendar (the agent's submission, the department's limit),
/// writes each change of due date into that item's history, and sets or clears the
/// provisional mark of deadlines that reached into an unpublished year.
///
/// # Errors
/// Database failure; the import's transaction then rolls back whole.
pub async fn recompute_after_calendar_change<C: ConnectionTrait>(
    txn: &C,
    calendar: &Calendar,
    now: DateTime<FixedOffset>,
) -> AppResult<RecomputeSummary> {
    let (items_checked, due_dates_changed) =
        crate::monitor::recompute_due_dates(txn, calendar, now.with_timezone(&chrono::Utc)).await?;
    Ok(RecomputeSummary {
        items_checked,
        due_dates_changed,
    })
}
