//! The audit log: every write has its entry, the chain detects tampering, the table refuses
//! updates.

use crate::helpers::TestApp;
use axum::http::{Method, StatusCode};
use daiban_app::audit::{Verification, verify};
use daiban_store::Backend;
use daiban_store::sea_orm::ConnectionTrait;

#[tokio::test]
async fn a_write_appends_an_entry_with_before_and_after() {
    let t = TestApp::new().await;
    let admin = t.token("admin").await;
    let created = t
        .api(
            Method::POST,
            "/api/v1/units",
            Some(&admin),
            Some(serde_json::json!({"code": "D-QX", "kind": "department", "name": "市气象局"})),
        )
        .await;
    let id = created.json()["id"].as_i64().expect("id");
    let auditor = t.token("auditor").await;
    let page = t
        .api(
            Method::GET,
            &format!("/api/v1/audit?object_type=unit&object_id={id}"),
            Some(&auditor),
            None,
        )
        .await
        .json();
    assert_eq!(page["total"], 1);
    let e = &page["items"][0];
    assert_eq!(e["action"], "unit.create");
    assert_eq!(e["actor_name"], "admin");
    assert!(e["after"].as_str().unwrap_or_default().contains("市气象局"));
    assert!(!e["request_id"].as_str().unwrap_or_default().is_empty());
}

#[tokio::test]
async fn the_chain_is_intact_after_normal_work() {
    let t = TestApp::new().await;
    let _ = t.token("agent.a").await;
    match verify(&t.app.db.conn).await.expect("verify") {
        Verification::Intact { entries } => assert!(entries > 10),
        Verification::Broken { seq, reason } => panic!("broken at {seq}: {reason}"),
    }
}

#[tokio::test]
async fn the_database_refuses_to_update_or_delete_audit_entries() {
    let t = TestApp::new().await;
    let db = &t.app.db.conn;
    assert!(
        db.execute_unprepared("UPDATE audit_log SET action = 'x' WHERE seq = 1")
            .await
            .is_err()
    );
    assert!(
        db.execute_unprepared("DELETE FROM audit_log WHERE seq = 1")
            .await
            .is_err()
    );
}

async fn without_triggers(t: &TestApp, sql: &str) {
    let db = &t.app.db.conn;
    match t.app.db.backend {
        Backend::Sqlite => {
            db.execute_unprepared("DROP TRIGGER audit_log_no_UPDATE")
                .await
                .expect("drop");
            db.execute_unprepared("DROP TRIGGER audit_log_no_DELETE")
                .await
                .expect("drop");
            db.execute_unprepared(sql).await.expect("tamper");
        }
        Backend::Postgres => {
            db.execute_unprepared("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")
                .await
                .expect("disable");
            db.execute_unprepared(sql).await.expect("tamper");
        }
    }
}

#[tokio::test]
async fn an_altered_entry_is_detected_and_named() {
    let t = TestApp::new().await;
    without_triggers(
        &t,
        "UPDATE audit_log SET after = '{\"name\":\"伪造\"}' WHERE seq = 3",
    )
    .await;
    assert_eq!(
        verify(&t.app.db.conn).await.expect("verify"),
        Verification::Broken {
            seq: 3,
            reason: "content does not match its hash (altered)".into()
        }
    );
}

#[tokio::test]
async fn a_removed_entry_is_detected() {
    let t = TestApp::new().await;
    without_triggers(&t, "DELETE FROM audit_log WHERE seq = 4").await;
    assert!(matches!(
        verify(&t.app.db.conn).await.expect("verify"),
        Verification::Broken { seq: 4, .. }
    ));
}

#[tokio::test]
async fn a_truncated_tail_is_detected() {
    let t = TestApp::new().await;
    let n = t.count("audit_log").await;
    without_triggers(&t, &format!("DELETE FROM audit_log WHERE seq = {n}")).await;
    assert!(matches!(
        verify(&t.app.db.conn).await.expect("verify"),
        Verification::Broken { .. }
    ));
}

#[tokio::test]
async fn the_auditor_can_verify_through_the_api() {
    let t = TestApp::new().await;
    let auditor = t.token("auditor").await;
    let r = t
        .api(Method::GET, "/api/v1/audit/verify", Some(&auditor), None)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["intact"], true);
}

#[tokio::test]
async fn several_entries_in_one_batch_are_chained_in_order_and_committed_whole() {
    use daiban_app::audit::{ActorRef, Change, append_to};
    use daiban_app::batch::Batch;
    let t = TestApp::new().await;
    let count = |t: &TestApp| {
        let db = t.app.db.conn.clone();
        async move {
            db.query_one_raw(daiban_store::sea_orm::Statement::from_string(
                db.get_database_backend(),
                "SELECT COUNT(*) AS n FROM audit_log",
            ))
            .await
            .expect("count")
            .expect("row")
            .try_get::<i64>("", "n")
            .expect("n")
        }
    };
    let before = count(&t).await;
    let change = |k: u32| Change {
        action: "test.batch",
        object_type: "test",
        object_id: k.to_string(),
        before: None,
        after: Some(serde_json::json!({"k": k})),
    };
    let batch_of = |ks: std::ops::Range<u32>| {
        let mut batch = Batch::default();
        for k in ks {
            append_to(
                &mut batch,
                t.app.now(),
                &ActorRef::system(),
                &daiban_app::Meta::default(),
                change(k),
            );
        }
        batch
    };
    // Three entries in one batch, committed.
    let w = t.app.begin_write().await.expect("begin");
    batch_of(0..3).run(&w.txn).await.expect("run");
    w.commit().await.expect("commit");
    assert_eq!(count(&t).await, before + 3);
    match verify(&t.app.db.conn).await.expect("verify") {
        Verification::Intact { entries } => assert_eq!(entries, before + 3),
        Verification::Broken { seq, reason } => panic!("broken at {seq}: {reason}"),
    }
    // Two more, not committed: nothing of them stays, and the chain goes on after the three.
    let w = t.app.begin_write().await.expect("begin");
    batch_of(3..5).run(&w.txn).await.expect("run");
    drop(w);
    assert_eq!(count(&t).await, before + 3);
    let _ = t.token("agent.a").await;
    match verify(&t.app.db.conn).await.expect("verify") {
        Verification::Intact { entries } => assert!(entries > before + 3),
        Verification::Broken { seq, reason } => panic!("broken at {seq}: {reason}"),
    }
}
