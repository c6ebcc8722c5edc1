"""The HTML pages in a real browser: headless Chromium opens them with no
console errors; the timeline's labels are all visible and none overlaps
another (bounding boxes), at a desktop width and at 375 px, where the page
does not scroll sideways; traces are collapsed; the screenshots in docs/
are current."""

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


PAGES = [
    ["explain", "examples/waiting-past-date.yaml", "--at", "2026-11-23T09:00"],
    ["explain", "examples/just-interviewed.yaml", "--at", "2026-11-16T14:00"],
    ["plan", "examples/just-interviewed.yaml", "--from", "2026-11-16T11:00"],
]

LABELS = ".t-label, .event-label, .tick, .t-row h3, .now-tag"


def open_page(browser, tmp_path, monkeypatch, argv, width=1280):
    monkeypatch.chdir(ROOT)
    page = tmp_path / "report.html"
    assert main([*argv, "--format", "html", "-o", str(page)]) == 0
    browser.set_window_size(width, 1000)
    browser.get(page.as_uri())
    return page


def overlapping(boxes):
    """Pairs of boxes that overlap by more than a pixel each way."""
    bad = []
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            if (min(a["right"], b["right"]) - max(a["left"], b["left"]) > 1
                    and min(a["bottom"], b["bottom"]) - max(a["top"], b["top"]) > 1):
                bad.append((a["text"], b["text"]))
    return bad


BOXES = """return Array.from(document.querySelectorAll(arguments[0])).map(e => {
  const r = e.getBoundingClientRect();
  return {text: e.textContent, cls: e.className, left: r.left, right: r.right, top: r.top, bottom: r.bottom,
          visible: r.width > 0 && r.height > 0 && getComputedStyle(e).visibility !== 'hidden'};
});"""


@pytest.mark.parametrize("argv", PAGES, ids=["explain-waiting", "explain-just", "plan-just"])
@pytest.mark.parametrize("width", [1280, 375])
def test_timeline_labels_are_visible_and_never_overlap(browser, tmp_path, monkeypatch, argv, width):
    open_page(browser, tmp_path, monkeypatch, argv, width)
    from selenium.webdriver.common.by import By

    errors = [e for e in browser.get_log("browser") if e["level"] in ("SEVERE", "ERROR")]
    assert errors == []
    boxes = browser.execute_script(BOXES, LABELS)
    hidden = [b for b in boxes if not b["visible"]]
    # every label is visible, but for every other day on the axis of a phone
    assert all("minor" in b["cls"].split() for b in hidden) and (width < 640 or not hidden)
    boxes = [b for b in boxes if b["visible"]]
    assert len(boxes) > 10
    assert overlapping(boxes) == []
    # one row per action, a labelled lane per source on it
    rows = browser.find_elements(By.CSS_SELECTOR, ".timeline .t-row[data-action]")
    actions = [r.get_attribute("data-action") for r in rows]
    assert len(actions) == len(set(actions)) and "check_in" in actions
    for lane in browser.find_elements(By.CSS_SELECTOR, ".t-row .t-lane"):
        label = lane.find_element(By.CSS_SELECTOR, ".t-label").text
        assert label.split(":")[0].lstrip("⚠ ") == lane.get_attribute("data-policy")
    # the events are labelled on the axis, the moment is marked, disagreements too
    assert len(browser.find_elements(By.CSS_SELECTOR, ".events .event-label")) >= 3
    assert browser.find_elements(By.CSS_SELECTOR, ".now-line")
    assert browser.find_elements(By.CSS_SELECTOR, ".track .overlap")
    # nothing wider than the page: no sideways scrolling, also at 375 px
    assert browser.execute_script("return document.documentElement.scrollWidth") <= width
    shot = Path(tmp_path) / f"{argv[0]}-{width}.png"
    assert browser.save_screenshot(str(shot)) and shot.stat().st_size > 10_000


def test_traces_are_collapsed_and_the_plan_page_has_the_agenda(browser, tmp_path, monkeypatch):
    from selenium.webdriver.common.by import By

    open_page(browser, tmp_path, monkeypatch, PAGES[0])
    assert browser.find_elements(By.CSS_SELECTOR, ".brief h3")[0].text == "Now"
    trace = browser.find_elements(By.CSS_SELECTOR, "details .trace")[0]
    assert not trace.is_displayed()
    assert browser.find_elements(By.CSS_SELECTOR, ".conflict[data-kind='opposed']")
    open_page(browser, tmp_path, monkeypatch, PAGES[2])
    days = [h.text for h in browser.find_elements(By.CSS_SELECTOR, ".agenda h3")]
    assert days[:2] == ["Mon 16 Nov 2026", "Tue 17 Nov 2026"]


def test_screenshots_in_docs_are_current():
    """docs/screenshots/*.png were taken from today's pages (run
    ``python docs/screenshots/make.py`` after changing the HTML)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_screenshots", ROOT / "docs" / "screenshots" / "make.py")
    assert spec and spec.loader
    make = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make)
    recorded = (ROOT / "docs" / "screenshots" / "pages.sha256").read_text("utf-8")
    assert make.digest_lines() == recorded, "the HTML changed: run python docs/screenshots/make.py"
    for name, _, _ in make.PAGES:
        assert (ROOT / "docs" / "screenshots" / f"{name}.png").stat().st_size > 10_000


def test_printed_page_keeps_labels_apart_and_within_the_paper(browser, tmp_path, monkeypatch):
    """With print media (A4-ish width), the timeline still fits and its labels do not overlap."""
    open_page(browser, tmp_path, monkeypatch, PAGES[1], width=800)
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        boxes = [b for b in browser.execute_script(BOXES, LABELS) if b["visible"]]
        assert len(boxes) > 10 and overlapping(boxes) == []
        assert browser.execute_script("return document.documentElement.scrollWidth") <= 800
        assert browser.execute_script("return getComputedStyle(document.body).maxWidth") == "none"
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
