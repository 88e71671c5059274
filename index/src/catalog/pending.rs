//! Items written to the catalogue whose search-index update is not yet
//! committed: marked in the write's transaction, cleared after the index commit.

use rusqlite::Connection;

use super::Catalog;
use crate::Result;

impl Catalog {
    /// Items whose search-index update has not been committed yet.
    pub fn index_pending(&self) -> Result<Vec<String>> {
        let mut statement = self
            .connection
            .prepare("SELECT item_id FROM index_pending ORDER BY item_id")?;
        let rows = statement.query_map([], |row| row.get::<_, String>(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Forgets pending index updates once the index committed them (all of them when `ids` is `None`).
    pub fn clear_index_pending(&mut self, ids: Option<&[String]>) -> Result<()> {
        let transaction = self.connection.transaction()?;
        match ids {
            None => {
                transaction.execute("DELETE FROM index_pending", [])?;
            }
            Some(ids) => {
                for id in ids {
                    transaction.execute("DELETE FROM index_pending WHERE item_id = ?1", [id])?;
                }
            }
        }
        transaction.commit()?;
        Ok(())
    }
}

pub(super) fn mark_index_pending(connection: &Connection, item_id: &str) -> Result<()> {
    connection.execute(
        "INSERT OR IGNORE INTO index_pending (item_id) VALUES (?1)",
        [item_id],
    )?;
    Ok(())
}
