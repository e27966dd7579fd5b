//! The democratic appraisal (民主评议): one survey per quarter with the units it appraises,
//! its respondents (each with the hash of a personal link's token), their answers (one per
//! respondent and unit) and the bureau's decisions for units left without a counted answer.

use super::schema::{fk, index};
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("surveys")
                .col(big_pk_auto("id"))
                .col(string("quarter"))
                .col(string("title"))
                .col(date("opens_on"))
                .col(date("closes_on"))
                .col(string("state"))
                // The appraised units, a JSON array of unit ids fixed when the survey opens.
                .col(text("unit_ids"))
                .col(big_integer("created_by"))
                .col(timestamp_with_time_zone("created_at"))
                .col(big_integer_null("closed_by"))
                .col(timestamp_with_time_zone_null("closed_at"))
                .col(integer("version").default(1))
                .col(timestamp_with_time_zone("updated_at"))
                .check(Expr::cust("state IN ('open','closed')"))
                .check(Expr::cust("closes_on >= opens_on"))
                .foreign_key(&mut fk("surveys", "created_by", "users"))
                .foreign_key(&mut fk("surveys", "closed_by", "users"))
                .to_owned(),
        )
        .await?;
        index(m, "surveys", &["quarter"], true).await?;

        m.create_table(
            Table::create()
                .table("survey_respondents")
                .col(big_pk_auto("id"))
                .col(big_integer("survey_id"))
                .col(string("grp"))
                .col(big_integer_null("user_id"))
                .col(string("name"))
                .col(string("phone"))
                .col(string("token_hash"))
                .col(big_integer("added_by"))
                .col(timestamp_with_time_zone("added_at"))
                .col(timestamp_with_time_zone_null("answered_at"))
                .check(Expr::cust(
                    "grp IN ('agent','helper','enterprise','service_center')",
                ))
                .foreign_key(&mut fk("survey_respondents", "survey_id", "surveys"))
                .foreign_key(&mut fk("survey_respondents", "user_id", "users"))
                .foreign_key(&mut fk("survey_respondents", "added_by", "users"))
                .to_owned(),
        )
        .await?;
        index(m, "survey_respondents", &["token_hash"], true).await?;
        // An account is asked once per survey (NULLs, people without an account, are distinct).
        index(m, "survey_respondents", &["survey_id", "user_id"], true).await?;

        m.create_table(
            Table::create()
                .table("survey_answers")
                .col(big_pk_auto("id"))
                .col(big_integer("survey_id"))
                .col(big_integer("respondent_id"))
                .col(big_integer("unit_id"))
                .col(string("answer"))
                .col(timestamp_with_time_zone("answered_at"))
                .check(Expr::cust(
                    "answer IN ('excellent','satisfied','dissatisfied','unknown')",
                ))
                .foreign_key(&mut fk("survey_answers", "survey_id", "surveys"))
                .foreign_key(&mut fk(
                    "survey_answers",
                    "respondent_id",
                    "survey_respondents",
                ))
                .foreign_key(&mut fk("survey_answers", "unit_id", "units"))
                .to_owned(),
        )
        .await?;
        index(m, "survey_answers", &["respondent_id", "unit_id"], true).await?;
        index(m, "survey_answers", &["survey_id", "unit_id"], false).await?;

        m.create_table(
            Table::create()
                .table("survey_decisions")
                .col(big_pk_auto("id"))
                .col(big_integer("survey_id"))
                .col(big_integer("unit_id"))
                .col(big_integer("points"))
                .col(text("reason"))
                .col(big_integer("decided_by"))
                .col(timestamp_with_time_zone("decided_at"))
                .check(Expr::cust("points >= 0"))
                .foreign_key(&mut fk("survey_decisions", "survey_id", "surveys"))
                .foreign_key(&mut fk("survey_decisions", "unit_id", "units"))
                .foreign_key(&mut fk("survey_decisions", "decided_by", "users"))
                .to_owned(),
        )
        .await?;
        index(m, "survey_decisions", &["survey_id", "unit_id"], true).await
    }
}
