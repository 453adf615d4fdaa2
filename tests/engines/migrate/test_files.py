"""Finding and rewriting retired apiVersions in manifest text: only the apiVersion lines change."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from reflow.engines.migrate import (
    InvalidPath,
    UnsupportedVersion,
    detect_upgrades,
    latest_versions,
    list_files,
    rewrite,
)

LEGACY = """\
# clusters/prod: kept comments must survive
apiVersion: source.toolkit.fluxcd.io/v1beta2   # pinned long ago
kind: GitRepository
metadata:
  name: podinfo
---
apiVersion: "kustomize.toolkit.fluxcd.io/v1beta2"
kind: Kustomization
spec:
  dependsOn:
    - apiVersion: helm.toolkit.fluxcd.io/v2beta1
      kind: HelmRelease
---
apiVersion: notification.toolkit.fluxcd.io/v1beta2
kind: Alert
---
apiVersion: apps/v1
kind: Deployment
---
apiVersion: image.toolkit.fluxcd.io/v1beta1
kind: ImagePolicy
"""

MIGRATED = """\
# clusters/prod: kept comments must survive
apiVersion: source.toolkit.fluxcd.io/v1   # pinned long ago
kind: GitRepository
metadata:
  name: podinfo
---
apiVersion: "kustomize.toolkit.fluxcd.io/v1"
kind: Kustomization
spec:
  dependsOn:
    - apiVersion: helm.toolkit.fluxcd.io/v2
      kind: HelmRelease
---
apiVersion: notification.toolkit.fluxcd.io/v1
kind: Alert
---
apiVersion: apps/v1
kind: Deployment
---
apiVersion: image.toolkit.fluxcd.io/v1
kind: ImagePolicy
"""


def test_retired_versions_of_flux_kinds_are_found_line_by_line() -> None:
    found = detect_upgrades("f.yaml", LEGACY, latest_versions(None))
    assert [(u.line + 1, u.kind, u.old_version, u.new_version) for u in found.upgrades] == [
        (2, "GitRepository", "v1beta2", "v1"),
        (7, "Kustomization", "v1beta2", "v1"),
        (11, "HelmRelease", "v2beta1", "v2"),
        (14, "Alert", "v1beta2", "v1"),
        (20, "ImagePolicy", "v1beta1", "v1"),
    ]
    assert found.warnings == ()


def test_rewrite_changes_only_the_versions_on_the_apiversion_lines() -> None:
    found = detect_upgrades("f.yaml", LEGACY, latest_versions(None))
    assert rewrite(LEGACY, found.upgrades) == MIGRATED
    assert detect_upgrades("f.yaml", MIGRATED, latest_versions(None)).upgrades == ()


def test_windows_line_endings_stay() -> None:
    text = LEGACY.replace("\n", "\r\n")
    found = detect_upgrades("f.yml", text, latest_versions(None))
    assert len(found.upgrades) == 5
    assert rewrite(text, found.upgrades) == MIGRATED.replace("\n", "\r\n")


@pytest.mark.parametrize(
    ("flux", "expected"),
    [
        pytest.param(None, "v1", id="current-alert-v1"),
        pytest.param("2.9", "v1beta3", id="flux-2.9-alert-v1beta3"),
        pytest.param("2.6", "v1beta3", id="flux-2.6-alert-v1beta3"),
    ],
)
def test_target_version_follows_the_flux_minor_version(flux: str | None, expected: str) -> None:
    found = detect_upgrades(
        "f.yaml", "apiVersion: notification.toolkit.fluxcd.io/v1beta2\nkind: Alert\n", latest_versions(flux)
    )
    assert [u.new_version for u in found.upgrades] == [expected]


def test_flux_2_6_keeps_image_kinds_at_v1beta2() -> None:
    found = detect_upgrades(
        "f.yaml", "apiVersion: image.toolkit.fluxcd.io/v1beta1\nkind: ImageRepository\n", latest_versions("2.6")
    )
    assert [u.new_version for u in found.upgrades] == ["v1beta2"]


def test_unsupported_flux_version_names_the_supported_ones() -> None:
    with pytest.raises(UnsupportedVersion, match=r"version 2\.1 is not supported, supported versions are: 2\.10, 2\.9"):
        latest_versions("2.1")


def test_unreadable_group_version_is_a_warning_not_an_upgrade() -> None:
    found = detect_upgrades(
        "f.yaml", "x: 1\napiVersion: image.toolkit.fluxcd.io/v1/v2\nkind: ImagePolicy\n", latest_versions(None)
    )
    assert found.upgrades == ()
    assert found.warnings == ((1, "unexpected GroupVersion string: image.toolkit.fluxcd.io/v1/v2"),)


def test_apiversion_without_a_kind_line_after_it_is_left_alone() -> None:
    text = "apiVersion: kustomize.toolkit.fluxcd.io/v1beta2\nmetadata: {}\nkind: Kustomization\n"
    assert detect_upgrades("f.yaml", text, latest_versions(None)).upgrades == ()


def test_listing_walks_in_name_order_and_skips_links(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    for name in ("b/x.yml", "a.yaml", "c.json", "b.yaml"):
        (tmp_path / name).write_text("")
    os.symlink("a.yaml", tmp_path / "link.yaml")
    listing = list_files(str(tmp_path) + "/", (".yaml", ".yml"))
    assert listing.files == tuple(str(tmp_path / n) for n in ("a.yaml", "b/x.yml", "b.yaml"))
    assert listing.skipped == (str(tmp_path / "link.yaml"),)


def test_single_file_must_match_the_extensions_and_be_regular(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text("")
    (tmp_path / "a.yaml").write_text("")
    os.symlink("a.yaml", tmp_path / "l.yaml")
    with pytest.raises(InvalidPath, match=r"does not match the specified extensions: \.yaml, \.yml"):
        list_files(str(tmp_path / "a.json"), (".yaml", ".yml"))
    with pytest.raises(InvalidPath, match="is irregular"):
        list_files(str(tmp_path / "l.yaml"), (".yaml", ".yml"))
    with pytest.raises(InvalidPath, match="failed to stat path"):
        list_files(str(tmp_path / "missing"), (".yaml",))
    assert list_files(str(tmp_path / "a.yaml"), (".yaml",)).files == (str(tmp_path / "a.yaml"),)
