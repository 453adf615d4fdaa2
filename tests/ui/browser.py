"""A real headless Chromium driven by Selenium, with async helpers that wait on the page's DOM with deadlines.

Selenium blocks, and the UI server and the controllers run on the test's event loop, so every browser call runs
in a worker thread.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1400,1000",
)
DEADLINE = 30.0
"""Seconds a page may take to show what a test waits for."""


@contextmanager
def chromium() -> Iterator[webdriver.Chrome]:
    """Debian's chromium under chromedriver, with a fresh profile; fails (never skips) when either is missing."""
    for program in (CHROMIUM, CHROMEDRIVER):
        if not program.exists():
            raise RuntimeError(f"{program} is missing: sudo apt-get install -y chromium chromium-driver")
    profile = tempfile.mkdtemp(prefix="reflow-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (*FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


class Page:
    """The browser, seen from an async test."""

    def __init__(self, driver: webdriver.Chrome) -> None:
        self.driver = driver

    async def open(self, url: str, *, headers: dict[str, str] | None = None) -> None:
        """Load a URL, sending `headers` with every request the page makes (an authenticating proxy would)."""

        def load() -> None:
            self.driver.execute_cdp_cmd("Network.enable", {})
            self.driver.execute_cdp_cmd("Network.setExtraHTTPHeaders", {"headers": headers or {}})
            self.driver.get("about:blank")
            self.driver.get(url)

        await asyncio.to_thread(load)

    async def until(self, check: Callable[[webdriver.Chrome], Any], what: str, timeout: float = DEADLINE) -> Any:
        """Wait until `check(driver)` is truthy and return its value; element lookups that go stale are retried."""
        wait = WebDriverWait(
            self.driver, timeout, poll_frequency=0.05, ignored_exceptions=(StaleElementReferenceException,)
        )
        return await asyncio.to_thread(wait.until, check, f"page never showed {what}")

    async def text(self, css: str, contains: str, timeout: float = DEADLINE) -> str:
        """Wait until the element `css` contains the text, and return its whole text."""

        def check(driver: webdriver.Chrome) -> str | None:
            found = driver.find_elements(By.CSS_SELECTOR, css)
            return found[0].text if found and contains in found[0].text else None

        return str(await self.until(check, f"{contains!r} in {css}", timeout))

    async def click(self, css: str) -> None:
        """Wait for the element and click it."""

        def check(driver: webdriver.Chrome) -> bool:
            found = driver.find_elements(By.CSS_SELECTOR, css)
            if not found or not found[0].is_displayed():
                return False
            found[0].click()
            return True

        await self.until(check, f"a clickable {css}")

    async def count(self, css: str) -> int:
        """How many elements match now."""
        return len(await asyncio.to_thread(self.driver.find_elements, By.CSS_SELECTOR, css))

    async def run(self, script: str) -> Any:
        """Run JavaScript in the page and return its value."""
        return await asyncio.to_thread(self.driver.execute_script, script)

    async def screenshot(self, path: Path) -> None:
        """Save what the page shows as a PNG."""
        path.parent.mkdir(parents=True, exist_ok=True)
        await asyncio.to_thread(self.driver.save_screenshot, str(path))
