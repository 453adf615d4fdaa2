"""Chart values as helm-controller composes them: `valuesFrom` in order, then the inline `values`, and their digest.

Each `valuesFrom` document is merged over what came before; one with a `targetPath` sets a single
value at that `--set` path instead. The inline `values` are merged last. The digest is Flux's
`lastAttemptedConfigDigest`: sha256 of the values as sorted YAML (Helm's `Values.Encode`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import yaml

from reflow.api.helm import ValuesReference
from reflow.engines.helm.strvals import StrvalsError, parse_into

DEFAULT_VALUES_KEY = "values.yaml"


class ValuesError(ValueError):
    """Values that cannot be composed; the message names the reference as Flux does."""


@dataclass(frozen=True, slots=True)
class Resolved:
    """A `valuesFrom` reference and the data of the object it names (None: the object does not exist)."""

    reference: ValuesReference
    data: Mapping[str, str] | None


def merge_maps(base: Mapping[str, Any], overlay: Mapping[str, Any]) -> dict[str, Any]:
    """`overlay` over `base`, recursively for maps; anything else in `overlay` replaces what `base` had."""
    merged = dict(base)
    for key, value in overlay.items():
        below = merged.get(key)
        if isinstance(value, Mapping) and isinstance(below, Mapping):
            merged[key] = merge_maps(below, value)
        else:
            merged[key] = value
    return merged


def _problem(ref: ValuesReference, namespace: str, reason: str) -> ValuesError:
    optional = " optional" if ref.optional else ""
    key = ref.values_key or DEFAULT_VALUES_KEY
    return ValuesError(
        f"could not resolve{optional} {ref.kind} chart values reference '{namespace}/{ref.name}' "
        f"with key '{key}': {reason}"
    )


def _set_path(values: dict[str, Any], path: str, raw: str, literal: bool) -> None:
    """Place `raw` at `path` as `--set` (typed), `--set-string` (quoted) or `--set-literal` would."""
    if literal:
        parse_into(f"{path}={raw}", values, mode="literal")
    elif len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "'\"":
        parse_into(f"{path}={raw.strip(chr(39) + chr(34))}", values, mode="string")
    else:
        parse_into(f"{path}={raw}", values)


def compose(resolved: Sequence[Resolved], inline: Mapping[str, Any] | None, namespace: str) -> dict[str, Any]:
    """The release's values: each reference in order, then `inline` over them.

    A missing object or key fails unless the reference is `optional`; a document that is not a YAML
    map, or a target path Helm would refuse, always fails.
    """
    result: dict[str, Any] = {}
    for item in resolved:
        ref = item.reference
        if item.data is None:
            if ref.optional:
                continue
            raise _problem(ref, namespace, "resource not found")
        key = ref.values_key or DEFAULT_VALUES_KEY
        if key not in item.data:
            if ref.optional:
                continue
            raise _problem(ref, namespace, "key not found")
        raw = item.data[key]
        if ref.target_path:
            try:
                _set_path(result, ref.target_path, raw, ref.literal)
            except StrvalsError as error:
                raise _problem(ref, namespace, f"failed to merge value: {error}") from error
            continue
        try:
            document = yaml.safe_load(raw) if raw.strip() else {}
        except yaml.YAMLError as error:
            raise _problem(ref, namespace, f"failed to read values data: {error}") from error
        if document is None:
            document = {}
        if not isinstance(document, Mapping):
            raise _problem(ref, namespace, "failed to read values data: the document is not a map")
        result = merge_maps(result, document)
    return merge_maps(result, inline or {})


def encode_values(values: Mapping[str, Any]) -> str:
    """The values as Helm encodes them for a digest: YAML with sorted keys, block style."""
    return yaml.safe_dump(dict(values), sort_keys=True, default_flow_style=False, allow_unicode=True)


def digest_values(values: Mapping[str, Any] | None) -> str:
    """Flux's config digest of the values: `sha256:<hex>` of their sorted YAML; `{}` for no values."""
    return "sha256:" + hashlib.sha256(encode_values(values or {}).encode()).hexdigest()
