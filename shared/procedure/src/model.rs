//! The format of a procedure file (TOML, one procedure a file), as Rust types: what
//! `rex-procedure schema` prints as JSON Schema, and what the loader reads and validates.

use std::borrow::Cow;
use std::ops::Range;

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::{Deserialize, Deserializer, Serialize};

/// A value with where it was written in its file (byte offsets), for `file:line` messages.
#[derive(Debug, Clone)]
pub struct At<T> {
    pub value: T,
    pub span: Range<usize>,
}

impl<T> std::ops::Deref for At<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for At<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let spanned = toml::Spanned::<T>::deserialize(d)?;
        Ok(At {
            span: spanned.span(),
            value: spanned.into_inner(),
        })
    }
}

impl<T: JsonSchema> JsonSchema for At<T> {
    fn schema_name() -> Cow<'static, str> {
        T::schema_name()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        T::json_schema(generator)
    }

    fn inline_schema() -> bool {
        T::inline_schema()
    }
}

/// A text in the three languages every title is given in.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Titles {
    /// Kazakh.
    pub kk: String,
    /// Russian.
    pub ru: String,
    /// English.
    pub en: String,
}

/// One statutory procedure.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Procedure {
    /// The procedure's id, the file's name without `.toml` (`kz-355-permit`).
    pub id: At<String>,
    pub title: Titles,
    pub source: Source,
    pub in_force: InForce,
    /// The role that provides the service (one of `role`).
    pub provider: At<String>,
    /// The provider's working hours, for periods in hours; the default is 09:00–18:30 with
    /// lunch 13:00–14:30 on the calendar's working days.
    #[serde(default)]
    pub schedule: Option<ScheduleSpec>,
    /// The actors of the steps.
    #[serde(default, rename = "role")]
    pub roles: Vec<Role>,
    /// How an application may come in, with its intake rule.
    #[serde(default, rename = "channel")]
    pub channels: Vec<Channel>,
    /// The overall maximum, if the law states one.
    #[serde(default)]
    pub total: Option<Total>,
    #[serde(rename = "step")]
    pub steps: Vec<Step>,
    /// What a case may end with.
    #[serde(default, rename = "result")]
    pub results: Vec<Named>,
    /// The grounds of refusal, numbered as the order numbers them.
    #[serde(default, rename = "refusal")]
    pub refusals: Vec<Refusal>,
    /// The notices the procedure owes.
    #[serde(default, rename = "notice")]
    pub notices: Vec<Named>,
    /// Periods the law sets besides the steps of a case.
    #[serde(default, rename = "deadline")]
    pub deadlines: Vec<Deadline>,
}

impl Procedure {
    /// The maximum of a step or a deadline, by id.
    pub fn max_of(&self, id: &str) -> Option<Max> {
        self.steps
            .iter()
            .find(|s| s.id.as_str() == id)
            .and_then(|s| s.max)
            .or_else(|| {
                self.deadlines
                    .iter()
                    .find(|d| d.id.as_str() == id)
                    .map(|d| d.max)
            })
    }
}

/// A period the law sets outside the steps of a case: the exporter's own time to notify a
/// change, how long documents are kept.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Deadline {
    /// The rule ID (`CHG-1`, `RET-1`).
    pub id: At<String>,
    pub clause: String,
    /// Who must act within it.
    pub actor: At<String>,
    pub title: Titles,
    pub max: Max,
    /// What it counts from, in words (`the change`, `receipt of the document`).
    pub counts_from: String,
}

/// Where the procedure is written in law.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// The order's number (`355`, `244-NK`).
    pub order: String,
    /// The order's date, YYYY-MM-DD.
    pub date: At<String>,
    /// Its registration number with the Ministry of Justice, where known.
    #[serde(default)]
    pub registration: Option<String>,
    /// The clauses the procedure is in.
    pub clauses: String,
    /// The seed file of the text, in the team folder.
    #[serde(default)]
    pub seed: Option<String>,
}

/// The period the procedure is in force.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InForce {
    /// YYYY-MM-DD.
    pub from: At<String>,
    /// The seed does not give the exact date.
    #[serde(default)]
    pub from_approximate: bool,
    /// YYYY-MM-DD; none: still in force.
    #[serde(default)]
    pub to: Option<At<String>>,
    #[serde(default)]
    pub to_approximate: bool,
}

/// Working hours: `opens`, `closes` and breaks, each `HH:MM`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScheduleSpec {
    pub opens: At<String>,
    pub closes: At<String>,
    #[serde(default)]
    pub breaks: Vec<At<[String; 2]>>,
}

/// An actor.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Role {
    pub id: At<String>,
    pub title: Titles,
}

/// An intake channel.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Channel {
    /// `portal`, `state-corporation`, `office`, `paper`, `electronic`, …
    pub id: At<String>,
    pub title: Titles,
    /// Received after this local time (`HH:MM`) on a working day: registered on the next
    /// working day. None: received is registered, whenever it comes.
    #[serde(default)]
    pub cutoff: Option<At<String>>,
    /// Received on a day off: registered on the next working day.
    #[serde(default)]
    pub days_off_roll: bool,
    /// The channel's own opening hours where they differ from the provider's (the State
    /// Corporation's offices); received after it closes: registered on the next working day.
    #[serde(default)]
    pub hours: Option<ScheduleSpec>,
    /// The days the channel is open (`mon` … `sun`), where they differ from the calendar's
    /// working days; an application received on one that is a day off of the provider still
    /// counts from the next working day when `days_off_roll` is set.
    #[serde(default)]
    pub open_days: Vec<At<String>>,
}

/// The unit of a period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum UnitName {
    Hours,
    WorkingDays,
    CalendarDays,
    Months,
}

impl From<UnitName> for rex_calendar::Unit {
    fn from(u: UnitName) -> Self {
        match u {
            UnitName::Hours => rex_calendar::Unit::Hours,
            UnitName::WorkingDays => rex_calendar::Unit::WorkingDays,
            UnitName::CalendarDays => rex_calendar::Unit::CalendarDays,
            UnitName::Months => rex_calendar::Unit::Months,
        }
    }
}

/// A legal maximum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Max {
    pub count: u32,
    pub unit: UnitName,
}

impl Max {
    pub fn period(&self) -> rex_calendar::Period {
        rex_calendar::Period::new(self.count, self.unit.into())
    }
}

/// The overall maximum of a case.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Total {
    /// None: the law states no overall maximum.
    #[serde(default)]
    pub max: Option<Max>,
    /// Steps whose time the overall maximum leaves out.
    #[serde(default)]
    pub excludes: Vec<At<String>>,
    #[serde(default)]
    pub note: Option<String>,
}

/// A step of the procedure.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// The rule ID where there is one (`REG-6`), else the procedure's own (`s1`, `completeness`).
    pub id: At<String>,
    /// Where the order says it (`para. 12`).
    pub clause: String,
    /// The role that acts.
    pub actor: At<String>,
    pub title: Titles,
    /// How it starts: `registration` (the case's registration), `after` (when every step
    /// listed has completed: parallel steps join), or `event` (something outside the
    /// procedure, e.g. a complaint). A step another step's outcome names in `next` starts then.
    #[serde(default)]
    pub starts: Option<At<Starts>>,
    /// What the maximum counts from, where not from the step's own start: `registration` (the
    /// case's registration) or the id of a step (its start).
    #[serde(default)]
    pub counted_from: Option<At<String>>,
    /// The legal maximum; none: see `no_max`.
    #[serde(default)]
    pub max: Option<Max>,
    /// Why the step has no statutory maximum (e.g. deferred to a Standard not in the seeds).
    #[serde(default)]
    pub no_max: Option<String>,
    /// Whether the clock of this step may be stopped while the applicant supplies information.
    #[serde(default)]
    pub suspendable: bool,
    /// The most the step may be extended by.
    #[serde(default)]
    pub extension: Option<Max>,
    /// Notices the step causes (ids of `notice`).
    #[serde(default)]
    pub notices: Vec<At<String>>,
    #[serde(default, rename = "outcome")]
    pub outcomes: Vec<Outcome>,
}

/// How a step starts.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Starts {
    /// On the case's registration.
    Registration,
    /// When every step listed has completed.
    After(Vec<String>),
    /// On an event outside the procedure.
    Event(String),
}

/// What a step may end with: the steps it starts, or the end of the case with a result.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Outcome {
    pub id: At<String>,
    pub title: Titles,
    #[serde(default)]
    pub next: Vec<At<String>>,
    /// The result the case ends with (an id of `result`).
    #[serde(default)]
    pub end: Option<At<String>>,
}

/// A ground of refusal.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Refusal {
    /// As the order numbers it.
    pub number: At<u32>,
    pub clause: String,
    pub title: Titles,
}

/// Something named: a result, a notice.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Named {
    pub id: At<String>,
    pub title: Titles,
}
