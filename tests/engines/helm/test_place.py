"""Where a HelmRelease's release lives and when it moved (Flux's release target change), with plain data."""

from __future__ import annotations

from typing import Any

import pytest

from reflow.api.helm import HelmRelease
from reflow.api.wire import parse
from reflow.engines.helm.place import Place, moved_from, place_of, recorded_place

SNAPSHOT = {"digest": "sha256:1", "name": "apps-web", "namespace": "apps", "version": 1, "status": "deployed",
            "chartName": "app", "chartVersion": "1.0.0", "configDigest": "sha256:c",
            "firstDeployed": "2026-12-05T00:00:00Z", "lastDeployed": "2026-12-05T00:00:00Z"}  # fmt: skip


def release(spec: dict[str, Any] | None = None, status: dict[str, Any] | None = None) -> HelmRelease:
    return parse(HelmRelease, {
        "apiVersion": "helm.toolkit.fluxcd.io/v2", "kind": "HelmRelease",
        "metadata": {"name": "web", "namespace": "flux-system"},
        "spec": {"interval": "1m", "chartRef": {"kind": "HelmChart", "name": "c"}, **(spec or {})},
        "status": status or {},
    })  # fmt: skip


def test_target_and_storage_default_to_the_helmreleases_namespace() -> None:
    assert place_of(release()) == Place(release="web", namespace="flux-system", storage="flux-system")
    assert place_of(release({"targetNamespace": "apps"})) == Place("apps-web", "apps", "flux-system")
    spec = {"targetNamespace": "apps", "storageNamespace": "records", "releaseName": "site"}
    assert place_of(release(spec)) == Place("site", "apps", "records")


def test_nothing_moved_before_the_first_release() -> None:
    hr = release({"targetNamespace": "apps"}, {"history": [SNAPSHOT]})
    assert recorded_place(hr) is None
    assert moved_from(hr, place_of(hr), "app") is None
    assert moved_from(release({"targetNamespace": "apps"}, {"storageNamespace": "flux-system"}),
                      Place("apps-web", "apps", "flux-system"), "app") is None  # fmt: skip


RELEASED = {"storageNamespace": "flux-system", "history": [SNAPSHOT]}


@pytest.mark.parametrize(
    ("spec", "chart", "why"),
    [
        ({"targetNamespace": "apps"}, "app", None),
        (
            {"targetNamespace": "apps", "storageNamespace": "apps"},
            "app",
            "storage namespace changed from 'flux-system' to 'apps'",
        ),
        (
            {"targetNamespace": "shop", "releaseName": "apps-web"},
            "app",
            "target namespace changed from 'apps' to 'shop'",
        ),
        ({"targetNamespace": "apps", "releaseName": "site"}, "app", "release name changed from 'apps-web' to 'site'"),
        ({"targetNamespace": "apps"}, "portal", "chart name changed from 'app' to 'portal'"),
        (
            {"targetNamespace": "apps", "upgrade": {"chartNameChangeStrategy": "Reinstall"}},
            "portal",
            "chart name changed from 'app' to 'portal'",
        ),
        ({"targetNamespace": "apps", "upgrade": {"chartNameChangeStrategy": "InPlaceUpdate"}}, "portal", None),
    ],
)
def test_a_release_moves_when_its_name_namespace_storage_or_chart_changes(
    spec: dict[str, Any], chart: str, why: str | None
) -> None:
    hr = release(spec, RELEASED)
    moved = moved_from(hr, place_of(hr), chart)
    if why is None:
        assert moved is None
    else:
        assert moved == (Place("apps-web", "apps", "flux-system"), why)
