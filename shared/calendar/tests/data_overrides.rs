//! Calendar data from configuration: adding and replacing years, and refusing bad data whole.

#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use chrono::NaiveDate;
use rex_calendar::{Calendar, LoadError, PeriodUnit};

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn dir_with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

fn problems(err: LoadError) -> Vec<String> {
    match err {
        LoadError::Invalid(list) => list.iter().map(ToString::to_string).collect(),
        other => panic!("expected invalid data, got {other}"),
    }
}

const BASE_2026: &str = include_str!("../data/2026.toml");

#[test]
fn a_new_transfer_act_is_a_data_change() {
    // Hypothetical act: Saturday 26 December 2026 worked, Thursday 31 December off.
    let transfer = "\n[[transfer]]\nworked = \"2026-12-26\"\nday_off = \"2026-12-31\"\nact = \"Order No. 1 (test)\"\n";
    let dir = dir_with(&[("2026.toml", &format!("{BASE_2026}{transfer}"))]);
    let official = Calendar::official().unwrap();
    let updated = Calendar::load(Some(dir.path())).unwrap();
    assert!(official.is_working_day(d("2026-12-31")).unwrap());
    assert!(!updated.is_working_day(d("2026-12-31")).unwrap());
    assert!(updated.is_working_day(d("2026-12-26")).unwrap());
    let due = updated
        .due(d("2026-12-24"), 2, PeriodUnit::WorkingDays)
        .unwrap();
    assert_eq!(due.due, d("2026-12-26"));
    assert!(
        due.explanation().contains("Order No. 1 (test)"),
        "{}",
        due.explanation()
    );
}

#[test]
fn a_published_year_replaces_the_provisional_one() {
    let year_2028 = "year = 2028\n[[holiday]]\ndate = \"2028-05-05\"\nname = \"Kurban Ait (first day)\"\nkind = \"religious\"\n";
    let dir = dir_with(&[("2028.toml", year_2028)]);
    let official = Calendar::official().unwrap();
    let updated = Calendar::load(Some(dir.path())).unwrap();
    assert!(official.is_provisional_year(2028));
    assert!(!updated.is_provisional_year(2028));
    assert!(official.is_working_day(d("2028-05-05")).unwrap());
    assert!(!updated.is_working_day(d("2028-05-05")).unwrap());
    // The file is authoritative: it lists no New Year, so 3 January is a working day.
    assert!(updated.is_working_day(d("2028-01-03")).unwrap());
}

#[test]
fn corrected_kurban_ait_date_for_2027() {
    let year_2027 = include_str!("../data/2027.toml")
        .replace("provisional = true", "provisional = false")
        + "\n[[holiday]]\ndate = \"2027-05-17\"\nname = \"Kurban Ait (first day)\"\nkind = \"religious\"\n";
    let dir = dir_with(&[("2027.toml", &year_2027)]);
    let cal = Calendar::load(Some(dir.path())).unwrap();
    assert!(!cal.is_working_day(d("2027-05-17")).unwrap());
    assert!(
        !cal.due(d("2027-05-10"), 5, PeriodUnit::WorkingDays)
            .unwrap()
            .provisional
    );
}

#[test]
fn bad_files_are_refused_whole_with_every_problem_named() {
    let bad_2026 = format!(
        "{BASE_2026}\n[[holiday]]\ndate = \"2026-01-01\"\nname = \"Again\"\nkind = \"state\"\n"
    );
    let bad_2027 = "year = 2027\n[[transfer]]\nworked = \"2027-01-05\"\nday_off = \"2027-01-06\"\nact = \"x\"\n";
    let dir = dir_with(&[
        ("2026.toml", &bad_2026),
        ("2027.toml", bad_2027),
        ("notes.toml", ""),
    ]);
    let err = Calendar::load(Some(dir.path())).unwrap_err();
    let list = problems(err);
    assert_eq!(
        list.len(),
        1,
        "unexpected file names are refused first: {list:?}"
    );
    assert!(list[0].ends_with(
        "notes.toml: unexpected file: calendar files are named rules.toml or YYYY.toml"
    ));

    std::fs::remove_file(dir.path().join("notes.toml")).unwrap();
    let list = problems(Calendar::load(Some(dir.path())).unwrap_err());
    let lines = BASE_2026.lines().count();
    assert_eq!(list.len(), 2, "{list:?}");
    assert!(
        list[0].ends_with(&format!(
            "2026.toml:{}: duplicate holiday 2026-01-01: already listed as \"New Year\"",
            lines + 3
        )),
        "{list:?}"
    );
    assert!(
        list[1].contains("2027.toml:3: transfer worked 2027-01-05 is a Tue"),
        "{list:?}"
    );
}

#[test]
fn transfer_onto_a_derived_substitute_day_is_refused() {
    // 24 March 2026 is already off as the substitute for Nauryz on Saturday 21 March.
    let transfer =
        "\n[[transfer]]\nworked = \"2026-03-28\"\nday_off = \"2026-03-24\"\nact = \"x\"\n";
    let dir = dir_with(&[("2026.toml", &format!("{BASE_2026}{transfer}"))]);
    let list = problems(Calendar::load(Some(dir.path())).unwrap_err());
    let line = BASE_2026.lines().count() + 3;
    assert_eq!(list.len(), 1);
    assert!(list[0].ends_with(&format!("2026.toml:{line}: transfer day_off 2026-03-24 is already the substitute day off for Nauryz of 2026-03-21")), "{list:?}");
}

#[test]
fn a_bad_rules_file_is_refused() {
    let dir = dir_with(&[(
        "rules.toml",
        "[[holiday]]\nmonth = 2\nday = 30\nname = \"X\"\nkind = \"state\"\n",
    )]);
    let list = problems(Calendar::load(Some(dir.path())).unwrap_err());
    assert_eq!(list.len(), 1);
    assert!(
        list[0].ends_with("rules.toml:1: holiday rule month 2 day 30 is not a real date"),
        "{list:?}"
    );
}

#[test]
fn a_missing_directory_is_an_io_error_naming_it() {
    let err = Calendar::load(Some(std::path::Path::new("/nonexistent/calendar"))).unwrap_err();
    assert!(matches!(err, LoadError::Io { .. }));
    assert!(err.to_string().contains("/nonexistent/calendar"), "{err}");
}
