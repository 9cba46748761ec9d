//! Queries on `organizations`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::organizations;
use super::versions::{self, Collection};
use super::{now, regions, DbConnection};
use crate::domain::organization::{Head, OrganizationDraft, Ownership, ServiceForm};
use crate::domain::text;
use crate::error::{ApiError, ApiResult};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = organizations)]
pub struct OrganizationRow {
    pub id: i64,
    pub region_id: i64,
    pub full_name: String,
    pub short_name: String,
    pub inn: String,
    pub ogrn: String,
    pub kpp: Option<String>,
    pub ownership: String,
    pub founder: Option<String>,
    pub serves_stationary: bool,
    pub serves_semi_stationary: bool,
    pub serves_home_based: bool,
    pub address: String,
    pub website: Option<String>,
    pub bus_gov_id: Option<String>,
    pub head_full_name: Option<String>,
    pub head_position: Option<String>,
    pub active: bool,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl OrganizationRow {
    pub fn service_forms(&self) -> Vec<ServiceForm> {
        [
            (ServiceForm::Stationary, self.serves_stationary),
            (ServiceForm::SemiStationary, self.serves_semi_stationary),
            (ServiceForm::HomeBased, self.serves_home_based),
        ]
        .into_iter()
        .filter_map(|(form, serves)| serves.then_some(form))
        .collect()
    }

    pub fn ownership(&self) -> ApiResult<Ownership> {
        Ownership::parse(&self.ownership).ok_or_else(|| {
            ApiError::internal(format!(
                "organization {} has unknown ownership {:?}",
                self.id, self.ownership
            ))
        })
    }

    pub fn head(&self) -> Option<Head> {
        match (&self.head_full_name, &self.head_position) {
            (Some(full_name), Some(position)) => Some(Head {
                full_name: full_name.clone(),
                position: position.clone(),
            }),
            _ => None,
        }
    }

    /// The stored record as a draft, to apply a patch to.
    pub fn draft(&self) -> ApiResult<OrganizationDraft> {
        Ok(OrganizationDraft {
            region_id: self.region_id,
            full_name: self.full_name.clone(),
            short_name: self.short_name.clone(),
            inn: self.inn.clone(),
            ogrn: self.ogrn.clone(),
            kpp: self.kpp.clone(),
            ownership: self.ownership()?,
            founder: self.founder.clone(),
            service_forms: self.service_forms(),
            address: self.address.clone(),
            website: self.website.clone(),
            bus_gov_id: self.bus_gov_id.clone(),
            head: self.head(),
            active: self.active,
        })
    }
}

/// Column values of a validated draft.
#[derive(Insertable, AsChangeset)]
#[diesel(table_name = organizations, treat_none_as_null = true)]
struct OrganizationValues<'a> {
    region_id: i64,
    full_name: &'a str,
    short_name: &'a str,
    name_search: String,
    inn: &'a str,
    ogrn: &'a str,
    kpp: Option<&'a str>,
    ownership: &'static str,
    founder: Option<&'a str>,
    serves_stationary: bool,
    serves_semi_stationary: bool,
    serves_home_based: bool,
    address: &'a str,
    website: Option<&'a str>,
    bus_gov_id: Option<&'a str>,
    head_full_name: Option<&'a str>,
    head_position: Option<&'a str>,
    active: bool,
}

impl<'a> OrganizationValues<'a> {
    fn of(d: &'a OrganizationDraft) -> Self {
        Self {
            region_id: d.region_id,
            full_name: &d.full_name,
            short_name: &d.short_name,
            name_search: d.search_key(),
            inn: &d.inn,
            ogrn: &d.ogrn,
            kpp: d.kpp.as_deref(),
            ownership: d.ownership.as_str(),
            founder: d.founder.as_deref(),
            serves_stationary: d.serves(ServiceForm::Stationary),
            serves_semi_stationary: d.serves(ServiceForm::SemiStationary),
            serves_home_based: d.serves(ServiceForm::HomeBased),
            address: &d.address,
            website: d.website.as_deref(),
            bus_gov_id: d.bus_gov_id.as_deref(),
            head_full_name: d.head.as_ref().map(|h| h.full_name.as_str()),
            head_position: d.head.as_ref().map(|h| h.position.as_str()),
            active: d.active,
        }
    }
}

/// The orders a list can be asked for (`sort`); each ends with the id, so it is total.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum OrganizationSort {
    #[default]
    Id,
    /// By the full name, case and ё folded (as searched), A→Я.
    Name,
    NameDescending,
    UpdatedAt,
    UpdatedAtDescending,
}

impl OrganizationSort {
    pub const VALUES: [&'static str; 5] = ["id", "name", "-name", "updated_at", "-updated_at"];

    pub fn parse(value: &str) -> Option<Self> {
        Some(match value {
            "id" => Self::Id,
            "name" => Self::Name,
            "-name" => Self::NameDescending,
            "updated_at" => Self::UpdatedAt,
            "-updated_at" => Self::UpdatedAtDescending,
            _ => return None,
        })
    }
}

/// What a list request asks for; every field narrows the result.
#[derive(Debug, Clone, Default)]
pub struct OrganizationFilter {
    pub region_id: Option<i64>,
    /// The region by its code (`71`).
    pub region_code: Option<String>,
    pub inn: Option<String>,
    pub ogrn: Option<String>,
    pub service_form: Option<ServiceForm>,
    pub active: Option<bool>,
    /// Already folded with [`text::fold`].
    pub q: Option<String>,
    pub updated_since: Option<NaiveDateTime>,
    pub sort: OrganizationSort,
}

pub fn find(conn: &mut DbConnection, id: i64) -> ApiResult<OrganizationRow> {
    organizations::table
        .find(id)
        .select(OrganizationRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(ApiError::NotFound)
}

/// Organizations matching `filter` after the row `after_id` in the filter's order, `limit + 1`
/// at most so that the caller knows whether another page follows. The cursor names the last row
/// of the previous page; in another order than the id's, the page continues after that row's
/// sort key (no page follows a row that does not exist).
pub fn list(
    conn: &mut DbConnection,
    filter: &OrganizationFilter,
    after_id: i64,
    limit: i64,
) -> ApiResult<Vec<OrganizationRow>> {
    use OrganizationSort::*;
    let query = filtered(filter).select(OrganizationRow::as_select());
    let after = match (after_id, filter.sort) {
        (0, _) | (_, Id) => None,
        _ => match organizations::table
            .find(after_id)
            .select((organizations::name_search, organizations::updated_at))
            .first::<(String, NaiveDateTime)>(conn)
            .optional()?
        {
            Some(key) => Some(key),
            None => return Ok(Vec::new()),
        },
    };
    let id = organizations::id;
    let query = match (filter.sort, after) {
        (Id, _) => query.filter(id.gt(after_id)).order(id),
        (Name, None) => query.order((organizations::name_search, id)),
        (Name, Some((name, _))) => query
            .filter(
                organizations::name_search
                    .gt(name.clone())
                    .or(organizations::name_search.eq(name).and(id.gt(after_id))),
            )
            .order((organizations::name_search, id)),
        (NameDescending, None) => query.order((organizations::name_search.desc(), id.desc())),
        (NameDescending, Some((name, _))) => query
            .filter(
                organizations::name_search
                    .lt(name.clone())
                    .or(organizations::name_search.eq(name).and(id.lt(after_id))),
            )
            .order((organizations::name_search.desc(), id.desc())),
        (UpdatedAt, None) => query.order((organizations::updated_at, id)),
        (UpdatedAt, Some((_, at))) => query
            .filter(
                organizations::updated_at
                    .gt(at)
                    .or(organizations::updated_at.eq(at).and(id.gt(after_id))),
            )
            .order((organizations::updated_at, id)),
        (UpdatedAtDescending, None) => query.order((organizations::updated_at.desc(), id.desc())),
        (UpdatedAtDescending, Some((_, at))) => query
            .filter(
                organizations::updated_at
                    .lt(at)
                    .or(organizations::updated_at.eq(at).and(id.lt(after_id))),
            )
            .order((organizations::updated_at.desc(), id.desc())),
    };
    Ok(query.limit(limit + 1).load(conn)?)
}

/// How many organizations match `filter`, whatever the page.
pub fn count(conn: &mut DbConnection, filter: &OrganizationFilter) -> ApiResult<i64> {
    Ok(filtered(filter).count().get_result(conn)?)
}

fn filtered(
    filter: &OrganizationFilter,
) -> organizations::BoxedQuery<'static, <DbConnection as diesel::Connection>::Backend> {
    let mut query = organizations::table.into_boxed();
    if let Some(region_id) = filter.region_id {
        query = query.filter(organizations::region_id.eq(region_id));
    }
    if let Some(code) = &filter.region_code {
        query = query.filter(organizations::region_id.eq_any(regions::with_code(code)));
    }
    if let Some(inn) = &filter.inn {
        query = query.filter(organizations::inn.eq(inn.clone()));
    }
    if let Some(ogrn) = &filter.ogrn {
        query = query.filter(organizations::ogrn.eq(ogrn.clone()));
    }
    if let Some(form) = filter.service_form {
        query = match form {
            ServiceForm::Stationary => query.filter(organizations::serves_stationary.eq(true)),
            ServiceForm::SemiStationary => {
                query.filter(organizations::serves_semi_stationary.eq(true))
            }
            ServiceForm::HomeBased => query.filter(organizations::serves_home_based.eq(true)),
        };
    }
    if let Some(active) = filter.active {
        query = query.filter(organizations::active.eq(active));
    }
    if let Some(q) = &filter.q {
        // A name's substring, or the start of an INN (digits people copy from documents).
        let by_name = organizations::name_search
            .like(format!("%{}%", escape_like(q)))
            .escape('\\');
        query = if !q.is_empty() && q.bytes().all(|b| b.is_ascii_digit()) {
            query.filter(by_name.or(organizations::inn.like(format!("{q}%"))))
        } else {
            query.filter(by_name)
        };
    }
    if let Some(since) = filter.updated_since {
        query = query.filter(organizations::updated_at.ge(since));
    }
    query
}

pub fn insert(conn: &mut DbConnection, draft: &OrganizationDraft) -> ApiResult<OrganizationRow> {
    check_references(conn, draft, None)?;
    let at = now();
    let id = diesel::insert_into(organizations::table)
        .values((
            OrganizationValues::of(draft),
            organizations::version.eq(1),
            organizations::created_at.eq(at),
            organizations::updated_at.eq(at),
        ))
        .returning(organizations::id)
        .get_result::<i64>(conn)?;
    versions::bump(conn, Collection::Organizations)?;
    find(conn, id)
}

/// Inserts validated drafts of existing regions with one multi-row INSERT per backend (bulk
/// demo loads; the caller checks that no INN is another active organization's, and the unique
/// index backs it). Returns the new rows in the drafts' order.
pub fn insert_many(
    conn: &mut DbConnection,
    drafts: &[OrganizationDraft],
) -> ApiResult<Vec<OrganizationRow>> {
    if drafts.is_empty() {
        return Ok(Vec::new());
    }
    let at = now();
    let rows: Vec<_> = drafts
        .iter()
        .map(|d| {
            (
                OrganizationValues::of(d),
                organizations::version.eq(1_i64),
                organizations::created_at.eq(at),
                organizations::updated_at.eq(at),
            )
        })
        .collect();
    // Multi-row INSERT is backend-specific in diesel, so each backend gets its own call.
    let insert = diesel::insert_into(organizations::table).values(&rows);
    match conn {
        DbConnection::Sqlite(c) => insert.execute(c)?,
        DbConnection::Postgres(c) => insert.execute(c)?,
    };
    versions::bump(conn, Collection::Organizations)?;
    let inns: Vec<&str> = drafts.iter().map(|d| d.inn.as_str()).collect();
    let mut rows: Vec<OrganizationRow> = organizations::table
        .filter(organizations::inn.eq_any(&inns))
        .filter(organizations::active.eq(true))
        .select(OrganizationRow::as_select())
        .load(conn)?;
    let position: std::collections::HashMap<&str, usize> =
        inns.iter().enumerate().map(|(i, inn)| (*inn, i)).collect();
    rows.sort_by_key(|r| position.get(r.inn.as_str()).copied().unwrap_or(usize::MAX));
    Ok(rows)
}

/// Every active organization's INN (bulk demo loads skip those already there).
pub fn active_inns(conn: &mut DbConnection) -> ApiResult<std::collections::HashSet<String>> {
    Ok(organizations::table
        .filter(organizations::active.eq(true))
        .select(organizations::inn)
        .load::<String>(conn)?
        .into_iter()
        .collect())
}

/// Stores `draft` over the row if it is still at `version`; 412 when another write got there first.
pub fn update(
    conn: &mut DbConnection,
    id: i64,
    version: i64,
    draft: &OrganizationDraft,
) -> ApiResult<OrganizationRow> {
    check_references(conn, draft, Some(id))?;
    let changed = diesel::update(organizations::table)
        .filter(
            organizations::id
                .eq(id)
                .and(organizations::version.eq(version)),
        )
        .set((
            OrganizationValues::of(draft),
            organizations::version.eq(version + 1),
            organizations::updated_at.eq(now()),
        ))
        .execute(conn)?;
    if changed == 0 {
        return Err(ApiError::PreconditionFailed);
    }
    versions::bump(conn, Collection::Organizations)?;
    find(conn, id)
}

/// The region must exist (422) and an active organization's INN must not be another active
/// organization's (409). The unique index backs the second rule against races.
fn check_references(
    conn: &mut DbConnection,
    draft: &OrganizationDraft,
    own_id: Option<i64>,
) -> ApiResult<()> {
    if !regions::exists(conn, draft.region_id)? {
        return Err(ApiError::validation(
            "region_id",
            "not_found",
            format!("region {} does not exist", draft.region_id),
        ));
    }
    if draft.active {
        let holder = organizations::table
            .filter(organizations::inn.eq(&draft.inn))
            .filter(organizations::active.eq(true))
            .select((organizations::id, organizations::short_name))
            .first::<(i64, String)>(conn)
            .optional()?;
        if let Some((other_id, other_name)) = holder.filter(|(other, _)| Some(*other) != own_id) {
            return Err(ApiError::Conflict(format!(
                "INN {} already belongs to active organization {other_id} ({other_name})",
                draft.inn
            )));
        }
    }
    Ok(())
}

fn escape_like(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Folds a search string the way names are folded when stored.
pub fn search_term(q: &str) -> String {
    text::fold(q.trim())
}

/// The active organization holding `inn`, if any.
pub fn find_active_by_inn(conn: &mut DbConnection, inn: &str) -> ApiResult<Option<i64>> {
    Ok(organizations::table
        .filter(organizations::inn.eq(inn))
        .filter(organizations::active.eq(true))
        .select(organizations::id)
        .first::<i64>(conn)
        .optional()?)
}

/// The region's active organizations.
pub fn count_active(conn: &mut DbConnection, region_id: i64) -> ApiResult<u64> {
    let n: i64 = organizations::table
        .filter(organizations::region_id.eq(region_id))
        .filter(organizations::active.eq(true))
        .count()
        .get_result(conn)?;
    Ok(u64::try_from(n).unwrap_or(0))
}
