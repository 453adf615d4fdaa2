"""How the CLI writes things down: YAML and JSON as Flux prints them, tables, Go durations, ages and sizes."""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import yaml
from rich.console import Console
from rich.table import Table

from reflow.api.meta import Manifest


class _FluxDumper(yaml.SafeDumper):
    """Block style, sorted keys, sequences flush with their key, multi-line strings as literal blocks."""


def _string(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    """Multi-line strings as literal blocks; the empty string as `""`, as Go's YAML writes it."""
    style = "|" if "\n" in value else '"' if value == "" else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_FluxDumper.add_representer(str, _string)


def to_yaml(objects: Iterable[Manifest]) -> str:
    """Each object as a YAML document starting with `---`, keys sorted, as `flux … --export` writes them."""
    parts = []
    for obj in objects:
        text = yaml.dump(obj, Dumper=_FluxDumper, sort_keys=True, default_flow_style=False, width=float("inf"))
        parts.append("---\n" + text)
    return "".join(parts)


def to_json(value: Any) -> str:
    """Indented JSON with a trailing newline."""
    return json.dumps(value, indent=2) + "\n"


def table(headers: Sequence[str], rows: Iterable[Sequence[str]], *, header: bool = True) -> str:
    """A borderless table with left-aligned columns and no trailing blanks; empty string when there are no rows."""
    grid = Table(box=None, show_header=header, pad_edge=False, padding=(0, 3, 0, 0), header_style="")
    for name in headers:
        grid.add_column(name, no_wrap=True, overflow="ignore")
    count = 0
    for row in rows:
        grid.add_row(*row)
        count += 1
    if not count and not header:
        return ""
    buffer = io.StringIO()
    Console(file=buffer, width=100_000, color_system=None, highlight=False).print(grid)
    return "".join(line.rstrip() + "\n" for line in buffer.getvalue().splitlines())


def go_duration(seconds: float) -> str:
    """A duration as Go's `time.Duration.String()` writes it: 60 → `1m0s`, 3600 → `1h0m0s`, 0.5 → `500ms`."""
    if seconds == 0:
        return "0s"
    if seconds < 1:
        millis = seconds * 1000
        return f"{millis:g}ms" if millis >= 1 else f"{seconds * 1_000_000:g}µs"
    whole, fraction = int(seconds), round(seconds - int(seconds), 9)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    second_text = f"{secs + fraction:g}s" if fraction else f"{secs}s"
    if hours:
        return f"{hours}h{minutes}m{second_text}"
    if minutes:
        return f"{minutes}m{second_text}"
    return second_text


def parse_time(text: str | None) -> datetime | None:
    """An RFC 3339 timestamp from the API server (None when absent or unreadable)."""
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def age(then: datetime | None, now: datetime | None = None) -> str:
    """How long ago, as kubectl shows it: `45s`, `3m`, `5h`, `2d`; `<unknown>` when there is no time."""
    if then is None:
        return "<unknown>"
    seconds = max(0, int(((now or datetime.now(UTC)) - then).total_seconds()))
    if seconds < 120:
        return f"{seconds}s"
    if seconds < 2 * 3600:
        return f"{seconds // 60}m"
    if seconds < 2 * 86400:
        return f"{seconds // 3600}h"
    return f"{seconds // 86400}d"


def size(count: int | None) -> str:
    """Bytes in binary units with one decimal, as `flux stats` prints them: `64.0 KiB`; `-` when unknown."""
    if count is None:
        return "-"
    value = float(count)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{int(value)} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TiB"
