//! Announcements (政策动态, policy 五(三)): the bureau's coordinators write policy news in
//! Markdown, attach files, publish, unpublish and pin them. Published announcements are seen by
//! staff and enterprises; those marked public also by everyone without an account
//! (`/public/announcements`). Drafts and withdrawn announcements are the bureau's only.
//!
//! A staff member who opens a published announcement leaves a read receipt (first reading,
//! once); the bureau sees per announcement who has read it and who has not, by unit. The first
//! publication notifies every active staff member and every enterprise.
//!
//! The body is Markdown rendered by `pulldown-cmark` with raw HTML turned into text and links
//! restricted to http(s), mailto and relative targets, so the HTML is safe to embed.
//!
//! Search: [`update`] and [`act`] (publish / unpublish) are the only writes of a published
//! announcement's text or visibility; each keeps the search index in its transaction (a
//! published announcement is found by everyone it is visible to, a draft or withdrawn one by
//! nobody).

use crate::App;
use crate::actor::{Actor, Meta};
use crate::audit::{self, Change};
use crate::error::{AppError, AppResult, Checks, FieldError, Msg, forbidden, version_conflict};
use crate::timeline::{self, Notice, Recipient};
use chrono::{DateTime, Utc};
use daiban_domain::platform::{AnnouncementCategory, AnnouncementStatus};
use daiban_domain::role::Role;
use daiban_store::entity::{announcement, announcement_attachment, announcement_read, unit, user};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};

/// The staff roles whose readings are counted.
const STAFF_ROLES: [Role; 5] = [
    Role::Coordinator,
    Role::CityLeader,
    Role::UnitLeader,
    Role::Agent,
    Role::Helper,
];

fn is_staff(role: Role) -> bool {
    STAFF_ROLES.contains(&role)
}

/// Renders an announcement body (Markdown) to safe HTML: raw HTML is shown as text, links and
/// images only to http(s), mailto or relative targets.
pub fn render_html(markdown: &str) -> String {
    use pulldown_cmark::{Event, Options, Parser, Tag, html};
    let events = Parser::new_ext(
        markdown,
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH,
    )
    .map(|e| match e {
        Event::Html(h) | Event::InlineHtml(h) => Event::Text(h),
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Link {
            link_type,
            dest_url: if safe_url(&dest_url) {
                dest_url
            } else {
                "#".into()
            },
            title,
            id,
        }),
        Event::Start(Tag::Image {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Image {
            link_type,
            dest_url: if safe_url(&dest_url) {
                dest_url
            } else {
                "#".into()
            },
            title,
            id,
        }),
        e => e,
    });
    let mut out = String::new();
    html::push_html(&mut out, events);
    out
}

/// Whether a link target is harmless: http(s), mailto, or relative (no scheme).
fn safe_url(url: &str) -> bool {
    let u = url.trim().to_ascii_lowercase();
    if u.starts_with("http://") || u.starts_with("https://") || u.starts_with("mailto:") {
        return true;
    }
    if u.starts_with("//") {
        return false;
    }
    // A relative target has no scheme: no ':' before the first '/', '?' or '#'.
    let head = u.split(['/', '?', '#']).next().unwrap_or_default();
    !head.contains(':')
}

/// The plain text of a Markdown body (no markup), for search and previews.
pub fn markdown_text(markdown: &str) -> String {
    use pulldown_cmark::{Event, Parser, TagEnd};
    let mut out = String::new();
    for e in Parser::new(markdown) {
        match e {
            Event::Text(t) | Event::Code(t) | Event::Html(t) | Event::InlineHtml(t) => {
                out.push_str(&t);
            }
            Event::SoftBreak | Event::HardBreak => out.push(' '),
            Event::End(
                TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::Item | TagEnd::CodeBlock,
            ) => out.push('\n'),
            _ => {}
        }
    }
    out.trim().to_owned()
}

/// Keeps the search index in step with `m`: published ones are searchable by their audience
/// (everyone when public, else every signed-in user), others not at all.
async fn reindex<C: ConnectionTrait>(db: &C, m: &announcement::Model) -> AppResult<()> {
    if m.status == AnnouncementStatus::Published.code() {
        let audience = if m.public {
            crate::search::Audience::Public
        } else {
            crate::search::Audience::SignedIn
        };
        crate::search::index(
            db,
            "announcement",
            m.id,
            &m.title,
            &markdown_text(&m.body),
            audience,
        )
        .await
    } else {
        crate::search::remove(db, "announcement", m.id).await
    }
}

/// An announcement's title and its body as plain text, separated by a blank line: what the
/// full-text search indexes.
pub fn plain_text(m: &announcement::Model) -> String {
    format!("{}\n\n{}", m.title, markdown_text(&m.body))
}

/// A short plain-text excerpt of a body, for lists.
pub fn excerpt(markdown: &str, chars: usize) -> String {
    let text = markdown_text(markdown).replace('\n', " ");
    if text.chars().count() > chars {
        let mut s: String = text.chars().take(chars).collect();
        s.push('…');
        s
    } else {
        text
    }
}

/// An attachment as clients see it (without its bytes).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AttachmentView {
    /// Id.
    pub id: i64,
    /// File name as uploaded.
    pub filename: String,
    /// Media type.
    pub content_type: String,
    /// Size in bytes.
    pub size_bytes: i64,
    /// SHA-256 of the content, hex.
    pub sha256: String,
    /// When.
    pub uploaded_at: DateTime<Utc>,
}

/// An announcement as its reader may see it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AnnouncementView {
    /// Id.
    pub id: i64,
    /// Title.
    pub title: String,
    /// The body as written (Markdown).
    pub body: String,
    /// The body rendered to safe HTML.
    pub body_html: String,
    /// A plain-text excerpt.
    pub excerpt: String,
    /// `policy`, `notice`, `guide` or `work_news`.
    pub category: String,
    /// `draft`, `published` or `unpublished`.
    pub status: String,
    /// Shown on the public pages without login once published.
    pub public: bool,
    /// Listed first.
    pub pinned: bool,
    /// Who wrote it (bureau readers only).
    pub author_name: String,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
    /// When last published.
    pub published_at: Option<DateTime<Utc>>,
    /// By whom (bureau readers only).
    pub published_by_name: String,
    /// When last withdrawn.
    pub unpublished_at: Option<DateTime<Utc>>,
    /// By whom (bureau readers only).
    pub unpublished_by_name: String,
    /// The files attached.
    pub attachments: Vec<AttachmentView>,
    /// When the caller first read it (staff).
    pub read_at: Option<DateTime<Utc>>,
    /// Optimistic-concurrency version.
    pub version: i32,
}

/// Whether `actor` may see `m`: the bureau every announcement, everyone else the published.
fn sees(actor: &Actor, m: &announcement::Model) -> bool {
    actor.is(Role::Coordinator) || m.status == AnnouncementStatus::Published.code()
}

async fn attachments<C: ConnectionTrait>(db: &C, id: i64) -> AppResult<Vec<AttachmentView>> {
    Ok(announcement_attachment::Entity::find()
        .select_only()
        .columns([
            announcement_attachment::Column::Id,
            announcement_attachment::Column::Filename,
            announcement_attachment::Column::ContentType,
            announcement_attachment::Column::SizeBytes,
            announcement_attachment::Column::Sha256,
            announcement_attachment::Column::UploadedAt,
        ])
        .filter(announcement_attachment::Column::AnnouncementId.eq(id))
        .order_by_asc(announcement_attachment::Column::Id)
        .into_tuple::<(i64, String, String, i64, String, DateTime<Utc>)>()
        .all(db)
        .await?
        .into_iter()
        .map(
            |(id, filename, content_type, size_bytes, sha256, uploaded_at)| AttachmentView {
                id,
                filename,
                content_type,
                size_bytes,
                sha256,
                uploaded_at,
            },
        )
        .collect())
}

async fn view<C: ConnectionTrait>(
    db: &C,
    m: announcement::Model,
    bureau: bool,
    read_at: Option<DateTime<Utc>>,
) -> AppResult<AnnouncementView> {
    let name = |id: Option<i64>| async move {
        if bureau {
            crate::users::user_name(db, id).await
        } else {
            Ok(String::new())
        }
    };
    Ok(AnnouncementView {
        id: m.id,
        body_html: render_html(&m.body),
        excerpt: excerpt(&m.body, 120),
        author_name: name(Some(m.author_id)).await?,
        published_by_name: name(m.published_by).await?,
        unpublished_by_name: name(m.unpublished_by).await?,
        attachments: attachments(db, m.id).await?,
        title: m.title,
        body: m.body,
        category: m.category,
        status: m.status,
        public: m.public,
        pinned: m.pinned,
        created_at: m.created_at,
        updated_at: m.updated_at,
        published_at: m.published_at,
        unpublished_at: m.unpublished_at,
        read_at,
        version: m.version,
    })
}

/// The audit snapshot: the record without rendered HTML or attachments' bytes.
fn audit_view(m: &announcement::Model) -> serde_json::Value {
    serde_json::json!({
        "id": m.id,
        "title": m.title,
        "body": m.body,
        "category": m.category,
        "status": m.status,
        "public": m.public,
        "pinned": m.pinned,
        "published_at": m.published_at,
        "published_by": m.published_by,
        "unpublished_at": m.unpublished_at,
        "unpublished_by": m.unpublished_by,
        "version": m.version,
    })
}

/// What a coordinator writes.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct AnnouncementInput {
    /// Title (at most 200 characters).
    pub title: String,
    /// Body in Markdown: paragraphs, headings, bold/italic, lists, links (at most 20 000
    /// characters; raw HTML is shown as text).
    pub body: String,
    /// `policy` (政策解读), `notice` (通知公告), `guide` (办事指南) or `work_news` (工作动态).
    pub category: String,
    /// Shown on the public pages once published.
    #[serde(default)]
    pub public: bool,
    /// Listed first.
    #[serde(default)]
    pub pinned: bool,
    /// The version the coordinator saw (updates only).
    #[serde(default)]
    pub version: i32,
}

fn check_input(input: &AnnouncementInput) -> AppResult<(String, String)> {
    let mut c = Checks::default();
    let title = c.text("title", "标题", &input.title, 200);
    let body = c.text("body", "正文", &input.body, 20_000);
    if AnnouncementCategory::from_code(&input.category).is_none() {
        c.push(FieldError::new(
            "category",
            "unknown",
            "栏目须为：政策解读、通知公告、办事指南或工作动态",
            "category must be policy, notice, guide or work_news",
        ));
    }
    c.finish()?;
    Ok((title, body))
}

fn bureau_only(actor: &Actor) -> AppResult<()> {
    if actor.is(Role::Coordinator) {
        Ok(())
    } else {
        Err(forbidden())
    }
}

/// Writes a draft (bureau coordinators).
///
/// # Errors
/// [`AppError::Forbidden`] for other roles; [`AppError::Invalid`] naming each broken rule.
pub async fn create(
    app: &App,
    actor: &Actor,
    input: &AnnouncementInput,
    meta: &Meta,
) -> AppResult<AnnouncementView> {
    bureau_only(actor)?;
    let (title, body) = check_input(input)?;
    let now = app.now();
    let w = app.begin_write().await?;
    let m = announcement::Entity::insert(announcement::ActiveModel {
        title: Set(title),
        body: Set(body),
        category: Set(input.category.clone()),
        status: Set(AnnouncementStatus::Draft.code().to_owned()),
        public: Set(input.public),
        pinned: Set(input.pinned),
        author_id: Set(actor.user_id),
        created_at: Set(now),
        updated_at: Set(now),
        published_by: Set(None),
        published_at: Set(None),
        unpublished_by: Set(None),
        unpublished_at: Set(None),
        version: Set(1),
        ..Default::default()
    })
    .exec_with_returning(&w.txn)
    .await?;
    audit::append(
        &w.txn,
        now,
        &actor.into(),
        meta,
        Change {
            action: "announcement.create",
            object_type: "announcement",
            object_id: m.id.to_string(),
            before: None,
            after: Some(audit_view(&m)),
        },
    )
    .await?;
    let v = view(&w.txn, m, true, None).await?;
    w.commit().await?;
    Ok(v)
}

/// Changes the title, body, category and the public and pinned flags (bureau coordinators),
/// in any status; guarded by the version.
///
/// # Errors
/// [`AppError::Forbidden`]; [`AppError::NotFound`]; `version_conflict`; [`AppError::Invalid`].
pub async fn update(
    app: &App,
    actor: &Actor,
    id: i64,
    input: &AnnouncementInput,
    meta: &Meta,
) -> AppResult<AnnouncementView> {
    bureau_only(actor)?;
    let (title, body) = check_input(input)?;
    let now = app.now();
    let w = app.begin_write().await?;
    let m = announcement::Entity::find_by_id(id)
        .one(&w.txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if m.version != input.version {
        return Err(version_conflict());
    }
    let before = audit_view(&m);
    let mut am: announcement::ActiveModel = m.clone().into();
    am.title = Set(title);
    am.body = Set(body);
    am.category = Set(input.category.clone());
    am.public = Set(input.public);
    am.pinned = Set(input.pinned);
    am.updated_at = Set(now);
    am.version = Set(m.version + 1);
    let m = announcement::Entity::update(am).exec(&w.txn).await?;
    audit::append(
        &w.txn,
        now,
        &actor.into(),
        meta,
        Change {
            action: "announcement.update",
            object_type: "announcement",
            object_id: m.id.to_string(),
            before: Some(before),
            after: Some(audit_view(&m)),
        },
    )
    .await?;
    reindex(&w.txn, &m).await?;
    let v = view(&w.txn, m, true, None).await?;
    w.commit().await?;
    Ok(v)
}

/// Publish or unpublish.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct AnnouncementActionInput {
    /// `publish` or `unpublish`.
    pub action: String,
    /// The version the coordinator saw.
    pub version: i32,
}

/// Who is told about a new announcement: every active staff member but the publisher, and
/// every enterprise with an active account.
async fn audience<C: ConnectionTrait>(db: &C, except: i64) -> AppResult<Vec<Recipient>> {
    let users = user::Entity::find()
        .filter(user::Column::Active.eq(true))
        .order_by_asc(user::Column::Id)
        .all(db)
        .await?;
    let mut out = Vec::new();
    let mut enterprises = BTreeSet::new();
    for u in users {
        let Ok(role) = u.role.parse::<Role>() else {
            continue;
        };
        if role == Role::Enterprise {
            if let Some(e) = u.enterprise_id {
                enterprises.insert(e);
            }
        } else if is_staff(role) && u.id != except {
            out.push(Recipient::User(u.id));
        }
    }
    out.extend(enterprises.into_iter().map(Recipient::Enterprise));
    Ok(out)
}

/// Publishes (a draft or a withdrawn announcement) or unpublishes (a published one), recording
/// when and who. The first publication notifies staff and enterprises.
///
/// # Errors
/// [`AppError::Forbidden`]; [`AppError::NotFound`]; `announcement_state`, `version_conflict`
/// (409); [`AppError::Invalid`] for an unknown action.
pub async fn act(
    app: &App,
    actor: &Actor,
    id: i64,
    input: &AnnouncementActionInput,
    meta: &Meta,
) -> AppResult<AnnouncementView> {
    bureau_only(actor)?;
    let publish = match input.action.as_str() {
        "publish" => true,
        "unpublish" => false,
        _ => {
            return Err(AppError::Invalid(vec![FieldError::new(
                "action",
                "unknown",
                "操作须为：发布或撤回",
                "action must be publish or unpublish",
            )]));
        }
    };
    let now = app.now();
    let w = app.begin_write().await?;
    let m = announcement::Entity::find_by_id(id)
        .one(&w.txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let status = AnnouncementStatus::from_code(&m.status).unwrap_or(AnnouncementStatus::Draft);
    if (publish && !status.may_publish()) || (!publish && !status.may_unpublish()) {
        return Err(AppError::Conflict {
            code: "announcement_state",
            message: Msg::new(
                format!(
                    "该公告当前状态（{}）不允许{}",
                    status.code(),
                    if publish { "发布" } else { "撤回" }
                ),
                format!(
                    "a {} announcement does not allow `{}`",
                    status.code(),
                    input.action
                ),
            ),
        });
    }
    if m.version != input.version {
        return Err(version_conflict());
    }
    let first = m.published_at.is_none();
    let before = audit_view(&m);
    let mut am: announcement::ActiveModel = m.clone().into();
    if publish {
        am.status = Set(AnnouncementStatus::Published.code().to_owned());
        am.published_at = Set(Some(now));
        am.published_by = Set(Some(actor.user_id));
    } else {
        am.status = Set(AnnouncementStatus::Unpublished.code().to_owned());
        am.unpublished_at = Set(Some(now));
        am.unpublished_by = Set(Some(actor.user_id));
    }
    am.updated_at = Set(now);
    am.version = Set(m.version + 1);
    let m = announcement::Entity::update(am).exec(&w.txn).await?;
    audit::append(
        &w.txn,
        now,
        &actor.into(),
        meta,
        Change {
            action: if publish {
                "announcement.publish"
            } else {
                "announcement.unpublish"
            },
            object_type: "announcement",
            object_id: m.id.to_string(),
            before: Some(before),
            after: Some(audit_view(&m)),
        },
    )
    .await?;
    if publish && first {
        let label =
            AnnouncementCategory::from_code(&m.category).unwrap_or(AnnouncementCategory::Notice);
        let n = Notice {
            kind: "announcement".into(),
            title: Msg::new(
                format!("{}：{}", label.label_zh(), m.title),
                format!("New {}: {}", label.label_en(), m.title),
            ),
            body: Msg::new(
                format!("市行政审批局发布了“{}”，请及时阅读。", m.title),
                format!(
                    "The Administrative Approval Bureau published \u{201c}{}\u{201d}; please read it.",
                    m.title
                ),
            ),
            project_id: None,
            case_item_id: None,
        };
        for to in audience(&w.txn, actor.user_id).await? {
            timeline::notify(&w.txn, now, to, &n).await?;
        }
    }
    reindex(&w.txn, &m).await?;
    let v = view(&w.txn, m, true, None).await?;
    w.commit().await?;
    Ok(v)
}

/// Filters of the announcement list.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct AnnouncementFilter {
    /// One category.
    pub category: Option<String>,
    /// One status (the bureau; others see the published only).
    pub status: Option<String>,
}

fn ordered(q: sea_orm::Select<announcement::Entity>) -> sea_orm::Select<announcement::Entity> {
    q.order_by_desc(announcement::Column::Pinned)
        .order_by_desc(announcement::Column::PublishedAt)
        .order_by_desc(announcement::Column::Id)
}

/// The announcements the caller may see, pinned first, then newest.
///
/// # Errors
/// Database failure.
pub async fn list(
    app: &App,
    actor: &Actor,
    f: &AnnouncementFilter,
) -> AppResult<Vec<AnnouncementView>> {
    let db = &app.db.conn;
    let bureau = actor.is(Role::Coordinator);
    let mut q = ordered(announcement::Entity::find());
    if !bureau {
        q = q.filter(announcement::Column::Status.eq(AnnouncementStatus::Published.code()));
    } else if let Some(s) = &f.status {
        q = q.filter(announcement::Column::Status.eq(s.as_str()));
    }
    if let Some(c) = &f.category {
        q = q.filter(announcement::Column::Category.eq(c.as_str()));
    }
    let reads: BTreeMap<i64, DateTime<Utc>> = announcement_read::Entity::find()
        .filter(announcement_read::Column::UserId.eq(actor.user_id))
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.announcement_id, r.first_read_at))
        .collect();
    let mut out = Vec::new();
    for m in q.all(db).await? {
        let first = reads.get(&m.id).copied();
        out.push(view(db, m, bureau, first).await?);
    }
    Ok(out)
}

/// One announcement; opening a published one records the staff member's first reading.
///
/// # Errors
/// [`AppError::NotFound`] when it does not exist or the caller may not see it.
pub async fn get(app: &App, actor: &Actor, id: i64, meta: &Meta) -> AppResult<AnnouncementView> {
    let db = &app.db.conn;
    let m = announcement::Entity::find_by_id(id)
        .one(db)
        .await?
        .filter(|m| sees(actor, m))
        .ok_or(AppError::NotFound)?;
    let bureau = actor.is(Role::Coordinator);
    let published = m.status == AnnouncementStatus::Published.code();
    let mut read_at = announcement_read::Entity::find()
        .filter(announcement_read::Column::AnnouncementId.eq(id))
        .filter(announcement_read::Column::UserId.eq(actor.user_id))
        .one(db)
        .await?
        .map(|r| r.first_read_at);
    if published && is_staff(actor.role) && read_at.is_none() {
        let now = app.now();
        let w = app.begin_write().await?;
        let inserted = announcement_read::Entity::insert(announcement_read::ActiveModel {
            announcement_id: Set(id),
            user_id: Set(actor.user_id),
            first_read_at: Set(now),
            ..Default::default()
        })
        .on_conflict(
            OnConflict::columns([
                announcement_read::Column::AnnouncementId,
                announcement_read::Column::UserId,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(&w.txn)
        .await?;
        if inserted > 0 {
            audit::append(
                &w.txn,
                now,
                &actor.into(),
                meta,
                Change {
                    action: "announcement.read",
                    object_type: "announcement",
                    object_id: id.to_string(),
                    before: None,
                    after: Some(
                        serde_json::json!({"user_id": actor.user_id, "first_read_at": now}),
                    ),
                },
            )
            .await?;
            read_at = Some(now);
        }
        w.commit().await?;
    }
    view(db, m, bureau, read_at).await
}

/// The published public announcements, for everyone without login, pinned first.
///
/// # Errors
/// Database failure.
pub async fn public_list<C: ConnectionTrait>(db: &C) -> AppResult<Vec<AnnouncementView>> {
    let mut out = Vec::new();
    for m in ordered(
        announcement::Entity::find()
            .filter(announcement::Column::Status.eq(AnnouncementStatus::Published.code()))
            .filter(announcement::Column::Public.eq(true)),
    )
    .all(db)
    .await?
    {
        out.push(view(db, m, false, None).await?);
    }
    Ok(out)
}

/// One public announcement, for everyone without login.
///
/// # Errors
/// [`AppError::NotFound`] unless it is published and public.
pub async fn public_get<C: ConnectionTrait>(db: &C, id: i64) -> AppResult<AnnouncementView> {
    let m = announcement::Entity::find_by_id(id)
        .one(db)
        .await?
        .filter(|m| m.public && m.status == AnnouncementStatus::Published.code())
        .ok_or(AppError::NotFound)?;
    view(db, m, false, None).await
}

/// Attaches a file (bureau coordinators): PDF, OFD, images, Word or Excel, at most 20 MB, as
/// for uploaded materials.
///
/// # Errors
/// [`AppError::Forbidden`]; [`AppError::NotFound`]; [`AppError::Invalid`] on `file`.
pub async fn attach(
    app: &App,
    actor: &Actor,
    id: i64,
    filename: &str,
    bytes: &[u8],
    meta: &Meta,
) -> AppResult<AttachmentView> {
    bureau_only(actor)?;
    let field = |code: &str, zh: &str, en: &str| {
        AppError::Invalid(vec![FieldError::new("file", code, zh, en)])
    };
    let filename = filename
        .trim()
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or_default()
        .to_owned();
    if filename.is_empty() || filename.chars().count() > 200 {
        return Err(field(
            "filename",
            "请选择文件（文件名不超过 200 个字符）",
            "choose a file (name at most 200 characters)",
        ));
    }
    let Some(content_type) = crate::uploads::accepted_type(&filename) else {
        return Err(field(
            "file_type",
            "只接受 PDF、OFD、JPG、PNG、Word（doc/docx）或 Excel（xlsx）文件",
            "accepted files: PDF, OFD, JPG, PNG, Word (doc/docx), Excel (xlsx)",
        ));
    };
    if bytes.is_empty() {
        return Err(field("empty", "文件为空", "the file is empty"));
    }
    if bytes.len() > crate::uploads::MAX_UPLOAD_BYTES {
        return Err(field(
            "too_large",
            "文件不能超过 20 MB",
            "the file must not exceed 20 MB",
        ));
    }
    let now = app.now();
    let sha256 = hex::encode(Sha256::digest(bytes));
    let w = app.begin_write().await?;
    let m = announcement::Entity::find_by_id(id)
        .one(&w.txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let size = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
    let aid = announcement_attachment::Entity::insert(announcement_attachment::ActiveModel {
        announcement_id: Set(m.id),
        filename: Set(filename.clone()),
        content_type: Set(content_type.to_owned()),
        size_bytes: Set(size),
        sha256: Set(sha256.clone()),
        data: Set(bytes.to_vec()),
        uploaded_by: Set(actor.user_id),
        uploaded_at: Set(now),
        ..Default::default()
    })
    .exec(&w.txn)
    .await?
    .last_insert_id;
    let v = AttachmentView {
        id: aid,
        filename,
        content_type: content_type.to_owned(),
        size_bytes: size,
        sha256,
        uploaded_at: now,
    };
    audit::append(
        &w.txn,
        now,
        &actor.into(),
        meta,
        Change {
            action: "announcement.attach",
            object_type: "announcement",
            object_id: m.id.to_string(),
            before: None,
            after: Some(audit::snapshot(&v)?),
        },
    )
    .await?;
    w.commit().await?;
    Ok(v)
}

/// An attachment's file name, media type and bytes, for whoever may see its announcement
/// (`actor` `None`: the public, for a public published announcement).
///
/// # Errors
/// [`AppError::NotFound`] when absent or out of sight.
pub async fn download<C: ConnectionTrait>(
    db: &C,
    actor: Option<&Actor>,
    attachment_id: i64,
) -> AppResult<(String, String, Vec<u8>)> {
    let a = announcement_attachment::Entity::find_by_id(attachment_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let m = announcement::Entity::find_by_id(a.announcement_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let visible = match actor {
        Some(actor) => sees(actor, &m),
        None => m.public && m.status == AnnouncementStatus::Published.code(),
    };
    if !visible {
        return Err(AppError::NotFound);
    }
    Ok((a.filename, a.content_type, a.data))
}

/// One unit's readers of an announcement.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UnitReceipts {
    /// Unit id.
    pub unit_id: i64,
    /// Its name.
    pub unit_name: String,
    /// Active staff of the unit.
    pub staff: usize,
    /// How many have read it.
    pub read: usize,
    /// The names of those who have not.
    pub unread: Vec<String>,
}

/// The read receipts of an announcement (bureau): how many staff have read it, and who has
/// not, by unit.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReceiptsView {
    /// The announcement.
    pub announcement_id: i64,
    /// Active staff in all.
    pub staff: usize,
    /// How many have read it.
    pub read: usize,
    /// By unit, the units with unread staff first.
    pub units: Vec<UnitReceipts>,
}

/// The read receipts of an announcement (bureau coordinators).
///
/// # Errors
/// [`AppError::Forbidden`]; [`AppError::NotFound`].
pub async fn receipts(app: &App, actor: &Actor, id: i64) -> AppResult<ReceiptsView> {
    bureau_only(actor)?;
    let db = &app.db.conn;
    announcement::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let read: BTreeSet<i64> = announcement_read::Entity::find()
        .filter(announcement_read::Column::AnnouncementId.eq(id))
        .all(db)
        .await?
        .into_iter()
        .map(|r| r.user_id)
        .collect();
    let units: BTreeMap<i64, String> = unit::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect();
    let mut by_unit: BTreeMap<i64, UnitReceipts> = BTreeMap::new();
    let (mut staff, mut read_n) = (0, 0);
    for u in user::Entity::find()
        .filter(user::Column::Active.eq(true))
        .order_by_asc(user::Column::Id)
        .all(db)
        .await?
    {
        if !u.role.parse::<Role>().is_ok_and(is_staff) {
            continue;
        }
        let uid = u.unit_id.unwrap_or(0);
        let e = by_unit.entry(uid).or_insert_with(|| UnitReceipts {
            unit_id: uid,
            unit_name: units.get(&uid).cloned().unwrap_or_default(),
            staff: 0,
            read: 0,
            unread: Vec::new(),
        });
        e.staff += 1;
        staff += 1;
        if read.contains(&u.id) {
            e.read += 1;
            read_n += 1;
        } else {
            e.unread.push(u.name);
        }
    }
    let mut units: Vec<UnitReceipts> = by_unit.into_values().collect();
    units.sort_by_key(|u| (u.unread.is_empty(), u.unit_id));
    Ok(ReceiptsView {
        announcement_id: id,
        staff,
        read: read_n,
        units,
    })
}

/// How many staff have read each announcement, for the bureau's list: `id → readers`.
///
/// # Errors
/// Database failure.
pub async fn read_counts<C: ConnectionTrait>(db: &C) -> AppResult<BTreeMap<i64, u64>> {
    let mut out = BTreeMap::new();
    for r in announcement_read::Entity::find().all(db).await? {
        *out.entry(r.announcement_id).or_insert(0) += 1;
    }
    Ok(out)
}

/// The number of published announcements the staff member has not read yet (home page).
///
/// # Errors
/// Database failure.
pub async fn unread_count<C: ConnectionTrait>(db: &C, actor: &Actor) -> AppResult<usize> {
    let read: BTreeSet<i64> = announcement_read::Entity::find()
        .filter(announcement_read::Column::UserId.eq(actor.user_id))
        .all(db)
        .await?
        .into_iter()
        .map(|r| r.announcement_id)
        .collect();
    Ok(announcement::Entity::find()
        .filter(announcement::Column::Status.eq(AnnouncementStatus::Published.code()))
        .all(db)
        .await?
        .into_iter()
        .filter(|m| !read.contains(&m.id))
        .count())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_is_rendered_safely() {
        let html = render_html(
            "# 标题\n\n**加粗** *斜体* [链接](https://example.org) [坏](javascript:alert(1))\n\n- 一\n- 二\n\n<script>alert(1)</script>\n\n<b onclick=x>hi</b>",
        );
        assert!(html.contains("<h1>标题</h1>"), "{html}");
        assert!(html.contains("<strong>加粗</strong>"));
        assert!(html.contains("<em>斜体</em>"));
        assert!(html.contains("<a href=\"https://example.org\">链接</a>"));
        assert!(html.contains("<a href=\"#\">坏</a>"), "{html}");
        assert!(html.contains("<li>一</li>"));
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<b "), "{html}");
        assert!(html.contains("&lt;script&gt;"));
    }

    #[test]
    fn safe_urls() {
        for (u, ok) in [
            ("https://a.cn/x", true),
            ("http://a.cn", true),
            ("mailto:a@b.cn", true),
            ("/public/announcements/3", true),
            ("announcements/3#x", true),
            ("#top", true),
            ("javascript:alert(1)", false),
            (" JavaScript:alert(1)", false),
            ("data:text/html,x", false),
            ("//evil.example", false),
        ] {
            assert_eq!(safe_url(u), ok, "{u}");
        }
    }

    #[test]
    fn plain_text_drops_markup() {
        assert_eq!(
            markdown_text("## 一、总则\n\n**企业**可以*申请*。\n\n- 甲\n- 乙"),
            "一、总则\n企业可以申请。\n甲\n乙"
        );
        assert_eq!(excerpt("**一二三四五**", 3), "一二三…");
    }
}
