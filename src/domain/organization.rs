//! An organization of social services and the rules its registration data must satisfy.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::identifiers::{Inn, Kpp, Ogrn};
use super::text::{self, TextRule};
use super::variants::variant_names;
use crate::domain::FieldError;

/// Form of ownership (форма собственности).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Ownership {
    State,
    Municipal,
    NonState,
}

variant_names!(Ownership {
    State => "state",
    Municipal => "municipal",
    NonState => "non_state",
});

/// Form of social service (форма социального обслуживания); ratings are approved per form.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ServiceForm {
    /// стационарная форма
    Stationary,
    /// полустационарная форма
    SemiStationary,
    /// форма социального обслуживания на дому
    HomeBased,
}

variant_names!(ServiceForm {
    Stationary => "stationary",
    SemiStationary => "semi_stationary",
    HomeBased => "home_based",
});

impl ServiceForm {
    /// The official wording (ФЗ № 442-ФЗ, ст. 19).
    pub fn official_name(self) -> &'static str {
        match self {
            Self::Stationary => "стационарная форма",
            Self::SemiStationary => "полустационарная форма",
            Self::HomeBased => "форма социального обслуживания на дому",
        }
    }
}

/// The head of the organization (руководитель).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"full_name": "Иванова Мария Петровна", "position": "Директор"}))]
pub struct Head {
    #[schema(min_length = 1, max_length = 300)]
    pub full_name: String,
    #[schema(min_length = 1, max_length = 300)]
    pub position: String,
}

/// Everything an organization record holds apart from its identity and bookkeeping, as one
/// value that is either freshly submitted or an existing record with a patch applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganizationDraft {
    pub region_id: i64,
    pub full_name: String,
    pub short_name: String,
    pub inn: String,
    pub ogrn: String,
    pub kpp: Option<String>,
    pub ownership: Ownership,
    pub founder: Option<String>,
    pub service_forms: Vec<ServiceForm>,
    pub address: String,
    pub website: Option<String>,
    pub bus_gov_id: Option<String>,
    pub head: Option<Head>,
    pub active: bool,
}

pub const NAME_RULE: TextRule = TextRule::required(1000);
pub const SHORT_NAME_RULE: TextRule = TextRule::required(300);
pub const LONG_TEXT_RULE: TextRule = TextRule::required(1000);
pub const PERSON_RULE: TextRule = TextRule::required(300);
pub const BUS_GOV_ID_RULE: TextRule = TextRule::required(64);
pub const WEBSITE_MAX: usize = 500;

impl OrganizationDraft {
    /// Trims text, checks every rule and returns the record as it will be stored, or every
    /// field that breaks a rule.
    pub fn validate(mut self) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        text::check(&mut self.full_name, "full_name", NAME_RULE, &mut errors);
        text::check(
            &mut self.short_name,
            "short_name",
            SHORT_NAME_RULE,
            &mut errors,
        );
        text::check(&mut self.address, "address", LONG_TEXT_RULE, &mut errors);
        text::check_optional(&mut self.founder, "founder", LONG_TEXT_RULE, &mut errors);
        text::check_optional(
            &mut self.bus_gov_id,
            "bus_gov_id",
            BUS_GOV_ID_RULE,
            &mut errors,
        );
        if let Some(id) = &self.bus_gov_id {
            if id.chars().any(char::is_whitespace) {
                errors.push(FieldError::new(
                    "bus_gov_id",
                    "format",
                    "bus.gov.ru id cannot contain spaces",
                ));
            }
        }
        if let Some(head) = &mut self.head {
            text::check(
                &mut head.full_name,
                "head.full_name",
                PERSON_RULE,
                &mut errors,
            );
            text::check(
                &mut head.position,
                "head.position",
                PERSON_RULE,
                &mut errors,
            );
        }
        self.check_website(&mut errors);
        self.check_registration_numbers(&mut errors);
        self.check_service_forms(&mut errors);
        if errors.is_empty() {
            Ok(self)
        } else {
            Err(errors)
        }
    }

    fn check_website(&mut self, errors: &mut Vec<FieldError>) {
        let Some(url) = &mut self.website else { return };
        *url = url.trim().to_owned();
        let host = url
            .strip_prefix("https://")
            .or_else(|| url.strip_prefix("http://"))
            .map(|rest| rest.split(['/', '?', '#']).next().unwrap_or(""));
        let message = match host {
            _ if url.chars().count() > WEBSITE_MAX => Some((
                "too_long",
                format!("must be at most {WEBSITE_MAX} characters"),
            )),
            None => Some((
                "format",
                "must be an absolute http:// or https:// address".to_owned(),
            )),
            Some(host) if !host.contains('.') || url.chars().any(char::is_whitespace) => Some((
                "format",
                "must be an absolute address with a host name and no spaces".to_owned(),
            )),
            Some(_) => None,
        };
        if let Some((code, message)) = message {
            errors.push(FieldError::new("website", code, message));
        }
    }

    fn check_registration_numbers(&mut self, errors: &mut Vec<FieldError>) {
        let inn = Inn::parse(self.inn.trim()).map_err(|e| {
            errors.push(FieldError::new("inn", e.code, e.message));
        });
        let ogrn = Ogrn::parse(self.ogrn.trim()).map_err(|e| {
            errors.push(FieldError::new("ogrn", e.code, e.message));
        });
        let kpp = self.kpp.as_deref().map(|k| {
            Kpp::parse(k.trim()).map_err(|e| errors.push(FieldError::new("kpp", e.code, e.message)))
        });
        // A legal entity has a 10-digit INN, a 13-digit OGRN and a KPP; an individual
        // entrepreneur a 12-digit INN, a 15-digit OGRNIP and no KPP.
        if let (Ok(inn), Ok(ogrn)) = (&inn, &ogrn) {
            if inn.is_legal_entity() != ogrn.is_legal_entity() {
                errors.push(FieldError::new(
                    "ogrn",
                    "mismatch",
                    "a 10-digit INN goes with a 13-digit OGRN, a 12-digit INN with a 15-digit OGRNIP",
                ));
            }
        }
        if let Ok(inn) = &inn {
            match (inn.is_legal_entity(), &kpp) {
                (true, None) => errors.push(FieldError::new(
                    "kpp",
                    "required",
                    "a legal entity (10-digit INN) must have a KPP",
                )),
                (false, Some(_)) => errors.push(FieldError::new(
                    "kpp",
                    "not_allowed",
                    "an individual entrepreneur (12-digit INN) has no KPP",
                )),
                _ => {}
            }
            if !inn.is_legal_entity() && self.ownership != Ownership::NonState {
                errors.push(FieldError::new(
                    "ownership",
                    "mismatch",
                    "an individual entrepreneur (12-digit INN) can only be non_state",
                ));
            }
        }
        self.inn = self.inn.trim().to_owned();
        self.ogrn = self.ogrn.trim().to_owned();
        if let Some(kpp) = &mut self.kpp {
            *kpp = kpp.trim().to_owned();
        }
    }

    fn check_service_forms(&mut self, errors: &mut Vec<FieldError>) {
        if self.service_forms.is_empty() {
            errors.push(FieldError::new(
                "service_forms",
                "required",
                "name at least one form of service: stationary, semi_stationary, home_based",
            ));
        }
        for (i, form) in self.service_forms.iter().enumerate() {
            if self.service_forms[..i].contains(form) {
                errors.push(FieldError::new(
                    format!("service_forms[{i}]"),
                    "duplicate",
                    format!("{} is listed twice", form.as_str()),
                ));
            }
        }
        self.service_forms.sort();
    }

    /// Names of the fields whose values differ between `self` and `other`.
    pub fn changed_fields(&self, other: &Self) -> Vec<&'static str> {
        [
            ("region_id", self.region_id != other.region_id),
            ("full_name", self.full_name != other.full_name),
            ("short_name", self.short_name != other.short_name),
            ("inn", self.inn != other.inn),
            ("ogrn", self.ogrn != other.ogrn),
            ("kpp", self.kpp != other.kpp),
            ("ownership", self.ownership != other.ownership),
            ("founder", self.founder != other.founder),
            ("service_forms", self.service_forms != other.service_forms),
            ("address", self.address != other.address),
            ("website", self.website != other.website),
            ("bus_gov_id", self.bus_gov_id != other.bus_gov_id),
            ("head", self.head != other.head),
            ("active", self.active != other.active),
        ]
        .into_iter()
        .filter(|(_, changed)| *changed)
        .map(|(name, _)| name)
        .collect()
    }

    pub fn serves(&self, form: ServiceForm) -> bool {
        self.service_forms.contains(&form)
    }

    /// The folded names that `q` searches.
    pub fn search_key(&self) -> String {
        format!(
            "{}\n{}",
            text::fold(&self.full_name),
            text::fold(&self.short_name)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn draft() -> OrganizationDraft {
        OrganizationDraft {
            region_id: 1,
            full_name: "  Государственное учреждение Тульской области «Дубенский дом-интернат для престарелых и инвалидов» ".into(),
            short_name: "ГУТО «Дубенский дом-интернат»".into(),
            inn: "7707083893".into(),
            ogrn: "1027700132195".into(),
            kpp: Some("773601001".into()),
            ownership: Ownership::State,
            founder: Some("Министерство труда и социальной защиты Тульской области".into()),
            service_forms: vec![ServiceForm::HomeBased, ServiceForm::Stationary],
            address: "Тульская область, п. Дубна".into(),
            website: Some("https://example.tularegion.ru/".into()),
            bus_gov_id: None,
            head: Some(Head {
                full_name: "Иванова Мария Петровна".into(),
                position: "Директор".into(),
            }),
            active: true,
        }
    }

    fn codes(result: Result<OrganizationDraft, Vec<FieldError>>) -> Vec<(String, String)> {
        result
            .unwrap_err()
            .into_iter()
            .map(|e| (e.field, e.code))
            .collect()
    }

    #[test]
    fn a_valid_draft_is_trimmed_and_its_forms_sorted() {
        let valid = draft().validate().unwrap();
        assert!(valid.full_name.starts_with("Государственное"));
        assert!(valid.full_name.ends_with('»'));
        assert_eq!(
            valid.service_forms,
            vec![ServiceForm::Stationary, ServiceForm::HomeBased]
        );
    }

    #[test]
    fn every_broken_field_is_reported_at_once() {
        let mut d = draft();
        d.full_name = "   ".into();
        d.inn = "7707083894".into();
        d.ogrn = "10277001321".into();
        d.website = Some("example.ru".into());
        d.service_forms = vec![];
        d.head = Some(Head {
            full_name: "".into(),
            position: "Директор".into(),
        });
        let found = codes(d.validate());
        for expected in [
            ("full_name", "required"),
            ("inn", "check_digit"),
            ("ogrn", "length"),
            ("website", "format"),
            ("service_forms", "required"),
            ("head.full_name", "required"),
        ] {
            assert!(
                found.contains(&(expected.0.into(), expected.1.into())),
                "{expected:?} not in {found:?}"
            );
        }
    }

    #[test]
    fn legal_entity_and_entrepreneur_numbers_must_agree() {
        let mut d = draft();
        d.kpp = None;
        assert_eq!(codes(d.validate()), vec![("kpp".into(), "required".into())]);

        let mut d = draft();
        d.ogrn = "304500116000157".into();
        assert_eq!(
            codes(d.validate()),
            vec![("ogrn".into(), "mismatch".into())]
        );

        let mut d = draft();
        d.inn = "500100732259".into();
        d.ogrn = "304500116000157".into();
        assert_eq!(
            codes(d.validate()),
            vec![
                ("kpp".into(), "not_allowed".into()),
                ("ownership".into(), "mismatch".into())
            ]
        );

        let mut d = draft();
        d.inn = "500100732259".into();
        d.ogrn = "304500116000157".into();
        d.kpp = None;
        d.ownership = Ownership::NonState;
        assert!(d.validate().is_ok());
    }

    #[test]
    fn duplicate_service_forms_are_named_by_position() {
        let mut d = draft();
        d.service_forms = vec![ServiceForm::HomeBased, ServiceForm::HomeBased];
        assert_eq!(
            codes(d.validate()),
            vec![("service_forms[1]".into(), "duplicate".into())]
        );
    }

    #[test]
    fn search_key_folds_cyrillic_case_and_yo() {
        let mut d = draft();
        d.short_name = "ГАУСО СО «КЦСОН города Берёзовского»".into();
        assert!(d.search_key().contains("кцсон города березовского"));
    }
}
