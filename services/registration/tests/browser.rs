//! The public pages in headless Chromium (issue #9): search a registered, a revoked and an
//! unknown number, switch language, check a statement, by keyboard, on a desktop and a phone
//! screen, with screenshots under target/browser-screenshots. Needs Debian's chromium and
//! chromedriver (`.ci/browser` installs them; `scripts/test` sets REX_TEST_CHROMEDRIVER) and
//! Selenium in the tests' Python environment.
#![allow(clippy::unwrap_used)]

use rex_testkit::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reg_5_12_public_pages_work_in_a_real_browser() {
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
    let shots =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/browser-screenshots");
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser/public_pages.py");
    let base = format!("http://{}", s.public_addr);
    let unknown = "KZREX001010120269999".to_owned();
    let args = [base, valid, revoked, unknown, shots.display().to_string()];
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
    assert!(count >= 9, "{count} screenshots in {}", shots.display());
}
