//! The public pages in headless Chromium (issue #9): search a registered, a revoked and an
//! unknown number, switch language, check a statement, by keyboard, on a desktop and a phone
//! screen, with screenshots under target/browser-screenshots. Needs Debian's chromium and
//! chromedriver (`.ci/browser` installs them; `scripts/test` sets REX_TEST_CHROMEDRIVER) and
//! Selenium in the tests' Python environment.
#![allow(clippy::unwrap_used)]

use rex_testkit::*;

/// Runs `part` of tests/browser/public_pages.py against the public site of a registry with a
/// valid, an unpublished and a revoked number; every one of its `steps` leaves a screenshot.
async fn browser_checks(part: &str, steps: usize) {
    let (Ok(_driver), Ok(python)) = (
        std::env::var("REX_TEST_CHROMEDRIVER"),
        std::env::var("REX_CROSSCHECK_PYTHON"),
    ) else {
        eprintln!(
            "skipped: REX_TEST_CHROMEDRIVER and REX_CROSSCHECK_PYTHON are set by scripts/test"
        );
        return;
    };
    let mut s = spawn_registration(Backend::Sqlite).await;
    let (valid, _, revoked) = s.public_registry().await;
    let shots = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../target/browser-screenshots")
        .join(part);
    // This run's screenshots only.
    let _ = std::fs::remove_dir_all(&shots);
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser/public_pages.py");
    let base = format!("http://{}", s.public_addr);
    let unknown = "KZREX001010120269999".to_owned();
    let args = [
        base,
        valid,
        revoked,
        unknown,
        shots.display().to_string(),
        part.to_owned(),
    ];
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new(python)
            .arg(script)
            .args(args)
            .output()
    })
    .await
    .unwrap()
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("browser checks passed"), "{stdout}");
    // Every step left its screenshot.
    let count = std::fs::read_dir(&shots).unwrap().count();
    assert!(count >= steps, "{count} screenshots in {}", shots.display());
}

/// The lookup: a valid, a revoked and an unknown number in three languages, the number's
/// format, a phone-sized screen.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reg_5_public_lookup_pages_work_in_a_real_browser() {
    browser_checks("lookup", 7).await;
}

/// The statement check: valid with a valid number, not valid with a revoked one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reg_12_statement_page_works_in_a_real_browser() {
    browser_checks("statement", 2).await;
}
