"""A git repository and the GitRepository that follows it, for Kustomization tests, and the checks they wait on."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from reflow.api.annotations import REQUESTED_AT
from reflow.api.conditions import condition
from reflow.api.meta import Manifest, ObjectRef
from reflow.kube.client import Kube
from reflow.kube.wait import wait_for
from tests.gitservers import Repo

SOURCE = "source.toolkit.fluxcd.io/v1"
KUSTOMIZE = "kustomize.toolkit.fluxcd.io/v1"


def ready_for(revision: str) -> Callable[[Manifest | None], bool]:
    """Ready=True having applied this revision."""

    def check(obj: Manifest | None) -> bool:
        found = condition(obj, "Ready")
        return found is not None and found["status"] == "True" and found["message"] == f"Applied revision: {revision}"

    return check


def failing(reason: str) -> Callable[[Manifest | None], bool]:
    """Ready=False for this reason."""

    def check(obj: Manifest | None) -> bool:
        found = condition(obj, "Ready")
        return found is not None and found["status"] == "False" and found["reason"] == reason

    return check


@dataclass(slots=True)
class GitSource:
    """A repository, the GitRepository that follows its main branch, and ways to move it."""

    kube: Kube
    namespace: str
    repo: Repo
    name: str = "app"

    def commit(self, files: dict[str, str | None], message: str) -> str:
        return f"main@sha1:{self.repo.commit(files, message)}"

    async def refresh(self, token: str) -> None:
        """What a Receiver does on a push: ask the GitRepository to look at the remote now."""
        ref = ObjectRef(SOURCE, "GitRepository", self.name, self.namespace)
        await self.kube.patch(ref, {"metadata": {"annotations": {REQUESTED_AT: token}}})

    def kustomization(self, name: str, **spec: object) -> Manifest:
        return {
            "apiVersion": KUSTOMIZE,
            "kind": "Kustomization",
            "metadata": {"name": name, "namespace": self.namespace},
            "spec": {
                "interval": "1h",
                "prune": True,
                "sourceRef": {"kind": "GitRepository", "name": self.name},
                **spec,
            },
        }

    async def until(self, name: str, check: Callable[[Manifest | None], bool], timeout: float = 60) -> Manifest:
        ref = ObjectRef(KUSTOMIZE, "Kustomization", name, self.namespace)
        obj = await wait_for(self.kube, ref, check, timeout=timeout, what="as expected")
        assert obj is not None
        return obj


MakeSource = Callable[[dict[str, str]], Awaitable[tuple[GitSource, str]]]
