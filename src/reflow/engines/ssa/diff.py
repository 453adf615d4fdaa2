"""What applying would change in a live object, field by field, with Secret values masked (`reflow diff`)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from reflow.api.meta import Manifest

from .drift import SERVER_METADATA

MASK = "***"
MASK_BEFORE = "*** (before)"
MASK_AFTER = "*** (after)"
SECRET_FIELDS = ("data", "stringData")


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One changed field: its JSON pointer, and its value before and after (None: absent)."""

    path: str
    before: object
    after: object

    def __str__(self) -> str:
        if self.before is None:
            return f"+ {self.path}: {self.after!r}"
        if self.after is None:
            return f"- {self.path}: {self.before!r}"
        return f"~ {self.path}: {self.before!r} -> {self.after!r}"


def comparable(obj: Manifest | None) -> Manifest:
    """The object without status and the metadata the API server owns."""
    if obj is None:
        return {}
    metadata = {k: v for k, v in (obj.get("metadata") or {}).items() if k not in SERVER_METADATA}
    return {**{k: v for k, v in obj.items() if k != "status"}, "metadata": metadata}


def is_secret(obj: Manifest | None) -> bool:
    return obj is not None and obj.get("kind") == "Secret" and obj.get("apiVersion") == "v1"


def mask_secrets_for_diff(live: Manifest | None, dry_run: Manifest) -> tuple[Manifest | None, Manifest]:
    """Copies of both objects with Secret values masked as Flux masks them.

    A key whose value differs shows `*** (before)` and `*** (after)`; any other key shows `***`, so a
    diff tells what changed but never the value. Objects other than Secrets come back as they are.
    """
    if not (is_secret(dry_run) or is_secret(live)):
        return live, dry_run
    masked_live = dict(live) if live is not None else None
    masked_dry = dict(dry_run)
    for name in SECRET_FIELDS:
        before = dict((live or {}).get(name) or {})
        after = dict(dry_run.get(name) or {})
        for key in before.keys() | after.keys():
            changed = key in before and key in after and before[key] != after[key]
            if key in before:
                before[key] = MASK_BEFORE if changed else MASK
            if key in after:
                after[key] = MASK_AFTER if changed else MASK
        if masked_live is not None and name in masked_live:
            masked_live[name] = before
        if name in masked_dry:
            masked_dry[name] = after
    return masked_live, masked_dry


def diff(live: Manifest | None, dry_run: Manifest) -> tuple[FieldChange, ...]:
    """The fields that applying changes, live → dry-run (everything, for an object that does not exist)."""
    return tuple(_walk("", comparable(live) if live is not None else None, comparable(dry_run)))


def _walk(path: str, before: object, after: object) -> Iterator[FieldChange]:
    if before == after:
        return
    if isinstance(before, dict) and isinstance(after, dict):
        for key in sorted(before.keys() | after.keys(), key=str):
            yield from _walk(f"{path}/{_escape(str(key))}", before.get(key), after.get(key))
        return
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        for index, (old, new) in enumerate(zip(before, after, strict=True)):
            yield from _walk(f"{path}/{index}", old, new)
        return
    yield FieldChange(path or "/", before, after)


def render(changes: tuple[FieldChange, ...]) -> str:
    """One line per changed field."""
    return "\n".join(str(change) for change in changes)


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")
