//! `/api/v1/users`: accounts of the service, managed by administrators. No response ever
//! carries a password or its hash.

use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};

use super::conditional::{self, etag, IfMatch};
use super::extract::ApiJson;
use super::request_id::RequestId;
use super::{parse_filter, timestamp, ListFilterErrors};
use crate::auth::policy::{self, Target};
use crate::auth::{password, Caller, Role};
use crate::db::audit::{self, Actor, Change};
use crate::db::users::{self as store, NewUser, UserFilter, UserRow};
use crate::db::Db;
use crate::domain::paging;
use crate::domain::user::check_new_user;
use crate::error::{ApiError, ApiResult};
use crate::openapi::{
    BadRequest, Conflict, NotFound, PayloadTooLarge, PreconditionFailed, UnsupportedMediaType,
    ValidationFailed,
};

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list)
        .service(create)
        .service(read)
        .service(deactivate)
        .service(set_password);
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": 3, "username": "tula-authority", "role": "authority", "region_id": 2,
    "organization_id": null, "active": true,
    "created_at": "2026-11-24T10:00:00Z", "updated_at": "2026-11-24T10:00:00Z"}))]
pub struct User {
    pub id: i64,
    pub username: String,
    pub role: Role,
    /// The region of an authority, council or operator user.
    pub region_id: Option<i64>,
    /// The organization of an organization user.
    pub organization_id: Option<i64>,
    /// A deactivated user cannot log in, and tokens issued before stop working.
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl User {
    fn of(row: &UserRow) -> ApiResult<Self> {
        Ok(Self {
            id: row.id,
            username: row.username.clone(),
            role: row.role()?,
            region_id: row.region_id,
            organization_id: row.organization_id,
            active: row.active,
            created_at: timestamp(row.created_at),
            updated_at: timestamp(row.updated_at),
        })
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"username": "tula-authority", "password": "correct horse battery staple",
    "role": "authority", "region_id": 2}))]
pub struct NewUserRequest {
    #[schema(pattern = "^[a-z0-9][a-z0-9._-]{2,63}$")]
    pub username: String,
    #[schema(min_length = 12, max_length = 256)]
    pub password: String,
    pub role: Role,
    /// Required for authority, council and operator; absent otherwise.
    #[serde(default)]
    pub region_id: Option<i64>,
    /// Required for organization users; absent otherwise.
    #[serde(default)]
    pub organization_id: Option<i64>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"password": "another horse battery staple"}))]
pub struct PasswordRequest {
    #[schema(min_length = 12, max_length = 256)]
    pub password: String,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UserListQuery {
    /// Page size, 1–500.
    #[param(value_type = Option<i64>, minimum = 1, maximum = 500, default = 50)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    #[param(pattern = "^[0-9a-f]{1,16}$")]
    pub cursor: Option<String>,
    #[param(value_type = Option<Role>)]
    pub role: Option<String>,
    #[param(value_type = Option<bool>)]
    pub active: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserPage {
    pub items: Vec<User>,
    /// Cursor of the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

#[utoipa::path(
    operation_id = "list_users",
    summary = "List users",
    tag = "users",
    params(UserListQuery),
    responses(
        (status = 200, description = "A page of users", body = UserPage),
        (status = 400, response = BadRequest),
    ),
)]
#[get("/users")]
async fn list(
    caller: Caller,
    db: web::Data<Db>,
    query: web::Query<UserListQuery>,
) -> ApiResult<HttpResponse> {
    policy::authorize(&caller, &policy::USER_LIST, &Target::default())?;
    let query = query.into_inner();
    let mut errors = ListFilterErrors::default();
    let (after_id, limit) = errors.paging(query.limit.as_deref(), query.cursor.as_deref());
    let filter = UserFilter {
        role: parse_filter(&mut errors, "role", query.role, |v| Role::parse(&v)),
        active: parse_filter(&mut errors, "active", query.active, |v| v.parse().ok()),
    };
    errors.into_result()?;
    let rows = db
        .run(move |conn| store::list(conn, &filter, after_id, limit))
        .await?;
    let (rows, next_cursor) = paging::split_page(rows, limit, |r| r.id);
    let items = rows.iter().map(User::of).collect::<ApiResult<_>>()?;
    Ok(HttpResponse::Ok().json(UserPage { items, next_cursor }))
}

#[utoipa::path(
    operation_id = "create_user",
    summary = "Create a user",
    tag = "users",
    request_body = NewUserRequest,
    responses(
        (status = 201, description = "Created", body = User, headers(("Location" = String), ("ETag" = String))),
        (status = 400, response = BadRequest),
        (status = 409, response = Conflict),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = ValidationFailed),
    ),
)]
#[post("/users")]
async fn create(
    caller: Caller,
    request_id: RequestId,
    db: web::Data<Db>,
    body: ApiJson<NewUserRequest>,
) -> ApiResult<HttpResponse> {
    let principal = policy::authorize(&caller, &policy::USER_CREATE, &Target::default())?;
    let actor = Actor::of(principal, &request_id.0);
    let mut request = body.0;
    request.username = request.username.trim().to_owned();
    let mut errors = check_new_user(
        &request.username,
        request.role,
        request.region_id,
        request.organization_id,
    );
    errors.extend(password::check_strength(&request.password, "password").err());
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let secret = std::mem::take(&mut request.password);
    let hash = web::block(move || password::hash(&secret))
        .await
        .map_err(ApiError::internal)??;
    let (row, user) = db
        .transaction(move |conn| {
            let new = NewUser {
                username: &request.username,
                password_hash: &hash,
                role: request.role,
                region_id: request.region_id,
                organization_id: request.organization_id,
            };
            let row = store::register(conn, &actor, &new)?;
            let user = User::of(&row)?;
            Ok((row, user))
        })
        .await?;
    Ok(conditional::created(
        format!("/api/v1/users/{}", row.id),
        row.version,
        &user,
    ))
}

#[utoipa::path(
    operation_id = "get_user",
    summary = "Read a user",
    tag = "users",
    params(("id" = i64, Path, description = "User id"),
           ("If-None-Match" = Option<String>, Header, description = "ETag of a cached copy; answers 304 if it is current")),
    responses(
        (status = 200, description = "The user", body = User, headers(("ETag" = String))),
        (status = 304, description = "The cached copy named by `If-None-Match` is current"),
        (status = 404, response = NotFound),
    ),
)]
#[get("/users/{id}")]
async fn read(
    caller: Caller,
    req: actix_web::HttpRequest,
    db: web::Data<Db>,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    policy::authorize(&caller, &policy::USER_READ, &Target::default())?;
    let id = id.into_inner();
    let row = db.run(move |conn| store::find(conn, id)).await?;
    Ok(conditional::respond(&req, row.version, &User::of(&row)?))
}

/// Writes `active` and optionally a new password hash, with its audit event.
async fn change(
    db: &Db,
    actor: Actor,
    if_match: IfMatch,
    id: i64,
    action: &'static str,
    active: bool,
    password_hash: Option<String>,
) -> ApiResult<(UserRow, User)> {
    db.transaction(move |conn| {
        let current = store::find(conn, id)?;
        if_match.check_if_present(&etag(current.version))?;
        let before = User::of(&current)?;
        if password_hash.is_none() && current.active == active {
            return Ok((current, before));
        }
        let row = store::update(conn, id, current.version, active, password_hash.as_deref())?;
        let after = User::of(&row)?;
        let mut change = Change::of(action, "user", id, Some(&before), Some(&after))?;
        if password_hash.is_some() {
            change.after = Some(json!({"password": "changed"}));
        }
        audit::record(conn, &actor, change)?;
        Ok((row, after))
    })
    .await
}

#[utoipa::path(
    operation_id = "deactivate_user",
    summary = "Deactivate a user",
    tag = "users",
    params(("id" = i64, Path, description = "User id"),
           ("If-Match" = Option<String>, Header, description = "If given, the change applies only to this ETag")),
    responses(
        (status = 200, description = "The user, now inactive; their tokens stop working", body = User, headers(("ETag" = String))),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 412, response = PreconditionFailed),
    ),
)]
#[post("/users/{id}/deactivate")]
async fn deactivate(
    caller: Caller,
    request_id: RequestId,
    if_match: IfMatch,
    db: web::Data<Db>,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let principal = policy::authorize(&caller, &policy::USER_DEACTIVATE, &Target::default())?;
    let id = id.into_inner();
    // An administrator who deactivates themselves locks their own tokens out at once; with a
    // single administrator nobody could undo it.
    if principal.is_some_and(|p| p.user_id == Some(id)) {
        return Err(ApiError::Conflict(
            "You cannot deactivate your own account; another administrator can".into(),
        ));
    }
    let actor = Actor::of(principal, &request_id.0);
    let (row, user) = change(&db, actor, if_match, id, "user.deactivate", false, None).await?;
    Ok(conditional::updated(row.version, &user))
}

#[utoipa::path(
    operation_id = "set_user_password",
    summary = "Set a user's password",
    tag = "users",
    params(("id" = i64, Path, description = "User id"),
           ("If-Match" = Option<String>, Header, description = "If given, the change applies only to this ETag")),
    request_body = PasswordRequest,
    responses(
        (status = 200, description = "The password is replaced; the user is active again", body = User, headers(("ETag" = String))),
        (status = 400, response = BadRequest),
        (status = 404, response = NotFound),
        (status = 412, response = PreconditionFailed),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = ValidationFailed),
    ),
)]
#[post("/users/{id}/password")]
async fn set_password(
    caller: Caller,
    request_id: RequestId,
    if_match: IfMatch,
    db: web::Data<Db>,
    id: web::Path<i64>,
    body: ApiJson<PasswordRequest>,
) -> ApiResult<HttpResponse> {
    let principal = policy::authorize(&caller, &policy::USER_PASSWORD, &Target::default())?;
    let actor = Actor::of(principal, &request_id.0);
    let secret = body.0.password;
    password::check_strength(&secret, "password").map_err(|e| ApiError::Validation(vec![e]))?;
    let hash = web::block(move || password::hash(&secret))
        .await
        .map_err(ApiError::internal)??;
    let (row, user) = change(
        &db,
        actor,
        if_match,
        id.into_inner(),
        "user.password_reset",
        true,
        Some(hash),
    )
    .await?;
    Ok(conditional::updated(row.version, &user))
}
