//! Subcommands: serve, migrate, user create, audit verify, calendar (queries and import),
//! config print-default.

use crate::settings::Settings;
use anyhow::Context;
use chrono::NaiveDate;
use clap::{Parser, Subcommand};
use daiban_app::audit::{ActorRef, Verification};
use daiban_app::calendar::{self, ImportSource, Importer};
use daiban_app::demo::{DEMO_ACCOUNTS, DEMO_PASSWORD, Loaded};
use daiban_app::error::Checks;
use daiban_app::users::{UserInput, create_with_hash};
use daiban_app::{App, AppError, Meta, SystemClock};
use daiban_store::migration::Migrator;
use daiban_store::migration::MigratorTrait;
use daiban_store::{Backend, Db};
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

/// 代办 Daiban: the project-approval agency and assistance service.
#[derive(Parser)]
#[command(name = "daiban", version, about)]
struct Cli {
    /// Database URL: sqlite://PATH or postgres://USER@HOST:PORT/DB.
    #[arg(long = "database", env = "DAIBAN_DATABASE_URL", global = true)]
    database: Option<String>,
    /// A TOML configuration file (see `daiban config print-default`).
    #[arg(long, env = "DAIBAN_CONFIG", global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web pages and the API.
    Serve {
        /// Address to listen on.
        #[arg(long, env = "DAIBAN_LISTEN")]
        listen: Option<String>,
        /// Load the demo city when the database is empty, and print the demo accounts.
        #[arg(long)]
        demo: bool,
        /// Apply pending migrations first (always done on SQLite).
        #[arg(long)]
        migrate: bool,
    },
    /// Apply pending database migrations.
    Migrate,
    /// Manage accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// The audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// The quarterly evaluation of every town unit and department (confirmed findings only).
    Evaluate {
        /// The quarter, e.g. 2026Q3.
        #[arg(long)]
        quarter: String,
        /// `json` (the contract), `table` or `csv` (UTF-8 with BOM).
        #[arg(long, default_value = "json")]
        format: String,
        /// Also write the result as an XLSX workbook.
        #[arg(long)]
        xlsx: Option<std::path::PathBuf>,
        /// Another scheme file (default: the configured one, else the shipped Xinghua scheme).
        #[arg(long)]
        scheme: Option<std::path::PathBuf>,
    },
    /// Fill an empty database with a large, realistic, deterministic dataset: the demo city, its
    /// catalog, and N projects over the five years before --until with their case items' full
    /// histories, alerts, problems, meetings, findings and surveys. Exit 2 if the database
    /// already has units.
    Generate {
        /// Projects to generate.
        #[arg(long)]
        projects: usize,
        /// Seed of every random choice: the same seed gives the same rows.
        #[arg(long, default_value_t = daiban_app::generate::DEFAULT_SEED)]
        seed: u64,
        /// The last day of the generated period, YYYY-MM-DD (default 2026-11-30).
        #[arg(long)]
        until: Option<NaiveDate>,
    },
    /// Check the data's invariants: no open case item, problem, action item, mandate or project
    /// owned by an inactive account and no material held by one. Exit 1 listing each breach.
    Check,
    /// The working-day calendar: queries and the import of a new year's arrangement.
    Calendar {
        #[command(subcommand)]
        command: CalendarCommand,
    },
    /// Configuration.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an account; the password is read from standard input.
    Create {
        /// Login name.
        #[arg(long)]
        username: String,
        /// Role: enterprise, agent, helper, unit_leader, coordinator, city_leader, admin, auditor.
        #[arg(long)]
        role: String,
        /// Unit code (staff roles).
        #[arg(long)]
        unit: Option<String>,
        /// Display name (defaults to the username).
        #[arg(long)]
        name: Option<String>,
        /// Read the password from standard input.
        #[arg(long, required = true)]
        password_stdin: bool,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Verify the hash chain; exit 1 naming the first broken entry.
    Verify,
}

#[derive(Subcommand)]
enum CalendarCommand {
    /// Print `workday` or `off` for DATE; for a holiday or a make-up working day, a tab and its
    /// name follow (`off\t春节`, `workday\t春节（调休上班）`).
    IsWorkday {
        /// The date, YYYY-MM-DD.
        date: NaiveDate,
    },
    /// Print the date N working days after DATE (N = 0: DATE itself if it is a working day, else
    /// the next working day).
    Add {
        /// The start date, YYYY-MM-DD.
        date: NaiveDate,
        /// Working days to add, 0 to 10000.
        #[arg(value_parser = clap::value_parser!(u32).range(0..=i64::from(calendar::MAX_DAYS)))]
        n: u32,
    },
    /// Print the number of working days in (A, B] (negative when B is before A).
    Between {
        /// The first date (excluded), YYYY-MM-DD.
        a: NaiveDate,
        /// The last date (included), YYYY-MM-DD.
        b: NaiveDate,
    },
    /// Print every day of the years as CSV `date,kind,name`, kind one of workday, weekend,
    /// holiday, makeup_workday.
    Export {
        /// The first year.
        #[arg(long)]
        from: i32,
        /// The last year.
        #[arg(long)]
        to: i32,
    },
    /// Import a year's arrangement (the JSON format of data/calendar/YYYY.json) as the year's
    /// next version, and recompute the open deadlines it affects.
    Import {
        /// The JSON file.
        file: PathBuf,
        /// Validate and print what would change, without writing anything.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Print the default configuration as commented TOML.
    PrintDefault,
}

/// Runs the command line; the exit code is 0 on success, 1 on failure, 2 on bad usage.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    if let Command::Config {
        command: ConfigCommand::PrintDefault,
    } = cli.command
    {
        print!("{}", Settings::default_toml());
        return ExitCode::SUCCESS;
    }
    let mut settings = match Settings::load(cli.config.as_deref()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("daiban: configuration: {e:#}");
            return ExitCode::from(2);
        }
    };
    if let Some(db) = cli.database.clone() {
        settings.database_url = db;
    }
    if let Err(e) = daiban_store::parse_database_url(&settings.database_url) {
        eprintln!("daiban: {e}");
        return ExitCode::from(2);
    }
    init_logging(settings.log_json);
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("daiban: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(dispatch(cli.command, settings)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("daiban: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_logging(json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("DAIBAN_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,sea_orm=warn"));
    let b = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if json {
        b.json().init();
    } else {
        b.init();
    }
}

async fn open(settings: &Settings) -> anyhow::Result<Db> {
    daiban_store::connect(&settings.database_url, settings.max_connections)
        .await
        .with_context(|| {
            format!(
                "cannot open the database {}",
                redact(&settings.database_url)
            )
        })
}

/// Hides a password in a database URL for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

async fn app_of(db: Db, settings: &Settings) -> anyhow::Result<App> {
    let mut app = App::start(db, Arc::new(SystemClock), settings.auth.clone())
        .await
        .map_err(|e| anyhow::anyhow!(user_error(&e)))?;
    app.ladder = settings.ladder;
    app.rectification_days = settings.rectification_days;
    app.adjustment_window = settings.adjustment_months;
    app.return_visit_days = settings.return_visit_days;
    app.monthly_report_due_workday = settings.monthly_report_due_workday.clamp(1, 23);
    app.consultation_days = settings.consultation_days.max(1);
    app.demand_days = settings.demand_days.clamp(1, 60);
    app.delivery = Arc::new(daiban_app::delivery::DeliveryConfig {
        delivery: settings.delivery.clone(),
        mail: settings.mail.clone(),
        webhook: settings.webhook.clone(),
    });
    Ok(app)
}

fn user_error(e: &AppError) -> String {
    match e {
        AppError::Invalid(fields) => fields
            .iter()
            .map(|f| format!("{}: {}", f.field, f.message.en))
            .collect::<Vec<_>>()
            .join("; "),
        AppError::Conflict { message, .. } | AppError::Forbidden(message) => message.en.clone(),
        other => format!("{other:#}"),
    }
}

async fn dispatch(command: Command, settings: Settings) -> anyhow::Result<ExitCode> {
    match command {
        Command::Config { .. } => Ok(ExitCode::SUCCESS),
        Command::Migrate => {
            let db = open(&settings).await?;
            daiban_store::migration::migrate(&db)
                .await
                .context("migration failed")?;
            println!("migrations applied");
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit {
            command: AuditCommand::Verify,
        } => {
            let db = open(&settings).await?;
            match daiban_app::audit::verify(&db.conn)
                .await
                .map_err(|e| anyhow::anyhow!(user_error(&e)))?
            {
                Verification::Intact { entries } => {
                    println!("audit chain intact: {entries} entries checked");
                    Ok(ExitCode::SUCCESS)
                }
                Verification::Broken { seq, reason } => {
                    println!("audit chain BROKEN at entry {seq}: {reason}");
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        Command::Evaluate {
            quarter,
            format,
            xlsx,
            scheme,
        } => {
            evaluate(
                &settings,
                &quarter,
                &format,
                xlsx.as_deref(),
                scheme.as_deref(),
            )
            .await
        }
        Command::Check => {
            let db = open(&settings).await?;
            let orphans = daiban_app::handover::orphaned_work(&db.conn)
                .await
                .map_err(|e| anyhow::anyhow!(user_error(&e)))?;
            if orphans.is_empty() {
                println!(
                    "ok: no open work is owned by an inactive account and no material is held by one"
                );
                return Ok(ExitCode::SUCCESS);
            }
            for o in &orphans {
                println!(
                    "BREACH {} #{} ({}) owned by inactive account #{}",
                    o.kind, o.ref_id, o.label, o.user_id
                );
            }
            println!("{} breaches", orphans.len());
            Ok(ExitCode::FAILURE)
        }
        Command::User {
            command:
                UserCommand::Create {
                    username,
                    role,
                    unit,
                    name,
                    password_stdin: _,
                },
        } => {
            let mut password = String::new();
            std::io::stdin()
                .read_to_string(&mut password)
                .context("reading the password from standard input")?;
            let password = password.trim_end_matches(['\n', '\r']).to_owned();
            let db = open(&settings).await?;
            if db.backend == Backend::Sqlite {
                daiban_store::migration::migrate(&db).await?;
            }
            let app = app_of(db, &settings).await?;
            let mut checks = Checks::default();
            daiban_app::auth::check_new_password(&app, "password", &password, &mut checks);
            let hash = daiban_app::auth::hash_password(&password)
                .await
                .map_err(|e| anyhow::anyhow!(user_error(&e)))?;
            let input = UserInput {
                username: username.clone(),
                name: name.unwrap_or_else(|| username.clone()),
                role,
                unit: unit.unwrap_or_default(),
                ..UserInput::default()
            };
            let who = ActorRef {
                name: "cli".into(),
                ..ActorRef::system()
            };
            match create_with_hash(
                &app,
                &who,
                &input,
                &username.trim().to_lowercase(),
                hash,
                checks,
                &Meta::cli(),
            )
            .await
            {
                Ok(u) => {
                    println!("created user {} (id {}, role {})", u.username, u.id, u.role);
                    Ok(ExitCode::SUCCESS)
                }
                Err(e @ (AppError::Invalid(_) | AppError::Conflict { .. })) => {
                    eprintln!("daiban: {}", user_error(&e));
                    Ok(ExitCode::from(2))
                }
                Err(e) => Err(anyhow::anyhow!(user_error(&e))),
            }
        }
        Command::Calendar { command } => calendar_command(command, &settings).await,
        Command::Generate {
            projects,
            seed,
            until,
        } => generate(&settings, projects, seed, until).await,
        Command::Serve {
            listen,
            demo,
            migrate,
        } => Box::pin(serve(settings, listen, demo, migrate)).await,
    }
}

/// Prints a use case's refusal on standard error, every field error on its own line, in Chinese
/// and English.
fn print_refusal(e: &AppError) {
    match e {
        AppError::Invalid(fields) => {
            for f in fields {
                eprintln!(
                    "daiban: {} [{}]: {} / {}",
                    f.field, f.code, f.message.zh, f.message.en
                );
            }
        }
        AppError::Conflict { message, .. } | AppError::Forbidden(message) => {
            eprintln!("daiban: {} / {}", message.zh, message.en);
        }
        other => eprintln!("daiban: {}", user_error(other)),
    }
}

/// Draws the generator's progress on standard error (hidden when it is not a terminal).
struct Bar(indicatif::ProgressBar);

impl daiban_app::generate::Progress for Bar {
    fn phase(&self, name: &str, total: u64) {
        self.0.set_message(name.to_owned());
        self.0.reset();
        if total == 0 {
            self.0.set_length(0);
            self.0.set_style(
                indicatif::ProgressStyle::with_template("{spinner} {msg} {elapsed}")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
            );
            self.0
                .enable_steady_tick(std::time::Duration::from_millis(200));
        } else {
            self.0.set_length(total);
            self.0.set_style(
                indicatif::ProgressStyle::with_template(
                    "{msg:6} [{bar:30}] {pos}/{len} {percent}% {elapsed} ETA {eta}",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                .progress_chars("=> "),
            );
        }
    }

    fn advance(&self, n: u64) {
        self.0.inc(n);
    }
}

async fn generate(
    settings: &Settings,
    projects: usize,
    seed: u64,
    until: Option<NaiveDate>,
) -> anyhow::Result<ExitCode> {
    let db = open(settings).await?;
    if db.backend == Backend::Sqlite {
        daiban_store::migration::migrate(&db)
            .await
            .context("migration failed")?;
    }
    let app = app_of(db, settings)
        .await
        .context("cannot start the application (is the database migrated? `daiban migrate`)")?;
    let opts = daiban_app::generate::Options {
        projects,
        seed,
        until: until.unwrap_or_else(daiban_app::generate::default_until),
    };
    let bar =
        indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::stderr());
    let progress = Arc::new(Bar(bar.clone()));
    let started = std::time::Instant::now();
    let summary = match daiban_app::generate::run(&app, &opts, progress).await {
        Ok(s) => s,
        Err(e @ (AppError::Conflict { .. } | AppError::Invalid(_))) => {
            bar.finish_and_clear();
            print_refusal(&e);
            return Ok(ExitCode::from(2));
        }
        Err(e) => {
            bar.finish_and_clear();
            return Err(anyhow::anyhow!(user_error(&e))).context("generate failed");
        }
    };
    bar.finish_and_clear();
    let elapsed = started.elapsed();
    println!(
        "generated {projects} projects (seed {seed}, until {}) in {:.1} s",
        opts.until,
        elapsed.as_secs_f64()
    );
    println!("city and catalog (through the use cases):");
    for (t, n) in &summary.city_rows {
        println!("  {t:<26} {n:>12}");
    }
    println!("generated rows:");
    let mut total = 0;
    for (t, n) in &summary.rows {
        total += n;
        println!("  {t:<26} {n:>12}");
    }
    println!("  {:<26} {total:>12}", "total");
    let phases: Vec<String> = summary
        .phases
        .iter()
        .map(|(p, d)| format!("{p} {:.1} s", d.as_secs_f64()))
        .collect();
    println!("phases: {}", phases.join(", "));
    println!(
        "audit chain: {} entries; case items in review (state in_review): {}",
        summary.audit_entries, summary.in_review
    );
    if let Some(path) = settings.database_url.strip_prefix("sqlite://")
        && let Ok(m) = std::fs::metadata(path.split('?').next().unwrap_or(path))
    {
        let mb = m.len() / 1_000_000;
        println!("database file: {path} ({mb} MB)");
    }
    println!(
        "items a helper can act on: SELECT c.id, c.version, u.username FROM case_items c \
         JOIN users u ON u.id = c.helper_id WHERE c.state = 'in_review' (password {DEMO_PASSWORD})"
    );
    Ok(ExitCode::SUCCESS)
}

async fn calendar_command(
    command: CalendarCommand,
    settings: &Settings,
) -> anyhow::Result<ExitCode> {
    let db = open(settings).await?;
    if db.backend == Backend::Sqlite {
        daiban_store::migration::migrate(&db)
            .await
            .context("migration failed")?;
    }
    let app = app_of(db, settings).await?;
    let cal = app.calendar();
    // A query that cannot be answered (a year without an arrangement) is a usage error: exit 2.
    let query = |r: Result<String, AppError>| match r {
        Ok(out) => {
            // A closed pipe (`| head`) is not an error of the query.
            let _ = writeln!(std::io::stdout().lock(), "{out}");
            Ok(ExitCode::SUCCESS)
        }
        Err(e @ AppError::Invalid(_)) => {
            print_refusal(&e);
            Ok(ExitCode::from(2))
        }
        Err(e) => Err(anyhow::anyhow!(user_error(&e))),
    };
    match command {
        CalendarCommand::IsWorkday { date } => query(calendar::day(&cal, date).map(|d| {
            let word = if d.working { "workday" } else { "off" };
            match (d.kind.as_str(), d.name) {
                ("makeup_workday", Some(name)) => format!("{word}\t{name}（调休上班）"),
                (_, Some(name)) => format!("{word}\t{name}"),
                (_, None) => word.to_owned(),
            }
        })),
        CalendarCommand::Add { date, n } => {
            query(calendar::add(&cal, date, n).map(|v| v.result.to_string()))
        }
        CalendarCommand::Between { a, b } => {
            query(calendar::between(&cal, a, b).map(|v| v.days.to_string()))
        }
        CalendarCommand::Export { from, to } => {
            query(calendar::export(&cal, from, to).map(|csv| csv.trim_end_matches('\n').to_owned()))
        }
        CalendarCommand::Import { file, dry_run } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let arrangement = match calendar::parse(&text).and_then(|a| {
                calendar::validate(&a)?;
                Ok(a)
            }) {
                Ok(a) => a,
                Err(e) => {
                    print_refusal(&e);
                    return Ok(ExitCode::FAILURE);
                }
            };
            if dry_run {
                let p = match calendar::preview(&app, &arrangement).await {
                    Ok(p) => p,
                    Err(e) => {
                        print_refusal(&e);
                        return Ok(ExitCode::FAILURE);
                    }
                };
                print_preview(&p);
                return Ok(ExitCode::SUCCESS);
            }
            match calendar::import_as(
                &app,
                &Importer::cli(),
                arrangement,
                ImportSource::Cli,
                &Meta::cli(),
            )
            .await
            {
                Ok(o) => {
                    println!(
                        "imported {} version {} ({}); {} days changed",
                        o.version.year, o.version.version, o.version.notice_title, o.changed_days
                    );
                    println!(
                        "open deadlines recomputed: {} (due dates changed: {})",
                        o.recompute.items_checked, o.recompute.due_dates_changed
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(e @ (AppError::Invalid(_) | AppError::Conflict { .. })) => {
                    print_refusal(&e);
                    Ok(ExitCode::FAILURE)
                }
                Err(e) => Err(anyhow::anyhow!(user_error(&e))),
            }
        }
    }
}

fn print_preview(p: &calendar::ImportPreview) {
    let current = match p.current_version {
        None => "not published".to_owned(),
        Some(0) => "shipped".to_owned(),
        Some(v) => format!("version {v}"),
    };
    println!(
        "dry run: {} would become version {} (in effect now: {current})",
        p.year, p.next_version
    );
    if p.identical {
        println!("identical to the arrangement in effect: the import would be refused");
    }
    let before = p
        .working_days_before
        .map_or_else(|| "-".to_owned(), |d| d.to_string());
    println!(
        "working days in {}: {before} -> {}",
        p.year, p.working_days_after
    );
    println!("days changed: {}", p.changes.len());
    for c in &p.changes {
        let name = |n: &Option<String>| n.as_deref().map(|n| format!(" {n}")).unwrap_or_default();
        println!(
            "  {}  {}{} -> {}{}",
            c.date,
            c.before,
            name(&c.before_name),
            c.after,
            name(&c.after_name)
        );
    }
    println!("nothing was written");
}

async fn serve(
    mut settings: Settings,
    listen: Option<String>,
    demo: bool,
    migrate: bool,
) -> anyhow::Result<ExitCode> {
    if let Some(l) = listen {
        settings.listen = l;
    }
    let db = open(&settings).await?;
    if db.backend == Backend::Sqlite || migrate {
        daiban_store::migration::migrate(&db)
            .await
            .context("migration failed")?;
    } else {
        let pending = Migrator::get_pending_migrations(&db.conn).await?;
        if !pending.is_empty() {
            anyhow::bail!(
                "the PostgreSQL database has {} pending migrations: run `daiban migrate` (or `daiban serve --migrate`) first",
                pending.len()
            );
        }
    }
    let app = app_of(db, &settings).await?;
    if demo {
        println!(
            "Preparing the demo city (on an empty database this generates a year of activity: about a minute)…"
        );
        match daiban_app::demo::load_if_empty(&app)
            .await
            .map_err(|e| anyhow::anyhow!(user_error(&e)))?
        {
            Loaded::AlreadyPopulated => {
                println!("Database already has data: the demo city was not loaded again.");
            }
            Loaded::City {
                units,
                staff,
                enterprises,
                enterprise_users,
                activity,
            } => {
                println!(
                    "Demo city loaded: {units} units, {staff} staff, {enterprises} enterprises, {enterprise_users} enterprise users."
                );
                println!(
                    "A year of activity: {} projects, {} case items, {} actions, {} problems, {} meetings, {} ratings, {} trainings and visits, {} return visits.",
                    activity.projects,
                    activity.case_items,
                    activity.actions,
                    activity.problems,
                    activity.meetings,
                    activity.ratings,
                    activity.activities,
                    activity.return_visits
                );
            }
        }
    }
    spawn_calendar_refresh(app.clone());
    spawn_monitor(app.clone(), settings.monitor_interval_seconds);
    let dispatcher = daiban_app::delivery::Dispatcher::new(&app.delivery)
        .map_err(|e| anyhow::anyhow!(user_error(&e)))?;
    spawn_dispatcher(app.clone(), dispatcher, settings.delivery.interval_seconds);
    let listener = tokio::net::TcpListener::bind(&settings.listen)
        .await
        .with_context(|| format!("cannot listen on {}", settings.listen))?;
    let addr = listener.local_addr()?;
    println!(
        "Daiban is running at http://{addr}  (database: {})",
        redact(&settings.database_url)
    );
    if demo {
        println!("Demo accounts (password `{DEMO_PASSWORD}` for all):");
        for (role, user) in DEMO_ACCOUNTS {
            println!("  {role:<12} {user}");
        }
    }
    let groups = app.clone();
    let state = daiban_web::AppState {
        app,
        web: Arc::new(settings.web.clone()),
        demo,
    };
    let router = daiban_web::router(state);
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown())
    .await?;
    if let Some(g) = groups.group_stats() {
        tracing::info!(
            groups = g.groups,
            commands = g.commands,
            "SQLite group commits since start"
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Every 60 s, picks up calendar versions another instance imported (one cheap query when
/// nothing changed).
fn spawn_calendar_refresh(app: App) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tick.tick().await;
        loop {
            tick.tick().await;
            match calendar::refresh_if_changed(&app).await {
                Ok(true) => tracing::info!("working-day calendar reloaded"),
                Ok(false) => {}
                Err(e) => tracing::warn!(error = ?e, "calendar refresh failed"),
            }
        }
    });
}

/// Runs the deadline monitor every `seconds` (on PostgreSQL only one instance at a time runs
/// it, through an advisory lock; alerts are idempotent either way).
fn spawn_monitor(app: App, seconds: u64) {
    if seconds == 0 {
        return;
    }
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(seconds));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match daiban_app::monitor::run_once(&app).await {
                Ok(r) if r.alerts_raised > 0 || r.levels_changed > 0 => tracing::info!(
                    checked = r.checked,
                    alerts = r.alerts_raised,
                    levels_changed = r.levels_changed,
                    "deadline monitor"
                ),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = ?e, "deadline monitor failed"),
            }
        }
    });
}

/// Delivers the outbox by e-mail and webhook every `seconds` (0: off on this instance). Several
/// instances may run it: rows are claimed with a lease (`FOR UPDATE SKIP LOCKED` on PostgreSQL).
fn spawn_dispatcher(app: App, dispatcher: daiban_app::delivery::Dispatcher, seconds: u64) {
    if seconds == 0 {
        return;
    }
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(seconds));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match daiban_app::delivery::run_once(&app, &dispatcher).await {
                Ok(r) if r.sent > 0 || r.retried > 0 || r.failed > 0 || r.handed_out > 0 => {
                    tracing::info!(
                        handed_out = r.handed_out,
                        sent = r.sent,
                        retried = r.retried,
                        failed = r.failed,
                        skipped = r.skipped,
                        "notification delivery"
                    );
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = ?e, "notification delivery failed"),
            }
        }
    });
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { () = ctrl_c => {}, () = term => {} }
}

async fn evaluate(
    settings: &Settings,
    quarter: &str,
    format: &str,
    xlsx: Option<&std::path::Path>,
    scheme_file: Option<&std::path::Path>,
) -> anyhow::Result<ExitCode> {
    let Ok(q) = quarter.parse::<daiban_domain::evaluation::Quarter>() else {
        eprintln!("季度格式应为 2026Q3 / the quarter must look like 2026Q3: {quarter}");
        return Ok(ExitCode::from(2));
    };
    if !matches!(format, "json" | "table" | "csv") {
        eprintln!("格式须为 json、table 或 csv / format must be json, table or csv: {format}");
        return Ok(ExitCode::from(2));
    }
    let db = open(settings).await?;
    let mut app = app_of(db, settings).await?;
    if let Some(f) = scheme_file {
        let text = std::fs::read_to_string(f).with_context(|| format!("{}", f.display()))?;
        match daiban_app::findings::parse_scheme(&text) {
            Ok(s) => app.scheme = Arc::new(s),
            Err(errs) => {
                for e in errs {
                    eprintln!("{}: {e}", f.display());
                }
                return Ok(ExitCode::FAILURE);
            }
        }
    }
    let r = daiban_app::evaluation::of_quarter(&app, q)
        .await
        .map_err(|e| anyhow::anyhow!(user_error(&e)))?;
    let out = match format {
        "table" => daiban_app::evaluation::to_table(&r),
        "csv" => daiban_app::evaluation::to_csv(&r),
        _ => {
            daiban_app::evaluation::to_json(&r).map_err(|e| anyhow::anyhow!(user_error(&e)))? + "\n"
        }
    };
    print!("{out}");
    if let Some(path) = xlsx {
        let bytes =
            daiban_app::evaluation::to_xlsx(&r).map_err(|e| anyhow::anyhow!(user_error(&e)))?;
        std::fs::write(path, bytes).with_context(|| format!("{}", path.display()))?;
    }
    Ok(ExitCode::SUCCESS)
}
