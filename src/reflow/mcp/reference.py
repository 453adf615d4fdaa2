"""The reference of each Flux kind, written out from reflow's own CRDs: MCP resources `reflow://crd/<Kind>`."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from importlib import resources

import yaml

from reflow.api.meta import Manifest

SCHEME = "reflow://crd/"
MIME = "text/markdown"


@cache
def crds() -> dict[str, Manifest]:
    """reflow's CRDs as shipped in the package, by kind."""
    found: dict[str, Manifest] = {}
    for path in resources.files("reflow.api").joinpath("crds").iterdir():
        if path.name.endswith(".yaml"):
            crd = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
            found[crd["spec"]["names"]["kind"]] = crd
    return dict(sorted(found.items()))


def uri(kind: str) -> str:
    """The resource address of a kind's reference."""
    return f"{SCHEME}{kind}"


def summary(crd: Manifest) -> str:
    """One line: the kind's API version and what it is, from the schema of its storage version."""
    version = _storage(crd)
    description = str(version["schema"]["openAPIV3Schema"].get("description", "")).strip()
    return f"{crd['spec']['group']}/{version['name']}: {description}"


def _storage(crd: Manifest) -> Manifest:
    versions = crd["spec"]["versions"]
    return next((version for version in versions if version.get("storage")), versions[0])


def _kind_of(schema: Manifest) -> str:
    if schema.get("x-kubernetes-preserve-unknown-fields") and "type" not in schema:
        return "any"
    kind = str(schema.get("type", "any"))
    if kind == "array":
        return f"array of {_kind_of(schema.get('items') or {})}"
    if kind == "object" and isinstance(schema.get("additionalProperties"), dict):
        return f"map of {_kind_of(schema['additionalProperties'])}"
    return kind


def _line(name: str, schema: Manifest, required: bool, depth: int) -> str:
    facts = [_kind_of(schema)] + (["required"] if required else [])
    text = f"{'  ' * depth}- `{name}` ({', '.join(facts)})"
    description = " ".join(str(schema.get("description", "")).split())
    if description:
        text += f": {description}"
    if schema.get("enum"):
        text += f" One of: {', '.join(str(value) for value in schema['enum'])}."
    if "default" in schema:
        text += f" Default: {schema['default']!r}."
    return text


def fields(schema: Manifest, depth: int = 0) -> Iterator[str]:
    """One line per field, nested fields indented under their parent (array items and map values included)."""
    required = set(schema.get("required") or ())
    for name, child in (schema.get("properties") or {}).items():
        yield _line(name, child, name in required, depth)
        inner = child
        while inner.get("type") == "array" or isinstance(inner.get("additionalProperties"), dict):
            inner = inner.get("items") or inner.get("additionalProperties") or {}
        yield from fields(inner, depth + 1)


def reference(crd: Manifest) -> str:
    """The kind's reference: API version, scope, short names, and every field with its type and description."""
    names = crd["spec"]["names"]
    version = _storage(crd)
    schema = version["schema"]["openAPIV3Schema"]
    served = [f"{crd['spec']['group']}/{v['name']}" for v in crd["spec"]["versions"] if v.get("served")]
    lines = [
        f"# {names['kind']}",
        "",
        " ".join(str(schema.get("description", "")).split()),
        "",
        f"- apiVersion: `{crd['spec']['group']}/{version['name']}` (served: {', '.join(served)})",
        f"- scope: {crd['spec'].get('scope', 'Namespaced')}",
        f"- short names: {', '.join(names.get('shortNames') or []) or '-'}",
        "",
        "## Fields",
        "",
        *fields({"properties": {k: v for k, v in (schema.get("properties") or {}).items() if k in ("spec", "status")}}),
    ]
    return "\n".join(lines) + "\n"
