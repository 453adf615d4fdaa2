"""Feature gates take Flux's names and defaults, and refuse what they do not know."""

from __future__ import annotations

import pytest

from reflow.runtime.features import KUSTOMIZE_GATES, FeatureGates, UnknownFeatureGate


def test_flag_overrides_defaults() -> None:
    gates = FeatureGates.parse("DisableFailFastBehavior=true, StrictPostBuildSubstitutions=false", KUSTOMIZE_GATES)
    assert gates("DisableFailFastBehavior") is True
    assert gates("StrictPostBuildSubstitutions") is False
    assert gates("CancelHealthCheckOnNewRevision") is True


def test_unknown_gate_is_refused_with_the_known_names() -> None:
    with pytest.raises(UnknownFeatureGate, match=r"known gates: .*GroupChangeLog"):
        FeatureGates.parse("NoSuchGate=true", KUSTOMIZE_GATES)


@pytest.mark.parametrize("flag", ["GroupChangeLog", "GroupChangeLog=yes", "=true"])
def test_malformed_entries_are_refused(flag: str) -> None:
    with pytest.raises(ValueError, match="feature gate"):
        FeatureGates.parse(flag, KUSTOMIZE_GATES)
