"""Who may act through the UI: the viewer's own token or proxy identity decides (RBAC), read-only mode, CSRF."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp

from reflow.api.annotations import REQUESTED_AT
from reflow.api.meta import Manifest, ObjectRef
from reflow.kube.access import UserInfo, allowed, service_account
from reflow.kube.client import Kube
from reflow.kube.tokenrequest import request_token
from reflow.ui.identity import AuthMode
from tests.controllers.kustomize.sources import KUSTOMIZE
from tests.ui.browser import Page
from tests.ui.conftest import StartUI
from tests.ui.shots import shoot

RBAC = "rbac.authorization.k8s.io/v1"
READ = ["get", "list", "watch"]


def kustomization(name: str, namespace: str, **spec: object) -> Manifest:
    return {
        "apiVersion": KUSTOMIZE,
        "kind": "Kustomization",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"interval": "1h", "prune": True, "sourceRef": {"kind": "GitRepository", "name": "repo"}, **spec},
    }


async def grant(kube: Kube, namespace: str, subject: Manifest, verbs: list[str]) -> None:
    """A Role over Kustomizations and Events with these verbs, bound to the subject."""
    name = f"ui-{subject['name']}"
    await kube.create({
        "apiVersion": RBAC, "kind": "Role", "metadata": {"name": name, "namespace": namespace},
        "rules": [{"apiGroups": ["kustomize.toolkit.fluxcd.io"], "resources": ["kustomizations"], "verbs": verbs},
                  {"apiGroups": [""], "resources": ["events"], "verbs": READ}],
    })  # fmt: skip
    await kube.create({
        "apiVersion": RBAC, "kind": "RoleBinding", "metadata": {"name": name, "namespace": namespace},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": name},
        "subjects": [subject],
    })  # fmt: skip
    await authorized(kube, namespace, subject, verbs[0])


async def authorized(kube: Kube, namespace: str, subject: Manifest, verb: str) -> None:
    """Return once the API server's authorizer, whose cache of RoleBindings lags their writes and cannot be watched,
    lets the subject `verb` Kustomizations in the namespace (asked again until then, for 10 s at most)."""
    who = {
        "ServiceAccount": lambda: service_account(subject.get("namespace", namespace), subject["name"]),
        "Group": lambda: UserInfo("rbac-probe", (subject["name"],)),
        "User": lambda: UserInfo(subject["name"]),
    }[subject["kind"]]()
    group = "kustomize.toolkit.fluxcd.io"
    async with asyncio.timeout(10):
        while not await allowed(kube, who, verb=verb, group=group, resource="kustomizations", namespace=namespace):  # noqa: ASYNC110
            await asyncio.sleep(0.1)


async def requested_at(kube: Kube, namespace: str) -> str | None:
    live = await kube.get(ObjectRef(KUSTOMIZE, "Kustomization", "app", namespace))
    return (live["metadata"].get("annotations") or {}).get(REQUESTED_AT)


async def test_a_viewer_token_without_patch_rights_sees_a_clear_refusal(
    kube: Kube, namespace: str, start_ui: StartUI, browser: Page, tmp_path: Path
) -> None:
    await kube.create(
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "viewer", "namespace": namespace}}
    )
    await grant(kube, namespace, {"kind": "ServiceAccount", "name": "viewer", "namespace": namespace}, READ)
    token = (await request_token(kube, namespace, "viewer", [])).token
    await kube.create(kustomization("app", namespace))
    url = await start_ui(auth=AuthMode.TOKEN)

    async with aiohttp.ClientSession() as session:
        async with session.get(f"{url}api/objects") as anonymous:
            assert anonymous.status == 401
        async with session.get(f"{url}api/events", headers={"Authorization": "Bearer made-up"}) as forged:
            assert forged.status == 401

    await browser.open(f"{url}#/object?kind=Kustomization&namespace={namespace}&name=app",
                       headers={"Authorization": f"Bearer {token}"})  # fmt: skip
    await browser.text("#object-title", f"Kustomization {namespace}/app")
    await browser.click('#actions button[data-action="reconcile"]')
    refusal = await browser.text("#notice", "Not allowed")
    assert f"system:serviceaccount:{namespace}:viewer" in refusal
    assert "cannot patch" in refusal
    await shoot(browser, tmp_path, "refusal")
    assert await requested_at(kube, namespace) is None


async def test_proxy_identity_is_impersonated_so_rbac_decides(
    kube: Kube, namespace: str, start_ui: StartUI, browser: Page
) -> None:
    await grant(kube, namespace, {"kind": "User", "name": "alice", "apiGroup": "rbac.authorization.k8s.io"},
                [*READ, "patch"])  # fmt: skip
    await kube.create(kustomization("app", namespace))
    url = await start_ui(auth=AuthMode.PROXY)
    page = f"{url}#/object?kind=Kustomization&namespace={namespace}&name=app"

    await browser.open(page, headers={"X-Remote-User": "bob", "X-Remote-Group": "staff"})
    await browser.text("#object-error", "refused by the cluster")  # bob may not even read it

    await browser.open(page, headers={"X-Remote-User": "alice", "X-Remote-Group": "staff"})
    await browser.click('#actions button[data-action="reconcile"]')
    await browser.text("#notice", "reconcile requested for Kustomization app")
    assert await requested_at(kube, namespace) is not None


async def test_read_only_shows_no_actions_and_refuses_them(
    kube: Kube, namespace: str, start_ui: StartUI, browser: Page
) -> None:
    await kube.create(kustomization("app", namespace))
    url = await start_ui(read_only=True)
    await browser.open(f"{url}#/object?kind=Kustomization&namespace={namespace}&name=app")
    await browser.text("#object-title", f"Kustomization {namespace}/app")
    await browser.text("#yaml pre", "sourceRef")
    assert await browser.count("#actions button") == 0
    token = await browser.run('return document.querySelector("meta[name=csrf-token]").content')
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"{url}api/actions/reconcile?kind=Kustomization&namespace={namespace}&name=app",
            headers={"X-CSRF-Token": token},
        ) as answer,  # fmt: skip
    ):
        assert answer.status == 403
    assert await requested_at(kube, namespace) is None


async def test_actions_need_the_pages_csrf_token_and_origin(
    kube: Kube, namespace: str, start_ui: StartUI, browser: Page
) -> None:
    await kube.create(kustomization("app", namespace))
    url = await start_ui()
    await browser.open(url)
    token = await browser.run('return document.querySelector("meta[name=csrf-token]").content')
    action = f"{url}api/actions/reconcile?kind=Kustomization&namespace={namespace}&name=app"
    async with aiohttp.ClientSession() as session:
        for headers in ({}, {"X-CSRF-Token": "guess"}, {"X-CSRF-Token": token, "Origin": "http://evil.example"}):
            async with session.post(action, headers=headers) as answer:
                assert answer.status == 403, headers
        assert await requested_at(kube, namespace) is None
        async with session.get(action) as answer:
            assert answer.status == 405
        async with session.post(action, headers={"X-CSRF-Token": token}) as answer:
            assert answer.status == 200
    assert await requested_at(kube, namespace) is not None
