"""Bootstrap on a cluster that may already sync itself: who installs the components, which path wins."""

from __future__ import annotations

import pytest

from reflow.api.meta import Manifest
from reflow.engines.bootstrap import SyncPathConflict, check_sync_path, must_install


def kustomization(path: str = "./clusters/prod", applied: str | None = None) -> Manifest:
    status = {"lastAppliedRevision": applied} if applied else {}
    return {"metadata": {"name": "flux-system", "namespace": "flux-system"}, "spec": {"path": path}, "status": status}


@pytest.mark.parametrize(
    ("live", "expected"),
    [
        pytest.param(None, True, id="no-sync-yet"),
        pytest.param(kustomization(), True, id="sync-never-applied"),
        pytest.param(kustomization(applied="main@sha1:1234"), False, id="sync-owns-the-components"),
    ],
)
def test_components_are_installed_until_the_sync_has_applied_a_revision(live: Manifest | None, expected: bool) -> None:
    assert must_install(live) is expected


@pytest.mark.parametrize(
    ("live", "wanted"),
    [
        pytest.param(None, "./clusters/prod", id="no-sync"),
        pytest.param(kustomization("./clusters/prod"), "./clusters/prod", id="same-path"),
        pytest.param(kustomization("clusters/prod/"), "./clusters/prod", id="same-path-spelled-otherwise"),
        pytest.param(kustomization("./"), "./", id="root"),
    ],
)
def test_the_same_sync_path_is_accepted(live: Manifest | None, wanted: str) -> None:
    check_sync_path(live, wanted)


def test_another_sync_path_is_refused_naming_both() -> None:
    with pytest.raises(SyncPathConflict, match=r"\('./clusters/dev'\) would overwrite path \('./clusters/prod'\)"):
        check_sync_path(kustomization("./clusters/prod"), "./clusters/dev")
