"""`reflow demo --once` end to end, as a user runs it: a plane of its own, a commit applied, nothing left behind."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"
PLANE_PROCESSES = ("kwokctl", "etcd", "kube-apiserver")


def reflow(*args: str, env: dict[str, str], timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reflow", *args], env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


@pytest.fixture
def demo_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    """This checkout's reflow, with its user plane and temporary files under tmp_path, apart from the developer's."""
    (tmp_path / "tmp").mkdir()
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(SRC), os.environ.get("PYTHONPATH")])),
        "REFLOW_STATE_DIR": str(tmp_path / "state"),
        "TMPDIR": str(tmp_path / "tmp"),
        "COLUMNS": "200",
    }
    yield env
    reflow("dev", "down", env=env, timeout=120)  # only does something when the demo failed to clean up


def plane_processes(state: Path) -> list[str]:
    """kwokctl, etcd and kube-apiserver processes started for planes under `state`."""
    listing = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True, check=True).stdout
    return [
        line for line in listing.splitlines() if str(state) in line and Path(line.split()[0]).name in PLANE_PROCESSES
    ]


def test_demo_once_applies_a_commit_then_leaves_no_process_and_no_state(
    demo_env: dict[str, str], tmp_path: Path
) -> None:
    # Each wait of the demo ends well inside pytest's limit, so a stuck demo fails with its own message.
    result = reflow("demo", "--once", "--timeout", "90s", env=demo_env, timeout=280)

    assert result.returncode == 0, result.stderr
    tree = "\n".join(
        [
            "Kustomization/flux-system/greeter",
            "├── Namespace/greeter",
            "├── ConfigMap/greeter/greeter-config",
            "├── Service/greeter/greeter",
            "└── Deployment/greeter/greeter",
        ]
    )
    assert tree in result.stdout
    assert re.search(r"commit [0-9a-f]{7} → applied in \d+\.\d s", result.stdout), result.stdout
    assert "Deployment/greeter/greeter Available" in result.stderr
    assert "plane reflow removed" in result.stderr

    state = Path(demo_env["REFLOW_STATE_DIR"])
    assert plane_processes(state) == []
    assert not (state / "kwok" / "clusters" / "reflow").exists()
    assert list((tmp_path / "tmp").glob("reflow-demo-*")) == []
