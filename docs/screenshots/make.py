"""Screenshots of the HTML pages in docs/screenshots/, taken in headless
Chromium: ``python docs/screenshots/make.py`` (needs chromium, chromedriver
and selenium, as the browser test does).

``pages.sha256`` records the hash of each page's HTML the screenshots were
taken from; tests/render/test_browser.py fails when a page changed and the
screenshots were not taken again.
"""

from __future__ import annotations

import hashlib
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent

# (name, argv, window width): the advice and plan pages, at a desktop and a phone width.
PAGES = [
    ("explain", ["explain", "examples/just-interviewed.yaml", "--at", "2026-11-16T14:00"], 1200),
    ("explain-phone", ["explain", "examples/just-interviewed.yaml", "--at", "2026-11-16T14:00"], 375),
    ("plan", ["plan", "examples/waiting-past-date.yaml", "--from", "2026-11-23T09:00"], 1200),
]


def page_html(argv: list[str]) -> str:
    """The page as ``rules … --format html`` writes it."""
    sys.path.insert(0, str(ROOT))
    from engine.cli import main

    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "page.html"
        assert main([*argv, "--format", "html", "-o", str(target)]) == 0
        return target.read_text("utf-8")


def digest_lines() -> str:
    lines = []
    for name, argv, width in PAGES:
        digest = hashlib.sha256(page_html(argv).encode("utf-8")).hexdigest()
        lines.append(f"{digest}  {name}.png  {width}px  rules {' '.join(argv)} --format html")
    return "\n".join(lines) + "\n"


def browser(width: int):  # pragma: no cover - run by hand and by the browser test
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or shutil.which("chromium-browser") or ""
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 f"--window-size={width},900", "--force-device-scale-factor=1"):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(shutil.which("chromedriver") or "chromedriver"), options=options)


def shoot(html: str, png: Path, width: int) -> None:  # pragma: no cover
    driver = browser(width)
    try:
        with tempfile.TemporaryDirectory() as folder:
            page = Path(folder) / "page.html"
            page.write_text(html, "utf-8")
            driver.get(page.as_uri())
            height = driver.execute_script("return document.documentElement.scrollHeight")
            driver.set_window_size(width, min(int(height) + 40, 16000))
            driver.save_screenshot(str(png))
    finally:
        driver.quit()


def main() -> int:  # pragma: no cover
    for name, argv, width in PAGES:
        shoot(page_html(argv), HERE / f"{name}.png", width)
    (HERE / "pages.sha256").write_text(digest_lines(), "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
