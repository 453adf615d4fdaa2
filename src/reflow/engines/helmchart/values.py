"""Merge a HelmChart's `valuesFiles` into one `values.yaml`, as Flux does before packaging the chart.

Files are merged in the order given, each over the ones before: mappings merge key by key at every depth,
anything else (lists, scalars, null) replaces what was there. The chart's own `values.yaml` takes part
only when it is listed; a list of just `values.yaml` changes nothing and counts as no list.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import yaml

from reflow.engines.helmchart.errors import ValuesFilesError

VALUES_FILE = "values.yaml"


@dataclass(frozen=True, slots=True)
class MergedValues:
    """The merged values and the files that went into them, in order (missing ones skipped if allowed)."""

    values: dict[str, Any]
    files: tuple[str, ...]


def values_files_in_effect(files: Sequence[str]) -> tuple[str, ...]:
    """The files to merge: none when the list is only the chart's own `values.yaml`."""
    if len(files) == 1 and posixpath.normpath(files[0]) == VALUES_FILE:
        return ()
    return tuple(files)


def merge_maps(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """`override` over `base`: nested mappings merge, every other value replaces."""
    merged = dict(base)
    for key, value in override.items():
        current = merged.get(key)
        if isinstance(value, Mapping) and isinstance(current, Mapping):
            merged[key] = merge_maps(current, value)
        else:
            merged[key] = value
    return merged


def parse_values(data: bytes, path: str) -> dict[str, Any]:
    """A values file as a mapping; an empty file is an empty mapping."""
    try:
        loaded = yaml.load(data, Loader=yaml.CSafeLoader)
    except yaml.YAMLError as error:
        where = getattr(error, "problem_mark", None)
        line = f" at line {where.line + 1}" if where is not None else ""
        raise ValuesFilesError(f"values file '{path}' is not valid YAML{line}") from error
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise ValuesFilesError(f"values file '{path}' is not a YAML mapping")
    return {str(key): value for key, value in loaded.items()}


def merge_values_files(
    files: Sequence[str], read: Callable[[str], bytes | None], *, ignore_missing: bool
) -> MergedValues:
    """Merge `files` in order; `read` returns a file's bytes or None when it does not exist."""
    merged: dict[str, Any] = {}
    found: list[str] = []
    for path in files:
        data = read(path)
        if data is None:
            if ignore_missing:
                continue
            raise ValuesFilesError(f"no values file found at path '{path}'")
        merged = merge_maps(merged, parse_values(data, path))
        found.append(path)
    return MergedValues(merged, tuple(found))


def render_values(values: Mapping[str, Any]) -> bytes:
    """The merged values as the new `values.yaml`: keys sorted, as Flux writes them."""
    if not values:
        return b""
    return yaml.dump(dict(values), Dumper=yaml.CSafeDumper, sort_keys=True, allow_unicode=True).encode()
