//! Ratings and the council's approvals as the API shows them.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::Serialize;
use utoipa::ToSchema;

use super::timestamp;
use crate::db::approvals::ApprovalRow;
use crate::db::cycles::CycleRow;
use crate::domain::cycle::CouncilDecision;

/// What the rating rests on.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Basis {
    /// `approval`: a frozen snapshot the council approved; `current`: results as they stand,
    /// not approved (seen only by the cycle's own readers).
    #[schema(value_type = super::closed_sets::BasisKind, example = "approval")]
    pub kind: String,
    pub approval_number: Option<i32>,
    pub council_decision: Option<CouncilDecision>,
    pub approved_at: Option<DateTime<Utc>>,
}

impl Basis {
    pub fn of(approval: Option<&ApprovalRow>) -> Self {
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

/// A criterion's score in a rating line.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CriterionPoints {
    #[schema(example = "K1")]
    pub code: String,
    /// At the cycle's precision ("92.00").
    #[schema(value_type = Option<String>, example = "92.00")]
    pub score: Option<Decimal>,
}

/// The organization's result in its previous approved assessment, and the change since.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PreviousResult {
    pub cycle_id: i64,
    pub year: i32,
    /// Its place then, in the rating of the same form of service by the same criterion.
    pub place: Option<u32>,
    #[schema(value_type = Option<String>, example = "88.40")]
    pub score: Option<Decimal>,
    /// Score now minus score then, at the cycle's precision.
    #[schema(value_type = Option<String>, example = "3.20")]
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
    #[schema(value_type = Option<String>, example = "91.60")]
    pub score: Option<Decimal>,
    pub criteria: Vec<CriterionPoints>,
    #[schema(value_type = Option<String>, example = "91.60")]
    pub total: Option<Decimal>,
    pub previous: Option<PreviousResult>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Rating {
    pub cycle_id: i64,
    pub region_id: i64,
    pub year: i32,
    /// `all`, `stationary`, `semi_stationary` or `home_based`.
    #[schema(value_type = super::closed_sets::RatedForm)]
    pub service_form: String,
    /// `total` or a criterion code.
    #[schema(value_type = super::closed_sets::RatedBy)]
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

/// A council approval of a cycle's results and ratings.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Approval {
    pub cycle_id: i64,
    /// 1 for the first approval of the cycle, 2 after a reopening and a new approval, …
    pub number: i32,
    pub council_decision: CouncilDecision,
    /// The council meeting whose decision it is, if the approval names one.
    pub meeting_id: Option<i64>,
    /// Who recorded it.
    pub approved_by: Option<String>,
    pub approved_at: DateTime<Utc>,
    /// This is the approval anonymous readers see.
    pub published: bool,
    /// This is the cycle's latest approval.
    pub latest: bool,
}

impl Approval {
    pub fn of(row: &ApprovalRow, cycle: &CycleRow) -> Approval {
        Approval {
            cycle_id: row.cycle_id,
            number: row.number,
            council_decision: CouncilDecision {
                number: row.decision_number.clone(),
                date: row.decision_date,
            },
            meeting_id: row.meeting_id,
            approved_by: row.approved_by.clone(),
            approved_at: timestamp(row.approved_at),
            published: cycle.published_approval_id == Some(row.id),
            latest: cycle.latest_approval_id == Some(row.id),
        }
    }
}
