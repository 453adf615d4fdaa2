"""A generator's life: paused by annotation, cross-namespace sources refused, hand-deleted artifacts restored."""

from __future__ import annotations

from reflow.api.meta import Manifest
from reflow.kube.client import Kube
from tests.controllers.kustomize.sources import MakeSource
from tests.controllers.sourcewatcher.generators import (
    artifact_ref,
    copy,
    failed,
    generator,
    generator_ref,
    ready_artifact,
    revision_not,
    until,
)
from tests.managers import StartControllers

DISABLED = "source.extensions.fluxcd.io/reconcile"


async def test_disabled_generator_waits_while_others_follow_the_source(
    kube: Kube, namespace: str, git_source: MakeSource, start_controllers: StartControllers
) -> None:
    source, _ = await git_source({"apps/app.yaml": "v: 1\n"})
    await start_controllers("source-controller", "source-watcher")
    await kube.create(generator(namespace, [copy("paused", ("@repo/apps/", "@artifact/"))], name="paused"))
    await kube.create(generator(namespace, [copy("witness", ("@repo/apps/", "@artifact/"))], name="witness"))
    paused = await ready_artifact(kube, namespace, "paused")
    witness = await ready_artifact(kube, namespace, "witness")
    await kube.patch(generator_ref(namespace, "paused"), {"metadata": {"annotations": {DISABLED: "disabled"}}})

    source.commit({"apps/app.yaml": "v: 2\n"}, "v2")
    await source.refresh("v2")
    await until(kube, artifact_ref(namespace, "witness"), revision_not(witness["status"]["artifact"]["revision"]))
    still = await kube.get(artifact_ref(namespace, "paused"))
    assert still["status"]["artifact"] == paused["status"]["artifact"]

    await kube.patch(generator_ref(namespace, "paused"), {"metadata": {"annotations": {DISABLED: None}}})
    await until(kube, artifact_ref(namespace, "paused"), revision_not(paused["status"]["artifact"]["revision"]))


async def test_cross_namespace_source_is_refused_when_disabled(
    kube: Kube, namespace: str, start_controllers: StartControllers
) -> None:
    await start_controllers("source-watcher", controller_options={"no_cross_namespace_refs": True})
    obj = generator(namespace, [copy("apps", ("@repo/apps/", "@artifact/"))])
    obj["spec"]["sources"][0]["namespace"] = "elsewhere"
    await kube.create(obj)
    await until(kube, generator_ref(namespace), failed("source 'repo'", "'elsewhere/app'", "cross-namespace"))


async def test_an_external_artifact_deleted_by_hand_comes_back(
    kube: Kube, namespace: str, git_source: MakeSource, start_controllers: StartControllers
) -> None:
    await git_source({"apps/app.yaml": "v: 1\n"})
    await start_controllers("source-controller", "source-watcher")
    await kube.create(generator(namespace, [copy("apps", ("@repo/apps/", "@artifact/"))]))
    first = await ready_artifact(kube, namespace, "apps")
    await kube.delete(artifact_ref(namespace, "apps"))

    def recreated(obj: Manifest | None) -> bool:
        return obj is not None and obj["metadata"]["uid"] != first["metadata"]["uid"] and bool(obj.get("status"))

    again = await until(kube, artifact_ref(namespace, "apps"), recreated)
    assert again["status"]["artifact"]["digest"] == first["status"]["artifact"]["digest"]
