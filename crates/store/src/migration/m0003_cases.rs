//! The item catalog, projects, mandates, case items with their history, materials custody, the
//! notification outbox and the deadline monitor's alerts.

use super::schema::{fk, index};
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    #[expect(
        clippy::too_many_lines,
        reason = "one table after the other, read top to bottom"
    )]
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // Catalog rows are immutable revisions: an edit inserts revision n+1 and closes n, so a
        // case item keeps pointing at exactly what it was told.
        m.create_table(
            Table::create()
                .table("catalog_items")
                .col(big_pk_auto("id"))
                .col(string("code"))
                .col(integer("revision"))
                .col(boolean("current"))
                .col(string("name"))
                .col(string("name_en"))
                .col(big_integer("department_id"))
                .col(string("item_type"))
                .col(text("co_departments"))
                .col(integer_null("statutory_limit_days"))
                .col(integer("committed_limit_days"))
                .col(integer_null("report_up_limit_days"))
                .col(integer("warning_threshold_days"))
                .col(string("limits_source"))
                .col(text("source_note"))
                .col(text("legal_basis"))
                .col(string("stage"))
                .col(text("prerequisites"))
                .col(text("applies_when"))
                .col(text("fee"))
                .col(text("materials"))
                .col(string("origin"))
                .col(text("change_note"))
                .col(big_integer_null("created_by"))
                .col(timestamp_with_time_zone("created_at"))
                .check(Expr::cust(
                    "item_type IN ('immediate','committed','upward','joint')",
                ))
                .foreign_key(&mut fk("catalog_items", "department_id", "units"))
                .foreign_key(&mut fk("catalog_items", "created_by", "users"))
                .to_owned(),
        )
        .await?;
        index(m, "catalog_items", &["code", "revision"], true).await?;

        m.create_table(
            Table::create()
                .table("projects")
                .col(big_pk_auto("id"))
                .col(string_null("code"))
                .col(string("name"))
                .col(big_integer("enterprise_id"))
                .col(big_integer("unit_id"))
                .col(big_integer("investment_yuan"))
                .col(string("industry"))
                .col(string("kind"))
                .col(string("policy_standing"))
                .col(boolean("major_urban"))
                .col(boolean("major"))
                .col(big_integer_null("bureau_helper_id"))
                .col(string("stage"))
                .col(string("status"))
                .col(text("description"))
                .col(text_null("decline_reason"))
                .col(big_integer_null("created_by"))
                .col(integer("version").default(1))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .check(Expr::cust(
                    "status IN ('requested','active','paused','declined','completed','terminated')",
                ))
                .foreign_key(&mut fk("projects", "enterprise_id", "enterprises"))
                .foreign_key(&mut fk("projects", "unit_id", "units"))
                .foreign_key(&mut fk("projects", "bureau_helper_id", "users"))
                .foreign_key(&mut fk("projects", "created_by", "users"))
                .to_owned(),
        )
        .await?;
        index(m, "projects", &["code"], true).await?;
        index(m, "projects", &["enterprise_id"], false).await?;
        index(m, "projects", &["unit_id", "status"], false).await?;

        m.create_table(
            Table::create()
                .table("mandates")
                .col(big_pk_auto("id"))
                .col(big_integer_uniq("project_id"))
                .col(string("state"))
                .col(text("scope"))
                .col(text("agent_ids"))
                .col(big_integer_null("signed_by"))
                .col(timestamp_with_time_zone("signed_at"))
                .col(text("last_reason"))
                .col(timestamp_with_time_zone_null("closed_at"))
                .col(integer("version").default(1))
                .col(timestamp_with_time_zone("updated_at"))
                .check(Expr::cust(
                    "state IN ('active','suspended','concluded','terminated')",
                ))
                .foreign_key(&mut fk("mandates", "project_id", "projects"))
                .foreign_key(&mut fk("mandates", "signed_by", "users"))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("case_items")
                .col(big_pk_auto("id"))
                .col(big_integer("project_id"))
                .col(big_integer("catalog_item_id"))
                .col(string("item_code"))
                .col(string("item_name"))
                .col(big_integer("department_id"))
                .col(big_integer("unit_id"))
                .col(string("item_type"))
                .col(integer("limit_days"))
                .col(integer_null("report_up_limit_days"))
                .col(integer("warning_threshold_days"))
                .col(string("state"))
                .col(big_integer_null("first_contact_id"))
                .col(big_integer_null("agent_id"))
                .col(big_integer_null("helper_id"))
                .col(timestamp_with_time_zone("requested_at"))
                .col(timestamp_with_time_zone_null("accepted_at"))
                .col(timestamp_with_time_zone_null("materials_complete_at"))
                .col(timestamp_with_time_zone_null("submit_due_at"))
                .col(timestamp_with_time_zone_null("submitted_at"))
                .col(timestamp_with_time_zone_null("review_started_at"))
                .col(timestamp_with_time_zone_null("due_at"))
                .col(boolean("due_provisional").default(false))
                .col(timestamp_with_time_zone_null("reported_up_at"))
                .col(timestamp_with_time_zone_null("concluded_at"))
                .col(text("outcome_note"))
                .col(string("warning").default("none"))
                .col(integer("version").default(1))
                .col(timestamp_with_time_zone("updated_at"))
                .check(Expr::cust(
                    "state IN ('requested','accepted','awaiting_materials','ready','submitted',\
                     'in_review','suspended','reported_up','approved','rejected','withdrawn',\
                     'not_acceptable')",
                ))
                .foreign_key(&mut fk("case_items", "project_id", "projects"))
                .foreign_key(&mut fk("case_items", "catalog_item_id", "catalog_items"))
                .foreign_key(&mut fk("case_items", "department_id", "units"))
                .foreign_key(&mut fk("case_items", "unit_id", "units"))
                .foreign_key(&mut fk("case_items", "first_contact_id", "users"))
                .foreign_key(&mut fk("case_items", "agent_id", "users"))
                .foreign_key(&mut fk("case_items", "helper_id", "users"))
                .to_owned(),
        )
        .await?;
        index(m, "case_items", &["project_id"], false).await?;
        index(m, "case_items", &["department_id", "state"], false).await?;
        index(m, "case_items", &["unit_id", "state"], false).await?;
        index(m, "case_items", &["state"], false).await?;

        // Co-departments of a joint item: their helpers see it and its materials list.
        m.create_table(
            Table::create()
                .table("case_item_departments")
                .col(big_integer("case_item_id"))
                .col(big_integer("department_id"))
                .primary_key(Index::create().col("case_item_id").col("department_id"))
                .foreign_key(&mut fk(
                    "case_item_departments",
                    "case_item_id",
                    "case_items",
                ))
                .foreign_key(&mut fk("case_item_departments", "department_id", "units"))
                .to_owned(),
        )
        .await?;
        index(m, "case_item_departments", &["department_id"], false).await?;

        m.create_table(
            Table::create()
                .table("case_suspensions")
                .col(big_pk_auto("id"))
                .col(big_integer("case_item_id"))
                .col(string("reason"))
                .col(string("semantics"))
                .col(timestamp_with_time_zone("started_at"))
                .col(timestamp_with_time_zone_null("ended_at"))
                .col(text("note"))
                .foreign_key(&mut fk("case_suspensions", "case_item_id", "case_items"))
                .to_owned(),
        )
        .await?;
        index(m, "case_suspensions", &["case_item_id"], false).await?;

        m.create_table(
            Table::create()
                .table("case_extensions")
                .col(big_pk_auto("id"))
                .col(big_integer("case_item_id"))
                .col(integer("days"))
                .col(string("approver"))
                .col(text("reason"))
                .col(timestamp_with_time_zone("granted_at"))
                .foreign_key(&mut fk("case_extensions", "case_item_id", "case_items"))
                .to_owned(),
        )
        .await?;
        index(m, "case_extensions", &["case_item_id"], false).await?;

        // One timeline for a project and its items: transitions, notices, custody moves, due
        // date changes, mandate events. `occurred_at` is when it happened, `entered_at` when it
        // was recorded; a back-dated entry (补录) carries its reason.
        m.create_table(
            Table::create()
                .table("project_events")
                .col(big_pk_auto("id"))
                .col(big_integer("project_id"))
                .col(big_integer_null("case_item_id"))
                .col(string("kind"))
                .col(string_null("from_state"))
                .col(string_null("to_state"))
                .col(big_integer_null("actor_id"))
                .col(string("actor_name"))
                .col(string("actor_role"))
                .col(timestamp_with_time_zone("occurred_at"))
                .col(timestamp_with_time_zone("entered_at"))
                .col(boolean("backdated"))
                .col(text("backdate_reason"))
                .col(text("note"))
                .col(text("materials"))
                .col(text("data"))
                .foreign_key(&mut fk("project_events", "project_id", "projects"))
                .foreign_key(&mut fk("project_events", "case_item_id", "case_items"))
                .foreign_key(&mut fk("project_events", "actor_id", "users"))
                .to_owned(),
        )
        .await?;
        index(m, "project_events", &["project_id"], false).await?;
        index(m, "project_events", &["case_item_id"], false).await?;
        index(m, "project_events", &["kind"], false).await?;

        m.create_table(
            Table::create()
                .table("one_time_notices")
                .col(big_pk_auto("id"))
                .col(big_integer("case_item_id"))
                .col(integer("seq"))
                .col(text("demands"))
                .col(text("breach_codes"))
                .col(big_integer_null("issued_by"))
                .col(string("issued_by_name"))
                .col(timestamp_with_time_zone("issued_at"))
                .foreign_key(&mut fk("one_time_notices", "case_item_id", "case_items"))
                .foreign_key(&mut fk("one_time_notices", "issued_by", "users"))
                .to_owned(),
        )
        .await?;
        index(m, "one_time_notices", &["case_item_id", "seq"], true).await?;

        m.create_table(
            Table::create()
                .table("materials")
                .col(big_pk_auto("id"))
                .col(big_integer("case_item_id"))
                .col(big_integer("project_id"))
                .col(string("material_code"))
                .col(string("name"))
                .col(string("state"))
                .col(big_integer_null("holder_user_id"))
                .col(big_integer_null("holder_unit_id"))
                .col(string("holder_name"))
                .col(text("note"))
                .col(integer("version").default(1))
                .col(timestamp_with_time_zone("updated_at"))
                .check(Expr::cust(
                    "state IN ('not_received','held','transferred','returned','lost')",
                ))
                .foreign_key(&mut fk("materials", "case_item_id", "case_items"))
                .foreign_key(&mut fk("materials", "project_id", "projects"))
                .foreign_key(&mut fk("materials", "holder_user_id", "users"))
                .foreign_key(&mut fk("materials", "holder_unit_id", "units"))
                .to_owned(),
        )
        .await?;
        index(m, "materials", &["case_item_id", "material_code"], true).await?;
        index(m, "materials", &["holder_user_id"], false).await?;

        // The notification outbox: written in the same transaction as the change it reports.
        // Delivery channels (e-mail, webhook) mark `delivered_at`; the in-app inbox reads it.
        m.create_table(
            Table::create()
                .table("notifications")
                .col(big_pk_auto("id"))
                .col(big_integer_null("user_id"))
                .col(big_integer_null("enterprise_id"))
                .col(big_integer_null("project_id"))
                .col(big_integer_null("case_item_id"))
                .col(string("kind"))
                .col(text("title_zh"))
                .col(text("title_en"))
                .col(text("body_zh"))
                .col(text("body_en"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone_null("read_at"))
                .col(timestamp_with_time_zone_null("delivered_at"))
                .foreign_key(&mut fk("notifications", "user_id", "users"))
                .foreign_key(&mut fk("notifications", "enterprise_id", "enterprises"))
                .foreign_key(&mut fk("notifications", "project_id", "projects"))
                .foreign_key(&mut fk("notifications", "case_item_id", "case_items"))
                .to_owned(),
        )
        .await?;
        index(m, "notifications", &["user_id"], false).await?;
        index(m, "notifications", &["enterprise_id"], false).await?;

        // One row per (item, step, level, due time): the unique index makes the monitor
        // idempotent across restarts and instances. Red rows are overdue evidence.
        m.create_table(
            Table::create()
                .table("deadline_alerts")
                .col(big_pk_auto("id"))
                .col(big_integer("case_item_id"))
                .col(big_integer("project_id"))
                .col(string("step"))
                .col(string("level"))
                .col(timestamp_with_time_zone("due_at"))
                .col(big_integer("responsible_unit_id"))
                .col(big_integer_null("responsible_user_id"))
                .col(timestamp_with_time_zone("raised_at"))
                .check(Expr::cust("level IN ('yellow','red')"))
                .check(Expr::cust(
                    "step IN ('submission','review','report_up','overall')",
                ))
                .foreign_key(&mut fk("deadline_alerts", "case_item_id", "case_items"))
                .foreign_key(&mut fk("deadline_alerts", "project_id", "projects"))
                .foreign_key(&mut fk("deadline_alerts", "responsible_unit_id", "units"))
                .foreign_key(&mut fk("deadline_alerts", "responsible_user_id", "users"))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "deadline_alerts",
            &["case_item_id", "step", "level", "due_at"],
            true,
        )
        .await?;
        index(m, "deadline_alerts", &["responsible_unit_id"], false).await?;
        Ok(())
    }
}
