"""Typed reads of manifest fields with kstatus's tolerance: lenient for counters, strict where it must be.

kstatus reads most numbers leniently: a missing field, a field of the wrong type or a path that runs
through a non-object all give the default. A few reads are strict (generation, observedGeneration,
deletionTimestamp, the conditions list): a value of the wrong type there makes the whole object
unjudgeable, which `MalformedObject` carries up to `compute` as an Unknown status.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from reflow.api.meta import Manifest, group_of


class MalformedObject(ValueError):
    """A field the rules depend on holds a value of the wrong type."""


def lookup(obj: Manifest, path: str) -> tuple[object, bool]:
    """The value at a dotted path and whether it was there; a non-object on the way means absent."""
    value: object = obj
    for key in path.split("."):
        if not isinstance(value, dict) or key not in value:
            return None, False
        value = value[key]
    return value, True


def int_field(obj: Manifest, path: str, default: int) -> int:
    """An integer field, or `default` when it is missing or not an integer (booleans and floats included)."""
    value, _ = lookup(obj, path)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return default


def str_field(obj: Manifest, path: str, default: str) -> str:
    """A string field, or `default` when it is missing or not a string."""
    value, _ = lookup(obj, path)
    return value if isinstance(value, str) else default


def bool_field(obj: Manifest, path: str, default: bool) -> bool:
    """A boolean field, or `default` when it is missing or not a boolean."""
    value, _ = lookup(obj, path)
    return value if isinstance(value, bool) else default


def strict_int(obj: Manifest, path: str) -> int | None:
    """An integer field that must be an integer when present (`null` counts as absent)."""
    value, found = lookup(obj, path)
    if not found or value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise MalformedObject(f"{path} is {type(value).__name__} {value!r}, expected an integer")


def strict_str(obj: Manifest, path: str) -> str | None:
    """A string field that must be a string when present (`null` counts as absent)."""
    value, found = lookup(obj, path)
    if not found or value is None:
        return None
    if isinstance(value, str):
        return value
    raise MalformedObject(f"{path} is {type(value).__name__} {value!r}, expected a string")


def kind_of(obj: Manifest) -> str:
    kind = obj.get("kind")
    return kind if isinstance(kind, str) else ""


def group_kind(obj: Manifest) -> str:
    """The key kstatus files per-kind rules under: `group/Kind`, or just `Kind` in the core group."""
    api_version = obj.get("apiVersion")
    group = group_of(api_version) if isinstance(api_version, str) else ""
    kind = kind_of(obj)
    return f"{group}/{kind}" if group else kind


def creation_time(obj: Manifest) -> datetime | None:
    """`metadata.creationTimestamp` as an aware datetime, or None when missing or unparseable."""
    value = str_field(obj, "metadata.creationTimestamp", "")
    try:
        parsed = datetime.fromisoformat(value) if value else None
    except ValueError:
        return None
    if parsed is not None and parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed


@dataclass(frozen=True, slots=True, kw_only=True)
class ObservedCondition:
    """One entry of `status.conditions` as the object carries it; missing strings read as empty."""

    type: str = ""
    status: str = ""
    reason: str = ""
    message: str = ""


_CONDITION_FIELDS = ("type", "status", "reason", "message")


def conditions(obj: Manifest) -> tuple[ObservedCondition, ...]:
    """The object's `status.conditions`, in order.

    Absent or `null` status or conditions give no conditions. Anything that cannot be read as a list of
    objects with string fields raises `MalformedObject`, as kstatus's typed decoding does.
    """
    status = obj.get("status")
    if status is None:
        return ()
    if not isinstance(status, dict):
        raise MalformedObject(f"status is {type(status).__name__}, expected an object")
    entries = status.get("conditions")
    if entries is None:
        return ()
    if not isinstance(entries, list):
        raise MalformedObject(f"status.conditions is {type(entries).__name__}, expected a list")
    found = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise MalformedObject(f"status.conditions[{index}] is {type(entry).__name__}, expected an object")
        values: dict[str, str] = {}
        for name in _CONDITION_FIELDS:
            value = entry.get(name)
            if value is None:
                continue
            if not isinstance(value, str):
                raise MalformedObject(f"status.conditions[{index}].{name} is {type(value).__name__}, expected a string")
            values[name] = value
        found.append(ObservedCondition(**values))
    return tuple(found)


def find_condition(observed: tuple[ObservedCondition, ...], type_: str, status: str) -> ObservedCondition | None:
    """The first condition of this type with this status."""
    return next((c for c in observed if c.type == type_ and c.status == status), None)
