"""The manifests `reflow create` makes from its flags, field for field as `flux create` makes them."""

from __future__ import annotations

import posixpath
from collections.abc import Sequence

import click

from reflow.api.helm import HelmRelease
from reflow.api.helmsource import HelmChart, HelmRepository
from reflow.api.kustomize import Kustomization
from reflow.api.meta import Manifest
from reflow.api.source import Bucket, GitRepository, OCIRepository
from reflow.cli.render import go_duration

SOURCE_KINDS = ("GitRepository", "OCIRepository", "Bucket", "ExternalArtifact")


def parse_labels(pairs: Sequence[str]) -> dict[str, str]:
    """`key=value` flags as a dict; raises click.BadParameter for a pair without `=`."""
    labels = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"{pair!r} is not KEY=VALUE", param_hint="--label")
        labels[key] = value
    return labels


def split_list(values: Sequence[str]) -> list[str]:
    """Repeatable, comma-separated flag values as one list."""
    return [item.strip() for value in values for item in value.split(",") if item.strip()]


def object_metadata(name: str, namespace: str, labels: dict[str, str]) -> Manifest:
    metadata: Manifest = {"name": name, "namespace": namespace}
    if labels:
        metadata["labels"] = labels
    return metadata


def git_repository(
    name: str,
    namespace: str,
    *,
    url: str,
    ref: dict[str, str],
    interval: float,
    labels: dict[str, str] | None = None,
    secret_ref: str | None = None,
    ignore_paths: Sequence[str] = (),
    recurse_submodules: bool = False,
    sparse_checkout: Sequence[str] = (),
    fetch_timeout: float | None = None,
    provider: str | None = None,
) -> Manifest:
    """A GitRepository manifest as `flux create source git` makes it from the same flags."""
    spec: Manifest = {"interval": go_duration(interval), "ref": ref, "url": url}
    if secret_ref:
        spec["secretRef"] = {"name": secret_ref}
    if ignore_paths:
        spec["ignore"] = "\n".join(ignore_paths)
    if recurse_submodules:
        spec["recurseSubmodules"] = True
    if sparse_checkout:
        spec["sparseCheckout"] = list(sparse_checkout)
    if fetch_timeout is not None:
        spec["timeout"] = go_duration(fetch_timeout)
    if provider and provider != "generic":
        spec["provider"] = provider
    return {
        "apiVersion": GitRepository.KIND.api_version,
        "kind": GitRepository.KIND.kind,
        "metadata": object_metadata(name, namespace, labels or {}),
        "spec": spec,
    }


def bucket(
    name: str,
    namespace: str,
    *,
    bucket_name: str,
    endpoint: str,
    interval: float,
    provider: str = "generic",
    region: str | None = None,
    insecure: bool = False,
    labels: dict[str, str] | None = None,
    secret_ref: str | None = None,
    proxy_secret_ref: str | None = None,
    ignore_paths: Sequence[str] = (),
    fetch_timeout: float | None = None,
) -> Manifest:
    """A Bucket manifest as `flux create source bucket` makes it from the same flags (keys in name order)."""
    spec: Manifest = {"bucketName": bucket_name, "endpoint": endpoint}
    if ignore_paths:
        spec["ignore"] = "\n".join(ignore_paths)
    if insecure:
        spec["insecure"] = True
    spec["interval"] = go_duration(interval)
    spec["provider"] = provider
    if proxy_secret_ref:
        spec["proxySecretRef"] = {"name": proxy_secret_ref}
    if region:
        spec["region"] = region
    if secret_ref:
        spec["secretRef"] = {"name": secret_ref}
    if fetch_timeout is not None:
        spec["timeout"] = go_duration(fetch_timeout)
    return {
        "apiVersion": Bucket.KIND.api_version,
        "kind": Bucket.KIND.kind,
        "metadata": object_metadata(name, namespace, labels or {}),
        "spec": spec,
    }


def oci_repository(
    name: str,
    namespace: str,
    *,
    url: str,
    ref: dict[str, str],
    interval: float,
    labels: dict[str, str] | None = None,
    provider: str | None = None,
    secret_ref: str | None = None,
    proxy_secret_ref: str | None = None,
    service_account: str | None = None,
    cert_ref: str | None = None,
    insecure: bool = False,
    layer_selector: dict[str, str] | None = None,
    ignore_paths: Sequence[str] = (),
    fetch_timeout: float | None = None,
    verify: Manifest | None = None,
) -> Manifest:
    """An OCIRepository manifest as `flux create source oci` makes it from the same flags."""
    spec: Manifest = {"interval": go_duration(interval), "ref": ref, "url": url}
    optional: Manifest = {
        "certSecretRef": {"name": cert_ref} if cert_ref else None,
        "ignore": "\n".join(ignore_paths) if ignore_paths else None,
        "insecure": True if insecure else None,
        "layerSelector": layer_selector,
        "provider": provider,
        "proxySecretRef": {"name": proxy_secret_ref} if proxy_secret_ref else None,
        "secretRef": {"name": secret_ref} if secret_ref else None,
        "serviceAccountName": service_account,
        "timeout": go_duration(fetch_timeout) if fetch_timeout is not None else None,
        "verify": verify,
    }
    spec.update({key: value for key, value in optional.items() if value})
    return {
        "apiVersion": OCIRepository.KIND.api_version,
        "kind": OCIRepository.KIND.kind,
        "metadata": object_metadata(name, namespace, labels or {}),
        "spec": spec,
    }


def helm_repository(
    name: str,
    namespace: str,
    *,
    url: str,
    interval: float,
    labels: dict[str, str] | None = None,
    secret_ref: str | None = None,
    pass_credentials: bool = False,
) -> Manifest:
    """A HelmRepository manifest as `flux create source helm` makes it; an `oci://` URL sets `type: oci`."""
    spec: Manifest = {"interval": go_duration(interval), "url": url}
    if secret_ref:
        spec["secretRef"] = {"name": secret_ref}
    if pass_credentials:
        spec["passCredentials"] = True
    if url.startswith("oci://"):
        spec["type"] = "oci"
    return {
        "apiVersion": HelmRepository.KIND.api_version,
        "kind": HelmRepository.KIND.kind,
        "metadata": object_metadata(name, namespace, labels or {}),
        "spec": spec,
    }


def helm_chart(
    name: str,
    namespace: str,
    *,
    chart: str,
    source_ref: Manifest,
    interval: float,
    reconcile_strategy: str,
    version: str | None = None,
    values_files: Sequence[str] = (),
    verify: Manifest | None = None,
    labels: dict[str, str] | None = None,
) -> Manifest:
    """A HelmChart manifest as `flux create source chart` makes it from the same flags."""
    spec: Manifest = {
        "chart": chart,
        "interval": go_duration(interval),
        "reconcileStrategy": reconcile_strategy,
        "sourceRef": source_ref,
    }
    optional: Manifest = {"valuesFiles": list(values_files) or None, "verify": verify, "version": version}
    spec.update({key: value for key, value in optional.items() if value})
    return {
        "apiVersion": HelmChart.KIND.api_version,
        "kind": HelmChart.KIND.kind,
        "metadata": object_metadata(name, namespace, labels or {}),
        "spec": spec,
    }


def parse_source(text: str) -> Manifest:
    """`[<kind>/]<name>[.<namespace>]` as a sourceRef; the kind defaults to GitRepository."""
    kind, _, rest = text.rpartition("/")
    kind = kind or "GitRepository"
    match = next((k for k in SOURCE_KINDS if k.lower() == kind.lower()), None)
    if match is None:
        raise click.BadParameter(f"source kind {kind!r} is not one of {', '.join(SOURCE_KINDS)}", param_hint="--source")
    name, _, namespace = rest.partition(".")
    if not name:
        raise click.BadParameter(f"{text!r} names no source", param_hint="--source")
    ref: Manifest = {"kind": match, "name": name}
    if namespace:
        ref["namespace"] = namespace
    return ref


def safe_relative_path(path: str) -> str:
    """A path inside the artifact, written `./dir` as Flux stores it; raises BadParameter when it escapes."""
    cleaned = posixpath.normpath(path.replace("\\", "/"))
    if posixpath.isabs(cleaned) or cleaned == ".." or cleaned.startswith("../"):
        raise click.BadParameter(f"{path!r} must be a relative path inside the source", param_hint="--path")
    return "./" if cleaned == "." else f"./{cleaned}"


def kustomization(
    name: str,
    namespace: str,
    *,
    source: Manifest,
    path: str,
    prune: bool,
    interval: float,
    labels: dict[str, str] | None = None,
    wait: bool = False,
    health_checks: Sequence[str] = (),
    health_check_timeout: float | None = None,
    depends_on: Sequence[str] = (),
    service_account: str | None = None,
    target_namespace: str | None = None,
    decryption_provider: str | None = None,
    decryption_secret: str | None = None,
    retry_interval: float | None = None,
    kubeconfig_secret_ref: str | None = None,
) -> Manifest:
    """A Kustomization manifest as `flux create kustomization` makes it from the same flags."""
    spec: Manifest = {"interval": go_duration(interval), "path": path, "prune": prune, "sourceRef": source}
    if wait:
        spec["wait"] = True
    if health_checks:
        spec["healthChecks"] = [_health_check(item, namespace) for item in health_checks]
    if health_check_timeout is not None:
        spec["timeout"] = go_duration(health_check_timeout)
    if depends_on:
        spec["dependsOn"] = [dependency_entry(item) for item in depends_on]
    if service_account:
        spec["serviceAccountName"] = service_account
    if target_namespace:
        spec["targetNamespace"] = target_namespace
    if decryption_provider:
        spec["decryption"] = {"provider": decryption_provider}
        if decryption_secret:
            spec["decryption"]["secretRef"] = {"name": decryption_secret}
    elif decryption_secret:
        raise click.BadParameter("needs --decryption-provider", param_hint="--decryption-secret")
    if retry_interval is not None:
        spec["retryInterval"] = go_duration(retry_interval)
    if kubeconfig_secret_ref:
        spec["kubeConfig"] = {"secretRef": {"name": kubeconfig_secret_ref}}
    return {
        "apiVersion": Kustomization.KIND.api_version,
        "kind": Kustomization.KIND.kind,
        "metadata": object_metadata(name, namespace, labels or {}),
        "spec": spec,
    }


def _health_check(text: str, namespace: str) -> Manifest:
    kind, slash, rest = text.partition("/")
    name, _, check_namespace = rest.partition(".")
    if not slash or not kind or not name:
        raise click.BadParameter(f"{text!r} is not Kind/name[.namespace]", param_hint="--health-check")
    check: Manifest = {"kind": kind, "name": name, "namespace": check_namespace or namespace}
    if kind == HelmRelease.KIND.kind:
        check["apiVersion"] = HelmRelease.KIND.api_version
    elif kind == Kustomization.KIND.kind:
        check["apiVersion"] = Kustomization.KIND.api_version
    return check


DEPENDENCY_FORMS = "[namespace/]name, or apiVersion/Kind/[namespace/]name[:true|false][@readyExpr]"


def dependency_entry(text: str) -> Manifest:
    """A dependsOn entry from `[namespace/]name`, or the cross-kind form of Flux's open design (flux2#5879):
    `apiVersion/Kind/[namespace/]name[:ready][@readyExpr]` (`ready` true or false)."""
    body, at, ready_expr = text.partition("@")
    entry: Manifest = {}
    head, colon, ready = body.rpartition(":")
    if colon and ready in ("true", "false", "ready"):
        body, entry["ready"] = head, ready != "false"
    parts = body.split("/")
    kind_at = next((i for i, part in enumerate(parts) if i > 0 and part[:1].isupper()), None)
    if kind_at is not None:
        entry = {"apiVersion": "/".join(parts[:kind_at]), "kind": parts[kind_at], **entry}
        parts = parts[kind_at + 1 :]
    elif "ready" in entry:
        raise click.BadParameter(f"{text!r}: `:ready` needs apiVersion/Kind/", param_hint="--depends-on")
    if len(parts) not in (1, 2) or not all(parts) or (at and not ready_expr):
        raise click.BadParameter(f"{text!r} is not {DEPENDENCY_FORMS}", param_hint="--depends-on")
    found: Manifest = {"name": parts[-1]}
    if len(parts) == 2:
        found["namespace"] = parts[0]
    return {**found, **entry, **({"readyExpr": ready_expr} if at else {})}
