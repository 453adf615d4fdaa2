"""Feature gates as Flux's controllers take them: `--feature-gates=Name=true,Other=false` over known defaults."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

EXTERNAL_ARTIFACT_GATE = "ExternalArtifact"
"""The gate that lets Kustomizations (`sourceRef`) and HelmReleases (`chartRef`) read ExternalArtifacts; off as in Flux,
since an ExternalArtifact's producer is not a Flux controller."""

KUSTOMIZE_GATES: Mapping[str, bool] = {
    "StrictPostBuildSubstitutions": True,
    "DisableStatusPollerCache": True,
    "DisableFailFastBehavior": False,
    "GroupChangeLog": False,
    "CancelHealthCheckOnNewRevision": True,
    "MigrateAPIVersion": False,
    "AdditiveCELDependencyCheck": False,
    "ExternalArtifact": False,
    "DisableConfigWatchers": False,
    "DirectSourceFetch": False,
    "CacheSecretsAndConfigMaps": False,
    "ObjectLevelWorkloadIdentity": False,
}
"""kustomize-controller's gates. reflow turns CancelHealthCheckOnNewRevision on by default (Flux: off)."""

HELM_GATES: Mapping[str, bool] = {
    name: False
    for name in (
        "DetectDrift",
        "CorrectDrift",
        "AllowDNSLookups",
        "OOMWatch",
        "AdoptLegacyReleases",
        "DisableChartDigestTracking",
        "UseHelm3Defaults",
        "CancelHealthCheckOnNewRevision",
        "DefaultToRetryOnFailure",
        "ExternalArtifact",
    )
}
IMAGE_AUTOMATION_GATES: Mapping[str, bool] = {
    "GitForcePushBranch": True,
    "GitShallowClone": True,
    "GitAllBranchReferences": True,
    "GitSparseCheckout": False,
}
IMAGE_REFLECTOR_GATES: Mapping[str, bool] = {"FluxStorage": False}


DEFAULT_GATES: Mapping[str, bool] = {
    **IMAGE_REFLECTOR_GATES,
    **IMAGE_AUTOMATION_GATES,
    **HELM_GATES,
    **KUSTOMIZE_GATES,
    "CancelHealthCheckOnNewRevision": True,
}
"""Every gate a reflow process knows, with reflow's defaults; one process shares one set of gates."""


class UnknownFeatureGate(ValueError):
    """A gate name that no reflow controller knows."""


@dataclass(frozen=True, slots=True)
class FeatureGates:
    """Which gates are on: the defaults, overridden by the flag."""

    enabled: Mapping[str, bool]

    def __call__(self, name: str) -> bool:
        """Whether the gate is on; raises UnknownFeatureGate for a name that is not a gate."""
        if name not in self.enabled:
            raise UnknownFeatureGate(f"unknown feature gate {name!r}")
        return self.enabled[name]

    @classmethod
    def parse(cls, flag: str, defaults: Mapping[str, bool]) -> FeatureGates:
        """Read `A=true,B=false` over `defaults`; a bad entry or unknown gate raises ValueError naming it."""
        enabled = dict(defaults)
        for entry in filter(None, (part.strip() for part in flag.split(","))):
            name, sep, value = entry.partition("=")
            if not sep or value.lower() not in ("true", "false"):
                raise ValueError(f"invalid feature gate {entry!r}: expected Name=true or Name=false")
            if name not in defaults:
                known = ", ".join(sorted(defaults))
                raise UnknownFeatureGate(f"unknown feature gate {name!r}; known gates: {known}")
            enabled[name] = value.lower() == "true"
        return cls(enabled)
