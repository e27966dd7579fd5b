//! Display names read in one statement: a view shows the names of the rows it refers to
//! (projects, units, people, enterprises), and reading each table apart cost one round trip
//! per table on every list and every answer. Each part is a `SELECT` of `(kind, key, sub,
//! name)` over one table, and the parts are read as one `UNION ALL`.

use crate::AppResult;
use daiban_store::entity::{unit, user};
use sea_orm::sea_query::{
    Expr, ExprTrait, IntoIden, Query, SelectStatement, SimpleExpr, UnionType,
};
use sea_orm::{ConnectionTrait, FromQueryResult};
use std::collections::{BTreeMap, BTreeSet};

/// One name: `kind` says which part it comes from, `key` is the row it names, `sub` a second
/// key where a part has one (0 otherwise).
#[derive(Debug, FromQueryResult)]
pub(crate) struct NameRow {
    pub kind: String,
    pub key: i64,
    pub sub: i64,
    pub name: String,
}

/// The parts of one read, each naming some rows of one table; a part with no rows to name is
/// left out.
#[derive(Default)]
pub(crate) struct Names {
    parts: Vec<SelectStatement>,
}

impl Names {
    /// Names the rows `ids` of `table` (by its columns `id` and `name`) under `kind`, a short
    /// literal chosen by the caller.
    pub fn of(
        self,
        kind: &'static str,
        table: impl IntoIden,
        id: impl IntoIden,
        name: impl IntoIden,
        ids: &BTreeSet<i64>,
    ) -> Self {
        if ids.is_empty() {
            return self;
        }
        let (table, id) = (table.into_iden(), id.into_iden());
        let which = Expr::col((table.clone(), id.clone())).is_in(ids.iter().copied());
        self.of_where(kind, table, id, name, which)
    }

    /// Names the rows of `table` that `which` selects (a condition on its columns, e.g. a
    /// subquery) under `kind`.
    pub fn of_where(
        mut self,
        kind: &'static str,
        table: impl IntoIden,
        id: impl IntoIden,
        name: impl IntoIden,
        which: SimpleExpr,
    ) -> Self {
        let (table, id) = (table.into_iden(), id.into_iden());
        self.parts.push(
            Query::select()
                .expr_as(Expr::cust(format!("'{kind}'")), "kind")
                .expr_as(Expr::col((table.clone(), id)), "key")
                .expr_as(Expr::cust("CAST(0 AS BIGINT)"), "sub")
                .expr_as(Expr::col((table.clone(), name.into_iden())), "name")
                .from(table)
                .and_where(which)
                .to_owned(),
        );
        self
    }

    /// The units `ids` under `kind`.
    pub fn units(self, kind: &'static str, ids: &BTreeSet<i64>) -> Self {
        self.of(
            kind,
            unit::Entity,
            unit::Column::Id,
            unit::Column::Name,
            ids,
        )
    }

    /// The people `ids` under `kind`.
    pub fn users(self, kind: &'static str, ids: &BTreeSet<i64>) -> Self {
        self.of(
            kind,
            user::Entity,
            user::Column::Id,
            user::Column::Name,
            ids,
        )
    }

    /// A part written by the caller, selecting `kind`, `key`, `sub` and `name`.
    pub fn with(mut self, part: SelectStatement) -> Self {
        self.parts.push(part);
        self
    }

    /// Reads the parts as one statement, one name per kind and key.
    ///
    /// # Errors
    /// Database failure.
    pub async fn read_maps<C: ConnectionTrait>(self, db: &C) -> AppResult<NameMaps> {
        Ok(self.read(db).await?.into_iter().collect())
    }

    /// Reads the parts as one statement (none: no statement).
    ///
    /// # Errors
    /// Database failure.
    pub async fn read<C: ConnectionTrait>(self, db: &C) -> AppResult<Vec<NameRow>> {
        let Some(q) = self.statement() else {
            return Ok(Vec::new());
        };
        Ok(
            NameRow::find_by_statement(db.get_database_backend().build(&q))
                .all(db)
                .await?,
        )
    }

    /// The parts as one statement, for a caller that sends it with other reads (`None`: no
    /// part).
    pub fn statement(self) -> Option<SelectStatement> {
        let mut parts = self.parts.into_iter();
        let mut q = parts.next()?;
        for p in parts {
            q.union(UnionType::All, p);
        }
        Some(q)
    }
}

/// Names by kind and key.
#[derive(Default)]
pub(crate) struct NameMaps(BTreeMap<String, BTreeMap<i64, String>>);

impl NameMaps {
    /// The name of `key` under `kind`; empty for none or an unknown key.
    pub fn get(&self, kind: &str, key: Option<i64>) -> String {
        key.and_then(|k| self.0.get(kind)?.get(&k).cloned())
            .unwrap_or_default()
    }
}

impl FromIterator<NameRow> for NameMaps {
    fn from_iter<I: IntoIterator<Item = NameRow>>(rows: I) -> Self {
        let mut maps = Self::default();
        for r in rows {
            maps.0.entry(r.kind).or_default().insert(r.key, r.name);
        }
        maps
    }
}
