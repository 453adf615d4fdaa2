"""Builds stay inside the artifact and the sandbox: escapes, remote bases and unconfined builds are refused."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from reflow.engines.build import (
    BuildCache,
    BuildRequest,
    BuildSettings,
    BuildSpec,
    KustomizeBuilder,
    KustomizeFailed,
    Owner,
    PathOutsideArtifact,
    Pipeline,
    RemoteBaseRefused,
    SandboxUnavailable,
)
from reflow.engines.build.confine import check_references

CONFIGMAP = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n"


@pytest.fixture
def artifact(tmp_path: Path) -> Path:
    root = tmp_path / "artifact"
    (root / "app").mkdir(parents=True)
    (root / "app" / "cm.yaml").write_text(CONFIGMAP)
    (tmp_path / "outside.yaml").write_text(CONFIGMAP.replace("app", "stolen"))
    return root


def kustomize(directory: Path, body: str) -> None:
    (directory / "kustomization.yaml").write_text(body)


async def build(builder: KustomizeBuilder, root: Path, path: str, *, no_remote_bases: bool = False) -> None:
    pipeline = Pipeline(builder, BuildSettings(no_remote_bases=no_remote_bases), BuildCache())
    spec = BuildSpec(path=path)
    await pipeline.build(BuildRequest(root=root, digest="sha256:0", spec=spec, owner=Owner("a", "b")))


async def refused(builder: KustomizeBuilder, root: Path, path: str, error: type[Exception], match: str, **kw: bool):
    await builder.version()  # the one-off sandbox probe, so the count below is about the build only
    spawned = builder.spawned
    with pytest.raises(error, match=match):
        await build(builder, root, path, **kw)
    assert builder.spawned == spawned, "kustomize ran although the build was refused"


@pytest.mark.parametrize(
    ("path", "match"),
    [
        pytest.param("/etc", "is absolute", id="absolute"),
        pytest.param("app/../..", "outside the artifact root", id="dotdot-past-root"),
        pytest.param("../artifact/../outside.yaml", "outside the artifact root", id="dotdot-sibling"),
    ],
)
async def test_spec_path_outside_the_artifact_is_refused(
    builder: KustomizeBuilder, artifact: Path, path: str, match: str
) -> None:
    await refused(builder, artifact, path, PathOutsideArtifact, match)


async def test_symlink_pointing_out_is_refused(builder: KustomizeBuilder, artifact: Path, tmp_path: Path) -> None:
    (artifact / "app" / "linked.yaml").symlink_to(tmp_path / "outside.yaml")
    await refused(builder, artifact, "app", PathOutsideArtifact, r"symlink 'app/linked\.yaml' points outside")


async def test_path_through_a_symlinked_directory_out_is_refused(
    builder: KustomizeBuilder, artifact: Path, tmp_path: Path
) -> None:
    (artifact / "escape").symlink_to(tmp_path)
    await refused(builder, artifact, "escape", PathOutsideArtifact, "symlink that points outside")


@pytest.mark.parametrize(
    ("body", "match"),
    [
        pytest.param(
            "resources:\n- ../../outside.yaml\n", r"'\.\./\.\./outside\.yaml' leads outside", id="resource-dotdot"
        ),
        pytest.param("resources:\n- /etc/passwd\n", "'/etc/passwd' is an absolute path", id="resource-absolute"),
        pytest.param(
            "configMapGenerator:\n- name: host\n  files:\n  - /etc/hostname\n",
            "configMapGenerator entry '/etc/hostname' is an absolute path",
            id="generator-reads-etc-hostname",
        ),
        pytest.param(
            "secretGenerator:\n- name: s\n  envs:\n  - ../../outside.yaml\n",
            "secretGenerator entry",
            id="generator-env",
        ),
        pytest.param("patches:\n- path: /etc/hostname\n", "patches entry", id="patch-path"),
    ],
)
async def test_file_references_outside_the_artifact_are_refused(
    builder: KustomizeBuilder, artifact: Path, body: str, match: str
) -> None:
    kustomize(artifact / "app", body)
    await refused(builder, artifact, "app", PathOutsideArtifact, match)


async def test_references_in_nested_bases_are_checked(builder: KustomizeBuilder, artifact: Path) -> None:
    (artifact / "overlay").mkdir()
    kustomize(artifact / "overlay", "resources:\n- ../app\n")
    kustomize(artifact / "app", "configMapGenerator:\n- name: host\n  files:\n  - key=/etc/hostname\n")
    await refused(builder, artifact, "overlay", PathOutsideArtifact, r"app/kustomization\.yaml: configMapGenerator")


@pytest.mark.parametrize(
    "remote",
    [
        "https://github.com/stefanprodan/podinfo//kustomize?ref=6.7.0",
        "github.com/stefanprodan/podinfo/kustomize",
        "git@github.com:stefanprodan/podinfo.git",
    ],
)
async def test_remote_bases_are_refused_when_disabled(builder: KustomizeBuilder, artifact: Path, remote: str) -> None:
    kustomize(artifact / "app", f"resources:\n- cm.yaml\n- {remote}\n")
    await refused(builder, artifact, "app", RemoteBaseRefused, "remote bases are disabled", no_remote_bases=True)


def test_remote_bases_are_reported_when_allowed(artifact: Path) -> None:
    kustomize(artifact / "app", "resources:\n- cm.yaml\n- https://example.com/manifests.yaml\n")
    check = check_references(artifact, artifact / "app", allow_remote=True)
    assert check.remote == ("https://example.com/manifests.yaml",)


async def test_sandbox_hides_host_files_even_without_the_checks(builder: KustomizeBuilder, artifact: Path) -> None:
    kustomize(artifact / "app", "configMapGenerator:\n- name: host\n  files:\n  - /etc/hostname\n")
    with pytest.raises(KustomizeFailed, match="hostname"):
        await builder.build(artifact, "app", network=False, timeout=60)


async def test_build_is_killed_on_timeout(builder: KustomizeBuilder, artifact: Path) -> None:
    kustomize(artifact / "app", "resources:\n- cm.yaml\n")
    with pytest.raises(KustomizeFailed, match="timed out"):
        await builder.build(artifact, "app", network=False, timeout=0.001)


async def test_without_bubblewrap_the_build_is_refused(artifact: Path, tmp_path: Path) -> None:
    missing = KustomizeBuilder(bwrap=tmp_path / "no-bwrap")
    with pytest.raises(SandboxUnavailable, match=r"refusing to run kustomize unconfined.*allow_unconfined"):
        await build(missing, artifact, "app")
    assert missing.spawned == 0


async def test_unconfined_build_only_when_accepted(artifact: Path, tmp_path: Path) -> None:
    unconfined = KustomizeBuilder(bwrap=tmp_path / "no-bwrap", allow_unconfined=True)
    assert (await unconfined.version()).endswith("sandbox=none")
    await build(unconfined, artifact, "app")
    kustomize(artifact / "app", "configMapGenerator:\n- name: host\n  files:\n  - /etc/hostname\n")
    with pytest.raises(PathOutsideArtifact):
        await build(unconfined, artifact, "app")


def test_symlink_inside_the_artifact_is_kept(artifact: Path) -> None:
    (artifact / "app" / "alias.yaml").symlink_to("cm.yaml")
    assert os.readlink(artifact / "app" / "alias.yaml") == "cm.yaml"
    check_references(artifact, artifact / "app", allow_remote=False)
