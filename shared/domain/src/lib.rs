//! Domain types that cross services: the registration number, the exporter's TIN.

pub mod number;
pub mod text;
pub mod tin;

pub use number::{MAX_SEQUENCE, NumberError, RegistrationNumber, parse_branch};
pub use text::{TextKind, TextLimit, quote};
pub use tin::{Tin, TinError};
