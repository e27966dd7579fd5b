//! Deadlines of open case items, kept in step with the working-day calendar.

use crate::error::AppResult;
use chrono::{DateTime, FixedOffset};
use daiban_domain::calendar::Calendar;
use sea_orm::DatabaseTransaction;
use serde::Serialize;

/// What a recomputation after a calendar change did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RecomputeSummary {
    /// Open deadlines looked at (recomputed on the new calendar).
    pub items_checked: u64,
    /// Of those, the ones whose due date moved.
    pub due_dates_changed: u64,
}

/// Recomputes, inside the calendar import's transaction, every open deadline the new calendar
/// can affect (those whose walk reaches the imported arrangement's first date, including the
/// provisional ones that crossed an unpublished year), and writes the changed due dates.
///
/// Case items do not exist yet on this branch, so there is nothing to recompute and the summary
/// is all zeros. The case-item work fills this body in: the signature is the contract the
/// calendar import relies on (same transaction, the new calendar, the import's time).
///
/// # Errors
/// Database failure; the import's transaction then rolls back whole.
#[expect(
    clippy::unused_async,
    reason = "the body queries case items once they exist; callers already await it"
)]
pub async fn recompute_after_calendar_change(
    txn: &DatabaseTransaction,
    calendar: &Calendar,
    now: DateTime<FixedOffset>,
) -> AppResult<RecomputeSummary> {
    let _ = (txn, calendar, now);
    Ok(RecomputeSummary::default())
}
