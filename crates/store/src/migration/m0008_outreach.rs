//! The bureau's outreach: trainings, seminars and enterprise visits with their invitees'
//! attendance; return visits to enterprises with the projects concerned, the appraisals of the
//! staff who served them and the problems found; the plan of return visits due after a stage.

use super::schema::{fk, index};
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("activities")
                .col(big_pk_auto("id"))
                .col(string("kind"))
                .col(string("topic"))
                .col(timestamp_with_time_zone("scheduled_at"))
                .col(string("place"))
                .col(text("notes"))
                .col(string("status"))
                .col(text("cancel_reason"))
                .col(timestamp_with_time_zone_null("cancelled_at"))
                .col(timestamp_with_time_zone_null("attendance_recorded_at"))
                .col(big_integer("created_by"))
                .col(integer("version").default(1))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .check(Expr::cust(
                    "kind IN ('training','seminar','enterprise_visit')",
                ))
                .check(Expr::cust("status IN ('scheduled','held','cancelled')"))
                .foreign_key(&mut fk("activities", "created_by", "users"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("activity_invitees")
                .col(big_pk_auto("id"))
                .col(big_integer("activity_id"))
                .col(big_integer("user_id"))
                .col(big_integer("unit_id"))
                .col(string_null("attendance"))
                .col(text("note"))
                .check(Expr::cust(
                    "attendance IS NULL OR attendance IN ('present','late','left_early','absent_with_leave','absent_without_leave')",
                ))
                .foreign_key(&mut fk("activity_invitees", "activity_id", "activities"))
                .foreign_key(&mut fk("activity_invitees", "user_id", "users"))
                .foreign_key(&mut fk("activity_invitees", "unit_id", "units"))
                .to_owned(),
        )
        .await?;
        index(m, "activity_invitees", &["activity_id", "user_id"], true).await?;
        index(m, "activity_invitees", &["user_id"], false).await?;
        index(m, "activity_invitees", &["unit_id", "attendance"], false).await?;
        m.create_table(
            Table::create()
                .table("return_visits")
                .col(big_pk_auto("id"))
                .col(string("method"))
                .col(date("visited_on"))
                .col(big_integer("enterprise_id"))
                .col(text("participants"))
                .col(text("feedback"))
                .col(big_integer("recorded_by"))
                .col(timestamp_with_time_zone("created_at"))
                .check(Expr::cust("method IN ('phone','on_site','seminar')"))
                .foreign_key(&mut fk("return_visits", "enterprise_id", "enterprises"))
                .foreign_key(&mut fk("return_visits", "recorded_by", "users"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("return_visit_projects")
                .col(big_pk_auto("id"))
                .col(big_integer("visit_id"))
                .col(big_integer("project_id"))
                .foreign_key(&mut fk(
                    "return_visit_projects",
                    "visit_id",
                    "return_visits",
                ))
                .foreign_key(&mut fk("return_visit_projects", "project_id", "projects"))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "return_visit_projects",
            &["visit_id", "project_id"],
            true,
        )
        .await?;
        index(m, "return_visit_projects", &["project_id"], false).await?;
        m.create_table(
            Table::create()
                .table("return_visit_appraisals")
                .col(big_pk_auto("id"))
                .col(big_integer("visit_id"))
                .col(big_integer("user_id"))
                .col(big_integer_null("unit_id"))
                .col(string("rating"))
                .col(text("comment"))
                .check(Expr::cust(
                    "rating IN ('very_satisfied','satisfied','basic','dissatisfied','very_dissatisfied')",
                ))
                .foreign_key(&mut fk("return_visit_appraisals", "visit_id", "return_visits"))
                .foreign_key(&mut fk("return_visit_appraisals", "user_id", "users"))
                .foreign_key(&mut fk("return_visit_appraisals", "unit_id", "units"))
                .to_owned(),
        )
        .await?;
        index(m, "return_visit_appraisals", &["visit_id", "user_id"], true).await?;
        index(m, "return_visit_appraisals", &["user_id"], false).await?;
        m.create_table(
            Table::create()
                .table("return_visit_problems")
                .col(big_pk_auto("id"))
                .col(big_integer("visit_id"))
                .col(big_integer("problem_id"))
                .foreign_key(&mut fk(
                    "return_visit_problems",
                    "visit_id",
                    "return_visits",
                ))
                .foreign_key(&mut fk("return_visit_problems", "problem_id", "problems"))
                .to_owned(),
        )
        .await?;
        index(m, "return_visit_problems", &["visit_id"], false).await?;
        // One entry per project and completed stage; `visit_id` is set by the first visit on or
        // after the stage change.
        m.create_table(
            Table::create()
                .table("visit_plan")
                .col(big_pk_auto("id"))
                .col(big_integer("project_id"))
                .col(string("stage"))
                .col(string("next_stage"))
                .col(timestamp_with_time_zone("stage_changed_at"))
                .col(date("due_on"))
                .col(boolean("due_provisional"))
                .col(big_integer_null("visit_id"))
                .col(date_null("visited_on"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("visit_plan", "project_id", "projects"))
                .foreign_key(&mut fk("visit_plan", "visit_id", "return_visits"))
                .to_owned(),
        )
        .await?;
        index(m, "visit_plan", &["project_id", "stage"], true).await?;
        index(m, "visit_plan", &["visit_id", "due_on"], false).await
    }
}
