//! The feed of changes that OAI-PMH harvests page by page: items in
//! `(updated_at, id)` order, filtered by venue, collection and time.

use super::Catalog;
use super::rows::{ITEM_COLUMNS, item_from_row};
use crate::Result;
use crate::model::Item;

/// Which items [`Catalog::items_changed`] lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeQuery {
    /// Only items of this institution.
    pub institution_id: Option<String>,
    /// Only items of this collection (of `institution_id`).
    pub collection_id: Option<String>,
    /// Only items updated at or after this time (unix seconds).
    pub from: Option<i64>,
    /// Only items updated at or before this time (unix seconds).
    pub until: Option<i64>,
    /// Continue after this `(updated_at, id)`.
    pub after: Option<(i64, String)>,
    /// Most items to return.
    pub limit: usize,
}

impl Default for ChangeQuery {
    fn default() -> Self {
        ChangeQuery {
            institution_id: None,
            collection_id: None,
            from: None,
            until: None,
            after: None,
            limit: 100,
        }
    }
}

impl ChangeQuery {
    fn where_clause(&self) -> (String, Vec<rusqlite::types::Value>) {
        use rusqlite::types::Value;
        let mut conditions = vec!["1 = 1".to_string()];
        let mut values = Vec::new();
        let mut add = |condition: &str, value: Value| {
            values.push(value);
            conditions.push(condition.replace('?', &format!("?{}", values.len())));
        };
        if let Some(institution) = &self.institution_id {
            add("institution_id = ?", Value::Text(institution.clone()));
        }
        if let Some(collection) = &self.collection_id {
            add("collection_id = ?", Value::Text(collection.clone()));
        }
        if let Some(from) = self.from {
            add("updated_at >= ?", Value::Integer(from));
        }
        if let Some(until) = self.until {
            add("updated_at <= ?", Value::Integer(until));
        }
        (conditions.join(" AND "), values)
    }
}

impl Catalog {
    /// Items (tombstones included) in `(updated_at, id)` order, filtered as
    /// `query` says: the feed that OAI-PMH harvests page by page.
    pub fn items_changed(&self, query: &ChangeQuery) -> Result<Vec<Item>> {
        let (filter, mut values) = query.where_clause();
        let mut sql = format!("SELECT {ITEM_COLUMNS} FROM items WHERE {filter}");
        if let Some((updated_at, id)) = &query.after {
            values.push(rusqlite::types::Value::Integer(*updated_at));
            values.push(rusqlite::types::Value::Text(id.clone()));
            let n = values.len();
            sql.push_str(&format!(" AND (updated_at, id) > (?{}, ?{n})", n - 1));
        }
        sql.push_str(&format!(" ORDER BY updated_at, id LIMIT {}", query.limit));
        let mut statement = self.connection.prepare(&sql)?;
        let rows = statement.query_map(rusqlite::params_from_iter(values), item_from_row)?;
        let mut items = Vec::new();
        for row in rows {
            items.push(row??);
        }
        Ok(items)
    }

    /// How many items [`Catalog::items_changed`] would list without paging.
    pub fn count_items_changed(&self, query: &ChangeQuery) -> Result<u64> {
        let (filter, values) = query.where_clause();
        Ok(self.connection.query_row(
            &format!("SELECT COUNT(*) FROM items WHERE {filter}"),
            rusqlite::params_from_iter(values),
            |row| row.get::<_, i64>(0),
        )? as u64)
    }

    /// The oldest `updated_at` of any item (tombstones included).
    pub fn earliest_update(&self) -> Result<Option<i64>> {
        Ok(self
            .connection
            .query_row("SELECT MIN(updated_at) FROM items", [], |row| row.get(0))?)
    }
}
