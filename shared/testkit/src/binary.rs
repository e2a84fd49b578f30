//! The workspace's binaries, for tests that run them as processes from another package.
//!
//! `env!("CARGO_BIN_EXE_<name>")` exists only in the tests of the binary's own package, and a
//! binary found next to the test executable may be missing or older than the source. So the
//! binary is built by cargo, with the profile the test was built with, into the same target
//! folder: a no-op when it is up to date (as after `cargo nextest run --workspace`), a build
//! otherwise, never a stale file.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

/// The workspace root.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// The path of binary `name` of workspace package `package`, built now if it is not up to date.
pub fn cargo_bin(package: &str, name: &str) -> PathBuf {
    static BUILT: Mutex<Option<HashMap<String, PathBuf>>> = Mutex::new(None);
    let mut built = BUILT.lock().unwrap_or_else(|p| p.into_inner());
    let built = built.get_or_insert_with(HashMap::new);
    if let Some(path) = built.get(name) {
        return path.clone();
    }
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cargo = Command::new(cargo);
    cargo
        .current_dir(workspace())
        .args([
            "build",
            "--quiet",
            "--message-format=json-render-diagnostics",
        ])
        .args(["--package", package, "--bin", name, "--profile", &profile()]);
    let path = stdout_of(&mut cargo)
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == name)
        .find_map(|m| m["executable"].as_str().map(PathBuf::from))
        .unwrap_or_else(|| panic!("cargo built no executable named {name}"));
    built.insert(name.to_owned(), path.clone());
    path
}

/// What `command` printed, once it has exited with success; a failure panics with the command
/// and what it said on stderr.
pub fn stdout_of(command: &mut Command) -> String {
    let out = command
        .output()
        .unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"));
    assert!(
        out.status.success(),
        "{command:?} failed ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The cargo profile the running test was built with, from its path
/// (`target/<profile folder>/deps/<test>`): `debug` is the dev profile.
fn profile() -> String {
    let exe = std::env::current_exe().unwrap();
    let folder = exe
        .parent()
        .and_then(Path::parent)
        .and_then(Path::file_name)
        .and_then(|f| f.to_str())
        .unwrap_or("debug");
    match folder {
        "debug" => "dev".into(),
        other => other.into(),
    }
}
