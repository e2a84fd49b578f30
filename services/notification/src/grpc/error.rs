//! Why an RPC fails, and the one mapping of each cause to a gRPC status.

use rex_notification_domain::{FieldError, NotificationError};
use rex_runtime::status::{FieldViolation, from_db, internal, invalid_argument};
use tonic::Status;

/// Why an RPC fails: the law refuses (its message names the rule), the database fails, the edge
/// refuses (a malformed field, a caller not allowed), or something unexpected breaks. A local
/// type, because the orphan rule forbids `impl From<NotificationError> for Status` in a crate
/// that owns neither; `?` converts into it, and from it into a status once.
#[derive(Debug)]
pub(crate) enum Failure {
    Law(NotificationError),
    Db(sqlx::Error),
    Edge(Status),
    Internal(anyhow::Error),
}

impl From<NotificationError> for Failure {
    fn from(err: NotificationError) -> Self {
        Failure::Law(err)
    }
}

impl From<sqlx::Error> for Failure {
    fn from(err: sqlx::Error) -> Self {
        Failure::Db(err)
    }
}

impl From<Status> for Failure {
    fn from(status: Status) -> Self {
        Failure::Edge(status)
    }
}

fn violations(fields: Vec<FieldError>) -> Vec<FieldViolation> {
    fields
        .into_iter()
        .map(|f| FieldViolation::new(f.field, f.description))
        .collect()
}

/// The law's refusals as gRPC status; the message is the error's own, so it keeps the rule ID
/// and the field, and a fault in the request carries its fields as `BadRequest` details.
fn law(err: NotificationError) -> Status {
    match err {
        NotificationError::IncompleteRequest(_)
        | NotificationError::MissingFacts { .. }
        | NotificationError::Reg8InboxWithoutRecipient => {
            invalid_argument(&violations(err.fields()))
        }
        NotificationError::KeyUsedForAnotherNotice { .. } => {
            Status::already_exists(err.to_string())
        }
        NotificationError::SentConcurrently => Status::aborted(err.to_string()),
        NotificationError::NoSuchNotice { .. } => Status::not_found(err.to_string()),
        NotificationError::Template { .. } => internal(anyhow::Error::new(err)),
    }
}

impl From<Failure> for Status {
    fn from(failure: Failure) -> Self {
        match failure {
            Failure::Law(err) => law(err),
            Failure::Db(err) => from_db(err),
            Failure::Edge(status) => status,
            Failure::Internal(err) => internal(err),
        }
    }
}
