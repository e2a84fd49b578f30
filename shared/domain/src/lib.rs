//! Domain types that cross services.

pub mod number;

pub use number::{MAX_SEQUENCE, NumberError, RegistrationNumber, parse_branch};
