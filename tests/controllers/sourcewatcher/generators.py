"""ArtifactGenerators as source-watcher tests make them, the example layout they split, and the waits they use."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from reflow.api.conditions import condition
from reflow.api.meta import Manifest, ObjectRef
from reflow.kube.client import Kube
from reflow.kube.wait import wait_for
from reflow.runtime.features import DEFAULT_GATES, FeatureGates
from tests.controllers.source.gitrepositories import fetch, members

GENERATOR_API = "source.extensions.fluxcd.io/v1beta1"
SOURCE = "source.toolkit.fluxcd.io/v1"
LAYOUT = Path(__file__).parent / "testdata" / "kustomize-helm"
WITH_EXTERNAL_ARTIFACTS = {"feature_gates": FeatureGates.parse("ExternalArtifact=true", DEFAULT_GATES)}


def layout() -> dict[str, str]:
    """Flux's kustomize-helm example repository (apps/, infrastructure/, clusters/) as path → text."""
    return {path.relative_to(LAYOUT).as_posix(): path.read_text() for path in LAYOUT.rglob("*") if path.is_file()}


def below(files: dict[str, str], prefix: str) -> dict[str, bytes]:
    """The files under `prefix/`, with the prefix taken off, as a tarball lists them."""
    return {name[len(prefix) + 1 :]: text.encode() for name, text in files.items() if name.startswith(prefix + "/")}


def generator(namespace: str, artifacts: list[Manifest], *, name: str = "split", **spec: Any) -> Manifest:
    return {
        "apiVersion": GENERATOR_API,
        "kind": "ArtifactGenerator",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"sources": [{"alias": "repo", "kind": "GitRepository", "name": "app"}], "artifacts": artifacts,
                 **spec},
    }  # fmt: skip


def copy(name: str, *operations: tuple[str, str], **fields: Any) -> Manifest:
    return {"name": name, "copy": [{"from": source, "to": to} for source, to in operations], **fields}


def generator_ref(namespace: str, name: str = "split") -> ObjectRef:
    return ObjectRef(GENERATOR_API, "ArtifactGenerator", name, namespace)


def artifact_ref(namespace: str, name: str) -> ObjectRef:
    return ObjectRef(SOURCE, "ExternalArtifact", name, namespace)


def ready(obj: Manifest | None) -> bool:
    found = condition(obj, "Ready")
    return found is not None and found["status"] == "True"


def failed(*words: str) -> Callable[[Manifest | None], bool]:
    """Ready=False with every one of `words` in the message."""

    def check(obj: Manifest | None) -> bool:
        found = condition(obj, "Ready")
        return found is not None and found["status"] == "False" and all(word in found["message"] for word in words)

    return check


def revision_not(old: str) -> Callable[[Manifest | None], bool]:
    def check(obj: Manifest | None) -> bool:
        artifact = ((obj or {}).get("status") or {}).get("artifact") or {}
        return bool(artifact) and artifact.get("revision") != old

    return check


async def until(kube: Kube, ref: ObjectRef, check: Callable[[Manifest | None], bool], timeout: float = 90) -> Manifest:
    obj = await wait_for(kube, ref, check, timeout=timeout, what="as expected")
    assert obj is not None
    return obj


async def ready_artifact(kube: Kube, namespace: str, name: str) -> Manifest:
    return await until(
        kube, artifact_ref(namespace, name), lambda obj: ready(obj) and bool(obj and obj["status"].get("artifact"))
    )


async def tarball_files(artifact: Manifest) -> dict[str, bytes]:
    """The files in the tarball an ExternalArtifact serves."""
    return members(await fetch(artifact["status"]["artifact"]["url"]))
