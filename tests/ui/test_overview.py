"""The overview's counts and filters, and the dependency graph page, in Chromium over objects in the cluster."""

from __future__ import annotations

from pathlib import Path

from reflow.api.meta import Manifest, ObjectRef
from reflow.kube.client import Kube
from tests.controllers.kustomize.sources import KUSTOMIZE, SOURCE
from tests.ui.browser import Page
from tests.ui.conftest import StartUI
from tests.ui.shots import shoot


def kustomization(name: str, namespace: str, **spec: object) -> Manifest:
    return {
        "apiVersion": KUSTOMIZE,
        "kind": "Kustomization",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"interval": "1h", "prune": True, "sourceRef": {"kind": "GitRepository", "name": "repo"}, **spec},
    }


async def test_overview_counts_filter_and_graph(
    kube: Kube, namespace: str, start_ui: StartUI, browser: Page, tmp_path: Path
) -> None:
    metadata = {"name": "repo", "namespace": namespace}
    spec = {"url": "https://git.invalid/repo", "interval": "1h", "suspend": True}
    await kube.create({"apiVersion": SOURCE, "kind": "GitRepository", "metadata": metadata, "spec": spec})
    await kube.create(kustomization("infra", namespace))
    await kube.create(kustomization("apps", namespace, dependsOn=[{"name": "infra"}], suspend=True))
    ready = {"type": "Ready", "status": "False", "reason": "BuildFailed", "message": "kustomize build failed"}
    failed = {"conditions": [{**ready, "lastTransitionTime": "2026-01-01T00:00:00Z", "observedGeneration": 1}]}
    await kube.patch(
        ObjectRef(KUSTOMIZE, "Kustomization", "infra", namespace), {"status": failed}, subresource="status"
    )
    await browser.open(await start_ui())

    await browser.text('#counts [data-status="Suspended"]', "2")
    await browser.text('#counts [data-status="NotReady"]', "1")
    assert await browser.count("tr.row") == 3
    await browser.run('const f = document.getElementById("f-text"); f.value = "build failed";'
                      'f.dispatchEvent(new Event("input"));')  # fmt: skip
    await browser.until(lambda driver: len(driver.find_elements("css selector", "tr.row")) == 1, "one row")
    await browser.text("tr.row", "infra")
    await browser.run('const f = document.getElementById("f-text"); f.value = "";'
                      'f.dispatchEvent(new Event("input"));')  # fmt: skip
    await browser.click('#counts [data-status="Suspended"]')
    await browser.until(lambda driver: len(driver.find_elements("css selector", "tr.row")) == 2, "the suspended rows")

    await browser.open(f"{(await browser.run('return location.origin'))}/#/graph")
    await browser.text("#graph", "Kustomization/apps")
    edges = await browser.text("section", "dependsOn")
    assert f"Kustomization/{namespace}/infra" in edges
    assert await browser.count("#graph svg path.edge") == 3
    await shoot(browser, tmp_path, "graph")
