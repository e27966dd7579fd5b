//! The city as loaded through the use cases (units, staff, enterprises, the item catalog), read
//! back into lookups the planner and the emitter share.

use crate::catalog::{self, CatalogFilter, CatalogItemView};
use crate::error::AppResult;
use daiban_domain::project::ProjectStage;
use daiban_store::entity::{enterprise, unit, user};
use sea_orm::{ConnectionTrait, EntityTrait, QueryOrder};
use std::collections::BTreeMap;

/// A person who acts: staff or an enterprise account.
#[derive(Debug, Clone)]
pub(super) struct Person {
    /// User id.
    pub id: i64,
    /// Login name (the audit log's actor).
    pub username: String,
    /// Display name (the timeline's actor).
    pub name: String,
    /// Role code.
    pub role: &'static str,
    /// Unit, for staff.
    pub unit_id: Option<i64>,
    /// Phone.
    pub phone: String,
}

/// A town unit (town, subdistrict, development zone) with its agents.
#[derive(Debug, Clone)]
pub(super) struct Town {
    /// Unit id.
    pub id: i64,
    /// Code, e.g. `T-DAINAN`.
    pub code: String,
    /// Name, e.g. 戴南镇.
    pub name: String,
    /// Agents (indices into [`World::people`]).
    pub agents: Vec<usize>,
}

/// A department with its helper(s).
#[derive(Debug, Clone)]
pub(super) struct Dept {
    /// Name.
    pub name: String,
    /// Helpers (indices into [`World::people`]).
    pub helpers: Vec<usize>,
}

/// A catalog item as the planner uses it.
#[derive(Debug, Clone)]
pub(super) struct CatItem {
    /// The catalog revision.
    pub view: CatalogItemView,
    /// Applies to every project (no `applies_when`).
    pub unconditional: bool,
    /// The lead department's name.
    pub dept_name: String,
    /// Co-departments' names, by unit id (as the case-item view lists them).
    pub co_names: Vec<String>,
    /// The limit a case item carries (report-up limit of an upward item).
    pub limit: i32,
    /// Materials a one-time notice may demand (neither deferrable nor promised).
    pub blocking: Vec<usize>,
}

/// One enterprise of the city file (already in the database).
#[derive(Debug, Clone)]
pub(super) struct CityEnterprise {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Its town (index into [`World::towns`]), if it is in one with agents.
    pub town: Option<usize>,
    /// Its first account, if any (index into [`World::people`]).
    pub account: Option<usize>,
}

/// Everything loaded.
pub(super) struct World {
    /// Staff and the city's enterprise accounts.
    pub people: Vec<Person>,
    /// Town units with agents, by id.
    pub towns: Vec<Town>,
    /// Departments with a helper, by id.
    pub depts: BTreeMap<i64, Dept>,
    /// Unit leaders by unit id.
    pub leaders: BTreeMap<i64, Vec<usize>>,
    /// The bureau's coordinators.
    pub coordinators: Vec<usize>,
    /// The bureau's helpers (major projects).
    pub bureau_helpers: Vec<usize>,
    /// The bureau's unit id.
    pub bureau_id: Option<i64>,
    /// The administrator (creates enterprise accounts).
    pub admin: Option<usize>,
    /// The catalog items usable (department with a helper).
    pub catalog: Vec<CatItem>,
    /// Catalog items by stage.
    pub by_stage: Vec<Vec<usize>>,
    /// The city's enterprises.
    pub city_enterprises: Vec<CityEnterprise>,
    /// Units appraised by the quarterly survey: active town units and departments, by id.
    pub appraised: Vec<i64>,
    /// The password hash shared by every account.
    pub password_hash: String,
}

fn role_code(s: &str) -> &'static str {
    match s {
        "enterprise" => "enterprise",
        "agent" => "agent",
        "helper" => "helper",
        "unit_leader" => "unit_leader",
        "coordinator" => "coordinator",
        "city_leader" => "city_leader",
        "admin" => "admin",
        _ => "auditor",
    }
}

/// Reads the loaded city back.
///
/// # Errors
/// Database failure; a city without a town with agents, a coordinator or a usable item.
pub(super) async fn load<C: ConnectionTrait>(db: &C) -> AppResult<World> {
    let units = unit::Entity::find()
        .order_by_asc(unit::Column::Id)
        .all(db)
        .await?;
    let users = user::Entity::find()
        .order_by_asc(user::Column::Id)
        .all(db)
        .await?;
    let ents = enterprise::Entity::find()
        .order_by_asc(enterprise::Column::Id)
        .all(db)
        .await?;
    let mut people = Vec::new();
    let mut by_user = BTreeMap::new();
    let mut password_hash = String::new();
    for u in &users {
        if !u.active {
            continue;
        }
        if password_hash.is_empty() {
            password_hash.clone_from(&u.password_hash);
        }
        by_user.insert(u.id, people.len());
        people.push(Person {
            id: u.id,
            username: u.username.clone(),
            name: u.name.clone(),
            role: role_code(&u.role),
            unit_id: u.unit_id,
            phone: u.phone.clone(),
        });
    }
    let of_role = |role: &str, unit: Option<i64>| -> Vec<usize> {
        people
            .iter()
            .enumerate()
            .filter(|(_, p)| p.role == role && (unit.is_none() || p.unit_id == unit))
            .map(|(i, _)| i)
            .collect()
    };
    let bureau = units.iter().find(|u| u.kind == "bureau").map(|u| u.id);
    let mut towns = Vec::new();
    let mut depts = BTreeMap::new();
    let mut leaders: BTreeMap<i64, Vec<usize>> = BTreeMap::new();
    let mut appraised = Vec::new();
    for u in &units {
        let l = of_role("unit_leader", Some(u.id));
        if !l.is_empty() {
            leaders.insert(u.id, l);
        }
        if !u.active {
            continue;
        }
        match u.kind.as_str() {
            "town" | "subdistrict" | "dev_zone" => {
                appraised.push(u.id);
                let agents = of_role("agent", Some(u.id));
                if !agents.is_empty() {
                    towns.push(Town {
                        id: u.id,
                        code: u.code.clone(),
                        name: u.name.clone(),
                        agents,
                    });
                }
            }
            "department" => {
                appraised.push(u.id);
                let helpers = of_role("helper", Some(u.id));
                if !helpers.is_empty() {
                    depts.insert(
                        u.id,
                        Dept {
                            name: u.name.clone(),
                            helpers,
                        },
                    );
                }
            }
            _ => {}
        }
    }
    let unit_names: BTreeMap<i64, String> = units.iter().map(|u| (u.id, u.name.clone())).collect();
    let items = catalog::list(db, &CatalogFilter::default()).await?;
    let mut catalog_items = Vec::new();
    let mut by_stage = vec![Vec::new(); ProjectStage::ALL.len()];
    for v in items {
        let Some(stage) = ProjectStage::from_code(&v.stage) else {
            continue;
        };
        let Some(d) = depts.get(&v.department_id) else {
            continue;
        };
        let mut co = v.co_departments.clone();
        co.sort_unstable();
        let co_names = co
            .iter()
            .filter_map(|id| unit_names.get(id).cloned())
            .collect();
        let limit = if v.item_type == "upward" {
            v.report_up_limit_days.unwrap_or(3)
        } else {
            v.committed_limit_days
        };
        let blocking = v
            .materials
            .iter()
            .enumerate()
            .filter(|(_, m)| !m.deferrable && !m.promise_allowed)
            .map(|(i, _)| i)
            .collect();
        by_stage[stage.index()].push(catalog_items.len());
        catalog_items.push(CatItem {
            unconditional: v.applies_when.trim().is_empty(),
            dept_name: d.name.clone(),
            co_names,
            limit,
            blocking,
            view: v,
        });
    }
    let city_enterprises = ents
        .iter()
        .map(|e| CityEnterprise {
            id: e.id,
            name: e.name.clone(),
            town: towns.iter().position(|t| t.id == e.unit_id),
            account: users
                .iter()
                .find(|u| u.active && u.enterprise_id == Some(e.id))
                .and_then(|u| by_user.get(&u.id).copied()),
        })
        .collect();
    let world = World {
        coordinators: of_role("coordinator", None),
        bureau_helpers: of_role("helper", bureau),
        admin: of_role("admin", None).first().copied(),
        bureau_id: bureau,
        people,
        towns,
        depts,
        leaders,
        catalog: catalog_items,
        by_stage,
        city_enterprises,
        appraised,
        password_hash,
    };
    if world.towns.is_empty() || world.coordinators.is_empty() || world.catalog.is_empty() {
        return Err(anyhow::anyhow!(
            "the city needs a town unit with agents, a coordinator and catalog items whose department has a helper"
        )
        .into());
    }
    Ok(world)
}
