//! Bearer tokens: HS256 tokens this service issues, and optionally RS256/ES256 tokens of the
//! region's identity provider, whose claims map to a role and a scope.

use std::collections::HashMap;
use std::time::Duration;

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use super::{Principal, Role};
use crate::bounded::BoundedMap;
use crate::config::Config;
use secrecy::ExposeSecret;

/// Claims of a token this service issues.
#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
    /// The user id.
    pub sub: String,
    pub exp: u64,
    pub iat: u64,
    pub nbf: u64,
    pub name: String,
    pub role: Role,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<i64>,
}

/// What a verified token says about its bearer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verified {
    /// A local user; their current role, scope and active flag are read from the database.
    Local { user_id: i64, issued_at: u64 },
    /// A user of the identity provider, with the role and scope its claims map to.
    External {
        subject: String,
        role: Role,
        region_code: Option<String>,
        organization_inn: Option<String>,
    },
}

/// The region's identity provider: its public keys and how its claims map to ours.
pub struct IdentityProvider {
    keys: Vec<(Option<String>, Algorithm, DecodingKey)>,
    issuer: String,
    audience: String,
    role_claim: String,
    role_map: HashMap<String, Role>,
    region_claim: String,
    organization_claim: String,
}

pub struct TokenSettings {
    encoding: EncodingKey,
    decoding: DecodingKey,
    issuer: String,
    audience: String,
    pub ttl: Duration,
    /// Seconds of clock difference allowed on `exp` and `nbf`.
    leeway: u64,
    idp: Option<IdentityProvider>,
    /// Local tokens already verified, by their text: a client sends one token with each of its
    /// requests, and checking its signature and claims again costs more than the rest of an
    /// answer kept in memory. Its window is checked on every use; what the user may do now is
    /// not the token's to say (see `extractor::PrincipalCache`).
    verified: BoundedMap<String, KeptToken>,
}

/// A verified local token: whom it names and when it is valid.
#[derive(Debug, Clone, Copy)]
struct KeptToken {
    user_id: i64,
    issued_at: u64,
    not_before: u64,
    expires: u64,
}

impl KeptToken {
    /// Valid at `now` with `leeway`, exactly as `jsonwebtoken` judges `exp` and `nbf`.
    fn valid_at(&self, now: u64, leeway: u64) -> bool {
        self.expires.saturating_add(leeway) >= now && self.not_before <= now.saturating_add(leeway)
    }
}

impl TokenSettings {
    pub fn from_config(config: &Config) -> Result<Self, String> {
        let secret = config.token_secret().expose_secret().as_bytes();
        if secret.len() < 32 {
            return Err("NOK_JWT_SECRET must be at least 32 bytes".into());
        }
        let idp = match &config.idp_keys {
            None => None,
            Some(path) => Some(IdentityProvider::load(config, path)?),
        };
        Ok(Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            issuer: config.jwt_issuer.clone(),
            audience: config.jwt_audience.clone(),
            ttl: Duration::from_secs(config.token_ttl_secs),
            leeway: config.token_leeway_secs,
            idp,
            verified: BoundedMap::new(config.list_cache_entries, config.cache_bytes),
        })
    }

    /// Issues a token for `principal` valid from `now` (seconds since the epoch) for the TTL.
    pub fn issue(&self, principal: &Principal, user_id: i64, now: u64) -> Result<String, String> {
        let claims = Claims {
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            sub: user_id.to_string(),
            exp: now + self.ttl.as_secs(),
            iat: now,
            nbf: now,
            name: principal.username.clone(),
            role: principal.role,
            region_id: principal.region_id,
            organization_id: principal.organization_id,
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| e.to_string())
    }

    /// Verifies signature, algorithm, `exp`, `nbf`, `iss` and `aud`. The algorithm decides the
    /// key: HS256 only with our secret, RS256/ES256 only with the identity provider's keys, so a
    /// public key can never be used as an HMAC secret.
    pub fn verify(&self, token: &str) -> Result<Verified, String> {
        let header =
            jsonwebtoken::decode_header(token).map_err(|e| format!("malformed token: {e}"))?;
        match header.alg {
            Algorithm::HS256 => {
                let now = jsonwebtoken::get_current_timestamp();
                if let Some(kept) = self.verified.get(token) {
                    if kept.valid_at(now, self.leeway) {
                        return Ok(Verified::Local {
                            user_id: kept.user_id,
                            issued_at: kept.issued_at,
                        });
                    }
                }
                let validation =
                    validation(Algorithm::HS256, &self.issuer, &self.audience, self.leeway);
                let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation)
                    .map_err(|e| format!("invalid token: {e}"))?;
                let user_id = data
                    .claims
                    .sub
                    .parse()
                    .map_err(|_| "invalid token: sub is not a user id".to_owned())?;
                let kept = KeptToken {
                    user_id,
                    issued_at: data.claims.iat,
                    not_before: data.claims.nbf,
                    expires: data.claims.exp,
                };
                let bytes = token.len() + std::mem::size_of::<(String, KeptToken)>() + 64;
                self.verified.insert(token.to_owned(), kept, bytes);
                Ok(Verified::Local {
                    user_id,
                    issued_at: data.claims.iat,
                })
            }
            Algorithm::RS256 | Algorithm::ES256 => match &self.idp {
                Some(idp) => idp.verify(token, header.alg, header.kid.as_deref(), self.leeway),
                None => Err(format!(
                    "tokens signed with {:?} are not accepted: no identity provider is configured",
                    header.alg
                )),
            },
            other => Err(format!("tokens signed with {other:?} are not accepted")),
        }
    }
}

fn validation(alg: Algorithm, issuer: &str, audience: &str, leeway: u64) -> Validation {
    let mut validation = Validation::new(alg);
    validation.set_issuer(&[issuer]);
    validation.set_audience(&[audience]);
    validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
    validation.validate_nbf = true;
    validation.leeway = leeway;
    validation
}

impl IdentityProvider {
    fn load(config: &Config, path: &std::path::Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("NOK_IDP_KEYS={}: {e}", path.display()))?;
        let keys =
            parse_keys(&text).map_err(|e| format!("NOK_IDP_KEYS={}: {e}", path.display()))?;
        let role_map = parse_role_map(&config.idp_role_map)?;
        Ok(Self {
            keys,
            issuer: config
                .idp_issuer
                .clone()
                .ok_or("NOK_IDP_ISSUER is required with NOK_IDP_KEYS")?,
            audience: config
                .idp_audience
                .clone()
                .ok_or("NOK_IDP_AUDIENCE is required with NOK_IDP_KEYS")?,
            role_claim: config.idp_role_claim.clone(),
            role_map,
            region_claim: config.idp_region_claim.clone(),
            organization_claim: config.idp_organization_claim.clone(),
        })
    }

    fn verify(
        &self,
        token: &str,
        alg: Algorithm,
        kid: Option<&str>,
        leeway: u64,
    ) -> Result<Verified, String> {
        let validation = validation(alg, &self.issuer, &self.audience, leeway);
        let candidates = self.keys.iter().filter(|(key_id, key_alg, _)| {
            *key_alg == alg && (kid.is_none() || key_id.as_deref() == kid)
        });
        let mut last_error = "no key of the identity provider matches the token".to_owned();
        for (_, _, key) in candidates {
            match jsonwebtoken::decode::<serde_json::Map<String, serde_json::Value>>(
                token,
                key,
                &validation,
            ) {
                Ok(data) => return self.map_claims(&data.claims),
                Err(e) => last_error = format!("invalid token: {e}"),
            }
        }
        Err(last_error)
    }

    fn map_claims(
        &self,
        claims: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<Verified, String> {
        let text = |name: &str| claims.get(name).and_then(|v| v.as_str()).map(str::to_owned);
        let subject = text("sub").ok_or("the token has no sub")?;
        let value = text(&self.role_claim)
            .ok_or_else(|| format!("the token has no {} claim", self.role_claim))?;
        let role = *self.role_map.get(&value).ok_or_else(|| {
            format!("the identity provider's role {value:?} maps to no role here")
        })?;
        Ok(Verified::External {
            subject,
            role,
            region_code: text(&self.region_claim),
            organization_inn: text(&self.organization_claim),
        })
    }
}

/// Keys as a JWKS document or as one or more PEM public keys (RSA or EC P-256).
fn parse_keys(text: &str) -> Result<Vec<(Option<String>, Algorithm, DecodingKey)>, String> {
    if text.trim_start().starts_with('{') {
        let set: JwkSet =
            serde_json::from_str(text).map_err(|e| format!("not a JWKS document: {e}"))?;
        return set
            .keys
            .iter()
            .map(|jwk| {
                let alg = match &jwk.algorithm {
                    jsonwebtoken::jwk::AlgorithmParameters::RSA(_) => Algorithm::RS256,
                    jsonwebtoken::jwk::AlgorithmParameters::EllipticCurve(_) => Algorithm::ES256,
                    _ => return Err("only RSA and EC keys are supported".to_owned()),
                };
                let key = DecodingKey::from_jwk(jwk).map_err(|e| e.to_string())?;
                Ok((jwk.common.key_id.clone(), alg, key))
            })
            .collect();
    }
    let blocks: Vec<&str> = text
        .split_inclusive("-----END PUBLIC KEY-----")
        .filter(|b| b.contains("BEGIN"))
        .collect();
    if blocks.is_empty() {
        return Err("no PEM public key found".into());
    }
    blocks
        .into_iter()
        .map(|pem| {
            DecodingKey::from_rsa_pem(pem.as_bytes())
                .map(|k| (None, Algorithm::RS256, k))
                .or_else(|_| {
                    DecodingKey::from_ec_pem(pem.as_bytes()).map(|k| (None, Algorithm::ES256, k))
                })
                .map_err(|e| format!("unreadable PEM key: {e}"))
        })
        .collect()
}

/// `idp-value=role,other=role`, e.g. `nok-admins=admin,soczashita=authority`.
fn parse_role_map(text: &str) -> Result<HashMap<String, Role>, String> {
    text.split(',')
        .map(str::trim)
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (value, role) = pair
                .split_once('=')
                .ok_or_else(|| format!("NOK_IDP_ROLE_MAP: {pair:?} is not value=role"))?;
            let role = Role::parse(role.trim())
                .ok_or_else(|| format!("NOK_IDP_ROLE_MAP: {role:?} is not a role"))?;
            Ok((value.trim().to_owned(), role))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> TokenSettings {
        TokenSettings::from_config(&Config::for_tests()).unwrap()
    }

    #[test]
    fn a_kept_token_answers_until_its_window_closes() {
        let s = settings();
        let now = jsonwebtoken::get_current_timestamp();
        let token = s.issue(&principal(), 7, now).unwrap();
        let first = s.verify(&token).unwrap();
        assert_eq!(s.verified.len(), 1, "kept after the first check");
        assert_eq!(s.verify(&token).unwrap(), first);

        // A token kept while valid, now past its expiry (and the leeway): refused, as unkept.
        let old = now - 2 * s.ttl.as_secs() - s.leeway - 10;
        let expired = s.issue(&principal(), 7, old).unwrap();
        let kept = KeptToken {
            user_id: 7,
            issued_at: old,
            not_before: old,
            expires: old + s.ttl.as_secs(),
        };
        s.verified.insert(expired.clone(), kept, 64);
        let refused = s.verify(&expired).unwrap_err();
        assert!(refused.contains("ExpiredSignature"), "{refused}");
    }

    #[test]
    fn a_kept_window_is_judged_as_jsonwebtoken_judges_exp_and_nbf() {
        let kept = KeptToken {
            user_id: 1,
            issued_at: 100,
            not_before: 100,
            expires: 200,
        };
        assert!(kept.valid_at(100, 0) && kept.valid_at(200, 0));
        assert!(!kept.valid_at(201, 0) && kept.valid_at(230, 30) && !kept.valid_at(231, 30));
        assert!(!kept.valid_at(99, 0) && kept.valid_at(70, 30) && !kept.valid_at(69, 30));
    }

    fn principal() -> Principal {
        Principal {
            user_id: Some(7),
            username: "tula-authority".into(),
            role: Role::Authority,
            region_id: Some(2),
            organization_id: None,
        }
    }

    fn now() -> u64 {
        jsonwebtoken::get_current_timestamp()
    }

    #[test]
    fn issued_tokens_verify() {
        let s = settings();
        let now = now();
        let token = s.issue(&principal(), 7, now).unwrap();
        assert_eq!(
            s.verify(&token),
            Ok(Verified::Local {
                user_id: 7,
                issued_at: now
            })
        );
    }

    #[test]
    fn expired_future_and_foreign_tokens_are_refused() {
        let s = settings();
        assert!(s
            .verify(&s.issue(&principal(), 7, now() - 7200).unwrap())
            .is_err());
        assert!(s
            .verify(&s.issue(&principal(), 7, now() + 3600).unwrap())
            .is_err());
        let mut other = Config::for_tests();
        other.jwt_secret = Some("another secret of at least thirty-two bytes".into());
        let foreign = TokenSettings::from_config(&other).unwrap();
        assert!(s
            .verify(&foreign.issue(&principal(), 7, now()).unwrap())
            .is_err());
        other = Config::for_tests();
        other.jwt_audience = "someone-else".into();
        let foreign = TokenSettings::from_config(&other).unwrap();
        assert!(s
            .verify(&foreign.issue(&principal(), 7, now()).unwrap())
            .is_err());
    }

    /// Expired (or not yet valid) beyond NOK_TOKEN_LEEWAY_SECS is refused, within it accepted.
    #[test]
    fn the_leeway_is_the_setting() {
        let mut config = Config::for_tests();
        config.token_ttl_secs = 60;
        config.token_leeway_secs = 5;
        let s = TokenSettings::from_config(&config).unwrap();
        // Expired 3 s ago: within the leeway; 7 s ago: past it.
        assert!(s
            .verify(&s.issue(&principal(), 7, now() - 63).unwrap())
            .is_ok());
        let expired = s.issue(&principal(), 7, now() - 67).unwrap();
        assert!(s.verify(&expired).unwrap_err().contains("ExpiredSignature"));
        // Valid 3 s from now: within it; 7 s: not yet.
        assert!(s
            .verify(&s.issue(&principal(), 7, now() + 3).unwrap())
            .is_ok());
        assert!(s
            .verify(&s.issue(&principal(), 7, now() + 7).unwrap())
            .is_err());
        config.token_leeway_secs = 0;
        let strict = TokenSettings::from_config(&config).unwrap();
        assert!(strict
            .verify(&s.issue(&principal(), 7, now() - 62).unwrap())
            .is_err());
    }

    #[test]
    fn role_maps_parse() {
        let map = parse_role_map("nok-admins=admin, soc=authority").unwrap();
        assert_eq!(map["soc"], Role::Authority);
        assert!(parse_role_map("x=king").is_err());
        assert!(parse_role_map("nonsense").is_err());
    }
}
