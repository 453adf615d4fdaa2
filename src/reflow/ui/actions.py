"""The UI's actions: reconcile (with its source), suspend and resume, written as the viewer; RBAC decides."""

from __future__ import annotations

from reflow.api.meta import ObjectRef
from reflow.engines.flux.requests import request_reconcile, set_suspend
from reflow.engines.flux.state import source_of, suspended
from reflow.kube.client import Kube

ACTIONS = ("reconcile", "reconcile-with-source", "suspend", "resume")


class Refused(Exception):
    """The action cannot be done on this object; the message says why, for the page."""


async def act(kube: Kube, action: str, ref: ObjectRef) -> str:
    """Do one action and return what was done; the controller's answer reaches the page through the watch."""
    if action in ("suspend", "resume"):
        await set_suspend(kube, ref, action == "suspend")
        return f"{ref.kind} {ref.name} {action}d"
    obj = await kube.get(ref)
    if suspended(obj):
        raise Refused(f"{ref.kind} {ref.name} is suspended: resume it first")
    done = []
    if action == "reconcile-with-source":
        source = source_of(obj)
        if source is None:
            raise Refused(f"{ref.kind} {ref.name} has no source to reconcile")
        await request_reconcile(kube, source)
        done.append(f"{source.kind} {source.name}")
    await request_reconcile(kube, ref)
    done.append(f"{ref.kind} {ref.name}")
    return "reconcile requested for " + " and ".join(done)
