//! Domain types that cross services: the registration number, the exporter's TIN.

pub mod language;
pub mod number;
pub mod organisation;
pub mod text;
pub mod tin;

pub use language::Language;
pub use number::{MAX_SEQUENCE, NumberError, RegistrationNumber, parse_branch};
pub use organisation::{Organisation, Organisations, Sender};
pub use text::{TextKind, TextLimit, quote};
pub use tin::{Tin, TinError};
