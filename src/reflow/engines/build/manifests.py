"""After the build: the YAML stream into plain dicts, postBuild substitution, common metadata, owner labels."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import yaml

from reflow.api.annotations import KUSTOMIZE_NAME, KUSTOMIZE_NAMESPACE
from reflow.api.meta import Manifest
from reflow.engines.build.errors import InvalidManifest, SubstitutionFailed
from reflow.engines.build.spec import Owner, Substitution
from reflow.engines.envsubst import SubstitutionSyntaxError, VariableNotSet, substitute, substitution_disabled
from reflow.engines.envsubst.postbuild import split_documents

# Applied to each object before substitution: SOPS decryption plugs in here (see `Decryptor`). It returns
# the object it was given when it decrypted nothing, and a new one when it did.
Transform = Callable[[Manifest], Manifest]


_UNPARSABLE = "kustomize produced a document that does not parse"


def documents(stream: str) -> list[str]:
    """The non-empty documents of a multi-document YAML stream, as text."""
    chunks, _ = split_documents(stream)
    return [chunk for chunk in chunks if chunk.strip()]


def object_id(manifest: Mapping[str, Any]) -> str:
    """`Kind/namespace/name` (or `Kind/name`) for messages."""
    metadata = manifest.get("metadata") or {}
    parts = [manifest.get("kind"), metadata.get("namespace"), metadata.get("name")]
    return "/".join(str(part) for part in parts if part)


def load(document: str) -> Manifest:
    """One built document as a dict; it must have apiVersion, kind and metadata.name.

    Errors name the position and the missing fields, never the text: the document may be a Secret.
    """
    try:
        loaded = yaml.load(document, Loader=yaml.CSafeLoader)
    except yaml.MarkedYAMLError as err:
        raise InvalidManifest(f"{_UNPARSABLE}: {_yaml_problem(err)}") from None
    except (yaml.YAMLError, ValueError, TypeError, AttributeError):  # PyYAML's own errors on `!!int x`, `!!timestamp x`
        raise InvalidManifest(f"{_UNPARSABLE}: a tagged value is not valid") from None
    metadata = loaded.get("metadata") if isinstance(loaded, dict) else None
    present = {
        "apiVersion": isinstance(loaded, dict) and bool(loaded.get("apiVersion")),
        "kind": isinstance(loaded, dict) and bool(loaded.get("kind")),
        "metadata.name": isinstance(metadata, dict) and bool(metadata.get("name")),
    }
    missing = [field for field, found in present.items() if not found]
    if missing:
        shape = "a mapping" if isinstance(loaded, dict) else f"a {type(loaded).__name__}, not a mapping"
        detail = f"the document is {shape} without {', '.join(missing)}"
        raise InvalidManifest(f"failed to decode Kubernetes apiVersion, kind and name: {detail}")
    manifest: Manifest = loaded
    return manifest


def _yaml_problem(err: yaml.MarkedYAMLError) -> str:
    """What is wrong and where: libyaml's fixed wording, never a tag or value taken from the document."""
    mark = err.problem_mark or err.context_mark
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
    if isinstance(err, yaml.constructor.ConstructorError):
        return f"a tagged value is not valid{where}"
    problem = err.problem or err.context or "not valid YAML"
    return f"{problem}{where}"


def dump(manifest: Manifest) -> str:
    """One object as block-style YAML, keys in their order."""
    return yaml.dump(manifest, Dumper=yaml.CSafeDumper, sort_keys=False, allow_unicode=True, width=1 << 16)


def substitute_document(document: str, manifest: Manifest, substitution: Substitution, *, secret: bool) -> Manifest:
    """The object with `${...}` expanded in its YAML text, unless it opts out or nothing applies.

    For a `secret` object (a Secret, or anything decrypted) errors do not name the variable either,
    since its name is written in the object's content.
    """
    if not substitution.active or substitution_disabled(manifest) or "$" not in document:
        return manifest
    ref = object_id(manifest)
    try:
        text = substitute(document, substitution.variables, strict=substitution.strict)
    except VariableNotSet as err:
        detail = "a variable is not set (strict mode); its name is not shown, the object is secret" if secret else err
        raise SubstitutionFailed(f"{ref}: postBuild substitution failed: {detail}") from None
    except (SubstitutionSyntaxError, ValueError) as err:
        raise SubstitutionFailed(f"{ref}: postBuild substitution failed: {err}") from err
    try:
        return load(text)
    except InvalidManifest as err:
        raise SubstitutionFailed(f"{ref}: the substituted object is not valid: {err}") from None


def build_objects(
    stream: str, substitution: Substitution | None = None, transform: Transform | None = None
) -> list[Manifest]:
    """The built objects: each document parsed, passed through `transform`, then substituted."""
    objects = []
    for document in documents(stream):
        manifest = load(document)
        secret = manifest.get("kind") == "Secret"
        if transform is not None:
            transformed = transform(manifest)
            secret = secret or transformed is not manifest  # the transform returns a new object once it decrypted
            manifest = transformed
            document = dump(manifest)
        if substitution is not None:
            manifest = substitute_document(document, manifest, substitution, secret=secret)
        objects.append(manifest)
    return objects


def _merge(metadata: dict[str, Any], key: str, values: Mapping[str, str]) -> None:
    if values:
        metadata[key] = {**(metadata.get(key) or {}), **values}


def set_common_metadata(
    objects: Iterable[Manifest], labels: Mapping[str, str], annotations: Mapping[str, str] | None = None
) -> None:
    """Add labels and annotations to every object, overriding keys the object already has."""
    for manifest in objects:
        metadata = manifest.setdefault("metadata", {})
        _merge(metadata, "labels", labels)
        _merge(metadata, "annotations", annotations or {})


def set_owner_labels(objects: Iterable[Manifest], owner: Owner) -> None:
    """Flux's `kustomize.toolkit.fluxcd.io/name` and `/namespace` labels on every object."""
    set_common_metadata(objects, {KUSTOMIZE_NAME: owner.name, KUSTOMIZE_NAMESPACE: owner.namespace})
