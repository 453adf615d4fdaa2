"""`reflow stats`: per kind, how many objects run, fail and are suspended, and the artifact storage they use."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import click

from reflow.api.meta import Manifest
from reflow.cli.console import out, run
from reflow.cli.nouns import ALL, Noun
from reflow.cli.options import GlobalOptions, global_options
from reflow.cli.render import size, table
from reflow.engines.flux.state import ready, suspended
from reflow.kube.client import connect
from reflow.kube.errors import NotFound

HEADERS = ("RECONCILERS", "RUNNING", "FAILING", "SUSPENDED", "STORAGE")


@dataclass(frozen=True, slots=True, kw_only=True)
class KindStats:
    """Counts for one kind; `storage` is None for kinds that store no artifacts."""

    kind: str
    running: int
    failing: int
    suspended: int
    storage: int | None

    def row(self) -> list[str]:
        return [self.kind, str(self.running), str(self.failing), str(self.suspended), size(self.storage)]


def count(noun: Noun, objects: Iterable[Manifest]) -> KindStats:
    """Suspended objects are not running; failing ones are running objects whose Ready is False."""
    items = list(objects)
    paused = [obj for obj in items if suspended(obj)]
    active = [obj for obj in items if not suspended(obj)]
    failing = [obj for obj in active if ready(obj)[0] == "False"]
    storage = None
    if noun.source:
        storage = sum(int(((obj.get("status") or {}).get("artifact") or {}).get("size") or 0) for obj in items)
    return KindStats(kind=noun.kind, running=len(active), failing=len(failing), suspended=len(paused), storage=storage)


async def collect(options: GlobalOptions, all_namespaces: bool) -> list[KindStats]:
    """Stats of every kind the cluster serves."""
    namespace = None if all_namespaces else options.namespace
    found = []
    async with connect(options.connection) as kube:
        for noun in ALL:
            try:
                items = await kube.list_all(noun.api_version, noun.kind, namespace)
            except NotFound:
                continue
            found.append(count(noun, items))
    return found


@click.command()
@click.option("-A", "--all-namespaces", is_flag=True, help="Count objects in every namespace.")
@global_options
def stats(all_namespaces: bool, options: GlobalOptions) -> None:
    """Count running, failing and suspended objects per kind, and the storage their artifacts take.

    \b
    Example:
      reflow stats -A
    """
    rows = [entry.row() for entry in run(collect(options, all_namespaces))]
    out.out(table(HEADERS, rows), end="", highlight=False)
