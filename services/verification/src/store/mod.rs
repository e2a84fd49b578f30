//! Cases, jobs, marks and notices in the Ministry's database (SQLite or PostgreSQL): rows in,
//! domain types out, and back.

mod cases;
mod jobs;

pub use cases::{
    CaseRow, Consultation, case_by_reference, cases, close, conclude, get_case, insert_case,
    outcome_name, record_check, record_consultation, request_dossier, request_revocation,
    store_dossier,
};
pub use jobs::{
    Job, JobKind, claim_job, due_jobs, finish_job, insert_job, job_in_flight, mark_step,
    pending_job_error, retry_job,
};
pub use rex_runtime::outbox::{Notice, insert as insert_notice, list as notices};

pub type Result<T> = std::result::Result<T, sqlx::Error>;
