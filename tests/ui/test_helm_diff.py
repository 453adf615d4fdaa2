"""A HelmRelease's page diffs the chart its source serves, with its values, against the cluster, as the CLI's
`reflow diff helmrelease` does for a local chart."""

from __future__ import annotations

from pathlib import Path

from reflow.api.meta import ObjectRef
from reflow.dev.gobuild import binary
from reflow.kube.client import Kube
from tests.controllers.helm.charts import HELM, ChartArtifacts, helm_release, ready_with, until
from tests.controllers.helm.conftest import WITH_EXTERNAL_ARTIFACTS
from tests.managers import StartControllers
from tests.ui.browser import Page
from tests.ui.conftest import StartUI
from tests.ui.shots import shoot


async def test_a_helmrelease_page_shows_what_its_next_release_would_change(
    kube: Kube,
    namespace: str,
    start_controllers: StartControllers,
    charts: ChartArtifacts,
    start_ui: StartUI,
    browser: Page,
    tmp_path: Path,
) -> None:
    await charts.publish("app", "0.1.0")
    await start_controllers("helm", controller_options={"helm_binary": binary("helm")},
                            feature_gates=WITH_EXTERNAL_ARTIFACTS)  # fmt: skip
    await kube.create(helm_release(namespace, "web"))
    await until(kube, namespace, "web", ready_with("InstallSucceeded"))
    hr = ObjectRef(HELM, "HelmRelease", "web", namespace)
    await kube.patch(hr, {"spec": {"suspend": True, "values": {"greeting": "bonjour"}}})  # not released yet

    url = await start_ui(helm=binary("helm"))
    await browser.open(f"{url}#/object?kind=HelmRelease&namespace={namespace}&name=web")
    await browser.click("#diff-button")
    changes = await browser.text("#diff-result", "object(s) unchanged")
    assert f"ConfigMap/{namespace}/web-config" in changes
    assert "drifted" in changes
    assert "bonjour" in changes
    assert f"Deployment/{namespace}/web-app" not in changes  # its values did not change
    await browser.run('document.getElementById("diff").scrollIntoView()')
    await shoot(browser, tmp_path, "helm-diff")

    plain = await start_ui()  # without helm the page offers no HelmRelease diff
    await browser.open(f"{plain}#/object?kind=HelmRelease&namespace={namespace}&name=web")
    await browser.text("#object-title", f"HelmRelease {namespace}/web")
    assert await browser.count("#diff") == 0
