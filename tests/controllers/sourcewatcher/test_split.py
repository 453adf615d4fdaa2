"""The apps/infrastructure split of Flux's kustomize-helm example, its consumers, and its removal."""

from __future__ import annotations

from pathlib import Path

from reflow.api.meta import ObjectRef
from reflow.kube.client import Kube
from reflow.kube.wait import wait_for
from tests.controllers.kustomize.sources import KUSTOMIZE, MakeSource, failing, ready_for
from tests.controllers.sourcewatcher.generators import (
    WITH_EXTERNAL_ARTIFACTS,
    artifact_ref,
    below,
    copy,
    generator,
    generator_ref,
    layout,
    ready,
    ready_artifact,
    revision_not,
    tarball_files,
    until,
)
from tests.managers import StartControllers

SPLIT = [
    copy("infrastructure", ("@repo/infrastructure/**", "@artifact/")),
    copy("apps", ("@repo/apps/**", "@artifact/")),
]


def consumer(namespace: str, name: str, artifact: str, path: str) -> dict[str, object]:
    return {
        "apiVersion": KUSTOMIZE,
        "kind": "Kustomization",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"interval": "1h", "prune": True, "path": path, "targetNamespace": namespace,
                 "sourceRef": {"kind": "ExternalArtifact", "name": artifact}},
    }  # fmt: skip


def reconciliations(ks: dict[str, object]) -> int:
    history = (ks.get("status") or {}).get("history") or []  # type: ignore[attr-defined]
    return sum(entry["totalReconciliations"] for entry in history)


async def test_example_layout_splits_and_each_part_moves_alone(
    kube: Kube, namespace: str, git_source: MakeSource, start_controllers: StartControllers, tmp_path: Path
) -> None:
    files = layout()
    source, _ = await git_source(files)
    await start_controllers("source-controller", "source-watcher", "kustomize-controller", **WITH_EXTERNAL_ARTIFACTS)
    await kube.create(generator(namespace, SPLIT))
    infra = await ready_artifact(kube, namespace, "infrastructure")
    apps = await ready_artifact(kube, namespace, "apps")
    assert await tarball_files(infra) == below(files, "infrastructure")
    assert await tarball_files(apps) == below(files, "apps")
    for artifact in (infra, apps):
        assert artifact["status"]["artifact"]["revision"] == f"latest@{artifact['status']['artifact']['digest']}"
        assert artifact["metadata"]["ownerReferences"][0]["kind"] == "ArtifactGenerator"
    split = await until(kube, generator_ref(namespace), ready)
    assert [(entry["name"], entry["digest"]) for entry in split["status"]["inventory"]] == [
        ("infrastructure", infra["status"]["artifact"]["digest"]),
        ("apps", apps["status"]["artifact"]["digest"]),
    ]
    assert split["status"]["observedSourcesDigest"].startswith("sha256:")

    await kube.create(consumer(namespace, "infra-controllers", "infrastructure", "./controllers"))
    await kube.create(consumer(namespace, "apps", "apps", "./staging"))
    infra_ks = await source.until("infra-controllers", ready_for(infra["status"]["artifact"]["revision"]))
    await source.until("apps", ready_for(apps["status"]["artifact"]["revision"]))
    cm = await kube.get(ObjectRef("v1", "ConfigMap", "podinfo-values", namespace))
    assert cm["data"] == {"environment": "staging"}

    # A commit touching only apps/ moves only the apps artifact and only the apps Kustomization.
    source.commit({"apps/staging/podinfo-values.yaml": files["apps/staging/podinfo-values.yaml"].replace(
        "environment: staging", "environment: staging-2")}, "apps only")  # fmt: skip
    await source.refresh("apps-only")
    moved = await until(kube, artifact_ref(namespace, "apps"), revision_not(apps["status"]["artifact"]["revision"]))
    await source.until("apps", ready_for(moved["status"]["artifact"]["revision"]))
    cm = await kube.get(ObjectRef("v1", "ConfigMap", "podinfo-values", namespace))
    assert cm["data"] == {"environment": "staging-2"}
    still = await kube.get(artifact_ref(namespace, "infrastructure"))
    assert still["status"]["artifact"] == infra["status"]["artifact"]
    assert still["metadata"]["resourceVersion"] == infra["metadata"]["resourceVersion"]
    infra_after = await kube.get(ObjectRef(KUSTOMIZE, "Kustomization", "infra-controllers", namespace))
    assert reconciliations(infra_after) == reconciliations(infra_ks)

    # Deleting the generator deletes its ExternalArtifacts and their files.
    storage = tmp_path / "artifacts" / "externalartifact" / namespace
    assert sorted(path.name for path in storage.iterdir()) == ["apps", "infrastructure"]
    await kube.delete(generator_ref(namespace))
    for ref in (generator_ref(namespace), artifact_ref(namespace, "apps"), artifact_ref(namespace, "infrastructure")):
        assert await wait_for(kube, ref, lambda obj: obj is None, timeout=60, what="deleted") is None
    assert list(storage.iterdir()) == []


async def test_kustomizations_read_external_artifacts_only_with_the_feature_gate(
    kube: Kube, namespace: str, start_controllers: StartControllers
) -> None:
    await start_controllers("kustomize-controller")
    await kube.create(consumer(namespace, "apps", "apps", "./staging"))
    ks = await until(kube, ObjectRef(KUSTOMIZE, "Kustomization", "apps", namespace), failing("FeatureGateDisabled"))
    assert "--feature-gates=ExternalArtifact=true" in ks["status"]["conditions"][0]["message"]
