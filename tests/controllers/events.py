"""Reading the Events reflow's controllers record in a test namespace."""

from __future__ import annotations

from collections.abc import Callable

from reflow.api.meta import Manifest
from reflow.kube.client import Kube
from reflow.kube.wait import wait_for_items


async def events_until(
    kube: Kube, namespace: str, check: Callable[[list[Manifest]], bool], what: str = "recorded"
) -> list[Manifest]:
    """The namespace's Events once `check` holds for them (events are written just after the status)."""
    return await wait_for_items(kube, "v1", "Event", namespace, check, timeout=30, what=what)
