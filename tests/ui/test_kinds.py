"""Flux kinds whose CRDs come and go while the UI runs: their objects appear live, and leave with the CRD."""

from __future__ import annotations

from collections.abc import Callable

from reflow.api.crds import KINDS, crd, kind_info
from reflow.api.meta import ObjectRef
from reflow.dev.plane import LocalPlane
from reflow.engines.flux.state import API_VERSIONS
from reflow.kube.client import connect
from reflow.kube.options import ConnectionOptions
from reflow.kube.wait import wait_for
from reflow.ui.server import Settings, running
from tests.manifests import established
from tests.ui.browser import Page


async def test_a_kind_installed_after_the_ui_started_shows_live_and_leaves_with_its_crd(
    private_plane: Callable[[], LocalPlane], browser: Page
) -> None:
    plane = private_plane()  # its CRDs come and go: not the session's plane
    late = [model for model in KINDS if kind_info(model).kind == "ImageRepository"]
    async with connect(ConnectionOptions(kubeconfig=str(plane.kubeconfig))) as kube:
        for model in KINDS:
            if model not in late:
                await kube.apply(crd(model), field_manager="reflow-tests", force=True)
        async with running(kube, Settings(), address="127.0.0.1:0", namespace="default") as port:
            await browser.open(f"http://127.0.0.1:{port}/")
            await browser.text("#live", "live")

            definition = crd(late[0])
            await kube.apply(definition, field_manager="reflow-tests", force=True)
            await wait_for(kube, ObjectRef.of(definition), established, timeout=60, what="Established")
            image = {"apiVersion": API_VERSIONS["ImageRepository"], "kind": "ImageRepository",
                     "metadata": {"name": "web", "namespace": "default"},
                     "spec": {"image": "registry.invalid/web", "interval": "1h"}}  # fmt: skip
            await kube.create(image)
            row = 'tr.row[data-id="ImageRepository/default/web"]'
            await browser.text(row, "web")  # no reload: the CRD's watch started the kind's informer

            await kube.delete(ObjectRef.of(definition))
            await browser.until(lambda driver: not driver.find_elements("css selector", row), "the row gone")
