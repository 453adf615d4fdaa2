"""The Debian package check behind `make test` and `make demo`: without root it stops with the install line."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "system-packages.sh"
NOBODY = 65534


@pytest.fixture
def path_without_bwrap() -> Iterator[str]:
    """A PATH folder, readable by any user, holding every program of /usr/bin except bwrap."""
    folder = Path(tempfile.mkdtemp(prefix="reflow-path-"))
    folder.chmod(0o755)
    for program in Path("/usr/bin").iterdir():
        if program.name != "bwrap":
            (folder / program.name).symlink_to(program)
    yield str(folder)
    shutil.rmtree(folder)


def check_unprivileged(purpose: str, path: str) -> subprocess.CompletedProcess[str]:
    """Run the check as an unprivileged user with only `path`; the script comes on stdin, so any user can read it."""
    command = ["/bin/bash", "-s", purpose]
    if os.geteuid() == 0:
        command = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", *command]
    with SCRIPT.open("rb") as script:
        return subprocess.run(
            command, stdin=script, env={"PATH": path}, capture_output=True, text=True, timeout=30, check=False
        )


def test_test_check_without_root_stops_with_the_exact_install_command(path_without_bwrap: str) -> None:
    result = check_unprivileged("test", path_without_bwrap)
    assert result.returncode == 1
    assert "`make test` needs Debian packages that are not installed: bubblewrap\n" in result.stderr
    assert result.stderr.splitlines()[-1].strip() == "sudo apt-get install -y bubblewrap"


def test_demo_check_passes_without_bubblewrap(path_without_bwrap: str) -> None:
    result = check_unprivileged("demo", path_without_bwrap)
    assert (result.returncode, result.stderr) == (0, "")


def test_check_passes_silently_when_every_package_is_installed() -> None:
    result = subprocess.run(["bash", str(SCRIPT), "test"], capture_output=True, text=True, timeout=30, check=False)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
