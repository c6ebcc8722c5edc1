"""The HTML report in a real browser: headless Chromium opens it, no console
errors, one lane per policy, disagreements marked; a screenshot is saved in
the test's temporary folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from engine.cli import main

from examples import ROOT

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not (CHROMIUM and DRIVER),
                                 reason="chromium and chromium-driver are not installed (Debian packages)")]


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--window-size=1280,1600", f"--user-data-dir={tmp_path_factory.mktemp('chrome')}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    yield driver
    driver.quit()


@pytest.mark.parametrize("argv", [
    ["explain", "examples/waiting-past-date.yaml", "--at", "2026-11-23T09:00"],
    ["plan", "examples/just-interviewed.yaml", "--from", "2026-11-16T11:00"],
])
def test_html_renders_with_lanes_and_disagreements(browser, tmp_path, monkeypatch, argv):
    monkeypatch.chdir(ROOT)
    page = tmp_path / "report.html"
    assert main([*argv, "--format", "html", "-o", str(page)]) == 0
    browser.get(page.as_uri())
    from selenium.webdriver.common.by import By

    errors = [e for e in browser.get_log("browser") if e["level"] in ("SEVERE", "ERROR")]
    assert errors == []
    lanes = {e.get_attribute("data-policy") for e in browser.find_elements(By.CSS_SELECTOR, "svg g.lane[data-policy]")}
    assert lanes == {"careerbuilder", "cheatsheet", "followup-guide", "halpin", "hayes"}
    marked = browser.find_elements(By.CSS_SELECTOR, "svg rect.disagreement")
    assert marked and all(m.is_displayed() for m in marked[:3])
    assert browser.find_elements(By.CSS_SELECTOR, "svg line.today")
    if argv[0] == "explain":
        assert browser.find_elements(By.CSS_SELECTOR, ".conflict[data-kind='opposed']")
    shot = Path(tmp_path) / f"{argv[0]}.png"
    assert browser.save_screenshot(str(shot)) and shot.stat().st_size > 10_000
