//! Demo data: the regions and institutions of the seed documents, and on request any number of
//! generated organizations for load tests. Everything goes through the same validation and
//! queries as the API, and loading twice adds nothing.

mod assessment;
mod data;
pub mod national;

use crate::auth::{password, Role};
use crate::db::audit::Actor;
use crate::db::changes::{self, Action, Exposure, FeedChange};
use crate::db::users::{self, NewUser};
use crate::db::{organizations, regions, DbConnection};
use crate::domain::identifiers::{Inn, Ogrn};
use crate::domain::organization::{Head, OrganizationDraft, Ownership, ServiceForm};
use crate::error::{ApiError, ApiResult};

pub use assessment::{inputs, published_cycle};
pub use data::{DemoOrganization, DemoRegion, ORGANIZATIONS, REGIONS};

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Loaded {
    pub regions: usize,
    pub organizations: usize,
}

/// Loads the seed regions and institutions, then `generated` more organizations spread over
/// those regions, or all in the region with code `only_region`. Rows already present (same
/// region code, same active INN) are left alone.
pub fn load(
    conn: &mut DbConnection,
    generated: usize,
    only_region: Option<&str>,
) -> ApiResult<Loaded> {
    use diesel::Connection;
    conn.transaction(|conn| {
        let mut loaded = Loaded::default();
        let mut region_ids = Vec::new();
        for region in REGIONS {
            let id = match regions::find_by_code(conn, region.code)? {
                Some(row) => row.id,
                None => {
                    loaded.regions += 1;
                    let row = regions::insert(conn, region.code, region.name)?;
                    let shown = crate::views::regions::Region::from(&row);
                    created(conn, "region", row.id, &shown)?;
                    audited(conn, "region.created", "region", row.id, None, &shown)?;
                    row.id
                }
            };
            region_ids.push((region.code, id));
        }
        let region_id = |code: &str| {
            region_ids
                .iter()
                .find(|(c, _)| *c == code)
                .map(|(_, id)| *id)
                .ok_or_else(|| ApiError::internal(format!("demo region {code} is missing")))
        };
        let seeded = ORGANIZATIONS
            .iter()
            .map(|o| seed_draft(o, region_id(o.region_code)?));
        let chosen = match only_region {
            Some(code) => vec![REGIONS.iter().find(|r| r.code == code).ok_or_else(|| {
                ApiError::validation(
                    "region",
                    "not_found",
                    format!("{code} is not a demo region"),
                )
            })?],
            None => REGIONS.iter().collect(),
        };
        let generated = (0..generated).map(|k| {
            let region = chosen[k % chosen.len()];
            Ok(generated_draft(
                k / chosen.len() + 1,
                k,
                region,
                region_id(region.code)?,
            ))
        });
        for draft in seeded.chain(generated) {
            let draft = draft?.validate().map_err(ApiError::Validation)?;
            if organizations::find_active_by_inn(conn, &draft.inn)?.is_none() {
                let row = organizations::insert(conn, &draft)?;
                let shown = crate::views::organizations::Organization::of(&row)?;
                created(conn, "organization", row.id, &shown)?;
                audited(
                    conn,
                    "organization.created",
                    "organization",
                    row.id,
                    None,
                    &shown,
                )?;
                loaded.organizations += 1;
            }
        }
        Ok(loaded)
    })
}

/// Demo data goes to the change feed like any other, so that a replay of the feed gives it.
pub(crate) fn created<T: serde::Serialize>(
    conn: &mut DbConnection,
    resource_type: &str,
    id: i64,
    shown: &T,
) -> ApiResult<()> {
    changes::record(conn, &creation(resource_type, id, shown)?)
}

/// The feed's entry of a resource the demo creates: public from the start.
pub(crate) fn creation<'a, T: serde::Serialize>(
    resource_type: &'a str,
    id: i64,
    shown: &T,
) -> ApiResult<FeedChange<'a>> {
    Ok(FeedChange {
        resource_type,
        resource_id: id.to_string(),
        action: Action::Created,
        before: Exposure::public(),
        after: Exposure::public(),
        payload: Some(serde_json::to_value(shown).map_err(ApiError::internal)?),
    })
}

/// The service itself (no actor), in a request named `demo`.
pub(crate) fn actor() -> Actor {
    Actor::of(None, "demo")
}

/// Demo data has a history in the audit log like any other, recorded as done by the service
/// itself (no actor) in a request named `demo`.
pub(crate) fn audited<T: serde::Serialize>(
    conn: &mut DbConnection,
    action: &str,
    resource_type: &str,
    id: i64,
    before: Option<&T>,
    after: &T,
) -> ApiResult<()> {
    let change = crate::db::audit::Change::of(action, resource_type, id, before, Some(after))?;
    crate::db::audit::record(conn, &actor(), change)
}

/// The years of the published demo cycles `serve --demo` creates, so that ratings have data.
pub const DEMO_CYCLE_YEARS: [i32; 2] = [2017, 2018];

/// What [`set_up`] did: rows added, each demo cycle (`None`: there already), the demo users.
#[derive(Debug)]
pub struct SetUp {
    pub loaded: Loaded,
    pub cycles: Vec<(i32, Option<(i64, usize)>)>,
    pub users: Vec<DemoUser>,
}

/// `serve --demo`'s start-up work: the demo data, its published cycles and the demo users, under
/// the database-wide lock, so that instances started together take turns and the second finds
/// the data loaded (it only sets the users' passwords again).
pub fn set_up(db: &crate::db::Db, password_of: impl Fn(Role) -> String) -> Result<SetUp, String> {
    let failed = |e: ApiError| format!("{e:?}");
    db.exclusively("demo data", |conn| {
        let loaded = load(conn, 0, None).map_err(failed)?;
        let cycles = DEMO_CYCLE_YEARS
            .iter()
            .map(|&year| Ok((year, published_cycle(conn, DEMO_REGION, year)?)))
            .collect::<ApiResult<_>>()
            .map_err(failed)?;
        let users = users(conn, password_of).map_err(failed)?;
        Ok(SetUp {
            loaded,
            cycles,
            users,
        })
    })
}

/// A demo account and its password, printed at start in demo mode only.
#[derive(Debug, Clone)]
pub struct DemoUser {
    pub username: String,
    pub role: Role,
    pub password: String,
}

/// The region and institution that scoped demo users act in: Тульская область and the first
/// Tula institution of seed 001.
pub const DEMO_REGION: &str = "71";

/// One user per role, named after the role, with `password_of(role)` as password. Existing demo
/// users get the new password (so that it can be printed), and are active again.
pub fn users(
    conn: &mut DbConnection,
    password_of: impl Fn(Role) -> String,
) -> ApiResult<Vec<DemoUser>> {
    use diesel::Connection;
    let actor = Actor {
        user_id: None,
        username: None,
        role: None,
        request_id: "demo".into(),
    };
    conn.transaction(|conn| {
        let region_id = regions::find_by_code(conn, DEMO_REGION)?
            .ok_or_else(|| ApiError::internal("load the demo data before the demo users"))?
            .id;
        let institution = ORGANIZATIONS
            .iter()
            .find(|o| o.region_code == DEMO_REGION)
            .ok_or_else(|| ApiError::internal("no demo institution in the demo region"))?;
        let organization_id = organizations::find_active_by_inn(conn, institution.inn)?
            .ok_or_else(|| ApiError::internal("the demo institution is not loaded"))?;
        let mut created = Vec::new();
        for role in Role::ALL {
            let secret = password_of(role);
            let hash = password::hash(&secret)?;
            let username = role.as_str();
            match users::find_by_username(conn, username)? {
                Some(existing) => {
                    users::update(conn, existing.id, existing.version, true, Some(&hash))?;
                }
                None => {
                    let new = NewUser {
                        username,
                        password_hash: &hash,
                        role,
                        region_id: role.is_regional().then_some(region_id),
                        organization_id: (role == Role::Organization).then_some(organization_id),
                    };
                    users::register(conn, &actor, &new)?;
                }
            }
            created.push(DemoUser {
                username: username.to_owned(),
                role,
                password: secret,
            });
        }
        Ok(created)
    })
}

fn seed_draft(o: &DemoOrganization, region_id: i64) -> ApiResult<OrganizationDraft> {
    let service_forms = o
        .service_forms
        .iter()
        .map(|f| {
            ServiceForm::parse(f)
                .ok_or_else(|| ApiError::internal(format!("unknown demo service form {f}")))
        })
        .collect::<ApiResult<_>>()?;
    Ok(OrganizationDraft {
        region_id,
        full_name: o.full_name.into(),
        short_name: o.short_name.into(),
        inn: o.inn.into(),
        ogrn: o.ogrn.into(),
        kpp: Some(o.kpp.into()),
        ownership: Ownership::parse(o.ownership)
            .ok_or_else(|| ApiError::internal(format!("unknown demo ownership {}", o.ownership)))?,
        founder: Some(o.founder.into()),
        service_forms,
        address: o.address.into(),
        website: o.website.map(Into::into),
        bus_gov_id: None,
        head: o.head_full_name.zip(o.head_position).map(|(n, p)| Head {
            full_name: n.into(),
            position: p.into(),
        }),
        active: true,
    })
}

/// The k-th generated organization: a complex centre of social services in `region`, with
/// numbers from tax office 99 so that they never meet the seed institutions' numbers.
fn generated_draft(
    number: usize,
    k: usize,
    region: &DemoRegion,
    region_id: i64,
) -> OrganizationDraft {
    let code: u64 = region.code.parse().unwrap_or(0);
    let serial = (number % 100_000) as u64;
    let forms = [
        vec![ServiceForm::SemiStationary, ServiceForm::HomeBased],
        vec![ServiceForm::Stationary],
        vec![ServiceForm::HomeBased],
        vec![ServiceForm::Stationary, ServiceForm::SemiStationary],
    ];
    OrganizationDraft {
        region_id,
        full_name: format!(
            "Государственное бюджетное учреждение социального обслуживания «Комплексный центр социального обслуживания населения № {number}» ({})",
            region.name
        ),
        short_name: format!("ГБУСО «КЦСОН № {number}»"),
        inn: Inn::legal_entity_from_stem(code * 10_000_000 + 99 * 100_000 + serial)
            .as_str()
            .into(),
        ogrn: Ogrn::legal_entity_from_stem(
            102_000_000_000 + code * 10_000_000 + 99 * 100_000 + serial,
        )
        .as_str()
        .into(),
        kpp: Some(format!("{code:02}99{:02}001", 1)),
        ownership: Ownership::State,
        founder: Some(format!("Уполномоченный орган в сфере социальной защиты ({})", region.name)),
        service_forms: forms[k % forms.len()].clone(),
        address: format!("{}, ул. Центральная, д. {number}", region.name),
        website: None,
        bus_gov_id: None,
        head: None,
        active: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_seed_institution_passes_the_api_rules() {
        for (i, o) in ORGANIZATIONS.iter().enumerate() {
            assert!(
                REGIONS.iter().any(|r| r.code == o.region_code),
                "{}",
                o.short_name
            );
            let draft = seed_draft(o, 1).unwrap();
            let valid = draft
                .clone()
                .validate()
                .unwrap_or_else(|e| panic!("{}: {e:?}", o.short_name));
            assert_eq!(
                valid, draft,
                "{} is stored exactly as written",
                o.short_name
            );
            for other in &ORGANIZATIONS[..i] {
                assert_ne!(other.inn, o.inn);
                assert_ne!(other.ogrn, o.ogrn);
            }
        }
    }

    #[test]
    fn generated_organizations_are_valid_and_distinct() {
        let drafts: Vec<_> = (0..2000)
            .map(|k| generated_draft(k / REGIONS.len() + 1, k, &REGIONS[k % REGIONS.len()], 1))
            .collect();
        for d in &drafts {
            d.clone()
                .validate()
                .unwrap_or_else(|e| panic!("{}: {e:?}", d.inn));
            assert!(ORGANIZATIONS.iter().all(|o| o.inn != d.inn));
        }
        let mut inns: Vec<_> = drafts.iter().map(|d| d.inn.clone()).collect();
        inns.sort();
        inns.dedup();
        assert_eq!(inns.len(), drafts.len());
    }
}
