"""The latest apiVersion of each Flux kind, per Flux minor version: what `migrate -f --version` moves files to."""

from __future__ import annotations

from collections.abc import Mapping

from reflow.api.crds import KINDS, kind_info

GroupKind = tuple[str, str]
"""(API group, kind), such as ("kustomize.toolkit.fluxcd.io", "Kustomization")."""

NOTIFICATION = "notification.toolkit.fluxcd.io"
IMAGE = "image.toolkit.fluxcd.io"
SOURCE_EXTENSIONS = "source.extensions.fluxcd.io"

CURRENT: dict[GroupKind, str] = {(kind_info(m).group, kind_info(m).kind): kind_info(m).version for m in KINDS}
"""reflow's own storage versions (Flux 2.10's): one source of truth with the CRDs."""

_FLUX_27 = {**CURRENT, (NOTIFICATION, "Alert"): "v1beta3", (NOTIFICATION, "Provider"): "v1beta3"}
"""Flux 2.7 to 2.9: Alert and Provider were still at v1beta3."""

_FLUX_26 = {
    **{key: version for key, version in _FLUX_27.items() if key[0] != SOURCE_EXTENSIONS},
    (IMAGE, "ImageRepository"): "v1beta2",
    (IMAGE, "ImagePolicy"): "v1beta2",
    (IMAGE, "ImageUpdateAutomation"): "v1beta2",
}
"""Flux 2.6: the image kinds at v1beta2, and no ArtifactGenerator yet."""

_BY_VERSION: dict[str, Mapping[GroupKind, str]] = {
    "2.10": CURRENT,
    "2.9": _FLUX_27,
    "2.8": _FLUX_27,
    "2.7": _FLUX_27,
    "2.6": _FLUX_26,
}
SUPPORTED_VERSIONS: tuple[str, ...] = tuple(_BY_VERSION)
"""The Flux minor versions `--version` accepts, newest first (Flux keeps the supported releases)."""


class UnsupportedVersion(ValueError):
    """A `--version` that is not one of SUPPORTED_VERSIONS."""


def latest_versions(flux_version: str | None) -> Mapping[GroupKind, str]:
    """The latest version of each kind for a Flux minor version (None: the current one)."""
    if flux_version is None:
        return CURRENT
    try:
        return _BY_VERSION[flux_version]
    except KeyError:
        supported = ", ".join(SUPPORTED_VERSIONS)
        raise UnsupportedVersion(
            f"version {flux_version} is not supported, supported versions are: {supported}"
        ) from None
