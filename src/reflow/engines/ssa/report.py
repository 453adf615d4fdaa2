"""A dyff-style report of what applying changes in one object, as `flux diff kustomization` prints it.

Each difference is a block: the dot-style path (list entries named by their `name` when they all
have one), a line saying what changed, and the values. Blocks end with a blank line.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import yaml

from reflow.api.meta import Manifest

from .diff import comparable

_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve")


@dataclass(frozen=True, slots=True)
class Difference:
    """One block of the report: where, what kind of change, and the lines under it."""

    path: str
    headline: str
    lines: tuple[str, ...]

    def __str__(self) -> str:
        return "\n".join((self.path, self.headline, *self.lines)) + "\n"


def differences(live: Manifest, merged: Manifest) -> tuple[Difference, ...]:
    """What differs between the live object and the dry-run's merged object, status and server metadata aside."""
    return tuple(_walk((), comparable(live), comparable(merged)))


def report(live: Manifest, merged: Manifest) -> str:
    """The blocks of `differences`, each followed by a blank line; empty when nothing changes."""
    return "".join(f"{difference}\n" for difference in differences(live, merged))


def _walk(path: tuple[str, ...], before: object, after: object) -> Iterator[Difference]:
    if before == after:
        return
    if isinstance(before, dict) and isinstance(after, dict):
        yield from _maps(path, before, after)
    elif isinstance(before, list) and isinstance(after, list):
        yield from _lists(path, before, after)
    elif _kind(before) != _kind(after):
        headline = f"± type change from {_kind(before)} to {_kind(after)}"
        yield Difference(_dotted(path), headline, (f"- {_scalar(before)}", f"+ {_scalar(after)}"))
    else:
        yield Difference(_dotted(path), "± value change", (f"- {_scalar(before)}", f"+ {_scalar(after)}"))


def _maps(path: tuple[str, ...], before: dict[str, object], after: dict[str, object]) -> Iterator[Difference]:
    removed = {key: before[key] for key in before if key not in after}
    added = {key: after[key] for key in after if key not in before}
    if removed:
        yield Difference(
            _dotted(path), f"- {_count(len(removed), 'map entry', 'map entries')} removed:", _block(removed)
        )
    if added:
        yield Difference(_dotted(path), f"+ {_count(len(added), 'map entry', 'map entries')} added:", _block(added))
    for key in sorted(before.keys() & after.keys(), key=str):
        yield from _walk((*path, str(key)), before[key], after[key])


def _names(items: list[object]) -> list[str] | None:
    names = [item.get("name") for item in items if isinstance(item, dict)]
    if len(names) != len(items) or not all(isinstance(name, str) for name in names) or len(set(names)) != len(names):
        return None
    return [str(name) for name in names]


def _lists(path: tuple[str, ...], before: list[object], after: list[object]) -> Iterator[Difference]:
    old_names, new_names = _names(before), _names(after)
    if old_names is not None and new_names is not None and (before or after):
        old, new = dict(zip(old_names, before, strict=True)), dict(zip(new_names, after, strict=True))
        removed = [old[name] for name in old_names if name not in new]
        added = [new[name] for name in new_names if name not in old]
        kept = [name for name in new_names if name in old]
        yield from _entries(path, removed, added)
        for name in kept:
            yield from _walk((*path, name), old[name], new[name])
        return
    if len(before) == len(after) and any(isinstance(item, dict | list) for item in (*before, *after)):
        for index, (old_item, new_item) in enumerate(zip(before, after, strict=True)):
            yield from _walk((*path, str(index)), old_item, new_item)
        return
    removed = [item for item in before if item not in after]
    added = [item for item in after if item not in before]
    if removed or added:
        yield from _entries(path, removed, added)
    else:
        lines = (f"- {', '.join(_scalar(item) for item in before)}", f"+ {', '.join(_scalar(item) for item in after)}")
        yield Difference(_dotted(path), "⇆ order changed", lines)


def _entries(path: tuple[str, ...], removed: list[object], added: list[object]) -> Iterator[Difference]:
    if removed:
        yield Difference(
            _dotted(path), f"- {_count(len(removed), 'list entry', 'list entries')} removed:", _block(removed)
        )
    if added:
        yield Difference(_dotted(path), f"+ {_count(len(added), 'list entry', 'list entries')} added:", _block(added))


def _dotted(path: tuple[str, ...]) -> str:
    return ".".join(path) or "(root level)"


def _count(number: int, one: str, many: str) -> str:
    word = _WORDS[number] if number < len(_WORDS) else str(number)
    return f"{word} {one if number == 1 else many}"


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, dict):
        return "map"
    if isinstance(value, list):
        return "list"
    return "string"


def _scalar(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict | list):
        return yaml.safe_dump(value, default_flow_style=True, sort_keys=False).strip()
    return "null" if value is None else str(value).lower() if isinstance(value, bool) else str(value)


def _block(value: object) -> tuple[str, ...]:
    text = yaml.safe_dump(value, default_flow_style=False, sort_keys=False, allow_unicode=True, width=1_000_000)
    return tuple(f"  {line}" for line in text.rstrip("\n").split("\n"))
