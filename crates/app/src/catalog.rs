//! The item catalog (审批事项目录): what each approval item is, who handles it, its type and
//! limits, its materials and prerequisites.
//!
//! Rows are immutable revisions. An administrator's edit inserts the next revision and makes it
//! current; open case items keep pointing at the revision they were opened with, so a change
//! never rewrites what an enterprise was told. The default catalog ships in
//! `data/catalog/default.toml`.

use crate::App;
use crate::actor::{Actor, Meta};
use crate::audit::{self, ActorRef, Change};
use crate::error::{AppError, AppResult, Checks, FieldError, Msg, forbidden};
use daiban_domain::case_item::RequiredMaterial;
use daiban_domain::clock::ItemType;
use daiban_domain::project::ProjectStage;
use daiban_domain::role::Role;
use daiban_store::entity::{catalog_item, unit};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder,
};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The default catalog, embedded in the binary.
pub const DEFAULT_CATALOG_TOML: &str = include_str!("../../../data/catalog/default.toml");

/// How a material is handed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MaterialFormat {
    /// 原件.
    Original,
    /// 复印件.
    Copy,
    /// 原件及复印件.
    OriginalAndCopy,
    /// 电子件.
    Electronic,
}

impl MaterialFormat {
    /// Chinese label.
    pub const fn label_zh(self) -> &'static str {
        match self {
            Self::Original => "原件",
            Self::Copy => "复印件",
            Self::OriginalAndCopy => "原件及复印件",
            Self::Electronic => "电子件",
        }
    }

    /// English label.
    pub const fn label_en(self) -> &'static str {
        match self {
            Self::Original => "original",
            Self::Copy => "copy",
            Self::OriginalAndCopy => "original and copy",
            Self::Electronic => "electronic",
        }
    }
}

/// One material an item requires.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MaterialSpec {
    /// Code, unique within the item.
    pub code: String,
    /// Name.
    pub name: String,
    /// How it is handed in.
    pub format: MaterialFormat,
    /// Number of copies.
    pub copies: u32,
    /// Where to obtain it.
    pub source: String,
    /// May be deferred (容缺受理).
    #[serde(default)]
    pub deferrable: bool,
    /// May be replaced by a written promise (告知承诺).
    #[serde(default)]
    pub promise_allowed: bool,
}

impl MaterialSpec {
    /// The domain's view of it.
    pub fn required(&self) -> RequiredMaterial {
        RequiredMaterial {
            code: self.code.clone(),
            name: self.name.clone(),
            deferrable: self.deferrable,
            promise_allowed: self.promise_allowed,
        }
    }
}

/// One item as written in a catalog file (department codes, not ids).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ItemSpec {
    /// Item code.
    pub code: String,
    /// Chinese name.
    pub name: String,
    /// English name.
    #[serde(default)]
    pub name_en: String,
    /// Lead department's unit code.
    pub department: String,
    /// `immediate`, `committed`, `upward` or `joint`.
    #[serde(rename = "type")]
    pub item_type: String,
    /// Co-departments' unit codes (joint items).
    #[serde(default)]
    pub co_departments: Vec<String>,
    /// Statutory limit in working days, if the law sets one.
    #[serde(default)]
    pub statutory_limit_days: Option<u32>,
    /// Committed limit in working days (0 for immediate items).
    pub committed_limit_days: u32,
    /// Upward items: working days to report up.
    #[serde(default)]
    pub report_up_limit_days: Option<u32>,
    /// Yellow at this many working days left.
    #[serde(default)]
    pub warning_threshold_days: Option<u32>,
    /// `sourced` or `estimated`.
    pub limits_source: String,
    /// Where the limits come from.
    #[serde(default)]
    pub source_note: String,
    /// Legal basis.
    #[serde(default)]
    pub legal_basis: String,
    /// Project stage code.
    pub stage: String,
    /// Item codes to conclude first.
    #[serde(default)]
    pub prerequisites: Vec<String>,
    /// When the item applies; empty for always.
    #[serde(default)]
    pub applies_when: String,
    /// Fees.
    #[serde(default)]
    pub fee: String,
    /// Required materials.
    #[serde(default, rename = "material")]
    pub materials: Vec<MaterialSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogHeader {
    version: u32,
    title: String,
    #[serde(default)]
    title_en: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    effective: String,
    #[serde(default)]
    notes: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogFile {
    catalog: CatalogHeader,
    item: Vec<ItemSpec>,
}

/// One revision of a catalog item as clients see it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CatalogItemView {
    /// Row id of this revision (case items point at it).
    pub id: i64,
    /// Item code.
    pub code: String,
    /// Revision, from 1.
    pub revision: i32,
    /// Whether new case items use this revision.
    pub current: bool,
    /// Chinese name.
    pub name: String,
    /// English name.
    pub name_en: String,
    /// Lead department id.
    pub department_id: i64,
    /// Type code.
    pub item_type: String,
    /// Co-department ids (joint items).
    pub co_departments: Vec<i64>,
    /// Statutory limit, working days.
    pub statutory_limit_days: Option<i32>,
    /// Committed limit, working days.
    pub committed_limit_days: i32,
    /// Upward items: working days to report up.
    pub report_up_limit_days: Option<i32>,
    /// Yellow threshold, working days.
    pub warning_threshold_days: i32,
    /// `sourced` or `estimated` (a default to review).
    pub limits_source: String,
    /// Where the limits come from.
    pub source_note: String,
    /// Legal basis.
    pub legal_basis: String,
    /// Stage code.
    pub stage: String,
    /// Prerequisite item codes.
    pub prerequisites: Vec<String>,
    /// When the item applies.
    pub applies_when: String,
    /// Fees.
    pub fee: String,
    /// Required materials.
    pub materials: Vec<MaterialSpec>,
    /// Where the revision came from (`default`, `admin`).
    pub origin: String,
    /// Why it was changed.
    pub change_note: String,
    /// When the revision was made.
    pub created_at: chrono::DateTime<chrono::Utc>,
}

fn json_list<T: for<'de> Deserialize<'de>>(s: &str) -> AppResult<Vec<T>> {
    serde_json::from_str(s).map_err(|e| AppError::Unexpected(anyhow::anyhow!("catalog JSON: {e}")))
}

impl TryFrom<catalog_item::Model> for CatalogItemView {
    type Error = AppError;
    fn try_from(m: catalog_item::Model) -> AppResult<Self> {
        Ok(Self {
            co_departments: json_list(&m.co_departments)?,
            prerequisites: json_list(&m.prerequisites)?,
            materials: json_list(&m.materials)?,
            id: m.id,
            code: m.code,
            revision: m.revision,
            current: m.current,
            name: m.name,
            name_en: m.name_en,
            department_id: m.department_id,
            item_type: m.item_type,
            statutory_limit_days: m.statutory_limit_days,
            committed_limit_days: m.committed_limit_days,
            report_up_limit_days: m.report_up_limit_days,
            warning_threshold_days: m.warning_threshold_days,
            limits_source: m.limits_source,
            source_note: m.source_note,
            legal_basis: m.legal_basis,
            stage: m.stage,
            applies_when: m.applies_when,
            fee: m.fee,
            origin: m.origin,
            change_note: m.change_note,
            created_at: m.created_at,
        })
    }
}

impl CatalogItemView {
    /// The item type.
    pub fn item_type(&self) -> ItemType {
        ItemType::from_code(&self.item_type).unwrap_or(ItemType::Committed)
    }

    /// The domain's view of the materials.
    pub fn required_materials(&self) -> Vec<RequiredMaterial> {
        self.materials.iter().map(MaterialSpec::required).collect()
    }

    /// The material with `code`.
    pub fn material(&self, code: &str) -> Option<&MaterialSpec> {
        self.materials.iter().find(|m| m.code == code)
    }
}

fn invalid(field: &str, code: &str, zh: String, en: String) -> FieldError {
    FieldError::new(field, code, zh, en)
}

/// A validated item, ready to insert.
struct Resolved {
    spec: ItemSpec,
    item_type: ItemType,
    department_id: i64,
    co_departments: Vec<i64>,
    warning: u32,
}

/// Checks one item's own rules and resolves its department codes. `prefix` names the item in
/// messages (`item[XH-FGW-001].`); `known_codes` are the item codes prerequisites may name.
fn resolve(
    spec: ItemSpec,
    departments: &BTreeMap<String, i64>,
    known_codes: &BTreeSet<String>,
    checks: &mut Checks,
) -> Option<Resolved> {
    let before = checks.0.len();
    let p = format!("item[{}].", spec.code);
    let f = |name: &str| format!("{p}{name}");
    if spec.code.trim().is_empty() {
        checks.push(FieldError::required("code", "事项编码"));
    }
    if spec.name.trim().is_empty() {
        checks.push(FieldError::required(&f("name"), "事项名称"));
    }
    let item_type = ItemType::from_code(&spec.item_type);
    if item_type.is_none() {
        checks.push(invalid(
            &f("type"),
            "unknown_type",
            format!(
                "事项类型“{}”无效，应为 immediate、committed、upward 或 joint",
                spec.item_type
            ),
            format!(
                "item type {:?} must be immediate, committed, upward or joint",
                spec.item_type
            ),
        ));
    }
    let department_id = departments.get(&spec.department).copied();
    if department_id.is_none() {
        checks.push(invalid(
            &f("department"),
            "unknown_department",
            format!("承办部门“{}”不存在或不是职能部门", spec.department),
            format!(
                "department {:?} does not exist or is not a department",
                spec.department
            ),
        ));
    }
    let mut co = Vec::new();
    for c in &spec.co_departments {
        match departments.get(c) {
            Some(id) if *c != spec.department => co.push(*id),
            Some(_) => checks.push(invalid(
                &f("co_departments"),
                "lead_in_co",
                "协办部门不能包含牵头部门".into(),
                "co-departments must not include the lead department".into(),
            )),
            None => checks.push(invalid(
                &f("co_departments"),
                "unknown_department",
                format!("协办部门“{c}”不存在"),
                format!("co-department {c:?} does not exist"),
            )),
        }
    }
    match item_type {
        Some(ItemType::Joint) if co.is_empty() => checks.push(invalid(
            &f("co_departments"),
            "joint_needs_co",
            "联办件须列出协办部门".into(),
            "a joint item must list its co-departments".into(),
        )),
        Some(t) if t != ItemType::Joint && !spec.co_departments.is_empty() => {
            checks.push(invalid(
                &f("co_departments"),
                "co_only_joint",
                "只有联办件有协办部门".into(),
                "only joint items have co-departments".into(),
            ));
        }
        Some(ItemType::Immediate) if spec.committed_limit_days != 0 => checks.push(invalid(
            &f("committed_limit_days"),
            "immediate_same_day",
            "即办件的承诺时限为 0（当日办结）".into(),
            "an immediate item's committed limit is 0 (the same working day)".into(),
        )),
        Some(ItemType::Upward) if spec.report_up_limit_days.is_none() => checks.push(invalid(
            &f("report_up_limit_days"),
            "upward_needs_report_limit",
            "上报件须设定上报时限".into(),
            "an upward item needs a report-up limit".into(),
        )),
        _ => {}
    }
    if item_type != Some(ItemType::Upward) && spec.report_up_limit_days.is_some() {
        checks.push(invalid(
            &f("report_up_limit_days"),
            "report_only_upward",
            "只有上报件有上报时限".into(),
            "only upward items have a report-up limit".into(),
        ));
    }
    if let Some(s) = spec.statutory_limit_days
        && spec.committed_limit_days > s
    {
        checks.push(invalid(
            &f("committed_limit_days"),
            "committed_over_statutory",
            format!(
                "承诺时限 {} 个工作日超过法定时限 {s} 个工作日",
                spec.committed_limit_days
            ),
            format!(
                "the committed limit ({} working days) exceeds the statutory limit ({s})",
                spec.committed_limit_days
            ),
        ));
    }
    if !matches!(spec.limits_source.as_str(), "sourced" | "estimated") {
        checks.push(invalid(
            &f("limits_source"),
            "unknown_limits_source",
            "时限来源应为 sourced 或 estimated".into(),
            "limits_source must be sourced or estimated".into(),
        ));
    }
    if ProjectStage::from_code(&spec.stage).is_none() {
        checks.push(invalid(
            &f("stage"),
            "unknown_stage",
            format!("阶段“{}”无效", spec.stage),
            format!("unknown stage {:?}", spec.stage),
        ));
    }
    for pre in &spec.prerequisites {
        if !known_codes.contains(pre) || *pre == spec.code {
            checks.push(invalid(
                &f("prerequisites"),
                "unknown_prerequisite",
                format!("前置事项“{pre}”不存在"),
                format!("prerequisite {pre:?} does not exist"),
            ));
        }
    }
    if spec.materials.is_empty() {
        checks.push(invalid(
            &f("materials"),
            "no_materials",
            "事项须列出申请材料".into(),
            "an item must list its materials".into(),
        ));
    }
    let mut seen = BTreeSet::new();
    for m in &spec.materials {
        if m.code.trim().is_empty() || m.name.trim().is_empty() {
            checks.push(invalid(
                &f("materials"),
                "material_incomplete",
                "材料的编码和名称不能为空".into(),
                "every material needs a code and a name".into(),
            ));
        }
        if !seen.insert(m.code.clone()) {
            checks.push(invalid(
                &f("materials"),
                "duplicate_material",
                format!("材料编码“{}”重复", m.code),
                format!("material code {:?} is listed twice", m.code),
            ));
        }
        if m.copies == 0 {
            checks.push(invalid(
                &f("materials"),
                "copies",
                format!("材料“{}”的份数至少为 1", m.name),
                format!("material {:?} needs at least 1 copy", m.name),
            ));
        }
    }
    if checks.0.len() > before {
        return None;
    }
    let warning = spec
        .warning_threshold_days
        .unwrap_or(daiban_domain::clock::DEFAULT_WARNING_THRESHOLD_DAYS);
    Some(Resolved {
        item_type: item_type?,
        department_id: department_id?,
        co_departments: co,
        warning,
        spec,
    })
}

/// Prerequisites must form no cycle: returns the codes on one, if any.
fn find_cycle(edges: &BTreeMap<String, Vec<String>>) -> Option<Vec<String>> {
    fn visit(
        n: &str,
        edges: &BTreeMap<String, Vec<String>>,
        state: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        match state.get(n) {
            Some(2) => return None,
            Some(1) => {
                let from = stack.iter().position(|s| s == n).unwrap_or(0);
                return Some(stack[from..].to_vec());
            }
            _ => {}
        }
        state.insert(n.to_owned(), 1);
        stack.push(n.to_owned());
        for m in edges.get(n).into_iter().flatten() {
            if let Some(c) = visit(m, edges, state, stack) {
                return Some(c);
            }
        }
        stack.pop();
        state.insert(n.to_owned(), 2);
        None
    }
    let mut state = BTreeMap::new();
    let mut stack = Vec::new();
    edges
        .keys()
        .find_map(|n| visit(n, edges, &mut state, &mut stack))
}

async fn department_codes<C: ConnectionTrait>(db: &C) -> AppResult<BTreeMap<String, i64>> {
    Ok(unit::Entity::find()
        .filter(unit::Column::Kind.eq("department"))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.code, u.id))
        .collect())
}

fn to_json<T: Serialize>(v: &T) -> AppResult<String> {
    serde_json::to_string(v).map_err(|e| AppError::Unexpected(e.into()))
}

fn active_model(
    r: &Resolved,
    revision: i32,
    origin: &str,
    change_note: &str,
    created_by: Option<i64>,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<catalog_item::ActiveModel> {
    let s = &r.spec;
    let days = |d: u32| i32::try_from(d).unwrap_or(i32::MAX);
    Ok(catalog_item::ActiveModel {
        code: Set(s.code.trim().to_owned()),
        revision: Set(revision),
        current: Set(true),
        name: Set(s.name.trim().to_owned()),
        name_en: Set(s.name_en.trim().to_owned()),
        department_id: Set(r.department_id),
        item_type: Set(r.item_type.code().to_owned()),
        co_departments: Set(to_json(&r.co_departments)?),
        statutory_limit_days: Set(s.statutory_limit_days.map(days)),
        committed_limit_days: Set(days(s.committed_limit_days)),
        report_up_limit_days: Set(s.report_up_limit_days.map(days)),
        warning_threshold_days: Set(days(r.warning)),
        limits_source: Set(s.limits_source.clone()),
        source_note: Set(s.source_note.clone()),
        legal_basis: Set(s.legal_basis.clone()),
        stage: Set(s.stage.clone()),
        prerequisites: Set(to_json(&s.prerequisites)?),
        applies_when: Set(s.applies_when.clone()),
        fee: Set(s.fee.clone()),
        materials: Set(to_json(&s.materials)?),
        origin: Set(origin.to_owned()),
        change_note: Set(change_note.to_owned()),
        created_by: Set(created_by),
        created_at: Set(now),
        ..Default::default()
    })
}

/// Loads a catalog file: every item whose code is not yet in the database becomes revision 1.
/// Items already present are left alone (an administrator may have revised them). Returns the
/// number of items added.
///
/// # Errors
/// [`AppError::Invalid`] listing every broken rule of the file (unknown department codes,
/// limits, prerequisites, cycles); nothing is written then.
pub async fn load_file<C: ConnectionTrait>(
    txn: &C,
    now: chrono::DateTime<chrono::Utc>,
    who: &ActorRef,
    meta: &Meta,
    toml_text: &str,
) -> AppResult<usize> {
    let file: CatalogFile = toml::from_str(toml_text).map_err(|e| {
        AppError::Invalid(vec![FieldError::new(
            "catalog",
            "parse",
            format!("事项目录文件格式错误：{e}"),
            format!("the catalog file does not parse: {e}"),
        )])
    })?;
    let departments = department_codes(txn).await?;
    let existing: BTreeSet<String> = catalog_item::Entity::find()
        .filter(catalog_item::Column::Current.eq(true))
        .all(txn)
        .await?
        .into_iter()
        .map(|m| m.code)
        .collect();
    let mut known: BTreeSet<String> = file.item.iter().map(|i| i.code.clone()).collect();
    known.extend(existing.iter().cloned());
    let mut checks = Checks::default();
    let mut edges = BTreeMap::new();
    let mut resolved = Vec::new();
    for spec in file.item {
        if edges.contains_key(&spec.code) {
            checks.push(invalid(
                "item",
                "duplicate_code",
                format!("事项编码“{}”重复", spec.code),
                format!("item code {:?} is listed twice", spec.code),
            ));
        } else {
            edges.insert(spec.code.clone(), spec.prerequisites.clone());
        }
        if let Some(r) = resolve(spec, &departments, &known, &mut checks) {
            resolved.push(r);
        }
    }
    if let Some(cycle) = find_cycle(&edges) {
        checks.push(invalid(
            "prerequisites",
            "cycle",
            format!("前置事项构成循环：{}", cycle.join(" → ")),
            format!("prerequisites form a cycle: {}", cycle.join(" → ")),
        ));
    }
    checks.finish()?;
    let origin = format!("default v{}", file.catalog.version);
    let mut added = 0;
    for r in resolved.iter().filter(|r| !existing.contains(&r.spec.code)) {
        catalog_item::Entity::insert(active_model(r, 1, &origin, "", who.id, now)?)
            .exec_without_returning(txn)
            .await?;
        added += 1;
    }
    audit::append(
        txn,
        now,
        who,
        meta,
        Change {
            action: "catalog.load",
            object_type: "catalog",
            object_id: origin.clone(),
            before: None,
            after: Some(serde_json::json!({
                "title": file.catalog.title,
                "title_en": file.catalog.title_en,
                "region": file.catalog.region,
                "effective": file.catalog.effective,
                "notes": file.catalog.notes,
                "items_added": added,
            })),
        },
    )
    .await?;
    Ok(added)
}

/// The administrator loads the default catalog (items already present are kept).
///
/// # Errors
/// [`AppError::Forbidden`] for other roles; as [`load_file`].
pub async fn load_default(app: &App, actor: &Actor, meta: &Meta) -> AppResult<usize> {
    if !actor.is(Role::Admin) {
        return Err(forbidden());
    }
    let w = app.begin_write().await?;
    let n = load_file(&w.txn, app.now(), &actor.into(), meta, DEFAULT_CATALOG_TOML).await?;
    w.commit().await?;
    Ok(n)
}

/// Filters of the catalog list.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct CatalogFilter {
    /// Stage code.
    pub stage: Option<String>,
    /// Department id.
    pub department: Option<i64>,
    /// Text in the name or code.
    pub q: Option<String>,
}

/// The current revision of every item, by stage then code. The catalog is the public service
/// guide: every signed-in user may read it.
///
/// # Errors
/// Database failure.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    filter: &CatalogFilter,
) -> AppResult<Vec<CatalogItemView>> {
    let mut q = catalog_item::Entity::find().filter(catalog_item::Column::Current.eq(true));
    if let Some(d) = filter.department {
        q = q.filter(catalog_item::Column::DepartmentId.eq(d));
    }
    if let Some(s) = filter.stage.as_deref().filter(|s| !s.is_empty()) {
        q = q.filter(catalog_item::Column::Stage.eq(s));
    }
    if let Some(s) = filter.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        use sea_orm::sea_query::ExprTrait;
        q = q.filter(
            catalog_item::Column::Name
                .contains(s)
                .or(catalog_item::Column::Code.contains(s)),
        );
    }
    let mut items = q
        .order_by_asc(catalog_item::Column::Code)
        .all(db)
        .await?
        .into_iter()
        .map(CatalogItemView::try_from)
        .collect::<AppResult<Vec<_>>>()?;
    items.sort_by_key(|i| {
        (
            ProjectStage::from_code(&i.stage).map_or(usize::MAX, ProjectStage::index),
            i.code.clone(),
        )
    });
    Ok(items)
}

/// Every revision of the item `code`, newest first.
///
/// # Errors
/// [`AppError::NotFound`] for an unknown code.
pub async fn revisions<C: ConnectionTrait>(db: &C, code: &str) -> AppResult<Vec<CatalogItemView>> {
    let rows = catalog_item::Entity::find()
        .filter(catalog_item::Column::Code.eq(code))
        .order_by_desc(catalog_item::Column::Revision)
        .all(db)
        .await?;
    if rows.is_empty() {
        return Err(AppError::NotFound);
    }
    rows.into_iter().map(CatalogItemView::try_from).collect()
}

/// The current revision of `code`.
///
/// # Errors
/// [`AppError::NotFound`] for an unknown code.
pub async fn current<C: ConnectionTrait>(db: &C, code: &str) -> AppResult<CatalogItemView> {
    catalog_item::Entity::find()
        .filter(catalog_item::Column::Code.eq(code))
        .filter(catalog_item::Column::Current.eq(true))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?
        .try_into()
}

/// One revision by row id.
///
/// # Errors
/// [`AppError::NotFound`].
pub async fn revision<C: ConnectionTrait>(db: &C, id: i64) -> AppResult<CatalogItemView> {
    catalog_item::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?
        .try_into()
}

/// Number of current items.
///
/// # Errors
/// Database failure.
pub async fn count<C: ConnectionTrait>(db: &C) -> AppResult<u64> {
    Ok(catalog_item::Entity::find()
        .filter(catalog_item::Column::Current.eq(true))
        .count(db)
        .await?)
}

/// An administrator's edit of an item: the whole new content, the revision it was based on, and
/// why it changed.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct ItemRevisionInput {
    /// The revision the edit starts from (optimistic concurrency).
    pub base_revision: i32,
    /// Why it changed (shown in the history).
    pub change_note: String,
    /// The new content; `code` must equal the item's code.
    pub item: ItemSpec,
}

/// Publishes a new revision of an item. Open case items keep their revision.
///
/// # Errors
/// [`AppError::Forbidden`] for non-administrators; [`AppError::NotFound`]; [`AppError::Conflict`]
/// when `base_revision` is not the current one; [`AppError::Invalid`] for broken rules.
pub async fn revise(
    app: &App,
    actor: &Actor,
    code: &str,
    input: ItemRevisionInput,
    meta: &Meta,
) -> AppResult<CatalogItemView> {
    if !actor.is(Role::Admin) {
        return Err(forbidden());
    }
    let w = app.begin_write().await?;
    let before = current(&w.txn, code).await?;
    if before.revision != input.base_revision {
        return Err(crate::error::version_conflict());
    }
    let mut checks = Checks::default();
    if input.item.code != code {
        checks.push(invalid(
            "item.code",
            "code_changed",
            "事项编码不可修改".into(),
            "the item code cannot change".into(),
        ));
    }
    let note = checks.text("change_note", "修订说明", &input.change_note, 500);
    let departments = department_codes(&w.txn).await?;
    let all = catalog_item::Entity::find()
        .filter(catalog_item::Column::Current.eq(true))
        .all(&w.txn)
        .await?;
    let known: BTreeSet<String> = all.iter().map(|m| m.code.clone()).collect();
    let mut edges: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for m in &all {
        edges.insert(m.code.clone(), json_list(&m.prerequisites)?);
    }
    edges.insert(code.to_owned(), input.item.prerequisites.clone());
    let resolved = resolve(input.item, &departments, &known, &mut checks);
    if let Some(cycle) = find_cycle(&edges) {
        checks.push(invalid(
            "item.prerequisites",
            "cycle",
            format!("前置事项构成循环：{}", cycle.join(" → ")),
            format!("prerequisites form a cycle: {}", cycle.join(" → ")),
        ));
    }
    checks.finish()?;
    let Some(resolved) = resolved else {
        return Err(AppError::Invalid(Vec::new()));
    };
    catalog_item::Entity::update_many()
        .col_expr(
            catalog_item::Column::Current,
            sea_orm::sea_query::Expr::value(false),
        )
        .filter(catalog_item::Column::Id.eq(before.id))
        .exec(&w.txn)
        .await?;
    let now = app.now();
    let id = catalog_item::Entity::insert(active_model(
        &resolved,
        before.revision + 1,
        "admin",
        &note,
        Some(actor.user_id),
        now,
    )?)
    .exec(&w.txn)
    .await?
    .last_insert_id;
    let after = revision(&w.txn, id).await?;
    audit::append(
        &w.txn,
        now,
        &actor.into(),
        meta,
        Change {
            action: "catalog.revise",
            object_type: "catalog_item",
            object_id: code.to_owned(),
            before: Some(audit::snapshot(&before)?),
            after: Some(audit::snapshot(&after)?),
        },
    )
    .await?;
    w.commit().await?;
    Ok(after)
}

/// The message for an item code that is not in the catalog.
pub fn unknown_item(code: &str) -> FieldError {
    FieldError::new(
        "item_code",
        "unknown_item",
        format!("事项目录中没有编码为“{code}”的事项"),
        format!("the catalog has no item {code:?}"),
    )
}

/// A short bilingual label of an item type.
pub fn type_label(t: ItemType) -> Msg {
    Msg::new(t.label_zh(), t.label_en())
}
