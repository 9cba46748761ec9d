//! Scoring methodologies as versioned data: criteria, indicators, weights, the rule of each
//! indicator, the item lists the point indicators count, and the settings METHODOLOGY.md marks
//! uncertain. A result keeps the methodology id and settings it was computed with, so a later act
//! adds a version here instead of changing code paths.

use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::survey::Question;
use crate::domain::FieldError;

/// The methodology a cycle uses unless it names another.
pub const DEFAULT_ID: &str = "mintrud-344n-2018";

/// One methodology version.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Methodology {
    /// Stable id stored with cycles and results.
    pub id: &'static str,
    /// Official Russian title.
    pub title: &'static str,
    pub criteria: &'static [Criterion],
    pub lists: Lists,
    pub default_settings: Settings,
    /// `false` for versions kept only for their criteria (plan sections of older cycles).
    pub computable: bool,
}

/// A criterion (критерий): the weighted sum of its indicators.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Criterion {
    /// `K1` … `K5`.
    pub code: &'static str,
    /// Official wording of the criterion.
    pub name: &'static str,
    /// The heading of the criterion's section in plans and reports ("Показатели, характеризующие …").
    pub section_title: &'static str,
    pub indicators: &'static [Indicator],
}

/// An indicator (показатель), 0–100 points.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Indicator {
    /// `1.1` … `5.3`.
    pub code: &'static str,
    /// Official wording of the indicator.
    pub name: &'static str,
    pub rule: PointRule,
    /// Weight in its criterion when waiting time (2.2) is applied.
    pub weight: Decimal,
    /// Weight when waiting time is not applied, where it differs; the waiting-time indicator
    /// itself is left out then.
    pub weight_without_waiting_time: Option<Decimal>,
}

/// How an indicator's points are computed from the inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PointRule {
    /// Mean over the media of found / required check-list items × 100 (1.1:
    /// 0.5 × (Istand / Nstand + Isite / Nsite) × 100).
    ChecklistShare { lists: &'static [ListKind] },
    /// `points` per listed item present, at most `cap` (1.2, 2.1, 3.1, 3.2).
    PointsPerItem {
        list: ListKind,
        points: u32,
        cap: u32,
    },
    /// S / denominator × 100 on one survey question.
    SurveyShare {
        question: Question,
        denominator: SurveyDenominator,
    },
    /// Satisfaction with information on two media (1.3); the form is [`OneThreeVariant`].
    TwoMediumSurveyShare { stand: Question, site: Question },
    /// Share served on time × 100 (2.2); present only when waiting time is applied.
    WaitingTimeShare,
}

/// Whom a survey share is counted over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SurveyDenominator {
    /// R: respondents who answered the question.
    Answered,
    /// Respondents with a disability who answered (only they are asked; 3.3).
    DisabledRespondents,
    /// Users of remote interaction who answered, or all respondents: [`FourThreeVariant`] (4.3).
    RemoteUsers,
}

/// The item lists of the point and check-list indicators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ListKind {
    StandInformation,
    SiteInformation,
    RemoteMethods,
    ComfortConditions,
    PremisesConditions,
    ServiceConditions,
}

impl ListKind {
    pub const ALL: [ListKind; 6] = [
        Self::StandInformation,
        Self::SiteInformation,
        Self::RemoteMethods,
        Self::ComfortConditions,
        Self::PremisesConditions,
        Self::ServiceConditions,
    ];

    /// The code, which is also the field of evaluation inputs that holds the list.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::StandInformation => "stand_information",
            Self::SiteInformation => "site_information",
            Self::RemoteMethods => "remote_methods",
            Self::ComfortConditions => "comfort_conditions",
            Self::PremisesConditions => "premises_conditions",
            Self::ServiceConditions => "service_conditions",
        }
    }

    /// Russian name for people.
    pub fn name(self) -> &'static str {
        match self {
            Self::StandInformation => "Информационные стенды в помещении организации",
            Self::SiteInformation => "Официальный сайт организации в сети «Интернет»",
            Self::RemoteMethods => "Дистанционные способы взаимодействия с получателями услуг",
            Self::ComfortConditions => "Комфортные условия предоставления услуг",
            Self::PremisesConditions => {
                "Оборудование помещений и прилегающей территории с учетом доступности для инвалидов"
            }
            Self::ServiceConditions => {
                "Условия доступности, позволяющие инвалидам получать услуги наравне с другими"
            }
        }
    }
}

/// One list item: stable code and official Russian name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Item {
    pub code: &'static str,
    pub name: &'static str,
}

const fn item(code: &'static str, name: &'static str) -> Item {
    Item { code, name }
}

/// The lists of one methodology version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Lists {
    pub stand_information: &'static [Item],
    pub site_information: &'static [Item],
    pub remote_methods: &'static [Item],
    pub comfort_conditions: &'static [Item],
    pub premises_conditions: &'static [Item],
    pub service_conditions: &'static [Item],
}

impl Lists {
    pub const EMPTY: Lists = Lists {
        stand_information: &[],
        site_information: &[],
        remote_methods: &[],
        comfort_conditions: &[],
        premises_conditions: &[],
        service_conditions: &[],
    };

    pub fn get(&self, kind: ListKind) -> &'static [Item] {
        match kind {
            ListKind::StandInformation => self.stand_information,
            ListKind::SiteInformation => self.site_information,
            ListKind::RemoteMethods => self.remote_methods,
            ListKind::ComfortConditions => self.comfort_conditions,
            ListKind::PremisesConditions => self.premises_conditions,
            ListKind::ServiceConditions => self.service_conditions,
        }
    }

    pub fn find(&self, kind: ListKind, code: &str) -> Option<&'static Item> {
        self.get(kind).iter().find(|i| i.code == code)
    }
}

// ---------------------------------------------------------------------------------------------
// Settings: the points METHODOLOGY.md marks uncertain.

/// How indicator 1.3 combines the two media.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OneThreeVariant {
    /// 0.5 × (Sstand / Ustand + Ssite / Usite) × 100.
    #[default]
    PerMedium,
    /// (Sstand + Ssite) / (2 × R) × 100, R = all respondents.
    PooledRespondents,
}

/// The denominator of indicator 4.3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FourThreeVariant {
    /// S / Rremote × 100: those who used remote interaction.
    #[default]
    RemoteUsers,
    /// S / R × 100: all respondents.
    AllRespondents,
}

/// What an indicator whose denominator is zero counts as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ZeroDenominatorRule {
    /// The undefined indicator is dropped and the criterion's remaining weights are scaled to
    /// sum 1 (for 1.3 per medium: the medium without users is dropped from the mean).
    #[default]
    Reweight,
    /// The undefined indicator (or medium) counts as these points, 0–100.
    CountAs(Decimal),
}

// Written by hand: the derive cannot describe a decimal inside a tuple variant.
impl utoipa::PartialSchema for ZeroDenominatorRule {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Type};
        OneOfBuilder::new()
            .description(Some(
                "What an indicator with a zero denominator counts as: `\"reweight\"` (dropped, \
                 the criterion's other weights scaled to sum 1) or `{\"count_as\": \"0\"}` \
                 (points 0–100, a decimal string).",
            ))
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .enum_values(Some(["reweight"])),
            )
            .item(
                ObjectBuilder::new()
                    .property(
                        "count_as",
                        ObjectBuilder::new()
                            .schema_type(Type::String)
                            .examples(["0", "100"]),
                    )
                    .required("count_as"),
            )
            .into()
    }
}

impl ToSchema for ZeroDenominatorRule {}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RoundingMode {
    /// 2.345 → 2.35.
    #[default]
    HalfUp,
    /// 2.345 → 2.34 (banker's rounding).
    HalfEven,
}

/// Where rounding starts; every later stage is computed from rounded values too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RoundingStage {
    /// Exact values throughout; only what is shown is rounded.
    #[default]
    OutputOnly,
    /// Indicators are rounded before criteria are weighted, criteria before the total.
    EachIndicator,
    /// Criteria are rounded before the total.
    EachCriterion,
}

/// The most decimal places a cycle may round to.
pub const MAX_PRECISION: u32 = 6;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields, default)]
pub struct Rounding {
    /// Decimal places, 0–6.
    #[validate(range(min = 0, max = MAX_PRECISION))]
    #[schema(schema_with = crate::views::limits::whole_number::<0, MAX_PRECISION>)]
    pub precision: u32,
    pub mode: RoundingMode,
    pub stage: RoundingStage,
}

impl Rounding {
    pub const DEFAULT: Rounding = Rounding {
        precision: 2,
        mode: RoundingMode::HalfUp,
        stage: RoundingStage::OutputOnly,
    };

    /// `value` rounded to the precision and mode, written with exactly that many decimals
    /// ("96.10", "100.00"), as the official tables show scores.
    pub fn apply(&self, value: Decimal) -> Decimal {
        let strategy = match self.mode {
            RoundingMode::HalfUp => rust_decimal::RoundingStrategy::MidpointAwayFromZero,
            RoundingMode::HalfEven => rust_decimal::RoundingStrategy::MidpointNearestEven,
        };
        let mut rounded = value.round_dp_with_strategy(self.precision, strategy);
        rounded.rescale(self.precision);
        rounded
    }
}

impl Default for Rounding {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// How the total of a region (or municipality) for a sector is formed from its organizations:
/// METHODOLOGY.md gives the plain mean of organization totals as uncertain, so it is a setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RegionTotal {
    /// The mean of organization scores.
    #[default]
    MeanOfTotals,
    /// The mean weighted by each organization's survey respondents.
    WeightedByRespondents,
}

/// The options a cycle chooses within its methodology; stored with every result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields, default)]
#[schema(example = json!({
    "waiting_time_applied": false,
    "indicator_1_3": "per_medium",
    "indicator_4_3": "remote_users",
    "zero_denominator": "reweight",
    "rounding": {"precision": 2, "mode": "half_up", "stage": "output_only"},
    "region_total": "mean_of_totals"
}))]
pub struct Settings {
    /// Whether indicator 2.2 (waiting time) is computed; K2 weights change with it.
    pub waiting_time_applied: bool,
    pub indicator_1_3: OneThreeVariant,
    pub indicator_4_3: FourThreeVariant,
    /// `"reweight"` or `{"count_as": "0"}`.
    pub zero_denominator: ZeroDenominatorRule,
    #[validate(nested)]
    pub rounding: Rounding,
    pub region_total: RegionTotal,
}

impl Settings {
    pub const DEFAULT: Settings = Settings {
        waiting_time_applied: false,
        indicator_1_3: OneThreeVariant::PerMedium,
        indicator_4_3: FourThreeVariant::RemoteUsers,
        zero_denominator: ZeroDenominatorRule::Reweight,
        rounding: Rounding::DEFAULT,
        region_total: RegionTotal::MeanOfTotals,
    };

    pub const MAX_PRECISION: u32 = MAX_PRECISION;

    /// Every setting out of its range, whatever the methodology; paths are relative to the
    /// settings object. [`Settings::validate_for`] adds the checks against a methodology.
    pub fn validate(&self) -> Vec<FieldError> {
        let mut errors = match Validate::validate(self) {
            Ok(()) => Vec::new(),
            Err(report) => FieldError::from_report(&report),
        };
        // A decimal inside an enum variant: a rule `validator` cannot name the path of.
        if let ZeroDenominatorRule::CountAs(points) = self.zero_denominator {
            if points < Decimal::ZERO || points > Decimal::ONE_HUNDRED {
                errors.push(FieldError::new(
                    "zero_denominator.count_as",
                    "range",
                    "points must be 0 to 100",
                ));
            }
        }
        errors
    }

    /// [`Settings::validate`], plus what `methodology` cannot apply (waiting time without 2.2).
    pub fn validate_for(&self, methodology: &Methodology) -> Vec<FieldError> {
        let mut errors = self.validate();
        if self.waiting_time_applied && !methodology.has_waiting_time() {
            errors.push(FieldError::new(
                "waiting_time_applied",
                "not_allowed",
                format!(
                    "methodology {} has no waiting-time indicator",
                    methodology.id
                ),
            ));
        }
        errors
    }
}

impl Default for Settings {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl Methodology {
    pub fn criterion(&self, code: &str) -> Option<&'static Criterion> {
        self.criteria.iter().find(|c| c.code == code)
    }

    pub fn indicator(&self, code: &str) -> Option<&'static Indicator> {
        self.criteria
            .iter()
            .flat_map(|c| c.indicators)
            .find(|i| i.code == code)
    }

    pub fn has_waiting_time(&self) -> bool {
        self.criteria
            .iter()
            .flat_map(|c| c.indicators)
            .any(|i| i.rule == PointRule::WaitingTimeShare)
    }
}

impl Indicator {
    /// The weight under the settings, or `None` when the indicator is left out.
    pub fn weight_for(&self, waiting_time_applied: bool) -> Option<Decimal> {
        match (waiting_time_applied, self.rule) {
            (true, _) => Some(self.weight),
            (false, PointRule::WaitingTimeShare) => None,
            (false, _) => Some(self.weight_without_waiting_time.unwrap_or(self.weight)),
        }
    }
}

/// Every methodology version, the default first.
pub fn all() -> &'static [Methodology] {
    &METHODOLOGIES
}

pub fn find(id: &str) -> Option<&'static Methodology> {
    METHODOLOGIES.iter().find(|m| m.id == id)
}

static METHODOLOGIES: [Methodology; 2] = [MINTRUD_344N_2018, PRE_2018_FIVE_CRITERIA];

// ---------------------------------------------------------------------------------------------
// mintrud-344n-2018

// The 1.1 check-lists. What a social service provider must publish is set by sector regulations
// (Federal Law 442-ФЗ art. 13 and the Ministry of Labour's orders on the site and stands); the
// binding list is sector data. These lists are version data: a region that uses another list
// needs another methodology version, so that old results keep the list they were scored on.
const INFO_NAME: Item = item(
    "name",
    "полное и сокращенное (при наличии) наименование организации социального обслуживания",
);
const INFO_REGISTRATION_DATE: Item = item("registration_date", "дата государственной регистрации");
const INFO_FOUNDER: Item = item("founder", "информация об учредителе (учредителях)");
const INFO_LOCATION: Item = item(
    "location",
    "место нахождения организации социального обслуживания, ее филиалов (при их наличии)",
);
const INFO_SCHEDULE: Item = item("schedule", "режим, график работы");
const INFO_CONTACTS: Item = item("contacts", "контактные телефоны и адреса электронной почты");
const INFO_STRUCTURE: Item = item(
    "structure",
    "структура и органы управления организации социального обслуживания",
);
const INFO_MANAGEMENT: Item = item(
    "management",
    "сведения о руководителе, его заместителях, руководителях филиалов (при их наличии)",
);
const INFO_SERVICES: Item = item(
    "services",
    "формы социального обслуживания и перечень предоставляемых социальных услуг по видам социальных услуг",
);
const INFO_TERMS_AND_TARIFFS: Item = item(
    "terms_and_tariffs",
    "порядок и условия предоставления социальных услуг, тарифы на социальные услуги",
);
const INFO_RECIPIENTS: Item = item(
    "recipients_count",
    "численность получателей социальных услуг по формам социального обслуживания и видам социальных услуг за счет бюджетных ассигнований и в соответствии с договорами за счет средств физических и (или) юридических лиц",
);
// "Vacancies" in the sense of the law: free places for recipients, not staff vacancies.
const INFO_FREE_PLACES: Item = item(
    "free_places",
    "количество свободных мест для приема получателей социальных услуг по формам социального обслуживания",
);
const INFO_LICENCES: Item = item(
    "licences",
    "наличие лицензий на осуществление деятельности, подлежащей лицензированию",
);
const INFO_MATERIAL_BASE: Item = item(
    "material_base",
    "материально-техническое обеспечение предоставления социальных услуг",
);
const INFO_FINANCIAL_REPORT: Item = item(
    "financial_activity_report",
    "отчет о результатах деятельности и об объеме финансово-хозяйственной деятельности",
);
const INFO_FINANCIAL_PLAN: Item = item(
    "financial_activity_plan",
    "план финансово-хозяйственной деятельности",
);
const INFO_INTERNAL_RULES: Item = item(
    "internal_rules",
    "правила внутреннего распорядка для получателей социальных услуг, правила внутреннего трудового распорядка, коллективный договор",
);
const INFO_PRESCRIPTIONS: Item = item(
    "supervisory_prescriptions",
    "предписания органов, осуществляющих государственный контроль в сфере социального обслуживания, и отчеты об их исполнении",
);
const INFO_INDEPENDENT_ASSESSMENT: Item = item(
    "independent_assessment",
    "результаты независимой оценки качества условий оказания услуг и план по устранению выявленных недостатков",
);
const INFO_COMPLAINTS: Item = item(
    "complaints_procedure",
    "порядок подачи жалобы по вопросам качества оказания социальных услуг",
);

/// Nstand = 10.
static STAND_INFORMATION: [Item; 10] = [
    INFO_NAME,
    INFO_FOUNDER,
    INFO_SCHEDULE,
    INFO_CONTACTS,
    INFO_SERVICES,
    INFO_TERMS_AND_TARIFFS,
    INFO_FREE_PLACES,
    INFO_LICENCES,
    INFO_INTERNAL_RULES,
    INFO_COMPLAINTS,
];

/// Nsite = 20.
static SITE_INFORMATION: [Item; 20] = [
    INFO_NAME,
    INFO_REGISTRATION_DATE,
    INFO_FOUNDER,
    INFO_LOCATION,
    INFO_SCHEDULE,
    INFO_CONTACTS,
    INFO_STRUCTURE,
    INFO_MANAGEMENT,
    INFO_SERVICES,
    INFO_TERMS_AND_TARIFFS,
    INFO_RECIPIENTS,
    INFO_FREE_PLACES,
    INFO_LICENCES,
    INFO_MATERIAL_BASE,
    INFO_FINANCIAL_REPORT,
    INFO_FINANCIAL_PLAN,
    INFO_INTERNAL_RULES,
    INFO_PRESCRIPTIONS,
    INFO_INDEPENDENT_ASSESSMENT,
    INFO_COMPLAINTS,
];

static REMOTE_METHODS: [Item; 6] = [
    item("telephone", "абонентский номер телефона"),
    item("email", "адрес электронной почты"),
    item(
        "electronic_services",
        "электронные сервисы (форма для подачи электронного обращения (жалобы, предложения), получение консультации по оказываемым услугам и пр.)",
    ),
    item("faq", "раздел официального сайта «Часто задаваемые вопросы»"),
    item(
        "quality_opinion",
        "техническая возможность выражения получателем услуг мнения о качестве условий оказания услуг (наличие анкеты для опроса граждан или гиперссылки на нее)",
    ),
    item("other_remote", "иной дистанционный способ взаимодействия"),
];

static COMFORT_CONDITIONS: [Item; 7] = [
    item(
        "rest_area",
        "наличие комфортной зоны отдыха (ожидания), оборудованной соответствующей мебелью",
    ),
    item(
        "navigation",
        "наличие и понятность навигации внутри организации социального обслуживания",
    ),
    item("drinking_water", "наличие и доступность питьевой воды"),
    item(
        "sanitary_rooms",
        "наличие и доступность санитарно-гигиенических помещений",
    ),
    item(
        "sanitary_state",
        "санитарное состояние помещений организации социального обслуживания",
    ),
    item(
        "transport_access",
        "транспортная доступность (возможность доехать до организации социального обслуживания на общественном транспорте, наличие парковки)",
    ),
    item(
        "booking",
        "доступность записи на получение услуги (по телефону, на официальном сайте организации, посредством Единого портала государственных и муниципальных услуг, при личном посещении)",
    ),
];

static PREMISES_CONDITIONS: [Item; 5] = [
    item(
        "ramps",
        "оборудование входных групп пандусами (подъемными платформами)",
    ),
    item(
        "disabled_parking",
        "наличие выделенных стоянок для автотранспортных средств инвалидов",
    ),
    item(
        "adapted_lifts_handrails_doorways",
        "наличие адаптированных лифтов, поручней, расширенных дверных проемов",
    ),
    item("replaceable_wheelchairs", "наличие сменных кресел-колясок"),
    item(
        "adapted_sanitary_rooms",
        "наличие специально оборудованных санитарно-гигиенических помещений в организации социального обслуживания",
    ),
];

static SERVICE_CONDITIONS: [Item; 6] = [
    item(
        "sound_visual_duplication",
        "дублирование для инвалидов по слуху и зрению звуковой и зрительной информации",
    ),
    item(
        "braille",
        "дублирование надписей, знаков и иной текстовой и графической информации знаками, выполненными рельефно-точечным шрифтом Брайля",
    ),
    item(
        "sign_language",
        "возможность предоставления инвалидам по слуху (слуху и зрению) услуг сурдопереводчика (тифлосурдопереводчика)",
    ),
    item(
        "site_for_visually_impaired",
        "наличие альтернативной версии официального сайта организации социального обслуживания в сети «Интернет» для инвалидов по зрению",
    ),
    item(
        "trained_escort",
        "помощь, оказываемая работниками организации социального обслуживания, прошедшими необходимое обучение (инструктирование) по сопровождению инвалидов в помещениях организации и на прилегающей территории",
    ),
    item(
        "remote_or_home_service",
        "наличие возможности предоставления услуги в дистанционном режиме или на дому",
    ),
];

const fn survey(question: Question) -> PointRule {
    PointRule::SurveyShare {
        question,
        denominator: SurveyDenominator::Answered,
    }
}

const fn per_item(list: ListKind, points: u32) -> PointRule {
    PointRule::PointsPerItem {
        list,
        points,
        cap: 100,
    }
}

const fn indicator(
    code: &'static str,
    name: &'static str,
    rule: PointRule,
    weight: Decimal,
) -> Indicator {
    Indicator {
        code,
        name,
        rule,
        weight,
        weight_without_waiting_time: None,
    }
}

static K1_INDICATORS: [Indicator; 3] = [
    indicator(
        "1.1",
        "Соответствие информации о деятельности организации социального обслуживания, размещенной на общедоступных информационных ресурсах, ее содержанию и порядку (форме), установленным нормативными правовыми актами: на информационных стендах в помещении организации социального обслуживания; на официальном сайте организации социального обслуживания в сети «Интернет»",
        PointRule::ChecklistShare {
            lists: &[ListKind::StandInformation, ListKind::SiteInformation],
        },
        dec!(0.3),
    ),
    indicator(
        "1.2",
        "Наличие на официальном сайте организации социального обслуживания информации о дистанционных способах обратной связи и взаимодействия с получателями услуг и их функционирование",
        per_item(ListKind::RemoteMethods, 30),
        dec!(0.3),
    ),
    indicator(
        "1.3",
        "Доля получателей услуг, удовлетворенных открытостью, полнотой и доступностью информации о деятельности организации социального обслуживания, размещенной на информационных стендах в помещении организации социального обслуживания, на официальном сайте организации социального обслуживания в сети «Интернет» (в % от общего числа опрошенных получателей услуг)",
        PointRule::TwoMediumSurveyShare {
            stand: Question::SatisfiedStandInfo,
            site: Question::SatisfiedSiteInfo,
        },
        dec!(0.4),
    ),
];

static K2_INDICATORS: [Indicator; 3] = [
    Indicator {
        weight_without_waiting_time: Some(dec!(0.5)),
        ..indicator(
            "2.1",
            "Обеспечение в организации социального обслуживания комфортных условий предоставления услуг",
            per_item(ListKind::ComfortConditions, 20),
            dec!(0.3),
        )
    },
    indicator(
        "2.2",
        "Время ожидания предоставления услуги (своевременность предоставления услуги в соответствии с записью на прием к специалисту (консультацию), графиком прихода социального работника на дом и пр.)",
        PointRule::WaitingTimeShare,
        dec!(0.4),
    ),
    Indicator {
        weight_without_waiting_time: Some(dec!(0.5)),
        ..indicator(
            "2.3",
            "Доля получателей услуг, удовлетворенных комфортностью предоставления услуг организацией социального обслуживания (в % от общего числа опрошенных получателей услуг)",
            survey(Question::SatisfiedComfort),
            dec!(0.3),
        )
    },
];

static K3_INDICATORS: [Indicator; 3] = [
    indicator(
        "3.1",
        "Оборудование помещений организации социального обслуживания и прилегающей к ней территории с учетом доступности для инвалидов",
        per_item(ListKind::PremisesConditions, 20),
        dec!(0.3),
    ),
    indicator(
        "3.2",
        "Обеспечение в организации социального обслуживания условий доступности, позволяющих инвалидам получать услуги наравне с другими",
        per_item(ListKind::ServiceConditions, 20),
        dec!(0.4),
    ),
    indicator(
        "3.3",
        "Доля получателей услуг, удовлетворенных доступностью услуг для инвалидов (в % от общего числа опрошенных получателей услуг – инвалидов)",
        PointRule::SurveyShare {
            question: Question::SatisfiedAccessibility,
            denominator: SurveyDenominator::DisabledRespondents,
        },
        dec!(0.3),
    ),
];

static K4_INDICATORS: [Indicator; 3] = [
    indicator(
        "4.1",
        "Доля получателей услуг, удовлетворенных доброжелательностью, вежливостью работников организации социального обслуживания, обеспечивающих первичный контакт и информирование получателя услуги при непосредственном обращении в организацию социального обслуживания (в % от общего числа опрошенных получателей услуг)",
        survey(Question::SatisfiedFirstContact),
        dec!(0.4),
    ),
    indicator(
        "4.2",
        "Доля получателей услуг, удовлетворенных доброжелательностью, вежливостью работников организации социального обслуживания, обеспечивающих непосредственное оказание услуги при обращении в организацию социального обслуживания (в % от общего числа опрошенных получателей услуг)",
        survey(Question::SatisfiedStaff),
        dec!(0.4),
    ),
    indicator(
        "4.3",
        "Доля получателей услуг, удовлетворенных доброжелательностью, вежливостью работников организации социального обслуживания при использовании дистанционных форм взаимодействия (в % от общего числа опрошенных получателей услуг)",
        PointRule::SurveyShare {
            question: Question::SatisfiedRemote,
            denominator: SurveyDenominator::RemoteUsers,
        },
        dec!(0.2),
    ),
];

static K5_INDICATORS: [Indicator; 3] = [
    indicator(
        "5.1",
        "Доля получателей услуг, которые готовы рекомендовать организацию социального обслуживания родственникам и знакомым (могли бы ее рекомендовать, если бы была возможность выбора организации социального обслуживания) (в % от общего числа опрошенных получателей услуг)",
        survey(Question::WouldRecommend),
        dec!(0.3),
    ),
    indicator(
        "5.2",
        "Доля получателей услуг, удовлетворенных организационными условиями предоставления услуг (наличием и понятностью навигации внутри организации, графиком работы) (в % от общего числа опрошенных получателей услуг)",
        survey(Question::SatisfiedOrganizational),
        dec!(0.2),
    ),
    indicator(
        "5.3",
        "Доля получателей услуг, удовлетворенных в целом условиями оказания услуг в организации социального обслуживания (в % от общего числа опрошенных получателей услуг)",
        survey(Question::SatisfiedOverall),
        dec!(0.5),
    ),
];

static CRITERIA_2018: [Criterion; 5] = [
    Criterion {
        code: "K1",
        name: "Открытость и доступность информации об организации социального обслуживания",
        section_title: "Показатели, характеризующие открытость и доступность информации об организации социального обслуживания",
        indicators: &K1_INDICATORS,
    },
    Criterion {
        code: "K2",
        name: "Комфортность условий предоставления услуг, включая время ожидания предоставления услуг",
        section_title: "Показатели, характеризующие комфортность условий предоставления услуг, включая время ожидания предоставления услуг",
        indicators: &K2_INDICATORS,
    },
    Criterion {
        code: "K3",
        name: "Доступность услуг для инвалидов",
        section_title: "Показатели, характеризующие доступность услуг для инвалидов",
        indicators: &K3_INDICATORS,
    },
    Criterion {
        code: "K4",
        name: "Доброжелательность, вежливость работников организации социального обслуживания",
        section_title: "Показатели, характеризующие доброжелательность, вежливость работников организации социального обслуживания",
        indicators: &K4_INDICATORS,
    },
    Criterion {
        code: "K5",
        name: "Удовлетворенность условиями оказания услуг",
        section_title: "Показатели, характеризующие удовлетворенность условиями оказания услуг",
        indicators: &K5_INDICATORS,
    },
];

const MINTRUD_344N_2018: Methodology = Methodology {
    id: DEFAULT_ID,
    title: "Единый порядок расчёта показателей (приказ Минтруда России от 31.05.2018 № 344н)",
    criteria: &CRITERIA_2018,
    lists: Lists {
        stand_information: &STAND_INFORMATION,
        site_information: &SITE_INFORMATION,
        remote_methods: &REMOTE_METHODS,
        comfort_conditions: &COMFORT_CONDITIONS,
        premises_conditions: &PREMISES_CONDITIONS,
        service_conditions: &SERVICE_CONDITIONS,
    },
    default_settings: Settings::DEFAULT,
    computable: true,
};

// ---------------------------------------------------------------------------------------------
// pre-2018-five-criteria: the criteria before 2018, kept for the plan sections of cycles of that
// time (seeds 000 and 001). Its indicators and weights are not modelled, so it does not compute.

static CRITERIA_PRE_2018: [Criterion; 5] = [
    Criterion {
        code: "K1",
        name: "Открытость и доступность информации об организации социального обслуживания",
        section_title: "Показатели, характеризующие открытость и доступность информации об организации социального обслуживания",
        indicators: &[],
    },
    Criterion {
        code: "K2",
        name: "Комфортность условий предоставления социальных услуг и доступность их получения",
        section_title: "Показатели, характеризующие комфортность условий предоставления социальных услуг и доступность их получения",
        indicators: &[],
    },
    Criterion {
        code: "K3",
        name: "Время ожидания предоставления социальной услуги",
        section_title: "Показатели, характеризующие время ожидания предоставления социальной услуги",
        indicators: &[],
    },
    Criterion {
        code: "K4",
        name: "Доброжелательность, вежливость, компетентность работников организаций социального обслуживания",
        section_title: "Показатели, характеризующие доброжелательность, вежливость, компетентность работников организаций социального обслуживания",
        indicators: &[],
    },
    Criterion {
        code: "K5",
        name: "Удовлетворенность качеством оказания услуг",
        section_title: "Показатели, характеризующие удовлетворенность качеством оказания услуг",
        indicators: &[],
    },
];

const PRE_2018_FIVE_CRITERIA: Methodology = Methodology {
    id: "pre-2018-five-criteria",
    title: "Общие критерии оценки качества оказания услуг организациями социального обслуживания (до 2018 года)",
    criteria: &CRITERIA_PRE_2018,
    lists: Lists::EMPTY,
    default_settings: Settings::DEFAULT,
    computable: false,
};

#[cfg(test)]
mod tests {
    use super::*;

    fn default() -> &'static Methodology {
        find(DEFAULT_ID).unwrap()
    }

    #[test]
    fn versions_are_found_by_id_default_first() {
        assert_eq!(all()[0].id, DEFAULT_ID);
        assert!(default().computable);
        let old = find("pre-2018-five-criteria").unwrap();
        assert!(!old.computable);
        assert_eq!(old.criteria.len(), 5);
        assert_eq!(
            old.criteria[2].name,
            "Время ожидания предоставления социальной услуги"
        );
        assert!(find("mintrud-2099").is_none());
    }

    #[test]
    fn computable_weights_sum_to_one_with_and_without_waiting_time() {
        for m in all().iter().filter(|m| m.computable) {
            let codes: Vec<&str> = m.criteria.iter().map(|c| c.code).collect();
            assert_eq!(codes, ["K1", "K2", "K3", "K4", "K5"]);
            for criterion in m.criteria {
                for applied in [false, true] {
                    let sum: Decimal = criterion
                        .indicators
                        .iter()
                        .filter_map(|i| i.weight_for(applied))
                        .sum();
                    assert_eq!(
                        sum,
                        Decimal::ONE,
                        "{} {} applied={applied}",
                        m.id,
                        criterion.code
                    );
                }
                for i in criterion.indicators {
                    assert!(i.code.starts_with(&criterion.code[1..]), "{}", i.code);
                }
            }
        }
        let k2 = default().criterion("K2").unwrap();
        assert_eq!(k2.indicators[0].weight_for(false), Some(dec!(0.5)));
        assert_eq!(k2.indicators[1].weight_for(false), None);
        assert_eq!(k2.indicators[1].weight_for(true), Some(dec!(0.4)));
    }

    #[test]
    fn lists_have_unique_snake_case_codes_and_the_rules_point_at_them() {
        let m = default();
        for kind in ListKind::ALL {
            let list = m.lists.get(kind);
            assert!(!list.is_empty(), "{kind:?}");
            for (i, item) in list.iter().enumerate() {
                assert!(item
                    .code
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '_'));
                assert!(!item.name.is_empty());
                assert!(
                    list[..i].iter().all(|o| o.code != item.code),
                    "{}",
                    item.code
                );
            }
        }
        assert_eq!(m.lists.get(ListKind::StandInformation).len(), 10);
        assert_eq!(m.lists.get(ListKind::SiteInformation).len(), 20);
        assert_eq!(
            m.lists.find(ListKind::RemoteMethods, "faq").unwrap().name,
            "раздел официального сайта «Часто задаваемые вопросы»"
        );
        assert!(m.has_waiting_time());
        assert!(!find("pre-2018-five-criteria").unwrap().has_waiting_time());
        assert_eq!(m.indicator("3.3").unwrap().weight, dec!(0.3));
    }

    #[test]
    fn settings_default_and_deserialize_partially() {
        let s: Settings = serde_json::from_str("{}").unwrap();
        assert_eq!(s, Settings::default());
        assert_eq!(default().default_settings, s);
        let s: Settings = serde_json::from_value(serde_json::json!({
            "waiting_time_applied": true,
            "indicator_1_3": "pooled_respondents",
            "indicator_4_3": "all_respondents",
            "zero_denominator": {"count_as": "100"},
            "rounding": {"precision": 1, "mode": "half_even", "stage": "each_criterion"}
        }))
        .unwrap();
        assert_eq!(s.zero_denominator, ZeroDenominatorRule::CountAs(dec!(100)));
        assert_eq!(s.rounding.stage, RoundingStage::EachCriterion);
        let s: Settings =
            serde_json::from_value(serde_json::json!({"zero_denominator": {"count_as": 0}}))
                .unwrap();
        assert_eq!(
            s.zero_denominator,
            ZeroDenominatorRule::CountAs(Decimal::ZERO)
        );
        assert!(serde_json::from_str::<Settings>(r#"{"rounding": {"digits": 2}}"#).is_err());
        assert!(serde_json::from_str::<Settings>(r#"{"extra": 1}"#).is_err());
        assert_eq!(
            serde_json::to_value(Settings::default()).unwrap(),
            serde_json::json!({
                "waiting_time_applied": false,
                "indicator_1_3": "per_medium",
                "indicator_4_3": "remote_users",
                "zero_denominator": "reweight",
                "rounding": {"precision": 2, "mode": "half_up", "stage": "output_only"},
                "region_total": "mean_of_totals"
            })
        );
    }

    #[test]
    fn settings_validation_names_fields() {
        let mut s = Settings::DEFAULT;
        assert!(s.validate_for(default()).is_empty());
        s.rounding.precision = 7;
        s.zero_denominator = ZeroDenominatorRule::CountAs(dec!(100.5));
        s.waiting_time_applied = true;
        assert_eq!(s.validate().len(), 2);
        assert_eq!(s.validate_for(default()).len(), 2);
        let fields: Vec<String> = s
            .validate_for(find("pre-2018-five-criteria").unwrap())
            .into_iter()
            .map(|e| format!("{}:{}", e.field, e.code))
            .collect();
        assert_eq!(
            fields,
            [
                "rounding.precision:range",
                "zero_denominator.count_as:range",
                "waiting_time_applied:not_allowed"
            ]
        );
        s.zero_denominator = ZeroDenominatorRule::CountAs(dec!(-1));
        s.rounding.precision = 6;
        assert_eq!(s.validate()[0].field, "zero_denominator.count_as");
    }

    #[test]
    fn rounding_modes_differ_on_midpoints() {
        let half_up = Rounding::DEFAULT;
        let half_even = Rounding {
            mode: RoundingMode::HalfEven,
            ..Rounding::DEFAULT
        };
        assert_eq!(half_up.apply(dec!(2.345)), dec!(2.35));
        assert_eq!(half_even.apply(dec!(2.345)), dec!(2.34));
        assert_eq!(half_even.apply(dec!(2.355)), dec!(2.36));
        assert_eq!(half_up.apply(dec!(2.3449)), dec!(2.34));
        assert_eq!(half_up.apply(dec!(92.000)).to_string(), "92.00");
        assert_eq!(half_up.apply(dec!(96.1)).to_string(), "96.10");
        assert_eq!(half_up.apply(dec!(100)).to_string(), "100.00");
        let whole = Rounding {
            precision: 0,
            ..Rounding::DEFAULT
        };
        assert_eq!(whole.apply(dec!(80.5)), dec!(81));
    }
}
