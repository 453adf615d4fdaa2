"""Local planes: two created at once both come up on their own ports; `down()` returns once no process is left."""

from __future__ import annotations

import base64
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from reflow.dev.plane import LocalPlane, PlaneState

COMPONENTS = {"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok-controller"}


def recorded_pids(plane: LocalPlane) -> dict[str, int]:
    """The pid of each component, from the pid files kwokctl's binary runtime keeps in the cluster folder."""
    return {path.stem: int(path.read_text()) for path in (plane.cluster_dir / "pids").glob("*.pid")}


def in_process_table(pid: int) -> bool:
    """Running, or exited but not yet reaped: either way `ps` still lists it."""
    return Path(f"/proc/{pid}").exists()


def test_down_returns_once_no_process_of_the_plane_is_left(tmp_path: Path) -> None:
    plane = LocalPlane.for_tests(tmp_path / "kwok", purpose="down")
    try:
        plane.up()
        pids = recorded_pids(plane)
        assert set(pids) == COMPONENTS
        assert all(in_process_table(pid) for pid in pids.values())
    finally:
        removed = plane.down()
    assert removed
    assert {name: pid for name, pid in pids.items() if in_process_table(pid)} == {}
    assert plane.status().state is PlaneState.ABSENT
    assert not plane.cluster_dir.exists()


def test_two_planes_created_at_once_both_come_up_on_their_own_ports(tmp_path: Path) -> None:
    planes = [LocalPlane.for_tests(tmp_path / f"kwok-{index}", purpose="twin") for index in range(2)]
    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            statuses = list(pool.map(lambda plane: plane.up(), planes))
        assert [status.state for status in statuses] == [PlaneState.RUNNING, PlaneState.RUNNING]
        assert statuses[0].server != statuses[1].server
        nodes = [plane.kubectl("get", "nodes", "-o", "name") for plane in planes]
        assert [result.stdout.split() for result in nodes] == [["node/node-000000"]] * 2
    finally:
        for plane in planes:
            plane.down()


def test_kube_apiserver_flags_are_added_or_replace_kwokctls(tmp_path: Path) -> None:
    plane = LocalPlane.for_tests(tmp_path / "kwok", purpose="flags")
    issuer = "https://issuer.reflow.invalid"
    try:
        plane.up(apiserver_flags={"service-account-max-token-expiration": "2h"},
                 apiserver_overrides={"service-account-issuer": issuer})  # fmt: skip
        discovery = json.loads(plane.kubectl("get", "--raw", "/.well-known/openid-configuration").stdout)
        assert discovery["issuer"] == issuer
        assert plane.kubectl("create", "serviceaccount", "probe").returncode == 0
        token = plane.kubectl("create", "token", "probe", "--duration=5h")
        assert token.returncode == 0, token.stderr
        payload = token.stdout.strip().split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        assert claims["exp"] - claims["iat"] == 2 * 3600
    finally:
        plane.down()
    assert list(plane.workdir.glob("*.yaml")) == []
