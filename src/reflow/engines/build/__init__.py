"""Kustomization builds: Flux's kustomization generation, kustomize in a sandbox, postBuild, cache."""

from __future__ import annotations

from reflow.engines.build.cache import BuildCache
from reflow.engines.build.confine import is_local_relative_path
from reflow.engines.build.errors import (
    BuildFailed,
    InvalidManifest,
    KustomizeFailed,
    PathOutsideArtifact,
    RemoteBaseRefused,
    SandboxUnavailable,
    SubstitutionFailed,
)
from reflow.engines.build.generate import FileAction, KustomizationFile, kustomization_file, write_kustomization
from reflow.engines.build.kustomize import Builder, KustomizeBuilder, kubectl_path
from reflow.engines.build.manifests import dump
from reflow.engines.build.mask import SOPS_MASK, mask_sops_secrets
from reflow.engines.build.pipeline import (
    BuildRequest,
    BuildSettings,
    Decryptor,
    Pipeline,
    input_key,
)
from reflow.engines.build.result import BuildResult
from reflow.engines.build.sandbox import Sandbox
from reflow.engines.build.spec import BuildSpec, Owner, Substitution

__all__ = [
    "SOPS_MASK",
    "BuildCache",
    "BuildFailed",
    "BuildRequest",
    "BuildResult",
    "BuildSettings",
    "BuildSpec",
    "Builder",
    "Decryptor",
    "FileAction",
    "InvalidManifest",
    "KustomizationFile",
    "KustomizeBuilder",
    "KustomizeFailed",
    "Owner",
    "PathOutsideArtifact",
    "Pipeline",
    "RemoteBaseRefused",
    "Sandbox",
    "SandboxUnavailable",
    "Substitution",
    "SubstitutionFailed",
    "dump",
    "input_key",
    "is_local_relative_path",
    "kubectl_path",
    "kustomization_file",
    "mask_sops_secrets",
    "write_kustomization",
]
