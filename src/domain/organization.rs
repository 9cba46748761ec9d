//! An organization of social services and the rules its registration data must satisfy.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use validator::{Validate, ValidationError};

use super::identifiers::{rules, Inn, Kpp, Ogrn};
use super::text;
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"full_name": "Иванова Мария Петровна", "position": "Директор"}))]
pub struct Head {
    #[validate(length(min = 1, max = PERSON_MAX), custom(function = text::one_line))]
    #[schema(schema_with = crate::views::limits::text::<1, PERSON_MAX>)]
    pub full_name: String,
    #[validate(length(min = 1, max = PERSON_MAX), custom(function = text::one_line))]
    #[schema(schema_with = crate::views::limits::text::<1, PERSON_MAX>)]
    pub position: String,
}

/// Everything an organization record holds apart from its identity and bookkeeping, as one
/// value that is either freshly submitted or an existing record with a patch applied.
/// The field rules are `validator`'s; the limits are the constants below, which the document
/// states too (`views::limits`), so they are written once.
#[derive(Debug, Clone, PartialEq, Eq, Validate)]
pub struct OrganizationDraft {
    pub region_id: i64,
    #[validate(length(min = 1, max = NAME_MAX), custom(function = text::one_line))]
    pub full_name: String,
    #[validate(length(min = 1, max = SHORT_NAME_MAX), custom(function = text::one_line))]
    pub short_name: String,
    #[validate(custom(function = rules::inn))]
    pub inn: String,
    #[validate(custom(function = rules::ogrn))]
    pub ogrn: String,
    #[validate(custom(function = rules::kpp))]
    pub kpp: Option<String>,
    pub ownership: Ownership,
    #[validate(length(min = 1, max = LONG_TEXT_MAX), custom(function = text::one_line))]
    pub founder: Option<String>,
    #[validate(length(
        min = 1,
        code = "required",
        message = "name at least one form of service: stationary, semi_stationary, home_based"
    ))]
    pub service_forms: Vec<ServiceForm>,
    #[validate(length(min = 1, max = LONG_TEXT_MAX), custom(function = text::one_line))]
    pub address: String,
    #[validate(length(max = WEBSITE_MAX), custom(function = web_address))]
    pub website: Option<String>,
    #[validate(length(min = 1, max = BUS_GOV_ID_MAX), custom(function = bus_gov_id_form))]
    pub bus_gov_id: Option<String>,
    #[validate(nested)]
    pub head: Option<Head>,
    pub active: bool,
}

pub const NAME_MAX: u64 = 1000;
pub const SHORT_NAME_MAX: u64 = 300;
pub const LONG_TEXT_MAX: u64 = 1000;
pub const PERSON_MAX: u64 = 300;
pub const BUS_GOV_ID_MAX: u64 = 64;
pub const WEBSITE_MAX: u64 = 500;

/// An absolute http:// or https:// address with a host name (a dot in it) and no spaces.
fn web_address(url: &str) -> Result<(), ValidationError> {
    let host = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .map(|rest| rest.split(['/', '?', '#']).next().unwrap_or(""));
    let message = match host {
        None => "must be an absolute http:// or https:// address",
        Some(host) if !host.contains('.') || url.chars().any(char::is_whitespace) => {
            "must be an absolute address with a host name and no spaces"
        }
        Some(_) => return Ok(()),
    };
    Err(ValidationError::new("format").with_message(message.into()))
}

fn bus_gov_id_form(id: &str) -> Result<(), ValidationError> {
    text::one_line(id)?;
    if id.chars().any(char::is_whitespace) {
        return Err(ValidationError::new("format")
            .with_message("bus.gov.ru id cannot contain spaces".into()));
    }
    Ok(())
}

impl OrganizationDraft {
    /// Trims text, checks every rule and returns the record as it will be stored, or every
    /// field that breaks a rule.
    pub fn validate(mut self) -> Result<Self, Vec<FieldError>> {
        self.trim();
        let mut errors = match Validate::validate(&self) {
            Ok(()) => Vec::new(),
            Err(report) => FieldError::from_report(&report),
        };
        self.check_registration_numbers(&mut errors);
        self.check_service_forms(&mut errors);
        if errors.is_empty() {
            Ok(self)
        } else {
            Err(errors)
        }
    }

    fn trim(&mut self) {
        let trim = |text: &mut String| {
            if text.trim().len() != text.len() {
                *text = text.trim().to_owned();
            }
        };
        for text in [
            &mut self.full_name,
            &mut self.short_name,
            &mut self.address,
            &mut self.inn,
            &mut self.ogrn,
        ] {
            trim(text);
        }
        for text in [
            &mut self.kpp,
            &mut self.founder,
            &mut self.website,
            &mut self.bus_gov_id,
        ]
        .into_iter()
        .flatten()
        {
            trim(text);
        }
        if let Some(head) = &mut self.head {
            trim(&mut head.full_name);
            trim(&mut head.position);
        }
    }

    /// What the numbers say together (each one's own form and check digit are field rules): a
    /// legal entity has a 10-digit INN, a 13-digit OGRN and a KPP; an individual entrepreneur
    /// a 12-digit INN, a 15-digit OGRNIP and no KPP.
    fn check_registration_numbers(&self, errors: &mut Vec<FieldError>) {
        let (Ok(inn), ogrn) = (Inn::parse(&self.inn), Ogrn::parse(&self.ogrn)) else {
            return;
        };
        if let Ok(ogrn) = ogrn {
            if inn.is_legal_entity() != ogrn.is_legal_entity() {
                errors.push(FieldError::new(
                    "ogrn",
                    "mismatch",
                    "a 10-digit INN goes with a 13-digit OGRN, a 12-digit INN with a 15-digit OGRNIP",
                ));
            }
        }
        let kpp = self.kpp.as_deref().map(Kpp::parse);
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

    fn check_service_forms(&mut self, errors: &mut Vec<FieldError>) {
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
