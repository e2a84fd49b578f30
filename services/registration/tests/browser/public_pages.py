"""Drives the public lookup pages in headless Chromium (Debian's chromium + chromedriver) the
way a customs officer or an exporter would: by keyboard, in three languages, on a desktop and
a phone-sized screen. Saves a screenshot of every step. Exits non-zero on the first failure.

usage: public_pages.py BASE_URL VALID REVOKED UNKNOWN SCREENSHOT_DIR [PART]

PART: `lookup` (the search, its languages, the format page, a phone screen: REG-5),
`statement` (the statement check: REG-12) or `all` (the default).
"""
import os
import sys
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

base, valid, revoked, unknown, shots = sys.argv[1:6]
part = sys.argv[6] if len(sys.argv) > 6 else "all"
check_lookup = part in ("all", "lookup")
check_statement = part in ("all", "statement")
os.makedirs(shots, exist_ok=True)

options = webdriver.ChromeOptions()
options.binary_location = os.environ.get("REX_TEST_CHROMIUM", "/usr/bin/chromium")
for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--window-size=1280,1000", "--lang=en-US"):
    options.add_argument(arg)
driver = webdriver.Chrome(
    service=Service(executable_path=os.environ.get("REX_TEST_CHROMEDRIVER", "/usr/bin/chromedriver")),
    options=options,
)
driver.set_page_load_timeout(30)
step = 0


def shot(name):
    global step
    step += 1
    path = os.path.join(shots, f"{step:02d}-{name}.png")
    # The answer in view, as the user sees it after submitting.
    driver.execute_script("const r = document.getElementById('result'); if (r) r.scrollIntoView({block: 'center'});")
    driver.save_screenshot(path)
    print("screenshot", path)


def result_text():
    try:
        return driver.find_element(By.ID, "result").text
    except Exception:  # not there yet, or the page is being replaced
        return ""


def wait_for(predicate, what):
    """Submitting a form or following a link loads a new page: wait for it (bounded)."""
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except Exception:
            pass
        time.sleep(0.05)
    shot("FAILED")
    raise AssertionError(f"timed out waiting for {what}; result: {result_text()!r}")


def wait_result(text):
    wait_for(lambda: text in result_text(), repr(text))


def check(condition, message):
    if not condition:
        shot("FAILED")
        raise AssertionError(message)


def accessible():
    """What a screen-reader and keyboard user needs on every page."""
    problems = driver.execute_script(
        """
        const out = [];
        if (!document.documentElement.lang) out.push('html has no lang');
        if (!document.querySelector('h1')) out.push('no h1');
        for (const el of document.querySelectorAll('input, select, textarea')) {
          if (!el.id || !document.querySelector(`label[for="${el.id}"]`)) out.push('unlabelled ' + el.name);
        }
        // WCAG 2.x contrast of text against its background.
        const lum = (rgb) => {
          const [r, g, b] = rgb.match(/\\d+/g).slice(0, 3).map(Number).map((c) => {
            c /= 255; return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4); });
          return 0.2126 * r + 0.7152 * g + 0.0722 * b;
        };
        const bg = (el) => {
          for (let e = el; e; e = e.parentElement) {
            const c = getComputedStyle(e).backgroundColor;
            if (c && !c.startsWith('rgba(0, 0, 0, 0)') && c !== 'transparent') return c;
          }
          return 'rgb(255, 255, 255)';
        };
        for (const el of document.querySelectorAll('p, label, a, button, dt, dd, li, h1, h2, th, td, .badge')) {
          if (!el.offsetParent || !el.textContent.trim()) continue;
          const a = lum(getComputedStyle(el).color), b = lum(bg(el));
          const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
          if (ratio < 4.5) out.push(`contrast ${ratio.toFixed(2)} on ${el.tagName} "${el.textContent.trim().slice(0, 30)}"`);
        }
        if (document.documentElement.scrollWidth > window.innerWidth + 1) out.push('scrolls sideways');
        return out;
        """
    )
    check(not problems, f"accessibility problems on {driver.current_url}: {problems}")


try:
    if check_lookup:
        # A registered number, by keyboard only: the skip link first, then the search field.
        driver.get(f"{base}/en/")
        accessible()
        body = driver.find_element(By.TAG_NAME, "body")
        body.send_keys(Keys.TAB)
        active = driver.switch_to.active_element
        check(active.get_attribute("class") == "skip", "the first Tab reaches the skip link")
        active.send_keys(Keys.ENTER)
        field = driver.find_element(By.ID, "q")
        field.send_keys(Keys.NULL)  # focus by keyboard-equivalent
        field.send_keys(valid, Keys.ENTER)
        wait_result("Valid")
        check("Altyn Dan LLP" in result_text(), "the published name (REG-5)")
        accessible()
        shot("valid-en")

        # A revoked number says since when.
        field = driver.find_element(By.ID, "q")
        field.clear()
        field.send_keys(revoked, Keys.ENTER)
        wait_result("was revoked on 2026-06-10")
        shot("revoked-en")

        # Switch language: the same search, in Kazakh and in Russian.
        driver.find_element(By.CSS_SELECTOR, "nav.languages a[lang=kk]").click()
        wait_for(lambda: driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "kk", "the Kazakh page")
        wait_result("Күші жойылған")
        accessible()
        shot("revoked-kk")
        driver.find_element(By.CSS_SELECTOR, "nav.languages a[lang=ru]").click()
        wait_result("Отозван")
        shot("revoked-ru")

        # An unknown number is not "revoked" and not an error of the site.
        driver.get(f"{base}/en/?q={unknown}")
        wait_result("is not in Kazakhstan's registry")
        shot("unknown-en")

    if check_statement:
        # A statement on origin: paste the text, give the value and the date.
        driver.get(f"{base}/en/statement")
        accessible()
        text = (f"The exporter Altyn Dan LLP, Almaty, {valid} of the products covered by this document "
                "declares that, except where otherwise clearly indicated, these products are of "
                "Kazakhstan preferential origin according to rules of origin of the Generalized "
                "System of Preferences of the Swiss Confederation and that the origin criterion met "
                "is W 11.01.")
        driver.find_element(By.ID, "statement_text").send_keys(text)
        driver.find_element(By.ID, "amount").send_keys("20000")
        currency = driver.find_element(By.ID, "currency")
        currency.clear()
        currency.send_keys("CHF")
        driver.execute_script("document.getElementById('statement_date').value = '2026-06-10'")
        driver.find_element(By.ID, "amount").send_keys(Keys.ENTER)
        wait_result("The statement is valid")
        check("The number is valid on the statement's date" in result_text(), "the reason")
        shot("statement-valid-en")
        # The same statement with the revoked number.
        number = driver.find_element(By.ID, "registration_number")
        number.send_keys(revoked)
        number.send_keys(Keys.ENTER)
        wait_result("The statement is not valid")
        shot("statement-revoked-en")

    if check_lookup:
        # The number's format, and the search on a phone-sized screen.
        driver.get(f"{base}/kk/format")
        accessible()
        shot("format-kk")
        driver.set_window_size(390, 844)
        driver.get(f"{base}/ru/?q={valid}")
        wait_result("Действителен")
        accessible()
        shot("valid-ru-phone")
    print("browser checks passed")
finally:
    driver.quit()
