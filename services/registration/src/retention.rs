//! RET-1: documents are kept 5 years from receipt, then their content is removed by a job
//! that reports what it removed. Nothing is removed before its period ends.

use std::sync::Arc;
use std::time::Duration;

use rex_calendar::Clock;
use rex_runtime::db::Db;

use crate::store;

/// What one run removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PurgeReport {
    pub as_of: chrono::NaiveDate,
    pub document_ids: Vec<String>,
    pub bytes: i64,
}

/// Removes the content of every document whose retention ended before today.
pub async fn purge(db: &Db, clock: &dyn Clock) -> anyhow::Result<PurgeReport> {
    let as_of = clock.today();
    let mut tx = db.begin_write().await?;
    let (document_ids, bytes) = store::purge_documents(&mut tx, as_of, clock.now()).await?;
    if !document_ids.is_empty() {
        let entry = rex_runtime::audit::entry(
            "RetentionPurge",
            &as_of.to_string(),
            as_of.to_string().as_bytes(),
            document_ids.join(",").as_bytes(),
        );
        rex_runtime::audit::append(&mut tx, &entry, clock.now()).await?;
    }
    tx.commit().await?;
    if !document_ids.is_empty() {
        tracing::info!(removed = document_ids.len(), bytes, %as_of, "retention: removed documents past their 5-year period (RET-1)");
    }
    Ok(PurgeReport {
        as_of,
        document_ids,
        bytes,
    })
}

/// What is kept: per year in which retention ends, the documents and bytes.
pub async fn report(db: &Db) -> anyhow::Result<Vec<(String, i64, i64)>> {
    let mut conn = db.pool.acquire().await?;
    Ok(store::retention_report(&mut conn).await?)
}

/// Runs the purge once an hour (it is idempotent, so replicas may all run it).
pub async fn run_periodically(db: Db, clock: Arc<dyn Clock>) {
    loop {
        if let Err(err) = purge(&db, clock.as_ref()).await {
            tracing::warn!(
                error = format!("{err:#}"),
                "retention run failed; will retry"
            );
        }
        tokio::time::sleep(Duration::from_secs(3600)).await;
    }
}
