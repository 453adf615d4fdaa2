"""The names helm-controller derives: the release name and the HelmChart it creates for a release."""

from __future__ import annotations

import hashlib

MAX_RELEASE_NAME = 53
"""Helm's limit on a release name (the Secret name `sh.helm.release.v1.<name>.v<N>` must stay a DNS name)."""
_SHORT_HASH = 12


def shorten(name: str) -> str:
    """A name cut to 53 characters as Flux cuts it: the first 40, a dash and 12 hex of its sha256."""
    if len(name) <= MAX_RELEASE_NAME:
        return name
    keep = MAX_RELEASE_NAME - 1 - _SHORT_HASH
    return f"{name[:keep]}-{hashlib.sha256(name.encode()).hexdigest()[:_SHORT_HASH]}"


def release_name(name: str, target_namespace: str | None, release_name: str | None = None) -> str:
    """`spec.releaseName`, else `[<targetNamespace>-]<name>`, shortened to Helm's 53 characters."""
    if release_name:
        return release_name
    return shorten(f"{target_namespace}-{name}" if target_namespace else name)


def chart_object_name(namespace: str, name: str) -> str:
    """The HelmChart helm-controller creates for `spec.chart`: `<namespace>-<name>`."""
    return f"{namespace}-{name}"
