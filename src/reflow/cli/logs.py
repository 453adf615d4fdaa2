"""`reflow logs`: controller log lines, filtered by kind, name, namespace, level and time.

Lines come from the controller Pods through the Pod log API, or from the JSON log file a local
`reflow controllers` writes (`--log-file`). Both carry the keys `ts`, `level`, `logger`, `msg`,
`controllerKind`, `name` and `namespace`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click

from reflow.api.meta import Manifest
from reflow.cli.console import fail, out, run
from reflow.cli.options import Duration, F, GlobalOptions, global_options
from reflow.cli.render import parse_time
from reflow.kube.client import Kube, connect
from reflow.kube.options import default_namespace

POD_SELECTOR = "app.kubernetes.io/part-of=flux"
CONTAINER = "manager"
LEVELS = ("debug", "info", "error")
FOLLOW_PAUSE = 0.25
"""Seconds between reads of a followed log file once its end is reached."""


@dataclass(frozen=True, slots=True, kw_only=True)
class LogFilter:
    """Which lines to keep; None means any."""

    kind: str | None = None
    name: str | None = None
    namespace: str | None = None
    level: str | None = None
    since: datetime | None = None

    def keeps(self, entry: Manifest) -> bool:
        """Whether a parsed line passes every filter (kind compares case-insensitively)."""
        if self.kind and str(entry.get("controllerKind", "")).lower() != self.kind.lower():
            return False
        if self.name and entry.get("name") != self.name:
            return False
        if self.namespace and entry.get("namespace") != self.namespace:
            return False
        if self.level and entry.get("level") != self.level:
            return False
        if self.since:
            at = parse_time(str(entry.get("ts", "")))
            if at is None or at < self.since:
                return False
        return True


def parse_line(text: str) -> Manifest | None:
    """A JSON log line as a dict; None for blank or non-JSON lines."""
    text = text.strip()
    if not text.startswith("{"):
        return None
    try:
        entry = json.loads(text)
    except ValueError:
        return None
    return entry if isinstance(entry, dict) else None


def format_entry(entry: Manifest) -> str:
    """`<ts> <level> <Kind>/<name>.<namespace> - <msg>` (the logger instead when no object is bound)."""
    subject = str(entry.get("logger", ""))
    if entry.get("controllerKind") and entry.get("name"):
        subject = f"{entry['controllerKind']}/{entry['name']}.{entry.get('namespace', '')}"
    line = f"{entry.get('ts', '')} {entry.get('level', '')} {subject} - {entry.get('msg', '')}"
    if entry.get("error"):
        line += f" error: {entry['error']}"
    return line


def select(lines: Iterable[str], keep: LogFilter, tail: int | None) -> list[str]:
    """The formatted lines that pass the filter, only the last `tail` of them when given."""
    kept: deque[str] = deque(maxlen=tail if tail is not None and tail >= 0 else None)
    for text in lines:
        entry = parse_line(text)
        if entry is not None and keep.keeps(entry):
            kept.append(format_entry(entry))
    return list(kept)


def _print(lines: Iterable[str]) -> None:
    for line in lines:
        out.out(line, highlight=False)


async def _follow_file(path: Path, keep: LogFilter, offset: int) -> None:
    with path.open("r", encoding="utf-8", errors="replace") as handle:
        handle.seek(offset)
        partial = ""
        while True:
            chunk = handle.readline()
            if not chunk:
                await asyncio.sleep(FOLLOW_PAUSE)
                continue
            partial += chunk
            if partial.endswith("\n"):
                _print(select([partial], keep, None))
                partial = ""


async def _read(path: Path) -> str:
    try:
        return await asyncio.to_thread(path.read_text, encoding="utf-8", errors="replace")
    except OSError as error:
        fail(f"cannot read the log file {path}: {error.strerror or error}", "is `reflow controllers` writing it?")


async def file_lines(path: Path, keep: LogFilter, tail: int | None) -> list[str]:
    """The file's matching lines, formatted."""
    return select((await _read(path)).splitlines(), keep, tail)


async def from_file(path: Path, keep: LogFilter, tail: int | None, follow: bool, timeout: float) -> None:
    """Print the file's matching lines, then with `follow` new ones until `timeout`."""
    text = await _read(path)
    _print(select(text.splitlines(), keep, tail))
    if follow:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                await _follow_file(path, keep, len(text.encode()))


async def _pod_lines(kube: Kube, pod: Manifest, query: dict[str, object]) -> AsyncIterator[str]:
    metadata = pod["metadata"]
    path = f"/api/v1/namespaces/{metadata['namespace']}/pods/{metadata['name']}/log"
    async for line in kube.text_lines(path, query=query):
        yield line


def _pod_query(keep: LogFilter, tail: int | None, since: float | None, follow: bool) -> dict[str, object]:
    query: dict[str, object] = {"container": CONTAINER, "follow": "true" if follow else None}
    if since is not None:
        query["sinceSeconds"] = max(1, int(since))
    if tail is not None and tail >= 0 and keep == LogFilter():
        query["tailLines"] = tail
    return query


async def _controller_pods(kube: Kube, flux_namespace: str) -> list[Manifest]:
    pods = await kube.list_all("v1", "Pod", flux_namespace, label_selector=POD_SELECTOR)
    if not pods:
        fail(
            f"no controller Pods ({POD_SELECTOR}) found in {flux_namespace} namespace",
            "for a local `reflow controllers`, pass its --log-file",
        )
    return pods


async def pod_lines(
    options: GlobalOptions, flux_namespace: str, keep: LogFilter, tail: int | None, since: float | None
) -> list[str]:
    """The matching lines of every controller Pod's `manager` container, formatted, Pod after Pod."""
    query = _pod_query(keep, tail, since, follow=False)
    async with connect(options.connection) as kube:
        lines: list[str] = []
        for pod in await _controller_pods(kube, flux_namespace):
            lines += select([line async for line in _pod_lines(kube, pod, query)], keep, tail)
        return lines


async def from_pods(
    options: GlobalOptions, flux_namespace: str, keep: LogFilter, tail: int | None, since: float | None, follow: bool
) -> None:
    """Print the matching lines of every controller Pod's `manager` container."""
    if not follow:
        _print(await pod_lines(options, flux_namespace, keep, tail, since))
        return
    query = _pod_query(keep, tail, since, follow=True)
    async with connect(options.connection) as kube:
        pods = await _controller_pods(kube, flux_namespace)

        async def stream(pod: Manifest) -> None:
            async for line in _pod_lines(kube, pod, query):
                _print(select([line], keep, None))

        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(options.timeout), asyncio.TaskGroup() as group:
                for pod in pods:
                    group.create_task(stream(pod))


def log_file_option(help_text: str) -> Callable[[F], F]:
    """`--log-file` (or $REFLOW_LOG_FILE): the JSON log of a local `reflow controllers`, read instead of Pods."""
    return click.option(
        "--log-file", type=click.Path(dir_okay=False, path_type=Path), envvar="REFLOW_LOG_FILE", help=help_text
    )


@click.command()
@click.option("--kind", help="Only lines about this kind, e.g. Kustomization.")
@click.option("--name", help="Only lines about objects of this name.")
@click.option("--level", type=click.Choice(LEVELS), help="Only lines of this level.")
@click.option("-f", "--follow", is_flag=True, help="Keep printing new lines until --timeout.")
@click.option("--tail", type=int, default=-1, help="Print only the last N matching lines (-1: all).")
@click.option("--since", type=Duration(), help="Only lines newer than this, e.g. 10m.")
@click.option("-A", "--all-namespaces", is_flag=True, help="Lines about objects in every namespace.")
@click.option("--flux-namespace", default=None, help="Namespace of the controller Pods (default: flux-system).")
@log_file_option("Read the JSON log file of a local `reflow controllers` instead of Pods ($REFLOW_LOG_FILE).")
@global_options
def logs(
    kind: str | None,
    name: str | None,
    level: str | None,
    follow: bool,
    tail: int,
    since: float | None,
    all_namespaces: bool,
    flux_namespace: str | None,
    log_file: Path | None,
    options: GlobalOptions,
) -> None:
    """Show the controllers' log lines about Flux objects.

    \b
    Examples:
      reflow logs --kind=Kustomization --name=apps --level=error
      reflow logs --log-file ~/.local/state/reflow/logs/controllers.log --follow --since=5m
    """
    keep = LogFilter(
        kind=kind,
        name=name,
        namespace=None if all_namespaces else options.namespace,
        level=level,
        since=datetime.now(UTC) - timedelta(seconds=since) if since is not None else None,
    )
    tail_count = tail if tail >= 0 else None
    if log_file is not None:
        run(from_file(log_file, keep, tail_count, follow, options.timeout))
    else:
        run(from_pods(options, flux_namespace or default_namespace(), keep, tail_count, since, follow))
