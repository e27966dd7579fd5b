//! The `daiban calendar` and `daiban check` commands, run as the built binary against a temporary SQLite file.
#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    reason = "a test harness fails loudly by design"
)]

use std::process::{Command, Output};

const FIXTURE_2027: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/2027-test.json");

struct Cli {
    dir: tempfile::TempDir,
}

impl Cli {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    fn run(&self, args: &[&str]) -> Output {
        let url = format!("sqlite://{}", self.dir.path().join("t.db").display());
        Command::new(env!("CARGO_BIN_EXE_daiban"))
            .arg("--database")
            .arg(url)
            .args(args)
            .env_remove("DAIBAN_DATABASE_URL")
            .env_remove("DAIBAN_CONFIG")
            .env("DAIBAN_LOG", "error")
            .output()
            .expect("run daiban")
    }

    fn ok(&self, args: &[&str]) -> String {
        let o = self.run(args);
        assert!(
            o.status.success(),
            "{args:?} failed: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8(o.stdout).expect("utf-8")
    }

    fn write(&self, name: &str, text: &str) -> String {
        let p = self.dir.path().join(name);
        std::fs::write(&p, text).expect("write");
        p.display().to_string()
    }
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn the_worked_cases() {
    let c = Cli::new();
    assert_eq!(
        c.ok(&["calendar", "add", "2026-02-13", "1"]),
        "2026-02-14\n"
    );
    assert_eq!(
        c.ok(&["calendar", "add", "2025-12-31", "1"]),
        "2026-01-04\n"
    );
    // N = 0: a working day is itself; a day off moves to the next working day.
    assert_eq!(
        c.ok(&["calendar", "add", "2026-02-13", "0"]),
        "2026-02-13\n"
    );
    assert_eq!(
        c.ok(&["calendar", "add", "2026-02-15", "0"]),
        "2026-02-24\n"
    );
    // (2026-02-13, 2026-03-02]: 14 Feb (make-up), 24–27 Feb, 28 Feb (make-up), 2 Mar.
    assert_eq!(
        c.ok(&["calendar", "between", "2026-02-13", "2026-03-02"]),
        "7\n"
    );
    assert_eq!(
        c.ok(&["calendar", "between", "2026-03-02", "2026-02-13"]),
        "-7\n"
    );
    assert_eq!(
        c.ok(&["calendar", "is-workday", "2026-02-14"]),
        "workday\t春节（调休上班）\n"
    );
    assert_eq!(
        c.ok(&["calendar", "is-workday", "2026-02-17"]),
        "off\t春节\n"
    );
    assert_eq!(c.ok(&["calendar", "is-workday", "2026-03-07"]), "off\n");
    assert_eq!(c.ok(&["calendar", "is-workday", "2026-03-09"]), "workday\n");
}

#[test]
fn export_prints_every_day_as_csv() {
    let c = Cli::new();
    let csv = c.ok(&["calendar", "export", "--from", "2025", "--to", "2026"]);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "date,kind,name");
    assert_eq!(lines.len(), 1 + 365 + 365);
    assert!(lines.contains(&"2026-02-14,makeup_workday,春节"));
    assert!(lines.contains(&"2026-02-17,holiday,春节"));
    assert!(lines.contains(&"2026-03-07,weekend,"));
    assert!(lines.contains(&"2026-03-09,workday,"));
    let o = c.run(&["calendar", "export", "--from", "2026", "--to", "2027"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("2027"));
}

#[test]
fn an_unpublished_year_exits_2_naming_it_in_both_languages() {
    let c = Cli::new();
    for args in [
        &["calendar", "add", "2026-12-31", "1"][..],
        &["calendar", "is-workday", "2027-03-01"],
        &["calendar", "between", "2026-12-01", "2027-01-10"],
    ] {
        let o = c.run(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = stderr(&o);
        assert!(
            err.contains("2027年的节假日安排尚未公布"),
            "{args:?}: {err}"
        );
        assert!(
            err.contains("The 2027 holiday arrangement has not been published"),
            "{args:?}: {err}"
        );
        assert!(o.stdout.is_empty());
    }
}

#[test]
fn bad_arguments_are_usage_errors() {
    let c = Cli::new();
    for args in [
        &["calendar", "add", "2026-02-30", "1"][..],
        &["calendar", "add", "2026-02-13", "-1"],
        &["calendar", "add", "2026-02-13", "99999"],
        &["calendar", "between", "2026-01-01"],
    ] {
        assert_eq!(c.run(args).status.code(), Some(2), "{args:?}");
    }
}

#[test]
fn importing_a_year_makes_it_answer_and_is_versioned() {
    let c = Cli::new();
    // Dry run: nothing written.
    let dry = c.ok(&["calendar", "import", "--dry-run", FIXTURE_2027]);
    assert!(dry.contains("2027 would become version 1"), "{dry}");
    assert!(dry.contains("2027-01-01  workday -> holiday 元旦"), "{dry}");
    assert!(dry.contains("nothing was written"));
    assert_eq!(
        c.run(&["calendar", "add", "2026-12-31", "1"]).status.code(),
        Some(2)
    );

    let out = c.ok(&["calendar", "import", FIXTURE_2027]);
    assert!(out.contains("imported 2027 version 1"), "{out}");
    assert!(out.contains("open deadlines recomputed: 0"), "{out}");
    // 1–3 January 2027 are off in the imported arrangement.
    assert_eq!(
        c.ok(&["calendar", "add", "2026-12-31", "1"]),
        "2027-01-04\n"
    );
    assert_eq!(
        c.ok(&["calendar", "is-workday", "2027-04-25"]),
        "workday\t劳动节（调休上班）\n"
    );

    // The same arrangement again changes nothing and is refused.
    let again = c.run(&["calendar", "import", FIXTURE_2027]);
    assert_eq!(again.status.code(), Some(1));
    assert!(stderr(&again).contains("identical"), "{}", stderr(&again));

    // A corrected version becomes version 2.
    let text = std::fs::read_to_string(FIXTURE_2027).expect("fixture");
    let corrected = text.replace(
        r#"{"date": "2027-06-09", "off": true, "name": "端午节"},"#,
        r#"{"date": "2027-06-09", "off": true, "name": "端午节"},
    {"date": "2027-06-10", "off": true, "name": "端午节"},"#,
    );
    let p = c.write("2027-corrected.json", &corrected);
    let out = c.ok(&["calendar", "import", &p]);
    assert!(out.contains("imported 2027 version 2"), "{out}");
    assert_eq!(
        c.ok(&["calendar", "is-workday", "2027-06-10"]),
        "off\t端午节\n"
    );
    let audit = c.ok(&["audit", "verify"]);
    assert!(audit.contains("intact"), "{audit}");
}

#[test]
fn an_invalid_file_exits_1_listing_every_error() {
    let c = Cli::new();
    let text = std::fs::read_to_string(FIXTURE_2027).expect("fixture");
    // A make-up working day on a Monday, and an unknown name.
    let bad = text
        .replace(
            r#"{"date": "2027-04-25", "off": false, "name": "劳动节"}"#,
            r#"{"date": "2027-04-26", "off": false, "name": "劳动节"}"#,
        )
        .replace(
            r#"{"date": "2027-09-15", "off": true, "name": "中秋节"}"#,
            r#"{"date": "2027-09-15", "off": true, "name": "中秋"}"#,
        );
    let p = c.write("bad.json", &bad);
    let o = c.run(&["calendar", "import", &p]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("2027-04-26 [workday_not_weekend]"), "{err}");
    assert!(err.contains("调休上班日必须是星期六或星期日"), "{err}");
    assert!(err.contains("2027-09-15 [unknown_holiday_name]"), "{err}");
    // Nothing was imported.
    assert_eq!(
        c.run(&["calendar", "add", "2026-12-31", "1"]).status.code(),
        Some(2)
    );

    let p = c.write("broken.json", "{ not json");
    let o = c.run(&["calendar", "import", &p]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("arrangement [invalid_json]"));
    let o = c.run(&["calendar", "import", "--dry-run", &p]);
    assert_eq!(o.status.code(), Some(1));
}

#[tokio::test]
async fn check_proves_no_open_work_is_left_with_an_inactive_account() {
    use daiban_store::sea_orm::{ConnectionTrait, Database};
    let cli = Cli::new();
    cli.ok(&["migrate"]);
    let out = cli.ok(&["check"]);
    assert!(out.starts_with("ok:"), "{out}");
    // An action item owned by an account that was switched off behind the use cases' back.
    let url = format!("sqlite://{}", cli.dir.path().join("t.db").display());
    let db = Database::connect(&url).await.expect("connect");
    for sql in [
        "INSERT INTO units (id, code, kind, name, name_en, agency_window, center_window, address, phone, active, version, created_at, updated_at) VALUES (1, 'D-X', 'department', '市住房和城乡建设局', '', FALSE, FALSE, '', '', TRUE, 1, '2026-11-27T02:00:00Z', '2026-11-27T02:00:00Z')",
        "INSERT INTO users (id, username, name, role, unit_id, title, phone, email, password_hash, failed_logins, locale, active, version, created_at, updated_at) VALUES (7, 'helper.x', '王帮办', 'helper', 1, '', '', '', 'x', 0, 'zh-CN', FALSE, 1, '2026-11-27T02:00:00Z', '2026-11-27T02:00:00Z')",
        "INSERT INTO action_items (id, source, title, owner_unit_id, owner_user_id, due_days, assigned_at, due_at, due_provisional, status, done_note, warning, version, updated_at) VALUES (3, 'city_leader', '协调供电接入', 1, 7, 5, '2026-11-27T02:00:00Z', '2026-12-04T10:00:00Z', FALSE, 'open', '', '', 1, '2026-11-27T02:00:00Z')",
    ] {
        db.execute_unprepared(sql).await.expect(sql);
    }
    db.close().await.expect("close");
    let o = cli.run(&["check"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("BREACH action_item #3 (协调供电接入) owned by inactive account #7"),
        "{out}"
    );
}
