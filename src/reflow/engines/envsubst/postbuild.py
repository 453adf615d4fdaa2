"""Kustomization `postBuild` substitution rules around the template engine, as kustomize-controller applies them.

Variables come from `substituteFrom` (later sources override earlier ones) and then the inline
`substitute` map, which wins; newlines are removed from every value. Names must be shell-like. Objects
labelled or annotated `kustomize.toolkit.fluxcd.io/substitute: disabled` are left alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

import yaml

from reflow.engines.envsubst.evaluate import Lookup, evaluate, substitute

SUBSTITUTE_KEY = "kustomize.toolkit.fluxcd.io/substitute"
DISABLED = "disabled"
NAME_PATTERN = "^[_[:alpha:]][_[:alpha:][:digit:]]*$"
_NAME = re.compile(r"[_a-zA-Z][_a-zA-Z0-9]*")
_SEPARATOR = re.compile(r"---[ \t]*")


class InvalidVariableName(ValueError):
    """A variable name is not usable in `${...}`."""

    def __init__(self, name: str) -> None:
        super().__init__(f"'{name}' var name is invalid, must match '{NAME_PATTERN}'")
        self.name = name


def merge_variables(sources: Iterable[Mapping[str, str]], inline: Mapping[str, str] | None = None) -> dict[str, str]:
    """The variables in force: each source in order, then the inline map, newlines removed from values."""
    merged: dict[str, str] = {}
    for source in [*sources, inline or {}]:
        merged.update({name: value.replace("\n", "") for name, value in source.items()})
    return merged


def check_names(variables: Iterable[str]) -> None:
    """Raise `InvalidVariableName` for the first name that is not `[_a-zA-Z][_a-zA-Z0-9]*`."""
    for name in variables:
        if not _NAME.fullmatch(name):
            raise InvalidVariableName(name)


def substitution_disabled(manifest: Mapping[str, Any]) -> bool:
    """Whether the object opts out with the `substitute: disabled` label or annotation."""
    metadata = manifest.get("metadata") or {}
    labels = metadata.get("labels") or {}
    annotations = metadata.get("annotations") or {}
    return labels.get(SUBSTITUTE_KEY) == DISABLED or annotations.get(SUBSTITUTE_KEY) == DISABLED


def substitute_manifest_text(text: str, variables: Mapping[str, str], *, strict: bool) -> str:
    """One object's YAML with its variables expanded; nothing happens when there are no variables."""
    if not variables:
        return text
    check_names(variables)
    return substitute(text, variables, strict=strict)


def split_documents(text: str) -> tuple[list[str], list[str]]:
    """YAML documents and the `---` lines between them, so that joining them back gives the input."""
    chunks: list[str] = []
    separators: list[str] = []
    current: list[str] = []
    lines = text.split("\n")
    if text.endswith("\n"):
        lines.pop()
    for line in lines:
        line = line.removesuffix("\r")
        if _SEPARATOR.fullmatch(line):
            chunks.append("".join(current))
            current = []
            separators.append(line + "\n")
        else:
            current.append(line + "\n")
    trailing = "".join(current)
    if trailing and not text.endswith("\n"):
        trailing = trailing.removesuffix("\n")
    chunks.append(trailing)
    return chunks, separators


def _document_disabled(document: str) -> bool:
    if not document.strip():
        return False
    try:
        loaded = yaml.safe_load(document)
    except yaml.YAMLError:
        return False
    return isinstance(loaded, dict) and substitution_disabled(loaded)


def substitute_documents(text: str, lookup: Lookup) -> str:
    """Multi-document YAML with variables expanded, skipping opted-out documents (`flux envsubst`)."""
    chunks, separators = split_documents(text)
    rendered = []
    for index, chunk in enumerate(chunks):
        if index:
            rendered.append(separators[index - 1])
        rendered.append(chunk if _document_disabled(chunk) else evaluate(chunk, lookup))
    return "".join(rendered)
