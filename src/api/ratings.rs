//! `/api/v1/cycles/{id}/ratings`: ratings per form of service and criterion, the council's
//! approvals that freeze them, and their exports as CSV and XLSX.
//!
//! An approval's snapshot never changes, so everything rendered from it is kept: the parsed
//! snapshot and each page, keyed by the approval's id. Only the cycle row is read per request,
//! to check who may see what.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::conditional::{fingerprint, hashed_etag, is_not_modified, not_modified, IfMatch};
use super::cycles;
use super::download::{file, negotiate, workbook_error};
use super::extract::ApiJson;
use super::request_id::RequestId;
use super::{parse_filter, timestamp, ListFilterErrors};
use crate::auth::policy::{self, Rule};
use crate::auth::Caller;
use crate::db::approvals::{self as store, ApprovalRow, NewApproval};
use crate::db::audit::{self, Actor, Change};
use crate::db::cycles::{self as cycle_store, CycleRow};
use crate::db::{Db, DbConnection};
use crate::domain::cycle::{self as cycle_rules, CouncilDecision, CycleStatus};
use crate::domain::methodology::{self, Methodology};
use crate::domain::organization::ServiceForm;
use crate::domain::rating::{self, Placed, RatingCriterion, Snapshot};
use crate::domain::status::StatusMachine;
use crate::error::{ApiError, ApiResult};
use crate::export::{Cell, Sheet};
use crate::openapi::{
    BadRequest, Conflict, Forbidden, NotAcceptable, NotFound, PayloadTooLarge, PreconditionFailed,
    UnsupportedMediaType, ValidationFailed,
};

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(read)
        .service(export_ratings)
        .service(export_results)
        .service(list_approvals)
        .service(approve);
}

/// Parsed snapshots and rendered pages of approvals. Both are immutable, so an entry is never
/// stale; the maps are only bounded (cleared when full: hot entries come back at once).
pub struct RatingCache {
    capacity: usize,
    snapshots: Mutex<HashMap<i64, (ApprovalRow, Arc<Snapshot>)>>,
    pages: Mutex<HashMap<String, Bytes>>,
    /// Cycle → its published approval, as last read, for anonymous readers: they are answered
    /// from memory (no database, no blocking thread) for `PUBLISHED_FRESH` after a read. A new
    /// publication reaches them that much later at most; their answers may be cached for
    /// `NOK_PUBLIC_MAX_AGE` anyway.
    published: Mutex<HashMap<i64, (i64, Instant)>>,
}

const PUBLISHED_FRESH: Duration = Duration::from_secs(1);

impl RatingCache {
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity,
            snapshots: Mutex::new(HashMap::new()),
            pages: Mutex::new(HashMap::new()),
            published: Mutex::new(HashMap::new()),
        }
    }

    /// The cycle's published approval if read less than `PUBLISHED_FRESH` ago.
    fn published(&self, cycle_id: i64) -> Option<i64> {
        lock(&self.published)
            .get(&cycle_id)
            .filter(|(_, at)| at.elapsed() < PUBLISHED_FRESH)
            .map(|(approval, _)| *approval)
    }

    /// This instance published the cycle anew: its anonymous readers see it at once.
    pub fn forget_published(&self, cycle_id: i64) {
        lock(&self.published).remove(&cycle_id);
    }

    fn remember_published(&self, cycle_id: i64, approval_id: i64) {
        insert_bounded(
            &self.published,
            self.capacity,
            cycle_id,
            (approval_id, Instant::now()),
        );
    }

    pub fn approval(
        &self,
        conn: &mut DbConnection,
        id: i64,
    ) -> ApiResult<(ApprovalRow, Arc<Snapshot>)> {
        if let Some(hit) = lock(&self.snapshots).get(&id) {
            return Ok(hit.clone());
        }
        let loaded = (store::find(conn, id)?, Arc::new(store::snapshot(conn, id)?));
        // Snapshots are large: keep few of them.
        insert_bounded(
            &self.snapshots,
            (self.capacity / 16).max(4),
            id,
            loaded.clone(),
        );
        Ok(loaded)
    }

    fn page(&self, key: &str) -> Option<Bytes> {
        lock(&self.pages).get(key).cloned()
    }

    fn put_page(&self, key: String, page: Bytes) {
        insert_bounded(&self.pages, self.capacity, key, page);
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

fn insert_bounded<K: std::hash::Hash + Eq, V>(
    map: &Mutex<HashMap<K, V>>,
    capacity: usize,
    key: K,
    value: V,
) {
    if capacity == 0 {
        return;
    }
    let mut map = lock(map);
    if map.len() >= capacity {
        map.clear();
    }
    map.insert(key, value);
}

/// Which results a rating shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Requested {
    /// The latest approval; the published one for callers who see only published data; the
    /// current results while nothing is approved yet.
    Latest,
    Published,
    /// The results as they stand, not yet approved.
    Current,
    Number(i32),
}

impl Requested {
    fn parse(value: &str) -> Option<Self> {
        match value {
            "latest" => Some(Self::Latest),
            "published" => Some(Self::Published),
            "current" => Some(Self::Current),
            // Exactly the document's pattern: 1–9 digits, no sign, no leading zero.
            n if (1..=9).contains(&n.len())
                && !n.starts_with('0')
                && n.bytes().all(|b| b.is_ascii_digit()) =>
            {
                n.parse().ok().map(Self::Number)
            }
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    Approval(i64),
    Current,
}

/// What the rating rests on.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Basis {
    /// `approval`: a frozen snapshot the council approved; `current`: results as they stand,
    /// not approved (seen only by the cycle's own readers).
    #[schema(example = "approval")]
    pub kind: String,
    pub approval_number: Option<i32>,
    pub council_decision: Option<CouncilDecision>,
    pub approved_at: Option<DateTime<Utc>>,
}

impl Basis {
    fn of(approval: Option<&ApprovalRow>) -> Self {
        match approval {
            Some(a) => Self {
                kind: "approval".into(),
                approval_number: Some(a.number),
                council_decision: Some(CouncilDecision {
                    number: a.decision_number.clone(),
                    date: a.decision_date,
                }),
                approved_at: Some(timestamp(a.approved_at)),
            },
            None => Self {
                kind: "current".into(),
                approval_number: None,
                council_decision: None,
                approved_at: None,
            },
        }
    }
}

/// The cycle, checked under `rule` for `caller`, and the results `requested` resolves to for it.
fn resolve(
    conn: &mut DbConnection,
    cycle_id: i64,
    caller: &Caller,
    rule: &Rule,
    requested: Option<Requested>,
) -> ApiResult<(CycleRow, Source)> {
    let row = cycle_store::find(conn, cycle_id)?;
    let target = cycles::target(conn, &row, caller)?;
    cycles::check(caller, rule, &target)?;
    let insider = policy::sees_unpublished(caller, rule, &target);
    let published = || {
        row.published_approval_id
            .map(Source::Approval)
            .ok_or_else(|| {
                ApiError::NotFound(format!("Cycle {cycle_id} has no published rating yet"))
            })
    };
    let outsider = || match caller.principal() {
        None => ApiError::Unauthorized(
            "Only the published rating is public; unpublished ones need a bearer token".into(),
        ),
        Some(_) => ApiError::forbidden("Only the published rating of this cycle is visible to you"),
    };
    let source = match requested.unwrap_or(Requested::Latest) {
        Requested::Latest if insider => row
            .latest_approval_id
            .map_or(Source::Current, Source::Approval),
        Requested::Latest | Requested::Published => published()?,
        Requested::Current if insider => Source::Current,
        Requested::Current => return Err(outsider()),
        Requested::Number(n) => {
            let approval = store::find_numbered(conn, cycle_id, n)?;
            if !insider && Some(approval.id) != row.published_approval_id {
                return Err(outsider());
            }
            Source::Approval(approval.id)
        }
    };
    Ok((row, source))
}

fn methodology_of(id: &str) -> ApiResult<&'static Methodology> {
    methodology::find(id).ok_or_else(|| ApiError::internal(format!("unknown methodology {id}")))
}

/// `all` or one form of service.
fn parse_form(value: String) -> Option<Option<ServiceForm>> {
    match value.as_str() {
        "all" => Some(None),
        other => ServiceForm::parse(other).map(Some),
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RatingQuery {
    /// `all` (the region as a whole, the default) or one form of service: `stationary`,
    /// `semi_stationary`, `home_based`. Ratings are approved separately per form.
    #[param(value_type = Option<String>, pattern = "^(all|stationary|semi_stationary|home_based)$", example = "stationary")]
    pub service_form: Option<String>,
    /// `total` (the default) or a criterion code of the cycle's methodology (`K1` … `K5`).
    #[param(value_type = Option<String>, pattern = "^(total|K[1-5])$", example = "total")]
    pub criterion: Option<String>,
    /// `latest` (the default: the latest approval; for callers who see only published data,
    /// the published one; before any approval, the current results), `published`, `current`
    /// (results as they stand, for the cycle's own readers) or an approval number.
    #[param(value_type = Option<String>, pattern = "^(latest|published|current|[1-9][0-9]{0,8})$", example = "latest")]
    pub approval: Option<String>,
    /// Page size, 1–500.
    #[param(value_type = Option<i64>, minimum = 1, maximum = 500, default = 50)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    #[param(pattern = "^[0-9a-f]{1,16}$")]
    pub cursor: Option<String>,
}

/// The selection a rating request makes, parsed (the criterion once the methodology is known).
#[derive(Debug, Clone)]
struct Selection {
    form: Option<ServiceForm>,
    criterion: String,
    requested: Option<Requested>,
}

impl Selection {
    fn parse(
        errors: &mut ListFilterErrors,
        service_form: Option<String>,
        criterion: Option<String>,
        approval: Option<String>,
    ) -> Self {
        Self {
            form: parse_filter(errors, "service_form", service_form, parse_form).flatten(),
            criterion: criterion.unwrap_or_else(|| "total".into()),
            requested: parse_filter(errors, "approval", approval, |v| Requested::parse(&v)),
        }
    }

    fn criterion(&self, methodology: &Methodology) -> ApiResult<RatingCriterion> {
        RatingCriterion::parse(&self.criterion, methodology).ok_or_else(|| {
            let codes: Vec<&str> = methodology.criteria.iter().map(|c| c.code).collect();
            ApiError::bad_field(
                "criterion",
                "format",
                format!(
                    "must be `total` or one of {} (methodology {})",
                    codes.join(", "),
                    methodology.id
                ),
            )
        })
    }

    fn form_name(&self) -> &'static str {
        self.form.map_or("all", ServiceForm::as_str)
    }
}

/// A criterion's score in a rating line.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CriterionPoints {
    #[schema(example = "K1")]
    pub code: String,
    #[schema(value_type = Option<String>, example = "92")]
    pub score: Option<Decimal>,
}

/// The organization's result in its previous approved assessment, and the change since.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PreviousResult {
    pub cycle_id: i64,
    pub year: i32,
    /// Its place then, in the rating of the same form of service by the same criterion.
    pub place: Option<u32>,
    #[schema(value_type = Option<String>, example = "88.4")]
    pub score: Option<Decimal>,
    /// Score now minus score then.
    #[schema(value_type = Option<String>, example = "3.2")]
    pub score_change: Option<Decimal>,
    /// Places gained (positive) or lost (negative).
    pub place_change: Option<i64>,
}

/// One organization in a rating.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RatingItem {
    /// Competition ranking: equal scores share a place and the next place is skipped
    /// ("1, 2, 2, 4"). `null` for an organization without a score by this criterion.
    pub place: Option<u32>,
    pub organization_id: i64,
    pub short_name: String,
    /// The score the rating orders by (the total or the chosen criterion), rounded as the
    /// cycle's settings say.
    #[schema(value_type = Option<String>, example = "91.6")]
    pub score: Option<Decimal>,
    pub criteria: Vec<CriterionPoints>,
    #[schema(value_type = Option<String>, example = "91.6")]
    pub total: Option<Decimal>,
    pub previous: Option<PreviousResult>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Rating {
    pub cycle_id: i64,
    pub region_id: i64,
    pub year: i32,
    /// `all`, `stationary`, `semi_stationary` or `home_based`.
    pub service_form: String,
    /// `total` or a criterion code.
    pub criterion: String,
    /// Official wording of the criterion, or «Итоговый балл».
    pub criterion_name: String,
    pub basis: Basis,
    /// Organizations in this rating (all pages).
    pub organizations: u64,
    /// The region's figure by the cycle's `region_total` setting (by default the mean of the
    /// organizations' unrounded scores), rounded as the settings say.
    #[schema(value_type = Option<String>, example = "87.35")]
    pub region_score: Option<Decimal>,
    pub items: Vec<RatingItem>,
    /// Cursor of the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

const TOTAL_NAME: &str = "Итоговый балл";

fn criterion_name(methodology: &Methodology, criterion: &RatingCriterion) -> String {
    match criterion {
        RatingCriterion::Total => TOTAL_NAME.into(),
        RatingCriterion::Criterion(i) => methodology.criteria[*i].name.into(),
    }
}

/// Earlier snapshots the entries' changes refer to, by approval id.
fn earlier(
    conn: &mut DbConnection,
    cache: &RatingCache,
    snapshot: &Snapshot,
) -> ApiResult<HashMap<i64, Arc<Snapshot>>> {
    let mut found = HashMap::new();
    for entry in &snapshot.entries {
        if let Some(previous) = entry.previous {
            if let std::collections::hash_map::Entry::Vacant(slot) =
                found.entry(previous.approval_id)
            {
                slot.insert(cache.approval(conn, previous.approval_id)?.1);
            }
        }
    }
    Ok(found)
}

/// Places and scores of each earlier snapshot's rating for the same form and criterion.
type EarlierPlaces = HashMap<i64, HashMap<i64, (Option<u32>, Option<Decimal>)>>;

fn earlier_places(
    earlier: &HashMap<i64, Arc<Snapshot>>,
    form: Option<ServiceForm>,
    code: &str,
) -> EarlierPlaces {
    earlier
        .iter()
        .filter_map(|(id, snapshot)| {
            let methodology = methodology::find(&snapshot.methodology_id)?;
            let criterion = RatingCriterion::parse(code, methodology)?;
            Some((
                *id,
                rating::places(&rating::rank(snapshot, form, &criterion)),
            ))
        })
        .collect()
}

fn item(line: &Placed<'_>, methodology: &Methodology, previous: &EarlierPlaces) -> RatingItem {
    let entry = line.entry;
    let previous = entry.previous.and_then(|p| {
        let (place, score) = *previous.get(&p.approval_id)?.get(&entry.organization_id)?;
        Some(PreviousResult {
            cycle_id: p.cycle_id,
            year: p.year,
            place,
            score,
            score_change: line
                .score
                .zip(score)
                .map(|(now, then)| (now - then).normalize()),
            place_change: line
                .place
                .zip(place)
                .map(|(now, then)| i64::from(then) - i64::from(now)),
        })
    });
    RatingItem {
        place: line.place,
        organization_id: entry.organization_id,
        short_name: entry.short_name.clone(),
        score: line.score,
        criteria: methodology
            .criteria
            .iter()
            .zip(&entry.results.criteria)
            .map(|(c, r)| CriterionPoints {
                code: c.code.into(),
                score: r.rounded,
            })
            .collect(),
        total: entry.results.total_rounded,
        previous,
    }
}

/// The region's figure over a rating's unrounded scores.
fn region_score(
    lines: &[Placed<'_>],
    criterion: &RatingCriterion,
    snapshot: &Snapshot,
) -> Option<Decimal> {
    let scores: Vec<(Decimal, u64)> = lines
        .iter()
        .filter_map(|l| {
            let exact = match criterion {
                RatingCriterion::Total => l.entry.results.total,
                RatingCriterion::Criterion(i) => {
                    l.entry.results.criteria.get(*i).and_then(|c| c.value)
                }
            };
            exact.map(|e| (e, l.entry.respondents))
        })
        .collect();
    rating::region_total(&scores, snapshot.settings.region_total, &snapshot.settings)
}

struct Page {
    after: usize,
    limit: usize,
}

#[allow(clippy::too_many_arguments)]
fn render(
    conn: &mut DbConnection,
    cache: &RatingCache,
    cycle: &CycleRow,
    approval: Option<&ApprovalRow>,
    snapshot: &Snapshot,
    selection: &Selection,
    page: &Page,
) -> ApiResult<Vec<u8>> {
    let methodology = methodology_of(&snapshot.methodology_id)?;
    let criterion = selection.criterion(methodology)?;
    let lines = rating::rank(snapshot, selection.form, &criterion);
    let earlier = earlier(conn, cache, snapshot)?;
    let previous = earlier_places(&earlier, selection.form, &criterion.code(methodology));
    let end = page.after.saturating_add(page.limit).min(lines.len());
    let items = lines
        .get(page.after..end)
        .unwrap_or_default()
        .iter()
        .map(|line| item(line, methodology, &previous))
        .collect();
    let next_cursor = (end < lines.len()).then(|| {
        crate::domain::paging::Cursor {
            after_id: end as i64,
        }
        .encode()
    });
    let body = Rating {
        cycle_id: cycle.id,
        region_id: cycle.region_id,
        year: cycle.year,
        service_form: selection.form_name().into(),
        criterion: criterion.code(methodology),
        criterion_name: criterion_name(methodology, &criterion),
        basis: Basis::of(approval),
        organizations: lines.len() as u64,
        region_score: region_score(&lines, &criterion, snapshot),
        items,
        next_cursor,
    };
    serde_json::to_vec(&body).map_err(ApiError::internal)
}

#[utoipa::path(
    operation_id = "get_rating",
    summary = "Read the ratings of a cycle",
    tag = "ratings",
    params(("id" = i64, Path, description = "Cycle id"), RatingQuery,
           ("If-None-Match" = Option<String>, Header, description = "ETag of a cached copy; answers 304 if it is current")),
    responses(
        (status = 200, description = "Organizations ordered by score, highest first, with places, criteria and the change against each organization's previous approved result in the region", body = Rating, headers(("ETag" = String))),
        (status = 304, description = "The cached copy named by `If-None-Match` is current"),
        (status = 400, response = BadRequest),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[get("/cycles/{id}/ratings")]
async fn read(
    caller: Caller,
    req: HttpRequest,
    db: web::Data<Db>,
    cache: web::Data<RatingCache>,
    id: web::Path<i64>,
    query: web::Query<RatingQuery>,
) -> ApiResult<HttpResponse> {
    let cycle_id = id.into_inner();
    let query = query.into_inner();
    let mut errors = ListFilterErrors::default();
    let (after, limit) = errors.paging(query.limit.as_deref(), query.cursor.as_deref());
    let selection = Selection::parse(
        &mut errors,
        query.service_form,
        query.criterion,
        query.approval,
    );
    errors.into_result()?;
    let page = Page {
        after: usize::try_from(after).unwrap_or(usize::MAX),
        limit: usize::try_from(limit).unwrap_or(0),
    };
    let cache = cache.into_inner();
    // Anonymous readers of a published rating: answered from memory when it is all there.
    let anonymous = caller.principal().is_none()
        && matches!(
            selection.requested,
            None | Some(Requested::Latest | Requested::Published)
        );
    if anonymous {
        if let Some(approval_id) = cache.published(cycle_id) {
            let key = page_key(approval_id, &selection, &page);
            let tag = page_tag(&key);
            if is_not_modified(&req, &tag) {
                return Ok(not_modified(tag));
            }
            if let Some(body) = cache.page(&key) {
                return Ok(HttpResponse::Ok()
                    .insert_header((header::ETAG, tag))
                    .content_type("application/json")
                    .body(body));
            }
        }
    }
    let (tag, body) = db
        .run(move |conn| {
            let (cycle, source) = resolve(
                conn,
                cycle_id,
                &caller,
                &policy::RATINGS_READ,
                selection.requested,
            )?;
            match source {
                Source::Approval(approval_id) => {
                    if anonymous {
                        cache.remember_published(cycle_id, approval_id);
                    }
                    let key = page_key(approval_id, &selection, &page);
                    let body = match cache.page(&key) {
                        Some(body) => body,
                        None => {
                            let (approval, snapshot) = cache.approval(conn, approval_id)?;
                            let body = Bytes::from(render(
                                conn,
                                &cache,
                                &cycle,
                                Some(&approval),
                                &snapshot,
                                &selection,
                                &page,
                            )?);
                            cache.put_page(key.clone(), body.clone());
                            body
                        }
                    };
                    Ok((page_tag(&key), body))
                }
                Source::Current => {
                    let snapshot = store::current(conn, &cycle, false)?;
                    let body = Bytes::from(render(
                        conn, &cache, &cycle, None, &snapshot, &selection, &page,
                    )?);
                    Ok((hashed_etag(&body), body))
                }
            }
        })
        .await?;
    if is_not_modified(&req, &tag) {
        return Ok(not_modified(tag));
    }
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, tag))
        .content_type("application/json")
        .body(body))
}

/// The page is a function of the approval and the selection only.
fn page_key(approval_id: i64, selection: &Selection, page: &Page) -> String {
    format!(
        "{approval_id}/{}/{}/{}/{}",
        selection.form_name(),
        selection.criterion,
        page.after,
        page.limit
    )
}

fn page_tag(key: &str) -> String {
    format!("\"a-{}-{:x}\"", env!("CARGO_PKG_VERSION"), fingerprint(key))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// `xlsx` or `csv`; without it, the `Accept` header decides (XLSX for `*/*`).
    #[param(value_type = Option<String>, pattern = "^(xlsx|csv)$", example = "xlsx")]
    pub format: Option<String>,
    /// As for the rating: `latest` (default), `published`, `current` or an approval number.
    #[param(value_type = Option<String>, pattern = "^(latest|published|current|[1-9][0-9]{0,8})$", example = "latest")]
    pub approval: Option<String>,
    /// `total` (default) or a criterion code to order by.
    #[param(value_type = Option<String>, pattern = "^(total|K[1-5])$", example = "total")]
    pub criterion: Option<String>,
}

/// Query of the results export: the same as the ratings export's, without an order.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ResultsExportQuery {
    /// `xlsx` or `csv`; without it, the `Accept` header decides (XLSX for `*/*`).
    #[param(value_type = Option<String>, pattern = "^(xlsx|csv)$", example = "xlsx")]
    pub format: Option<String>,
    /// As for the rating: `latest` (default), `published`, `current` or an approval number.
    #[param(value_type = Option<String>, pattern = "^(latest|published|current|[1-9][0-9]{0,8})$", example = "latest")]
    pub approval: Option<String>,
}

/// The snapshot a source names: an approval's (cached) or the current results.
fn snapshot_of(
    conn: &mut DbConnection,
    cache: &RatingCache,
    cycle: &CycleRow,
    source: Source,
    indicators: bool,
) -> ApiResult<(Option<ApprovalRow>, Arc<Snapshot>)> {
    Ok(match source {
        Source::Approval(id) => {
            let (approval, snapshot) = cache.approval(conn, id)?;
            (Some(approval), snapshot)
        }
        Source::Current => (None, Arc::new(store::current(conn, cycle, indicators)?)),
    })
}

/// Sheets of the rating export: the region as a whole, then each form of service.
const RATING_SHEETS: [(Option<ServiceForm>, &str); 4] = [
    (None, "Все формы обслуживания"),
    (Some(ServiceForm::Stationary), "Стационарная форма"),
    (Some(ServiceForm::SemiStationary), "Полустационарная форма"),
    (Some(ServiceForm::HomeBased), "Форма на дому"),
];

fn criterion_heading(code: &str, name: &str) -> String {
    format!("{code}. {name}, баллы")
}

fn rating_sheets(
    conn: &mut DbConnection,
    cache: &RatingCache,
    snapshot: &Snapshot,
    criterion_code: &str,
) -> ApiResult<Vec<Sheet>> {
    let methodology = methodology_of(&snapshot.methodology_id)?;
    let criterion = RatingCriterion::parse(criterion_code, methodology).ok_or_else(|| {
        ApiError::bad_field(
            "criterion",
            "format",
            format!("must be `total` or a criterion code of {}", methodology.id),
        )
    })?;
    let earlier = earlier(conn, cache, snapshot)?;
    let mut headings = vec![
        "Место в рейтинге".to_owned(),
        "Организация".into(),
        "ИНН".into(),
    ];
    headings.extend(
        methodology
            .criteria
            .iter()
            .map(|c| criterion_heading(c.code, c.name)),
    );
    headings.extend([
        TOTAL_NAME.to_owned(),
        "Изменение балла по сравнению с предыдущей оценкой".into(),
        "Изменение места в рейтинге".into(),
    ]);
    Ok(RATING_SHEETS
        .iter()
        .map(|(form, name)| {
            let previous = earlier_places(&earlier, *form, &criterion.code(methodology));
            let rows = rating::rank(snapshot, *form, &criterion)
                .iter()
                .map(|line| {
                    let item = item(line, methodology, &previous);
                    let mut row = vec![
                        item.place.map_or(Cell::Empty, |p| Cell::Integer(p.into())),
                        Cell::Text(line.entry.full_name.clone()),
                        Cell::Text(line.entry.inn.clone()),
                    ];
                    row.extend(item.criteria.iter().map(|c| Cell::from(c.score)));
                    row.push(Cell::from(item.total));
                    row.push(Cell::from(
                        item.previous.as_ref().and_then(|p| p.score_change),
                    ));
                    row.push(
                        item.previous
                            .as_ref()
                            .and_then(|p| p.place_change)
                            .map_or(Cell::Empty, Cell::Integer),
                    );
                    row
                })
                .collect();
            Sheet {
                name: (*name).into(),
                preamble: Vec::new(),
                headings: headings.clone(),
                rows,
            }
        })
        .collect())
}

#[utoipa::path(
    operation_id = "export_ratings",
    summary = "Export the ratings (XLSX or CSV)",
    tag = "ratings",
    params(("id" = i64, Path, description = "Cycle id"), ExportQuery),
    responses(
        (status = 200, description = "The ratings with official Russian headings (место в рейтинге, организация, баллы по критериям, итоговый балл): in XLSX one sheet for all organizations and one per form of service; in CSV (UTF-8 with BOM) one table whose first column names the form",
            content(
                (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
                (String = "text/csv"),
            )),
        (status = 400, response = BadRequest),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 406, response = NotAcceptable),
    ),
)]
#[get("/cycles/{id}/ratings/export")]
async fn export_ratings(
    caller: Caller,
    req: HttpRequest,
    db: web::Data<Db>,
    cache: web::Data<RatingCache>,
    id: web::Path<i64>,
    query: web::Query<ExportQuery>,
) -> ApiResult<HttpResponse> {
    let cycle_id = id.into_inner();
    let query = query.into_inner();
    let format = negotiate(&req, query.format)?;
    let requested = parse_requested(query.approval)?;
    let criterion = query.criterion.unwrap_or_else(|| "total".into());
    let cache = cache.into_inner();
    let bytes = db
        .run(move |conn| {
            let (cycle, source) =
                resolve(conn, cycle_id, &caller, &policy::RATINGS_EXPORT, requested)?;
            let (_, snapshot) = snapshot_of(conn, &cache, &cycle, source, false)?;
            let sheets = rating_sheets(conn, &cache, &snapshot, &criterion)?;
            format
                .render(&sheets, "Форма социального обслуживания")
                .map_err(workbook_error)
        })
        .await?;
    Ok(file(format, format!("rating-cycle-{cycle_id}"), bytes))
}

fn parse_requested(approval: Option<String>) -> ApiResult<Option<Requested>> {
    let mut errors = ListFilterErrors::default();
    let requested = parse_filter(&mut errors, "approval", approval, |v| Requested::parse(&v));
    errors.into_result()?;
    Ok(requested)
}

fn results_sheet(snapshot: &Snapshot) -> ApiResult<Sheet> {
    let methodology = methodology_of(&snapshot.methodology_id)?;
    let mut headings = vec![
        "Организация".to_owned(),
        "ИНН".into(),
        "Формы социального обслуживания".into(),
    ];
    let indicators: Vec<&str> = methodology
        .criteria
        .iter()
        .flat_map(|c| c.indicators.iter())
        .map(|i| {
            headings.push(format!("{}. {}, баллы", i.code, i.name));
            i.code
        })
        .collect();
    headings.extend(
        methodology
            .criteria
            .iter()
            .map(|c| criterion_heading(c.code, c.name)),
    );
    headings.push(TOTAL_NAME.into());
    let rows = snapshot
        .entries
        .iter()
        .map(|entry| {
            let forms: Vec<&str> = entry
                .service_forms
                .iter()
                .map(|f| f.official_name())
                .collect();
            let mut row = vec![
                Cell::Text(entry.full_name.clone()),
                Cell::Text(entry.inn.clone()),
                Cell::Text(forms.join(", ")),
            ];
            row.extend(indicators.iter().map(|code| {
                Cell::from(
                    entry
                        .indicators
                        .iter()
                        .find(|(c, _)| c == code)
                        .and_then(|(_, v)| *v),
                )
            }));
            row.extend(entry.results.criteria.iter().map(|c| Cell::from(c.rounded)));
            row.push(Cell::from(entry.results.total_rounded));
            row
        })
        .collect();
    Ok(Sheet {
        name: "Результаты".into(),
        preamble: Vec::new(),
        headings,
        rows,
    })
}

#[utoipa::path(
    operation_id = "export_results",
    summary = "Export the results (XLSX or CSV)",
    tag = "ratings",
    params(("id" = i64, Path, description = "Cycle id"), ResultsExportQuery),
    responses(
        (status = 200, description = "Each organization's results with official Russian headings: organization, INN, forms of service, the points of every indicator and criterion, the total",
            content(
                (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
                (String = "text/csv"),
            )),
        (status = 400, response = BadRequest),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 406, response = NotAcceptable),
    ),
)]
#[get("/cycles/{id}/results/export")]
async fn export_results(
    caller: Caller,
    req: HttpRequest,
    db: web::Data<Db>,
    cache: web::Data<RatingCache>,
    id: web::Path<i64>,
    query: web::Query<ResultsExportQuery>,
) -> ApiResult<HttpResponse> {
    let cycle_id = id.into_inner();
    let query = query.into_inner();
    let format = negotiate(&req, query.format)?;
    let requested = parse_requested(query.approval)?;
    let cache = cache.into_inner();
    let bytes = db
        .run(move |conn| {
            let (cycle, source) =
                resolve(conn, cycle_id, &caller, &policy::RESULTS_EXPORT, requested)?;
            let (_, snapshot) = snapshot_of(conn, &cache, &cycle, source, true)?;
            format
                .render(&[results_sheet(&snapshot)?], "Лист")
                .map_err(workbook_error)
        })
        .await?;
    Ok(file(format, format!("results-cycle-{cycle_id}"), bytes))
}

/// A council approval of a cycle's results and ratings.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Approval {
    pub cycle_id: i64,
    /// 1 for the first approval of the cycle, 2 after a reopening and a new approval, …
    pub number: i32,
    pub council_decision: CouncilDecision,
    /// Who recorded it.
    pub approved_by: Option<String>,
    pub approved_at: DateTime<Utc>,
    /// This is the approval anonymous readers see.
    pub published: bool,
    /// This is the cycle's latest approval.
    pub latest: bool,
}

fn shown(row: &ApprovalRow, cycle: &CycleRow) -> Approval {
    Approval {
        cycle_id: row.cycle_id,
        number: row.number,
        council_decision: CouncilDecision {
            number: row.decision_number.clone(),
            date: row.decision_date,
        },
        approved_by: row.approved_by.clone(),
        approved_at: timestamp(row.approved_at),
        published: cycle.published_approval_id == Some(row.id),
        latest: cycle.latest_approval_id == Some(row.id),
    }
}

#[utoipa::path(
    operation_id = "list_approvals",
    summary = "List the council's approvals of a cycle",
    tag = "ratings",
    params(("id" = i64, Path, description = "Cycle id")),
    responses(
        (status = 200, description = "The cycle's approvals, oldest first; callers who see only published data get the published one", body = Vec<Approval>),
        (status = 404, response = NotFound),
    ),
)]
#[get("/cycles/{id}/approvals")]
async fn list_approvals(
    caller: Caller,
    db: web::Data<Db>,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let cycle_id = id.into_inner();
    let items = db
        .run(move |conn| {
            let row = cycle_store::find(conn, cycle_id)?;
            let target = cycles::target(conn, &row, &caller)?;
            cycles::check(&caller, &policy::APPROVAL_LIST, &target)?;
            let insider = policy::sees_unpublished(&caller, &policy::APPROVAL_LIST, &target);
            Ok(store::list(conn, cycle_id)?
                .iter()
                .filter(|a| insider || row.published_approval_id == Some(a.id))
                .map(|a| shown(a, &row))
                .collect::<Vec<_>>())
        })
        .await?;
    Ok(HttpResponse::Ok().json(items))
}

#[utoipa::path(
    operation_id = "approve_ratings",
    summary = "Approve results and ratings (results_submitted → approved)",
    tag = "ratings",
    params(("id" = i64, Path, description = "Cycle id"),
           ("If-Match" = Option<String>, Header, description = "If given, the approval applies only to this ETag of the cycle")),
    request_body(content = CouncilDecision, description = "The council's decision: its number and date"),
    responses(
        (status = 201, description = "Approved: the cycle's results and ratings are frozen as approval `number`; the cycle is `approved`. Later corrections (after a reopening) need a new approval", body = Approval,
            headers(("Location" = String, description = "The approved rating"))),
        (status = 400, response = BadRequest),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 412, response = PreconditionFailed),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = ValidationFailed),
    ),
)]
#[post("/cycles/{id}/ratings/approve")]
async fn approve(
    caller: Caller,
    request_id: RequestId,
    if_match: IfMatch,
    db: web::Data<Db>,
    id: web::Path<i64>,
    body: ApiJson<CouncilDecision>,
) -> ApiResult<HttpResponse> {
    let cycle_id = id.into_inner();
    let mut decision = body.0;
    let year_of_decision = chrono::Datelike::year(&decision.date);
    let mut errors = cycle_rules::check_fields(
        cycle_rules::FIRST_YEAR,
        cycle_rules::SECTORS[0].0,
        None,
        Some(&mut decision),
    );
    for e in &mut errors {
        e.field = e.field.trim_start_matches("council_decision.").to_owned();
    }
    if !(cycle_rules::FIRST_YEAR..=cycle_rules::LAST_YEAR).contains(&year_of_decision) {
        errors.push(crate::error::FieldError::new(
            "date",
            "range",
            "is not a plausible date of a council decision",
        ));
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let approval = db
        .transaction(move |conn| {
            cycle_store::lock(conn, cycle_id)?;
            let current = cycles::authorized(conn, cycle_id, &caller, &policy::RATINGS_APPROVE)?;
            if_match.check_if_present(&super::conditional::etag(current.version))?;
            // Incomplete evaluations first: naming them tells the council what is missing.
            super::evaluations::all_complete(conn, &current, "The results cannot be approved")?;
            let status = current.status()?;
            if !status.can_become(CycleStatus::Approved) {
                return Err(ApiError::Conflict(format!(
                    "The cycle is {}; only results that are {} can be approved",
                    status.as_str(),
                    CycleStatus::ResultsSubmitted.as_str()
                )));
            }
            let before = cycles::load(conn, &current)?;
            let snapshot = store::current(conn, &current, true)?;
            let principal = caller.principal();
            let approval = store::insert(
                conn,
                &NewApproval {
                    cycle_id,
                    decision_number: &decision.number,
                    decision_date: decision.date,
                    approved_by: principal.map(|p| p.username.as_str()),
                    snapshot: &snapshot,
                },
            )?;
            let mut values = current.values();
            values.status = CycleStatus::Approved.as_str().into();
            values.council_decision_number = Some(decision.number.clone());
            values.council_decision_date = Some(decision.date);
            values.latest_approval_id = Some(approval.id);
            let row = cycle_store::update(conn, cycle_id, current.version, &values)?;
            let after = cycles::load(conn, &row)?;
            audit::record(
                conn,
                &Actor::of(principal, &request_id.0),
                Change::of(
                    "cycle.approve",
                    "cycle",
                    cycle_id,
                    Some(&before),
                    Some(&after),
                )?
                .exposed(cycles::exposure(&current), cycles::exposure(&row)),
            )?;
            Ok(shown(&approval, &row))
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!(
                "/api/v1/cycles/{cycle_id}/ratings?approval={}",
                approval.number
            ),
        ))
        .json(approval))
}
