//! Server-side sessions in the database, so several server instances share them.
//! `tower-sessions` manages ids, cookies and expiry; this is its store over our
//! pool (SQLite or PostgreSQL through the same `Any` driver).
use super::Pool;
use crate::state::Clock;
use std::sync::Arc;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};

#[derive(Clone)]
pub struct DbSessionStore {
    pool: Pool,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for DbSessionStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DbSessionStore")
    }
}

fn backend(e: impl std::fmt::Display) -> session_store::Error {
    session_store::Error::Backend(e.to_string())
}

fn expiry_ms(record: &Record) -> i64 {
    (record.expiry_date.unix_timestamp_nanos() / 1_000_000) as i64
}

impl DbSessionStore {
    pub fn new(pool: Pool, clock: Arc<dyn Clock>) -> Self {
        DbSessionStore { pool, clock }
    }

    /// Removes expired sessions; returns how many.
    pub async fn delete_expired(&self) -> Result<u64, sqlx::Error> {
        let r = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1").bind(self.clock.now_ms()).execute(&self.pool).await?;
        Ok(r.rows_affected())
    }
}

#[async_trait::async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        loop {
            let data = serde_json::to_string(&record.data).map_err(|e| session_store::Error::Encode(e.to_string()))?;
            let r = sqlx::query("INSERT INTO sessions (id, data, expires_at) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING")
                .bind(record.id.to_string())
                .bind(data)
                .bind(expiry_ms(record))
                .execute(&self.pool)
                .await
                .map_err(backend)?;
            if r.rows_affected() == 1 {
                return Ok(());
            }
            record.id = Id::default(); // a collision: draw another id
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let data = serde_json::to_string(&record.data).map_err(|e| session_store::Error::Encode(e.to_string()))?;
        sqlx::query(
            "INSERT INTO sessions (id, data, expires_at) VALUES ($1, $2, $3) \
             ON CONFLICT (id) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at",
        )
        .bind(record.id.to_string())
        .bind(data)
        .bind(expiry_ms(record))
        .execute(&self.pool)
        .await
        .map_err(backend)?;
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let row: Option<(String, i64)> = sqlx::query_as("SELECT data, expires_at FROM sessions WHERE id = $1 AND expires_at > $2")
            .bind(id.to_string())
            .bind(self.clock.now_ms())
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?;
        let Some((data, expires_at)) = row else { return Ok(None) };
        let data = serde_json::from_str(&data).map_err(|e| session_store::Error::Decode(e.to_string()))?;
        let expiry_date = time::OffsetDateTime::from_unix_timestamp_nanos(expires_at as i128 * 1_000_000)
            .map_err(|e| session_store::Error::Decode(e.to_string()))?;
        Ok(Some(Record { id: *id, data, expiry_date }))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        sqlx::query("DELETE FROM sessions WHERE id = $1").bind(id.to_string()).execute(&self.pool).await.map_err(backend)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::testing::{TestApp, TEST_NOW_MS};

    #[tokio::test]
    async fn sessions_round_trip_and_expire() {
        let app = TestApp::with_demo(None).await;
        let store = DbSessionStore::new(app.state.pool.clone(), app.state.clock.clone());
        let expiry = time::OffsetDateTime::from_unix_timestamp((TEST_NOW_MS + 3_600_000) / 1000).unwrap();
        let mut record = Record { id: Id::default(), data: Default::default(), expiry_date: expiry };
        record.data.insert("user".into(), serde_json::json!({"id": 42, "stamp": 1}));
        store.create(&mut record).await.unwrap();
        let loaded = store.load(&record.id).await.unwrap().expect("stored");
        assert_eq!(loaded.data, record.data);
        assert_eq!(loaded.expiry_date, record.expiry_date);

        // ids never collide silently: creating with a taken id draws a new one
        let mut other = Record { id: record.id, data: Default::default(), expiry_date: expiry };
        store.create(&mut other).await.unwrap();
        assert_ne!(other.id, record.id);
        store.delete(&record.id).await.unwrap();
        assert!(store.load(&record.id).await.unwrap().is_none(), "signed out");

        // expiry follows the injected clock
        app.clock.advance(3_600_000);
        assert!(store.load(&other.id).await.unwrap().is_none(), "expired sessions do not load");
        assert_eq!(store.delete_expired().await.unwrap(), 1);
    }
}
