//! `Caller`: the authenticated principal of a request, or an anonymous caller. A request that
//! sends a token must send a valid one: a bad token is 401 even on public routes.

use std::future::Future;
use std::pin::Pin;

use actix_web::http::header;
use actix_web::{dev::Payload, web, FromRequest, HttpMessage, HttpRequest};

use super::token::{TokenSettings, Verified};
use super::Principal;
use crate::db::{organizations, regions, users, Db};
use crate::error::ApiError;

#[derive(Debug, Clone)]
pub struct Caller(Option<Principal>);

impl Caller {
    pub fn anonymous() -> Self {
        Self(None)
    }

    pub fn authenticated(principal: Principal) -> Self {
        Self(Some(principal))
    }

    pub fn principal(&self) -> Option<&Principal> {
        self.0.as_ref()
    }
}

/// The request's one `Authorization` header, if any. Two are refused (400) rather than one
/// picked: a proxy and a client (or two layers) that disagree about the credentials must not
/// have the service choose between them.
pub fn authorization(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    let mut values = req.headers().get_all(header::AUTHORIZATION);
    let first = values.next();
    if values.next().is_some() {
        return Err(ApiError::bad_field(
            "Authorization",
            "repeated",
            "Send one Authorization header, not several",
        ));
    }
    Ok(first.map(|v| v.to_str().unwrap_or("").to_owned()))
}

fn unauthorized(detail: impl Into<String>) -> ApiError {
    ApiError::Unauthorized(detail.into())
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        // Resolved already by the authentication gate (`auth::gate`).
        if let Some(caller) = req.extensions().get::<Caller>().cloned() {
            return Box::pin(async move { Ok(caller) });
        }
        let header = match authorization(req) {
            Ok(header) => header,
            Err(error) => return Box::pin(async move { Err(error) }),
        };
        let settings = req.app_data::<web::Data<TokenSettings>>().cloned();
        let db = req.app_data::<web::Data<Db>>().cloned();
        Box::pin(async move {
            let Some(header) = header else {
                return Ok(Caller::anonymous());
            };
            let token = match header.split_once(' ') {
                Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => token.trim(),
                _ => {
                    return Err(unauthorized(
                        "The Authorization header must be `Bearer <token>`",
                    ))
                }
            };
            let (Some(settings), Some(db)) = (settings, db) else {
                return Err(ApiError::internal(
                    "token settings or database not configured",
                ));
            };
            let verified = settings.verify(token).map_err(unauthorized)?;
            let principal = db.run(move |conn| resolve(conn, verified)).await?;
            Ok(Caller::authenticated(principal))
        })
    }
}

/// The principal behind a verified token: a local user must still exist and be active (so a
/// deactivated user's tokens stop working at once), with their current role and scope.
fn resolve(conn: &mut crate::db::DbConnection, verified: Verified) -> Result<Principal, ApiError> {
    match verified {
        Verified::Local { user_id, issued_at } => {
            let user = users::find(conn, user_id)
                .ok()
                .filter(|u| u.active)
                .ok_or_else(|| unauthorized("The token's user does not exist or is deactivated"))?;
            // Whole seconds, as `iat` has them: a token of the same second as the change passes.
            let changed = user
                .credentials_changed_at
                .map_or(0, |at| at.and_utc().timestamp());
            if i64::try_from(issued_at).unwrap_or(i64::MAX) < changed {
                return Err(unauthorized(
                    "The token was issued before the password was changed; log in again",
                ));
            }
            user.principal()
        }
        Verified::External {
            subject,
            role,
            region_code,
            organization_inn,
        } => {
            let region_id = match region_code {
                Some(code) => Some(
                    regions::find_by_code(conn, &code)?
                        .ok_or_else(|| {
                            unauthorized(format!("The token's region {code} is unknown here"))
                        })?
                        .id,
                ),
                None => None,
            };
            let organization_id = match organization_inn {
                Some(inn) => Some(organizations::find_active_by_inn(conn, &inn)?.ok_or_else(
                    || unauthorized(format!("The token's organization {inn} is unknown here")),
                )?),
                None => None,
            };
            Ok(Principal {
                user_id: None,
                username: subject,
                role,
                region_id,
                organization_id,
            })
        }
    }
}
