//! Problems and their escalation ladder, coordination meetings with attendance, decisions and
//! action items.

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
        m.create_table(
            Table::create()
                .table("meetings")
                .col(big_pk_auto("id"))
                .col(string("kind"))
                .col(string("title"))
                .col(timestamp_with_time_zone("scheduled_at"))
                .col(string("place"))
                .col(big_integer("convenor_id"))
                .col(string("status"))
                .col(text("minutes"))
                .col(big_integer_null("project_id"))
                .col(integer("version").default(1))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .check(Expr::cust("kind IN ('huddle','joint_review','on_site')"))
                .check(Expr::cust("status IN ('planned','held')"))
                .foreign_key(&mut fk("meetings", "convenor_id", "users"))
                .foreign_key(&mut fk("meetings", "project_id", "projects"))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("problems")
                .col(big_pk_auto("id"))
                .col(big_integer("project_id"))
                .col(string("title"))
                .col(text("description"))
                .col(string("category"))
                .col(big_integer("department_id"))
                .col(big_integer_null("owner_id"))
                .col(boolean("at_site"))
                .col(big_integer("raised_by"))
                .col(string("raised_by_role"))
                .col(string("level"))
                .col(timestamp_with_time_zone("level_entered_at"))
                .col(timestamp_with_time_zone("level_due_at"))
                .col(boolean("due_provisional"))
                .col(string("status"))
                .col(text("resolution"))
                .col(timestamp_with_time_zone_null("resolved_at"))
                .col(big_integer_null("meeting_id"))
                .col(integer("version").default(1))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .check(Expr::cust(
                    "level IN ('department','department_leader','bureau','meeting','city_leader')",
                ))
                .check(Expr::cust("status IN ('open','resolved','closed')"))
                .foreign_key(&mut fk("problems", "project_id", "projects"))
                .foreign_key(&mut fk("problems", "department_id", "units"))
                .foreign_key(&mut fk("problems", "owner_id", "users"))
                .foreign_key(&mut fk("problems", "raised_by", "users"))
                .foreign_key(&mut fk("problems", "meeting_id", "meetings"))
                .to_owned(),
        )
        .await?;
        index(m, "problems", &["project_id"], false).await?;
        index(m, "problems", &["department_id", "status"], false).await?;
        index(m, "problems", &["status", "level"], false).await?;

        // The case items a problem blocks.
        m.create_table(
            Table::create()
                .table("problem_blocks")
                .col(big_integer("problem_id"))
                .col(big_integer("case_item_id"))
                .primary_key(Index::create().col("problem_id").col("case_item_id"))
                .foreign_key(&mut fk("problem_blocks", "problem_id", "problems"))
                .foreign_key(&mut fk("problem_blocks", "case_item_id", "case_items"))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("problem_events")
                .col(big_pk_auto("id"))
                .col(big_integer("problem_id"))
                .col(string("kind"))
                .col(string_null("from_level"))
                .col(string_null("to_level"))
                .col(string_null("from_status"))
                .col(string_null("to_status"))
                .col(big_integer_null("actor_id"))
                .col(string("actor_name"))
                .col(string("actor_role"))
                .col(text("note"))
                .col(timestamp_with_time_zone("occurred_at"))
                .foreign_key(&mut fk("problem_events", "problem_id", "problems"))
                .foreign_key(&mut fk("problem_events", "actor_id", "users"))
                .to_owned(),
        )
        .await?;
        index(m, "problem_events", &["problem_id"], false).await?;

        // One row per (problem, level, time it entered the level): the monitor's escalation of a
        // problem left too long happens once, across restarts and instances; the row is the
        // late-reporting evidence against the unit that held it.
        m.create_table(
            Table::create()
                .table("problem_overdue")
                .col(big_pk_auto("id"))
                .col(big_integer("problem_id"))
                .col(string("level"))
                .col(timestamp_with_time_zone("level_entered_at"))
                .col(timestamp_with_time_zone("due_at"))
                .col(big_integer("responsible_unit_id"))
                .col(timestamp_with_time_zone("raised_at"))
                .foreign_key(&mut fk("problem_overdue", "problem_id", "problems"))
                .foreign_key(&mut fk("problem_overdue", "responsible_unit_id", "units"))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "problem_overdue",
            &["problem_id", "level", "level_entered_at"],
            true,
        )
        .await?;

        m.create_table(
            Table::create()
                .table("meeting_agenda")
                .col(big_pk_auto("id"))
                .col(big_integer("meeting_id"))
                .col(big_integer_null("project_id"))
                .col(big_integer_null("problem_id"))
                .foreign_key(&mut fk("meeting_agenda", "meeting_id", "meetings"))
                .foreign_key(&mut fk("meeting_agenda", "project_id", "projects"))
                .foreign_key(&mut fk("meeting_agenda", "problem_id", "problems"))
                .to_owned(),
        )
        .await?;
        index(m, "meeting_agenda", &["meeting_id"], false).await?;

        m.create_table(
            Table::create()
                .table("meeting_attendees")
                .col(big_pk_auto("id"))
                .col(big_integer("meeting_id"))
                .col(big_integer("unit_id"))
                .col(big_integer_null("user_id"))
                .col(string("name"))
                .col(string_null("attendance"))
                .col(text("note"))
                .check(Expr::cust(
                    "attendance IS NULL OR attendance IN ('present','late','left_early','absent_with_leave','absent_without_leave')",
                ))
                .foreign_key(&mut fk("meeting_attendees", "meeting_id", "meetings"))
                .foreign_key(&mut fk("meeting_attendees", "unit_id", "units"))
                .foreign_key(&mut fk("meeting_attendees", "user_id", "users"))
                .to_owned(),
        )
        .await?;
        index(m, "meeting_attendees", &["meeting_id"], false).await?;
        index(m, "meeting_attendees", &["unit_id"], false).await?;

        m.create_table(
            Table::create()
                .table("meeting_decisions")
                .col(big_pk_auto("id"))
                .col(big_integer("meeting_id"))
                .col(integer("seq"))
                .col(text("text"))
                .col(big_integer_null("problem_id"))
                .foreign_key(&mut fk("meeting_decisions", "meeting_id", "meetings"))
                .foreign_key(&mut fk("meeting_decisions", "problem_id", "problems"))
                .to_owned(),
        )
        .await?;
        index(m, "meeting_decisions", &["meeting_id", "seq"], true).await?;

        // Action items from a meeting's decisions or a city leader's decision: run on the clock
        // like case items.
        m.create_table(
            Table::create()
                .table("action_items")
                .col(big_pk_auto("id"))
                .col(string("source"))
                .col(big_integer_null("meeting_id"))
                .col(big_integer_null("decision_id"))
                .col(big_integer_null("problem_id"))
                .col(big_integer_null("project_id"))
                .col(text("title"))
                .col(big_integer("owner_unit_id"))
                .col(big_integer_null("owner_user_id"))
                .col(integer("due_days"))
                .col(timestamp_with_time_zone("assigned_at"))
                .col(timestamp_with_time_zone("due_at"))
                .col(boolean("due_provisional"))
                .col(string("status"))
                .col(timestamp_with_time_zone_null("done_at"))
                .col(text("done_note"))
                .col(string("warning").default("none"))
                .col(integer("version").default(1))
                .col(timestamp_with_time_zone("updated_at"))
                .check(Expr::cust("source IN ('meeting','city_leader')"))
                .check(Expr::cust("status IN ('open','done','cancelled')"))
                .foreign_key(&mut fk("action_items", "meeting_id", "meetings"))
                .foreign_key(&mut fk("action_items", "decision_id", "meeting_decisions"))
                .foreign_key(&mut fk("action_items", "problem_id", "problems"))
                .foreign_key(&mut fk("action_items", "project_id", "projects"))
                .foreign_key(&mut fk("action_items", "owner_unit_id", "units"))
                .foreign_key(&mut fk("action_items", "owner_user_id", "users"))
                .to_owned(),
        )
        .await?;
        index(m, "action_items", &["owner_unit_id", "status"], false).await?;
        index(m, "action_items", &["meeting_id"], false).await?;

        m.create_table(
            Table::create()
                .table("action_item_alerts")
                .col(big_pk_auto("id"))
                .col(big_integer("action_item_id"))
                .col(string("level"))
                .col(timestamp_with_time_zone("due_at"))
                .col(big_integer("responsible_unit_id"))
                .col(timestamp_with_time_zone("raised_at"))
                .check(Expr::cust("level IN ('yellow','red')"))
                .foreign_key(&mut fk(
                    "action_item_alerts",
                    "action_item_id",
                    "action_items",
                ))
                .foreign_key(&mut fk(
                    "action_item_alerts",
                    "responsible_unit_id",
                    "units",
                ))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "action_item_alerts",
            &["action_item_id", "level", "due_at"],
            true,
        )
        .await
    }
}
