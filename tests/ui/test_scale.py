"""The overview with 1,000 objects: every row rendered; the render time is measured in the browser and printed."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from reflow.api.meta import ObjectRef
from reflow.kube.client import Kube
from reflow.ui.identity import AuthMode
from tests.ui.browser import Page
from tests.ui.conftest import StartUI
from tests.ui.shots import shoot
from tests.ui.test_access import READ, grant, kustomization

OBJECTS = 1_000


async def test_overview_of_a_thousand_objects_renders_them_all_and_stays_live(
    kube: Kube, namespace: str, start_ui: StartUI, browser: Page, tmp_path: Path
) -> None:
    limit = asyncio.Semaphore(20)

    async def create(index: int) -> None:
        manifest = kustomization(f"app-{index:04d}", namespace)
        manifest["spec"]["suspend"] = True  # no controller works on them
        async with limit:
            await kube.create(manifest)

    await asyncio.gather(*(create(index) for index in range(OBJECTS)))
    await browser.open(await start_ui())
    await browser.text('#counts [data-status="Suspended"]', str(OBJECTS))
    assert await browser.count("tr.row") == OBJECTS
    render = await browser.run('return performance.getEntriesByName("overview")[0].duration')
    loaded = await browser.run('return performance.getEntriesByName("overview-rendered")[0].startTime')

    started = time.monotonic()
    ref = ObjectRef("kustomize.toolkit.fluxcd.io/v1", "Kustomization", "app-0500", namespace)
    await kube.patch(ref, {"spec": {"suspend": False}})
    await browser.text(f'tr.row[data-id="Kustomization/{namespace}/app-0500"] .status', "Unknown")
    update = time.monotonic() - started
    await shoot(browser, tmp_path, "overview-1000")
    print(
        f"\n{OBJECTS} objects: overview rendered in {render:.0f} ms after the snapshot arrived, "
        f"{loaded:.0f} ms after navigation; one change reached the page in {update * 1000:.0f} ms"
    )

    user = f"carol-{namespace}"  # this test's alone: its RoleBinding outlives it while the namespace terminates
    await grant(kube, namespace, {"kind": "User", "name": user, "apiGroup": "rbac.authorization.k8s.io"}, READ)
    await browser.open(await start_ui(auth=AuthMode.PROXY), headers={"X-Remote-User": user})
    await browser.text('#counts [data-status="Suspended"]', str(OBJECTS - 1))  # filtered by carol's rights
    filtered = await browser.run('return performance.getEntriesByName("overview-rendered")[0].startTime')
    print(f"as a proxy viewer who may list them in this namespace only: {filtered:.0f} ms after navigation")
