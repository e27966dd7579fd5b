//! Electronic materials (电子材料): the enterprise, or the agent for it, uploads a file for one
//! of a case item's materials. An upload does not receive the material: the agent checks it and
//! records the receipt in the custody chain as before. Files live in the database, so every
//! instance on one PostgreSQL serves them and a backup holds them.

use crate::App;
use crate::actor::{Actor, Meta};
use crate::audit::{self, Change};
use crate::cases::model_for_update;
use crate::error::{AppError, AppResult, FieldError, Msg, forbidden};
use crate::projects::acts_as_agent;
use crate::timeline::{self, Event, Notice, Recipient};
use daiban_domain::role::Role;
use daiban_store::entity::{material, upload};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// The largest file accepted, in bytes (20 MiB).
pub const MAX_UPLOAD_BYTES: usize = 20 * 1024 * 1024;

/// The file types accepted: PDF, OFD, images, Word, Excel.
pub const ACCEPTED_TYPES: [(&str, &str); 8] = [
    ("pdf", "application/pdf"),
    ("ofd", "application/ofd"),
    ("jpg", "image/jpeg"),
    ("jpeg", "image/jpeg"),
    ("png", "image/png"),
    ("doc", "application/msword"),
    (
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    (
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
];

/// An uploaded file as clients see it (without its bytes).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UploadView {
    /// Id.
    pub id: i64,
    /// The material's code on the item's list.
    pub material_code: String,
    /// File name as uploaded.
    pub filename: String,
    /// Media type.
    pub content_type: String,
    /// Size in bytes.
    pub size_bytes: i64,
    /// SHA-256 of the content, hex.
    pub sha256: String,
    /// Who uploaded it.
    pub uploaded_by_name: String,
    /// When.
    pub uploaded_at: chrono::DateTime<chrono::Utc>,
}

fn field(f: &str, code: &str, zh: impl Into<String>, en: impl Into<String>) -> AppError {
    AppError::Invalid(vec![FieldError::new(f, code, zh, en)])
}

/// The media type for a file name, if the type is accepted.
pub fn accepted_type(filename: &str) -> Option<&'static str> {
    let ext = filename.rsplit_once('.')?.1.to_ascii_lowercase();
    ACCEPTED_TYPES
        .iter()
        .find(|(e, _)| *e == ext)
        .map(|(_, t)| *t)
}

/// Uploads a file for material `material_code` of case item `case_id`.
///
/// # Errors
/// [`AppError::NotFound`] outside scope; [`AppError::Forbidden`] for other roles than the
/// project's enterprise and agent side; [`AppError::Invalid`] for an unknown material, an empty,
/// too large or unaccepted file.
#[expect(clippy::too_many_arguments, reason = "the file and where it goes")]
pub async fn upload(
    app: &App,
    actor: &Actor,
    case_id: i64,
    material_code: &str,
    filename: &str,
    bytes: &[u8],
    note: &str,
    meta: &Meta,
) -> AppResult<UploadView> {
    let w = app.begin_write().await?;
    let (case, p) = model_for_update(&w.txn, actor, case_id).await?;
    let own = actor.is(Role::Enterprise) && actor.enterprise_id == Some(p.enterprise_id);
    if !(own || acts_as_agent(actor, &p)) {
        return Err(forbidden());
    }
    let Some(mat) = material::Entity::find()
        .filter(material::Column::CaseItemId.eq(case.id))
        .filter(material::Column::MaterialCode.eq(material_code))
        .one(&w.txn)
        .await?
    else {
        return Err(field(
            "material",
            "unknown_material",
            format!("材料“{material_code}”不在该事项的材料清单中"),
            format!("material {material_code:?} is not on this item's list"),
        ));
    };
    let filename = filename
        .trim()
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or_default()
        .to_owned();
    if filename.is_empty() || filename.chars().count() > 200 {
        return Err(field(
            "file",
            "filename",
            "请选择文件（文件名不超过 200 个字符）",
            "choose a file (name at most 200 characters)",
        ));
    }
    let Some(content_type) = accepted_type(&filename) else {
        return Err(field(
            "file",
            "file_type",
            "只接受 PDF、OFD、JPG、PNG、Word（doc/docx）或 Excel（xlsx）文件",
            "accepted files: PDF, OFD, JPG, PNG, Word (doc/docx), Excel (xlsx)",
        ));
    };
    if bytes.is_empty() {
        return Err(field("file", "empty", "文件为空", "the file is empty"));
    }
    if bytes.len() > MAX_UPLOAD_BYTES {
        return Err(field(
            "file",
            "too_large",
            "文件不能超过 20 MB",
            "the file must not exceed 20 MB",
        ));
    }
    let sha256 = hex::encode(Sha256::digest(bytes));
    let now = app.now();
    let id = upload::Entity::insert(upload::ActiveModel {
        case_item_id: Set(case.id),
        material_id: Set(mat.id),
        project_id: Set(p.id),
        filename: Set(filename.clone()),
        content_type: Set(content_type.to_owned()),
        size_bytes: Set(i64::try_from(bytes.len()).unwrap_or(i64::MAX)),
        sha256: Set(sha256.clone()),
        data: Set(bytes.to_vec()),
        uploaded_by: Set(actor.user_id),
        uploaded_by_name: Set(actor.name.clone()),
        uploaded_at: Set(now),
        ..Default::default()
    })
    .exec(&w.txn)
    .await?
    .last_insert_id;
    timeline::record(
        &w.txn,
        now,
        Some(actor),
        (now, false),
        "",
        Event {
            project_id: p.id,
            case_item_id: Some(case.id),
            kind: "material.upload",
            note: note.trim(),
            materials: vec![mat.material_code.clone()],
            data: serde_json::json!({"filename": filename, "sha256": sha256, "size_bytes": bytes.len(), "material": mat.name}),
            ..Default::default()
        },
    )
    .await?;
    if let Some(agent) = case.agent_id.filter(|a| *a != actor.user_id) {
        timeline::notify(
            &w.txn,
            now,
            Recipient::User(agent),
            &Notice {
                kind: "upload".into(),
                title: Msg::new(format!("企业上传材料：{}", mat.name), format!("Material uploaded: {}", mat.name)),
                body: Msg::new(
                    format!("项目“{}”的办件“{}”上传了材料“{}”（{filename}），请核验。", p.name, case.item_name, mat.name),
                    format!("A file ({filename}) was uploaded for \"{}\" of case item {}; please check it.", mat.name, case.item_code),
                ),
                project_id: Some(p.id),
                case_item_id: Some(case.id),
            },
        )
        .await?;
    }
    audit::append(
        &w.txn,
        now,
        &actor.into(),
        meta,
        Change {
            action: "material.upload",
            object_type: "upload",
            object_id: id.to_string(),
            before: None,
            after: Some(serde_json::json!({"case_item_id": case.id, "material": mat.material_code, "filename": filename, "sha256": sha256, "size_bytes": bytes.len()})),
        },
    )
    .await?;
    w.commit().await?;
    Ok(UploadView {
        id,
        material_code: mat.material_code,
        filename,
        content_type: content_type.to_owned(),
        size_bytes: i64::try_from(bytes.len()).unwrap_or(i64::MAX),
        sha256,
        uploaded_by_name: actor.name.clone(),
        uploaded_at: now,
    })
}

/// The files uploaded for a case item, newest first.
///
/// # Errors
/// [`AppError::NotFound`] outside scope.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    case_id: i64,
) -> AppResult<Vec<UploadView>> {
    crate::cases::get(db, actor, case_id).await?;
    let mats: std::collections::BTreeMap<i64, String> = material::Entity::find()
        .filter(material::Column::CaseItemId.eq(case_id))
        .all(db)
        .await?
        .into_iter()
        .map(|m| (m.id, m.material_code))
        .collect();
    let rows = upload::Entity::find()
        .select_only()
        .columns([
            upload::Column::Id,
            upload::Column::MaterialId,
            upload::Column::Filename,
            upload::Column::ContentType,
            upload::Column::SizeBytes,
            upload::Column::Sha256,
            upload::Column::UploadedByName,
            upload::Column::UploadedAt,
        ])
        .filter(upload::Column::CaseItemId.eq(case_id))
        .order_by_desc(upload::Column::Id)
        .into_tuple::<(
            i64,
            i64,
            String,
            String,
            i64,
            String,
            String,
            chrono::DateTime<chrono::Utc>,
        )>()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(
            |(
                id,
                material_id,
                filename,
                content_type,
                size_bytes,
                sha256,
                uploaded_by_name,
                uploaded_at,
            )| UploadView {
                id,
                material_code: mats.get(&material_id).cloned().unwrap_or_default(),
                filename,
                content_type,
                size_bytes,
                sha256,
                uploaded_by_name,
                uploaded_at,
            },
        )
        .collect())
}

/// A file's name, type and bytes, if the caller may see its case item.
///
/// # Errors
/// [`AppError::NotFound`] when absent or outside scope.
pub async fn download<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    id: i64,
) -> AppResult<(String, String, Vec<u8>)> {
    let u = upload::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    crate::cases::get(db, actor, u.case_item_id).await?;
    Ok((u.filename, u.content_type, u.data))
}
