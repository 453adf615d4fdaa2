"""`reflow create helmrelease`: a HelmRelease from Flux's flags, applied and awaited, or printed with `--export`."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click
import yaml

from reflow.api.helm import HelmRelease
from reflow.api.meta import Manifest
from reflow.cli.manifests import dependency_entry, object_metadata
from reflow.cli.render import go_duration
from reflow.engines.helm.values import merge_maps

CHART_SOURCE_KINDS = ("HelmRepository", "GitRepository", "Bucket")
CHART_REF_KINDS = ("OCIRepository", "HelmChart")
VALUES_FROM_KINDS = ("Secret", "ConfigMap")


def _kind_ref(text: str, kinds: Sequence[str], problem: str) -> Manifest:
    """`<kind>/<name>[.<namespace>]` with the kind matched without regard to case."""
    kind, slash, rest = text.partition("/")
    match = next((k for k in kinds if k.lower() == kind.lower()), None)
    if not slash or match is None:
        raise click.UsageError(f"{problem} '{kind}' is not supported, must be one of: {', '.join(kinds)}")
    name, _, namespace = rest.partition(".")
    if not name:
        raise click.UsageError(f"'{text}' names no object, the format is <kind>/<name>[.<namespace>]")
    ref: Manifest = {"kind": match, "name": name}
    if namespace:
        ref["namespace"] = namespace
    return ref


def chart_source(text: str) -> Manifest:
    """`--source`: the HelmRepository, GitRepository or Bucket of a chart template."""
    try:
        return _kind_ref(text, CHART_SOURCE_KINDS, "source kind")
    except click.UsageError as error:
        raise click.UsageError(f'invalid argument "{text}" for "--source" flag: {error.message}') from None


def values_reference(text: str) -> Manifest:
    """`--values-from`: `<kind>/<name>` of a Secret or ConfigMap with a `values.yaml` key."""
    kind, slash, name = text.partition("/")
    match = next((k for k in VALUES_FROM_KINDS if k.lower() == kind.lower()), None)
    if not slash or not name:
        raise click.UsageError(f"invalid Kubernetes object reference '{text}', must be in format <kind>/<name>")
    if match is None:
        raise click.UsageError(
            f"reference kind '{kind}' is not supported, must be one of: {', '.join(VALUES_FROM_KINDS)}"
        )
    return {"kind": match, "name": name}


def values_from_files(paths: Sequence[Path]) -> dict[str, Any]:
    """Local values files merged in order, as `--values` does."""
    merged: dict[str, Any] = {}
    for path in paths:
        try:
            document = yaml.safe_load(path.read_text()) or {}
        except (OSError, yaml.YAMLError) as error:
            raise click.UsageError(f"reading values from {path} failed: {error}") from error
        if not isinstance(document, dict):
            raise click.UsageError(f"values in {path} are not a YAML map")
        merged = merge_maps(merged, document)
    return merged


def helm_release(name: str, namespace: str, flags: dict[str, Any], labels: dict[str, str]) -> Manifest:
    """The HelmRelease `flux create helmrelease` makes from the same flags."""
    chart, chart_ref, source = flags["chart"], flags["chart_ref"], flags["source"]
    if chart and chart_ref:
        raise click.UsageError("cannot use --chart in combination with --chart-ref")
    if not chart and not chart_ref:
        raise click.UsageError("chart or chart-ref is required")
    spec: Manifest = {"interval": go_duration(flags["interval"])}
    if chart_ref:
        spec["chartRef"] = _kind_ref(chart_ref, CHART_REF_KINDS, "chart reference kind")
    else:
        if not source:
            raise click.UsageError("--source is required with --chart")
        template: Manifest = {"chart": chart, "sourceRef": chart_source(source),
                              "reconcileStrategy": flags["reconcile_strategy"]}  # fmt: skip
        if flags["chart_version"]:
            template["version"] = flags["chart_version"]
        if flags["chart_interval"]:
            template["interval"] = go_duration(flags["chart_interval"])
        spec["chart"] = {"spec": template}
    if flags["release_name"]:
        spec["releaseName"] = flags["release_name"]
    if flags["depends_on"]:
        spec["dependsOn"] = [dependency_entry(item) for raw in flags["depends_on"] for item in raw.split(",") if item]
    if flags["target_namespace"]:
        spec["targetNamespace"] = flags["target_namespace"]
    if flags["storage_namespace"]:
        spec["storageNamespace"] = flags["storage_namespace"]
    if flags["create_target_namespace"]:
        spec.setdefault("install", {})["createNamespace"] = True
    if flags["service_account"]:
        spec["serviceAccountName"] = flags["service_account"]
    if flags["crds"]:
        spec.setdefault("install", {})["crds"] = "Create"
        spec["upgrade"] = {"crds": flags["crds"]}
    if flags["values"]:
        spec["values"] = values_from_files([Path(p) for raw in flags["values"] for p in raw.split(",") if p])
    if flags["values_from"]:
        spec["valuesFrom"] = [values_reference(raw) for raw in flags["values_from"]]
    if flags["kubeconfig_secret_ref"]:
        spec["kubeConfig"] = {"secretRef": {"name": flags["kubeconfig_secret_ref"]}}
    return {
        "apiVersion": HelmRelease.KIND.api_version,
        "kind": HelmRelease.KIND.kind,
        "metadata": object_metadata(name, namespace, labels),
        "spec": spec,
    }
