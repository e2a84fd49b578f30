//! The operator command `rex-calendar`, run as a process.

#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rex-calendar"))
        .args(args)
        .env_remove("REX_CALENDAR_DIR")
        .output()
        .unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).unwrap()
}

#[test]
fn is_working_day_prints_false_and_the_reason() {
    let out = run(&["is-working-day", "2026-03-23"]);
    assert!(out.status.success());
    assert_eq!(stdout(&out), "false\n2026-03-23: Nauryz (holiday)\n");
    let out = run(&["is-working-day", "2026-03-24"]);
    assert_eq!(
        stdout(&out),
        "false\n2026-03-24: substitute day off for Nauryz, which fell on Saturday 2026-03-21\n"
    );
    let out = run(&["is-working-day", "2026-03-26"]);
    assert_eq!(stdout(&out).lines().next(), Some("true"));
}

#[test]
fn add_prints_the_iso_due_date_first_and_explains_on_request() {
    let out = run(&["add", "2026-03-19", "3", "--unit", "working"]);
    assert!(out.status.success());
    assert_eq!(stdout(&out), "2026-03-27\n");
    let out = run(&["add", "2026-03-19", "3", "--unit", "working", "--explain"]);
    let text = stdout(&out);
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("2026-03-27"));
    let why = lines.next().unwrap();
    assert!(
        why.contains("skipped 2026-03-21 Sat Nauryz (holiday)"),
        "{why}"
    );
    // The tenth day is Sunday 29 March: the period ends on the next working day (art. 173).
    let out = run(&["add", "2026-03-19", "10", "--unit", "calendar"]);
    assert_eq!(stdout(&out), "2026-03-30\n");
}

#[test]
fn json_output_is_structured() {
    let out = run(&["add", "2026-03-19", "3", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["due"], "2026-03-27");
    assert_eq!(v["skipped"].as_array().unwrap().len(), 5);
}

#[test]
fn provisional_results_say_so() {
    let out = run(&["add", "2028-01-03", "3"]);
    assert!(out.status.success());
    let text = stdout(&out);
    assert_eq!(text.lines().next(), Some("2028-01-10"));
    assert!(text.contains("PROVISIONAL"), "{text}");
}

#[test]
fn bad_input_exits_2_with_a_clear_message() {
    let out = run(&["add", "2026-02-30", "3"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        "rex-calendar: DATE \"2026-02-30\" is not a real date in the form YYYY-MM-DD\n"
    );
    let out = run(&["add", "2026-02-01", "-3"]);
    assert_eq!(out.status.code(), Some(2));
    let out = run(&["is-working-day", "1999-01-01"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("outside the working-day calendar"),
        "{}",
        stderr(&out)
    );
    let out = run(&["add", "2026-01-01", "3", "--unit", "fortnights"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn data_dir_adds_years_and_bad_data_exits_2_naming_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_str().unwrap();
    std::fs::write(
        dir.path().join("2028.toml"),
        "year = 2028\n[[holiday]]\ndate = \"2028-01-04\"\nname = \"Test\"\nkind = \"state\"\n",
    )
    .unwrap();
    let out = run(&["--data", path, "is-working-day", "2028-01-04"]);
    assert_eq!(stdout(&out), "false\n2028-01-04: Test (holiday)\n");
    std::fs::write(
        dir.path().join("2028.toml"),
        "year = 2028\n[[holiday]]\ndate = \"2028-13-04\"\nname = \"Test\"\nkind = \"state\"\n",
    )
    .unwrap();
    let out = run(&["--data", path, "is-working-day", "2028-01-04"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out)
            .contains("2028.toml:3: holiday date \"2028-13-04\" is not a real calendar date"),
        "{}",
        stderr(&out)
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn between_and_next_working_day() {
    assert_eq!(
        stdout(&run(&["between", "2026-03-19", "2026-03-27"])),
        "3\n"
    );
    assert_eq!(
        stdout(&run(&["next-working-day", "2026-03-20"])),
        "2026-03-26\n"
    );
    let year = stdout(&run(&["year", "2026"]));
    assert!(year.starts_with("118 non-working days in 2026\n"), "{year}");
    assert!(stdout(&run(&["check"])).starts_with("ok\n"));
}
