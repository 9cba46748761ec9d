//! Answers of read routes kept serialized, with the data versions they were built at
//! (`db::versions`): an answer is reused only while every counter it depends on reads the same
//! in this instance's snapshot (current for this instance's own writes at once, for other
//! instances' within `NOK_FRESHNESS_MS`), so a current answer costs no database hop and no
//! blocking thread.
//!
//! An answer is keyed by everything it is a function of besides the data: the route, the
//! parsed query and the caller as the route judges it ([`viewer`]). It is built after the
//! versions were read, so it is as current as they are, or more; a write it missed bumps a
//! counter it depends on, and the next read builds it anew.

use std::sync::Arc;

use actix_web::web::Bytes;

use crate::auth::Caller;
use crate::bounded::BoundedMap;
use crate::db::versions::{self, Collection, Snapshot, NATIONAL};
use crate::db::{Db, DbConnection};
use crate::error::ApiResult;

/// What a route sends: the body (JSON), its ETag if the route gives one, and the page headers'
/// data (`Link` is made from the request and the next cursor, `X-Total-Count` from the total).
#[derive(Debug, Clone)]
pub struct Answer {
    pub body: Bytes,
    pub tag: Option<String>,
    pub next_cursor: Option<String>,
    pub total: Option<i64>,
}

impl Answer {
    /// A JSON body without page headers, tagged by its hash: the ETag `api::http_cache` gives
    /// a read without one of its own, computed once here instead of on every answer.
    pub fn json<T: serde::Serialize>(body: &T) -> ApiResult<Self> {
        let body = serde_json::to_vec(body).map_err(crate::error::ApiError::internal)?;
        Ok(Self {
            tag: Some(super::hashed_etag(&body)),
            body: body.into(),
            next_cursor: None,
            total: None,
        })
    }

    /// A page of a list: its JSON and its headers' data.
    pub fn page<T: serde::Serialize>(page: &crate::views::Page<T>) -> ApiResult<Self> {
        Ok(Self {
            next_cursor: page.next_cursor.clone(),
            total: page.total,
            ..Self::json(page)?
        })
    }

    pub fn tagged(self, tag: String) -> Self {
        Self {
            tag: Some(tag),
            ..self
        }
    }
}

/// The data versions an answer is a function of.
#[derive(Debug, Clone)]
pub enum Depends {
    On(Vec<String>),
    /// Every counter: the audit log and the change feed, which every audited write extends.
    Everything,
}

impl Depends {
    /// An answer about one cycle of `region_id`: the cycle, its evaluations and approvals.
    /// Writes of a cycle (publication, operators, organizations) bump its region; writes of an
    /// evaluation (inputs, survey uploads) name no region and bump `national`; an organization
    /// moved to another region bumps that region, and `organizations` for every region.
    pub fn cycle(region_id: i64) -> Self {
        Self::On(vec![
            versions::region_key(region_id),
            NATIONAL.to_owned(),
            Collection::Organizations.name().to_owned(),
        ])
    }
}

/// The versions an answer was built at.
#[derive(Debug)]
enum At {
    Keys(Vec<(String, i64)>),
    Everything(i64),
}

impl At {
    fn of(depends: Depends, versions: &Snapshot) -> Self {
        match depends {
            Depends::On(keys) => Self::Keys(
                keys.into_iter()
                    .map(|key| {
                        let version = versions.get(&key);
                        (key, version)
                    })
                    .collect(),
            ),
            Depends::Everything => Self::Everything(versions.everything()),
        }
    }

    fn current(&self, versions: &Snapshot) -> bool {
        match self {
            Self::Keys(keys) => keys.iter().all(|(key, at)| versions.get(key) == *at),
            Self::Everything(at) => versions.everything() == *at,
        }
    }

    fn bytes(&self) -> usize {
        match self {
            Self::Keys(keys) => keys.iter().map(|(key, _)| key.len() + 32).sum(),
            Self::Everything(_) => 0,
        }
    }
}

#[derive(Debug)]
struct Kept {
    at: At,
    answer: Answer,
}

/// At most `entries` answers of at most `bytes` together (see [`BoundedMap`]); either 0 turns
/// keeping off.
pub struct Answers {
    kept: BoundedMap<String, Arc<Kept>>,
}

/// What an entry costs besides its strings and body, roughly.
const ENTRY_OVERHEAD: usize = 192;

impl Answers {
    pub fn new(entries: usize, bytes: usize) -> Self {
        Self {
            kept: BoundedMap::new(entries, bytes),
        }
    }

    /// The answer kept under `key` if it is current, else the one `build` makes (with what it
    /// depends on), kept for the next reader. Errors are not kept.
    pub async fn answer<F>(&self, db: &Db, key: String, build: F) -> ApiResult<Answer>
    where
        F: FnOnce(&mut DbConnection) -> ApiResult<(Answer, Depends)> + Send + 'static,
    {
        self.answer_at(db, key, |_| build).await
    }

    /// [`Answers::answer`] for an answer that shows a version itself (an ETag made of it):
    /// `build` is given the versions it is built at.
    pub async fn answer_at<B, F>(&self, db: &Db, key: String, build: B) -> ApiResult<Answer>
    where
        B: FnOnce(&Snapshot) -> F,
        F: FnOnce(&mut DbConnection) -> ApiResult<(Answer, Depends)> + Send + 'static,
    {
        let versions = db.versions().await?;
        if let Some(kept) = self.kept.get(&key) {
            if kept.at.current(&versions) {
                return Ok(kept.answer.clone());
            }
        }
        // Built after the versions were read: as current as they are, or more.
        let (answer, depends) = db.run(build(&versions)).await?;
        let at = At::of(depends, &versions);
        let bytes = key.len()
            + answer.body.len()
            + answer.tag.as_ref().map_or(0, String::len)
            + answer.next_cursor.as_ref().map_or(0, String::len)
            + at.bytes()
            + ENTRY_OVERHEAD;
        self.kept.insert(
            key,
            Arc::new(Kept {
                at,
                answer: answer.clone(),
            }),
            bytes,
        );
        Ok(answer)
    }
}

/// The caller as an answer may depend on it: anonymous, or the principal's identity, role,
/// region and organization (what visibility and the ties to a cycle are judged by). A change
/// of any of them makes another key, so an answer never outlives the grant it was built for.
pub fn viewer(caller: &Caller) -> String {
    match caller.principal() {
        None => "-".to_owned(),
        Some(p) => format!(
            "{}:{}:{}:{}:{}",
            p.user_id.map_or(-1, |id| id),
            p.username,
            p.role.as_str(),
            p.region_id.map_or(-1, |id| id),
            p.organization_id.map_or(-1, |id| id),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn snapshot(pairs: &[(&str, i64)]) -> Arc<Snapshot> {
        let versions = versions::Versions::default();
        versions
            .refresh(|| {
                Ok(pairs
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), *v))
                    .collect::<HashMap<_, _>>())
            })
            .unwrap()
    }

    #[test]
    fn a_cycle_answer_is_current_until_its_region_national_or_organizations_move() {
        let base = snapshot(&[("region:1", 3), ("region:2", 5), ("national", 1)]);
        let at = At::of(Depends::cycle(1), &base);
        assert!(at.current(&base));
        assert!(at.current(&snapshot(&[
            ("region:1", 3),
            ("region:2", 6),
            ("national", 1),
            ("users", 9),
        ])));
        for moved in [
            [("region:1", 4), ("national", 1), ("organizations", 0)],
            [("region:1", 3), ("national", 2), ("organizations", 0)],
            [("region:1", 3), ("national", 1), ("organizations", 1)],
        ] {
            assert!(!at.current(&snapshot(&moved)), "{moved:?}");
        }
    }

    #[test]
    fn an_answer_on_everything_moves_with_any_counter() {
        let base = snapshot(&[("region:1", 3), ("users", 2)]);
        let at = At::of(Depends::Everything, &base);
        assert!(at.current(&base));
        assert!(!at.current(&snapshot(&[("region:1", 3), ("users", 2), ("logins", 1)])));
        assert!(!at.current(&snapshot(&[("region:1", 3), ("users", 3)])));
    }
}
