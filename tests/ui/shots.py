"""Screenshots of the UI's views: into `$REFLOW_UI_SCREENSHOTS` when set (docs/images), else the test's tmp_path."""

from __future__ import annotations

import os
from pathlib import Path

from tests.ui.browser import Page


async def shoot(page: Page, tmp_path: Path, name: str) -> Path:
    """Save the page as `ui-<name>.png` and return where."""
    folder = Path(os.environ.get("REFLOW_UI_SCREENSHOTS") or tmp_path)
    path = folder / f"ui-{name}.png"
    await page.screenshot(path)
    return path
