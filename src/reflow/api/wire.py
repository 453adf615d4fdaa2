"""Converting between wire dicts (camelCase, Go durations) and reflow's API models, in both directions.

Parsing happens once, where an object enters reflow: names are mapped, missing fields take the model
defaults (which equal the CRD's schema defaults), durations become seconds, and a value of the wrong
type raises `ValueError` naming its path. Rendering produces the dict the API server expects back,
omitting empty optional fields the way Go's `omitempty` does, so a status can be written as a patch.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TypeVar

from reflow.api.duration import format_duration, parse_duration
from reflow.api.meta import Manifest
from reflow.api.schema import KindInfo, Shape, fields_of

M = TypeVar("M")


def parse(model: type[M], data: Mapping[str, object], *, path: str = "") -> M:
    """A model from its wire dict; unknown keys are ignored, a missing required field raises ValueError."""
    if not isinstance(data, Mapping):
        raise ValueError(f"{path or '.'}: expected an object, got {type(data).__name__}")
    values: dict[str, object] = {}
    for field in fields_of(model):
        where = f"{path}.{field.wire}"
        raw = data.get(field.wire)
        if raw is not None:
            values[field.name] = parse_value(field.shape, raw, where)
        elif not field.has_default:
            raise ValueError(f"{where}: required field is missing")
    factory: Callable[..., M] = model
    return factory(**values)


def parse_object(model: type[M], manifest: Mapping[str, object]) -> M:
    """A kind's model from a whole object; raises ValueError when apiVersion or kind is not the model's."""
    info: KindInfo = getattr(model, "KIND")  # noqa: B009 - every kind model declares KIND as a ClassVar
    found = (manifest.get("apiVersion"), manifest.get("kind"))
    if found != (info.api_version, info.kind):
        raise ValueError(f"expected {info.api_version} {info.kind}, got {found[0]} {found[1]}")
    return parse(model, manifest)


def render(model: object) -> Manifest:
    """The wire dict of a model: camelCase keys, durations as Go strings, empty optional fields left out."""
    out: Manifest = {}
    for field in fields_of(type(model)):
        value = getattr(model, field.name)
        if not field.required and _is_empty(value):
            continue
        out[field.wire] = _dump(field.shape, value)
    return out


def render_object(model: object) -> Manifest:
    """A whole object as the API server stores it: apiVersion and kind first, then the rendered fields."""
    info: KindInfo = getattr(model, "KIND")  # noqa: B009 - every kind model declares KIND as a ClassVar
    return {"apiVersion": info.api_version, "kind": info.kind, **render(model)}


def status_patch(model: object) -> Manifest:
    """`{"status": …}` of a kind's model, for the status subresource."""
    status = getattr(model, "status")  # noqa: B009 - only kinds with a status have this attribute
    return {"status": render(status)}


def merge_patch(before: Mapping[str, object], after: Mapping[str, object]) -> Manifest:
    """The JSON merge patch (RFC 7386) turning `before` into `after`: changed keys, and None for removed ones."""
    patch: Manifest = {key: None for key in before if key not in after}
    for key, value in after.items():
        old = before.get(key)
        if isinstance(old, Mapping) and isinstance(value, Mapping):
            nested = merge_patch(old, value)
            if nested:
                patch[key] = nested
        elif key not in before or old != value:
            patch[key] = value
    return patch


def _is_empty(value: object) -> bool:
    if value is None or value is False:
        return True
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value == 0
    return isinstance(value, str | tuple | Mapping) and not value


def parse_value(shape: Shape, raw: object, where: str = "") -> object:
    """One wire value of a shape as the model holds it; raises ValueError naming `where` when it does not fit."""
    kind = shape.kind
    if kind == "json":
        return raw
    if kind == "model" and shape.model is not None:
        if not isinstance(raw, Mapping):
            raise ValueError(f"{where}: expected an object, got {type(raw).__name__}")
        return parse(shape.model, raw, path=where)
    if kind == "list" and shape.item is not None:
        if not isinstance(raw, list | tuple):
            raise ValueError(f"{where}: expected a list, got {type(raw).__name__}")
        return tuple(parse_value(shape.item, item, f"{where}[{index}]") for index, item in enumerate(raw))
    if kind == "map" and shape.item is not None:
        if not isinstance(raw, Mapping):
            raise ValueError(f"{where}: expected an object, got {type(raw).__name__}")
        return {str(key): parse_value(shape.item, item, f"{where}.{key}") for key, item in raw.items()}
    if kind == "bool":
        if not isinstance(raw, bool):
            raise ValueError(f"{where}: expected true or false, got {raw!r}")
        return raw
    if kind == "int":
        if isinstance(raw, bool) or not isinstance(raw, int):
            raise ValueError(f"{where}: expected an integer, got {raw!r}")
        return raw
    if not isinstance(raw, str):
        raise ValueError(f"{where}: expected a string, got {raw!r}")
    if kind == "enum" and raw not in shape.values:
        raise ValueError(f"{where}: {raw!r} is not one of {', '.join(shape.values)}")
    if kind == "duration":
        try:
            return parse_duration(raw)
        except ValueError as err:
            raise ValueError(f"{where}: {err}") from err
    return raw


def _dump(shape: Shape, value: object) -> object:
    kind = shape.kind
    if kind == "model":
        return render(value)
    if kind == "list" and shape.item is not None and isinstance(value, tuple | list):
        item = shape.item
        return [_dump(item, entry) for entry in value]
    if kind == "map" and shape.item is not None and isinstance(value, Mapping):
        item = shape.item
        return {key: _dump(item, entry) for key, entry in value.items()}
    if kind == "duration" and isinstance(value, int | float):
        return format_duration(value)
    return value
