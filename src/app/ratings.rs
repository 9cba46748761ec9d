//! Ratings per form of service and criterion, the council's approvals that freeze them, and
//! their exports.
//!
//! An approval's snapshot never changes, so everything rendered from it is kept: the parsed
//! snapshot and each page, keyed by the approval's id. A rating as a caller gets it (which
//! approval, whether it may) is kept among the answers (`app::answers`) while the cycle's data
//! is unchanged, so that a current one needs no database hop.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use actix_web::web::Bytes;
use rust_decimal::Decimal;

use crate::app::{fingerprint, hashed_etag, Context, IfMatch, Step};
use crate::auth::policy::{self, Rule};
use crate::auth::Caller;
use crate::bounded::BoundedMap;
use crate::db::approvals::{self as store, ApprovalRow, NewApproval};
use crate::db::council_meetings as meeting_store;
use crate::db::cycles::CycleRow;
use crate::db::DbConnection;
use crate::domain::council;
use crate::domain::cycle::{ApprovalDecision, CycleStatus};
use crate::domain::methodology::{self, Methodology, Rounding};
use crate::domain::organization::ServiceForm;
use crate::domain::rating::{self, Placed, RatingCriterion, Snapshot};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::export::{workbook_error, Cell, Download, FileFormat, FileName, Preamble, Sheet};
use crate::views::ratings::{Approval, Basis, CriterionPoints, PreviousResult, Rating, RatingItem};

use super::answers::{self, Answer, Answers, Depends};
use super::{cycles, evaluations, visibility};
use crate::db::Db;

/// Parsed snapshots and rendered pages of approvals. Both are immutable, so an entry is never
/// stale; the maps are only bounded, in entries and bytes (see [`BoundedMap`]).
pub struct RatingCache {
    snapshots: BoundedMap<i64, (ApprovalRow, Arc<Snapshot>)>,
    pages: BoundedMap<String, Bytes>,
    /// Held while a snapshot is loaded.
    loading: Mutex<()>,
}

impl RatingCache {
    /// At most `capacity` pages and `capacity / 16` snapshots (at least 4), each map of at most
    /// `bytes`.
    pub fn new(capacity: usize, bytes: usize) -> Self {
        Self {
            // Snapshots are large: keep few of them.
            snapshots: BoundedMap::new((capacity / 16).max(4), bytes),
            pages: BoundedMap::new(capacity, bytes),
            loading: Mutex::new(()),
        }
    }

    pub fn approval(
        &self,
        conn: &mut DbConnection,
        id: i64,
    ) -> ApiResult<(ApprovalRow, Arc<Snapshot>)> {
        if let Some(hit) = self.snapshots.get(&id) {
            return Ok(hit);
        }
        // One load at a time: a burst of readers of a snapshot not yet kept would otherwise
        // each parse their own copy (tens of MiB for a large region) before the first is kept.
        let _loading = lock(&self.loading);
        if let Some(hit) = self.snapshots.get(&id) {
            return Ok(hit);
        }
        let row = store::find(conn, id)?;
        let snapshot = store::snapshot(conn, id)?;
        let bytes = snapshot.approximate_bytes();
        let loaded = (row, Arc::new(snapshot));
        self.snapshots.insert(id, loaded.clone(), bytes);
        Ok(loaded)
    }

    fn page(&self, key: &str) -> Option<Bytes> {
        self.pages.get(key)
    }

    fn put_page(&self, key: String, page: Bytes) {
        let bytes = key.len() + page.len() + 128;
        self.pages.insert(key, page, bytes);
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// Which results a rating shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requested {
    /// The latest approval; the published one for callers who see only published data; the
    /// current results while nothing is approved yet.
    Latest,
    Published,
    /// The results as they stand, not yet approved.
    Current,
    Number(i32),
}

impl Requested {
    pub fn parse(value: &str) -> Option<Self> {
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

/// The cycle, checked under `rule` for `caller`, and the results `requested` resolves to for it.
fn resolve(
    conn: &mut DbConnection,
    cycle_id: i64,
    caller: &Caller,
    rule: &Rule,
    requested: Option<Requested>,
) -> ApiResult<(CycleRow, Source)> {
    let (row, target) = visibility::cycle_with_target(conn, cycle_id, caller)?;
    visibility::check(caller, rule, &policy::CYCLE_READ, &target)?;
    let insider = policy::sees_unpublished(caller, rule, &target);
    let published = || {
        row.published_approval_id
            .map(Source::Approval)
            .ok_or(ApiError::NotFound)
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

/// The selection a rating request makes, parsed (the criterion once the methodology is known).
#[derive(Debug, Clone)]
pub struct Selection {
    pub form: Option<ServiceForm>,
    pub criterion: String,
    pub requested: Option<Requested>,
}

impl Selection {
    pub fn criterion(&self, methodology: &Methodology) -> ApiResult<RatingCriterion> {
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

    pub fn form_name(&self) -> &'static str {
        self.form.map_or("all", ServiceForm::as_str)
    }
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

/// A line of the rating; every score at the cycle's precision ("96.10"), approvals recorded
/// before scores kept their trailing zeros included.
fn item(
    line: &Placed<'_>,
    (methodology, rounding): (&Methodology, &Rounding),
    previous: &EarlierPlaces,
) -> RatingItem {
    let shown = |v: Option<Decimal>| v.map(|v| rounding.apply(v));
    let entry = line.entry;
    let previous = entry.previous.and_then(|p| {
        let (place, score) = *previous.get(&p.approval_id)?.get(&entry.organization_id)?;
        Some(PreviousResult {
            cycle_id: p.cycle_id,
            year: p.year,
            place,
            score: shown(score),
            score_change: shown(line.score.zip(score).map(|(now, then)| now - then)),
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
        score: shown(line.score),
        criteria: methodology
            .criteria
            .iter()
            .zip(&entry.results.criteria)
            .map(|(c, r)| CriterionPoints {
                code: c.code.into(),
                score: shown(r.rounded),
            })
            .collect(),
        total: shown(entry.results.total_rounded),
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

/// A page of a rating: the place to start after and how many.
pub struct Page {
    pub after: usize,
    pub limit: usize,
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
        .map(|line| item(line, (methodology, &snapshot.settings.rounding), &previous))
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

/// What the title of an exported table says besides what it is: the region, the year and the
/// council decision that approved the results (or that they are not approved yet).
struct TitleOf<'a> {
    region: &'a str,
    year: i32,
    approval: Option<&'a ApprovalRow>,
}

impl TitleOf<'_> {
    fn lines(&self, what: &str, detail: Option<String>) -> Vec<String> {
        let mut lines = vec![
            what.to_owned(),
            format!("{}, {} год", self.region, self.year),
        ];
        lines.extend(detail);
        lines.push(match self.approval {
            Some(a) => format!(
                "Утверждено решением общественного совета № {} от {}",
                a.decision_number,
                a.decision_date.format("%d.%m.%Y")
            ),
            None => "Предварительные результаты: общественным советом не утверждены".to_owned(),
        });
        lines
    }
}

fn criterion_heading(code: &str, name: &str) -> String {
    format!("{code}. {name}, баллы")
}

fn rating_sheets(
    conn: &mut DbConnection,
    cache: &RatingCache,
    snapshot: &Snapshot,
    criterion_code: &str,
    title: &TitleOf<'_>,
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
                    let item = item(line, (methodology, &snapshot.settings.rounding), &previous);
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
            let mut detail = (*name).to_owned();
            if let RatingCriterion::Criterion(i) = &criterion {
                let c = &methodology.criteria[*i];
                detail.push_str(&format!(", по критерию «{}. {}»", c.code, c.name));
            }
            Sheet {
                name: (*name).into(),
                preamble: Preamble::caption(title.lines(RATING_TITLE, Some(detail))),
                headings: headings.clone(),
                rows,
            }
        })
        .collect())
}

/// A page of the rating `selection` asks for, as JSON with its ETag: kept while the cycle's
/// data is unchanged (see [`Depends::cycle`]), else read.
pub async fn answer(
    db: &Db,
    answers: &Answers,
    (caller, cache): (Caller, Arc<RatingCache>),
    cycle_id: i64,
    selection: Selection,
    page: Page,
) -> ApiResult<Answer> {
    let key = format!(
        "rating/{cycle_id}/{}/{}/{:?}/{}/{}/{}",
        selection.form_name(),
        selection.criterion,
        selection.requested,
        page.after,
        page.limit,
        answers::viewer(&caller)
    );
    answers
        .answer(db, key, move |conn| {
            let (region_id, tag, body) = read(conn, &caller, &cache, cycle_id, &selection, &page)?;
            let answer = Answer {
                body,
                tag: Some(tag),
                next_cursor: None,
                total: None,
            };
            Ok((answer, Depends::cycle(region_id)))
        })
        .await
}

/// A page of the rating `selection` asks for, as JSON, and its ETag, with the cycle's region.
fn read(
    conn: &mut DbConnection,
    caller: &Caller,
    cache: &RatingCache,
    cycle_id: i64,
    selection: &Selection,
    page: &Page,
) -> ApiResult<(i64, String, Bytes)> {
    let (cycle, source) = resolve(
        conn,
        cycle_id,
        caller,
        &policy::RATINGS_READ,
        selection.requested,
    )?;
    match source {
        Source::Approval(approval_id) => {
            let key = page_key(approval_id, selection, page);
            let body = match cache.page(&key) {
                Some(body) => body,
                None => {
                    let (approval, snapshot) = cache.approval(conn, approval_id)?;
                    let body = Bytes::from(render(
                        conn,
                        cache,
                        &cycle,
                        Some(&approval),
                        &snapshot,
                        selection,
                        page,
                    )?);
                    cache.put_page(key.clone(), body.clone());
                    body
                }
            };
            Ok((cycle.region_id, page_tag(&key), body))
        }
        Source::Current => {
            let snapshot = store::current(conn, &cycle, false)?;
            let body = Bytes::from(render(
                conn, cache, &cycle, None, &snapshot, selection, page,
            )?);
            Ok((cycle.region_id, hashed_etag(&body), body))
        }
    }
}

/// What an export holds.
pub enum Export {
    /// The ratings ordered by a criterion (`total` or its code), one sheet for all
    /// organizations and one per form of service.
    Ratings { criterion: String },
    /// Each organization's results with every indicator.
    Results,
}

/// The export of the results `requested` resolves to, as a file in `format`.
pub fn export(
    conn: &mut DbConnection,
    caller: &Caller,
    cache: &RatingCache,
    (cycle_id, requested): (i64, Option<Requested>),
    export: &Export,
    format: FileFormat,
) -> ApiResult<Download> {
    let rule = match export {
        Export::Ratings { .. } => &policy::RATINGS_EXPORT,
        Export::Results => &policy::RESULTS_EXPORT,
    };
    let (cycle, source) = resolve(conn, cycle_id, caller, rule, requested)?;
    let indicators = matches!(export, Export::Results);
    let (approval, snapshot) = snapshot_of(conn, cache, &cycle, source, indicators)?;
    let region = crate::db::regions::find(conn, cycle.region_id)?;
    let heading = TitleOf {
        region: &region.name,
        year: cycle.year,
        approval: approval.as_ref(),
    };
    let rendered = match export {
        Export::Ratings { criterion } => {
            let sheets = rating_sheets(conn, cache, &snapshot, criterion, &heading)?;
            format.render(&sheets, "Форма социального обслуживания")
        }
        Export::Results => format.render(&[results_sheet(&snapshot, &heading)?], "Лист"),
    };
    let (what, kind) = match export {
        Export::Ratings { .. } => ("Рейтинг", "rating"),
        Export::Results => ("Результаты", "results"),
    };
    let year = cycle.year.to_string();
    Ok(Download {
        name: FileName::new(
            &[what, &region.name, &year],
            format!("{kind}-{}-{year}", ascii_word(&region.code)),
        ),
        bytes: rendered.map_err(workbook_error)?,
    })
}

/// A code as a file name's ASCII word: letters and digits only, `x` if none is left.
fn ascii_word(code: &str) -> String {
    let word: String = code.chars().filter(char::is_ascii_alphanumeric).collect();
    if word.is_empty() {
        "x".into()
    } else {
        word
    }
}

const RATING_TITLE: &str = "Рейтинг организаций социального обслуживания по результатам независимой оценки качества условий оказания услуг";
const RESULTS_TITLE: &str = "Результаты независимой оценки качества условий оказания услуг организациями социального обслуживания";

fn results_sheet(snapshot: &Snapshot, title: &TitleOf<'_>) -> ApiResult<Sheet> {
    let methodology = methodology_of(&snapshot.methodology_id)?;
    let rounding = snapshot.settings.rounding;
    let shown = |v: Option<Decimal>| Cell::from(v.map(|v| rounding.apply(v)));
    let mut headings = vec![
        "№ п/п".to_owned(),
        "Организация".into(),
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
        .zip(1..)
        .map(|(entry, number)| {
            let forms: Vec<&str> = entry
                .service_forms
                .iter()
                .map(|f| f.official_name())
                .collect();
            let mut row = vec![
                Cell::Integer(number),
                Cell::Text(entry.full_name.clone()),
                Cell::Text(entry.inn.clone()),
                Cell::Text(forms.join(", ")),
            ];
            row.extend(indicators.iter().map(|code| {
                shown(
                    entry
                        .indicators
                        .iter()
                        .find(|(c, _)| c == code)
                        .and_then(|(_, v)| *v),
                )
            }));
            row.extend(entry.results.criteria.iter().map(|c| shown(c.rounded)));
            row.push(shown(entry.results.total_rounded));
            row
        })
        .collect();
    Ok(Sheet {
        name: "Результаты".into(),
        preamble: Preamble::caption(title.lines(RESULTS_TITLE, None)),
        headings,
        rows,
    })
}

/// The cycle's approvals, oldest first; callers who see only published data get the
/// published one.
pub fn list_approvals(
    conn: &mut DbConnection,
    caller: &Caller,
    cycle_id: i64,
) -> ApiResult<Vec<Approval>> {
    let (row, target) = visibility::cycle_with_target(conn, cycle_id, caller)?;
    visibility::check(caller, &policy::APPROVAL_LIST, &policy::CYCLE_READ, &target)?;
    let insider = policy::sees_unpublished(caller, &policy::APPROVAL_LIST, &target);
    Ok(store::list(conn, cycle_id)?
        .iter()
        .filter(|a| insider || row.published_approval_id == Some(a.id))
        .map(|a| Approval::of(a, &row))
        .collect())
}

/// The council approves the cycle's results and ratings: `results_submitted → approved`, the
/// results frozen as a numbered snapshot.
pub fn approve(
    conn: &mut DbConnection,
    ctx: &Context,
    cycle_id: i64,
    if_match: &IfMatch,
    given: ApprovalDecision,
) -> ApiResult<Approval> {
    let current = cycles::locked(conn, ctx, cycle_id, if_match, &policy::RATINGS_APPROVE)?;
    let meeting_id = given.meeting_id;
    let meeting = match meeting_id {
        Some(id) => Some(
            meeting_store::find_any(conn, id)?
                .filter(|m| m.region_id == current.region_id)
                .ok_or_else(|| {
                    ApiError::Validation(vec![FieldError::new(
                        "meeting_id",
                        "not_found",
                        format!(
                            "no council meeting {id} in the cycle's region {}",
                            current.region_id
                        ),
                    )])
                })?,
        ),
        None => None,
    };
    let decision = given
        .resolve(
            meeting
                .as_ref()
                .map(|m| (council::cited_number(m.number.as_deref()), m.held_on)),
        )
        .map_err(ApiError::Validation)?;
    // Incomplete evaluations first, before the status: naming them tells the council what is
    // missing.
    evaluations::all_complete(conn, &current, "The results cannot be approved")?;
    let approved_by = ctx.caller.principal().map(|p| p.username.clone());
    let step = Step {
        rule: &policy::RATINGS_APPROVE,
        to: CycleStatus::Approved,
        action: "cycle.approved",
        prepare: |conn: &mut DbConnection, current: &CycleRow, _: &_, values: &mut _| {
            let snapshot = store::current(conn, current, true)?;
            let approval = store::insert(
                conn,
                &NewApproval {
                    cycle_id,
                    decision_number: &decision.number,
                    decision_date: decision.date,
                    meeting_id,
                    approved_by: approved_by.as_deref(),
                    snapshot: &snapshot,
                },
            )?;
            let values: &mut crate::db::cycles::CycleValues = values;
            values.council_decision_number = Some(decision.number.clone());
            values.council_decision_date = Some(decision.date);
            values.latest_approval_id = Some(approval.id);
            Ok(approval)
        },
    };
    let (row, _, approval) = cycles::step_from(conn, ctx, current, step)?;
    Ok(Approval::of(&approval, &row))
}
