"""CustomResourceDefinitions generated from the API models; `python -m reflow.api.crds` rewrites `api/crds/`."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import yaml

from reflow.api.annotations import DISABLED, SUBSTITUTE
from reflow.api.helm import HelmRelease
from reflow.api.helmsource import HelmChart, HelmRepository
from reflow.api.image import ImagePolicy, ImageRepository, ImageUpdateAutomation
from reflow.api.kustomize import Kustomization
from reflow.api.meta import Manifest
from reflow.api.notification import Alert, Provider, Receiver
from reflow.api.schema import KindInfo, fields_of, property_schema, rules_schema
from reflow.api.source import Bucket, ExternalArtifact, GitRepository, OCIRepository
from reflow.api.sourceext import ArtifactGenerator

KINDS: tuple[type, ...] = (
    GitRepository,
    OCIRepository,
    Bucket,
    HelmRepository,
    HelmChart,
    ExternalArtifact,
    ArtifactGenerator,
    Kustomization,
    HelmRelease,
    Provider,
    Alert,
    Receiver,
    ImageRepository,
    ImagePolicy,
    ImageUpdateAutomation,
)
DIRECTORY = Path(__file__).parent / "crds"
HEADER = "# Generated from reflow.api models by `python -m reflow.api.crds`; do not edit.\n"


def kind_info(model: type) -> KindInfo:
    """The KindInfo a kind model declares as `KIND`."""
    info = getattr(model, "KIND", None)
    if not isinstance(info, KindInfo):
        raise TypeError(f"{model.__name__} is not a kind: it has no KIND")
    return info


def root_schema(model: type) -> Manifest:
    """The `openAPIV3Schema` of a kind: apiVersion, kind, metadata, then the model's spec and status."""
    info = kind_info(model)
    properties: Manifest = {
        "apiVersion": {"description": "API group and version of the object.", "type": "string"},
        "kind": {"description": "Kind of the object.", "type": "string"},
        "metadata": {"type": "object"},
    }
    for field in fields_of(model):
        if field.wire != "metadata":
            properties[field.wire] = property_schema(field)
    schema: Manifest = {"description": _summary(model), "type": "object", "properties": properties}
    if info.rules:
        schema["x-kubernetes-validations"] = rules_schema(info.rules)
    return schema


def version_entry(model: type, *, storage: bool) -> Manifest:
    """One entry of a CRD's `versions`: the model's schema, served, and whether it is the storage version."""
    info = kind_info(model)
    schema = root_schema(model)
    version: Manifest = {"name": info.version, "served": True, "storage": storage}
    if info.deprecation:
        version["deprecated"] = True
        version["deprecationWarning"] = info.deprecation
    version["schema"] = {"openAPIV3Schema": schema}
    version["additionalPrinterColumns"] = [
        {"name": column.name, "type": column.type, "jsonPath": column.json_path} for column in info.columns
    ]
    if "status" in schema["properties"]:
        version["subresources"] = {"status": {}}
    return version


def crd(model: type) -> Manifest:
    """The apiextensions.k8s.io/v1 CustomResourceDefinition of a kind: its version stored, older ones served.

    No conversion webhook: the API server converts between versions by changing `apiVersion` alone
    (strategy None), which holds because each older version is the newer one plus deprecated fields;
    those fields are pruned when an object is stored.
    """
    info = kind_info(model)
    versions = [version_entry(model, storage=True), *(version_entry(old, storage=False) for old in info.served_also)]
    names: Manifest = {
        "kind": info.kind,
        "listKind": f"{info.kind}List",
        "plural": info.plural,
        "singular": info.singular,
        "categories": list(info.categories),
    }
    if info.short_names:
        names["shortNames"] = list(info.short_names)
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {
            "name": f"{info.plural}.{info.group}",
            "annotations": {SUBSTITUTE: DISABLED},
            "labels": {"app.kubernetes.io/component": info.controller},
        },
        "spec": {"group": info.group, "names": names, "scope": "Namespaced", "versions": versions},
    }


def crd_yaml(model: type) -> str:
    """The CRD of a kind as the YAML text checked in under `api/crds/`."""
    text = yaml.dump(crd(model), Dumper=yaml.CSafeDumper, sort_keys=False, width=120, allow_unicode=True)
    return HEADER + text


def file_name(model: type) -> str:
    """`<plural>.<group>.yaml`, the CRD's own name."""
    info = kind_info(model)
    return f"{info.plural}.{info.group}.yaml"


def write(directory: Path = DIRECTORY) -> list[Path]:
    """Write every kind's CRD into a directory, remove stale YAML files there, and return the paths written."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for model in KINDS:
        path = directory / file_name(model)
        path.write_text(crd_yaml(model), encoding="utf-8")
        written.append(path)
    for stale in set(directory.glob("*.yaml")) - set(written):
        stale.unlink()
    return written


def main(argv: Sequence[str] | None = None) -> int:
    """Regenerate the checked-in CRDs (or those in the directory given as the only argument)."""
    args = list(sys.argv[1:] if argv is None else argv)
    directory = Path(args[0]) if args else DIRECTORY
    for path in write(directory):
        print(path)
    return 0


def _summary(model: type) -> str:
    return (model.__doc__ or model.__name__).strip().splitlines()[0]


if __name__ == "__main__":
    raise SystemExit(main())
