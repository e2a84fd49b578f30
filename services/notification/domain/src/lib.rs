//! The law of notices, as pure Rust: what a notice is (its kind, channel, languages and
//! delivery state), what SendNotification and AcknowledgeNotification decide (the notice, its
//! events, its audit entry, or the rule that refuses), when a recipient counts as notified and
//! whether that was late (REG-8), how an e-mail moves from pending to delivered or failed, and
//! how long a copy is kept (RET-2). No transport or storage here: the service converts at its
//! edges.

pub mod acknowledge;
pub mod delivery;
pub mod error;
pub mod kinds;
pub mod letter;
pub mod notice;
pub mod render;
pub mod request;
pub mod retention;
pub mod send;
pub mod words;

pub use error::{FieldError, NotificationError};
pub use kinds::{AttemptState, Channel, DeliveryState, Language, NoticeKind, UnknownName};
pub use letter::{Letter, Line};
pub use notice::{AuditFact, Event, Notice};
pub use render::{Rendered, Templates};
pub use request::{SendInput, SendRequest};
pub use send::SendDecision;
