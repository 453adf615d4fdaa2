"""A controller process killed (SIGKILL) halfway through applying 500 objects: a new one converges exactly."""

from __future__ import annotations

import signal
from collections.abc import Callable
from pathlib import Path

import pytest

from reflow.api.annotations import REQUESTED_AT
from reflow.api.meta import ObjectRef
from reflow.kube.client import Kube
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


async def test_a_new_process_finishes_a_killed_apply_without_recreating_or_pruning_what_stays(
    kube: Kube, kubeconfig: Path, namespace: str, flux_crds: list[object], git_http: GitHttpServer,
    make_repo: Callable[[], Repo], tmp_path: Path,
) -> None:  # fmt: skip
    repo = make_repo()
    first = f"main@sha1:{repo.commit({'deploy/cms.yaml': config_maps(namespace, OBJECTS // 2, 'one')}, 'half')}"
    ks = await sync_from_git(kube, namespace, git_http, repo)

    async with controllers(kubeconfig, namespace, tmp_path / "first") as process:
        await wait_for(kube, ks, applied(first), timeout=120, what="applied")
        second = f"main@sha1:{repo.commit({'deploy/cms.yaml': config_maps(namespace, OBJECTS, 'two')}, 'all')}"
        source = ObjectRef(SOURCE, "GitRepository", "app", namespace)
        await kube.patch(source, {"metadata": {"annotations": {REQUESTED_AT: "second"}}})

        await wait_for_items(kube, "v1", "ConfigMap", namespace, halfway, timeout=120, what="halfway applied")
        process.send_signal(signal.SIGKILL)
        await process.wait()
    before = await owned(kube, namespace)
    done_before = sum(item["data"]["version"] == "two" for item in before.values())
    assert done_before < OBJECTS, "the apply finished before the kill: nothing was interrupted"

    async with controllers(kubeconfig, namespace, tmp_path / "second"):
        done = await wait_for(kube, ks, applied(second), timeout=180, what="applied after the restart")
    assert done is not None

    converged(await owned(kube, namespace), before, done, namespace)
