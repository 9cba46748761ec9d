//! Queries on `users`. The password hash never leaves this module except to be verified.

use diesel::prelude::*;

use super::audit::{self, Actor, Change};
use super::schema::users;
use super::{now, organizations, regions, DbConnection};
use crate::domain::access::Principal;
use crate::domain::user::Role;
use crate::error::{ApiError, ApiResult};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub password_hash: String,
    pub role: String,
    pub region_id: Option<i64>,
    pub organization_id: Option<i64>,
    pub active: bool,
    pub version: i64,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
    /// When the password was last set by a reset; tokens issued before are refused.
    pub credentials_changed_at: Option<chrono::NaiveDateTime>,
}

impl UserRow {
    pub fn role(&self) -> ApiResult<Role> {
        Role::parse(&self.role).ok_or_else(|| {
            ApiError::internal(format!("user {} has unknown role {:?}", self.id, self.role))
        })
    }

    pub fn principal(&self) -> ApiResult<Principal> {
        Ok(Principal {
            user_id: Some(self.id),
            username: self.username.clone(),
            role: self.role()?,
            region_id: self.region_id,
            organization_id: self.organization_id,
        })
    }
}

pub struct NewUser<'a> {
    pub username: &'a str,
    pub password_hash: &'a str,
    pub role: Role,
    pub region_id: Option<i64>,
    pub organization_id: Option<i64>,
}

pub fn find(conn: &mut DbConnection, id: i64) -> ApiResult<UserRow> {
    users::table
        .find(id)
        .select(UserRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(ApiError::NotFound)
}

pub fn find_by_username(conn: &mut DbConnection, username: &str) -> ApiResult<Option<UserRow>> {
    Ok(users::table
        .filter(users::username.eq(username))
        .select(UserRow::as_select())
        .first(conn)
        .optional()?)
}

#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    pub role: Option<Role>,
    pub active: Option<bool>,
}

pub fn list(
    conn: &mut DbConnection,
    filter: &UserFilter,
    after_id: i64,
    limit: i64,
) -> ApiResult<Vec<UserRow>> {
    Ok(filtered(filter)
        .filter(users::id.gt(after_id))
        .select(UserRow::as_select())
        .order(users::id)
        .limit(limit + 1)
        .load(conn)?)
}

/// How many users match `filter`, whatever the page.
pub fn count(conn: &mut DbConnection, filter: &UserFilter) -> ApiResult<i64> {
    Ok(filtered(filter).count().get_result(conn)?)
}

fn filtered(
    filter: &UserFilter,
) -> users::BoxedQuery<'static, <DbConnection as diesel::Connection>::Backend> {
    let mut query = users::table.into_boxed();
    if let Some(role) = filter.role {
        query = query.filter(users::role.eq(role.as_str()));
    }
    if let Some(active) = filter.active {
        query = query.filter(users::active.eq(active));
    }
    query
}

pub fn insert(conn: &mut DbConnection, user: &NewUser) -> ApiResult<UserRow> {
    if find_by_username(conn, user.username)?.is_some() {
        return Err(ApiError::Conflict(format!(
            "The username {} is taken",
            user.username
        )));
    }
    let at = now();
    let id = diesel::insert_into(users::table)
        .values((
            users::username.eq(user.username),
            users::password_hash.eq(user.password_hash),
            users::role.eq(user.role.as_str()),
            users::region_id.eq(user.region_id),
            users::organization_id.eq(user.organization_id),
            users::active.eq(true),
            users::version.eq(1),
            users::created_at.eq(at),
            users::updated_at.eq(at),
        ))
        .returning(users::id)
        .get_result::<i64>(conn)?;
    find(conn, id)
}

/// Sets the active flag and, if given, a new password hash, if the row is still at `version`.
pub fn update(
    conn: &mut DbConnection,
    id: i64,
    version: i64,
    active: bool,
    password_hash: Option<&str>,
) -> ApiResult<UserRow> {
    let current = find(conn, id)?;
    let at = now();
    let changed = diesel::update(users::table)
        .filter(users::id.eq(id).and(users::version.eq(version)))
        .set((
            users::active.eq(active),
            users::password_hash.eq(password_hash.unwrap_or(&current.password_hash)),
            users::credentials_changed_at
                .eq(password_hash.map(|_| at).or(current.credentials_changed_at)),
            users::version.eq(version + 1),
            users::updated_at.eq(at),
        ))
        .execute(conn)?;
    if changed == 0 {
        return Err(ApiError::PreconditionFailed);
    }
    // Also where the write is not audited (the demo loader): tokens are checked against it.
    super::versions::bump_key(conn, super::versions::USERS)?;
    find(conn, id)
}

/// Creates a user whose input has passed `domain::user::check_new_user` and whose password is
/// hashed: the scope it names must exist; the creation is audited.
pub fn register(conn: &mut DbConnection, actor: &Actor, user: &NewUser) -> ApiResult<UserRow> {
    if let Some(region_id) = user.region_id {
        if !regions::exists(conn, region_id)? {
            return Err(ApiError::validation(
                "region_id",
                "not_found",
                format!("region {region_id} does not exist"),
            ));
        }
    }
    if let Some(organization_id) = user.organization_id {
        organizations::find(conn, organization_id).map_err(|_| {
            ApiError::validation(
                "organization_id",
                "not_found",
                format!("organization {organization_id} does not exist"),
            )
        })?;
    }
    let row = insert(conn, user)?;
    let after = serde_json::json!({
        "id": row.id, "username": row.username, "role": row.role,
        "region_id": row.region_id, "organization_id": row.organization_id, "active": row.active,
    });
    let change = Change {
        action: "user.created",
        resource_type: "user",
        resource_id: row.id.to_string(),
        before: None,
        after: Some(after),
        exposure: None,
        region_id: None,
    };
    audit::record(conn, actor, change)?;
    Ok(row)
}
