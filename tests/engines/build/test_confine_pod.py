"""The escape tests again, under the controller Pod's restrictions: uid 65534, no capabilities, no user namespaces.

bubblewrap cannot start there, so the builder must pick Landlock by itself and still refuse every
hostile tree; `pod_escapes.py` runs them in a child process started by `podlike.py`.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.engines.build.hostile import CASES

HERE = Path(__file__).parent
REPOSITORY = HERE.parents[2]


@pytest.fixture(scope="module")
def report() -> dict[str, Any]:
    """What the child saw and did, as JSON."""
    command = [
        sys.executable,
        str(HERE / "podlike.py"),
        "--expose",
        os.path.realpath(sys.executable),
        "--",
        sys.executable,
        "-m",
        "tests.engines.build.pod_escapes",
    ]
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": "/tmp", "PYTHONDONTWRITEBYTECODE": "1"}

    async def run() -> tuple[int | None, bytes, bytes]:
        process = await asyncio.create_subprocess_exec(
            *command, cwd=REPOSITORY, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
        )
        async with asyncio.timeout(300):
            stdout, stderr = await process.communicate()
        return process.returncode, stdout, stderr

    code, stdout, stderr = asyncio.run(run())
    assert code == 0, stderr.decode()
    result: dict[str, Any] = json.loads(stdout)
    return result


def test_child_runs_as_the_pod_does_where_bubblewrap_cannot_start(report: dict[str, Any]) -> None:
    assert report["uid"] == 65534
    assert report["unshare_user_exit"] != 0, "user namespaces are still allowed: the harness did not block them"
    assert report["sandbox"] == "landlock"


@pytest.mark.parametrize("case", [pytest.param(case, id=case.id) for case in CASES])
def test_hostile_tree_is_refused_under_pod_restrictions(report: dict[str, Any], case: Any) -> None:
    outcome = report["cases"][case.id]
    assert outcome["error"] == case.error, outcome
    assert re.search(case.match, outcome["message"]), outcome["message"]
    assert outcome["spawned"] == 0, "kustomize ran although the build was refused"


@pytest.mark.parametrize("case", ["sandbox-hides-host-files", "sandbox-hides-plugin-files", "sandbox-has-no-network"])
def test_landlock_alone_stops_kustomize_under_pod_restrictions(report: dict[str, Any], case: str) -> None:
    outcome = report["cases"][case]
    assert outcome["error"] == "KustomizeFailed"
    assert "permission denied" in outcome["message"]


def test_benign_overlay_builds_under_pod_restrictions(report: dict[str, Any]) -> None:
    assert report["podinfo_objects"] == 10
