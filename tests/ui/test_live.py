"""The UI against real controllers in a real Chromium: live status, the inventory tree, trace, reconcile, suspend."""

from __future__ import annotations

from pathlib import Path

from reflow.api.annotations import REQUESTED_AT
from reflow.api.meta import Manifest, ObjectRef
from reflow.kube.client import Kube
from reflow.kube.wait import wait_for
from tests.controllers.kustomize.sources import KUSTOMIZE, SOURCE, MakeSource, ready_for
from tests.managers import StartControllers
from tests.ui.browser import Page
from tests.ui.conftest import StartUI
from tests.ui.shots import shoot

HELLO = "aGVsbG8="  # base64 of "hello"
WORLD = "d29ybGQ="


def revision(obj: Manifest | None) -> str | None:
    return ((obj or {}).get("status", {}).get("artifact") or {}).get("revision")


def config_map(name: str, namespace: str, color: str) -> str:
    metadata = f"metadata:\n  name: {name}\n  namespace: {namespace}\n"
    return f"apiVersion: v1\nkind: ConfigMap\n{metadata}data:\n  color: {color}\n"


def secret(namespace: str, value: str) -> str:
    return (
        f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: token\n  namespace: {namespace}\ndata:\n  token: {value}\n"
    )


def suspend(obj: Manifest | None) -> object:
    return (obj or {}).get("spec", {}).get("suspend")


def annotation(obj: Manifest | None) -> str | None:
    return ((obj or {}).get("metadata", {}).get("annotations") or {}).get(REQUESTED_AT)


async def test_kustomization_turns_ready_live_and_the_page_drives_it(
    kube: Kube,
    namespace: str,
    start_controllers: StartControllers,
    git_source: MakeSource,
    start_ui: StartUI,
    browser: Page,
    tmp_path: Path,
) -> None:
    source, first = await git_source(
        {
            "deploy/config.yaml": config_map("settings", namespace, "blue"),
            "deploy/secret.yaml": secret(namespace, HELLO),
        }
    )
    await start_controllers("source", "kustomize")
    await browser.open(await start_ui())
    await browser.text("#live", "live")
    row = f'tr.row[data-id="Kustomization/{namespace}/app"]'

    await kube.create(source.kustomization("app", path="./deploy"))
    await source.until("app", ready_for(first))
    await browser.text(f"{row} .status", "Ready")
    await browser.text(f"{row} .revision", first)
    await browser.text('#counts [data-status="Ready"]', "2")  # the GitRepository and the Kustomization

    second = source.commit({"deploy/config.yaml": config_map("settings", namespace, "green")}, "green")
    await source.refresh("after-green")
    await browser.text(f"{row} .revision", second)  # no reload: the watch brought it
    await shoot(browser, tmp_path, "overview")

    await browser.click(f"{row} a.object-link")
    await browser.text("#object-title", f"Kustomization {namespace}/app")
    await browser.text(f'#tree li[data-id="ConfigMap/{namespace}/settings"] .health', "Current")
    await browser.text(f'#tree li[data-id="Secret/{namespace}/token"] .health', "Current")
    await browser.text("#trace pre", "GitRepository:")
    await browser.text("#revisions", second)
    await browser.text("#conditions", "Ready")
    await shoot(browser, tmp_path, "object")

    ref = ObjectRef(KUSTOMIZE, "Kustomization", "app", namespace)
    before = annotation(await kube.get(ref))
    await browser.click('#actions button[data-action="reconcile"]')
    await browser.text("#notice", "reconcile requested for Kustomization app")
    await wait_for(kube, ref, lambda obj: annotation(obj) not in (None, before), timeout=30, what="a new requestedAt")

    await browser.click('#actions button[data-action="suspend"]')
    await wait_for(kube, ref, lambda obj: suspend(obj) is True, timeout=30, what="suspended")
    third = source.commit(
        {
            "deploy/config.yaml": config_map("settings", namespace, "purple"),
            "deploy/secret.yaml": secret(namespace, WORLD),
        },
        "purple",
    )
    await source.refresh("after-purple")
    repository = ObjectRef(SOURCE, "GitRepository", "app", namespace)
    await wait_for(kube, repository, lambda obj: revision(obj) == third, timeout=30, what="the third revision")
    await browser.click("#diff-button")
    changes = await browser.text("#diff-result", f"ConfigMap/{namespace}/settings")
    assert "drifted" in changes
    assert "purple" in changes
    assert f"Secret/{namespace}/token" in changes
    assert HELLO not in changes
    assert WORLD not in changes
    assert "***" in changes
    await kube.patch(ref, {"metadata": {"labels": {"redrawn": "yes"}}})  # a live update redraws the page
    await browser.text("#yaml pre", "redrawn")
    await browser.text("#diff-result", f"ConfigMap/{namespace}/settings", timeout=1)  # the diff stays on the page
    await browser.run('document.getElementById("diff").scrollIntoView()')
    await shoot(browser, tmp_path, "diff")

    await browser.click('#actions button[data-action="resume"]')  # appears once the watch shows the suspension
    await wait_for(kube, ref, lambda obj: suspend(obj) is False, timeout=30, what="resumed")
    await browser.text('#actions button[data-action="suspend"]', "Suspend")
