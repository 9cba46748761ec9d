//! Bodies of `/api/v1/methodologies`.

use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::methodology::{ListKind, Methodology as Version, Settings};
use crate::error::{ApiError, ApiResult};

#[derive(Debug, Serialize, ToSchema)]
pub struct Methodology {
    /// `mintrud-344n-2018`, `pre-2018-five-criteria`.
    pub id: String,
    /// Official title.
    pub title: String,
    /// `false` for a version kept only for the sections of plans of its era.
    pub computable: bool,
    pub default_settings: Settings,
    pub criteria: Vec<Criterion>,
    pub lists: Vec<ItemList>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Criterion {
    /// `K1` … `K5`.
    pub code: String,
    pub name: String,
    /// Heading of the criterion's section in plans and reports.
    pub section_title: String,
    pub indicators: Vec<Indicator>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Indicator {
    /// `1.1` … `5.3`.
    pub code: String,
    pub name: String,
    /// Weight in the criterion when waiting time (2.2) is applied.
    #[schema(example = "0.3")]
    pub weight: String,
    /// Weight when waiting time is not applied, where it differs.
    #[schema(example = "0.5")]
    pub weight_without_waiting_time: Option<String>,
    /// How the points are computed.
    #[schema(value_type = Object)]
    pub rule: serde_json::Value,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ItemList {
    /// Also the field of evaluation inputs that holds the list.
    pub kind: ListKind,
    pub name: String,
    pub items: Vec<Item>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Item {
    pub code: String,
    pub name: String,
}

impl Methodology {
    pub fn of(m: &Version) -> ApiResult<Self> {
        let criteria = m
            .criteria
            .iter()
            .map(|c| {
                let indicators = c
                    .indicators
                    .iter()
                    .map(|i| {
                        Ok(Indicator {
                            code: i.code.into(),
                            name: i.name.into(),
                            weight: i.weight.normalize().to_string(),
                            weight_without_waiting_time: i
                                .weight_without_waiting_time
                                .map(|w| w.normalize().to_string()),
                            rule: serde_json::to_value(i.rule).map_err(ApiError::internal)?,
                        })
                    })
                    .collect::<ApiResult<_>>()?;
                Ok(Criterion {
                    code: c.code.into(),
                    name: c.name.into(),
                    section_title: c.section_title.into(),
                    indicators,
                })
            })
            .collect::<ApiResult<_>>()?;
        let lists = ListKind::ALL
            .into_iter()
            .filter(|kind| !m.lists.get(*kind).is_empty())
            .map(|kind| ItemList {
                kind,
                name: kind.name().into(),
                items: m
                    .lists
                    .get(kind)
                    .iter()
                    .map(|i| Item {
                        code: i.code.into(),
                        name: i.name.into(),
                    })
                    .collect(),
            })
            .collect();
        Ok(Self {
            id: m.id.into(),
            title: m.title.into(),
            computable: m.computable,
            default_settings: m.default_settings,
            criteria,
            lists,
        })
    }
}
