"""Field ownership: taking fields over from other managers (kubectl, `--override-manager`), removing old metadata,
and telling which applier owns a field."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from reflow.api import annotations as keys
from reflow.api.meta import Manifest

MANAGED_FIELDS = "/metadata/managedFields"
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
# Removed from live objects before apply: kubectl's client-side apply record and Flux v1 leftovers.
CLEANUP_ANNOTATIONS = (LAST_APPLIED, keys.LEGACY_CHECKSUM, keys.LEGACY_SYNC_CHECKSUM)
CLEANUP_LABELS = (keys.LEGACY_SYNC_GC_MARK,)

Operation = Literal["Apply", "Update"]


@dataclass(frozen=True, slots=True)
class FieldManager:
    """Managers whose name starts with `name` and that wrote with `operation` (subresources never match)."""

    name: str
    operation: Operation

    def matches(self, entry: Mapping[str, object]) -> bool:
        return (
            str(entry.get("manager", "")).startswith(self.name)
            and entry.get("operation") == self.operation
            and not entry.get("subresource")
        )


def takeover_managers(controller: str, overrides: Iterable[str] = ()) -> tuple[FieldManager, ...]:
    """The managers Flux takes fields from: kubectl (server- and client-side), `before-first-apply`, the
    controller's own pre-SSA updates, and each `--override-manager` name (Apply and Update)."""
    return (
        FieldManager("kubectl", "Apply"),
        FieldManager("kubectl", "Update"),
        FieldManager("before-first-apply", "Update"),
        FieldManager(controller, "Update"),
        *override_managers(overrides),
    )


def override_managers(names: Iterable[str]) -> tuple[FieldManager, ...]:
    """Both the Apply and the Update entries of each named manager."""
    return tuple(FieldManager(name, operation) for name in names for operation in ("Apply", "Update"))


@dataclass(frozen=True, slots=True)
class Cleanup:
    """What to remove from live objects before applying them."""

    managers: tuple[FieldManager, ...] = ()
    annotations: tuple[str, ...] = CLEANUP_ANNOTATIONS
    labels: tuple[str, ...] = field(default=CLEANUP_LABELS)


def merge_managed(obj: Manifest) -> bool:
    """`kustomize.toolkit.fluxcd.io/ssa: Merge`: keep other managers' fields, so no cleanup at all."""
    metadata = obj.get("metadata") or {}
    return any(
        str((metadata.get(part) or {}).get(keys.SSA, "")).lower() == keys.SSA_MERGE.lower()
        for part in ("labels", "annotations")
    )


def needs_cleanup(obj: Manifest, cleanup: Cleanup) -> bool:
    """Whether the object carries metadata or managers that the cleanup removes."""
    metadata = obj.get("metadata") or {}
    if any(key in (metadata.get("annotations") or {}) for key in cleanup.annotations):
        return True
    if any(key in (metadata.get("labels") or {}) for key in cleanup.labels):
        return True
    entries = metadata.get("managedFields") or []
    return any(manager.matches(entry) for entry in entries for manager in cleanup.managers)


def cleanup_patch(live: Manifest, cleanup: Cleanup, field_manager: str) -> list[Manifest]:
    """A JSON patch that removes the cleanup metadata and hands the matching managers' fields to ours.

    The matching entries are folded into the field manager's Apply entry (created from the first match
    when there is none), so the next apply owns those fields and drops the ones it does not declare.
    Empty when there is nothing to do.
    """
    metadata = live.get("metadata") or {}
    patch: list[Manifest] = [
        {"op": "remove", "path": f"/metadata/annotations/{_escape(key)}"}
        for key in cleanup.annotations
        if key in (metadata.get("annotations") or {})
    ]
    patch += [
        {"op": "remove", "path": f"/metadata/labels/{_escape(key)}"}
        for key in cleanup.labels
        if key in (metadata.get("labels") or {})
    ]
    entries = handed_over(metadata.get("managedFields") or [], cleanup.managers, field_manager)
    if entries is not None:
        patch.append({"op": "replace", "path": MANAGED_FIELDS, "value": entries})
    return patch


def handed_over(entries: list[Manifest], managers: Iterable[FieldManager], field_manager: str) -> list[Manifest] | None:
    """The managedFields with the matching managers merged into ours, or None when none matches."""
    managers = tuple(managers)
    ours: Manifest | None = next(
        (dict(e) for e in entries if e.get("manager") == field_manager and e.get("operation") == "Apply"), None
    )
    kept: list[Manifest] = []
    edited = False
    for entry in entries:
        if entry.get("manager") == field_manager and entry.get("operation") == "Apply":
            continue
        if not any(manager.matches(entry) for manager in managers):
            kept.append(entry)
            continue
        edited = True
        if ours is None:
            ours = {**entry, "manager": field_manager, "operation": "Apply"}
        else:
            ours["fieldsV1"] = union(ours.get("fieldsV1") or {}, entry.get("fieldsV1") or {})
    if not edited or ours is None:
        return None
    return [*kept, ours]


def union(left: Manifest, right: Manifest) -> Manifest:
    """The union of two managedFields field sets (FieldsV1 tries)."""
    merged = dict(left)
    for key, value in right.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = union(merged[key], value)
        else:
            merged.setdefault(key, value)
    return merged


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def appliers(obj: Manifest) -> list[Manifest]:
    """The object's `Apply` managedFields entries (subresources left out), each with its field set."""
    entries = (obj.get("metadata") or {}).get("managedFields") or []
    return [
        e
        for e in entries
        if e.get("operation") == "Apply" and not e.get("subresource") and isinstance(e.get("fieldsV1"), dict)
    ]


def field_path(obj: Manifest, tokens: Sequence[str], entries: Sequence[Manifest]) -> tuple[str, ...] | None:
    """The managedFields path (`f:spec`, `f:containers`, `k:{"name":"web"}`, …) of a JSON pointer's tokens.

    A list index becomes the `k:` key, among those the entries record at that list, whose fields equal
    the item's in `obj`. None when an index cannot be resolved so (an atomic list, a list of scalars,
    an item no entry records, or an index past the end).
    """
    segments: list[str] = []
    node: object = obj
    for token in tokens:
        if isinstance(node, list):
            index = int(token) if token.isdigit() else len(node)
            item = node[index] if index < len(node) else None
            key = _merge_key(item, segments, entries) if isinstance(item, dict) else None
            if key is None:
                return None
            segments.append(key)
            node = item
        else:
            segments.append(f"f:{token}")
            node = node.get(token) if isinstance(node, dict) else None
    return tuple(segments)


def _merge_key(item: Manifest, parent: Sequence[str], entries: Sequence[Manifest]) -> str | None:
    for entry in entries:
        for key in _walk(entry["fieldsV1"], parent) or {}:
            if not key.startswith("k:"):
                continue
            try:
                wanted = json.loads(key[2:])
            except ValueError:
                continue
            if isinstance(wanted, dict) and all(item.get(k) == v for k, v in wanted.items()):
                return str(key)
    return None


def _walk(fields: Manifest, segments: Sequence[str]) -> Manifest | None:
    node: object = fields
    for segment in segments:
        node = node.get(segment) if isinstance(node, dict) else None
    return node if isinstance(node, dict) else None


def owned_by_other_appliers(obj: Manifest, tokens: Sequence[str], ours: Callable[[Manifest], bool]) -> bool:
    """Whether an `Apply` entry that is not `ours` owns the field at the pointer's tokens.

    A path that cannot be resolved in managedFields counts as not owned by another applier, as in Flux.
    """
    entries = appliers(obj)
    path = field_path(obj, tokens, entries)
    if not path:
        return False
    return any(not ours(entry) and path[-1] in (_walk(entry["fieldsV1"], path[:-1]) or {}) for entry in entries)
