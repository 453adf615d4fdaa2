"""Leader failover under load: the leader is killed mid-apply, the standby takes over, never two writers at once."""

from __future__ import annotations

import asyncio
import json
import signal
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from reflow.api.annotations import REQUESTED_AT
from reflow.api.meta import Manifest, ObjectRef
from reflow.dev.plane import LocalPlane
from reflow.kube.client import Kube
from reflow.kube.tokenrequest import request_token
from reflow.kube.wait import wait_for, wait_for_items
from tests.faults.controllers import (
    OBJECTS,
    SOURCE,
    applied,
    config_maps,
    controllers,
    converged,
    halfway,
    owned,
    sync_from_git,
)
from tests.gitservers import GitHttpServer, Repo

pytestmark = pytest.mark.faults

LEASE = ("--enable-leader-election", "--leader-election-lease-duration=6s", "--leader-election-renew-deadline=4s",
         "--leader-election-retry-period=1s")  # fmt: skip
WRITES = frozenset({"create", "update", "patch", "delete"})


async def identity(kube: Kube, kubeconfig: Path, namespace: str, name: str, folder: Path) -> Path:
    """A kubeconfig acting as ServiceAccount `name`, allowed everything in `namespace` (its own audit identity)."""
    await kube.create(
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": name, "namespace": namespace}}
    )
    await kube.create({
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
        "metadata": {"name": name, "namespace": namespace},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"},
        "subjects": [{"kind": "ServiceAccount", "name": name, "namespace": namespace}],
    })  # fmt: skip
    token = await request_token(kube, namespace, name, [])
    return await asyncio.to_thread(write_kubeconfig, kubeconfig, name, namespace, token.token, folder)


def write_kubeconfig(admin_file: Path, name: str, namespace: str, token: str, folder: Path) -> Path:
    """The admin kubeconfig's cluster with a token user, in a file of its own (0600)."""
    admin = yaml.safe_load(admin_file.read_text())
    cluster = admin["clusters"][0]
    config = {
        "apiVersion": "v1", "kind": "Config", "clusters": [cluster], "current-context": name,
        "contexts": [{"name": name, "context": {"cluster": cluster["name"], "user": name, "namespace": namespace}}],
        "users": [{"name": name, "user": {"token": token}}],
    }  # fmt: skip
    path = folder / f"{name}.kubeconfig"
    path.write_text(yaml.safe_dump(config))
    path.chmod(0o600)
    return path


def config_map_writes(plane: LocalPlane, namespace: str, user: str, since: str) -> list[Manifest]:
    """The non-dry-run ConfigMap writes a user made in the namespace from `since` (RFC 3339), from the audit log."""
    events = [json.loads(line) for line in plane.audit_log.read_text().splitlines() if line.strip()]
    return [
        event for event in events
        if event.get("stage") == "ResponseComplete" and event.get("verb") in WRITES
        and (event.get("user") or {}).get("username") == user
        and (event.get("objectRef") or {}).get("resource") == "configmaps"
        and (event.get("objectRef") or {}).get("namespace") == namespace
        and "dryRun" not in event.get("requestURI", "")
        and event.get("requestReceivedTimestamp", "") >= since
    ]  # fmt: skip


async def second_apply_writes(plane: LocalPlane, namespace: str, since: str) -> tuple[list[Manifest], list[Manifest]]:
    """The leader's and the standby's writes of the second apply, once the audit log holds one for every object.

    The API server writes its audit log on its own schedule, so the test waits (with a deadline) until the
    two identities' writes name all the objects; a request the killed leader sent still completes at the
    server, so the leader may have written them all and the standby none.
    """
    wanted = {f"cm-{i}" for i in range(OBJECTS)}
    async with asyncio.timeout(60):
        while True:
            by_leader, by_standby = (
                config_map_writes(plane, namespace, f"system:serviceaccount:{namespace}:{who}", since)
                for who in ("leader", "standby")
            )
            if wanted <= {event["objectRef"]["name"] for event in [*by_leader, *by_standby]}:
                return by_leader, by_standby
            await asyncio.sleep(0.5)  # a file, not an API: nothing to watch


async def test_the_standby_finishes_after_the_leader_is_killed_and_their_writes_never_overlap(
    kube: Kube, kubeconfig: Path, plane: LocalPlane, namespace: str, flux_crds: list[object],
    git_http: GitHttpServer, make_repo: Callable[[], Repo], tmp_path: Path,
) -> None:  # fmt: skip
    repo = make_repo()
    first = f"main@sha1:{repo.commit({'deploy/cms.yaml': config_maps(namespace, OBJECTS // 2, 'one')}, 'half')}"
    ks = await sync_from_git(kube, namespace, git_http, repo)
    leader_config = await identity(kube, kubeconfig, namespace, "leader", tmp_path)
    standby_config = await identity(kube, kubeconfig, namespace, "standby", tmp_path)
    lease = ObjectRef("coordination.k8s.io/v1", "Lease", "kustomize-controller-leader-election", namespace)

    async with controllers(leader_config, namespace, tmp_path / "leader", *LEASE) as leader:
        await wait_for(kube, ks, applied(first), timeout=120, what="applied by the leader")
        async with controllers(standby_config, namespace, tmp_path / "standby", *LEASE):
            second = f"main@sha1:{repo.commit({'deploy/cms.yaml': config_maps(namespace, OBJECTS, 'two')}, 'all')}"
            since = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            await kube.patch(ObjectRef(SOURCE, "GitRepository", "app", namespace),
                             {"metadata": {"annotations": {REQUESTED_AT: "second"}}})  # fmt: skip
            await wait_for_items(kube, "v1", "ConfigMap", namespace, halfway, timeout=120, what="halfway applied")
            leader.send_signal(signal.SIGKILL)
            await leader.wait()
            before = await owned(kube, namespace)
            assert sum(item["data"]["version"] == "two" for item in before.values()) < OBJECTS
            done = await wait_for(kube, ks, applied(second), timeout=180, what="applied by the standby")
            assert done is not None
            holder = (await kube.get(lease))["spec"]["holderIdentity"]

    converged(await owned(kube, namespace), before, done, namespace)
    assert holder != ""
    by_leader, by_standby = await second_apply_writes(plane, namespace, since)
    assert by_leader
    if by_standby:  # never two writers at once: every write of the standby starts after the leader's last ended
        assert max(e["stageTimestamp"] for e in by_leader) < min(e["requestReceivedTimestamp"] for e in by_standby)
    else:  # the leader's last requests completed at the server after the kill: then it wrote every object
        assert {e["objectRef"]["name"] for e in by_leader} == {f"cm-{i}" for i in range(OBJECTS)}
