//! The law of Order 244-NK (registration of exporters in REX) as pure Rust: the application's
//! boxes and their automatic checks, typed states, the decisions of each command with the rule
//! that refuses them, the notices owed and their periods. No I/O and no clock: "now" and
//! "today" are arguments, and the edges (gRPC, the public site, the store) convert to and from
//! these types.

pub mod application;
pub mod change;
pub mod checks;
pub mod error;
pub mod form;
pub mod limits;
pub mod notices;
pub mod number;
pub mod periods;
pub mod person;
pub mod revocation;
pub mod statement;
pub mod states;
pub use rex_domain::tin;

pub use checks::Finding;
pub use error::{ErrorKind, RegistrationError};
pub use form::{Language, NoticeChannel, RegistrationData, SubmissionChannel};
pub use periods::{Period, Periods};
pub use revocation::{ChallengeFacts, ChallengeState, LookupStatus, RevocationFacts, status_on};
pub use rex_domain::{NumberError, RegistrationNumber};
pub use states::{
    ApplicationStatus, ChangeCategory, ChangeStatus, RefusalReason, RegistrationStatus, Requester,
    RevocationGround,
};
pub use tin::{Tin, TinError};
