//! Version counters of collections whose list pages are cached: every write bumps its
//! collection's counter in its own transaction.

use diesel::prelude::*;

use super::schema::data_versions;
use super::DbConnection;
use crate::error::ApiResult;

/// The collections that have a counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Collection {
    Organizations,
    Regions,
}

impl Collection {
    fn name(self) -> &'static str {
        match self {
            Self::Organizations => "organizations",
            Self::Regions => "regions",
        }
    }
}

pub fn bump(conn: &mut DbConnection, collection: Collection) -> ApiResult<()> {
    diesel::update(data_versions::table.find(collection.name()))
        .set(data_versions::version.eq(data_versions::version + 1))
        .execute(conn)?;
    Ok(())
}

pub fn current(conn: &mut DbConnection, collection: Collection) -> ApiResult<i64> {
    Ok(data_versions::table
        .find(collection.name())
        .select(data_versions::version)
        .load::<i64>(conn)?
        .pop()
        .unwrap_or(0))
}
