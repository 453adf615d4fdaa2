"""`managedNamespaces`: which target namespaces a generator manages, and the labels and annotations they get.

A namespace is managed when one `allowedNames` CEL expression over `ns` is true and it is not one of
the namespaces no generator may manage. Metadata is built in Flux's order: `commonMetadata`, then the
NamespaceMetadata file (only the keys its allow-lists name, each value checked by its CEL expression),
then the `from` operations, then the generator's own labels, which always win.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from reflow.api.annotations import GENERATOR_EXTERNAL_FINALIZER as EXTERNAL_FINALIZER
from reflow.api.meta import CommonMetadata
from reflow.api.sourceext import ManagedNamespaces, MetadataFromSource
from reflow.engines.generator.build import read_mapping
from reflow.engines.generator.errors import GeneratorError, InvalidPattern
from reflow.engines.generator.merge import NotAMapping
from reflow.engines.generator.paths import PathError
from reflow.engines.generator.pattern import render
from reflow.engines.health.cel import EvaluationError, InvalidExpression, parse

RESERVED = frozenset({"default", "kube-system", "kube-public", "flux-system"})
"""Namespaces no generator manages, whatever its allowedNames say."""
METADATA_API_VERSION = "source.extensions.fluxcd.io/v1beta1"
METADATA_KIND = "NamespaceMetadata"


@dataclass(frozen=True, slots=True, kw_only=True)
class FinalizerRef:
    """The object an `externalFinalizer` annotation hands a Namespace's deletion to."""

    api_version: str
    kind: str
    namespace: str | None
    name: str
    uid: str


def external_finalizer(value: str) -> FinalizerRef | None:
    """The annotation's object; None when the value is malformed (then the generator stays accountable)."""
    parts = value.split("/")
    if len(parts) != 6:
        return None
    group, version, kind, namespace, name, uid = parts
    if not (version and kind and name and uid):
        return None
    api_version = f"{group}/{version}" if group else version
    return FinalizerRef(api_version=api_version, kind=kind, namespace=namespace or None, name=name, uid=uid)


@dataclass(frozen=True, slots=True)
class NamespaceMetadata:
    """What a managed namespace should carry."""

    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)

    def digest(self) -> str:
        """`sha256:<hex>` over the sorted labels and annotations: the inventory's digest of a Namespace entry."""
        parts = sorted([f"label:{k}={v}" for k, v in self.labels.items()] +
                       [f"annotation:{k}={v}" for k, v in self.annotations.items()])  # fmt: skip
        return "sha256:" + hashlib.sha256("|".join(parts).encode()).hexdigest()


def managed(spec: ManagedNamespaces, targets: Iterable[str], own: str) -> list[str]:
    """The target namespaces the generator manages, sorted: never its own, never a reserved one; InvalidPattern
    for an expression that does not parse or does not yield a bool."""
    try:
        expressions = [parse(text, what="allowedNames expression") for text in spec.allowed_names]
        return sorted(
            name
            for name in set(targets)
            if name != own
            and name not in RESERVED
            and any(expression.evaluate({"ns": name}) for expression in expressions)
        )
    except (InvalidExpression, EvaluationError) as error:
        raise InvalidPattern(f"managedNamespaces.allowedNames: {error}") from error


def read_sourced(
    allowed: MetadataFromSource, captures: Mapping[str, str], sources: Mapping[str, Path], staged: Path
) -> NamespaceMetadata:
    """The allowed metadata of the NamespaceMetadata file `fromSource.path` names (its `{captures}` filled);
    GeneratorError naming the file when it cannot be read. Blocking; run it in a thread."""
    path = render(allowed.path, captures, "namespace metadata path")
    try:
        document = read_mapping(path, sources, staged)
    except (PathError, NotAMapping, UnicodeDecodeError, OSError) as error:
        raise GeneratorError(f"namespace metadata '{path}': {error}") from error
    return sourced(document, allowed, path)


def sourced(document: object, allowed: MetadataFromSource, path: str) -> NamespaceMetadata:
    """The labels and annotations a NamespaceMetadata file may set: keys the allow-lists do not name are dropped,
    a value its expression rejects fails the build (GeneratorError naming the file and the key)."""
    if not isinstance(document, dict) or document.get("kind", METADATA_KIND) != METADATA_KIND:
        raise GeneratorError(f"namespace metadata '{path}': not a {METADATA_KIND} document")
    if document.get("apiVersion", METADATA_API_VERSION) != METADATA_API_VERSION:
        raise GeneratorError(f"namespace metadata '{path}': unsupported apiVersion '{document.get('apiVersion')}'")
    meta = document.get("metadata") or {}
    return NamespaceMetadata(
        labels=_allowed(meta.get("labels") or {}, allowed.allowed_labels, "label", path),
        annotations=_allowed(meta.get("annotations") or {}, allowed.allowed_annotations, "annotation", path),
    )


def _allowed(values: Mapping[str, object], rules: Mapping[str, str], what: str, path: str) -> dict[str, str]:
    kept: dict[str, str] = {}
    for key, value in values.items():
        if key not in rules:
            continue
        try:
            ok = parse(rules[key], what=f"allowed {what} expression").evaluate({"value": str(value)})
        except (InvalidExpression, EvaluationError) as error:
            raise InvalidPattern(f"namespace metadata '{path}': {what} '{key}': {error}") from error
        if not ok:
            raise GeneratorError(f"namespace metadata '{path}': {what} '{key}' value '{value}' is not allowed "
                                 f"by '{rules[key]}'")  # fmt: skip
        kept[key] = str(value)
    return kept


def metadata_for(
    namespace: str,
    spec: ManagedNamespaces,
    common: CommonMetadata | None,
    from_file: NamespaceMetadata | None,
    own_labels: Mapping[str, str],
) -> NamespaceMetadata:
    """The labels and annotations of one managed namespace, in Flux's order of precedence."""
    labels = dict(common.labels) if common else {}
    annotations = dict(common.annotations) if common else {}
    if from_file:
        labels.update(from_file.labels)
        annotations.update(from_file.annotations)
    for op in spec.metadata.from_ if spec.metadata else ():
        if op.namespace not in ("*", namespace):
            continue
        if op.strategy == "Reset":
            labels, annotations = dict(op.labels), dict(op.annotations)
        elif op.strategy == "Override":
            labels.update(op.labels)
            annotations.update(op.annotations)
        else:
            labels = {**op.labels, **labels}
            annotations = {**op.annotations, **annotations}
    labels.update(own_labels)
    if annotations.get(EXTERNAL_FINALIZER):
        raise InvalidPattern(f"metadata for namespace '{namespace}' may not set '{EXTERNAL_FINALIZER}': only another "
                             "controller sets it, to take over the namespace's deletion")  # fmt: skip
    return NamespaceMetadata(labels=labels, annotations=annotations)
