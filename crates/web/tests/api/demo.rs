//! The demo city loads whole, once, and its accounts work.

use crate::helpers::bare_app;
use daiban_app::audit::{Verification, verify};
use daiban_app::demo::{DEMO_ACCOUNTS, DEMO_PASSWORD, Loaded, load_if_empty, load_with};

#[tokio::test]
async fn the_demo_city_loads_once_with_an_intact_audit_chain() {
    let (app, _clock, _dir) = bare_app().await;
    let loaded = load_with(&app, 24).await.expect("load");
    let Loaded::City {
        units,
        staff,
        enterprises,
        enterprise_users,
        activity,
    } = loaded
    else {
        panic!("an empty database must get the city");
    };
    assert!(
        units >= 57,
        "bureau, center, ≥30 town units, ≥25 departments: {units}"
    );
    assert!(staff > 100 && enterprises >= 12 && enterprise_users >= enterprises);
    assert_eq!(
        load_if_empty(&app).await.expect("second load"),
        Loaded::AlreadyPopulated
    );
    assert_eq!(activity.projects, 24);
    assert!(activity.case_items > activity.projects, "{activity:?}");
    let entries = units + staff + enterprises + enterprise_users;
    match verify(&app.db.conn).await.expect("verify") {
        Verification::Intact { entries: n } => {
            assert!(
                n > i64::try_from(entries).expect("fits"),
                "the activity is audited too"
            );
        }
        broken @ Verification::Broken { .. } => {
            panic!("the demo's audit chain must be intact: {broken:?}")
        }
    }
    for (role, username) in DEMO_ACCOUNTS {
        let issued = daiban_app::auth::login(
            &app,
            username,
            DEMO_PASSWORD,
            daiban_app::auth::SessionKind::Api,
            &daiban_app::Meta::cli(),
        )
        .await
        .expect("demo login");
        assert_eq!(issued.actor.role.code(), role);
    }
}
