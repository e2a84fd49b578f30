//! The catalogue: the shipped files load, every problem of a bad file is reported together
//! with its line, a folder of files adds or replaces procedures, and the operator command
//! answers or exits 2 naming what is wrong.

#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use std::process::Command;

use rex_procedure::{Catalogue, EMBEDDED, LoadError};

#[test]
fn the_shipped_catalogue_loads_and_embeds_every_file_of_its_folder() {
    let catalogue = Catalogue::embedded().unwrap();
    let mut on_disk: Vec<String> =
        std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/catalogue"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .filter(|n| n.ends_with(".toml"))
            .collect();
    on_disk.sort();
    let mut embedded: Vec<String> = EMBEDDED.iter().map(|(n, _)| (*n).to_owned()).collect();
    embedded.sort();
    assert_eq!(on_disk, embedded, "a file of catalogue/ is not embedded");
    for id in [
        "kz-244-registration",
        "kz-244-change",
        "kz-244-revocation",
        "kz-358-verification",
    ] {
        assert!(catalogue.get(id).is_some(), "{id}");
    }
}

const BROKEN: &str = r#"id = "kz-test"
provider = "office"

[title]
kk = "Сынақ"
ru = ""
en = "Test"

[source]
order = "1"
date = "2026-02-30"
clauses = "items 1-9"

[in_force]
from = "2026-01-01"

[[role]]
id = "office"
title = { kk = "Кеңсе", ru = "Канцелярия", en = "Office" }

[[step]]
id = "s1"
clause = "para. 5"
actor = "office"
starts = "registration"
max = { count = 2, unit = "working_days" }
title = { kk = "Қабылдау", ru = "Приём", en = "Intake" }

[[step.outcome]]
id = "accepted"
next = ["s2", "s9"]
title = { kk = "Қабылданды", ru = "Принято", en = "Accepted" }

[[step]]
id = "s2"
clause = "para. 5"
actor = "clerk"
max = { count = 4, unit = "hours" }
title = { kk = "Тексеру", ru = "Проверка", en = "Check" }

[[step.outcome]]
id = "again"
next = ["s3"]
title = { kk = "Қайта", ru = "Снова", en = "Again" }

[[step]]
id = "s3"
clause = "para. 5"
actor = "office"
max = { count = 1, unit = "working_days" }
title = { kk = "Қайта тексеру", ru = "Перепроверка", en = "Re-check" }

[[step.outcome]]
id = "again"
next = ["s2"]
title = { kk = "Қайта", ru = "Снова", en = "Again" }

[[step]]
id = "s4"
clause = "para. 5"
actor = "office"
no_max = "deferred to the Standard"
title = { kk = "Шешім", ru = "Решение", en = "Decision" }

[[step.outcome]]
id = "done"
title = { kk = "Дайын", ru = "Готово", en = "Done" }
"#;

#[test]
fn every_problem_of_a_file_is_reported_with_its_line() {
    let Err(LoadError::Invalid(problems)) = Catalogue::from_texts([("kz-test.toml", BROKEN)])
    else {
        panic!("a broken file was accepted");
    };
    let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
    let expect = [
        "kz-test.toml:1: the procedure: missing translation: title.ru is empty",
        "kz-test.toml:11: source.date: \"2026-02-30\" is not a date (YYYY-MM-DD)",
        // s1 leads only into the s2–s3 cycle.
        "kz-test.toml:22: step \"s1\" has no way to an end (a cycle with no way out, or a branch with no end)",
        "kz-test.toml:31: step \"s1\", outcome \"accepted\": unknown step \"s9\"",
        "kz-test.toml:35: step \"s2\" leads back to itself: a step runs once in a case",
        "kz-test.toml:35: step \"s2\" has no way to an end (a cycle with no way out, or a branch with no end)",
        "kz-test.toml:37: step \"s2\": unknown role \"clerk\"",
        "kz-test.toml:47: step \"s3\" leads back to itself: a step runs once in a case",
        "kz-test.toml:47: step \"s3\" has no way to an end (a cycle with no way out, or a branch with no end)",
        "kz-test.toml:59: step \"s4\" is unreachable: nothing starts it",
        "kz-test.toml:66: step \"s4\", outcome \"done\": neither next steps nor an end: a branch with no end",
    ];
    for e in expect {
        assert!(
            text.iter().any(|t| t == e),
            "missing {e:?} in:\n{}",
            text.join("\n")
        );
    }
    assert_eq!(text.len(), expect.len(), "{}", text.join("\n"));
}

#[test]
fn an_unknown_unit_is_named_with_its_line() {
    let text = BROKEN.replace("unit = \"hours\"", "unit = \"fortnights\"");
    let Err(LoadError::Invalid(problems)) =
        Catalogue::from_texts([("kz-test.toml", text.as_str())])
    else {
        panic!("an unknown unit was accepted");
    };
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].line, 38, "{}", problems[0]);
    assert!(
        problems[0].message.contains("fortnights"),
        "{}",
        problems[0]
    );
}

#[test]
fn a_folder_adds_and_replaces_procedures() {
    let dir = tempfile::tempdir().unwrap();
    let shipped = EMBEDDED
        .iter()
        .find(|(n, _)| *n == "kz-244-change.toml")
        .unwrap()
        .1;
    // CHG-2 made 15 calendar days, as an amendment would.
    let amended = shipped.replace("count = 10", "count = 15");
    std::fs::write(dir.path().join("kz-244-change.toml"), amended).unwrap();
    let catalogue = Catalogue::load(Some(dir.path())).unwrap();
    let step = &catalogue.get("kz-244-change").unwrap().steps[0];
    assert_eq!(step.max.unwrap().count, 15);
    // A bad file in the folder: nothing of the catalogue is used.
    std::fs::write(dir.path().join("kz-x.toml"), "id = 1").unwrap();
    assert!(Catalogue::load(Some(dir.path())).is_err());
}

#[test]
fn the_schema_describes_the_file_format() {
    let schema = rex_procedure::schema();
    let properties = &schema["properties"];
    for key in [
        "id", "title", "source", "in_force", "step", "role", "channel", "total",
    ] {
        assert!(
            properties.get(key).is_some(),
            "{key} missing from the schema"
        );
    }
    let units = serde_json::to_string(&schema["$defs"]["UnitName"]).unwrap();
    assert!(
        units.contains("working_days") && units.contains("hours"),
        "{units}"
    );
}

fn cli(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_rex-procedure"))
        .args(args)
        .env_remove("REX_PROCEDURES_DIR")
        .env_remove("REX_CALENDAR_DIR")
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

#[test]
fn show_names_the_order_its_registration_and_when_it_is_in_force() {
    let (code, out, err) = cli(&["show", "kz-244-registration"]);
    assert_eq!(code, 0, "{err}");
    let mut lines = out.lines().skip(1);
    assert_eq!(
        lines.next(),
        Some(
            "Order 244-NK of 31 March 2021, registered by the Ministry of Justice under No. 22437; items 4–12 (chapter 2), annex 1"
        )
    );
    assert_eq!(
        lines.next(),
        Some("In force from 12 April 2021 (approximately)")
    );
}

#[test]
fn ver_2_the_command_gives_the_due_date_of_a_step_or_the_total_first() {
    let (code, out, _) = cli(&[
        "due",
        "kz-358-verification",
        "total",
        "--from",
        "2026-03-19T11:00:00+05:00",
        "--explain",
    ]);
    assert_eq!(code, 0);
    let mut lines = out.lines();
    assert_eq!(lines.next(), Some("2026-05-06"));
    assert!(lines.next().unwrap().contains("30 working days"), "{out}");
}

#[test]
fn chg_2_a_change_due_on_a_day_off_ends_on_the_next_working_day() {
    let (code, out, _) = cli(&["due", "kz-244-change", "CHG-2", "--from", "2026-03-11"]);
    assert_eq!((code, out.trim()), (0, "2026-03-26"));
}

#[test]
fn rev_1_the_command_exits_2_naming_what_is_wrong() {
    let cases: [(&[&str], &str); 4] = [
        (
            &["due", "kz-244-revocation", "REV-1", "--from", "2026-03-11"],
            "no statutory maximum",
        ),
        (
            &["due", "kz-244-change", "CHG-2", "--from", "yesterday"],
            "--from \"yesterday\"",
        ),
        (&["show", "kz-999"], "no procedure \"kz-999\""),
        (
            &[
                "intake",
                "kz-244-registration",
                "--channel",
                "fax",
                "--at",
                "2026-03-11",
            ],
            "no channel \"fax\"",
        ),
    ];
    for (args, says) in cases {
        let (code, _, err) = cli(args);
        assert_eq!(code, 2, "{args:?}");
        assert!(err.contains(says), "{args:?}: {err}");
    }
}

#[test]
fn the_mermaid_flowchart_has_every_step_and_end() {
    let (code, out, _) = cli(&["show", "kz-358-verification", "--mermaid"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("flowchart TD"));
    for s in [
        "VER_4",
        "VER_5",
        "VER_6",
        "VER_7",
        "VER_8",
        "end_confirmed",
        "end_revocation_requested",
    ] {
        assert!(out.contains(s), "{s}: {out}");
    }
}

#[test]
fn ver_5_simulate_gives_the_timeline_of_an_event_log() {
    let dir = tempfile::tempdir().unwrap();
    let events = dir.path().join("events.toml");
    std::fs::write(
        &events,
        r#"
[[event]]
kind = "registered"
at = "2026-03-19T11:00:00+05:00"

[[event]]
kind = "completed"
step = "VER-4"
outcome = "requested"
at = "2026-03-20T10:00:00+05:00"
"#,
    )
    .unwrap();
    let events = events.to_string_lossy().to_string();
    let (code, out, err) = cli(&[
        "simulate",
        "kz-358-verification",
        "--events",
        &events,
        "--now",
        "2026-04-02T10:00:00+05:00",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("VER-5\tOverdue"), "{out}");
    assert!(out.contains("next\tVER-5 (atameken)"), "{out}");
    let (code, json, _) = cli(&[
        "simulate",
        "kz-358-verification",
        "--events",
        &events,
        "--json",
    ]);
    assert_eq!(code, 0);
    let view: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(view["steps"][0]["state"], "completed_on_time");
    // An event the log may not hold: exit 2 naming it.
    std::fs::write(
        dir.path().join("bad.toml"),
        "[[event]]\nkind = \"completed\"\nstep = \"VER-4\"\noutcome = \"requested\"\nat = \"2026-03-20T10:00:00+05:00\"\n",
    )
    .unwrap();
    let bad = dir.path().join("bad.toml").to_string_lossy().to_string();
    let (code, _, err) = cli(&["simulate", "kz-358-verification", "--events", &bad]);
    assert_eq!(code, 2);
    assert!(
        err.contains("event 1: a case begins with its registration"),
        "{err}"
    );
}

#[test]
fn the_intake_rule_of_each_channel_gives_the_registration_date() {
    let cases = [
        // Order 355's portal: after 17:00, the next working day.
        (
            "kz-355-permit",
            "portal",
            "2026-04-06T16:59:00+05:00",
            "2026-04-06",
        ),
        (
            "kz-355-permit",
            "portal",
            "2026-04-06T17:30:00+05:00",
            "2026-04-07",
        ),
        // The State Corporation: open to 20:00 and on Saturdays, but the provider registers on
        // its own working days.
        (
            "kz-355-permit",
            "state-corporation",
            "2026-04-06T19:30:00+05:00",
            "2026-04-06",
        ),
        (
            "kz-355-permit",
            "state-corporation",
            "2026-04-06T20:30:00+05:00",
            "2026-04-07",
        ),
        (
            "kz-355-permit",
            "state-corporation",
            "2026-04-11T11:00:00+05:00",
            "2026-04-13",
        ),
        // Order 244-NK on paper: the day Atameken receives it, whenever.
        (
            "kz-244-registration",
            "paper",
            "2026-03-21T11:00:00+05:00",
            "2026-03-21",
        ),
    ];
    for (id, channel, at, registered) in cases {
        let (code, out, err) = cli(&["intake", id, "--channel", channel, "--at", at]);
        assert_eq!(code, 0, "{err}");
        assert_eq!(
            out.lines().next(),
            Some(registered),
            "{id} {channel} {at}: {out}"
        );
    }
}

#[test]
fn steps_the_engine_cannot_run_as_written_are_refused() {
    let base = r#"id = "kz-t"
provider = "o"
title = { kk = "С", ru = "Т", en = "T" }
source = { order = "1", date = "2026-01-01", clauses = "1" }
in_force = { from = "2026-01-01" }
[[role]]
id = "o"
title = { kk = "К", ru = "К", en = "O" }
[[result]]
id = "done"
title = { kk = "Д", ru = "Г", en = "Done" }
[[deadline]]
id = "d1"
clause = "2"
actor = "o"
max = { count = 3, unit = "working_days" }
counts_from = "x"
title = { kk = "М", ru = "С", en = "D" }
[[step]]
id = "s1"
clause = "1"
actor = "o"
starts = "registration"
title = { kk = "Б", ru = "О", en = "One" }
"#;
    let cases = [
        (
            "max = { count = 2, unit = \"hours\" }\nextension = { count = 1, unit = \"working_days\" }\n[[step.outcome]]\nid = \"ok\"\nend = \"done\"\ntitle = { kk = \"И\", ru = \"Д\", en = \"Y\" }\n",
            "an extension in WorkingDays cannot extend a maximum in Hours",
        ),
        (
            "max = { count = 2, unit = \"hours\" }\n[[step.outcome]]\nid = \"ok\"\nnext = [\"d1\"]\ntitle = { kk = \"И\", ru = \"Д\", en = \"Y\" }\n",
            "unknown step \"d1\"",
        ),
        (
            "max = { count = 2, unit = \"hours\" }\n[[step.outcome]]\nid = \"ok\"\nnext = [\"s1\"]\ntitle = { kk = \"И\", ru = \"Д\", en = \"Y\" }\n",
            "starts on the registration or an event",
        ),
    ];
    for (step, says) in cases {
        let text = format!("{base}{step}");
        let Err(LoadError::Invalid(problems)) =
            Catalogue::from_texts([("kz-t.toml", text.as_str())])
        else {
            panic!("accepted: {says}");
        };
        assert!(
            problems.iter().any(|p| p.message.contains(says)),
            "{says}: {problems:?}"
        );
    }
}
