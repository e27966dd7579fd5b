//! Units, enterprises, users, sessions and the audit log.

use sea_orm::DbBackend;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn fk(from: &str, col: &str, to: &str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{from}_{col}"))
        .from(Alias::new(from), Alias::new(col))
        .to(Alias::new(to), Alias::new("id"))
        .on_delete(ForeignKeyAction::Restrict)
        .to_owned()
}

fn stamps(t: &mut TableCreateStatement) -> &mut TableCreateStatement {
    t.col(integer("version").default(1))
        .col(timestamp_with_time_zone("created_at"))
        .col(timestamp_with_time_zone("updated_at"))
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            stamps(
                Table::create()
                    .table("units")
                    .col(big_pk_auto("id"))
                    .col(string_uniq("code"))
                    .col(string("kind"))
                    .col(string("name"))
                    .col(string("name_en"))
                    .col(boolean("agency_window"))
                    .col(boolean("center_window"))
                    .col(string("address"))
                    .col(string("phone"))
                    .col(boolean("active")),
            )
            .check(Expr::cust(
                "kind IN ('bureau','service_center','town','subdistrict','dev_zone','department')",
            ))
            .to_owned(),
        )
        .await?;

        m.create_table(
            stamps(
                Table::create()
                    .table("enterprises")
                    .col(big_pk_auto("id"))
                    .col(string_uniq("uscc"))
                    .col(string_null("uscc_override_reason"))
                    .col(string("name"))
                    .col(big_integer("unit_id"))
                    .col(string("legal_rep"))
                    .col(string("contact"))
                    .col(string("phone"))
                    .col(string("address"))
                    .col(string("industry"))
                    .col(boolean("active")),
            )
            .foreign_key(&mut fk("enterprises", "unit_id", "units"))
            .to_owned(),
        )
        .await?;

        m.create_table(
            stamps(
                Table::create()
                    .table("users")
                    .col(big_pk_auto("id"))
                    .col(string_uniq("username"))
                    .col(string("name"))
                    .col(string("role"))
                    .col(big_integer_null("unit_id"))
                    .col(big_integer_null("enterprise_id"))
                    .col(string_null("cadre"))
                    .col(string("title"))
                    .col(string("phone"))
                    .col(string("email"))
                    .col(string("password_hash"))
                    .col(integer("failed_logins").default(0))
                    .col(timestamp_with_time_zone_null("locked_until"))
                    .col(string("locale"))
                    .col(boolean("active"))
                    .col(timestamp_with_time_zone_null("last_login_at")),
            )
            .check(Expr::cust(
                "role IN ('enterprise','agent','helper','unit_leader','coordinator','city_leader','admin','auditor')",
            ))
            .foreign_key(&mut fk("users", "unit_id", "units"))
            .foreign_key(&mut fk("users", "enterprise_id", "enterprises"))
            .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_users_unit")
                .table("users")
                .col("unit_id")
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("sessions")
                .col(big_pk_auto("id"))
                .col(string_uniq("token_hash"))
                .col(big_integer("user_id"))
                .col(string("kind"))
                .col(string("csrf_token"))
                .col(string("client_addr"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("last_seen_at"))
                .col(timestamp_with_time_zone("expires_at"))
                .col(boolean("revoked"))
                .foreign_key(&mut fk("sessions", "user_id", "users"))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("audit_log")
                .col(big_integer("seq").primary_key())
                .col(string("entered_at"))
                .col(big_integer_null("actor_id"))
                .col(string("actor_name"))
                .col(string("actor_role"))
                .col(big_integer_null("actor_unit_id"))
                .col(string("action"))
                .col(string("object_type"))
                .col(string("object_id"))
                .col(text("before"))
                .col(text("after"))
                .col(string("request_id"))
                .col(string("client_addr"))
                .col(string("prev_hash"))
                .col(string("hash"))
                .to_owned(),
        )
        .await?;
        for (name, col) in [
            ("idx_audit_object", "object_type"),
            ("idx_audit_actor", "actor_id"),
            ("idx_audit_action", "action"),
        ] {
            m.create_index(
                Index::create()
                    .name(name)
                    .table("audit_log")
                    .col(col)
                    .to_owned(),
            )
            .await?;
        }

        m.create_table(
            Table::create()
                .table("audit_head")
                .col(integer("id").primary_key())
                .col(big_integer("seq"))
                .col(string("last_hash"))
                .to_owned(),
        )
        .await?;
        let db = m.get_connection();
        db.execute_unprepared(&format!(
            "INSERT INTO audit_head (id, seq, last_hash) VALUES (1, 0, '{}')",
            daiban_domain::audit::GENESIS
        ))
        .await?;

        // The audit log is append-only: the database itself refuses UPDATE and DELETE.
        match m.get_database_backend() {
            DbBackend::Sqlite => {
                for op in ["UPDATE", "DELETE"] {
                    db.execute_unprepared(&format!(
                        "CREATE TRIGGER audit_log_no_{op} BEFORE {op} ON audit_log \
                         BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
                    ))
                    .await?;
                }
            }
            DbBackend::Postgres => {
                db.execute_unprepared(
                    "CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS \
                     $$ BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$",
                )
                .await?;
                db.execute_unprepared(
                    "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE \
                     ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()",
                )
                .await?;
            }
            _ => return Err(DbErr::Migration("unsupported backend".into())),
        }
        Ok(())
    }
}
