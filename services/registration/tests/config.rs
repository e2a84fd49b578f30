//! Configuration in layers: defaults, a file, the environment, the flags.

#![allow(clippy::unwrap_used)]

use std::process::Command;

fn run(dir: &std::path::Path, args: &[&str], env: &[(&str, String)]) -> std::process::Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rex-registration"));
    cmd.current_dir(dir)
        .args(args)
        .env_remove("REX_REGISTRATION_DATABASE_URL")
        .env_remove("REX_CONFIG");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

#[test]
fn a_file_sets_what_the_environment_and_flags_do_not_and_typos_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("rex.toml"),
        format!(
            "REX_REGISTRATION_DATABASE_URL = \"sqlite://{}/from-file.db\"\n",
            d.display()
        ),
    )
    .unwrap();
    // The file's value is used...
    let out = run(d, &["--config", "rex.toml", "migrate"], &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(d.join("from-file.db").exists());
    // ...the environment wins over the file...
    let out = run(
        d,
        &["migrate"],
        &[
            ("REX_CONFIG", "rex.toml".into()),
            (
                "REX_REGISTRATION_DATABASE_URL",
                format!("sqlite://{}/from-env.db", d.display()),
            ),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(d.join("from-env.db").exists());
    // ...and the flag over both.
    let out = run(
        d,
        &[
            "--config",
            "rex.toml",
            "--database-url",
            &format!("sqlite://{}/from-flag.db", d.display()),
            "migrate",
        ],
        &[],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(d.join("from-flag.db").exists());
    // A setting the program does not have stops it, naming the key.
    std::fs::write(
        d.join("typo.toml"),
        "REX_REGISTRATION_DATABSE_URL = \"x\"\n",
    )
    .unwrap();
    let out = run(d, &["--config", "typo.toml", "migrate"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("REX_REGISTRATION_DATABSE_URL is not a setting of this program")
    );
    // A bad value stops it before any port is bound, with a clear message.
    let out = run(
        d,
        &[
            "--database-url",
            "mysql://x",
            "serve",
            "--insecure",
            "--listen",
            "127.0.0.1:0",
        ],
        &[],
    );
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("database URL must start with sqlite: or postgres:"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_listen_address_is_read_from_the_environment_without_a_command() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(
        dir.path(),
        &[],
        &[("REX_REGISTRATION_LISTEN", "not-an-address".to_owned())],
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("invalid value 'not-an-address' for '--listen"),
        "{stderr}"
    );
}

/// The organisations' details (who runs the public site) come from a file: one with a field
/// left empty, or one that cannot be read, stops the service before it starts.
#[test]
fn an_incomplete_organisations_file_is_refused_naming_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let incomplete = rex_domain::organisation::SHIPPED.replacen(
        "phone = \"+7 7172 91 93 00\"",
        "phone = \" \"",
        1,
    );
    std::fs::write(d.join("organisations.toml"), incomplete).unwrap();
    let database = (
        "REX_REGISTRATION_DATABASE_URL",
        format!("sqlite://{}/r.db", d.display()),
    );
    let out = run(
        d,
        &["--organisations-file", "organisations.toml", "migrate"],
        std::slice::from_ref(&database),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("atameken.phone must not be empty"),
        "{stderr}"
    );
    let out = run(
        d,
        &["migrate"],
        &[database, ("REX_ORGANISATIONS_FILE", "missing.toml".into())],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("cannot read missing.toml"), "{stderr}");
}
