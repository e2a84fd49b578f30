//! `rex-procedure`: the statutory procedures catalogue for operators — list, check, show,
//! compute a due moment or an intake date, print the file format's JSON Schema. Exit code 2
//! with a message on bad input.

use std::path::PathBuf;
use std::process::ExitCode;

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use clap::{Parser, Subcommand};
use rex_calendar::{Calendar, OfficeIntake, Suspension};
use rex_procedure::model::{Procedure, Starts};
use rex_procedure::{Catalogue, schedule_of};

/// Kazakhstan's statutory procedures as data
#[derive(Parser, Debug)]
#[command(name = "rex-procedure", version)]
struct Cli {
    /// Procedure files that add to or replace the shipped ones.
    #[arg(long, global = true, env = "REX_PROCEDURES_DIR")]
    data: Option<PathBuf>,
    /// Calendar files that add to or replace the built-in years.
    #[arg(long, global = true, env = "REX_CALENDAR_DIR")]
    calendar: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// One procedure id a line, then its English title.
    List,
    /// Validates the catalogue: every problem as file:line: message.
    Check,
    /// The steps of a procedure as a table, or a Mermaid flowchart.
    Show {
        id: String,
        #[arg(long)]
        mermaid: bool,
    },
    /// The due date (day and month periods) or moment (hours, Almaty) of a step, or of the
    /// procedure's overall maximum (`total`), from an instant (RFC 3339) or a date.
    Due {
        id: String,
        step: String,
        #[arg(long)]
        from: String,
        /// A suspension, FROM..TO (instants or dates); repeat for several, in order.
        #[arg(long)]
        suspended: Vec<String>,
        /// The derivation on the next line.
        #[arg(long)]
        explain: bool,
    },
    /// The date an application received at an instant counts as registered.
    Intake {
        id: String,
        #[arg(long)]
        channel: String,
        #[arg(long)]
        at: String,
    },
    /// The whole timeline of a case from its event log: a JSON array of events, or a TOML file
    /// of `[[event]]` tables (`kind = "registered" | "happened" | "completed" | "suspended" |
    /// "resumed" | "extended"`, `at = RFC 3339`, and the step, outcome, reason… each needs).
    Simulate {
        id: String,
        #[arg(long)]
        events: PathBuf,
        /// As of this instant (default: the last event's).
        #[arg(long)]
        now: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// The JSON Schema of a procedure file.
    Schema,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(out) => {
            println!("{out}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("rex-procedure: {message}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<String, String> {
    if let Command::Schema = cli.command {
        return serde_json::to_string_pretty(&rex_procedure::schema()).map_err(|e| e.to_string());
    }
    let catalogue = Catalogue::load(cli.data.as_deref()).map_err(|e| e.to_string())?;
    let procedure = |id: &str| {
        catalogue
            .get(id)
            .ok_or_else(|| format!("no procedure {id:?}; `rex-procedure list` gives the ids"))
    };
    let calendar = || Calendar::load(cli.calendar.as_deref()).map_err(|e| e.to_string());
    match &cli.command {
        Command::Schema => Ok(String::new()),
        Command::List => Ok(catalogue
            .iter()
            .map(|p| format!("{}\t{}", p.id.value, p.title.en))
            .collect::<Vec<_>>()
            .join("\n")),
        Command::Check => Ok(format!(
            "{} procedures, {} steps: valid",
            catalogue.iter().count(),
            catalogue.iter().map(|p| p.steps.len()).sum::<usize>()
        )),
        Command::Show { id, mermaid } => {
            let p = procedure(id)?;
            Ok(if *mermaid { flowchart(p) } else { table(p) })
        }
        Command::Due {
            id,
            step,
            from,
            suspended,
            explain,
        } => {
            let p = procedure(id)?;
            let max = if step == "total" {
                p.total
                    .as_ref()
                    .and_then(|t| t.max)
                    .ok_or_else(|| format!("{id} has no overall maximum in law"))?
            } else {
                let s = p
                    .steps
                    .iter()
                    .find(|s| s.id.as_str() == step)
                    .ok_or_else(|| {
                        format!("{id} has no step {step:?}; `rex-procedure show {id}` lists them")
                    })?;
                s.max.ok_or_else(|| {
                    format!(
                        "step {step} has no statutory maximum: {}",
                        s.no_max.as_deref().unwrap_or("none given")
                    )
                })?
            };
            let from = instant(from, "--from")?;
            let suspensions = suspended
                .iter()
                .map(|s| {
                    let (a, b) = s
                        .split_once("..")
                        .ok_or_else(|| format!("--suspended {s:?}: expected FROM..TO"))?;
                    Ok(Suspension {
                        from: instant(a, "--suspended")?,
                        to: instant(b, "--suspended")?,
                    })
                })
                .collect::<Result<Vec<_>, String>>()?;
            let schedule = p
                .schedule
                .as_ref()
                .map(schedule_of)
                .transpose()?
                .unwrap_or_default();
            let due = calendar()?
                .due_moment(from, max.period(), &[], &suspensions, &schedule)
                .map_err(|e| e.to_string())?;
            Ok(if *explain {
                format!("{}\n{}", due.due_text(), due.explanation())
            } else {
                due.due_text()
            })
        }
        Command::Simulate {
            id,
            events,
            now,
            json,
        } => {
            let p = procedure(id)?;
            let text = std::fs::read_to_string(events)
                .map_err(|e| format!("--events {}: {e}", events.display()))?;
            let log: Vec<rex_procedure::Event> = if events.extension().is_some_and(|e| e == "json")
            {
                serde_json::from_str(&text)
                    .map_err(|e| format!("--events {}: {e}", events.display()))?
            } else {
                #[derive(serde::Deserialize)]
                struct File {
                    event: Vec<rex_procedure::Event>,
                }
                toml::from_str::<File>(&text)
                    .map_err(|e| format!("--events {}: {e}", events.display()))?
                    .event
            };
            let now = match now {
                Some(t) => instant(t, "--now")?,
                None => log
                    .iter()
                    .map(|e| match e {
                        rex_procedure::Event::Registered { at }
                        | rex_procedure::Event::Happened { at, .. }
                        | rex_procedure::Event::Completed { at, .. }
                        | rex_procedure::Event::Suspended { at, .. }
                        | rex_procedure::Event::Resumed { at, .. }
                        | rex_procedure::Event::Extended { at, .. } => *at,
                    })
                    .max()
                    .ok_or("--events: the log is empty")?,
            };
            let view =
                rex_procedure::replay(p, &calendar()?, &log, now).map_err(|e| e.to_string())?;
            if *json {
                return serde_json::to_string_pretty(&view).map_err(|e| e.to_string());
            }
            Ok(timeline(&view))
        }
        Command::Intake { id, channel, at } => {
            let p = procedure(id)?;
            let c = p
                .channels
                .iter()
                .find(|c| c.id.as_str() == channel)
                .ok_or_else(|| {
                    let ids: Vec<&str> = p.channels.iter().map(|c| c.id.as_str()).collect();
                    format!(
                        "{id} has no channel {channel:?}; its channels: {}",
                        ids.join(", ")
                    )
                })?;
            let at = instant(at, "--at")?;
            let calendar = calendar()?;
            let local = at.with_timezone(&rex_calendar::time::TIME_ZONE);
            // The earlier of the cut-off and the channel's closing time.
            let closes = c
                .hours
                .as_ref()
                .map(schedule_of)
                .transpose()?
                .map(|h| h.closes);
            let cutoff = match &c.cutoff {
                Some(t) => Some(NaiveTime::parse_from_str(t, "%H:%M").map_err(|e| e.to_string())?),
                None => None,
            };
            let cutoff = match (cutoff, closes) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            if cutoff.is_none() && !c.days_off_roll {
                return Ok(format!(
                    "{}\nregistered the day it is received ({} takes applications at any time)",
                    local.date_naive(),
                    c.id.value
                ));
            }
            let cutoff =
                cutoff.unwrap_or(NaiveTime::from_hms_opt(23, 59, 59).unwrap_or(NaiveTime::MIN));
            let intake = OfficeIntake::new(cutoff)
                .register(&calendar, at)
                .map_err(|e| e.to_string())?;
            let why = match intake.shifted {
                None => "registered the day it is received".to_owned(),
                Some(rex_calendar::IntakeShift::AfterCutoff { cutoff }) => format!(
                    "received after {}: registered on the next working day",
                    cutoff.format("%H:%M")
                ),
                Some(rex_calendar::IntakeShift::DayOff { reason }) => format!(
                    "received on a day off{}: registered on the next working day",
                    reason.map(|r| format!(" ({r})")).unwrap_or_default()
                ),
            };
            Ok(format!("{}\n{why}", intake.registered_on))
        }
    }
}

/// A case's timeline as text: each step, the total, what is next, the result.
fn timeline(v: &rex_procedure::CaseView) -> String {
    let local = |t: Option<DateTime<Utc>>| {
        t.map(|t| {
            t.with_timezone(&rex_calendar::time::TIME_ZONE)
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_else(|| "—".into())
    };
    let mut out = format!(
        "{} registered {}\n",
        v.procedure,
        local(Some(v.registered_at))
    );
    for s in &v.steps {
        out.push_str(&format!(
            "{}\t{:?}\tstarted {}\tcompleted {}{}\tdue {}\n",
            s.step,
            s.state,
            local(s.started_at),
            local(s.completed_at),
            s.outcome
                .as_ref()
                .map(|o| format!(" ({o})"))
                .unwrap_or_default(),
            s.due
                .as_ref()
                .map(|d| d.due_text())
                .unwrap_or_else(|| "—".into()),
        ));
    }
    if let Some(total) = &v.total {
        out.push_str(&format!(
            "total\tdue {}\t{}\n",
            total.due_text(),
            total.explanation()
        ));
    }
    for n in &v.next {
        out.push_str(&format!("next\t{n}\n"));
    }
    if let Some(r) = &v.result {
        out.push_str(&format!("result\t{r}\n"));
    }
    out.trim_end().to_owned()
}

/// An instant in RFC 3339, or a date (its start in Almaty).
fn instant(text: &str, flag: &str) -> Result<DateTime<Utc>, String> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.with_timezone(&Utc));
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map(|d| rex_calendar::time::local(d, NaiveTime::MIN).with_timezone(&Utc))
        .map_err(|_| format!("{flag} {text:?}: an instant (RFC 3339, e.g. 2026-03-19T11:00:00+05:00) or a date (YYYY-MM-DD)"))
}

fn maximum(s: &rex_procedure::model::Step) -> (String, String) {
    match (&s.max, &s.no_max) {
        (Some(m), _) => (
            m.count.to_string(),
            rex_calendar::Unit::from(m.unit).to_string(),
        ),
        (None, why) => (
            "—".into(),
            format!(
                "NO STATUTORY MAXIMUM: {}",
                why.as_deref().unwrap_or("none given")
            ),
        ),
    }
}

/// A date of the catalogue as a reader writes it: `31 March 2021`.
fn long_date(iso: &str) -> String {
    chrono::NaiveDate::parse_from_str(iso, "%Y-%m-%d")
        .map(|d| d.format("%-d %B %Y").to_string())
        .unwrap_or_else(|_| iso.to_owned())
}

/// The order the procedure comes from: its number and date, its registration with the Ministry
/// of Justice, the clauses, and when it is in force.
fn identity(p: &Procedure) -> String {
    let s = &p.source;
    let registered = s
        .registration
        .as_deref()
        .map(|n| format!(", registered by the Ministry of Justice under No. {n}"))
        .unwrap_or_else(|| ", its registration with the Ministry of Justice not given".into());
    let approximate = |yes: bool| if yes { " (approximately)" } else { "" };
    let f = &p.in_force;
    let until = match &f.to {
        Some(to) => format!(" to {}{}", long_date(to), approximate(f.to_approximate)),
        None => String::new(),
    };
    format!(
        "Order {} of {}{registered}; {}\nIn force from {}{}{until}\n",
        s.order,
        long_date(&s.date),
        s.clauses,
        long_date(&f.from),
        approximate(f.from_approximate),
    )
}

fn table(p: &Procedure) -> String {
    let mut out = format!("{} — {}\n", p.id.value, p.title.en);
    out.push_str(&identity(p));
    out.push_str("step\tactor\tmaximum\tunit\tclause\n");
    for s in &p.steps {
        let (count, unit) = maximum(s);
        out.push_str(&format!(
            "{}\t{}\t{count}\t{unit}\t{}\n",
            s.id.value, s.actor.value, s.clause
        ));
    }
    for d in &p.deadlines {
        out.push_str(&format!(
            "{} (deadline, from {})\t{}\t{}\t{}\t{}\n",
            d.id.value,
            d.counts_from,
            d.actor.value,
            d.max.count,
            rex_calendar::Unit::from(d.max.unit),
            d.clause
        ));
    }
    if let Some(total) = &p.total {
        match &total.max {
            Some(m) => out.push_str(&format!(
                "total\t{}\t{}\t{}\t\n",
                p.provider.value,
                m.count,
                rex_calendar::Unit::from(m.unit)
            )),
            None => out.push_str("total\t\t—\tno overall maximum in law\t\n"),
        }
    }
    out.trim_end().to_owned()
}

/// A Mermaid flowchart: the steps, their branches, the ends.
fn flowchart(p: &Procedure) -> String {
    let node = |id: &str| id.replace(|c: char| !c.is_ascii_alphanumeric(), "_");
    let mut out = String::from("flowchart TD\n");
    for s in &p.steps {
        let (count, unit) = maximum(s);
        let max = if s.max.is_some() {
            format!("{count} {unit}")
        } else {
            "no statutory maximum".into()
        };
        out.push_str(&format!(
            "  {}[\"{}: {}<br/>{} · {max}\"]\n",
            node(&s.id),
            s.id.value,
            s.title.en.replace('"', "'"),
            s.actor.value
        ));
        match s.starts.as_ref().map(|a| &a.value) {
            Some(Starts::Registration) => {
                out.push_str(&format!("  start((registration)) --> {}\n", node(&s.id)))
            }
            Some(Starts::Event(e)) => out.push_str(&format!(
                "  ev_{}(({e})) --> {}\n",
                node(&s.id),
                node(&s.id)
            )),
            Some(Starts::After(list)) => {
                for a in list {
                    out.push_str(&format!("  {} -. all done .-> {}\n", node(a), node(&s.id)));
                }
            }
            None => {}
        }
        for o in &s.outcomes {
            for n in &o.next {
                out.push_str(&format!(
                    "  {} -->|{}| {}\n",
                    node(&s.id),
                    o.id.value,
                    node(n)
                ));
            }
            if let Some(end) = &o.end {
                out.push_str(&format!(
                    "  {} -->|{}| end_{}([{}])\n",
                    node(&s.id),
                    o.id.value,
                    node(end),
                    end.value
                ));
            }
        }
    }
    out.trim_end().to_owned()
}
