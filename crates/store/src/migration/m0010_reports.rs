//! Complaints (举报投诉) with their events, and the units' monthly reports (月报表).

use super::schema::{fk, index};
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("complaints")
                .col(big_pk_auto("id"))
                .col(string("channel"))
                .col(string("status"))
                .col(big_integer("unit_id"))
                .col(big_integer_null("project_id"))
                .col(string("staff_name"))
                .col(string("subject"))
                .col(text("body"))
                .col(big_integer_null("complainant_user_id"))
                .col(big_integer_null("complainant_enterprise_id"))
                .col(string("complainant_name"))
                .col(string("complainant_contact"))
                .col(big_integer("received_by"))
                .col(timestamp_with_time_zone("received_at"))
                .col(big_integer_null("assignee_id"))
                .col(text("findings"))
                .col(text("conclusion_reason"))
                .col(big_integer_null("concluded_by"))
                .col(timestamp_with_time_zone_null("concluded_at"))
                .col(big_integer_null("finding_id"))
                .col(integer("version").default(1))
                .col(timestamp_with_time_zone("updated_at"))
                .check(Expr::cust("channel IN ('portal','phone','letter','visit')"))
                .check(Expr::cust(
                    "status IN ('received','assigned','investigating','verified','not_verified')",
                ))
                .foreign_key(&mut fk("complaints", "unit_id", "units"))
                .foreign_key(&mut fk("complaints", "project_id", "projects"))
                .foreign_key(&mut fk("complaints", "complainant_user_id", "users"))
                .foreign_key(&mut fk(
                    "complaints",
                    "complainant_enterprise_id",
                    "enterprises",
                ))
                .foreign_key(&mut fk("complaints", "received_by", "users"))
                .foreign_key(&mut fk("complaints", "assignee_id", "users"))
                .foreign_key(&mut fk("complaints", "concluded_by", "users"))
                .foreign_key(&mut fk("complaints", "finding_id", "findings"))
                .to_owned(),
        )
        .await?;
        index(m, "complaints", &["unit_id", "status"], false).await?;
        index(m, "complaints", &["complainant_enterprise_id"], false).await?;

        m.create_table(
            Table::create()
                .table("complaint_events")
                .col(big_pk_auto("id"))
                .col(big_integer("complaint_id"))
                .col(string("action"))
                .col(string("status"))
                .col(big_integer("actor_id"))
                .col(text("note"))
                .col(timestamp_with_time_zone("at"))
                .foreign_key(&mut fk("complaint_events", "complaint_id", "complaints"))
                .foreign_key(&mut fk("complaint_events", "actor_id", "users"))
                .to_owned(),
        )
        .await?;
        index(m, "complaint_events", &["complaint_id"], false).await?;

        m.create_table(
            Table::create()
                .table("monthly_reports")
                .col(big_pk_auto("id"))
                .col(big_integer("unit_id"))
                .col(string("month"))
                .col(string("status"))
                .col(integer("items_accepted"))
                .col(integer("items_submitted"))
                .col(integer("items_concluded"))
                .col(integer("items_overdue"))
                .col(integer("problems_raised"))
                .col(integer("problems_resolved"))
                .col(integer("return_visits"))
                .col(text("remarks"))
                .col(date("due_on"))
                .col(boolean("late"))
                .col(big_integer("submitted_by"))
                .col(timestamp_with_time_zone("submitted_at"))
                .check(Expr::cust("status IN ('submitted')"))
                .foreign_key(&mut fk("monthly_reports", "unit_id", "units"))
                .foreign_key(&mut fk("monthly_reports", "submitted_by", "users"))
                .to_owned(),
        )
        .await?;
        // One report per unit and month; a submitted report is never changed.
        index(m, "monthly_reports", &["unit_id", "month"], true).await
    }
}
