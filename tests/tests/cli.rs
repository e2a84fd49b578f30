//! The three service binaries as an operator runs them: one command-line shape (`serve` by
//! default, `migrate`, `--listen`, `--database-url`, the same security flags), and none serves
//! without authentication and TLS unless told `--insecure`, on loopback only.

#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const SERVICES: [&str; 3] = ["registration", "verification", "notification"];

fn binary(service: &str) -> PathBuf {
    let name = format!("rex-{service}");
    rex_testkit::cargo_bin(&name, &name)
}

/// The binary with nothing from this machine's environment but PATH, so no REX_* setting of
/// the developer's changes what is tested.
fn command(service: &str) -> Command {
    let mut command = Command::new(binary(service));
    command.env_clear();
    if let Some(path) = std::env::var_os("PATH") {
        command.env("PATH", path);
    }
    command.env("RUST_LOG", "info");
    command
}

fn database(dir: &Path, service: &str) -> String {
    format!("sqlite://{}/{service}.db", dir.display())
}

fn run(service: &str, args: &[&str]) -> Output {
    command(service).args(args).output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn every_binary_has_the_same_commands_and_flags() {
    for service in SERVICES {
        let help = text(&run(service, &["--help"]).stdout);
        for expected in [
            "serve",
            "migrate",
            "--listen",
            "--database-url",
            "--token-keys",
            "--tls-dir",
            "--insecure",
            "--metrics-listen",
            "--config",
        ] {
            assert!(
                help.contains(expected),
                "rex-{service} --help lacks {expected}:\n{help}"
            );
        }
    }
}

#[test]
fn every_binary_migrates_with_the_same_command() {
    let dir = tempfile::tempdir().unwrap();
    for service in SERVICES {
        let url = database(dir.path(), service);
        let out = run(service, &["migrate", "--database-url", &url]);
        assert!(
            out.status.success(),
            "rex-{service} migrate: {}",
            text(&out.stderr)
        );
        assert_eq!(text(&out.stdout).trim(), format!("migrated {url}"));
    }
}

#[test]
fn a_binary_without_authentication_and_tls_refuses_to_serve() {
    let dir = tempfile::tempdir().unwrap();
    for service in SERVICES {
        let url = database(dir.path(), service);
        let out = run(
            service,
            &["--database-url", &url, "--listen", "127.0.0.1:0"],
        );
        assert!(
            !out.status.success(),
            "rex-{service} served without security"
        );
        let stderr = text(&out.stderr);
        assert!(
            stderr.contains(
                "refusing to serve without authentication (--token-keys) and TLS (--tls-dir)"
            ),
            "rex-{service}: {stderr}"
        );
        let open = run(
            service,
            &[
                "serve",
                "--insecure",
                "--database-url",
                &url,
                "--listen",
                "0.0.0.0:0",
            ],
        );
        assert!(
            !open.status.success(),
            "rex-{service} served insecure on 0.0.0.0"
        );
        let stderr = text(&open.stderr);
        assert!(
            stderr.contains("0.0.0.0:0 is not one"),
            "rex-{service}: {stderr}"
        );
    }
}

#[test]
fn insecure_on_loopback_serves_and_says_it_is_listening() {
    let dir = tempfile::tempdir().unwrap();
    for service in SERVICES {
        let url = database(dir.path(), service);
        let mut child = command(service)
            .args([
                "serve",
                "--insecure",
                "--database-url",
                &url,
                "--listen",
                "127.0.0.1:0",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Read its log on a thread: the wait is bounded by the line, or by the process ending.
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let listening = format!("{service} service listening");
        let mut seen = Vec::new();
        let served = loop {
            match rx.recv_timeout(Duration::from_secs(120)) {
                Ok(line) if line.contains(&listening) => break true,
                Ok(line) => seen.push(line),
                Err(_) => break false,
            }
        };
        child.kill().unwrap();
        child.wait().unwrap();
        assert!(served, "rex-{service} did not serve:\n{}", seen.join("\n"));
    }
}
