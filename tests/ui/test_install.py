"""The UI as `reflow install --components-extra=ui` ships it: its own account only reads, viewers act as themselves."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import replace

import aiohttp
import pytest

from reflow.api.annotations import REQUESTED_AT
from reflow.api.meta import ObjectRef
from reflow.engines.install import InstallOptions, install_manifests
from reflow.kube.access import denied_verbs, service_account_user
from reflow.kube.client import Kube, connect
from reflow.kube.errors import NotFound
from reflow.kube.tokenrequest import request_token
from reflow.ui.identity import AuthMode
from reflow.ui.server import Settings, running
from tests.ui.test_access import READ, grant, kustomization

KUSTOMIZE = "kustomize.toolkit.fluxcd.io/v1"


@pytest.fixture
async def installed(kube: Kube, namespace: str, flux_crds: list[object]) -> AsyncIterator[None]:
    """The UI component's objects applied for real in the test namespace; cluster-wide ones removed afterwards."""
    manifests = install_manifests(InstallOptions(components=("ui",), namespace=namespace))
    for manifest in manifests:
        await kube.apply(manifest, field_manager="reflow", force=True)
    yield
    for manifest in manifests:
        if manifest["kind"] in ("ClusterRole", "ClusterRoleBinding"):
            with contextlib.suppress(NotFound):
                await kube.delete(ObjectRef.of(manifest))


async def test_installed_ui_account_reads_only_and_a_viewer_acts_with_their_own_rights(
    kube: Kube, namespace: str, installed: None
) -> None:
    account = service_account_user(namespace, "ui")
    verbs = ["get", "list", "watch", "patch", "update", "delete"]
    for group, resource in (("kustomize", "kustomizations"), ("source", "gitrepositories")):
        group = f"{group}.toolkit.fluxcd.io"
        denied = await denied_verbs(kube, account, namespace=namespace, group=group, resource=resource, verbs=verbs)
        assert denied == ["patch", "update", "delete"]
    assert await denied_verbs(
        kube, account, namespace=namespace, group="", resource="users", verbs=["impersonate"]
    ) == ["impersonate"]
    for group, resource in (
        ("authentication.k8s.io", "tokenreviews"),
        ("authorization.k8s.io", "subjectaccessreviews"),
    ):
        assert await denied_verbs(kube, account, namespace="", group=group, resource=resource, verbs=["create"]) == []
    assert await denied_verbs(kube, account, namespace=namespace, group="", resource="secrets", verbs=["get"]) == [
        "get"
    ]

    await kube.create(kustomization("app", namespace))
    await kube.create(
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "dev", "namespace": namespace}}
    )
    await grant(kube, namespace, {"kind": "ServiceAccount", "name": "dev", "namespace": namespace}, [*READ, "patch"])
    own = (await request_token(kube, namespace, "ui", [])).token
    dev = (await request_token(kube, namespace, "dev", [])).token
    async with (
        connect(replace(kube.options, token=own)) as as_ui,
        running(as_ui, Settings(auth=AuthMode.TOKEN), address="127.0.0.1:0", namespace=None) as port,
        aiohttp.ClientSession(headers={"Authorization": f"Bearer {dev}"}) as session,
    ):
        url = f"http://127.0.0.1:{port}/"
        async with session.get(f"{url}api/objects") as answer:
            ids = [row["id"] for row in (await answer.json())["rows"]]
        assert f"Kustomization/{namespace}/app" in ids
        async with session.get(url) as page:
            csrf = (await page.text()).split('name="csrf-token" content="')[1].split('"')[0]
        action = f"{url}api/actions/reconcile?kind=Kustomization&namespace={namespace}&name=app"
        async with session.post(action, headers={"X-CSRF-Token": csrf}) as answer:
            assert answer.status == 200, await answer.text()
    live = await kube.get(ObjectRef(KUSTOMIZE, "Kustomization", "app", namespace))
    assert REQUESTED_AT in live["metadata"]["annotations"]


async def test_a_ui_account_that_may_not_list_some_kinds_still_serves_the_ones_it_may(
    kube: Kube, namespace: str, flux_crds: list[object]
) -> None:
    await kube.create(kustomization("app", namespace))
    await kube.create(
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "narrow", "namespace": namespace}}
    )
    await grant(kube, namespace, {"kind": "ServiceAccount", "name": "narrow", "namespace": namespace}, READ)
    token = (await request_token(kube, namespace, "narrow", [])).token
    async with (
        asyncio.timeout(60),  # before the fix, the forbidden kinds' informers never synced and this hung
        connect(replace(kube.options, token=token)) as narrow,
        running(narrow, Settings(), address="127.0.0.1:0", namespace=namespace) as port,
        aiohttp.ClientSession() as session,
        session.get(f"http://127.0.0.1:{port}/api/objects") as answer,
    ):
        ids = [row["id"] for row in (await answer.json())["rows"]]
    assert ids == [f"Kustomization/{namespace}/app"]
