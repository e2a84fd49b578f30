//! Background work: the calls to the registration service, retried with backoff until they are
//! answered, and the deadline watcher. Both take their rows so that several replicas can run.

mod calls;
mod deadlines;

use std::time::Duration;

use rex_runtime::db::Db;

pub use deadlines::watch_deadlines;

use crate::ministry::Ministry;
use crate::store::{self, Job};

/// How long one attempt may hold a job before another worker may take it over.
const CLAIM: Duration = Duration::from_secs(60);

async fn claim_and_run(m: &Ministry, job: &Job) -> anyhow::Result<bool> {
    let now = m.ops_clock.now();
    let claimed = {
        let mut conn = m.db.pool.acquire().await?;
        store::claim_job(
            &mut conn,
            &job.job_id,
            now,
            now + chrono::Duration::from_std(CLAIM).unwrap_or_default(),
        )
        .await?
    };
    if !claimed {
        return Ok(false);
    }
    calls::run_job(m, job).await
}

/// Runs the due jobs of every case; returns how many finished.
pub async fn run_due_jobs(m: &Ministry) -> anyhow::Result<usize> {
    let jobs = {
        let mut conn = m.db.pool.acquire().await?;
        store::due_jobs(&mut conn, m.ops_clock.now()).await?
    };
    let mut finished = 0;
    for job in &jobs {
        if claim_and_run(m, job).await? {
            finished += 1;
        }
    }
    Ok(finished)
}

/// Runs a case's pending jobs now, whatever their backoff (an officer asked again).
pub async fn run_due_jobs_of_case(m: &Ministry, case_id: &str) -> anyhow::Result<()> {
    let any_time = m.ops_clock.now() + chrono::Duration::days(365 * 100);
    let jobs = {
        let mut conn = m.db.pool.acquire().await?;
        store::due_jobs(&mut conn, any_time).await?
    };
    for job in jobs.iter().filter(|j| j.case_id == case_id) {
        claim_and_run(m, job).await?;
    }
    Ok(())
}

/// The pending-ness of a case's call (`dossier` or `revocation`): its attempts and last error,
/// for logs and operators.
pub async fn pending_error(
    db: &Db,
    case_id: &str,
    kind: &str,
) -> anyhow::Result<Option<(i64, String)>> {
    let mut conn = db.pool.acquire().await?;
    Ok(store::pending_job_error(&mut conn, case_id, kind).await?)
}

/// The worker loop: due jobs every `poll`, deadlines every minute.
pub async fn run(m: Ministry, poll: Duration) {
    let mut last_watch: Option<std::time::Instant> = None;
    loop {
        if let Err(err) = run_due_jobs(&m).await {
            tracing::warn!(error = format!("{err:#}"), "job run failed; will retry");
        }
        if last_watch.is_none_or(|t| t.elapsed() >= Duration::from_secs(60)) {
            last_watch = Some(std::time::Instant::now());
            if let Err(err) = watch_deadlines(&m).await {
                tracing::warn!(
                    error = format!("{err:#}"),
                    "deadline watch failed; will retry"
                );
            }
        }
        tokio::time::sleep(poll).await;
    }
}
