//! The national demo data set: the 85 subjects of the Russian Federation and any number of
//! generated organizations spread over them unevenly (by population), for load tests at the
//! scale of a country. The five regions of the seed documents keep their seed names.

use super::data::DemoRegion;
use crate::db::audit::{self, Change};
use crate::db::{changes, organizations, regions, DbConnection};
use crate::domain::identifiers::{Inn, Ogrn};
use crate::domain::organization::{Head, OrganizationDraft, Ownership, ServiceForm};
use crate::error::{ApiError, ApiResult};

/// The 85 subjects of the Russian Federation, by code, with each one's share of 100,000
/// generated organizations (population to the power 0.7: uneven, Moscow the largest).
pub const NATIONAL_REGIONS: &[(DemoRegion, u32)] = &[
    (
        DemoRegion {
            code: "01",
            name: "Республика Адыгея (Адыгея)",
        },
        533,
    ),
    (
        DemoRegion {
            code: "02",
            name: "Республика Башкортостан",
        },
        2303,
    ),
    (
        DemoRegion {
            code: "03",
            name: "Республика Бурятия",
        },
        857,
    ),
    (
        DemoRegion {
            code: "04",
            name: "Республика Алтай",
        },
        303,
    ),
    (
        DemoRegion {
            code: "05",
            name: "Республика Дагестан",
        },
        1937,
    ),
    (
        DemoRegion {
            code: "06",
            name: "Республика Ингушетия",
        },
        550,
    ),
    (
        DemoRegion {
            code: "07",
            name: "Кабардино-Балкарская Республика",
        },
        787,
    ),
    (
        DemoRegion {
            code: "08",
            name: "Республика Калмыкия",
        },
        346,
    ),
    (
        DemoRegion {
            code: "09",
            name: "Карачаево-Черкесская Республика",
        },
        510,
    ),
    (
        DemoRegion {
            code: "10",
            name: "Республика Карелия",
        },
        615,
    ),
    (
        DemoRegion {
            code: "11",
            name: "Республика Коми",
        },
        753,
    ),
    (
        DemoRegion {
            code: "12",
            name: "Республика Марий Эл",
        },
        663,
    ),
    (
        DemoRegion {
            code: "13",
            name: "Республика Мордовия",
        },
        731,
    ),
    (
        DemoRegion {
            code: "14",
            name: "Республика Саха (Якутия)",
        },
        860,
    ),
    (
        DemoRegion {
            code: "15",
            name: "Республика Северная Осетия – Алания",
        },
        674,
    ),
    (
        DemoRegion {
            code: "16",
            name: "Республика Татарстан (Татарстан)",
        },
        2258,
    ),
    (
        DemoRegion {
            code: "17",
            name: "Республика Тыва",
        },
        402,
    ),
    (
        DemoRegion {
            code: "18",
            name: "Удмуртская Республика",
        },
        1153,
    ),
    (
        DemoRegion {
            code: "19",
            name: "Республика Хакасия",
        },
        560,
    ),
    (
        DemoRegion {
            code: "20",
            name: "Чеченская Республика",
        },
        1162,
    ),
    (
        DemoRegion {
            code: "21",
            name: "Чувашская Республика – Чувашия",
        },
        994,
    ),
    (
        DemoRegion {
            code: "22",
            name: "Алтайский край",
        },
        1558,
    ),
    (
        DemoRegion {
            code: "23",
            name: "Краснодарский край",
        },
        2940,
    ),
    (
        DemoRegion {
            code: "24",
            name: "Красноярский край",
        },
        1815,
    ),
    (
        DemoRegion {
            code: "25",
            name: "Приморский край",
        },
        1353,
    ),
    (
        DemoRegion {
            code: "26",
            name: "Ставропольский край",
        },
        1786,
    ),
    (
        DemoRegion {
            code: "27",
            name: "Хабаровский край",
        },
        1047,
    ),
    (
        DemoRegion {
            code: "28",
            name: "Амурская область",
        },
        732,
    ),
    (
        DemoRegion {
            code: "29",
            name: "Архангельская область",
        },
        947,
    ),
    (
        DemoRegion {
            code: "30",
            name: "Астраханская область",
        },
        869,
    ),
    (
        DemoRegion {
            code: "31",
            name: "Белгородская область",
        },
        1178,
    ),
    (
        DemoRegion {
            code: "32",
            name: "Брянская область",
        },
        979,
    ),
    (
        DemoRegion {
            code: "33",
            name: "Владимирская область",
        },
        1079,
    ),
    (
        DemoRegion {
            code: "34",
            name: "Волгоградская область",
        },
        1653,
    ),
    (
        DemoRegion {
            code: "35",
            name: "Вологодская область",
        },
        966,
    ),
    (
        DemoRegion {
            code: "36",
            name: "Воронежская область",
        },
        1562,
    ),
    (
        DemoRegion {
            code: "37",
            name: "Ивановская область",
        },
        869,
    ),
    (
        DemoRegion {
            code: "38",
            name: "Иркутская область",
        },
        1595,
    ),
    (
        DemoRegion {
            code: "39",
            name: "Калининградская область",
        },
        888,
    ),
    (
        DemoRegion {
            code: "40",
            name: "Калужская область",
        },
        872,
    ),
    (
        DemoRegion {
            code: "41",
            name: "Камчатский край",
        },
        385,
    ),
    (
        DemoRegion {
            code: "42",
            name: "Кемеровская область – Кузбасс",
        },
        1715,
    ),
    (
        DemoRegion {
            code: "43",
            name: "Кировская область",
        },
        1018,
    ),
    (
        DemoRegion {
            code: "44",
            name: "Костромская область",
        },
        632,
    ),
    (
        DemoRegion {
            code: "45",
            name: "Курганская область",
        },
        762,
    ),
    (
        DemoRegion {
            code: "46",
            name: "Курская область",
        },
        933,
    ),
    (
        DemoRegion {
            code: "47",
            name: "Ленинградская область",
        },
        1360,
    ),
    (
        DemoRegion {
            code: "48",
            name: "Липецкая область",
        },
        954,
    ),
    (
        DemoRegion {
            code: "49",
            name: "Магаданская область",
        },
        220,
    ),
    (
        DemoRegion {
            code: "50",
            name: "Московская область",
        },
        3636,
    ),
    (
        DemoRegion {
            code: "51",
            name: "Мурманская область",
        },
        700,
    ),
    (
        DemoRegion {
            code: "52",
            name: "Нижегородская область",
        },
        1955,
    ),
    (
        DemoRegion {
            code: "53",
            name: "Новгородская область",
        },
        607,
    ),
    (
        DemoRegion {
            code: "54",
            name: "Новосибирская область",
        },
        1783,
    ),
    (
        DemoRegion {
            code: "55",
            name: "Омская область",
        },
        1364,
    ),
    (
        DemoRegion {
            code: "56",
            name: "Оренбургская область",
        },
        1392,
    ),
    (
        DemoRegion {
            code: "57",
            name: "Орловская область",
        },
        700,
    ),
    (
        DemoRegion {
            code: "58",
            name: "Пензенская область",
        },
        1049,
    ),
    (
        DemoRegion {
            code: "59",
            name: "Пермский край",
        },
        1690,
    ),
    (
        DemoRegion {
            code: "60",
            name: "Псковская область",
        },
        623,
    ),
    (
        DemoRegion {
            code: "61",
            name: "Ростовская область",
        },
        2370,
    ),
    (
        DemoRegion {
            code: "62",
            name: "Рязанская область",
        },
        935,
    ),
    (
        DemoRegion {
            code: "63",
            name: "Самарская область",
        },
        1954,
    ),
    (
        DemoRegion {
            code: "64",
            name: "Саратовская область",
        },
        1626,
    ),
    (
        DemoRegion {
            code: "65",
            name: "Сахалинская область",
        },
        525,
    ),
    (
        DemoRegion {
            code: "66",
            name: "Свердловская область",
        },
        2413,
    ),
    (
        DemoRegion {
            code: "67",
            name: "Смоленская область",
        },
        830,
    ),
    (
        DemoRegion {
            code: "68",
            name: "Тамбовская область",
        },
        880,
    ),
    (
        DemoRegion {
            code: "69",
            name: "Тверская область",
        },
        1023,
    ),
    (
        DemoRegion {
            code: "70",
            name: "Томская область",
        },
        913,
    ),
    (
        DemoRegion {
            code: "71",
            name: "Тульская область",
        },
        1139,
    ),
    (
        DemoRegion {
            code: "72",
            name: "Тюменская область",
        },
        1177,
    ),
    (
        DemoRegion {
            code: "73",
            name: "Ульяновская область",
        },
        999,
    ),
    (
        DemoRegion {
            code: "74",
            name: "Челябинская область",
        },
        2068,
    ),
    (
        DemoRegion {
            code: "75",
            name: "Забайкальский край",
        },
        903,
    ),
    (
        DemoRegion {
            code: "76",
            name: "Ярославская область",
        },
        1019,
    ),
    (
        DemoRegion {
            code: "77",
            name: "г. Москва",
        },
        5145,
    ),
    (
        DemoRegion {
            code: "78",
            name: "г. Санкт-Петербург",
        },
        2829,
    ),
    (
        DemoRegion {
            code: "79",
            name: "Еврейская автономная область",
        },
        237,
    ),
    (
        DemoRegion {
            code: "83",
            name: "Ненецкий автономный округ",
        },
        98,
    ),
    (
        DemoRegion {
            code: "86",
            name: "Ханты-Мансийский автономный округ – Югра",
        },
        1255,
    ),
    (
        DemoRegion {
            code: "87",
            name: "Чукотский автономный округ",
        },
        107,
    ),
    (
        DemoRegion {
            code: "89",
            name: "Ямало-Ненецкий автономный округ",
        },
        571,
    ),
    (
        DemoRegion {
            code: "91",
            name: "Республика Крым",
        },
        1370,
    ),
    (
        DemoRegion {
            code: "92",
            name: "г. Севастополь",
        },
        497,
    ),
];

/// How many of `total` generated organizations each region of [`NATIONAL_REGIONS`] gets: its
/// share scaled to `total`, the rest to the largest remainders, so that they add up exactly.
pub fn spread(total: usize) -> Vec<usize> {
    let sum: u64 = NATIONAL_REGIONS.iter().map(|(_, s)| u64::from(*s)).sum();
    let mut counts: Vec<(usize, u64)> = NATIONAL_REGIONS
        .iter()
        .map(|(_, share)| {
            let scaled = total as u64 * u64::from(*share);
            ((scaled / sum) as usize, scaled % sum)
        })
        .collect();
    let rest = total - counts.iter().map(|c| c.0).sum::<usize>();
    let mut order: Vec<usize> = (0..counts.len()).collect();
    order.sort_by_key(|&i| (std::cmp::Reverse(counts[i].1), i));
    for &i in order.iter().take(rest) {
        counts[i].0 += 1;
    }
    counts.into_iter().map(|c| c.0).collect()
}

/// Rows per multi-row INSERT: large enough to amortize round trips, far below SQLite's
/// bound-parameter limit (21 parameters a row).
const BATCH: usize = 1000;

/// Loads the seed data, the 85 regions and `total` generated organizations spread over them
/// by [`spread`], one transaction a region (bounded, and a load cut short resumes where it
/// stopped: organizations already there, by INN, are left alone). Each organization goes to the
/// change feed and the audit log as in [`super::load`], a chunk per statement.
pub fn load(conn: &mut DbConnection, total: usize) -> ApiResult<super::Loaded> {
    use diesel::Connection;
    let mut loaded = super::load(conn, 0, None)?;
    let mut present = organizations::active_inns(conn)?;
    for ((region, _), count) in NATIONAL_REGIONS.iter().zip(spread(total)) {
        conn.transaction(|conn| {
            let region_id = match regions::find_by_code(conn, region.code)? {
                Some(row) => row.id,
                None => {
                    let row = regions::insert(conn, region.code, region.name)?;
                    let shown = crate::views::regions::Region::from(&row);
                    super::created(conn, "region", row.id, &shown)?;
                    super::audited(conn, "region.created", "region", row.id, None, &shown)?;
                    loaded.regions += 1;
                    row.id
                }
            };
            let drafts = (1..=count)
                .map(|n| draft(region, region_id, n).validate())
                .collect::<Result<Vec<_>, _>>()
                .map_err(ApiError::Validation)?;
            let drafts: Vec<_> = drafts
                .into_iter()
                .filter(|d| !present.contains(&d.inn))
                .collect();
            for chunk in drafts.chunks(BATCH) {
                let rows = organizations::insert_many(conn, chunk)?;
                let (mut fed, mut events) = (Vec::new(), Vec::new());
                for row in rows {
                    let shown = crate::views::organizations::Organization::of(&row)?;
                    fed.push(super::creation("organization", row.id, &shown)?);
                    let action = "organization.created";
                    events.push(Change::of(
                        action,
                        "organization",
                        row.id,
                        None,
                        Some(&shown),
                    )?);
                    present.insert(row.inn);
                    loaded.organizations += 1;
                }
                changes::record_all(conn, &fed)?;
                audit::record_all(conn, &super::actor(), events)?;
            }
            Ok::<_, ApiError>(())
        })?;
    }
    Ok(loaded)
}

/// A kind of institution: its full and short name before the number, ownership, forms of
/// service, and how many of every 20 organizations of a region are of this kind.
struct Kind {
    full: &'static str,
    short: &'static str,
    ownership: Ownership,
    forms: &'static [ServiceForm],
    of_twenty: usize,
}

const KINDS: &[Kind] = &[
    Kind {
        full: "Государственное бюджетное учреждение социального обслуживания «Комплексный центр социального обслуживания населения",
        short: "ГБУСО «КЦСОН",
        ownership: Ownership::State,
        forms: &[ServiceForm::SemiStationary, ServiceForm::HomeBased],
        of_twenty: 8,
    },
    Kind {
        full: "Государственное бюджетное стационарное учреждение социального обслуживания «Дом-интернат для престарелых и инвалидов",
        short: "ГБСУСО «Дом-интернат для престарелых и инвалидов",
        ownership: Ownership::State,
        forms: &[ServiceForm::Stationary],
        of_twenty: 3,
    },
    Kind {
        full: "Государственное бюджетное стационарное учреждение социального обслуживания «Психоневрологический интернат",
        short: "ГБСУСО «ПНИ",
        ownership: Ownership::State,
        forms: &[ServiceForm::Stationary],
        of_twenty: 2,
    },
    Kind {
        full: "Государственное казённое учреждение социального обслуживания «Социально-реабилитационный центр для несовершеннолетних",
        short: "ГКУСО «СРЦН",
        ownership: Ownership::State,
        forms: &[ServiceForm::Stationary, ServiceForm::SemiStationary],
        of_twenty: 2,
    },
    Kind {
        full: "Муниципальное бюджетное учреждение «Центр социальной помощи семье и детям",
        short: "МБУ «ЦСПСиД",
        ownership: Ownership::Municipal,
        forms: &[ServiceForm::SemiStationary, ServiceForm::HomeBased],
        of_twenty: 1,
    },
    Kind {
        full: "Государственное автономное учреждение социального обслуживания «Реабилитационный центр для детей и подростков с ограниченными возможностями",
        short: "ГАУСО «Реабилитационный центр для детей и подростков с ОВ",
        ownership: Ownership::State,
        forms: &[ServiceForm::SemiStationary],
        of_twenty: 1,
    },
    Kind {
        full: "Государственное бюджетное учреждение социального обслуживания «Геронтологический центр",
        short: "ГБУСО «Геронтологический центр",
        ownership: Ownership::State,
        forms: &[ServiceForm::Stationary, ServiceForm::SemiStationary],
        of_twenty: 1,
    },
    Kind {
        full: "Автономная некоммерческая организация социального обслуживания «Забота",
        short: "АНО СО «Забота",
        ownership: Ownership::NonState,
        forms: &[ServiceForm::HomeBased],
        of_twenty: 2,
    },
];

const STREETS: &[&str] = &[
    "ул. Ленина",
    "ул. Советская",
    "ул. Мира",
    "ул. Молодёжная",
    "ул. Школьная",
    "ул. Садовая",
    "ул. Центральная",
    "ул. Лесная",
    "ул. Набережная",
    "ул. Гагарина",
    "пр-т Октябрьский",
    "ул. Пушкина",
];

const HEADS: &[&str] = &[
    "Иванова Е.А.",
    "Смирнов А.В.",
    "Кузнецова О.Н.",
    "Попов С.И.",
    "Васильева Т.М.",
    "Петров Н.Г.",
    "Соколова И.В.",
    "Михайлов Д.С.",
];

/// The kind of the `n`-th (from 1) organization of a region and its number among the region's
/// organizations of that kind: every 20 in a row hold each kind `of_twenty` times.
fn kind_of(n: usize) -> (&'static Kind, usize) {
    let (round, mut slot) = ((n - 1) / 20, (n - 1) % 20);
    for kind in KINDS {
        if slot < kind.of_twenty {
            return (kind, round * kind.of_twenty + slot + 1);
        }
        slot -= kind.of_twenty;
    }
    unreachable!("the kinds' shares add up to 20")
}

/// The `n`-th (from 1) generated organization of `region`: numbers from tax office 98, so that
/// they never meet the seed institutions' numbers nor those of `demo --organizations` (99).
pub fn draft(region: &DemoRegion, region_id: i64, n: usize) -> OrganizationDraft {
    let code: u64 = region.code.parse().unwrap_or(0);
    let stem = code * 10_000_000 + 98 * 100_000 + (n % 100_000) as u64;
    let (kind, number) = kind_of(n);
    let head = n.is_multiple_of(3).then(|| Head {
        full_name: HEADS[n % HEADS.len()].into(),
        position: "Директор".into(),
    });
    OrganizationDraft {
        region_id,
        full_name: format!("{} № {number}» ({})", kind.full, region.name),
        short_name: format!("{} № {number}»", kind.short),
        inn: Inn::legal_entity_from_stem(stem).as_str().into(),
        ogrn: Ogrn::legal_entity_from_stem(102_000_000_000 + stem)
            .as_str()
            .into(),
        kpp: Some(format!("{code:02}9801001")),
        ownership: kind.ownership,
        founder: match kind.ownership {
            Ownership::State => Some(format!(
                "Уполномоченный орган в сфере социальной защиты ({})",
                region.name
            )),
            Ownership::Municipal => Some(format!(
                "Администрация муниципального образования ({})",
                region.name
            )),
            Ownership::NonState => None,
        },
        service_forms: kind.forms.to_vec(),
        address: format!(
            "{}, {}, д. {}",
            region.name,
            STREETS[n % STREETS.len()],
            n % 97 + 1
        ),
        website: None,
        bus_gov_id: None,
        head,
        active: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_national_regions_are_85_distinct_and_keep_the_seed_names() {
        assert_eq!(NATIONAL_REGIONS.len(), 85);
        for (i, (region, _)) in NATIONAL_REGIONS.iter().enumerate() {
            crate::domain::region::RegionFields::checked(region.code, region.name)
                .unwrap_or_else(|e| panic!("{}: {e:?}", region.code));
            assert!(NATIONAL_REGIONS[..i]
                .iter()
                .all(|(r, _)| r.code != region.code));
        }
        for seed in super::super::REGIONS {
            assert!(
                NATIONAL_REGIONS.iter().any(|(r, _)| r == seed),
                "{}",
                seed.code
            );
        }
    }

    #[test]
    fn the_spread_adds_up_and_is_uneven() {
        for total in [0, 1, 84, 85, 1000, 100_000] {
            assert_eq!(spread(total).iter().sum::<usize>(), total);
        }
        let counts = spread(100_000);
        let moscow = NATIONAL_REGIONS.iter().position(|(r, _)| r.code == "77");
        assert_eq!(counts.iter().max(), moscow.map(|i| &counts[i]));
        assert!((4_000..=6_000).contains(&counts[moscow.unwrap_or(0)]));
        assert!(counts.iter().all(|&c| c >= 50));
    }

    #[test]
    fn generated_organizations_are_valid_distinct_and_of_every_kind() {
        let (region, _) = NATIONAL_REGIONS[0];
        let drafts: Vec<_> = (1..=400).map(|n| draft(&region, 1, n)).collect();
        for d in &drafts {
            d.clone()
                .validate()
                .unwrap_or_else(|e| panic!("{}: {e:?}", d.inn));
        }
        let mut names: Vec<_> = drafts.iter().map(|d| d.short_name.clone()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), drafts.len());
        for ownership in [Ownership::State, Ownership::Municipal, Ownership::NonState] {
            assert!(drafts.iter().any(|d| d.ownership == ownership));
        }
        let others: Vec<_> = NATIONAL_REGIONS
            .iter()
            .map(|(r, _)| draft(r, 1, 1).inn)
            .collect();
        assert!(others
            .iter()
            .enumerate()
            .all(|(i, inn)| !others[..i].contains(inn)));
    }
}
