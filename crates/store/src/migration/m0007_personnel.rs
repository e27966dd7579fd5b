//! Personnel filing (attachment 1): proposals, the register of posts, staffing evidence, and the
//! handover records of adjustments.

use super::schema::{fk, index};
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("filings")
                .col(big_pk_auto("id"))
                .col(big_integer("unit_id"))
                .col(string("kind"))
                .col(string("status"))
                .col(string("post"))
                .col(big_integer("candidate_id"))
                .col(string("cadre"))
                .col(integer("conditions"))
                .col(date_null("appointed_on"))
                .col(big_integer_null("outgoing_id"))
                .col(boolean("work_change"))
                .col(text("reason"))
                .col(string("violations"))
                .col(big_integer("proposed_by"))
                .col(timestamp_with_time_zone("proposed_at"))
                .col(big_integer_null("decided_by"))
                .col(timestamp_with_time_zone_null("decided_at"))
                .col(text("decision_note"))
                .col(integer("version").default(1))
                .col(timestamp_with_time_zone("updated_at"))
                .check(Expr::cust("kind IN ('selection','adjustment')"))
                .check(Expr::cust(
                    "status IN ('proposed','approved','rejected','withdrawn')",
                ))
                .check(Expr::cust("post IN ('agent','helper')"))
                .foreign_key(&mut fk("filings", "unit_id", "units"))
                .foreign_key(&mut fk("filings", "candidate_id", "users"))
                .foreign_key(&mut fk("filings", "outgoing_id", "users"))
                .foreign_key(&mut fk("filings", "proposed_by", "users"))
                .foreign_key(&mut fk("filings", "decided_by", "users"))
                .to_owned(),
        )
        .await?;
        index(m, "filings", &["unit_id", "status"], false).await?;
        index(m, "filings", &["status"], false).await?;

        m.create_table(
            Table::create()
                .table("posts")
                .col(big_pk_auto("id"))
                .col(big_integer("unit_id"))
                .col(big_integer("user_id"))
                .col(string("post"))
                .col(string("cadre"))
                .col(integer("conditions"))
                .col(date("since"))
                .col(date_null("until"))
                .col(big_integer("filing_id"))
                .col(big_integer_null("end_filing_id"))
                .foreign_key(&mut fk("posts", "unit_id", "units"))
                .foreign_key(&mut fk("posts", "user_id", "users"))
                .foreign_key(&mut fk("posts", "filing_id", "filings"))
                .foreign_key(&mut fk("posts", "end_filing_id", "filings"))
                .to_owned(),
        )
        .await?;
        index(m, "posts", &["unit_id", "until"], false).await?;
        index(m, "posts", &["user_id"], false).await?;

        // Evidence for the evaluation's 人员到位 category: episodes of a unit below its count
        // or with a non-qualifying holder (opened/closed), and adjustments that broke a rule
        // (one row per person-time, opened and closed the day it took effect).
        m.create_table(
            Table::create()
                .table("staffing_evidence")
                .col(big_pk_auto("id"))
                .col(big_integer("unit_id"))
                .col(string("kind"))
                .col(big_integer_null("user_id"))
                .col(big_integer_null("filing_id"))
                .col(string("detail"))
                .col(date("opened_on"))
                .col(date_null("closed_on"))
                .col(timestamp_with_time_zone("recorded_at"))
                .check(Expr::cust(
                    "kind IN ('below_count','non_qualifying','adjustment_rule')",
                ))
                .foreign_key(&mut fk("staffing_evidence", "unit_id", "units"))
                .foreign_key(&mut fk("staffing_evidence", "user_id", "users"))
                .foreign_key(&mut fk("staffing_evidence", "filing_id", "filings"))
                .to_owned(),
        )
        .await?;
        index(m, "staffing_evidence", &["unit_id", "closed_on"], false).await?;

        m.create_table(
            Table::create()
                .table("handovers")
                .col(big_pk_auto("id"))
                .col(big_integer("filing_id"))
                .col(big_integer("unit_id"))
                .col(big_integer("from_user_id"))
                .col(big_integer("to_user_id"))
                .col(string("status"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone_null("from_confirmed_at"))
                .col(big_integer_null("from_confirmed_by"))
                .col(timestamp_with_time_zone_null("to_confirmed_at"))
                .col(big_integer_null("to_confirmed_by"))
                .col(text("note"))
                .col(integer("version").default(1))
                .check(Expr::cust("status IN ('open','confirmed')"))
                .foreign_key(&mut fk("handovers", "filing_id", "filings"))
                .foreign_key(&mut fk("handovers", "unit_id", "units"))
                .foreign_key(&mut fk("handovers", "from_user_id", "users"))
                .foreign_key(&mut fk("handovers", "to_user_id", "users"))
                .foreign_key(&mut fk("handovers", "from_confirmed_by", "users"))
                .foreign_key(&mut fk("handovers", "to_confirmed_by", "users"))
                .to_owned(),
        )
        .await?;
        index(m, "handovers", &["filing_id"], true).await?;
        index(m, "handovers", &["status"], false).await?;

        m.create_table(
            Table::create()
                .table("handover_entries")
                .col(big_pk_auto("id"))
                .col(big_integer("handover_id"))
                .col(string("kind"))
                .col(big_integer("ref_id"))
                .col(big_integer_null("project_id"))
                .col(string("label"))
                .col(timestamp_with_time_zone("moved_at"))
                .foreign_key(&mut fk("handover_entries", "handover_id", "handovers"))
                .to_owned(),
        )
        .await?;
        index(m, "handover_entries", &["handover_id"], false).await
    }
}
