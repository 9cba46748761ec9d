//! Demo data drawn from the seed documents (../shared/domain/seeds/): the regions of the five
//! documents and real institutions they name. INN/OGRN/KPP are plausible, check-digit-valid
//! numbers made up for the demo (the institutions' real numbers are not in the seeds).
//!
//! Sources, by seed document:
//! - 000 (г. Москва, plan of 30.11.2017): names no institution, only categories ("organizations
//!   serving in stationary form", "serving families with children", "territorial centres of social
//!   services"); the two Moscow organizations below are INVENTED in the Moscow naming style.
//! - 001 (Тульская область, plan of 29.03.2017): the sixteen ГУТО / ГУСОН ТО institutions named as
//!   responsible executors; names as in the seed, with spacing and "№ N" normalized.
//! - 002 (ХМАО – Югра, order 819-р of 30.11.2016): names one institution, БУ «Методический центр
//!   развития социального обслуживания» (it publishes the assessment results); a second Yugra
//!   organization, a КЦСОН in Ханты-Мансийск (the town of the order), is INVENTED so that the
//!   region has an ordinary service provider.
//! - 003 (Владимирская область, 2019): names no institution (55 regional state institutions are
//!   assessed); the two Vladimir organizations below are INVENTED in the regional naming style.
//! - 004 (Свердловская область, report for 2024): ГАУСО СО «КЦСОН города Берёзовского», with the
//!   address, website and director named in the seed.
//!
//! Founders are the regional authorities named in the seeds. Postal addresses are plausible: the
//! town or settlement is the one in the institution's name (or the seed), while postcodes, streets
//! and house numbers are illustrative, except for Берёзовский (address from seed 004). Heads and
//! websites are filled only where a seed names them.

/// A region (subject of the Russian Federation) of one of the seed documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoRegion {
    /// Official two-digit subject code (also the first two digits of INN/KPP).
    pub code: &'static str,
    /// Russian name of the region.
    pub name: &'static str,
}

/// A social service organization for the demo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoOrganization {
    /// Code of the region in [`REGIONS`].
    pub region_code: &'static str,
    /// Full official name.
    pub full_name: &'static str,
    /// Short name as used in the seed documents.
    pub short_name: &'static str,
    /// INN, 10 digits, the first two = region tax code (made up, check-digit valid).
    pub inn: &'static str,
    /// OGRN, 13 digits (made up, check-digit valid).
    pub ogrn: &'static str,
    /// KPP, 9 characters: region code + tax office, then "01", then "001".
    pub kpp: &'static str,
    /// "state" | "municipal" | "non_state".
    pub ownership: &'static str,
    /// Founder (the regional authority in charge of social protection).
    pub founder: &'static str,
    /// Forms of social service: "stationary", "semi_stationary", "home_based" (at least one).
    pub service_forms: &'static [&'static str],
    /// Postal address in the region.
    pub address: &'static str,
    /// Official website, only if a seed names it.
    pub website: Option<&'static str>,
    /// Head of the organization, only if a seed names them.
    pub head_full_name: Option<&'static str>,
    /// Position of the head, only if a seed names the head.
    pub head_position: Option<&'static str>,
}

/// The five regions of the seed documents.
pub const REGIONS: &[DemoRegion] = &[
    DemoRegion {
        code: "77",
        name: "г. Москва",
    },
    DemoRegion {
        code: "71",
        name: "Тульская область",
    },
    DemoRegion {
        code: "86",
        name: "Ханты-Мансийский автономный округ – Югра",
    },
    DemoRegion {
        code: "33",
        name: "Владимирская область",
    },
    DemoRegion {
        code: "66",
        name: "Свердловская область",
    },
];

const STATIONARY: &[&str] = &["stationary"];
const SEMI_STATIONARY: &[&str] = &["semi_stationary"];
const STATIONARY_AND_SEMI: &[&str] = &["stationary", "semi_stationary"];
const SEMI_AND_HOME: &[&str] = &["semi_stationary", "home_based"];

const FOUNDER_MOSCOW: &str = "Департамент труда и социальной защиты населения города Москвы";
const FOUNDER_TULA: &str = "Министерство труда и социальной защиты Тульской области";
const FOUNDER_YUGRA: &str =
    "Департамент социального развития Ханты-Мансийского автономного округа – Югры";
const FOUNDER_VLADIMIR: &str =
    "Департамент социальной защиты населения администрации Владимирской области";
const FOUNDER_SVERDLOVSK: &str = "Министерство социальной политики Свердловской области";

/// Demo organizations: 16 from seed 001 (Tula), 1 from seed 002 (Yugra), 1 from seed 004
/// (Sverdlovsk), and 5 invented ones (2 Moscow, 1 Yugra, 2 Vladimir), marked below.
pub const ORGANIZATIONS: &[DemoOrganization] = &[
    // ---- г. Москва (seed 000 names no institution: both INVENTED) ----
    DemoOrganization {
        region_code: "77",
        full_name: "Государственное бюджетное учреждение города Москвы территориальный центр социального обслуживания «Преображенский»",
        short_name: "ГБУ ТЦСО «Преображенский»",
        inn: "7718575992",
        ogrn: "1037718012166",
        kpp: "771801001",
        ownership: "state",
        founder: FOUNDER_MOSCOW,
        service_forms: SEMI_AND_HOME,
        address: "107076, г. Москва, ул. Краснобогатырская, д. 19",
        website: None,
        head_full_name: None,
        head_position: None,
    },
    DemoOrganization {
        region_code: "77",
        full_name: "Государственное бюджетное учреждение города Москвы «Пансионат для ветеранов труда № 9 Департамента труда и социальной защиты населения города Москвы»",
        short_name: "ГБУ ПВТ № 9 ДТСЗН",
        inn: "7720452437",
        ogrn: "1027720281588",
        kpp: "772001001",
        ownership: "state",
        founder: FOUNDER_MOSCOW,
        service_forms: STATIONARY,
        address: "111396, г. Москва, ул. Фрязевская, д. 10",
        website: None,
        head_full_name: None,
        head_position: None,
    },
    // ---- Тульская область (seed 001) ----
    DemoOrganization {
        region_code: "71",
        full_name: "Государственное учреждение социального обслуживания населения Тульской области «Региональный ресурсный центр «Перспектива»»",
        short_name: "ГУСОН ТО «Региональный ресурсный центр «Перспектива»»",
        inn: "7107757445",
        ogrn: "1037107392926",
        kpp: "710701001",
        ownership: "state",
        founder: FOUNDER_TULA,
        service_forms: SEMI_AND_HOME,
        address: "300045, Тульская область, г. Тула, ул. Галкина, д. 31",
        website: None,
        head_full_name: None,
        head_position: None,
    },
    DemoOrganization {
        region_code: "71",
        full_name: "Государственное учреждение социального обслуживания населения Тульской области «Кризисный центр помощи женщинам»",
        short_name: "ГУСОН ТО «Кризисный центр помощи женщинам»",
        inn: "7107470989",
        ogrn: "1067107894028",
        kpp: "710701001",
        ownership: "state",
        founder: FOUNDER_TULA,
        service_forms: STATIONARY_AND_SEMI,
        address: "300002, Тульская область, г. Тула, ул. Горького, д. 14",
        website: None,
        head_full_name: None,
        head_position: None,
    },
    DemoOrganization {
        region_code: "71",
        full_name: "Государственное учреждение Тульской области «Товарковский дом-интернат для престарелых и инвалидов»",
        short_name: "ГУТО «Товарковский дом-интернат для престарелых и инвалидов»",
        inn: "7112906526",
        ogrn: "1027112991905",
        kpp: "711201001",
        ownership: "state",
        founder: FOUNDER_TULA,
        service_forms: STATIONARY,
        address: "301811, Тульская область, Богородицкий район, пос. Товарковский, ул. Школьная, д. 8",
        website: None,
        head_full_name: None,
        head_position: None,
    },
    DemoOrganization {
        region_code: "71",
        full_name: "Государственное учреждение Тульской области «Дубенский дом-интернат для престарелых и инвалидов»",
        short_name: "ГУТО «Дубенский дом-интернат для престарелых и инвалидов»",
        inn: "7133398200",
        ogrn: "1027133069941",
        kpp: "713301001",
        ownership: "state",
        founder: FOUNDER_TULA,
        service_forms: STATIONARY,
        address: "301160, Тульская область, Дубенский район, р.п. Дубна, ул. Первомайская, д. 2",
        website: None,
        head_full_name: None,
        head_position: None,
    },
    DemoOrganization {
        region_code: "71",
        full_name: "Государственное учреждение Тульской области «Кимовский психоневрологический интернат»",
        short_name: "ГУТО «Кимовский психоневрологический интернат»",
        inn: "7115671417",
        ogrn: "1027115187516",
        kpp: "711501001",
        ownership: "state",
        founder: FOUNDER_TULA,
        service_forms: STATIONARY,
        address: "301720, Тульская область, г. Кимовск, ул. Лермонтова, д. 5",
        website: None,
        head_full_name: None,
        head_position: None,
    },
    DemoOrganization {
        region_code: "71",
        full_name: "Государственное учреждение Тульской области «Одоевский дом-интернат для престарелых и инвалидов»",
        short_name: "ГУТО «Одоевский дом-интернат для престарелых и инвалидов»",
        inn: "7128696842",
        ogrn: "1027128535026",
        kpp: "712801001",
        ownership: "state",
        founder: FOUNDER_TULA,
        service_forms: STATIONARY,
        address: "301440, Тульская область, Одоевский район, р.п. Одоев, ул. Карла Маркса, д. 20",
        website: None,
        head_full_name: None,
        head_position: None,
    },
    DemoOrganization {
        region_code: "71",
        full_name: "Государственное учреждение Тульской области «Первомайский дом-интернат для престарелых и инвалидов»",
        short_name: "ГУТО «Первомайский дом-интернат для престарелых и инвалидов»",
        inn: "7118622464",
        ogrn: "1027118408382",
        kpp: "711801001",
        ownership: "state",
        founder: FOUNDER_TULA,
        service_forms: STATIONARY,
        address: "301212, Тульская область, Щёкинский район, р.п. Первомайский, ул. Комсомольская, д. 1",
        website: None,
        head_full_name: None,
        head_position: None,
    },
    DemoOrganization {
        region_code: "71",
        full_name: "Государственное учреждение Тульской области «Северо-Агеевский специальный дом-интернат для престарелых и инвалидов»",
        short_name: "ГУТО «Северо-Агеевский специальный дом-интернат для престарелых и инвалидов»",
        inn: "7133728708",
        ogrn: "1027133094163",
        kpp: "713301001",
        ownership: "state",
        founder: FOUNDER_TULA,
        service_forms: STATIONARY,
        address: "301416, Тульская область, Суворовский район, пос. Северо-Агеевский, ул. Центральная, д. 1",
        website: None,
        head_full_name: None,
        head_position: None,
    },
    DemoOrganization {
        region_code: "71",
        full_name: "Государственное учреждение Тульской области «Социально-реабилитационный центр для несовершеннолетних № 1»",
        short_name: "ГУТО «Социально-реабилитационный центр для несовершеннолетних № 1»",
        inn: "7105541313",
        ogrn: "1037105230030",
        kpp: "710501001",
        ownership: "state",
        founder: FOUNDER_TULA,
        service_forms: STATIONARY_AND_SEMI,
        address: "300026, Тульская область, г. Тула, ул. Металлургов, д. 62",
        website: None,
        head_full_name: None,
        head_position: None,
    },
    DemoOrganization {
        region_code: "71",
        full_name: "Государственное учреждение Тульской области «Социально-реабилитационный центр для несовершеннолетних № 2»",
        short_name: "ГУТО «Социально-реабилитационный центр для несовершеннолетних № 2»",
        inn: "7116464734",
        ogrn: "1037116179902",
        kpp: "711601001",
        ownership: "state",
        founder: FOUNDER_TULA,
        service_forms: STATIONARY_AND_SEMI,
        address: "301650, Тульская область, г. Новомосковск, ул. Калинина, д. 19",
        website: None,
        head_full_name: None,
        head_position: None,
    },
    DemoOrganization {
        region_code: "71",
        full_name: "Государственное учреждение Тульской области «Социально-реабилитационный центр для несовершеннолетних № 4»",
        short_name: "ГУТО «Социально-реабилитационный центр для несовершеннолетних № 4»",
        inn: "7113628222",
        ogrn: "1037113287661",
        kpp: "711301001",
        ownership: "state",
        founder: FOUNDER_TULA,
        service_forms: STATIONARY_AND_SEMI,
        address: "301840, Тульская область, г. Ефремов, ул. Свердлова, д. 37",
        website: None,
        head_full_name: None,
        head_position: None,
    },
    DemoOrganization {
        region_code: "71",
        full_name: "Государственное учреждение Тульской области «Центр социального обслуживания населения № 1»",
        short_name: "ГУТО «Центр социального обслуживания населения № 1»",
        inn: "7104668388",
        ogrn: "1117104584431",
        kpp: "710401001",
        ownership: "state",
        founder: FOUNDER_TULA,
        service_forms: SEMI_AND_HOME,
        address: "300041, Тульская область, г. Тула, ул. Сойфера, д. 10",
        website: None,
        head_full_name: None,
        head_position: None,
    },
    DemoOrganization {
        region_code: "71",
        full_name: "Государственное учреждение Тульской области «Центр социального обслуживания населения № 2»",
        short_name: "ГУТО «Центр социального обслуживания населения № 2»",
        inn: "7116758156",
        ogrn: "1117116111584",
        kpp: "711601001",
        ownership: "state",
        founder: FOUNDER_TULA,
        service_forms: SEMI_AND_HOME,
        address: "301650, Тульская область, г. Новомосковск, ул. Московская, д. 20",
        website: None,
        head_full_name: None,
        head_position: None,
    },
    DemoOrganization {
        region_code: "71",
        full_name: "Государственное учреждение Тульской области «Центр социального обслуживания населения № 3»",
        short_name: "ГУТО «Центр социального обслуживания населения № 3»",
        inn: "7118557367",
        ogrn: "1117118516459",
        kpp: "711801001",
        ownership: "state",
        founder: FOUNDER_TULA,
        service_forms: SEMI_AND_HOME,
        address: "301240, Тульская область, г. Щёкино, ул. Лукашина, д. 5",
        website: None,
        head_full_name: None,
        head_position: None,
    },
    DemoOrganization {
        region_code: "71",
        full_name: "Государственное учреждение Тульской области «Головеньковский детский дом-интернат для умственно отсталых слепых детей»",
        short_name: "ГУТО «Головеньковский детский дом-интернат для умственно отсталых слепых детей»",
        inn: "7118889933",
        ogrn: "1027118684570",
        kpp: "711801001",
        ownership: "state",
        founder: FOUNDER_TULA,
        service_forms: STATIONARY,
        address: "301233, Тульская область, Щёкинский район, пос. Головеньковский, ул. Центральная, д. 13",
        website: None,
        head_full_name: None,
        head_position: None,
    },
    DemoOrganization {
        region_code: "71",
        full_name: "Государственное учреждение Тульской области «Белевский психоневрологический интернат»",
        short_name: "ГУТО «Белевский психоневрологический интернат»",
        inn: "7122935220",
        ogrn: "1027122010607",
        kpp: "712201001",
        ownership: "state",
        founder: FOUNDER_TULA,
        service_forms: STATIONARY,
        address: "301530, Тульская область, г. Белёв, ул. Рабочая, д. 1",
        website: None,
        head_full_name: None,
        head_position: None,
    },
    // ---- Ханты-Мансийский автономный округ – Югра (seed 002) ----
    // Named in seed 002 as the publisher of assessment results; mainly a methodological body, so
    // its single service form (semi-stationary) is a demo assumption.
    DemoOrganization {
        region_code: "86",
        full_name: "Бюджетное учреждение Ханты-Мансийского автономного округа – Югры «Методический центр развития социального обслуживания»",
        short_name: "БУ «Методический центр развития социального обслуживания»",
        inn: "8602254021",
        ogrn: "1078602951569",
        kpp: "860201001",
        ownership: "state",
        founder: FOUNDER_YUGRA,
        service_forms: SEMI_STATIONARY,
        address: "628400, Ханты-Мансийский автономный округ – Югра, г. Сургут, ул. Лермонтова, д. 3",
        website: None,
        head_full_name: None,
        head_position: None,
    },
    // INVENTED (not in the seeds): an ordinary Yugra service provider in Ханты-Мансийск.
    DemoOrganization {
        region_code: "86",
        full_name: "Бюджетное учреждение Ханты-Мансийского автономного округа – Югры «Ханты-Мансийский комплексный центр социального обслуживания населения»",
        short_name: "БУ «Ханты-Мансийский комплексный центр социального обслуживания населения»",
        inn: "8601211642",
        ogrn: "1128601709455",
        kpp: "860101001",
        ownership: "state",
        founder: FOUNDER_YUGRA,
        service_forms: SEMI_AND_HOME,
        address: "628011, Ханты-Мансийский автономный округ – Югра, г. Ханты-Мансийск, ул. Ленина, д. 36",
        website: None,
        head_full_name: None,
        head_position: None,
    },
    // ---- Владимирская область (seed 003 names no institution: both INVENTED) ----
    DemoOrganization {
        region_code: "33",
        full_name: "Государственное бюджетное учреждение социального обслуживания Владимирской области «Ковровский комплексный центр социального обслуживания населения»",
        short_name: "ГБУСО ВО «Ковровский комплексный центр социального обслуживания населения»",
        inn: "3305324904",
        ogrn: "1023305472068",
        kpp: "330501001",
        ownership: "state",
        founder: FOUNDER_VLADIMIR,
        service_forms: SEMI_AND_HOME,
        address: "601900, Владимирская область, г. Ковров, ул. Абельмана, д. 40",
        website: None,
        head_full_name: None,
        head_position: None,
    },
    DemoOrganization {
        region_code: "33",
        full_name: "Государственное бюджетное учреждение социального обслуживания Владимирской области «Вязниковский дом-интернат для престарелых и инвалидов»",
        short_name: "ГБУСО ВО «Вязниковский дом-интернат для престарелых и инвалидов»",
        inn: "3303354090",
        ogrn: "1023303030981",
        kpp: "330301001",
        ownership: "state",
        founder: FOUNDER_VLADIMIR,
        service_forms: STATIONARY,
        address: "601443, Владимирская область, г. Вязники, ул. Ленина, д. 10",
        website: None,
        head_full_name: None,
        head_position: None,
    },
    // ---- Свердловская область (seed 004) ----
    // Address (main building), website and director from the seed; the seed gives the director
    // only as surname and initials.
    DemoOrganization {
        region_code: "66",
        full_name: "Государственное автономное учреждение социального обслуживания Свердловской области «Комплексный центр социального обслуживания населения города Берёзовского»",
        short_name: "ГАУСО СО «КЦСОН города Берёзовского»",
        inn: "6604746530",
        ogrn: "1026604848951",
        kpp: "660401001",
        ownership: "state",
        founder: FOUNDER_SVERDLOVSK,
        service_forms: SEMI_AND_HOME,
        address: "623700, Свердловская область, г. Берёзовский, ул. Красных Героев, д. 9",
        website: Some("https://zabota034.msp.midural.ru"),
        head_full_name: Some("Зуева В.М."),
        head_position: Some("Директор"),
    },
];
