//! The pages: an admin layout familiar to Chinese government staff (left menu for the role,
//! breadcrumb, header with the user's name and unit, 中文/English switch, logout). Menus list
//! only pages that exist for the role.

mod account;
mod admin;
mod audit;
mod calendar;
mod cases;
mod catalog;
mod consultations;
mod delivery;
mod directory;
mod evaluation;
mod home;
mod inbox;
mod labels;
mod login;
mod meetings;
mod outreach;
mod personnel;
mod platform;
mod problems;
mod projects;
mod ratings;
mod reports;
mod surveys;

use crate::AppState;
use crate::extract::PageUser;
use crate::i18n;
use askama::Template;
use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use daiban_app::{Actor, AppError};
use daiban_domain::role::Role;
use std::collections::BTreeMap;

/// One menu entry.
pub struct NavItem {
    /// Link.
    pub href: &'static str,
    /// Label.
    pub label: String,
    /// Whether it is the current section.
    pub active: bool,
}

/// What every logged-in page shows around its content.
pub struct Chrome {
    /// Page language.
    pub lang: &'static str,
    /// Page title.
    pub title: String,
    /// The user's display name.
    pub user_name: String,
    /// The user's unit (or enterprise) name.
    pub unit_name: String,
    /// The user's role label.
    pub role_label: String,
    /// The menu.
    pub nav: Vec<NavItem>,
    /// Breadcrumb: label and link (the last has none).
    pub crumbs: Vec<(String, Option<String>)>,
    /// CSRF token for forms.
    pub csrf: String,
    /// The current path (for the language switch).
    pub path: String,
    /// A one-time notice (after a successful action).
    pub flash: Option<String>,
    /// Whether the role has an inbox (not the administrator or the auditor).
    pub has_inbox: bool,
    /// Unread notifications.
    pub unread: u64,
}

impl Chrome {
    /// Translates `key`.
    pub fn t(&self, key: &str) -> String {
        i18n::t(self.lang, key)
    }

    /// The other language's code and label, for the switch.
    pub fn other_lang(&self) -> (&'static str, &'static str) {
        if self.lang == i18n::EN {
            ("zh-CN", "中文")
        } else {
            ("en", "English")
        }
    }

    /// The accessible name of the header's inbox link: "站内消息（3 条未读）".
    pub fn inbox_label(&self) -> String {
        if self.unread == 0 {
            i18n::t(self.lang, "delivery.inbox_none")
        } else {
            i18n::t(self.lang, "delivery.inbox_unread").replace("%{n}", &self.unread_badge())
        }
    }

    /// The header badge's number: "99+" past [`daiban_app::inbox::BADGE_MAX`].
    pub fn unread_badge(&self) -> String {
        if self.unread > daiban_app::inbox::BADGE_MAX {
            format!("{}+", daiban_app::inbox::BADGE_MAX)
        } else {
            self.unread.to_string()
        }
    }

    /// The `html lang` attribute.
    pub fn html_lang(&self) -> &'static str {
        if self.lang == i18n::EN { "en" } else { "zh-CN" }
    }

    /// Percent-encoded current path.
    pub fn path_enc(&self) -> String {
        crate::extract::urlencode(&self.path)
    }
}

/// The menu of a role: only what exists for it.
pub fn nav_for(actor: &Actor, lang: &str, section: &str) -> Vec<NavItem> {
    let mut items: Vec<(&'static str, &'static str)> = vec![("/", "nav.home")];
    let town_staff = actor
        .unit_kind
        .is_some_and(daiban_domain::unit::UnitKind::is_town_unit);
    match actor.role {
        Role::Admin | Role::Auditor => {}
        Role::Enterprise => items.push(("/projects", "nav.my_projects")),
        Role::Coordinator | Role::CityLeader => {
            items.push(("/projects", "nav.projects"));
            items.push(("/projects/major", "nav.major"));
        }
        Role::Agent | Role::UnitLeader | Role::Helper => items.push(("/projects", "nav.projects")),
    }
    if !matches!(actor.role, Role::Admin | Role::Auditor) {
        items.push(("/problems", "nav.problems"));
    }
    if !matches!(actor.role, Role::Admin | Role::Auditor | Role::Enterprise) {
        items.push(("/meetings", "nav.meetings"));
        items.push(("/action-items", "nav.action_items"));
    }
    if !matches!(actor.role, Role::Admin | Role::Auditor | Role::Agent) {
        items.push(("/rectifications", "nav.rectifications"));
    }
    if !matches!(actor.role, Role::Admin | Role::Auditor | Role::Enterprise) {
        items.push(("/activities", "activities.nav"));
    }
    if matches!(actor.role, Role::Coordinator | Role::CityLeader) {
        items.push(("/return-visits", "visits.nav"));
        items.push(("/visit-plan", "visits.plan_nav"));
    }
    if matches!(actor.role, Role::Agent | Role::Helper | Role::UnitLeader) {
        items.push(("/my-record", "visits.my_record_nav"));
    }
    if matches!(
        actor.role,
        Role::Coordinator | Role::CityLeader | Role::UnitLeader | Role::Agent | Role::Helper
    ) {
        items.push(("/evaluation", "evaluation.nav"));
        items.push(("/surveys", "survey.nav"));
    }
    if matches!(
        actor.role,
        Role::Enterprise | Role::Coordinator | Role::CityLeader | Role::UnitLeader
    ) {
        items.push(("/complaints", "complaint.nav"));
    }
    if matches!(
        actor.role,
        Role::Coordinator | Role::CityLeader | Role::UnitLeader
    ) {
        items.push(("/monthly-reports", "monthly_report.nav"));
    }
    if !matches!(actor.role, Role::Admin | Role::Auditor) {
        items.push(("/announcements", "announcement.nav"));
        items.push(("/demands", "demand.nav"));
        items.push(("/consultations", "consult.nav"));
    }
    if matches!(actor.role, Role::Coordinator | Role::CityLeader) {
        items.push(("/consultations/overdue", "consult.overdue_nav"));
    }
    items.push(("/faq", "faq.nav"));
    items.push(("/search", "search.nav"));
    if !matches!(actor.role, Role::Admin | Role::Auditor) {
        items.push(("/inbox", "nav.inbox"));
    }
    match actor.role {
        Role::Admin => {
            items.push(("/admin/units", "nav.units"));
            items.push(("/admin/users", "nav.users"));
            items.push(("/admin/calendar", "nav.admin_calendar"));
            items.push(("/admin/deliveries", "delivery.admin_nav"));
        }
        Role::Auditor => items.push(("/audit", "nav.audit")),
        Role::Enterprise => items.push(("/enterprises", "nav.my_enterprise")),
        Role::Coordinator | Role::CityLeader => {
            items.push(("/directory", "nav.directory"));
            items.push(("/enterprises", "nav.enterprises"));
            items.push(("/staff", "nav.staff"));
            items.push(("/personnel", "personnel.nav"));
        }
        Role::Agent | Role::UnitLeader => {
            items.push(("/directory", "nav.directory"));
            if town_staff {
                items.push(("/enterprises", "nav.enterprises"));
            }
            items.push(("/staff", "nav.my_unit_staff"));
            items.push(("/personnel", "personnel.nav"));
        }
        Role::Helper => {
            items.push(("/directory", "nav.directory"));
            items.push(("/staff", "nav.my_unit_staff"));
            items.push(("/personnel", "personnel.nav"));
        }
    }
    // The working-day calendar: every staff role (not enterprises, not the auditor).
    if !matches!(actor.role, Role::Enterprise | Role::Auditor) {
        items.push(("/calendar", "nav.calendar"));
    }
    items.push(("/catalog", "nav.catalog"));
    items.push(("/account", "nav.account"));
    items
        .into_iter()
        .map(|(href, key)| NavItem {
            href,
            label: i18n::t(lang, key),
            active: href == section,
        })
        .collect()
}

/// Builds the chrome of a page for `user`, in section `section`, with a breadcrumb.
pub fn chrome(
    user: &PageUser,
    section: &str,
    title_key: &str,
    crumbs: Vec<(String, Option<String>)>,
) -> Chrome {
    let lang = user.lang;
    let mut all = vec![(i18n::t(lang, "nav.home"), Some("/".to_owned()))];
    all.extend(crumbs);
    Chrome {
        lang,
        title: i18n::t(lang, title_key),
        user_name: user.actor.name.clone(),
        unit_name: user.actor.unit_name.clone(),
        role_label: i18n::t(lang, &format!("role.{}", user.actor.role.code())),
        nav: nav_for(&user.actor, lang, section),
        crumbs: all,
        csrf: user.actor.csrf_token.clone(),
        path: user.path.clone(),
        flash: None,
        has_inbox: !matches!(user.actor.role, Role::Admin | Role::Auditor),
        unread: user.unread,
    }
}

/// Renders a template into a response (a template error is a 500 with a request id).
pub fn render<T: Template>(t: &T) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorTpl {
    lang: &'static str,
    status: u16,
    heading: String,
    message: String,
    request_id: String,
    home: String,
}

impl ErrorTpl {
    fn html_lang(&self) -> &'static str {
        if self.lang == i18n::EN { "en" } else { "zh-CN" }
    }
}

/// A full error page for a browser.
pub fn error_page(e: &AppError, lang: &'static str, request_id: &str) -> Response {
    let (status, _, _, detail) = crate::error::classify(e, lang);
    if let AppError::Unexpected(cause) = e {
        tracing::error!(request_id, error = ?cause, "page failed");
    }
    let t = ErrorTpl {
        lang,
        status: status.as_u16(),
        heading: i18n::t(lang, &format!("error.h{}", status.as_u16())),
        message: detail,
        request_id: request_id.to_owned(),
        home: i18n::t(lang, "error.home"),
    };
    let mut r = render(&t);
    *r.status_mut() = status;
    r
}

/// Field errors keyed by field name, in the page's language.
pub fn field_errors(e: &AppError, lang: &str) -> Option<BTreeMap<String, String>> {
    match e {
        AppError::Invalid(list) => {
            let mut m = BTreeMap::new();
            for f in list {
                m.entry(f.field.clone())
                    .or_insert_with(|| f.message.get(lang).to_owned());
            }
            Some(m)
        }
        _ => None,
    }
}

/// Refuses a form post whose CSRF token does not match the session's.
pub fn check_csrf(user: &PageUser, token: &str) -> Result<(), Response> {
    if !token.is_empty() && token == user.actor.csrf_token {
        Ok(())
    } else {
        let msg = daiban_app::Msg::new(
            "页面已过期或请求来源不可信，请刷新页面后重试",
            "The page expired or the request did not come from this site; reload and try again",
        );
        Err(error_page(
            &AppError::Forbidden(msg),
            user.lang,
            &user.meta.request_id,
        ))
    }
}

/// The messages a refused form post shows in the page, and the status to answer with: field
/// errors (422), a conflict such as a transition the state does not allow (409), or a side that
/// may not take the action (403). `None` for errors that get the error page.
pub fn form_errors(e: &AppError, lang: &str) -> Option<(BTreeMap<String, String>, StatusCode)> {
    if let Some(m) = field_errors(e, lang) {
        return Some((m, StatusCode::UNPROCESSABLE_ENTITY));
    }
    let (message, status) = match e {
        AppError::Conflict { message, .. } => (message, StatusCode::CONFLICT),
        AppError::Forbidden(message) => (message, StatusCode::FORBIDDEN),
        _ => return None,
    };
    let mut m = BTreeMap::new();
    m.insert("_form".to_owned(), message.get(lang).to_owned());
    Some((m, status))
}

/// Answers a refused form post: the form's page again with the messages in it and the status of
/// [`form_errors`] (422, 409 or 403), or the error page for any other error.
pub async fn refused<T, Fut>(
    e: &AppError,
    user: &PageUser,
    page: impl FnOnce(BTreeMap<String, String>) -> Fut,
) -> Response
where
    T: Template,
    Fut: std::future::Future<Output = daiban_app::AppResult<T>>,
{
    let Some((m, status)) = form_errors(e, user.lang) else {
        return error_page(e, user.lang, &user.meta.request_id);
    };
    match page(m).await {
        Ok(tpl) => {
            let mut r = render(&tpl);
            *r.status_mut() = status;
            r
        }
        Err(e2) => error_page(&e2, user.lang, &user.meta.request_id),
    }
}

/// A redirect after a successful post (303, so the browser GETs the target).
pub fn see_other(to: &str) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, to.to_owned())]).into_response()
}

/// Every page route.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/login", get(login::show).post(login::submit))
        .route("/logout", post(login::logout))
        .route("/lang/{code}", get(login::switch_lang))
        .route("/", get(home::show))
        .route(
            "/account",
            get(account::show).post(account::change_password),
        )
        .route("/admin/units", get(admin::units).post(admin::create_unit))
        .route("/admin/units/new", get(admin::new_unit))
        .route(
            "/admin/units/{id}",
            get(admin::edit_unit).post(admin::update_unit),
        )
        .route("/admin/units/{id}/active", post(admin::set_unit_active))
        .route("/admin/users", get(admin::users).post(admin::create_user))
        .route("/admin/users/new", get(admin::new_user))
        .route(
            "/admin/users/{id}",
            get(admin::edit_user).post(admin::update_user),
        )
        .route("/admin/users/{id}/active", post(admin::set_user_active))
        .route("/admin/users/{id}/password", post(admin::reset_password))
        .route(
            "/admin/calendar",
            get(calendar::admin).post(calendar::import),
        )
        .route("/calendar", get(calendar::index))
        .route("/calendar/{year}", get(calendar::year))
        .route("/audit", get(audit::show))
        .route("/directory", get(directory::units))
        .route("/directory/{id}", get(directory::unit))
        .route(
            "/enterprises",
            get(directory::enterprises).post(directory::register_enterprise),
        )
        .route("/enterprises/{id}", get(directory::enterprise))
        .route("/staff", get(directory::staff))
        .route("/evaluation", get(evaluation::overview))
        .route("/evaluation/year/{year}", get(evaluation::year))
        .route("/evaluation/{quarter}/detect", post(evaluation::detect))
        .route("/evaluation/{quarter}/publish", post(evaluation::publish))
        .route(
            "/evaluation/{quarter}/export/{ext}",
            get(evaluation::export),
        )
        .route(
            "/evaluation/{quarter}/units/{id}",
            get(evaluation::scorecard),
        )
        .route("/findings", get(evaluation::list).post(evaluation::record))
        .route("/findings/{id}", post(evaluation::decide))
        .route("/public/evaluation", get(evaluation::public))
        .route("/public/evaluation/{quarter}", get(evaluation::public))
        .route("/personnel", get(personnel::register))
        .route("/personnel/units/{id}", get(personnel::unit))
        .route("/personnel/units/{id}/print", get(personnel::print))
        .route("/personnel/filings", post(personnel::create))
        .route("/personnel/filings/new", get(personnel::new))
        .route(
            "/personnel/filings/{id}",
            get(personnel::filing).post(personnel::decide),
        )
        .route(
            "/personnel/handovers/{id}",
            get(personnel::handover_show).post(personnel::confirm),
        )
        .route("/complaints", get(reports::list).post(reports::create))
        .route("/complaints/new", get(reports::new))
        .route("/complaints/{id}", get(reports::show).post(reports::act))
        .route("/monthly-reports", get(reports::index))
        .route(
            "/monthly-reports/{unit}/{month}",
            get(reports::report).post(reports::submit),
        )
        .route("/monthly-reports/{unit}/{month}/print", get(reports::print))
        .route("/projects", get(projects::list).post(projects::create))
        .route("/projects/new", get(projects::new))
        .route("/projects/major", get(projects::major))
        .route("/projects/{id}", get(projects::show))
        .route("/projects/{id}/decline", post(projects::decline))
        .route("/projects/{id}/mandate", post(projects::sign))
        .route("/projects/{id}/mandate/print", get(projects::print))
        .route(
            "/projects/{id}/mandate/{action}",
            post(projects::mandate_action),
        )
        .route("/projects/{id}/helper", post(projects::assign_helper))
        .route("/projects/{id}/stage", post(projects::set_stage))
        .route("/projects/{id}/items", post(projects::request_items))
        .route("/projects/{id}/problems", post(problems::raise))
        .route("/problems", get(problems::list))
        .route("/problems/{id}", get(problems::show))
        .route("/problems/{id}/act", post(problems::act))
        .route("/problems/{id}/decision", post(problems::decision))
        .route("/meetings", get(meetings::list).post(meetings::convene))
        .route("/meetings/{id}", get(meetings::show))
        .route("/meetings/{id}/record", post(meetings::record))
        .route("/meetings/{id}/print", get(meetings::print))
        .route("/rectifications", get(ratings::index))
        .route("/rectifications/{id}", post(ratings::step))
        .route("/activities", get(outreach::list).post(outreach::schedule))
        .route("/activities/{id}", get(outreach::show))
        .route("/activities/{id}/attendance", post(outreach::attendance))
        .route("/activities/{id}/cancel", post(outreach::cancel))
        .route("/activities/{id}/sign-in", get(outreach::sign_in))
        .route(
            "/return-visits",
            get(outreach::visits).post(outreach::record_visit),
        )
        .route("/return-visits/new", get(outreach::new_visit))
        .route("/return-visits/{id}", get(outreach::visit))
        .route(
            "/return-visits/{id}/problems",
            post(outreach::raise_problem),
        )
        .route("/visit-plan", get(outreach::plan))
        .route("/staff/{id}/record", get(outreach::staff_record))
        .route("/my-record", get(outreach::my_record))
        .route("/action-items", get(meetings::action_items))
        .route("/action-items/{id}/done", post(meetings::complete))
        .route("/cases/{id}", get(cases::show))
        .route("/cases/{id}/act", post(cases::act))
        .route("/cases/{id}/materials/{mid}", post(cases::move_material))
        .route("/cases/{id}/notices/{seq}/print", get(cases::print_notice))
        .route(
            "/cases/{id}/uploads",
            post(cases::upload).layer(axum::extract::DefaultBodyLimit::max(
                crate::api::UPLOAD_BODY_LIMIT,
            )),
        )
        .route("/uploads/{id}", get(cases::download))
        .route("/cases/{id}/rating", post(cases::rate))
        .route("/catalog", get(catalog::list))
        .route("/catalog/load", post(catalog::load_default))
        .route("/catalog/{code}", get(catalog::item).post(catalog::revise))
        .route("/surveys", get(surveys::list).post(surveys::open))
        .route("/surveys/{id}", get(surveys::show))
        .route("/surveys/{id}/close", post(surveys::close))
        .route("/surveys/{id}/reopen", post(surveys::reopen))
        .route("/surveys/{id}/respondents", post(surveys::add))
        .route("/surveys/{id}/decisions", post(surveys::decide))
        .route(
            "/survey/{token}",
            get(surveys::answer_form).post(surveys::answer_submit),
        )
        .route(
            "/consultations",
            get(consultations::list).post(consultations::create),
        )
        .route("/consultations/new", get(consultations::new))
        .route("/consultations/overdue", get(consultations::overdue))
        .route(
            "/consultations/{id}",
            get(consultations::show).post(consultations::act),
        )
        .route("/faq", get(consultations::faq_page))
        .route("/public/faq", get(consultations::public_faq))
        .route("/search", get(consultations::search_page))
        .route("/inbox", get(inbox::show))
        .route("/announcements", get(platform::list).post(platform::create))
        .route("/announcements/new", get(platform::new))
        .route(
            "/announcements/{id}",
            get(platform::show).post(platform::update),
        )
        .route("/announcements/{id}/edit", get(platform::edit))
        .route("/announcements/{id}/act", post(platform::act))
        .route(
            "/announcements/{id}/attachments",
            post(platform::attach).layer(axum::extract::DefaultBodyLimit::max(
                crate::api::UPLOAD_BODY_LIMIT,
            )),
        )
        .route("/announcement-attachments/{id}", get(platform::download))
        .route("/public/announcements", get(platform::public_list))
        .route("/public/announcements/{id}", get(platform::public_show))
        .route(
            "/public/announcement-attachments/{id}",
            get(platform::public_download),
        )
        .route(
            "/demands",
            get(platform::demands_list).post(platform::demand_create),
        )
        .route("/demands/new", get(platform::demand_new))
        .route(
            "/demands/{id}",
            get(platform::demand_show).post(platform::demand_act),
        )
        .route("/inbox/{id}/read", post(inbox::mark_read))
        .route("/inbox/read-all", post(delivery::mark_all_read))
        .route(
            "/account/notifications",
            get(delivery::preferences).post(delivery::save_preferences),
        )
        .route("/admin/deliveries", get(delivery::admin))
        .route("/admin/deliveries/{id}/retry", post(delivery::retry))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chrome(lang: &'static str, unread: u64) -> Chrome {
        Chrome {
            lang,
            title: String::new(),
            user_name: String::new(),
            unit_name: String::new(),
            role_label: String::new(),
            nav: Vec::new(),
            crumbs: Vec::new(),
            csrf: String::new(),
            path: "/".into(),
            flash: None,
            has_inbox: true,
            unread,
        }
    }

    #[test]
    fn the_inbox_badge_stops_counting_at_99() {
        assert_eq!(chrome("zh-CN", 7).unread_badge(), "7");
        assert_eq!(chrome("zh-CN", 99).unread_badge(), "99");
        assert_eq!(chrome("zh-CN", 100).unread_badge(), "99+");
        assert_eq!(chrome("zh-CN", 100).inbox_label(), "站内消息（99+ 条未读）");
        assert_eq!(chrome("en", 100).inbox_label(), "Inbox (99+ unread)");
        assert_eq!(chrome("zh-CN", 3).inbox_label(), "站内消息（3 条未读）");
    }
}
