"""Waiting for one object to reach a state, by watching it: no polling, always with a deadline."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable
from contextlib import aclosing

from reflow.api.meta import Manifest, ObjectRef
from reflow.kube.client import Kube
from reflow.kube.errors import Gone, Unreachable

Predicate = Callable[[Manifest | None], bool]
"""Decides on the live object, or on None while it does not exist."""


class WaitTimeout(TimeoutError):
    """The object did not reach the state in time; the message names it and the last state seen."""


async def observe(kube: Kube, ref: ObjectRef) -> AsyncGenerator[Manifest | None, None]:
    """The object as it is now (None while absent), then again after every change, for as long as it is iterated.

    A list then a watch from its resourceVersion; an expired or broken watch lists again. Iterate it inside
    `contextlib.aclosing` so that leaving early closes the watch at once.
    """
    while True:
        page = await kube.list(ref.api_version, ref.kind, ref.namespace, field_selector=f"metadata.name={ref.name}")
        items = page.get("items") or []
        yield _with_kind(items[0], page) if items else None
        try:
            async for event in kube.watch(
                ref.api_version,
                ref.kind,
                ref.namespace,
                resource_version=page["metadata"]["resourceVersion"],
                field_selector=f"metadata.name={ref.name}",
            ):
                if event.type == "ERROR":
                    break
                if event.type == "BOOKMARK":
                    continue
                yield None if event.type == "DELETED" else event.object
        except (Gone, Unreachable):
            continue


async def wait_for(kube: Kube, ref: ObjectRef, predicate: Predicate, *, timeout: float, what: str) -> Manifest | None:
    """Return the object (None if absent) as soon as `predicate` holds for it; raise WaitTimeout after `timeout`.

    `what` describes the awaited state for the error message, e.g. "Available" or "deleted".
    """
    last: Manifest | None = None
    try:
        async with asyncio.timeout(timeout):
            async with aclosing(observe(kube, ref)) as states:
                async for last in states:
                    if predicate(last):
                        return last
    except TimeoutError as err:
        raise WaitTimeout(f"{ref} was not {what} after {timeout:.0f} s (last seen: {_describe(last)})") from err
    raise AssertionError("observe() never ends")


ItemsPredicate = Callable[[list[Manifest]], bool]
"""Decides on every object of a kind in a namespace."""


async def wait_for_items(
    kube: Kube,
    api_version: str,
    kind: str,
    namespace: str | None,
    predicate: ItemsPredicate,
    *,
    timeout: float,
    what: str,
) -> list[Manifest]:
    """The objects of a kind (in a namespace) once `predicate` holds for them; WaitTimeout after `timeout`."""
    items: dict[str, Manifest] = {}
    try:
        async with asyncio.timeout(timeout):
            while True:
                page = await kube.list(api_version, kind, namespace)
                items = {obj["metadata"]["name"]: obj for obj in page.get("items") or []}
                if predicate(list(items.values())):
                    return list(items.values())
                try:
                    async for event in kube.watch(
                        api_version, kind, namespace, resource_version=page["metadata"]["resourceVersion"]
                    ):
                        if event.type == "ERROR":
                            break
                        if event.type == "BOOKMARK":
                            continue
                        name = event.object["metadata"]["name"]
                        if event.type == "DELETED":
                            items.pop(name, None)
                        else:
                            items[name] = event.object
                        if predicate(list(items.values())):
                            return list(items.values())
                except (Gone, Unreachable):
                    continue
    except TimeoutError as err:
        raise WaitTimeout(f"{kind} objects in {namespace or 'all namespaces'} were not {what} after {timeout:.0f} s "
                          f"({len(items)} seen)") from err  # fmt: skip


async def wait_deleted(kube: Kube, ref: ObjectRef, *, timeout: float) -> None:
    """Return once the object no longer exists."""
    await wait_for(kube, ref, lambda obj: obj is None, timeout=timeout, what="deleted")


def _with_kind(item: Manifest, page: Manifest) -> Manifest:
    if "kind" not in item and page.get("kind", "").endswith("List"):
        item = {**item, "kind": page["kind"][: -len("List")], "apiVersion": page.get("apiVersion")}
    return item


def _describe(obj: Manifest | None) -> str:
    if obj is None:
        return "absent"
    conditions = (obj.get("status") or {}).get("conditions") or []
    summary = "; ".join(
        f"{c.get('type')}={c.get('status')}" + (f" ({c.get('reason')}: {c.get('message')})" if c.get("message") else "")
        for c in conditions
    )
    return summary or "no conditions"
