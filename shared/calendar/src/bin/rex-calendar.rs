//! `rex-calendar`: the working-day calendar for operators and scripts.
//!
//! The first line of output is the answer (a date, a number, `true`/`false`), so scripts can
//! take it with `head -1`; the lines after it explain. Exit code 2 on bad input or bad data.

use std::path::PathBuf;
use std::process::ExitCode;

use chrono::NaiveDate;
use clap::{Parser, Subcommand, ValueEnum};
use rex_calendar::{Calendar, PeriodUnit};

/// Kazakhstan's official working-day calendar
#[derive(Parser, Debug)]
#[command(name = "rex-calendar", version)]
struct Cli {
    /// A directory of calendar files (YYYY.toml, rules.toml) that add to or replace the
    /// built-in years.
    #[arg(long, global = true, env = "REX_CALENDAR_DIR", value_name = "DIR")]
    data: Option<PathBuf>,

    /// Print the answer and its derivation as JSON.
    #[arg(long, global = true)]
    json: bool,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Whether DATE is a working day (`true`/`false`), and why not.
    IsWorkingDay { date: String },
    /// The due date of a period of N days from DATE (the period starts the next day).
    Add {
        date: String,
        n: u32,
        #[arg(long, value_enum, default_value_t = Unit::Working)]
        unit: Unit,
        /// Also print the derivation: the days skipped and why.
        #[arg(long)]
        explain: bool,
    },
    /// The number of working days after FROM up to and including TO.
    Between { from: String, to: String },
    /// The first working day after DATE.
    NextWorkingDay { date: String },
    /// Every non-working day of YEAR with its reason.
    Year { year: i32 },
    /// Load and validate the calendar data (built-in plus --data) and say where each year
    /// comes from.
    Check,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
enum Unit {
    Working,
    Calendar,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli) {
        Ok(out) => {
            print!("{out}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("rex-calendar: {message}");
            ExitCode::from(2)
        }
    }
}

fn parse_date(field: &str, text: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| format!("{field} \"{text}\" is not a real date in the form YYYY-MM-DD"))
}

fn json(value: &impl serde::Serialize) -> Result<String, String> {
    serde_json::to_string_pretty(value)
        .map(|s| s + "\n")
        .map_err(|e| e.to_string())
}

fn run(cli: &Cli) -> Result<String, String> {
    let calendar = Calendar::load(cli.data.as_deref()).map_err(|e| e.to_string())?;
    let out = match &cli.command {
        Command::IsWorkingDay { date } => {
            let date = parse_date("DATE", date)?;
            let info = calendar.day_info(date).map_err(|e| e.to_string())?;
            if cli.json {
                return json(&info);
            }
            let mut out = format!("{}\n", info.working);
            match &info.reason {
                Some(reason) => out += &format!("{date}: {reason}\n"),
                None => out += &format!("{date}: ordinary working day\n"),
            }
            if info.provisional {
                out += &format!(
                    "PROVISIONAL: {} has no final published calendar\n",
                    date.format("%Y")
                );
            }
            out
        }
        Command::Add {
            date,
            n,
            unit,
            explain,
        } => {
            let start = parse_date("DATE", date)?;
            let unit = match unit {
                Unit::Working => PeriodUnit::WorkingDays,
                Unit::Calendar => PeriodUnit::CalendarDays,
            };
            let due = calendar.due(start, *n, unit).map_err(|e| e.to_string())?;
            if cli.json {
                return json(&due);
            }
            let mut out = format!("{}\n", due.due);
            if *explain {
                out += &format!("{due}\n");
            } else if due.provisional {
                out += "PROVISIONAL: computed from the statutory rules alone for a year with no final calendar\n";
            }
            out
        }
        Command::Between { from, to } => {
            let (from, to) = (parse_date("FROM", from)?, parse_date("TO", to)?);
            let n = calendar
                .working_days_between(from, to)
                .map_err(|e| e.to_string())?;
            if cli.json {
                return json(&serde_json::json!({ "from": from, "to": to, "working_days": n }));
            }
            format!("{n}\n")
        }
        Command::NextWorkingDay { date } => {
            let date = parse_date("DATE", date)?;
            let next = calendar.next_working_day(date).map_err(|e| e.to_string())?;
            if cli.json {
                return json(&serde_json::json!({ "date": date, "next_working_day": next }));
            }
            format!("{next}\n")
        }
        Command::Year { year } => {
            let (first, last) = calendar.range();
            let jan1 = NaiveDate::from_ymd_opt(*year, 1, 1)
                .filter(|d| *d >= first && *d <= last)
                .ok_or_else(|| {
                    format!("YEAR {year} is outside the calendar ({first} to {last})")
                })?;
            let mut days = Vec::new();
            for day in jan1
                .iter_days()
                .take_while(|d| d.format("%Y").to_string() == year.to_string())
            {
                let info = calendar.day_info(day).map_err(|e| e.to_string())?;
                if !info.working || info.reason.is_some() {
                    days.push(info);
                }
            }
            if cli.json {
                return json(&days);
            }
            let off = days.iter().filter(|d| !d.working).count();
            let mut out = format!("{off} non-working days in {year}\n");
            for d in days
                .iter()
                .filter(|d| !matches!(d.reason, Some(rex_calendar::DayReason::Weekend { .. })))
            {
                let word = if d.working { "working" } else { "off" };
                let reason = d
                    .reason
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default();
                out += &format!("{} {} {word}: {reason}\n", d.date, d.date.format("%a"));
            }
            out
        }
        Command::Check => {
            if cli.json {
                return json(&calendar.years());
            }
            let mut out = String::from("ok\n");
            for y in calendar.years().iter().filter(|y| y.file.is_some()) {
                let status = if y.provisional {
                    "provisional"
                } else {
                    "official"
                };
                out += &format!(
                    "{}: {status}, {}\n",
                    y.year,
                    y.file.as_deref().unwrap_or("")
                );
            }
            let (first, last) = calendar.range();
            out +=
                &format!("other years from {first} to {last}: provisional, statutory rules only\n");
            out
        }
    };
    Ok(out)
}
