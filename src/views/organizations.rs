//! Bodies of `/api/v1/organizations`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::limits;
use super::{nullable, patch_required};
use crate::db::organizations::OrganizationRow;
use crate::domain::organization::{
    Head, OrganizationDraft, Ownership, ServiceForm, BUS_GOV_ID_MAX, LONG_TEXT_MAX, NAME_MAX,
    SHORT_NAME_MAX, WEBSITE_MAX,
};
use crate::domain::FieldError;
use crate::error::ApiResult;

/// An organization of social services.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": 1, "region_id": 2,
    "full_name": "Государственное учреждение Тульской области «Дубенский дом-интернат для престарелых и инвалидов»",
    "short_name": "ГУТО «Дубенский дом-интернат для престарелых и инвалидов»",
    "inn": "7133001236", "ogrn": "1027101587720", "kpp": "713301001",
    "ownership": "state",
    "founder": "Министерство труда и социальной защиты Тульской области",
    "service_forms": ["stationary"],
    "address": "301160, Тульская область, п. Дубна, ул. Первомайская, д. 12",
    "website": null, "bus_gov_id": null,
    "head": {"full_name": "Иванова Мария Петровна", "position": "Директор"},
    "active": true,
    "created_at": "2026-11-24T10:00:00Z", "updated_at": "2026-11-24T10:00:00Z"
}))]
pub struct Organization {
    pub id: i64,
    pub region_id: i64,
    /// Полное наименование.
    pub full_name: String,
    /// Сокращённое наименование.
    pub short_name: String,
    /// ИНН: 10 digits (legal entity) or 12 (individual entrepreneur).
    pub inn: String,
    /// ОГРН (13 digits) or ОГРНИП (15 digits).
    pub ogrn: String,
    /// КПП; absent for individual entrepreneurs.
    pub kpp: Option<String>,
    pub ownership: Ownership,
    /// Учредитель.
    pub founder: Option<String>,
    /// Forms of service provided, in canonical order.
    pub service_forms: Vec<ServiceForm>,
    pub address: String,
    pub website: Option<String>,
    /// Identifier of the organization on bus.gov.ru.
    pub bus_gov_id: Option<String>,
    /// Руководитель.
    pub head: Option<Head>,
    /// Deactivated organizations are kept for history and leave their INN free.
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Organization {
    pub fn of(row: &OrganizationRow) -> ApiResult<Self> {
        Ok(Self {
            id: row.id,
            region_id: row.region_id,
            full_name: row.full_name.clone(),
            short_name: row.short_name.clone(),
            inn: row.inn.clone(),
            ogrn: row.ogrn.clone(),
            kpp: row.kpp.clone(),
            ownership: row.ownership()?,
            founder: row.founder.clone(),
            service_forms: row.service_forms(),
            address: row.address.clone(),
            website: row.website.clone(),
            bus_gov_id: row.bus_gov_id.clone(),
            head: row.head(),
            active: row.active,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        })
    }
}

/// A new organization. It starts active.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "region_id": 2,
    "full_name": "Государственное учреждение Тульской области «Дубенский дом-интернат для престарелых и инвалидов»",
    "short_name": "ГУТО «Дубенский дом-интернат для престарелых и инвалидов»",
    "inn": "7133001236", "ogrn": "1027101587720", "kpp": "713301001",
    "ownership": "state",
    "founder": "Министерство труда и социальной защиты Тульской области",
    "service_forms": ["stationary"],
    "address": "301160, Тульская область, п. Дубна, ул. Первомайская, д. 12"
}))]
pub struct NewOrganization {
    pub region_id: i64,
    #[schema(schema_with = limits::text::<1, NAME_MAX>)]
    pub full_name: String,
    #[schema(schema_with = limits::text::<1, SHORT_NAME_MAX>)]
    pub short_name: String,
    /// 10 digits for a legal entity, 12 for an individual entrepreneur; check digits are verified.
    #[schema(pattern = r"^[0-9]{10}([0-9]{2})?$")]
    pub inn: String,
    /// 13 digits (OGRN) or 15 (OGRNIP), matching the INN's kind; the check digit is verified.
    #[schema(pattern = r"^[0-9]{13}([0-9]{2})?$")]
    pub ogrn: String,
    /// Required for a legal entity, absent for an individual entrepreneur.
    #[schema(pattern = r"^[0-9]{4}[0-9A-Z]{2}[0-9]{3}$")]
    #[serde(default)]
    pub kpp: Option<String>,
    pub ownership: Ownership,
    #[schema(schema_with = limits::nullable_text::<1, LONG_TEXT_MAX>)]
    #[serde(default)]
    pub founder: Option<String>,
    /// At least one, each at most once.
    #[schema(min_items = 1, max_items = 3)]
    pub service_forms: Vec<ServiceForm>,
    #[schema(schema_with = limits::text::<1, LONG_TEXT_MAX>)]
    pub address: String,
    #[schema(schema_with = website)]
    #[serde(default)]
    pub website: Option<String>,
    #[schema(schema_with = limits::nullable_text::<1, BUS_GOV_ID_MAX>)]
    #[serde(default)]
    pub bus_gov_id: Option<String>,
    #[serde(default)]
    pub head: Option<Head>,
}

impl From<NewOrganization> for OrganizationDraft {
    fn from(n: NewOrganization) -> Self {
        Self {
            region_id: n.region_id,
            full_name: n.full_name,
            short_name: n.short_name,
            inn: n.inn,
            ogrn: n.ogrn,
            kpp: n.kpp,
            ownership: n.ownership,
            founder: n.founder,
            service_forms: n.service_forms,
            address: n.address,
            website: n.website,
            bus_gov_id: n.bus_gov_id,
            head: n.head,
            active: true,
        }
    }
}

/// A JSON merge patch (RFC 7396): absent fields stay as they are, `null` clears an optional
/// field. The result must satisfy every rule a new organization does.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"short_name": "ГУТО «Дубенский ДИПИ»", "website": null, "service_forms": ["stationary", "semi_stationary"]}))]
pub struct OrganizationPatch {
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = i64, required = false)]
    pub region_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(schema_with = limits::text::<1, NAME_MAX>, required = false)]
    pub full_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(schema_with = limits::text::<1, SHORT_NAME_MAX>, required = false)]
    pub short_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = String, required = false, pattern = r"^[0-9]{10}([0-9]{2})?$")]
    pub inn: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = String, required = false, pattern = r"^[0-9]{13}([0-9]{2})?$")]
    pub ogrn: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, required = false, pattern = r"^[0-9]{4}[0-9A-Z]{2}[0-9]{3}$")]
    pub kpp: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Ownership, required = false)]
    pub ownership: Option<Option<Ownership>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(schema_with = limits::nullable_text::<1, LONG_TEXT_MAX>, required = false)]
    pub founder: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Vec<ServiceForm>, required = false, min_items = 1, max_items = 3)]
    pub service_forms: Option<Option<Vec<ServiceForm>>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(schema_with = limits::text::<1, LONG_TEXT_MAX>, required = false)]
    pub address: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(schema_with = website, required = false)]
    pub website: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(schema_with = limits::nullable_text::<1, BUS_GOV_ID_MAX>, required = false)]
    pub bus_gov_id: Option<Option<String>>,
    /// Replaces the head as a whole; `null` removes it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Head>, required = false)]
    pub head: Option<Option<Head>>,
    /// `true` reactivates a deactivated organization (its INN must be free again).
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = bool, required = false)]
    pub active: Option<Option<bool>>,
}

impl OrganizationPatch {
    /// Applies the patch to `d`; `null` for a required field is refused.
    pub fn apply(self, d: &mut OrganizationDraft) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        patch_required(&mut d.region_id, self.region_id, "region_id", &mut errors);
        patch_required(&mut d.full_name, self.full_name, "full_name", &mut errors);
        patch_required(
            &mut d.short_name,
            self.short_name,
            "short_name",
            &mut errors,
        );
        patch_required(&mut d.inn, self.inn, "inn", &mut errors);
        patch_required(&mut d.ogrn, self.ogrn, "ogrn", &mut errors);
        patch_required(&mut d.ownership, self.ownership, "ownership", &mut errors);
        patch_required(
            &mut d.service_forms,
            self.service_forms,
            "service_forms",
            &mut errors,
        );
        patch_required(&mut d.address, self.address, "address", &mut errors);
        patch_required(&mut d.active, self.active, "active", &mut errors);
        for (slot, value) in [
            (&mut d.kpp, self.kpp),
            (&mut d.founder, self.founder),
            (&mut d.website, self.website),
            (&mut d.bus_gov_id, self.bus_gov_id),
        ] {
            if let Some(value) = value {
                *slot = value;
            }
        }
        if let Some(head) = self.head {
            d.head = head;
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// The schema of `website`: its limit is the domain's, which `schema_with` takes (see
/// `views::limits`), and a description, which `schema_with` would drop from the field's doc.
fn website() -> utoipa::openapi::schema::Object {
    let mut schema = limits::nullable_text::<0, WEBSITE_MAX>();
    schema.description = Some("Absolute http:// or https:// address.".into());
    schema
}
