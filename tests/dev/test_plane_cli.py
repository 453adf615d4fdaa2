"""`reflow dev up | status | down` on a plane of their own: reuse, restart, clean removal, clear errors."""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from reflow.dev.plane import LocalPlane, PlaneState


def reflow(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reflow", *args], env=env, capture_output=True, text=True, timeout=300, check=False
    )


@pytest.fixture
def user_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    """An environment whose user plane lives in a temporary state folder, apart from the developer's own."""
    env = {**os.environ, "REFLOW_STATE_DIR": str(tmp_path / "state"), "COLUMNS": "200"}
    yield env
    reflow("dev", "down", env=env)


def processes_of(plane_dir: Path) -> list[str]:
    listing = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True, check=True).stdout
    return [line for line in listing.splitlines() if str(plane_dir) in line]


def test_up_twice_reuses_the_plane_and_down_leaves_nothing(user_env: dict[str, str], tmp_path: Path) -> None:
    first = reflow("dev", "up", "--kubeconfig-out", str(tmp_path / "kc"), env=user_env)
    assert first.returncode == 0, first.stderr
    assert "ready in" in first.stderr
    assert (tmp_path / "kc").read_text().count("server: https://127.0.0.1:") == 1
    assert stat.S_IMODE((tmp_path / "kc").stat().st_mode) == 0o600

    second = reflow("dev", "up", env=user_env)
    assert second.returncode == 0, second.stderr
    assert "reused" in second.stderr

    status = reflow("dev", "status", env=user_env)
    assert "state: running" in status.stdout
    nodes = subprocess.run(
        [
            str(Path(sys.executable).parent / "kubectl"),
            "--kubeconfig",
            str(tmp_path / "kc"),
            "get",
            "nodes",
            "-o",
            "name",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert nodes.stdout.split() == ["node/node-000000"]

    down = reflow("dev", "down", env=user_env)
    assert down.returncode == 0, down.stderr
    state = Path(user_env["REFLOW_STATE_DIR"])
    assert list((state / "kwok" / "clusters").iterdir()) == []
    assert processes_of(state) == []
    assert "state: absent" in reflow("dev", "status", env=user_env).stdout


def test_up_restarts_a_stopped_plane_with_its_objects(tmp_path: Path) -> None:
    plane = LocalPlane.for_tests(tmp_path / "kwok", purpose="restart")
    try:
        plane.up()
        created = plane.kubectl("create", "configmap", "kept", "--from-literal=a=1")
        assert created.returncode == 0, created.stderr
        plane.stop()
        assert plane.status().state is PlaneState.STOPPED

        restarted = plane.up()
        assert restarted.state is PlaneState.RUNNING
        kept = plane.kubectl("get", "configmap", "kept", "-o", "jsonpath={.data.a}")
        assert kept.stdout == "1"
    finally:
        plane.down()
    assert plane.status().state is PlaneState.ABSENT


def test_up_without_built_tools_says_to_run_dev_tools(user_env: dict[str, str], tmp_path: Path) -> None:
    result = reflow("dev", "up", env={**user_env, "REFLOW_CACHE_DIR": str(tmp_path / "empty-cache")})
    assert result.returncode == 1
    assert "run `reflow dev tools` first" in result.stderr
    assert not (Path(user_env["REFLOW_STATE_DIR"]) / "kwok" / "clusters").exists()


def test_up_on_a_taken_port_names_the_port(user_env: dict[str, str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = reflow("dev", "up", "--port", str(port), env=user_env)
    assert result.returncode == 1
    assert f"port {port} is already in use" in result.stderr
    assert not list((Path(user_env["REFLOW_STATE_DIR"]) / "kwok" / "clusters").glob("*"))


def test_tools_plane_only_checks_just_the_plane_components(user_env: dict[str, str]) -> None:
    result = reflow("dev", "tools", "--plane-only", env=user_env)

    assert result.returncode == 0, result.stderr
    for name in ("etcd", "kubernetes", "kwok"):
        assert f"{name} v" in result.stderr
    assert "helm" not in result.stderr
    assert "cosign" not in result.stderr
