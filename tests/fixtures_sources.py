"""Source fixtures for consumer tests: a git repository served over HTTP with a GitRepository pointing at it."""

from __future__ import annotations

import base64
from collections.abc import Callable

import pytest

from reflow.kube.client import Kube
from tests.controllers.kustomize.sources import SOURCE, GitSource, MakeSource
from tests.fixtures_git import GIT_USERNAME
from tests.gitservers import GitHttpServer, Repo


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
