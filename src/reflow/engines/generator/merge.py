"""YAML deep-merge as Helm merges values files: maps merge key by key, everything else (lists too) is replaced."""

from __future__ import annotations

from collections.abc import Mapping

import yaml

from reflow.api.meta import Manifest


class NotAMapping(ValueError):
    """The text is not YAML, or one of its documents is not a mapping."""


def load_mapping(text: str) -> Manifest:
    """The documents of a YAML stream merged in order into one mapping; empty documents count as `{}`."""
    merged: Manifest = {}
    try:
        documents = list(yaml.load_all(text, Loader=yaml.CSafeLoader))
    except yaml.YAMLError as error:
        raise NotAMapping(f"not valid YAML: {error}") from error
    for document in documents:
        if document is None:
            continue
        if not isinstance(document, dict):
            raise NotAMapping(f"a document is a {type(document).__name__}, not a mapping")
        merged = merge_values(merged, document)
    return merged


def merge_values(base: Mapping[str, object], overlay: Mapping[str, object]) -> Manifest:
    """`overlay` over `base`: nested maps merged recursively, any other value from `overlay` wins whole."""
    merged = dict(base)
    for key, value in overlay.items():
        current = merged.get(key)
        if isinstance(value, Mapping) and isinstance(current, Mapping):
            merged[key] = merge_values(current, value)
        else:
            merged[key] = value
    return merged


def dump_mapping(values: Manifest) -> str:
    """The merged mapping as YAML with sorted keys, so equal values give equal bytes."""
    return yaml.dump(values, Dumper=yaml.CSafeDumper, sort_keys=True, default_flow_style=False)
