//! The operator (организация-оператор) with its state contracts as the API shows and takes it.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::limits;
use crate::domain::identifiers::rules;
use crate::domain::operator::{NAME_MAX, NUMBER_MAX, SUBJECT_MAX, TECHNICAL_TASK_MAX};
use crate::domain::text;

/// The organization that collects and analyses the information on the quality of services in a
/// region, chosen by a state contract (seed 002, measure 5), with the users who act for it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Operator {
    pub id: i64,
    pub region_id: i64,
    #[schema(example = "АУ ХМАО – Югры «Региональный социально-технологический центр»")]
    pub name: String,
    /// ИНН, checked with its check digits.
    #[schema(example = "8601012345")]
    pub inn: Option<String>,
    /// The state contracts it works under, in the order they were recorded.
    pub contracts: Vec<OperatorContract>,
    /// Every cycle its contracts cover, in id order.
    pub cycle_ids: Vec<i64>,
    /// Its users (role `operator`, same region), in id order.
    pub member_user_ids: Vec<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A state contract (государственный контракт) of the operator.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OperatorContract {
    pub id: i64,
    #[schema(example = "0187200001716000123-0045")]
    pub number: String,
    /// The day it was concluded (signed).
    pub concluded_on: NaiveDate,
    /// «Предмет контракта».
    pub subject: String,
    /// Its term, first and last day.
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    /// The technical task (техническое задание) it was concluded under.
    pub technical_task: Option<String>,
    /// The cycles it covers, in id order; a cycle is covered by one contract at most.
    pub cycle_ids: Vec<i64>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "АУ ХМАО – Югры «Региональный социально-технологический центр»",
    "inn": "8601012345", "user_ids": [12]}))]
pub struct NewOperator {
    #[validate(length(min = 1, max = NAME_MAX), custom(function = text::one_line))]
    #[schema(schema_with = limits::text::<1, NAME_MAX>)]
    pub name: String,
    /// ИНН: 10 digits (legal entity) or 12 (individual entrepreneur), with valid check digits.
    #[serde(default)]
    #[validate(custom(function = rules::inn))]
    pub inn: Option<String>,
    /// Users who act for it: role `operator` of the same region, not yet of another operator.
    #[serde(default)]
    pub user_ids: Vec<i64>,
}

#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"number": "0187200001716000123-0045", "concluded_on": "2017-03-27",
    "subject": "Оказание услуг по сбору, обобщению и анализу информации о качестве оказания услуг организациями социального обслуживания",
    "starts_on": "2017-03-27", "ends_on": "2017-12-15",
    "technical_task": "Сбор информации в 40 организациях социального обслуживания", "cycle_ids": [3, 4]}))]
pub struct NewOperatorContract {
    #[validate(length(min = 1, max = NUMBER_MAX), custom(function = text::one_line))]
    #[schema(schema_with = limits::text::<1, NUMBER_MAX>)]
    pub number: String,
    pub concluded_on: NaiveDate,
    #[validate(length(min = 1, max = SUBJECT_MAX), custom(function = text::paragraphs))]
    #[schema(schema_with = limits::text::<1, SUBJECT_MAX>)]
    pub subject: String,
    pub starts_on: NaiveDate,
    /// Not before `starts_on`.
    pub ends_on: NaiveDate,
    #[serde(default)]
    #[validate(length(max = TECHNICAL_TASK_MAX), custom(function = text::paragraphs))]
    #[schema(schema_with = limits::nullable_text::<0, TECHNICAL_TASK_MAX>, required = false)]
    pub technical_task: Option<String>,
    /// Cycles of the operator's region that no contract covers yet.
    #[serde(default)]
    pub cycle_ids: Vec<i64>,
}
