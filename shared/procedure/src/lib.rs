//! Statutory procedures as data: every order's steps, actors, legal maxima, suspensions,
//! extensions and branches, one TOML file a procedure (`catalogue/`), validated on load like
//! the calendar: every problem reported as `file:line: message`, nothing used unless all is
//! valid. `REX_PROCEDURES_DIR` adds or replaces procedures without a release. Pure: no I/O
//! beyond reading its files.

pub mod case;
mod load;
pub mod model;

pub use case::{CaseView, Event, EventError, StepState, StepView, replay};
pub use load::{Catalogue, EMBEDDED, LoadError, Problem, parse, schedule_of};
pub use model::Procedure;

/// The JSON Schema of a procedure file, generated from the Rust types, for editors.
pub fn schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(model::Procedure)).unwrap_or_default()
}
