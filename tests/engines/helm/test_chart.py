"""Chart packages: metadata, and the OCI digest as version build metadata."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest

from reflow.engines.helm.chart import ChartError, chart_metadata, digest_version, with_version


@pytest.mark.parametrize(
    ("version", "revision", "digest", "expected"),
    [
        pytest.param("1.2.3", "1.2.3@sha256:0123456789abcdef00", None, "1.2.3+0123456789ab", id="from-revision"),
        pytest.param("1.2.3+old", "latest", "sha256:fedcba9876543210", "1.2.3+fedcba987654", id="from-digest"),
        pytest.param("1.2.3", "1.2.3", None, "1.2.3", id="nothing-to-track"),
    ],
)
def test_digest_version(version: str, revision: str, digest: str | None, expected: str) -> None:
    assert digest_version(version, revision, digest) == expected


def package(path: Path, chart_yaml: bytes) -> Path:
    with tarfile.open(path, "w:gz") as out:
        for name, data in (("app/Chart.yaml", chart_yaml), ("app/values.yaml", b"a: 1\n")):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            out.addfile(info, io.BytesIO(data))
    return path


def test_with_version_rewrites_only_the_version(tmp_path: Path) -> None:
    source = package(tmp_path / "in.tgz", b"apiVersion: v2\nname: app\nversion: 1.0.0\nappVersion: '9'\n")
    with_version(source, "1.0.0+abc", tmp_path / "out.tgz")
    assert chart_metadata(tmp_path / "out.tgz").version == "1.0.0+abc"
    assert chart_metadata(tmp_path / "out.tgz").app_version == "9"
    with tarfile.open(tmp_path / "out.tgz") as archive:
        assert sorted(archive.getnames()) == ["app/Chart.yaml", "app/values.yaml"]


def test_a_package_without_chart_yaml_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ChartError, match=r"no Chart\.yaml"):
        chart_metadata(_values_only(tmp_path / "bad.tgz"))


def _values_only(path: Path) -> Path:
    with tarfile.open(path, "w:gz") as out:
        info = tarfile.TarInfo("app/values.yaml")
        out.addfile(info, io.BytesIO(b""))
    return path
