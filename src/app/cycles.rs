//! Assessment cycles: create, change, and the status machine (start collecting, submit results,
//! publish, reopen; the council's approval is in `app::ratings`). Who may see a cycle is
//! `app::visibility`'s.

use crate::app::{Context, IfMatch, Step};
use crate::auth::policy::{self, Rule, Target};
use crate::auth::Caller;
use crate::db::audit::{self, Change};
use crate::db::cycles::{self as store, Counted, CycleFilter, CycleRow, CycleValues};
use crate::db::{evaluations as evaluation_store, regions, DbConnection};
use crate::domain::cycle::{self as rules, CycleStatus};
use crate::domain::methodology::{self, Settings};
use crate::domain::paging;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::views::cycles::{Cycle, CyclePatch, NewCycle, UnassessedOrganization};
use crate::views::Page;

use super::{etag, evaluations, proposals, visibility};
use crate::views::patch_required;

/// A cycle with the lists that belong to it, read in one place so that every answer and every
/// audit event shows the same thing.
pub fn load(conn: &mut DbConnection, row: &CycleRow) -> ApiResult<Cycle> {
    let mut members = store::members(conn, &[row.id])?;
    Cycle::of(row, members.remove(&row.id).unwrap_or_default())
}

/// A page of cycles, their lists read together rather than cycle by cycle.
fn load_page(conn: &mut DbConnection, rows: &[CycleRow]) -> ApiResult<Vec<Cycle>> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut members = store::members(conn, &ids)?;
    rows.iter()
        .map(|row| Cycle::of(row, members.remove(&row.id).unwrap_or_default()))
        .collect()
}

/// The methodology by id: known, and computable (the pre-2018 structure only frames plans).
fn computable_methodology(id: &str) -> ApiResult<&'static methodology::Methodology> {
    match methodology::find(id) {
        Some(m) if m.computable => Ok(m),
        Some(_) => Err(ApiError::validation(
            "methodology_id",
            "not_computable",
            format!("{id} frames improvement plans of its era but computes no scores"),
        )),
        None => Err(ApiError::validation(
            "methodology_id",
            "not_found",
            format!("no methodology {id}; see GET /api/v1/methodologies"),
        )),
    }
}

fn check_settings(methodology: &methodology::Methodology, settings: &Settings) -> ApiResult<()> {
    let errors: Vec<FieldError> = settings
        .validate_for(methodology)
        .into_iter()
        .map(|mut e| {
            e.field = format!("settings.{}", e.field);
            e
        })
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Validation(errors))
    }
}

fn conflict_in(status: CycleStatus, what: &str) -> ApiError {
    ApiError::Conflict(format!("The cycle is {}: {what}", status.as_str()))
}

/// The cycles `caller` may see, a page after `after_id`, and the next page's cursor.
pub fn list(
    conn: &mut DbConnection,
    caller: &Caller,
    filter: &CycleFilter,
    after_id: i64,
    limit: i64,
    total: bool,
) -> ApiResult<Page<Cycle>> {
    policy::authorize(caller, &policy::CYCLE_LIST, &Target::default()).or_else(|e| match e {
        // Visibility filters the list below; a scope miss is not an error here.
        ApiError::NotFound => Ok(None),
        other => Err(other),
    })?;
    let visibility = policy::visibility(caller, &policy::CYCLE_LIST);
    let rows = store::list(conn, filter, visibility, after_id, limit)?;
    let (rows, next_cursor) = paging::split_page(rows, limit, |r| r.id);
    let total = total
        .then(|| store::count(conn, filter, visibility))
        .transpose()?;
    Ok(Page {
        items: load_page(conn, &rows)?,
        next_cursor,
        total,
    })
}

/// The cycle, if `caller` may see it, with its version.
pub fn read(conn: &mut DbConnection, caller: &Caller, id: i64) -> ApiResult<(i64, Cycle)> {
    let row = visibility::authorized_cycle(conn, id, caller, &policy::CYCLE_READ)?;
    Ok((row.version, load(conn, &row)?))
}

/// A new cycle, in status `draft`.
pub fn create(
    conn: &mut DbConnection,
    ctx: &Context,
    mut new: NewCycle,
) -> ApiResult<(i64, Cycle)> {
    policy::authorize(
        &ctx.caller,
        &policy::CYCLE_CREATE,
        &Target::region(new.region_id),
    )?;
    if let Some(operator) = new.operator.as_mut() {
        operator.trim();
    }
    let errors = FieldError::broken_rules(&new);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let methodology_id = new
        .methodology_id
        .take()
        .unwrap_or_else(|| methodology::DEFAULT_ID.to_owned());
    let methodology = computable_methodology(&methodology_id)?;
    let settings = new.settings.take().unwrap_or(methodology.default_settings);
    check_settings(methodology, &settings)?;
    if !regions::exists(conn, new.region_id)? {
        return Err(ApiError::validation(
            "region_id",
            "not_found",
            format!("region {} does not exist", new.region_id),
        ));
    }
    let values = CycleValues {
        region_id: new.region_id,
        year: new.year,
        sector: new.sector,
        methodology_id,
        settings_json: serde_json::to_string(&settings).map_err(ApiError::internal)?,
        operator_name: new.operator.as_ref().map(|o| o.name.clone()),
        operator_contract_number: new.operator.as_ref().map(|o| o.contract_number.clone()),
        operator_contract_date: new.operator.as_ref().map(|o| o.contract_date),
        council_decision_number: None,
        council_decision_date: None,
        status: CycleStatus::Draft.as_str().into(),
        latest_approval_id: None,
        published_approval_id: None,
        published_at: None,
    };
    let row = store::insert(conn, &values)?;
    store::set_organizations(conn, &row, &new.organization_ids)?;
    evaluations::feed_cycle(conn, &row, &row)?;
    store::set_operators(conn, &row, &new.operator_user_ids)?;
    let cycle = load(conn, &row)?;
    audit::record(
        conn,
        &ctx.actor(),
        Change::of("cycle.created", "cycle", row.id, None, Some(&cycle))?.exposed(
            visibility::cycle_exposure(&row),
            visibility::cycle_exposure(&row),
        ),
    )?;
    Ok((row.version, cycle))
}

/// The cycle's values after `patch`, checked field by field, and its lists.
struct Patched {
    values: CycleValues,
    settings: Settings,
    organization_ids: Vec<i64>,
    operator_user_ids: Vec<i64>,
}

fn apply_patch(current: &CycleRow, before: &Cycle, patch: CyclePatch) -> ApiResult<Patched> {
    let mut values = current.values();
    let mut errors = Vec::new();
    let mut settings = before.settings;
    patch_required(
        &mut values.methodology_id,
        patch.methodology_id,
        "methodology_id",
        &mut errors,
    );
    patch_required(&mut settings, patch.settings, "settings", &mut errors);
    let mut organization_ids = before.organization_ids.clone();
    let mut operator_user_ids = before.operator_user_ids.clone();
    patch_required(
        &mut organization_ids,
        patch.organization_ids,
        "organization_ids",
        &mut errors,
    );
    patch_required(
        &mut operator_user_ids,
        patch.operator_user_ids,
        "operator_user_ids",
        &mut errors,
    );
    let mut operator = patch.operator.unwrap_or(before.operator.clone());
    let mut decision = patch
        .council_decision
        .unwrap_or(before.council_decision.clone());
    errors.extend(rules::check_fields(operator.as_mut(), decision.as_mut()));
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    values.settings_json = serde_json::to_string(&settings).map_err(ApiError::internal)?;
    values.operator_name = operator.as_ref().map(|o| o.name.clone());
    values.operator_contract_number = operator.as_ref().map(|o| o.contract_number.clone());
    values.operator_contract_date = operator.as_ref().map(|o| o.contract_date);
    values.council_decision_number = decision.as_ref().map(|d| d.number.clone());
    values.council_decision_date = decision.as_ref().map(|d| d.date);
    Ok(Patched {
        values,
        settings,
        organization_ids,
        operator_user_ids,
    })
}

/// What the status allows to change: methodology and settings until results are submitted,
/// organizations and operators until collection ends.
fn check_changes_allowed(status: CycleStatus, before: &Cycle, patched: &Patched) -> ApiResult<()> {
    if patched.values.methodology_id != before.methodology_id || patched.settings != before.settings
    {
        if status.methodology_fixed() {
            return Err(conflict_in(
                status,
                "methodology and settings are fixed once results are submitted",
            ));
        }
        check_settings(
            computable_methodology(&patched.values.methodology_id)?,
            &patched.settings,
        )?;
    }
    let composition_changed = patched.organization_ids != before.organization_ids
        || patched.operator_user_ids != before.operator_user_ids;
    if composition_changed && !status.composition_open() {
        return Err(conflict_in(
            status,
            "organizations and operators are fixed once results are submitted",
        ));
    }
    Ok(())
}

/// A JSON merge patch of the cycle; scores are recomputed when the methodology or its settings
/// change, and the evaluations follow the organizations.
pub fn update(
    conn: &mut DbConnection,
    ctx: &Context,
    id: i64,
    if_match: &IfMatch,
    patch: CyclePatch,
) -> ApiResult<(i64, Cycle)> {
    store::lock(conn, id)?;
    let current = visibility::authorized_cycle(conn, id, &ctx.caller, &policy::CYCLE_UPDATE)?;
    if_match.require(&etag(current.version))?;
    let status = current.status()?;
    let before = load(conn, &current)?;
    let patched = apply_patch(&current, &before, patch)?;
    check_changes_allowed(status, &before, &patched)?;
    let Patched {
        values,
        organization_ids,
        operator_user_ids,
        ..
    } = patched;
    let organizations_changed = organization_ids != before.organization_ids;
    let operators_changed = operator_user_ids != before.operator_user_ids;
    if values == current.values() && !organizations_changed && !operators_changed {
        return Ok((current.version, before)); // nothing changes: no new version, no event
    }
    let row = store::update(conn, id, current.version, &values)?;
    let recomputed = values.settings_json != current.settings_json
        || values.methodology_id != current.methodology_id;
    if recomputed {
        evaluation_store::recompute_cycle(conn, &row)?;
    }
    if organizations_changed {
        let evaluations_before = evaluation_store::ids_of(conn, id)?;
        store::set_organizations(conn, &row, &organization_ids)?;
        evaluations::feed_removed(conn, &current, &evaluations_before)?;
    }
    if recomputed || organizations_changed {
        evaluations::feed_cycle(conn, &current, &row)?;
    }
    if operators_changed {
        store::set_operators(conn, &row, &operator_user_ids)?;
    }
    let after = load(conn, &row)?;
    audit::record(
        conn,
        &ctx.actor(),
        Change::of("cycle.updated", "cycle", id, Some(&before), Some(&after))?.exposed(
            visibility::cycle_exposure(&current),
            visibility::cycle_exposure(&row),
        ),
    )?;
    Ok((row.version, after))
}

/// What a cycle step checks or sets besides the status: refuses with 409, or sets the values
/// the step changes.
pub type Prepare = fn(&mut DbConnection, &CycleRow, &Cycle, &mut CycleValues) -> ApiResult<()>;

pub const START_COLLECTING: Step<CycleStatus, Prepare> = Step {
    rule: &policy::CYCLE_START_COLLECTING,
    to: CycleStatus::Collecting,
    action: "cycle.collection_started",
    prepare: ready_to_collect,
};

pub const SUBMIT_RESULTS: Step<CycleStatus, Prepare> = Step {
    rule: &policy::CYCLE_SUBMIT_RESULTS,
    to: CycleStatus::ResultsSubmitted,
    action: "cycle.results_submitted",
    prepare: evaluations::ready_to_submit,
};

pub const PUBLISH: Step<CycleStatus, Prepare> = Step {
    rule: &policy::CYCLE_PUBLISH,
    to: CycleStatus::Published,
    action: "cycle.published",
    prepare: publish_latest_approval,
};

pub const REOPEN: Step<CycleStatus, Prepare> = Step {
    rule: &policy::CYCLE_REOPEN,
    to: CycleStatus::Collecting,
    action: "cycle.reopened",
    prepare: reopened_from_results,
};

/// Moves the cycle along `step` if the machine allows it from where it is (409 naming the
/// current status otherwise) and `step.prepare` finds nothing missing; answers with the cycle
/// after it and what `prepare` made.
pub fn step<T>(
    conn: &mut DbConnection,
    ctx: &Context,
    id: i64,
    if_match: &IfMatch,
    step: Step<
        CycleStatus,
        impl FnOnce(&mut DbConnection, &CycleRow, &Cycle, &mut CycleValues) -> ApiResult<T>,
    >,
) -> ApiResult<(CycleRow, Cycle, T)> {
    let current = locked(conn, ctx, id, if_match, step.rule)?;
    step_from(conn, ctx, current, step)
}

/// The cycle, locked for a write under `rule` by `ctx`'s caller, at the version `if_match`
/// names if it names one.
pub fn locked(
    conn: &mut DbConnection,
    ctx: &Context,
    id: i64,
    if_match: &IfMatch,
    rule: &Rule,
) -> ApiResult<CycleRow> {
    store::lock(conn, id)?;
    let current = visibility::authorized_cycle(conn, id, &ctx.caller, rule)?;
    if_match.check_if_present(&etag(current.version))?;
    Ok(current)
}

/// [`step`] on a cycle already [`locked`].
pub fn step_from<T>(
    conn: &mut DbConnection,
    ctx: &Context,
    current: CycleRow,
    step: Step<
        CycleStatus,
        impl FnOnce(&mut DbConnection, &CycleRow, &Cycle, &mut CycleValues) -> ApiResult<T>,
    >,
) -> ApiResult<(CycleRow, Cycle, T)> {
    let status = current.status()?;
    step.check_move(status)?;
    let before = load(conn, &current)?;
    let mut values = current.values();
    values.status = step.to.as_str().into();
    let made = (step.prepare)(conn, &current, &before, &mut values)?;
    let row = store::update(conn, current.id, current.version, &values)?;
    let after = load(conn, &row)?;
    let change = Change::of(
        step.action,
        "cycle",
        current.id,
        Some(&before),
        Some(&after),
    )?
    .exposed(
        visibility::cycle_exposure(&current),
        visibility::cycle_exposure(&row),
    );
    audit::record(conn, &ctx.actor(), change)?;
    // Publication and reopening change who sees the cycle's evaluations and proposals.
    if matches!(step.to, CycleStatus::Published | CycleStatus::Collecting)
        && status != CycleStatus::Draft
    {
        evaluations::feed_cycle(conn, &current, &row)?;
        proposals::feed_cycle(conn, &current, &row)?;
    }
    Ok((row, after, made))
}

/// Publication makes the latest approval the one anonymous readers see.
fn publish_latest_approval(
    _: &mut DbConnection,
    row: &CycleRow,
    _: &Cycle,
    values: &mut CycleValues,
) -> ApiResult<()> {
    let approval = row
        .latest_approval_id
        .ok_or_else(|| ApiError::internal(format!("approved cycle {} has no approval", row.id)))?;
    values.published_approval_id = Some(approval);
    values.published_at = Some(crate::db::now());
    Ok(())
}

/// Reopening returns submitted results to the operator; a draft has none (it starts
/// collecting, with its own checks).
fn reopened_from_results(
    _: &mut DbConnection,
    _: &CycleRow,
    cycle: &Cycle,
    _: &mut CycleValues,
) -> ApiResult<()> {
    if cycle.status == CycleStatus::Draft {
        return Err(conflict_in(
            cycle.status,
            "only submitted, approved or published results are reopened; start collecting instead",
        ));
    }
    Ok(())
}

fn ready_to_collect(
    _: &mut DbConnection,
    _: &CycleRow,
    cycle: &Cycle,
    _: &mut CycleValues,
) -> ApiResult<()> {
    let mut missing = Vec::new();
    if cycle.organization_ids.is_empty() {
        missing.push("organizations to assess (organization_ids)");
    }
    if cycle.operator.is_none() {
        missing.push("the operator's contract (operator)");
    }
    if cycle.operator_user_ids.is_empty() {
        missing.push("operator users (operator_user_ids)");
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Conflict(format!(
            "The cycle cannot start collecting without {}",
            missing.join(", ")
        )))
    }
}

/// Organizations of the region that no cycle assessed in `year` or the two years before.
pub fn unassessed(
    conn: &mut DbConnection,
    caller: &Caller,
    region_id: i64,
    year: ApiResult<i32>,
) -> ApiResult<Vec<UnassessedOrganization>> {
    policy::authorize(
        caller,
        &policy::REGION_UNASSESSED,
        &Target::region(region_id),
    )?;
    // A caller who may not ask learns nothing of what is wrong with the question.
    let year = year?;
    regions::find(conn, region_id)?;
    let rows = store::unassessed(conn, region_id, year, Counted::Started)?;
    Ok(rows.into_iter().map(UnassessedOrganization::from).collect())
}
