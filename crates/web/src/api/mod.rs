//! The JSON API under `/api/v1`. Every route is registered through `utoipa_axum`, so the
//! OpenAPI document is generated from the same code that serves it.

mod audit;
mod auth;
mod business;

pub use business::{UploadFields, file_response, read_upload};
mod calendar;
mod consultations;
mod coordination;
mod delivery;
mod directory;
mod evaluation;
mod outreach;
mod personnel;
mod platform;
mod reports;
mod surveys;

use crate::AppState;
use crate::error::{ApiError, Problem, ProblemField};
use axum::Router;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The body limit of upload routes: the largest file plus room for the form's other fields.
pub const UPLOAD_BODY_LIMIT: usize = daiban_app::uploads::MAX_UPLOAD_BYTES + 64 * 1024;

/// Problem responses shared by all operations.
pub type ApiResult<T> = Result<T, ApiError>;

#[derive(OpenApi)]
#[openapi(
    info(title = "Daiban API", description = "项目审批代办帮办 — the JSON API of Daiban. Authenticate with POST /api/v1/auth/token, then send `Authorization: Bearer <token>`. Errors are RFC 9457 problem+json with a stable `code`."),
    modifiers(&BearerAuth),
    components(schemas(Problem, ProblemField)),
    tags(
        (name = "auth", description = "Tokens and the current user"),
        (name = "units", description = "Units: bureau, service center, town units, departments"),
        (name = "users", description = "Accounts"),
        (name = "enterprises", description = "Enterprises (scoped)"),
        (name = "audit", description = "The audit log (auditor only)"),
        (name = "catalog", description = "The item catalog (审批事项目录), versioned"),
        (name = "projects", description = "Projects and their mandates (scoped)"),
        (name = "cases", description = "Case items (办件): lifecycle, notices, materials (scoped)"),
        (name = "problems", description = "Problems (矛盾问题) on the escalation ladder (scoped)"),
        (name = "meetings", description = "Coordination meetings and action items"),
        (name = "ratings", description = "好差评 ratings of concluded items and the rectification of bad ones"),
        (name = "personnel", description = "Personnel filing (人员选配报备): the register, proposals, the bureau's decisions, handovers, staffing evidence"),
        (name = "outreach", description = "The bureau's trainings, seminars and enterprise visits with attendance; return visits with appraisals; the visit plan; staff records"),
        (name = "evaluation", description = "The quarterly evaluation (考评): findings with their evidence, detection, the result"),
        (name = "surveys", description = "Democratic appraisal (民主评议): quarterly surveys, respondents with personal links, answers, results and the bureau's decisions"),
        (name = "complaints", description = "Complaints (举报投诉): intake on the portal or by the bureau, assignment, investigation, conclusion; the complainant's identity is the bureau's only"),
        (name = "monthly_reports", description = "Monthly reports (月报表): a unit's month compiled as a draft, submitted by the unit leader, frozen; the bureau's status grid"),
        (name = "consultations", description = "Online consultation (在线咨询): questions routed to the answering unit, the answer limit in working days, follow-ups, resolution, the bureau's re-routing and overdue list"),
        (name = "faq", description = "The FAQ (常见问题): answered consultations published by the bureau; public, without login"),
        (name = "search", description = "Chinese substring search over announcements, the FAQ, projects and enterprises, scoped to the caller"),
        (name = "announcements", description = "Announcements (政策动态): the bureau's policy news, drafts, publication, attachments, staff read receipts; the public ones without login"),
        (name = "demands", description = "Enterprise demands (企业诉求): submitted by the enterprise or entered for it, routed to the responsible unit, answered within the working-day limit, closed, confirmed or reopened; turned into a problem on the ladder"),
        (name = "inbox", description = "The inbox (站内消息), notification preferences per kind and channel, and the administrator's view of e-mail and webhook deliveries"),
        (name = "calendar", description = "The working-day calendar: queries, versions, the import of a year's arrangement (administrator)"),
    )
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(c) = openapi.components.as_mut() {
            c.add_security_scheme(
                "bearer",
                SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
            );
        }
    }
}

/// The API router and its OpenAPI document.
pub fn router() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(auth::issue_token, auth::revoke_token))
        .routes(routes!(auth::me))
        .routes(routes!(directory::list_units, directory::create_unit))
        .routes(routes!(directory::get_unit, directory::update_unit))
        .routes(routes!(directory::set_unit_active))
        .routes(routes!(directory::list_users, directory::create_user))
        .routes(routes!(directory::get_user, directory::update_user))
        .routes(routes!(directory::set_user_active))
        .routes(routes!(directory::reset_user_password))
        .routes(routes!(
            directory::list_enterprises,
            directory::create_enterprise
        ))
        .routes(routes!(directory::get_enterprise))
        .routes(routes!(audit::list_audit))
        .routes(routes!(audit::verify_audit))
        .routes(routes!(business::list_catalog))
        .routes(routes!(business::load_default_catalog))
        .routes(routes!(
            business::catalog_revisions,
            business::revise_catalog_item
        ))
        .routes(routes!(business::list_projects, business::create_project))
        .routes(routes!(business::get_project))
        .routes(routes!(business::decline_project))
        .routes(routes!(business::set_project_stage))
        .routes(routes!(business::assign_bureau_helper))
        .routes(routes!(business::project_events))
        .routes(routes!(business::expected_completion))
        .routes(routes!(business::get_mandate, business::sign_mandate))
        .routes(routes!(business::mandate_action))
        .routes(routes!(business::request_cases))
        .routes(routes!(business::list_cases))
        .routes(routes!(business::get_case))
        .routes(routes!(business::act_on_case))
        .routes(routes!(business::case_notices))
        .routes(routes!(business::case_materials))
        .routes(routes!(business::move_material))
        .routes(routes!(business::case_catalog_item))
        .routes(routes!(coordination::list_problems))
        .routes(routes!(coordination::raise_problem))
        .routes(routes!(coordination::get_problem))
        .routes(routes!(coordination::act_on_problem))
        .routes(routes!(coordination::leader_decision))
        .routes(routes!(
            coordination::list_meetings,
            coordination::convene_meeting
        ))
        .routes(routes!(coordination::suggest_kind))
        .routes(routes!(coordination::get_meeting))
        .routes(routes!(coordination::record_meeting))
        .routes(routes!(coordination::list_action_items))
        .routes(routes!(coordination::complete_action_item))
        .routes(routes!(coordination::case_ratings, coordination::rate_case))
        .routes(routes!(coordination::list_rectifications))
        .routes(routes!(coordination::advance_rectification))
        .routes(routes!(
            evaluation::list_findings,
            evaluation::record_finding
        ))
        .routes(routes!(evaluation::get_finding))
        .routes(routes!(evaluation::decide_finding))
        .routes(routes!(evaluation::detect))
        .routes(routes!(evaluation::quarter_result))
        .routes(routes!(evaluation::publications, evaluation::publish))
        .routes(routes!(personnel::register))
        .routes(routes!(personnel::unit_history))
        .routes(routes!(personnel::list_filings, personnel::propose))
        .routes(routes!(personnel::get_filing))
        .routes(routes!(personnel::decide))
        .routes(routes!(personnel::withdraw))
        .routes(routes!(personnel::get_handover))
        .routes(routes!(personnel::confirm_handover))
        .routes(routes!(personnel::evidence))
        .routes(routes!(
            outreach::list_activities,
            outreach::schedule_activity
        ))
        .routes(routes!(outreach::get_activity))
        .routes(routes!(outreach::cancel_activity))
        .routes(routes!(outreach::record_attendance))
        .routes(routes!(outreach::discipline_evidence))
        .routes(routes!(outreach::list_visits, outreach::record_visit))
        .routes(routes!(outreach::served_staff))
        .routes(routes!(outreach::get_visit))
        .routes(routes!(outreach::raise_visit_problem))
        .routes(routes!(outreach::visit_plan))
        .routes(routes!(outreach::staff_record))
        .routes(routes!(surveys::list, surveys::open))
        .routes(routes!(surveys::get))
        .routes(routes!(surveys::close))
        .routes(routes!(surveys::reopen))
        .routes(routes!(surveys::respondents, surveys::add_respondents))
        .routes(routes!(surveys::results))
        .routes(routes!(surveys::decide))
        .routes(routes!(surveys::response, surveys::answer))
        .routes(routes!(reports::list_complaints, reports::file_complaint))
        .routes(routes!(reports::get_complaint))
        .routes(routes!(reports::act_on_complaint))
        .routes(routes!(reports::month_status))
        .routes(routes!(reports::get_report))
        .routes(routes!(reports::submit_report))
        .routes(routes!(consultations::list, consultations::ask))
        .routes(routes!(consultations::overdue))
        .routes(routes!(consultations::get))
        .routes(routes!(consultations::post_message))
        .routes(routes!(consultations::resolve))
        .routes(routes!(consultations::reroute))
        .routes(routes!(consultations::publish))
        .routes(routes!(consultations::faq_list))
        .routes(routes!(consultations::faq_get))
        .routes(routes!(consultations::unpublish))
        .routes(routes!(consultations::republish))
        .routes(routes!(consultations::search))
        .routes(routes!(
            platform::list_announcements,
            platform::create_announcement
        ))
        .routes(routes!(
            platform::get_announcement,
            platform::update_announcement
        ))
        .routes(routes!(platform::act_on_announcement))
        .routes(routes!(platform::announcement_receipts))
        .routes(routes!(platform::download_attachment))
        .routes(routes!(platform::public_announcements))
        .routes(routes!(platform::public_announcement))
        .routes(routes!(platform::list_demands, platform::submit_demand))
        .routes(routes!(platform::get_demand))
        .routes(routes!(platform::act_on_demand))
        .routes(routes!(business::list_uploads))
        .routes(routes!(business::download_upload))
        .merge(
            OpenApiRouter::new()
                .routes(routes!(business::upload_file))
                .routes(routes!(platform::attach))
                .layer(axum::extract::DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)),
        )
        .routes(routes!(calendar::get_day))
        .routes(routes!(calendar::add))
        .routes(routes!(calendar::between))
        .routes(routes!(calendar::export))
        .routes(routes!(calendar::versions))
        .routes(routes!(calendar::import))
        .routes(routes!(delivery::list_inbox))
        .routes(routes!(delivery::unread_count))
        .routes(routes!(delivery::mark_read))
        .routes(routes!(delivery::mark_all_read))
        .routes(routes!(
            delivery::get_preferences,
            delivery::set_preferences
        ))
        .routes(routes!(delivery::list_deliveries))
        .routes(routes!(delivery::retry_delivery))
        .split_for_parts()
}
