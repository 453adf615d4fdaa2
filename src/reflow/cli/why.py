"""Reading why an object is not Ready from the cluster, for `reflow trace` and `reflow get -o wide`."""

from __future__ import annotations

from reflow.api.meta import Manifest, ObjectRef
from reflow.engines.diagnose import Finding, PodSelector, why_not_ready
from reflow.kube.client import Kube
from reflow.kube.errors import NotFound


async def diagnosis(kube: Kube, ref: ObjectRef) -> tuple[Finding, ...]:
    """Why the object is not Ready, read from the cluster: the chain down to the root cause (empty when Ready)."""

    async def get(target: ObjectRef) -> Manifest | None:
        try:
            return await kube.get(target)
        except NotFound:
            return None

    async def list_pods(selector: PodSelector) -> list[Manifest]:
        labels = ",".join(f"{key}={value}" for key, value in sorted(selector.labels.items()))
        listed = await kube.list_whole("v1", "Pod", selector.namespace, label_selector=labels)
        return [{"apiVersion": "v1", "kind": "Pod", **pod} for pod in listed["items"]]

    return await why_not_ready(get, list_pods, ref)
