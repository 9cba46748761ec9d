//! `/api/v1/users`: accounts of the service, managed by administrators. No response ever
//! carries a password or its hash.

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use super::conditional::{self, IfMatch};
use super::extract::ApiJson;
use super::{parse_filter, ListFilterErrors};
use crate::app::{self, Context, Listing};
use crate::auth::{password, Caller, Role};
use crate::db::users::UserFilter;
use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use crate::views::users::{NewUserRequest, PasswordRequest, User};
use crate::views::Page;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list)
        .service(create)
        .service(read)
        .service(deactivate)
        .service(set_password);
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UserListQuery {
    pub limit: Option<String>,
    pub cursor: Option<String>,
    #[param(value_type = Option<Role>)]
    pub role: Option<String>,
    #[param(value_type = Option<bool>)]
    pub active: Option<String>,
    /// `true`: also count the matches across all pages (`total`, `X-Total-Count`).
    #[param(value_type = Option<bool>)]
    pub total: Option<String>,
}

impl UserListQuery {
    fn listing(self) -> ApiResult<Listing<UserFilter>> {
        let mut errors = ListFilterErrors::default();
        let page = errors.paging(self.limit.as_deref(), self.cursor.as_deref());
        let filter = UserFilter {
            role: parse_filter(&mut errors, "role", self.role, |v| Role::parse(&v)),
            active: parse_filter(&mut errors, "active", self.active, |v| v.parse().ok()),
        };
        let total = errors.total(self.total);
        errors
            .into_listing(filter, page)
            .map(|listing| listing.counted(total))
    }
}

/// Hashes a password on the blocking pool: it takes a while, by design.
async fn hashed(password: String) -> ApiResult<String> {
    web::block(move || password::hash(&password))
        .await
        .map_err(ApiError::internal)?
}

#[utoipa::path(
    operation_id = "list_users",
    summary = "List users",
    tag = "users",
    params(UserListQuery),
    responses(
        (status = 200, description = "A page of users", body = Page<User>),
    ),
)]
#[get("/users")]
async fn list(
    req: HttpRequest,
    caller: Caller,
    db: web::Data<Db>,
    query: web::Query<UserListQuery>,
) -> ApiResult<HttpResponse> {
    let listing = query.into_inner().listing();
    let page = db
        .run(move |conn| app::users::list(conn, &caller, listing))
        .await?;
    Ok(super::pages::respond(&req, &page))
}

#[utoipa::path(
    operation_id = "create_user",
    summary = "Create a user",
    tag = "users",
    request_body = NewUserRequest,
    responses(
        (status = 201, description = "Created", body = User, headers(("Location" = String), ("ETag" = String))),
    ),
)]
#[post("/users")]
async fn create(
    ctx: Context,
    db: web::Data<Db>,
    body: ApiJson<NewUserRequest>,
) -> ApiResult<HttpResponse> {
    let mut admitted = app::users::admit(&ctx.caller, body.0)?;
    let hash = hashed(std::mem::take(&mut admitted.password)).await?;
    let (version, user) = db
        .transaction(move |conn| app::users::create(conn, &ctx, admitted, &hash))
        .await?;
    Ok(conditional::created(
        format!("/api/v1/users/{}", user.id),
        version,
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
    ),
)]
#[get("/users/{id}")]
async fn read(
    caller: Caller,
    req: actix_web::HttpRequest,
    db: web::Data<Db>,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let (version, user) = db
        .run(move |conn| app::users::read(conn, &caller, id))
        .await?;
    Ok(conditional::respond(&req, version, &user))
}

#[utoipa::path(
    operation_id = "deactivate_user",
    summary = "Deactivate a user",
    tag = "users",
    params(("id" = i64, Path, description = "User id"),
           ("If-Match" = Option<String>, Header, description = "If given, the change applies only to this ETag")),
    responses(
        (status = 200, description = "The user, now inactive; their tokens stop working", body = User, headers(("ETag" = String))),
    ),
)]
#[post("/users/{id}/deactivate")]
async fn deactivate(
    ctx: Context,
    if_match: IfMatch,
    db: web::Data<Db>,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let (version, user) = db
        .transaction(move |conn| app::users::deactivate(conn, &ctx, id, &if_match))
        .await?;
    Ok(conditional::updated(version, &user))
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
    ),
)]
#[post("/users/{id}/password")]
async fn set_password(
    ctx: Context,
    if_match: IfMatch,
    db: web::Data<Db>,
    id: web::Path<i64>,
    body: ApiJson<PasswordRequest>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let mut admitted = app::users::admit_password(&ctx.caller, body.0)?;
    let hash = hashed(std::mem::take(&mut admitted.password)).await?;
    let (version, user) = db
        .transaction(move |conn| {
            app::users::set_password(conn, &ctx, id, &if_match, admitted, &hash)
        })
        .await?;
    Ok(conditional::updated(version, &user))
}
