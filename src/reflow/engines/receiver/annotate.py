"""Asking the objects a Receiver names to reconcile now: a new `reconcile.fluxcd.io/requestedAt` on each."""

from __future__ import annotations

from dataclasses import dataclass

from reflow.api.annotations import REQUESTED_AT
from reflow.api.meta import Manifest, ObjectRef
from reflow.kube.client import Kube
from reflow.kube.errors import KubeError

from .targets import InvalidFilter, Target

FIELD_MANAGER = "notification-controller"


class RequestFailed(Exception):
    """An object could not be read, listed, filtered or annotated; the message names it."""


@dataclass(frozen=True, slots=True)
class Requested:
    """What one resource entry led to: the objects annotated, and those its filters left alone."""

    annotated: tuple[ObjectRef, ...] = ()
    filtered: tuple[ObjectRef, ...] = ()


async def request_reconciles(
    kube: Kube, target: Target, req: Manifest, token: str, claims: Manifest | None = None
) -> Requested:
    """Annotate every object of `target` its filters accept with `token`; RequestFailed at the first failure."""
    annotated: list[ObjectRef] = []
    filtered: list[ObjectRef] = []
    for obj in await _objects(kube, target):
        ref = ObjectRef(target.api_version, target.kind, obj["metadata"]["name"], target.namespace)
        res = {"apiVersion": target.api_version, "kind": target.kind, "metadata": obj["metadata"]}
        try:
            accepted = target.accepts(res, req, claims)
        except InvalidFilter as err:
            raise RequestFailed(f"{ref}: {err}") from err
        if not accepted:
            filtered.append(ref)
            continue
        try:
            await kube.patch(ref, {"metadata": {"annotations": {REQUESTED_AT: token}}}, field_manager=FIELD_MANAGER)
        except KubeError as err:
            raise RequestFailed(f"failed to annotate resource '{ref}': {err}") from err
        annotated.append(ref)
    return Requested(tuple(annotated), tuple(filtered))


async def _objects(kube: Kube, target: Target) -> list[Manifest]:
    """The named object, or the objects with the target's labels (none is not an error, as in Flux)."""
    if target.name is not None:
        ref = ObjectRef(target.api_version, target.kind, target.name, target.namespace)
        try:
            return [await kube.get(ref)]
        except KubeError as err:
            raise RequestFailed(f"unable to read {ref}: {err}") from err
    try:
        listed = await kube.list_whole(target.api_version, target.kind, target.namespace,
                                       label_selector=target.label_selector, metadata_only=True)  # fmt: skip
    except KubeError as err:
        raise RequestFailed(f"failed listing {target.kind} in namespace '{target.namespace}' by matching labels "
                            f"'{target.label_selector}': {err}") from err  # fmt: skip
    items: list[Manifest] = listed["items"]
    return items
