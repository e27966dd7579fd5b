//! The demo city (`serve --demo`): Xinghua's bureau, service center, town units, departments,
//! staff and a few enterprises, loaded from `data/demo/city.toml` when the database is empty.

use crate::App;
use crate::actor::Meta;
use crate::audit::ActorRef;
use crate::auth::hash_password;
use crate::enterprises::{self, EnterpriseInput};
use crate::error::{AppResult, Checks};
use crate::units::{self, UnitInput};
use crate::users::{self, UserInput};
use daiban_store::entity::unit;
use sea_orm::{EntityTrait, PaginatorTrait};
use serde::Deserialize;

/// The demo city, embedded in the binary.
pub const CITY_TOML: &str = include_str!("../../../data/demo/city.toml");

/// Projects in the demo city's year of activity.
pub const DEMO_PROJECTS: usize = 300;

/// The password of every demo account.
pub const DEMO_PASSWORD: &str = "daiban2026";

/// The account printed for each role at startup.
pub const DEMO_ACCOUNTS: [(&str, &str); 8] = [
    ("enterprise", "ent.demo"),
    ("agent", "dainan.agent1"),
    ("helper", "fgw.helper"),
    ("unit_leader", "dainan.leader"),
    ("coordinator", "bureau.coord1"),
    ("city_leader", "city.leader"),
    ("admin", "sys.admin"),
    ("auditor", "sys.auditor"),
];

#[derive(Debug, Deserialize)]
struct City {
    units: Vec<UnitInput>,
    staff: Vec<StaffRow>,
    enterprises: Vec<EnterpriseInput>,
    enterprise_users: Vec<EnterpriseUserRow>,
}

#[derive(Debug, Deserialize)]
struct StaffRow {
    username: String,
    name: String,
    role: String,
    unit: String,
    #[serde(default)]
    cadre: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    title: String,
}

#[derive(Debug, Deserialize)]
struct EnterpriseUserRow {
    username: String,
    name: String,
    enterprise: String,
    #[serde(default)]
    phone: String,
}

/// What the loader did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Loaded {
    /// The database already had data; nothing was loaded.
    AlreadyPopulated,
    /// The city was loaded: units, staff, enterprises, enterprise users.
    City {
        /// Units created.
        units: usize,
        /// Staff accounts created.
        staff: usize,
        /// Enterprises created.
        enterprises: usize,
        /// Enterprise accounts created.
        enterprise_users: usize,
        /// The year of activity generated.
        activity: crate::demo_activity::Activity,
    },
}

/// Loads the demo city if the database has no units yet.
///
/// # Errors
/// A row of the embedded city breaks a rule (a bug in the data file), or the database fails.
pub async fn load_if_empty(app: &App) -> AppResult<Loaded> {
    load_with(app, DEMO_PROJECTS).await
}

/// [`load_if_empty`] with `projects` projects in the year of activity (tests use a few).
///
/// # Errors
/// As [`load_if_empty`].
pub async fn load_with(app: &App, projects: usize) -> AppResult<Loaded> {
    if unit::Entity::find().count(&app.db.conn).await? > 0 {
        return Ok(Loaded::AlreadyPopulated);
    }
    // One hash for every demo account: they share the published demo password.
    let hash = hash_password(DEMO_PASSWORD).await?;
    let city = load_city(app, &hash).await?;
    let end = app.now();
    let activity = crate::demo_activity::generate(app, projects, end, &hash).await?;
    crate::demo_consultations::generate(app, end).await?;
    // The information platform's year (announcements, read receipts, enterprise demands).
    let platform = crate::demo_platform::generate(app, end).await?;
    tracing::info!(
        announcements = platform.announcements,
        reads = platform.reads,
        demands = platform.demands,
        "demo information platform generated"
    );
    // The consultations' and the platform's notices go to delivery too, as of the demo's end.
    let dispatcher = crate::delivery::Dispatcher::new(&app.delivery)?;
    crate::delivery::run_at(app, &dispatcher, end).await?;
    Ok(Loaded::City {
        activity,
        units: city.units,
        staff: city.staff,
        enterprises: city.enterprises,
        enterprise_users: city.enterprise_users,
    })
}

/// What [`load_city`] created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CityCounts {
    /// Units created.
    pub units: usize,
    /// Staff accounts created.
    pub staff: usize,
    /// Enterprises created.
    pub enterprises: usize,
    /// Enterprise accounts created.
    pub enterprise_users: usize,
}

/// Loads the demo city alone — its units, staff, enterprises and enterprise accounts, every
/// account with the password hash `hash` — in one transaction at the app's current time,
/// through the use cases (audited). No catalog and no year of activity: `daiban generate`
/// builds on this.
///
/// # Errors
/// A row of the embedded city breaks a rule (a bug in the data file), or the database fails;
/// nothing is written then.
pub async fn load_city(app: &App, hash: &str) -> AppResult<CityCounts> {
    let city: City =
        toml::from_str(CITY_TOML).map_err(|e| anyhow::anyhow!("data/demo/city.toml: {e}"))?;
    let who = ActorRef::system();
    let meta = Meta {
        request_id: "demo".into(),
        client_addr: "local".into(),
    };
    // The whole city in one transaction: an interrupted load leaves an empty database, so the
    // next `serve --demo` loads it again.
    let w = app.begin_write().await?;
    let now = app.now();
    for u in &city.units {
        units::insert(&w.txn, now, &who, u, &meta).await?;
    }
    let mut uscc_to_id = std::collections::BTreeMap::new();
    for e in &city.enterprises {
        let v = enterprises::insert(&w.txn, now, &who, e, &meta).await?;
        uscc_to_id.insert(v.uscc.clone(), v.id);
    }
    for s in &city.staff {
        let input = UserInput {
            username: s.username.clone(),
            name: s.name.clone(),
            role: s.role.clone(),
            unit: s.unit.clone(),
            cadre: s.cadre.clone(),
            title: s.title.clone(),
            phone: s.phone.clone(),
            email: s.email.clone(),
            ..UserInput::default()
        };
        users::insert(
            &w.txn,
            now,
            &who,
            &input,
            &s.username,
            hash.to_owned(),
            Checks::default(),
            &meta,
        )
        .await?;
    }
    for eu in &city.enterprise_users {
        let input = UserInput {
            username: eu.username.clone(),
            name: eu.name.clone(),
            role: "enterprise".into(),
            enterprise_id: uscc_to_id.get(eu.enterprise.trim()).copied(),
            phone: eu.phone.clone(),
            ..UserInput::default()
        };
        users::insert(
            &w.txn,
            now,
            &who,
            &input,
            &eu.username,
            hash.to_owned(),
            Checks::default(),
            &meta,
        )
        .await?;
    }
    w.commit().await?;
    Ok(CityCounts {
        units: city.units.len(),
        staff: city.staff.len(),
        enterprises: city.enterprises.len(),
        enterprise_users: city.enterprise_users.len(),
    })
}
