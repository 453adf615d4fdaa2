"""A test kind (Widget) and a small reconciler whose behaviour each test steers through the Widget's spec."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any

from reflow.api.duration import parse_duration
from reflow.api.meta import Manifest, ObjectRef
from reflow.kube.client import Kube
from reflow.kube.wait import wait_for
from reflow.runtime.controller import Controller
from reflow.runtime.errors import ReconcileError, StalledError, Waiting
from reflow.runtime.manager import Manager
from reflow.runtime.reconciler import Progress, Reconciler
from reflow.runtime.result import Result
from reflow.runtime.watches import DynamicWatches
from tests.manifests import available, ready_is

GROUP = "test.reflow.dev"
API_VERSION = f"{GROUP}/v1"

CRD: Manifest = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": f"widgets.{GROUP}"},
    "spec": {
        "group": GROUP,
        "names": {"kind": "Widget", "listKind": "WidgetList", "plural": "widgets", "singular": "widget"},
        "scope": "Namespaced",
        "versions": [
            {
                "name": "v1",
                "served": True,
                "storage": True,
                "subresources": {"status": {}},
                "schema": {
                    "openAPIV3Schema": {
                        "type": "object",
                        "properties": {
                            "spec": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
                            "status": {
                                "type": "object",
                                "default": {"observedGeneration": -1},
                                "x-kubernetes-preserve-unknown-fields": True,
                            },
                        },
                    }
                },
            }
        ],
    },
}


def widget(namespace: str, name: str, **spec: Any) -> Manifest:
    return {
        "apiVersion": API_VERSION,
        "kind": "Widget",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"interval": "1h", **spec},
    }


def ref(namespace: str, name: str) -> ObjectRef:
    return ObjectRef(API_VERSION, "Widget", name, namespace)


async def wait_ready(kube: Kube, namespace: str, name: str, message_part: str = "") -> Manifest:
    """The Widget once it is Ready=True with `message_part` in the message."""
    obj = await wait_for(kube, ref(namespace, name), ready_is("True", message_part), timeout=30, what="Ready")
    assert obj is not None
    return obj


class WidgetReconciler(Reconciler[Manifest]):
    """Counts its runs; fails, hangs, stalls, waits at a gate or on a Deployment as the spec says."""

    api_version = API_VERSION
    kind = "Widget"

    def __init__(self, kube: Kube, watches: DynamicWatches) -> None:
        self.kube = kube
        self.watches = watches
        self.runs: defaultdict[str, int] = defaultdict(int)
        self.gates: dict[str, asyncio.Event] = {}
        self.finalized: list[str] = []
        self.hanging: set[str] = set()
        self.started_hanging = asyncio.Event()

    def parse(self, obj: Manifest) -> Manifest:
        return obj

    def interval(self, obj: Manifest) -> float:
        return parse_duration(obj["spec"]["interval"])

    async def reconcile(self, obj: Manifest, progress: Progress) -> Result:
        name = obj["metadata"]["name"]
        spec = obj.get("spec") or {}
        self.runs[name] += 1
        run = self.runs[name]
        if name in self.gates:
            await progress("waiting at the gate")
            await self.gates[name].wait()
        if run <= int(spec.get("failures", 0)):
            raise ReconcileError(
                f"Widget/{obj['metadata']['namespace']}/{name} attempt {run} failed", reason="TestFailure"
            )
        if spec.get("hangAfterFailures"):
            self.hanging.add(name)
            self.started_hanging.set()
            await progress("waiting for something that never comes, as a long health check does")
            await asyncio.Event().wait()
        if spec.get("stall"):
            raise StalledError("the spec asks to stall", reason="InvalidSpec")
        if spec.get("waitFor") == "dependency":
            raise Waiting("dependency not ready", reason="DependencyNotReady", requeue_after=3600)
        if spec.get("deployment"):
            await progress("waiting for the deployment")
            ref = ObjectRef("apps/v1", "Deployment", spec["deployment"], obj["metadata"]["namespace"])
            await self.watches.wait_for(self.kube, ref, available, timeout=60)
        return Result(
            ready=f"widget reconciled (run {run})",
            reason="Succeeded",
            status={"runs": run},
            event=f"widget reconciled (run {run})" if spec.get("announce") else None,
            event_reason="WidgetReady",
            event_metadata={"revision": f"run-{run}"},
        )

    async def finalize(self, obj: Manifest) -> None:
        self.finalized.append(obj["metadata"]["name"])


StartManager = Callable[..., Awaitable[tuple[Manager, Controller[Manifest], WidgetReconciler]]]
"""The `start_manager` fixture: `await start_manager(**settings)` runs a manager with the Widget controller."""
