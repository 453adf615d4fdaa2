"""Where reflow keeps what it builds and its local state (plane, controller logs, artifacts), outside any work tree."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

CACHE_ENV = "REFLOW_CACHE_DIR"
STATE_ENV = "REFLOW_STATE_DIR"


def cache_dir() -> Path:
    """`$REFLOW_CACHE_DIR`, else the user cache dir (`~/.cache/reflow` on Linux)."""
    return Path(os.environ.get(CACHE_ENV) or platformdirs.user_cache_dir("reflow"))


def tools_dir() -> Path:
    """Built binaries, one folder per component and version."""
    return cache_dir() / "tools"


def state_dir() -> Path:
    """`$REFLOW_STATE_DIR`, else the user state dir (`~/.local/state/reflow` on Linux): local plane, logs, artifacts."""
    return Path(os.environ.get(STATE_ENV) or platformdirs.user_state_dir("reflow"))
