"""`reflow delete` (confirmation, --silent) and `reflow export` (clean YAML, golden files of reflow's own)."""

from __future__ import annotations

import pytest

from reflow.api.meta import ObjectRef
from reflow.kube.client import Kube
from reflow.kube.errors import NotFound
from tests.cli.objects import ObjectFactory, artifact, git_repository, kustomization, ready_condition
from tests.cli.runner import TESTDATA, Reflow

GIT = ("source.toolkit.fluxcd.io/v1", "GitRepository")


async def test_delete_silent_removes_the_object(
    reflow: Reflow, make: ObjectFactory, kube: Kube, namespace: str
) -> None:
    await make(git_repository("podinfo"))
    result = await reflow("delete", "source", "git", "podinfo", "--silent")
    assert result.code == 0, result.stderr
    assert "GitRepository deleted" in result.stderr
    with pytest.raises(NotFound):
        await kube.get(ObjectRef(*GIT, "podinfo", namespace))


async def test_delete_asks_first_and_keeps_the_object_on_no(
    reflow: Reflow, make: ObjectFactory, kube: Kube, namespace: str
) -> None:
    await make(kustomization("apps"))
    result = await reflow("delete", "ks", "apps", stdin="n\n")
    assert result.code == 1
    assert "Are you sure you want to delete Kustomization apps" in result.stderr
    assert "deletion aborted" in result.stderr
    await kube.get(ObjectRef("kustomize.toolkit.fluxcd.io/v1", "Kustomization", "apps", namespace))
    result = await reflow("delete", "ks", "apps", stdin="y\n")
    assert result.code == 0, result.stderr


async def test_delete_of_an_unknown_object_exits_1(reflow: Reflow, crds: None) -> None:
    result = await reflow("delete", "source", "git", "ghost", "--silent")
    assert result.code == 1
    assert '"ghost" not found' in result.stderr


async def test_export_all_drops_status_and_server_metadata(reflow: Reflow, make: ObjectFactory, namespace: str) -> None:
    repo = git_repository("podinfo")
    repo["metadata"]["labels"] = {"team": "web"}
    repo["metadata"]["annotations"] = {"kubectl.kubernetes.io/last-applied-configuration": "{}", "owner": "me"}
    await make(repo, {"conditions": [ready_condition()], "artifact": artifact("main@sha1:1")})
    await make(git_repository("another", url="https://example.invalid/another"))
    result = await reflow("export", "source", "git", "--all")
    assert result.code == 0, result.stderr
    expected = (TESTDATA / "export" / "source-git-all.yaml").read_text().replace("{{ns}}", namespace)
    assert result.stdout == expected


async def test_export_kustomization_by_name(reflow: Reflow, make: ObjectFactory, namespace: str) -> None:
    await make(kustomization("apps", path="./apps"), {"conditions": [ready_condition()]})
    result = await reflow("export", "kustomization", "apps")
    assert result.code == 0, result.stderr
    expected = (TESTDATA / "export" / "kustomization.yaml").read_text().replace("{{ns}}", namespace)
    assert result.stdout == expected


async def test_export_needs_a_name_or_all(reflow: Reflow) -> None:
    result = await reflow("export", "ks")
    assert result.code == 2
