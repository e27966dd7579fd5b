//! Statement helpers shared by the migrations after the first (which keeps its own copy, as a
//! shipped migration is never edited). They build the same SQL a migration would spell out.

use sea_orm_migration::prelude::*;

/// `fk_{from}_{col}`: `from.col` references `to.id`, restricting deletes.
pub(super) fn fk(from: &str, col: &str, to: &str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{from}_{col}"))
        .from(Alias::new(from), Alias::new(col))
        .to(Alias::new(to), Alias::new("id"))
        .on_delete(ForeignKeyAction::Restrict)
        .to_owned()
}

/// `idx_{table}_{cols…}` on `cols`, unique or not.
pub(super) async fn index(
    m: &SchemaManager<'_>,
    table: &str,
    cols: &[&str],
    unique: bool,
) -> Result<(), DbErr> {
    let mut idx = Index::create();
    idx.name(format!("idx_{table}_{}", cols.join("_")))
        .table(Alias::new(table));
    for c in cols {
        idx.col(Alias::new(*c));
    }
    if unique {
        idx.unique();
    }
    m.create_index(idx.clone()).await
}
