//! Independent cross-check: every day of 2014-2015 and 2023-2027 against the Python `holidays`
//! package (calendar.md). A disagreement fails unless the data lists it as a known difference
//! with its source.

#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::NaiveDate;
use rex_calendar::Calendar;

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// What `command` printed, once it has exited with success.
fn stdout_of(command: &mut Command) -> String {
    let out = command.output().unwrap();
    assert!(
        out.status.success(),
        "{command:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The `holidays` package's answer for each day of `first..=last`.
fn reference(first: i32, last: i32) -> BTreeMap<NaiveDate, bool> {
    let root = workspace_root();
    let python = match std::env::var_os("REX_CROSSCHECK_PYTHON") {
        Some(p) => PathBuf::from(p),
        None => {
            // Creates the virtual environment on first use, so `cargo test` works on a fresh
            // machine that reaches PyPI.
            PathBuf::from(stdout_of(Command::new("bash").arg(root.join(".ci/python-env"))).trim())
        }
    };
    let script = root.join("shared/calendar/tests/holidays_kz.py");
    let text = stdout_of(
        Command::new(&python)
            .arg(script)
            .arg(first.to_string())
            .arg(last.to_string()),
    );
    let mut days = BTreeMap::new();
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let (date, working) = line.split_once(' ').unwrap();
        days.insert(
            NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap(),
            working == "1",
        );
    }
    days
}

/// The days on which `calendar` and the reference disagree and the data does not say why.
fn unexplained_differences(
    calendar: &Calendar,
    reference: &BTreeMap<NaiveDate, bool>,
) -> Vec<String> {
    let known: Vec<NaiveDate> = calendar
        .known_differences()
        .iter()
        .filter(|k| k.reference == "python-holidays")
        .map(|k| k.date)
        .collect();
    reference
        .iter()
        .filter_map(|(day, theirs)| {
            let ours = calendar.is_working_day(*day).unwrap();
            (ours != *theirs && !known.contains(day)).then(|| {
                let reason = calendar.day_info(*day).unwrap().reason;
                format!("{day}: ours working={ours} ({reason:?}), python-holidays working={theirs}")
            })
        })
        .collect()
}

#[test]
fn every_day_2023_to_2027_agrees_with_python_holidays() {
    let reference = reference(2023, 2027);
    assert_eq!(
        reference.len(),
        365 * 5 + 1,
        "five years of days, 2024 a leap year"
    );
    let diffs = unexplained_differences(&Calendar::official().unwrap(), &reference);
    assert!(
        diffs.is_empty(),
        "calendar disagrees with python-holidays:\n{}",
        diffs.join("\n")
    );
}

#[test]
fn every_day_2014_and_2015_agrees_with_python_holidays() {
    // Order 292's years. The package lists the same transfers (3 January 2014 from Saturday
    // 28 December 2013; 2 and 8 May 2014 from Sundays 4 and 11 May) and the same days off.
    let reference = reference(2014, 2015);
    assert_eq!(reference.len(), 365 * 2, "two common years of days");
    let diffs = unexplained_differences(&Calendar::official().unwrap(), &reference);
    assert!(
        diffs.is_empty(),
        "calendar disagrees with python-holidays:\n{}",
        diffs.join("\n")
    );
}

#[test]
fn cross_check_fails_on_an_unlisted_difference_and_passes_on_a_listed_one() {
    let reference = reference(2026, 2026);
    let dir = tempfile::tempdir().unwrap();
    let base = include_str!("../data/2026.toml");
    let extra = "\n[[holiday]]\ndate = \"2026-06-01\"\nname = \"Hypothetical\"\nkind = \"state\"\n";
    std::fs::write(dir.path().join("2026.toml"), format!("{base}{extra}")).unwrap();
    let cal = Calendar::load(Some(dir.path())).unwrap();
    let diffs = unexplained_differences(&cal, &reference);
    assert_eq!(diffs.len(), 1, "{diffs:?}");
    assert!(diffs[0].starts_with("2026-06-01"), "{diffs:?}");

    let listed = "\n[[known_difference]]\ndate = \"2026-06-01\"\nreference = \"python-holidays\"\nsource = \"test decree\"\n";
    std::fs::write(
        dir.path().join("2026.toml"),
        format!("{base}{extra}{listed}"),
    )
    .unwrap();
    let cal = Calendar::load(Some(dir.path())).unwrap();
    assert!(unexplained_differences(&cal, &reference).is_empty());
}
