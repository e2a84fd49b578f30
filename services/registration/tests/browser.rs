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
        // A consenting exporter's BIN, for the search by BIN.
        tin(0),
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

/// The Kazakh and Russian pages, with a malformed number, a revoked one, a search by BIN, a
/// statement with findings and a form with mistakes, and the about, help and privacy pages,
/// show no Latin-script word but numbers and codes (the rule is in public_pages.py).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_kazakh_and_russian_pages_show_no_latin_words_but_numbers_and_codes() {
    browser_checks("language", 8).await;
}

/// Every page arrives in the browser with the security headers, and the browser enforces the
/// Content-Security-Policy: an injected inline style or script does nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pages_arrive_with_the_security_headers_in_a_real_browser() {
    browser_checks("headers", 1).await;
}
