//! A demo assessment: a published cycle of one region and year, its evaluations built from the
//! methodology's worked example with deterministic variations per organization, approved by
//! the council and published — so that ratings, exports and the summary have data at once.

use diesel::prelude::*;

use crate::db::approvals::{self, NewApproval};
use crate::db::audit::{self, Change};
use crate::db::cycles::{self, CycleValues};
use crate::db::evaluations;
use crate::db::schema::{cycles as cycle_table, organizations};
use crate::db::{now, regions, DbConnection};
use crate::domain::cycle::{CycleStatus, SECTORS};
use crate::domain::methodology::{self, Settings};
use crate::domain::scoring::EvaluationInputs;
use crate::error::{ApiError, ApiResult};

/// The inputs of the `k`-th demo organization: the worked example of METHODOLOGY.md, with
/// items and answers varied so that scores spread and some tie.
pub fn inputs(k: usize) -> ApiResult<EvaluationInputs> {
    let k = k as u64;
    let count = |answered: u64, satisfied: u64| serde_json::json!({"answered": answered, "satisfied": satisfied.min(answered)});
    let value = serde_json::json!({
        "stand_information": {"found": 6 + k % 5, "required": 10},
        "site_information": {"found": 14 + (k / 5) % 7, "required": 20},
        "remote_methods": ["telephone", "email", "faq"],
        "comfort_conditions": ["rest_area", "navigation", "drinking_water", "sanitary_rooms"],
        "premises_conditions": ["ramps", "disabled_parking", "adapted_sanitary_rooms"],
        "service_conditions": ["sound_visual_duplication", "braille", "sign_language",
            "site_for_visually_impaired", "trained_escort", "remote_or_home_service"],
        "survey": {
            "respondents": 50,
            "satisfied_stand_info": count(40, 34 + k % 7),
            "satisfied_site_info": count(20, 17 + k % 4),
            "satisfied_comfort": count(50, 42 + k % 9),
            "satisfied_accessibility": count(10, 7 + k % 4),
            "satisfied_first_contact": count(50, 46 + k % 5),
            "satisfied_staff": count(50, 47 + k % 4),
            "satisfied_remote": count(20, 17 + k % 4),
            "would_recommend": count(50, 44 + k % 7),
            "satisfied_organizational": count(50, 45 + k % 6),
            "satisfied_overall": count(50, 46 + k % 5)
        },
        "waiting_time": {"served_on_time": 45 + k % 6, "served": 50}
    });
    serde_json::from_value(value).map_err(ApiError::internal)
}

/// Creates, computes, approves and publishes the cycle of `region_code` for `year` over every
/// active organization of the region, unless the region already has a cycle that year.
/// Returns the cycle id and the number of organizations, or `None` if it was there.
pub fn published_cycle(
    conn: &mut DbConnection,
    region_code: &str,
    year: i32,
) -> ApiResult<Option<(i64, usize)>> {
    conn.transaction(|conn| {
        let region = regions::find_by_code(conn, region_code)?
            .ok_or_else(|| ApiError::internal(format!("demo region {region_code} is missing")))?;
        let existing: i64 = cycle_table::table
            .filter(cycle_table::region_id.eq(region.id))
            .filter(cycle_table::year.eq(year))
            .count()
            .get_result(conn)?;
        if existing > 0 {
            return Ok(None);
        }
        let organization_ids: Vec<i64> = organizations::table
            .filter(organizations::region_id.eq(region.id))
            .filter(organizations::active.eq(true))
            .order(organizations::id)
            .select(organizations::id)
            .load(conn)?;
        let methodology = methodology::find(methodology::DEFAULT_ID)
            .ok_or_else(|| ApiError::internal("the default methodology is missing"))?;
        let settings = Settings::DEFAULT;
        let mut values = CycleValues {
            region_id: region.id,
            year,
            sector: SECTORS[0].0.into(),
            methodology_id: methodology.id.into(),
            settings_json: serde_json::to_string(&settings).map_err(ApiError::internal)?,
            operator_name: Some("ООО «Центр социологических исследований»".into()),
            operator_contract_number: Some(format!("03662000356{year}000123")),
            operator_contract_date: chrono::NaiveDate::from_ymd_opt(year, 4, 2),
            council_decision_number: Some("3".into()),
            council_decision_date: chrono::NaiveDate::from_ymd_opt(year, 12, 14),
            status: CycleStatus::ResultsSubmitted.as_str().into(),
            latest_approval_id: None,
            published_approval_id: None,
            published_at: None,
        };
        let row = cycles::insert(conn, &values)?;
        // Scored by the domain rules as the API scores entered inputs, written in bulk.
        let entered = organization_ids
            .iter()
            .enumerate()
            .map(|(k, &organization_id)| {
                // Vary by year too, so that places change between demo cycles.
                let inputs = inputs(k + year as usize)?;
                let results =
                    evaluations::score((methodology, &settings), &inputs, None)?.results();
                let stored = evaluations::Stored::of(Some(&inputs), None, Some(&results))?;
                Ok((organization_id, stored))
            })
            .collect::<ApiResult<Vec<_>>>()?;
        let evaluation_ids = cycles::add_evaluated(conn, &row, &entered)?;
        let submitted = crate::app::cycles::load(conn, &row)?;
        super::audited(conn, "cycle.created", "cycle", row.id, None, &submitted)?;
        let events = evaluation_ids
            .iter()
            .map(|&(evaluation_id, organization_id)| {
                let entered = serde_json::json!({"cycle_id": row.id,
                    "organization_id": organization_id, "region_id": region.id, "complete": true});
                let action = "evaluation.inputs_entered";
                Change::of(action, "evaluation", evaluation_id, None, Some(&entered))
            })
            .collect::<ApiResult<Vec<_>>>()?;
        audit::record_all(conn, &super::actor(), events)?;
        let snapshot = approvals::current(conn, &row, true)?;
        let approval = approvals::insert(
            conn,
            &NewApproval {
                cycle_id: row.id,
                decision_number: "3",
                decision_date: values.council_decision_date.unwrap_or_default(),
                meeting_id: None,
                approved_by: Some("demo"),
                snapshot: &snapshot,
            },
        )?;
        values.status = CycleStatus::Published.as_str().into();
        values.latest_approval_id = Some(approval.id);
        values.published_approval_id = Some(approval.id);
        values.published_at = Some(now());
        let published = cycles::update(conn, row.id, row.version, &values)?;
        let shown = crate::app::cycles::load(conn, &published)?;
        super::created(conn, "cycle", published.id, &shown)?;
        // The council's approval and the publication, as the API would have recorded them.
        let mut approved = serde_json::to_value(&submitted).map_err(ApiError::internal)?;
        approved["status"] = CycleStatus::Approved.as_str().into();
        let submitted = serde_json::to_value(&submitted).map_err(ApiError::internal)?;
        let audit = |conn: &mut DbConnection, action, before: &serde_json::Value, after| {
            super::audited(conn, action, "cycle", row.id, Some(before), after)
        };
        audit(conn, "cycle.approved", &submitted, &approved)?;
        let shown = serde_json::to_value(&shown).map_err(ApiError::internal)?;
        audit(conn, "cycle.published", &approved, &shown)?;
        crate::app::evaluations::feed_cycle(conn, &row, &published)?;
        Ok(Some((row.id, organization_ids.len())))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_inputs_are_valid_for_the_methodology() {
        let m = methodology::find(methodology::DEFAULT_ID).unwrap();
        for k in 0..50 {
            let inputs = inputs(k).unwrap();
            assert!(
                crate::domain::scoring::validate(m, &inputs).is_empty(),
                "{k}"
            );
        }
    }
}
