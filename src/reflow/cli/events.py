"""`reflow events`: the Kubernetes events of Flux objects, newest last, optionally for one object and watched."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import click

from reflow.api.meta import Manifest
from reflow.cli.console import err, out, run
from reflow.cli.options import GlobalOptions, global_options
from reflow.cli.render import age, parse_time, table
from reflow.kube.client import Kube, connect
from reflow.kube.errors import Gone, Unreachable

HEADERS = ("LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE")
TYPES = ("Normal", "Warning")


@dataclass(frozen=True, slots=True)
class EventQuery:
    """Which events to show: a namespace (None: all), an object `Kind/name`, and event types."""

    namespace: str | None
    involved: str | None
    types: tuple[str, ...]

    def field_selector(self) -> str | None:
        """The API server field selector for the object, when one is given."""
        if not self.involved:
            return None
        kind, _, name = self.involved.partition("/")
        return f"involvedObject.kind={kind},involvedObject.name={name}"

    def keeps(self, event: Manifest) -> bool:
        """Whether the event's type is one asked for."""
        return not self.types or event.get("type") in self.types


def seen_at(event: Manifest) -> datetime | None:
    """When the event last happened: lastTimestamp, else eventTime, else its creation."""
    metadata = event.get("metadata") or {}
    return parse_time(event.get("lastTimestamp") or event.get("eventTime") or metadata.get("creationTimestamp"))


def event_row(event: Manifest, *, all_namespaces: bool, now: datetime | None = None) -> list[str]:
    """LAST SEEN, TYPE, REASON, OBJECT (`Kind/name`), MESSAGE; NAMESPACE first with -A."""
    involved = event.get("involvedObject") or {}
    cells = [
        age(seen_at(event), now),
        str(event.get("type", "")),
        str(event.get("reason", "")),
        f"{involved.get('kind', '')}/{involved.get('name', '')}",
        " ".join(str(event.get("message", "")).split()),
    ]
    return [event["metadata"].get("namespace", ""), *cells] if all_namespaces else cells


def ordered(events: Iterable[Manifest]) -> list[Manifest]:
    """Oldest first, so the newest event is the last line."""
    return sorted(events, key=lambda event: seen_at(event) or datetime.min.replace(tzinfo=UTC))


def headers(all_namespaces: bool) -> Sequence[str]:
    return ("NAMESPACE", *HEADERS) if all_namespaces else HEADERS


async def listed(kube: Kube, query: EventQuery) -> tuple[list[Manifest], str]:
    """The events the query asks for, oldest first, and the resourceVersion of the list (to watch from)."""
    page = await kube.list("v1", "Event", query.namespace, field_selector=query.field_selector())
    events = [event for event in ordered(page.get("items") or []) if query.keeps(event)]
    return events, str(page["metadata"]["resourceVersion"])


def events_table(query: EventQuery, events: Sequence[Manifest], header: bool = True) -> str:
    """The events as `reflow events` prints them."""
    everywhere = query.namespace is None
    rows = [event_row(event, all_namespaces=everywhere) for event in events]
    return table(headers(everywhere), rows, header=header)


def no_events(query: EventQuery) -> str:
    """`no events found in <namespace> namespace`."""
    return f"no events found in {'any namespace' if query.namespace is None else f'{query.namespace} namespace'}"


async def show(options: GlobalOptions, query: EventQuery, watch: bool, header: bool) -> None:
    """Print the events, then with `watch` each new one until the global --timeout."""
    everywhere = query.namespace is None
    async with connect(options.connection) as kube:
        events, version = await listed(kube, query)
        if not events and not watch:
            err.print(f"[red]✗[/] {no_events(query)}")
            return
        out.out(events_table(query, events, header), end="", highlight=False)
        if not watch:
            return
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(options.timeout):
                while True:
                    try:
                        async for change in kube.watch(
                            "v1",
                            "Event",
                            query.namespace,
                            resource_version=version,
                            field_selector=query.field_selector(),
                        ):
                            if change.type in ("ADDED", "MODIFIED") and query.keeps(change.object):
                                version = change.object["metadata"].get("resourceVersion", version)
                                line = event_row(change.object, all_namespaces=everywhere)
                                out.out(table(headers(everywhere), [line], header=False), end="", highlight=False)
                            elif change.type == "ERROR":
                                break
                    except (Gone, Unreachable):
                        continue


@click.command()
@click.option("--for", "involved", metavar="KIND/NAME", help="Only the events of this object, e.g. Kustomization/apps.")
@click.option("--types", default="", help="Comma-separated event types to show: Normal, Warning.")
@click.option("-w", "--watch", is_flag=True, help="After listing, print new events until --timeout.")
@click.option("-A", "--all-namespaces", is_flag=True, help="Events of every namespace.")
@click.option("--no-header", is_flag=True, help="Leave out the table header.")
@global_options
def events(
    involved: str | None, types: str, watch: bool, all_namespaces: bool, no_header: bool, options: GlobalOptions
) -> None:
    """Show the events Flux controllers recorded.

    \b
    Examples:
      reflow events --for Kustomization/apps
      reflow events -A --types Warning --watch
    """
    wanted = tuple(item.strip() for item in types.split(",") if item.strip())
    unknown = [item for item in wanted if item not in TYPES]
    if unknown:
        raise click.BadParameter(f"{', '.join(unknown)}: use Normal or Warning", param_hint="--types")
    if involved is not None and ("/" not in involved or not involved.partition("/")[2]):
        raise click.BadParameter(f"{involved!r} is not Kind/name", param_hint="--for")
    query = EventQuery(None if all_namespaces else options.namespace, involved, wanted)
    run(show(options, query, watch, not no_header))
