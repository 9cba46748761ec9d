//! `Caller`: the authenticated principal of a request, or an anonymous caller. A request that
//! sends a token must send a valid one: a bad token is 401 even on public routes.

use std::future::Future;
use std::pin::Pin;

use actix_web::http::header;
use actix_web::{dev::Payload, web, FromRequest, HttpMessage, HttpRequest};

use super::token::{TokenSettings, Verified};
use super::Principal;
use crate::bounded::BoundedMap;
use crate::db::users::UserRow;
use crate::db::versions::{Collection, USERS};
use crate::db::{organizations, regions, users, Db, DbConnection};
use crate::error::{ApiError, ApiResult};

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
        let principals = req.app_data::<web::Data<PrincipalCache>>().cloned();
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
            let (Some(settings), Some(db), Some(principals)) = (settings, db, principals) else {
                return Err(ApiError::internal(
                    "token settings, database or principal cache not configured",
                ));
            };
            let verified = settings.verify(token).map_err(unauthorized)?;
            let principal = principals.resolve(&db, verified).await?;
            Ok(Caller::authenticated(principal))
        })
    }
}

/// A local user as a token check needs them: active or not, when their password last
/// changed (whole seconds, as `iat` has them), and their principal if active.
#[derive(Debug, Clone)]
struct LocalUser {
    principal: Option<Principal>,
    credentials_changed: i64,
}

impl LocalUser {
    fn of(user: &UserRow) -> ApiResult<Self> {
        Ok(Self {
            principal: if user.active {
                Some(user.principal()?)
            } else {
                None
            },
            credentials_changed: user
                .credentials_changed_at
                .map_or(0, |at| at.and_utc().timestamp()),
        })
    }

    /// The principal of a token issued at `issued_at`: a deactivated user's tokens stop working,
    /// and so do those issued before the password changed (a token of the same second passes).
    fn check(&self, issued_at: u64) -> ApiResult<Principal> {
        let principal = self
            .principal
            .clone()
            .ok_or_else(|| unauthorized("The token's user does not exist or is deactivated"))?;
        if i64::try_from(issued_at).unwrap_or(i64::MAX) < self.credentials_changed {
            return Err(unauthorized(
                "The token was issued before the password was changed; log in again",
            ));
        }
        Ok(principal)
    }
}

/// What tokens resolve to, kept per instance so that a token needs no database hop: local
/// users by id while the `users` data version is unchanged (every user write bumps it in its
/// transaction), and the identity provider's region codes and organization INNs while the
/// regions' and organizations' collection versions are. Each entry keeps the version of the
/// snapshot taken *before* it was read, so a write that lands meanwhile leaves it stale, never
/// wrong. A deactivation or password change on this instance is seen by its next request; on
/// another, within `NOK_FRESHNESS_MS` (see `db::versions`).
pub struct PrincipalCache {
    users: BoundedMap<i64, (i64, LocalUser)>,
    regions: BoundedMap<String, (i64, Option<i64>)>,
    organizations: BoundedMap<String, (i64, Option<i64>)>,
}

impl PrincipalCache {
    /// Each map holds at most `entries` entries and `bytes` bytes; either 0 turns it off.
    pub fn new(entries: usize, bytes: usize) -> Self {
        Self {
            users: BoundedMap::new(entries, bytes),
            regions: BoundedMap::new(entries, bytes),
            organizations: BoundedMap::new(entries, bytes),
        }
    }

    async fn resolve(&self, db: &Db, verified: Verified) -> ApiResult<Principal> {
        let versions = db.versions().await?;
        match verified {
            Verified::Local { user_id, issued_at } => {
                let at = versions.get(USERS);
                if let Some((version, user)) = self.users.get(&user_id) {
                    if version == at {
                        return user.check(issued_at);
                    }
                }
                let found = db
                    .run(move |conn| {
                        users::find(conn, user_id)
                            .ok()
                            .map(|row| LocalUser::of(&row))
                            .transpose()
                    })
                    .await?;
                let user = found.ok_or_else(|| {
                    unauthorized("The token's user does not exist or is deactivated")
                })?;
                let bytes = std::mem::size_of::<(i64, (i64, LocalUser))>()
                    + user.principal.as_ref().map_or(0, |p| p.username.len());
                self.users.insert(user_id, (at, user.clone()), bytes);
                user.check(issued_at)
            }
            Verified::External {
                subject,
                role,
                region_code,
                organization_inn,
            } => {
                let region = region_code.map(|code| {
                    let at = versions.collection(Collection::Regions);
                    let hit = cached(&self.regions, &code, at);
                    (code, at, hit)
                });
                let organization = organization_inn.map(|inn| {
                    let at = versions.collection(Collection::Organizations);
                    let hit = cached(&self.organizations, &inn, at);
                    (inn, at, hit)
                });
                let missing =
                    |x: &Option<Lookup>| x.as_ref().is_some_and(|(_, _, hit)| hit.is_none());
                let (region, organization) = if missing(&region) || missing(&organization) {
                    db.run(move |conn| {
                        let region = lookup(conn, region, |conn, code| {
                            Ok(regions::find_by_code(conn, code)?.map(|r| r.id))
                        })?;
                        let organization =
                            lookup(conn, organization, organizations::find_active_by_inn)?;
                        Ok((region, organization))
                    })
                    .await?
                } else {
                    (region, organization)
                };
                let region_id = self.settle(&self.regions, region, |code| {
                    format!("The token's region {code} is unknown here")
                })?;
                let organization_id = self.settle(&self.organizations, organization, |inn| {
                    format!("The token's organization {inn} is unknown here")
                })?;
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

    /// Keeps a looked-up id (or its absence) and answers it: an unknown one is refused.
    fn settle(
        &self,
        map: &BoundedMap<String, (i64, Option<i64>)>,
        looked_up: Option<Lookup>,
        unknown: impl FnOnce(&str) -> String,
    ) -> ApiResult<Option<i64>> {
        let Some((name, at, Some(id))) = looked_up else {
            return Ok(None);
        };
        if cached(map, &name, at).is_none() {
            let bytes = name.len() + std::mem::size_of::<(String, (i64, Option<i64>))>();
            map.insert(name.clone(), (at, id), bytes);
        }
        id.map(Some).ok_or_else(|| unauthorized(unknown(&name)))
    }
}

/// The kept id of `name` if it was read at version `at`.
fn cached(
    map: &BoundedMap<String, (i64, Option<i64>)>,
    name: &str,
    at: i64,
) -> Option<Option<i64>> {
    map.get(name)
        .filter(|(version, _)| *version == at)
        .map(|(_, id)| id)
}

/// A name a token carries (region code, INN), the collection version it is checked at, and its
/// id once known (`None` while not kept; `Some(None)` for a name unknown here).
type Lookup = (String, i64, Option<Option<i64>>);

/// Reads the id of a name that was not kept.
fn lookup(
    conn: &mut DbConnection,
    entry: Option<Lookup>,
    find: impl FnOnce(&mut DbConnection, &str) -> ApiResult<Option<i64>>,
) -> ApiResult<Option<Lookup>> {
    match entry {
        Some((name, at, None)) => {
            let id = find(conn, &name)?;
            Ok(Some((name, at, Some(id))))
        }
        other => Ok(other),
    }
}
