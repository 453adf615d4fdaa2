"""The kustomize controller's multi-tenancy lockdown flags: `--no-cross-namespace-refs` and
`--default-service-account`."""

from __future__ import annotations

from reflow.api.conditions import condition
from reflow.kube.client import Kube
from tests.controllers.kustomize.sources import MakeSource, failing
from tests.controllers.kustomize.test_apply import config_map
from tests.managers import StartControllers


async def test_a_source_in_another_namespace_is_refused_under_no_cross_namespace_refs(
    kube: Kube, namespace: str, start_controllers: StartControllers, git_source: MakeSource
) -> None:
    source, _ = await git_source({"cm.yaml": config_map("fine", namespace, a="1")})
    await start_controllers("kustomize", controller_options={"no_cross_namespace_refs": True})
    theirs = {"kind": "GitRepository", "name": source.name, "namespace": "someone-else"}
    await kube.create(source.kustomization("borrowed", sourceRef=theirs))
    refused = await source.until("borrowed", failing("AccessDenied"))
    message = condition(refused, "Ready")["message"]  # type: ignore[index]
    assert "cross-namespace references are disabled" in message
    assert condition(refused, "Stalled")["status"] == "True"  # type: ignore[index]


async def test_a_kustomization_without_a_service_account_applies_as_the_default_one(
    kube: Kube, namespace: str, start_controllers: StartControllers, git_source: MakeSource
) -> None:
    source, _ = await git_source({"cm.yaml": config_map("fine", namespace, a="1")})
    await start_controllers("source", "kustomize", controller_options={"default_service_account": "nobody"})
    await kube.create(source.kustomization("unnamed"))
    denied = await source.until("unnamed", failing("ReconciliationFailed"))
    message = condition(denied, "Ready")["message"]  # type: ignore[index]
    assert f"system:serviceaccount:{namespace}:nobody" in message
    assert "forbidden" in message.lower()
