"""A side's CRD replaces the live one in place unless it drops a version the live one has stored."""

from __future__ import annotations

import pytest
from bench.cluster import stranded


def crd(*versions: str, stored: tuple[str, ...] = ()) -> dict[str, object]:
    return {"spec": {"versions": [{"name": name} for name in versions]}, "status": {"storedVersions": list(stored)}}


@pytest.mark.parametrize(
    ("live", "new", "expected"),
    [
        pytest.param(crd("v1", stored=("v1",)), crd("v1"), False, id="same-version"),
        pytest.param(crd("v1", "v1beta3", stored=("v1",)), crd("v1beta3"), True, id="stored-version-dropped"),
        pytest.param(crd("v1beta3", stored=("v1beta3",)), crd("v1", "v1beta3"), False, id="version-added"),
        pytest.param({"spec": {"versions": []}}, crd("v1"), False, id="nothing-stored-yet"),
    ],
)
def test_stranded_when_a_stored_version_is_no_longer_defined(
    live: dict[str, object], new: dict[str, object], expected: bool
) -> None:
    assert stranded(live, new) is expected
