//! Use cases, one module per resource: what the service does, below HTTP and above storage.
//!
//! A use case is a synchronous function that runs inside the one transaction the handler opens
//! for it (`Db::transaction` for writes, `Db::run` for reads). It takes the connection, the
//! [`Context`] of the request (who acts) and the request's values; it checks visibility and the
//! status rules, calls `db/` and `domain/`, records the audit event, the feed change and the
//! outbox once, and returns the view the handler sends. Handlers only extract, call one use case
//! and respond; use cases know nothing of HTTP but the `If-Match` tags they are given.

pub mod answers;
pub mod audit;
pub mod auth;
pub mod changes;
pub mod council_meetings;
pub mod cycles;
pub mod evaluations;
pub mod follow_up;
pub mod methodologies;
pub mod open_data;
pub mod operators;
pub mod organizations;
pub mod organizing_plans;
pub mod plan_forms;
pub mod plans;
pub mod proposals;
pub mod ratings;
pub mod regions;
pub mod reports;
pub mod summary;
pub mod users;
pub mod visibility;
pub mod webhooks;

use crate::auth::policy::Rule;
use crate::auth::Caller;
use crate::db::audit::Actor;
use crate::domain::status::StatusMachine;
use crate::error::{ApiError, ApiResult};

/// Who acts in a request: the caller as authenticated, and the request id its audit event
/// carries.
#[derive(Debug, Clone)]
pub struct Context {
    pub caller: Caller,
    pub request_id: String,
}

impl Context {
    /// The actor the audit log records.
    pub fn actor(&self) -> Actor {
        Actor::of(self.caller.principal(), &self.request_id)
    }
}

/// The largest file an import of a form takes (plans, reports, organizing plans): they have tens
/// of rows, a file above this is not one. The idempotency middleware buffers no more of such a request either.
pub const IMPORT_LIMIT: usize = 10 * 1024 * 1024;

pub use crate::views::Listing;

/// Strong ETag of a stored resource: its row version, which every write increments.
pub fn etag(version: i64) -> String {
    format!("\"{version}\"")
}

/// Strong ETag of a representation without a stored version: a hash of its bytes.
pub fn hashed_etag(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(bytes);
    format!("\"{}\"", &format!("{digest:x}")[..32])
}

/// FNV-1a: a stable, dependency-free fingerprint of a text (a query, a page key) for ETags.
pub fn fingerprint(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The `If-Match` header of a write, taken before the work moves to the database thread.
#[derive(Debug, Clone, Default)]
pub struct IfMatch(pub Option<Vec<String>>);

impl IfMatch {
    /// The header must be present (428) and name the current ETag or `*` (412 otherwise).
    /// Weak tags never match, as the RFC's strong comparison requires.
    pub fn require(&self, current: &str) -> ApiResult<()> {
        match &self.0 {
            None => Err(ApiError::PreconditionRequired),
            Some(_) => self.check_if_present(current),
        }
    }

    /// For representations with derived parts (an ETag of version and day, see
    /// `api::conditional::dated_etag`): any tag of the current `version` matches, whatever day it was read for.
    pub fn require_version(&self, version: i64) -> ApiResult<()> {
        let exact = etag(version);
        let dated = format!("\"{version}-");
        match &self.0 {
            None => Err(ApiError::PreconditionRequired),
            Some(tags)
                if tags
                    .iter()
                    .any(|t| t == "*" || *t == exact || t.starts_with(&dated)) =>
            {
                Ok(())
            }
            Some(_) => Err(ApiError::PreconditionFailed),
        }
    }

    /// Checks the header only when the client sent one.
    pub fn check_if_present(&self, current: &str) -> ApiResult<()> {
        match &self.0 {
            Some(tags) if !tags.iter().any(|t| t == "*" || t == current) => {
                Err(ApiError::PreconditionFailed)
            }
            _ => Ok(()),
        }
    }
}

/// A step of a status machine as a use case: the rule that may take it, the status it leads
/// to, the audit action it records, and what it needs or sets besides (`prepare`, its shape the
/// resource's own).
#[derive(Clone, Copy)]
pub struct Step<S: 'static, P> {
    pub rule: &'static Rule,
    pub to: S,
    pub action: &'static str,
    pub prepare: P,
}

impl<S: StatusMachine, P> Step<S, P> {
    /// 409 naming the current status when the machine has no move from `from` to `self.to`.
    pub fn check_move(&self, from: S) -> ApiResult<()> {
        match from.refusal(self.to) {
            Some(refusal) => Err(ApiError::Conflict(refusal)),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::domain::status::StatusMachine;

    /// Audit actions of status steps are in the log's closed list, in the past tense, name
    /// their subject, and tell every step apart (starting collection and reopening both lead to
    /// `collecting`).
    #[test]
    fn step_actions_are_known_and_tell_steps_apart() {
        use super::{cycles, plans, reports};
        use crate::domain::audit;
        fn check<S: StatusMachine>(actions: &mut Vec<&'static str>, action: &'static str) {
            assert!(audit::known_action(action), "{action} is not in ACTIONS");
            assert!(action.starts_with(&format!("{}.", S::SUBJECT)), "{action}");
            assert!(!actions.contains(&action), "{action} twice");
            actions.push(action);
        }
        let mut actions = Vec::new();
        for step in [
            cycles::START_COLLECTING,
            cycles::SUBMIT_RESULTS,
            cycles::PUBLISH,
            cycles::REOPEN,
        ] {
            check::<crate::domain::cycle::CycleStatus>(&mut actions, step.action);
        }
        for step in [
            plans::SUBMIT,
            plans::RETURN,
            plans::APPROVE,
            plans::PUBLISH,
            plans::CLOSE,
        ] {
            check::<crate::domain::plan::PlanStatus>(&mut actions, step.action);
        }
        for step in [reports::SUBMIT, reports::ACCEPT] {
            check::<crate::domain::plan::ReportStatus>(&mut actions, step.action);
        }
    }
}
