"""The chart version with Flux's build metadata: short source digest under Revision, generation with valuesFiles."""

from __future__ import annotations

import pytest

from reflow.engines.helmchart import MetadataPatchError, version_metadata, with_metadata

GIT = "main@sha1:4e5cbb7b97d00a3b7ba1c3c1ef1e5e3b2a1c0d9e"
BUCKET = "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"


@pytest.mark.parametrize(
    ("kind", "strategy", "revision", "files", "expected"),
    [
        pytest.param("HelmRepository", "ChartVersion", "sha256:ab", (), "", id="repository-plain"),
        pytest.param("HelmRepository", "Revision", "sha256:ab", (), "", id="repository-ignores-revision"),
        pytest.param("HelmRepository", "ChartVersion", "sha256:ab", ("prod.yaml",), "7", id="repository-values"),
        pytest.param("GitRepository", "ChartVersion", GIT, (), "", id="git-chart-version"),
        pytest.param("GitRepository", "Revision", GIT, (), "4e5cbb7b97d0", id="git-revision"),
        pytest.param("GitRepository", "Revision", "main/4e5cbb7b97d00a3b", (), "4e5cbb7b97d0", id="git-legacy"),
        pytest.param("GitRepository", "Revision", GIT, ("a.yaml",), "4e5cbb7b97d0.7", id="git-revision-values"),
        pytest.param("Bucket", "Revision", BUCKET, (), "9f86d081884c", id="bucket-revision"),
    ],
)
def test_version_metadata(kind: str, strategy: str, revision: str, files: tuple[str, ...], expected: str) -> None:
    assert (
        version_metadata(kind=kind, strategy=strategy, source_revision=revision, values_files=files, generation=7)
        == expected
    )


@pytest.mark.parametrize(
    ("version", "metadata", "expected"),
    [
        pytest.param("1.2.3", "", "1.2.3", id="no-metadata-unchanged"),
        pytest.param("1.2.3", "5", "1.2.3+5", id="added"),
        pytest.param("1.2.3+old", "5", "1.2.3+5", id="replaced"),
        pytest.param("v1.2.3-rc.1", "abc.2", "1.2.3-rc.1+abc.2", id="prerelease-kept-v-dropped"),
    ],
)
def test_with_metadata(version: str, metadata: str, expected: str) -> None:
    assert with_metadata(version, metadata) == expected


def test_a_version_that_is_not_semver_cannot_take_metadata() -> None:
    with pytest.raises(MetadataPatchError, match="chart metadata patch error: chart version 'latest'"):
        with_metadata("latest", "5")
