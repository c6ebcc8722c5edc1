"""The web app in real headless Chromium against a live ``rules serve``:
create an application, add an interview, see the advice, add a thank-you
and see it change; no console errors; markup typed into a subject or note
is shown as text. Screenshots (desktop and 375 px wide) are saved in the
test's temporary folder."""

from __future__ import annotations

import pytest
from browser_support import BROWSER_TESTS, chromium

pytestmark = BROWSER_TESTS

EVIL = "<script>alert('subject')</script> Acme"
NOTE = "<img src=x onerror=alert('note')> thanks"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from live_server import live_server
    with live_server(tmp_path_factory.mktemp("serve")) as s:
        yield s


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    with chromium(tmp_path_factory.mktemp("chrome")) as driver:
        yield driver


def submit(browser, selector):
    """Click ``selector`` and wait for the next page to load."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait
    page = browser.find_element(By.TAG_NAME, "html")
    browser.find_element(By.CSS_SELECTOR, selector).click()
    WebDriverWait(browser, 20).until(expected_conditions.staleness_of(page))


def _advice(browser):
    # read in one script: the lines' list (its section), action and text
    return {tuple(line) for line in browser.execute_script(
        "return Array.from(document.querySelectorAll('#advice .brief .line'), e =>"
        " [e.parentElement.className, e.dataset.action || '', e.innerText])")}


def _errors(browser):
    return [e for e in browser.get_log("browser") if e["level"] in ("SEVERE", "ERROR")]


def test_the_job_seekers_path_through_the_app(server, browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    browser.set_window_size(1280, 1600)
    browser.get(server.url + "/")
    browser.get(server.url + "/applications/new")
    browser.find_element(By.ID, "subject").send_keys(EVIL)
    zone = browser.find_element(By.ID, "timezone")
    zone.clear()
    zone.send_keys("Europe/Paris")
    submit(browser, "form button[type=submit]")
    assert browser.find_element(By.TAG_NAME, "h1").text == EVIL  # shown as text, not run

    Select(browser.find_element(By.ID, "type")).select_by_value("interview")
    submit(browser, "form.add-event button")
    # the interview was two hours ago (the form starts at now, local to the application)
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo
    earlier = (datetime.now(ZoneInfo("Europe/Paris")) - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    browser.execute_script("arguments[0].value = arguments[1]", browser.find_element(By.ID, "f-at"), earlier)
    browser.find_element(By.ID, "f-interviewers").send_keys("Jane Roe, Sam Poe")
    Select(browser.find_element(By.ID, "f-format")).select_by_value("in_person")
    browser.find_element(By.ID, "f-note").send_keys(NOTE)
    submit(browser, "form.card button[type=submit]")

    before = _advice(browser)
    # the NOW section: the thank-you is due, each line naming its sources
    now = [line for line in before if line[0] == "brief now"]
    assert any(action == "send_thank_you" for _, action, _ in now), before
    assert all(" — " in text for _, _, text in now), now
    assert browser.find_element(By.ID, "now-h").text == "Now"
    assert browser.find_element(By.CSS_SELECTOR, ".timeline .note").text == NOTE
    browser.save_screenshot(str(tmp_path / "application-desktop.png"))

    Select(browser.find_element(By.ID, "type")).select_by_value("thank_you_sent")
    submit(browser, "form.add-event button")
    browser.find_element(By.ID, "f-to").send_keys("Jane Roe, Sam Poe")
    Select(browser.find_element(By.ID, "f-channel")).select_by_value("email")
    browser.find_element(By.ID, "f-personalized").click()
    submit(browser, "form.card button[type=submit]")

    after = _advice(browser)
    assert after != before
    assert len(browser.find_elements(By.CSS_SELECTOR, ".timeline .event")) == 2

    browser.set_window_size(375, 1600)
    browser.refresh()
    browser.execute_script("window.scrollTo(0, 0)")
    width = browser.execute_script("return document.documentElement.scrollWidth")
    assert width <= 375, "the page scrolls sideways on a phone"
    browser.save_screenshot(str(tmp_path / "application-375.png"))
    browser.get(server.url + "/")
    assert EVIL in browser.find_element(By.CSS_SELECTOR, ".apps .subject").text
    browser.save_screenshot(str(tmp_path / "home-375.png"))
    assert _errors(browser) == []


def test_a_bad_value_is_shown_beside_its_field(server, browser):
    from selenium.webdriver.common.by import By

    browser.set_window_size(1280, 1600)
    browser.get(server.url + "/")
    submit(browser, ".apps .subject")
    browser.get(browser.current_url + "/events/new?type=decision_expected")
    browser.find_element(By.ID, "f-by").send_keys("next friday")
    submit(browser, "form.card button[type=submit]")
    error = browser.find_element(By.ID, "by-error")
    assert "ISO 8601" in error.text and error.is_displayed()
    assert browser.find_element(By.ID, "f-by").get_attribute("aria-invalid") == "true"
