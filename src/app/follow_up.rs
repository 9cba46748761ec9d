//! The follow-up of an assessment: the deadlines the cycle's decision sets, and for each
//! organization it assesses where its plan and its report stand on a day, late or not.

use chrono::NaiveDate;

use super::{hashed_etag, visibility, Context, IfMatch};
use crate::auth::policy;
use crate::auth::{Caller, Role};
use crate::db::audit::{self, Change};
use crate::db::cycles::CycleRow;
use crate::db::follow_up as store;
use crate::db::DbConnection;
use crate::domain::follow_up::{
    self as rules, Deadline, DeadlineKind, PlanProgress, ReportProgress,
};
use crate::domain::paging;
use crate::domain::plan::{PlanStatus, ReportStatus};
use crate::error::{ApiError, ApiResult};
use crate::export::{workbook_error, Cell, Download, FileFormat, FileName, Preamble, Sheet};
use crate::views::follow_up::{CycleDeadlines, DeadlinesBody, FollowUp, FollowUpLine};

/// What a follow-up is asked for: the day, the statuses and lateness kept, the page.
#[derive(Debug, Clone)]
pub struct FollowUpQuery {
    pub as_of: NaiveDate,
    pub plan_status: Option<PlanProgress>,
    pub report_status: Option<ReportProgress>,
    /// Only the lines late (`true`: in plan or report) or not late at all (`false`).
    pub late: Option<bool>,
    pub after_id: i64,
    pub limit: i64,
    /// The caller asked for the number of lines kept across all pages (`total=true`).
    pub total: bool,
}

/// The deadlines of the cycle and their ETag (a hash: they carry no version of their own).
fn deadlines_of(conn: &mut DbConnection, cycle: &CycleRow) -> ApiResult<(String, CycleDeadlines)> {
    let shown = CycleDeadlines {
        cycle_id: cycle.id,
        deadlines: store::deadlines(conn, cycle.id)?,
    };
    let bytes = serde_json::to_vec(&shown).map_err(ApiError::internal)?;
    Ok((hashed_etag(&bytes), shown))
}

pub fn deadlines(
    conn: &mut DbConnection,
    caller: &Caller,
    cycle_id: i64,
) -> ApiResult<(String, CycleDeadlines)> {
    let cycle =
        visibility::authorized_cycle(conn, cycle_id, caller, &policy::CYCLE_DEADLINES_READ)?;
    deadlines_of(conn, &cycle)
}

/// Replaces the cycle's deadlines; `If-Match` names the list this change is based on.
pub fn set_deadlines(
    conn: &mut DbConnection,
    ctx: &Context,
    cycle_id: i64,
    if_match: &IfMatch,
    body: DeadlinesBody,
) -> ApiResult<(String, CycleDeadlines)> {
    let cycle =
        visibility::authorized_cycle(conn, cycle_id, &ctx.caller, &policy::CYCLE_DEADLINES_SET)?;
    let (tag, before) = deadlines_of(conn, &cycle)?;
    if_match.require(&tag)?;
    let mut deadlines = body.deadlines;
    let errors = rules::check_deadlines(&mut deadlines);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    if deadlines == before.deadlines {
        return Ok((tag, before));
    }
    store::replace_deadlines(conn, cycle_id, &deadlines)?;
    let (tag, after) = deadlines_of(conn, &cycle)?;
    let exposure = visibility::cycle_exposure(&cycle);
    audit::record(
        conn,
        &ctx.actor(),
        Change::of(
            "cycle_deadlines.updated",
            "cycle_deadlines",
            cycle_id,
            Some(&before),
            Some(&after),
        )?
        .exposed(exposure, exposure),
    )?;
    Ok((tag, after))
}

/// Every line of the cycle's follow-up on `as_of` (or `only` the one of that organization).
fn lines(
    conn: &mut DbConnection,
    cycle_id: i64,
    deadlines: &[Deadline],
    as_of: NaiveDate,
    only: Option<i64>,
) -> ApiResult<Vec<FollowUpLine>> {
    let plans_due = rules::due_on(deadlines, DeadlineKind::PlansDue);
    let reports_due = rules::due_on(deadlines, DeadlineKind::ReportsDue);
    let plans = store::plans(conn, cycle_id)?;
    let reports = store::reports(conn, cycle_id)?;
    let parse_plan = |s: &str| {
        PlanStatus::parse(s).ok_or_else(|| ApiError::internal(format!("plan status {s}")))
    };
    let parse_report = |s: &str| {
        ReportStatus::parse(s).ok_or_else(|| ApiError::internal(format!("report status {s}")))
    };
    store::assessed(conn, cycle_id, only)?
        .into_iter()
        .map(|org| {
            // The organization's plan furthest on, the earliest among equals.
            let mut plan: Option<(i64, PlanProgress)> = None;
            for p in plans
                .iter()
                .filter(|p| p.organization_id == Some(org.organization_id))
            {
                let progress = PlanProgress::of(Some(parse_plan(&p.status)?));
                if plan.is_none_or(|(_, best)| rank_plan(progress) > rank_plan(best)) {
                    plan = Some((p.id, progress));
                }
            }
            let mut report: Option<(i64, ReportProgress)> = None;
            if let Some((plan_id, _)) = plan {
                for (id, _, status) in reports.iter().filter(|(_, p, _)| *p == plan_id) {
                    let progress = ReportProgress::of(Some(parse_report(status)?));
                    if report.is_none_or(|(_, best)| rank_report(progress) > rank_report(best)) {
                        report = Some((*id, progress));
                    }
                }
            }
            let plan_status = plan.map_or(PlanProgress::None, |(_, s)| s);
            let report_status = report.map_or(ReportProgress::None, |(_, s)| s);
            Ok(FollowUpLine {
                organization_id: org.organization_id,
                organization: org.short_name,
                plan_id: plan.map(|(id, _)| id),
                plan_status,
                plan_late: rules::late(plan_status.handed_in(), plans_due, as_of),
                report_id: report.map(|(id, _)| id),
                report_status,
                report_late: rules::late(report_status.handed_in(), reports_due, as_of),
            })
        })
        .collect()
}

fn rank_plan(p: PlanProgress) -> usize {
    PlanProgress::ALL.iter().position(|s| *s == p).unwrap_or(0)
}

fn rank_report(r: ReportProgress) -> usize {
    ReportProgress::ALL
        .iter()
        .position(|s| *s == r)
        .unwrap_or(0)
}

fn kept(line: &FollowUpLine, query: &FollowUpQuery) -> bool {
    query.plan_status.is_none_or(|s| s == line.plan_status)
        && query.report_status.is_none_or(|s| s == line.report_status)
        && query
            .late
            .is_none_or(|late| late == (line.plan_late || line.report_late))
}

/// The follow-up on the day asked, a page of the lines the filters keep; an organization sees
/// its own line only.
pub fn follow_up(
    conn: &mut DbConnection,
    caller: &Caller,
    cycle_id: i64,
    query: ApiResult<FollowUpQuery>,
) -> ApiResult<FollowUp> {
    let cycle = visibility::authorized_cycle(conn, cycle_id, caller, &policy::FOLLOW_UP_READ)?;
    let query = query?;
    let only = caller
        .principal()
        .filter(|p| p.role == Role::Organization)
        .map(|p| p.organization_id.unwrap_or(-1));
    let deadlines = store::deadlines(conn, cycle_id)?;
    let all_kept = lines(conn, cycle.id, &deadlines, query.as_of, only)?
        .into_iter()
        .filter(|l| kept(l, &query));
    // Counted over the lines the caller sees, before the page is cut from them.
    let (kept_lines, total): (Vec<FollowUpLine>, Option<i64>) = if query.total {
        let all: Vec<FollowUpLine> = all_kept.collect();
        let total = i64::try_from(all.len()).unwrap_or(i64::MAX);
        (on_page(all.into_iter(), &query), Some(total))
    } else {
        (on_page(all_kept, &query), None)
    };
    let (items, next_cursor) = paging::split_page(kept_lines, query.limit, |l| l.organization_id);
    Ok(FollowUp {
        cycle_id,
        as_of: query.as_of,
        plans_due_on: rules::due_on(&deadlines, DeadlineKind::PlansDue),
        reports_due_on: rules::due_on(&deadlines, DeadlineKind::ReportsDue),
        items,
        next_cursor,
        total,
    })
}

/// The lines after the cursor, one more than the page holds (to tell whether a next exists).
fn on_page(lines: impl Iterator<Item = FollowUpLine>, query: &FollowUpQuery) -> Vec<FollowUpLine> {
    lines
        .filter(|l| l.organization_id > query.after_id)
        .take(usize::try_from(query.limit + 1).unwrap_or(usize::MAX))
        .collect()
}

/// The headings of the follow-up table, in the department's wording.
const HEADINGS: [&str; 6] = [
    "№ п/п",
    "Наименование учреждения",
    "План мероприятий по улучшению качества работы",
    "Срок представления плана нарушен",
    "Информация о выполнении плана",
    "Срок представления информации нарушен",
];

fn yes_no(value: bool) -> Cell {
    Cell::Text(if value { "да" } else { "нет" }.into())
}

/// The follow-up on `as_of` as a table for people, every line the filters keep.
pub fn export(
    conn: &mut DbConnection,
    caller: &Caller,
    cycle_id: i64,
    query: ApiResult<FollowUpQuery>,
    format: FileFormat,
) -> ApiResult<Download> {
    let cycle = visibility::authorized_cycle(conn, cycle_id, caller, &policy::FOLLOW_UP_EXPORT)?;
    let query = query?;
    let deadlines = store::deadlines(conn, cycle_id)?;
    let due = |kind| {
        rules::due_on(&deadlines, kind).map_or_else(
            || "срок не установлен".to_owned(),
            |d| d.format("%d.%m.%Y").to_string(),
        )
    };
    // The title goes into CSV too: the table means nothing without its day.
    let preamble = Preamble::form(Vec::new(), vec![
        format!(
            "Представление планов мероприятий и информации об их выполнении по итогам независимой оценки качества {} года",
            cycle.year
        ),
        format!("по состоянию на {}", query.as_of.format("%d.%m.%Y")),
        format!(
            "Срок представления планов: {}; срок представления информации о выполнении: {}",
            due(DeadlineKind::PlansDue),
            due(DeadlineKind::ReportsDue)
        ),
    ]);
    let rows = lines(conn, cycle.id, &deadlines, query.as_of, None)?
        .into_iter()
        .filter(|l| kept(l, &query))
        .enumerate()
        .map(|(i, l)| {
            vec![
                Cell::Integer(i64::try_from(i + 1).unwrap_or(i64::MAX)),
                Cell::Text(l.organization),
                Cell::Text(l.plan_status.label().into()),
                yes_no(l.plan_late),
                Cell::Text(l.report_status.label().into()),
                yes_no(l.report_late),
            ]
        })
        .collect();
    let sheet = Sheet {
        name: "Контроль исполнения".into(),
        preamble,
        headings: HEADINGS.iter().map(|h| (*h).to_owned()).collect(),
        rows,
    };
    let bytes = format.render(&[sheet], "Лист").map_err(workbook_error)?;
    let day = query.as_of.format("%Y-%m-%d").to_string();
    let year = cycle.year.to_string();
    Ok(Download {
        name: FileName::new(
            &["Контроль исполнения", &year, &day],
            format!("follow-up_{}_{day}", cycle.id),
        ),
        bytes,
    })
}

/// Counts of a cycle's follow-up on a day, for the region summary.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub organizations: u64,
    pub plans_handed_in: u64,
    pub plans_late: u64,
    pub reports_handed_in: u64,
    pub reports_late: u64,
}

pub fn counts(conn: &mut DbConnection, cycle_id: i64, as_of: NaiveDate) -> ApiResult<Counts> {
    let deadlines = store::deadlines(conn, cycle_id)?;
    let mut counts = Counts::default();
    for line in lines(conn, cycle_id, &deadlines, as_of, None)? {
        counts.organizations += 1;
        counts.plans_handed_in += u64::from(line.plan_status.handed_in());
        counts.plans_late += u64::from(line.plan_late);
        counts.reports_handed_in += u64::from(line.report_status.handed_in());
        counts.reports_late += u64::from(line.report_late);
    }
    Ok(counts)
}
