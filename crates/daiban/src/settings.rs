//! One `Settings`, from defaults, an optional TOML file, `DAIBAN__…` environment variables and
//! a few command-line flags, in that order. Passed explicitly; there is no global.

use serde::{Deserialize, Serialize};

/// Everything Daiban can be configured with.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// `sqlite://PATH?mode=rwc` (default) or `postgres://USER@HOST:PORT/DB`.
    pub database_url: String,
    /// Address to listen on.
    pub listen: String,
    /// Connections in the pool.
    pub max_connections: u32,
    /// Log as JSON lines (for log collectors) instead of text.
    pub log_json: bool,
    /// Account security.
    pub auth: daiban_app::AuthPolicy,
    /// HTTP.
    pub web: daiban_web::WebSettings,
    /// Seconds between runs of the deadline monitor (yellow and red warnings); 0 turns it off
    /// on this instance (another instance on the same PostgreSQL may run it).
    pub monitor_interval_seconds: u64,
    /// Response limits of the problem ladder, in working days per level.
    pub ladder: daiban_domain::problem::LadderLimits,
    /// Working days a department has to rectify and reply after a bad rating (差评).
    pub rectification_days: u32,
    /// The months in which staff adjustments are made together (年底集中调整, attachment 1
    /// art. 6); an adjustment outside them without a work change is recorded as staffing
    /// evidence.
    pub adjustment_months: daiban_domain::personnel::AdjustmentWindow,
    /// Working days after a project completes a stage within which the bureau makes its
    /// return visit (回访).
    pub return_visit_days: u32,
    /// A unit's monthly report (月报表) is due by this working day of the next month; a report
    /// after it, or missing, is a `monthly_report_late` finding.
    pub monthly_report_due_workday: u32,
    /// Working days within which an online consultation (在线咨询) is to be answered; yellow
    /// on the last one, red after it.
    pub consultation_days: u32,
    /// Working days a unit has to answer an enterprise demand (企业诉求) after it is submitted,
    /// re-routed or reopened.
    pub demand_days: u32,
    /// The notification dispatcher (interval, links, retries); `docs/WEBHOOK.md`.
    pub delivery: daiban_app::delivery::DeliverySettings,
    /// E-mail over SMTP (off by default).
    pub mail: daiban_app::delivery::MailSettings,
    /// The signed webhook to an SMS or messaging gateway (off by default).
    pub webhook: daiban_app::delivery::WebhookSettings,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            database_url: "sqlite://daiban-data/daiban.db".into(),
            listen: "127.0.0.1:8080".into(),
            max_connections: 8,
            log_json: false,
            auth: daiban_app::AuthPolicy::default(),
            web: daiban_web::WebSettings::default(),
            monitor_interval_seconds: 60,
            ladder: daiban_domain::problem::LadderLimits::default(),
            rectification_days: daiban_domain::rating::DEFAULT_RECTIFICATION_DAYS,
            adjustment_months: daiban_domain::personnel::AdjustmentWindow::default(),
            return_visit_days: daiban_domain::outreach::DEFAULT_RETURN_VISIT_DAYS,
            monthly_report_due_workday: daiban_domain::report::DEFAULT_MONTHLY_REPORT_DUE_WORKDAY,
            consultation_days: daiban_domain::consultation::DEFAULT_CONSULTATION_DAYS,
            demand_days: daiban_domain::platform::DEFAULT_DEMAND_DAYS,
            delivery: daiban_app::delivery::DeliverySettings::default(),
            mail: daiban_app::delivery::MailSettings::default(),
            webhook: daiban_app::delivery::WebhookSettings::default(),
        }
    }
}

impl Settings {
    /// Loads settings: defaults, then `file` (if given), then `DAIBAN__SECTION__KEY` variables.
    ///
    /// # Errors
    /// An unreadable file or a value of the wrong type.
    pub fn load(file: Option<&std::path::Path>) -> anyhow::Result<Self> {
        let defaults = config::Config::try_from(&Settings::default())?;
        let mut b = config::Config::builder().add_source(defaults);
        if let Some(f) = file {
            b = b.add_source(
                config::File::from(f)
                    .format(config::FileFormat::Toml)
                    .required(true),
            );
        }
        b = b.add_source(
            config::Environment::with_prefix("DAIBAN")
                .prefix_separator("__")
                .separator("__")
                .try_parsing(true),
        );
        Ok(b.build()?.try_deserialize()?)
    }

    /// The commented default configuration (`daiban config print-default`).
    pub fn default_toml() -> String {
        let body = toml::to_string_pretty(&Settings::default()).unwrap_or_default();
        format!(
            "# Daiban configuration. Every key can also be set as an environment variable:\n\
             # DAIBAN__DATABASE_URL, DAIBAN__LISTEN, DAIBAN__AUTH__LOCKOUT_MINUTES, …\n\
             # database_url: sqlite://PATH (embedded, default) or postgres://USER@HOST:PORT/DB\n\
             # auth: password length, lockout after failures, idle session timeout (minutes), API token lifetime (hours)\n\
             # web.secure_cookies: set true when Daiban is served over HTTPS\n\
             # [delivery] interval_seconds: 0 turns the notification dispatcher off on this instance\n\
             # [mail] e-mail over SMTP, off by default; security = \"starttls\" (587), \"tls\" (implicit, 465) or \"none\"\n\
             # [webhook] signed JSON POST to an SMS/messaging gateway, off by default (docs/WEBHOOK.md)\n\n{body}"
        )
    }
}
