"""Headless Chromium for the browser tests (the HTML report, the web app):
the Debian packages chromium and chromium-driver, driven by selenium."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")

#: The marks of a module of browser tests: slow, and skipped (saying why)
#: where the browser cannot be installed; `.ci/run` installs it.
BROWSER_TESTS = [pytest.mark.slow,
                 pytest.mark.skipif(not (CHROMIUM and DRIVER),
                                    reason="chromium and chromium-driver are not installed (Debian packages)")]


@contextmanager
def chromium(profile: Path, width: int = 1280, height: int = 1600) -> Iterator[Any]:
    """A headless Chromium with its own empty profile, its console log kept;
    the flags keep it off the network this machine does not have."""
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 f"--window-size={width},{height}", f"--user-data-dir={profile}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()
