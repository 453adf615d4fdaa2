"""Image automation objects as the controller tests make them, the tag storage they seed, and their waits."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from reflow.api.annotations import REQUESTED_AT
from reflow.api.conditions import condition
from reflow.api.meta import Manifest, ObjectRef
from reflow.engines.image.tagstore import TagStore
from reflow.kube.client import Kube
from reflow.kube.wait import wait_for

IMAGE = "image.toolkit.fluxcd.io/v1"


def image_repository(namespace: str, name: str, image: str, **spec: object) -> Manifest:
    return {
        "apiVersion": IMAGE,
        "kind": "ImageRepository",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"image": image, "interval": "1h", **spec},
    }


def image_policy(namespace: str, name: str, repository: str, policy: Manifest, **spec: object) -> Manifest:
    return {
        "apiVersion": IMAGE,
        "kind": "ImagePolicy",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"imageRepositoryRef": {"name": repository}, "policy": policy, **spec},
    }


def scanned(tmp_path: Path, namespace: str, repository: str, tags: Sequence[str]) -> None:
    """Keep `tags` as the repository's last scan, where the controllers started by the test read them."""
    TagStore(tmp_path / "artifacts" / ".image-tags").write(
        namespace, repository, f"registry.example/{repository}", tags
    )


def ref(namespace: str, kind: str, name: str) -> ObjectRef:
    return ObjectRef(IMAGE, kind, name, namespace)


async def until(
    kube: Kube, namespace: str, kind: str, name: str, check: Callable[[Manifest | None], bool], timeout: float = 60
) -> Manifest:
    obj = await wait_for(kube, ref(namespace, kind, name), check, timeout=timeout, what="as expected")
    assert obj is not None
    return obj


async def request(kube: Kube, namespace: str, kind: str, name: str, token: str) -> Manifest:
    """Ask for a reconcile (as `reflow reconcile` does) and wait until it was handled."""
    await kube.patch(ref(namespace, kind, name), {"metadata": {"annotations": {REQUESTED_AT: token}}})
    return await until(
        kube, namespace, kind, name, lambda o: (o or {}).get("status", {}).get("lastHandledReconcileAt") == token
    )


def reason_is(status: str, reason: str) -> Callable[[Manifest | None], bool]:
    def check(obj: Manifest | None) -> bool:
        found = condition(obj, "Ready")
        return found is not None and found["status"] == status and found["reason"] == reason

    return check
