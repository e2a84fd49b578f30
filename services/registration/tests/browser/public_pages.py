"""Drives the public lookup pages in headless Chromium (Debian's chromium + chromedriver) the
way a customs officer or an exporter would: by keyboard, in three languages, on a desktop and
a phone-sized screen. Saves a screenshot of every step. Exits non-zero on the first failure.

usage: public_pages.py BASE_URL VALID REVOKED UNKNOWN SCREENSHOT_DIR [PART [TIN]]

PART: `lookup` (the search, its languages, the format page, a phone screen: REG-5),
`statement` (the statement check: REG-12), `language` (the Kazakh and Russian pages show no
Latin-script word but numbers and codes; TIN is the BIN of a consenting exporter), `headers`
(every page arrives with the security headers, and the browser enforces its
Content-Security-Policy) or `all` (the default: lookup and statement).
"""
import json
import os
import re
import sys
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

base, valid, revoked, unknown, shots = sys.argv[1:6]
part = sys.argv[6] if len(sys.argv) > 6 else "all"
tin = sys.argv[7] if len(sys.argv) > 7 else ""
check_lookup = part in ("all", "lookup")
check_statement = part in ("all", "statement")
check_language = part == "language"
check_headers = part == "headers"
os.makedirs(shots, exist_ok=True)

options = webdriver.ChromeOptions()
options.binary_location = os.environ.get("REX_TEST_CHROMIUM", "/usr/bin/chromium")
for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--window-size=1280,1000", "--lang=en-US"):
    options.add_argument(arg)
# The network events, to read each answer's headers.
options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
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


# The text a reader of the page sees in the page's own language: every rendered text node of
# the body, except what the person typed (a textarea's content, an input's value: not text
# nodes), options not chosen, and text marked as another language (`lang="en"`: the language
# switcher's "English", an exporter's English name).
VISIBLE_TEXT_JS = """
const lang = document.documentElement.lang;
const out = [];
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
for (let n = walker.nextNode(); n; n = walker.nextNode()) {
  const el = n.parentElement;
  if (!el || el.closest('textarea, script, style, option')) continue;
  const declared = el.closest('[lang]');
  if (declared && declared.lang !== lang) continue;
  if (!el.getClientRects().length || getComputedStyle(el).visibility === 'hidden') continue;
  out.push(n.textContent);
}
for (const s of document.querySelectorAll('select')) out.push(s.selectedOptions[0]?.text || '');
return out.join(' ');
"""

# The rule: after web addresses and e-mail addresses are taken out, every word with a Latin
# letter (a maximal run of ASCII letters and digits holding a letter) must be a code: the
# system's name REX, a registration number (KZREX followed by capitals and digits, as shown or
# as typed), a currency code of the two schemes (CHF, NOK), an origin criterion (P, W), or a
# value the test itself typed. Cyrillic words, numbers, dates, HS codes (digits and dots) pass.
ALLOWED_CODES = {"REX", "CHF", "NOK", "P", "W"}
URL_OR_EMAIL = re.compile(r"https?://\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
LATIN_WORD = re.compile(r"[A-Za-z0-9]*[A-Za-z][A-Za-z0-9]*")
REGISTRATION_NUMBER = re.compile(r"KZREX[0-9A-Z]*")


def latin_words(text, typed=()):
    text = URL_OR_EMAIL.sub(" ", text)
    return sorted({
        w for w in LATIN_WORD.findall(text)
        if w not in ALLOWED_CODES and not REGISTRATION_NUMBER.fullmatch(w) and w not in typed
    })


def only_the_pages_language(what, typed=()):
    text = driver.execute_script(VISIBLE_TEXT_JS)
    check(text.strip(), f"{what}: no visible text")
    foreign = latin_words(text, typed)
    check(not foreign, f"{what} ({driver.current_url}) shows Latin-script words {foreign}:\n{text}")


def answers_headers():
    """The headers of every answer the browser received since the last call, by URL."""
    seen = {}
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.responseReceived":
            response = message["params"]["response"]
            seen[response["url"]] = {k.lower(): v for k, v in response["headers"].items()}
    return seen


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
        wait_result("was revoked on 10 June 2026")
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
    if check_language:
        # The rule itself, on examples, so that it cannot pass by matching nothing.
        assert latin_words("Ереже REG-7 бойынша") == ["REG"], "a rule ID is caught"
        assert latin_words("registration number must have") == ["have", "must", "number", "registration"]
        assert latin_words("KZREX002190320260001 REX CHF 61.09 info@atameken.kz https://atameken.kz") == []
        for lang in ("kk", "ru"):
            driver.get(f"{base}/{lang}/")
            only_the_pages_language(f"{lang} search page")
            # A malformed number, typed and sent.
            field = driver.find_element(By.ID, "q")
            field.send_keys("KZREX12345", Keys.ENTER)
            wait_result("KZREX12345")
            only_the_pages_language(f"{lang} malformed number", typed={"KZREX12345"})
            shot(f"malformed-{lang}")
            # A revoked number, and a BIN of a consenting exporter.
            driver.get(f"{base}/{lang}/?q={revoked}")
            wait_result(revoked)
            only_the_pages_language(f"{lang} revoked number")
            driver.get(f"{base}/{lang}/?q={tin}")
            wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, "ul.registrations li"), "the BIN's registrations")
            only_the_pages_language(f"{lang} BIN search")
            shot(f"bin-{lang}")
            # A statement with findings: another country's GSP, no origin criterion, a revoked
            # number; then a form with mistakes.
            driver.get(f"{base}/{lang}/statement")
            driver.find_element(By.ID, "statement_text").send_keys(
                f"The exporter {revoked} declares that these products are of Kazakhstan preferential "
                "origin according to rules of origin of the Generalized System of Preferences of the "
                "Kingdom of Norway.")
            driver.find_element(By.ID, "amount").send_keys("20000")
            driver.execute_script("document.getElementById('statement_date').value = '2026-06-20'")
            driver.find_element(By.ID, "amount").send_keys(Keys.ENTER)
            wait_for(lambda: len(driver.find_elements(By.CSS_SELECTOR, ".findings li")) >= 3, "the findings")
            only_the_pages_language(f"{lang} statement findings")
            shot(f"statement-findings-{lang}")
            amount = driver.find_element(By.ID, "amount")
            amount.clear()
            amount.send_keys("12,5")
            currency = driver.find_element(By.ID, "currency")
            currency.clear()
            currency.send_keys("EUR", Keys.ENTER)
            wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, ".errors li"), "the form's errors")
            only_the_pages_language(f"{lang} statement form errors", typed={"EUR"})
            shot(f"statement-errors-{lang}")
            for page in ("format", "about", "help", "privacy"):
                driver.get(f"{base}/{lang}/{page}")
                # The format page spells the number's structure as the law writes it.
                typed = {"KZREXKKKDDMMYYYYNNNN", "KZ", "KKK", "DDMMYYYY", "NNNN"} if page == "format" else ()
                only_the_pages_language(f"{lang} {page} page", typed)

    if check_headers:
        answers_headers()  # what came before is not this check's
        pages = [f"{base}/kk/", f"{base}/ru/?q={valid}", f"{base}/en/statement", f"{base}/kk/help",
                 f"{base}/ru/privacy", f"{base}/en/about", f"{base}/kk/nowhere"]
        for page in pages:
            driver.get(page)
        seen = answers_headers()
        for url in pages + [f"{base}/static/style.css"]:
            headers = seen.get(url)
            check(headers is not None, f"no answer seen for {url}: {sorted(seen)}")
            csp = headers.get("content-security-policy", "")
            for directive in ("default-src 'none'", "style-src 'self'", "frame-ancestors 'none'", "form-action 'self'"):
                check(directive in csp, f"{url}: Content-Security-Policy {csp!r} lacks {directive}")
            for name, value in (("x-content-type-options", "nosniff"), ("x-frame-options", "DENY"),
                                ("referrer-policy", "no-referrer")):
                check(headers.get(name) == value, f"{url}: {name} is {headers.get(name)!r}")
            check(headers.get("cache-control"), f"{url}: no Cache-Control")
        # The browser enforces the policy: an injected inline style and script do nothing, the
        # site's own stylesheet applies.
        driver.get(f"{base}/kk/")
        enforced = driver.execute_script("""
            const style = document.createElement('style');
            style.textContent = 'body { background-color: rgb(1, 2, 3) !important; }';
            document.head.appendChild(style);
            const script = document.createElement('script');
            script.textContent = 'window.injected = true;';
            document.head.appendChild(script);
            return {
              background: getComputedStyle(document.body).backgroundColor,
              script: window.injected === true,
              stylesheet: getComputedStyle(document.querySelector('.site a')).textDecorationLine,
            };
        """)
        check(enforced["background"] != "rgb(1, 2, 3)", f"an inline style applied: {enforced}")
        check(not enforced["script"], f"an inline script ran: {enforced}")
        check(enforced["stylesheet"] == "none", f"the site's stylesheet did not apply: {enforced}")
        shot("headers-kk")

    print("browser checks passed")
finally:
    driver.quit()
