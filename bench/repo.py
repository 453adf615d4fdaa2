"""Git repositories the bench serves: a bare repository per name, written through a working clone."""

from __future__ import annotations

import subprocess
from collections.abc import Mapping
from pathlib import Path

_IDENTITY = ("-c", "user.name=reflow bench", "-c", "user.email=bench@reflow.invalid", "-c", "commit.gpgsign=false")


def _git(cwd: Path, *args: str) -> str:
    result = subprocess.run(["git", *_IDENTITY, *args], cwd=cwd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"git {' '.join(args[:2])} in {cwd} failed: {result.stderr.strip()}")
    return result.stdout.strip()


class Repository:
    """One repository under the server root: `NAME.git` (bare, served) and `work/NAME` (where commits are made)."""

    def __init__(self, root: Path, name: str) -> None:
        self.name = name
        self.bare = root / f"{name}.git"
        self.work = root / "work" / name
        if not self.bare.exists():
            self.bare.mkdir(parents=True)
            _git(self.bare, "init", "--bare", "--quiet", "--initial-branch=main")
            self.work.mkdir(parents=True)
            _git(self.work, "init", "--quiet", "--initial-branch=main")
            _git(self.work, "remote", "add", "origin", str(self.bare))

    def commit(self, files: Mapping[str, str], message: str) -> str:
        """Write the files (path → text), commit, push to the bare repository; returns the commit id."""
        for relative, text in files.items():
            path = self.work / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        _git(self.work, "add", "--all")
        _git(self.work, "commit", "--quiet", "--allow-empty", "-m", message)
        _git(self.work, "push", "--quiet", "origin", "main")
        return _git(self.work, "rev-parse", "HEAD")
