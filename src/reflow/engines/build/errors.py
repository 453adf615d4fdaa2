"""Why a Kustomization build failed: every class carries Flux's `BuildFailed` reason."""

from __future__ import annotations

from typing import ClassVar

from reflow.api.conditions import BUILD_FAILED


class BuildFailed(Exception):
    """The manifests could not be built; shown on the Kustomization as Ready=False, reason BuildFailed."""

    reason: ClassVar[str] = BUILD_FAILED


class PathOutsideArtifact(BuildFailed):
    """The path to build, a symlink or a file reference leads outside the artifact; nothing was read."""


class RemoteBaseRefused(BuildFailed):
    """A kustomization refers to a remote base while remote bases are disabled."""


class SandboxUnavailable(BuildFailed):
    """bubblewrap cannot run here and unconfined builds are not accepted."""


class KustomizeFailed(BuildFailed):
    """kustomize exited with an error or ran out of time; the message holds its stderr."""


class InvalidManifest(BuildFailed):
    """A built document is not a Kubernetes object, or a kustomization input does not parse."""


class SubstitutionFailed(BuildFailed):
    """postBuild substitution failed for one object (a missing variable in strict mode, a bad name, …)."""
