"""Builds stay inside the artifact and the sandbox (bubblewrap, Landlock): escapes, remote bases, unconfined builds."""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterator
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
    Sandbox,
    SandboxUnavailable,
    errors,
)
from reflow.engines.build.confine import check_references
from tests.engines.build.hostile import CASES, CONFIGMAP, HOSTNAME_GENERATOR, Hostile, plant
from tests.engines.build.hostile import served as serve


@pytest.fixture(scope="module", params=[Sandbox.BWRAP, Sandbox.LANDLOCK])
def sandboxed(request: pytest.FixtureRequest) -> KustomizeBuilder:
    """Each sandbox test runs in each sandbox; one that cannot start here fails the test rather than skipping it."""
    return KustomizeBuilder(sandboxes=(request.param,))


@pytest.fixture(scope="module", params=[Sandbox.BWRAP, Sandbox.LANDLOCK, Sandbox.NONE])
def builder(request: pytest.FixtureRequest) -> KustomizeBuilder:
    """Each escape test runs in each sandbox and unconfined, where the checks before the build are the only wall."""
    if request.param is Sandbox.NONE:
        return KustomizeBuilder(sandboxes=(), allow_unconfined=True)
    return KustomizeBuilder(sandboxes=(request.param,))


@pytest.fixture
def served() -> Iterator[str]:
    """The URL of a ConfigMap served over HTTP on loopback, for as long as the test runs."""
    with serve(CONFIGMAP.replace("app", "served")) as url:
        yield url


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


@pytest.mark.parametrize("case", [pytest.param(case, id=case.id) for case in CASES])
async def test_hostile_tree_is_refused_before_kustomize_runs(
    builder: KustomizeBuilder, tmp_path: Path, case: Hostile
) -> None:
    root = plant(case, tmp_path)
    error = getattr(errors, case.error)
    await refused(builder, root, case.path, error, case.match, no_remote_bases=case.no_remote_bases)


def test_remote_bases_are_reported_when_allowed(artifact: Path) -> None:
    kustomize(artifact / "app", "resources:\n- cm.yaml\n- https://example.com/manifests.yaml\n")
    check = check_references(artifact, artifact / "app", allow_remote=True)
    assert check.remote == ("https://example.com/manifests.yaml",)


async def test_sandbox_hides_host_files_even_without_the_checks(sandboxed: KustomizeBuilder, artifact: Path) -> None:
    kustomize(artifact / "app", "configMapGenerator:\n- name: host\n  files:\n  - /etc/hostname\n")
    with pytest.raises(KustomizeFailed, match="hostname"):
        await sandboxed.build(artifact, "app", network=False, timeout=60)


async def test_sandbox_has_no_network_without_remote_bases(
    sandboxed: KustomizeBuilder, artifact: Path, served: str
) -> None:
    kustomize(artifact / "app", f"resources:\n- {served}\n")
    unconfined = KustomizeBuilder(sandboxes=(), allow_unconfined=True)
    assert "name: served" in await unconfined.build(artifact, "app", network=False, timeout=60)
    with pytest.raises(KustomizeFailed, match=re.escape(served)):
        await sandboxed.build(artifact, "app", network=False, timeout=60)


async def test_build_is_killed_on_timeout(sandboxed: KustomizeBuilder, artifact: Path) -> None:
    kustomize(artifact / "app", "resources:\n- cm.yaml\n")
    with pytest.raises(KustomizeFailed, match="timed out"):
        await sandboxed.build(artifact, "app", network=False, timeout=0.001)


async def test_landlock_is_used_when_bubblewrap_cannot_run(
    artifact: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    fallback = KustomizeBuilder(bwrap=tmp_path / "no-bwrap")
    with caplog.at_level(logging.INFO, logger="reflow.engines.build"):
        assert await fallback.sandbox() is Sandbox.LANDLOCK
    assert "kustomize builds run in the landlock sandbox" in caplog.messages
    assert (await fallback.version()).endswith("sandbox=landlock")
    await build(fallback, artifact, "app")


async def test_without_a_working_sandbox_the_build_is_refused(artifact: Path, tmp_path: Path) -> None:
    missing = KustomizeBuilder(bwrap=tmp_path / "no-bwrap", sandboxes=(Sandbox.BWRAP,))
    with pytest.raises(SandboxUnavailable, match=r"refusing to run kustomize unconfined: .*no-bwrap does not exist"):
        await build(missing, artifact, "app")
    assert missing.spawned == 0


async def test_unconfined_build_refuses_plugin_configurations_built_from_a_kustomization(
    artifact: Path, tmp_path: Path
) -> None:
    (artifact / "gen").mkdir()
    kustomize(artifact / "gen", "resources:\n- cm.yaml\n")
    (artifact / "gen" / "cm.yaml").write_text(HOSTNAME_GENERATOR)
    kustomize(artifact / "app", "generators:\n- ../gen\n")
    unconfined = KustomizeBuilder(sandboxes=(), allow_unconfined=True)
    await refused(unconfined, artifact, "app", PathOutsideArtifact, "generators entry '../gen' is a kustomization")
    confined = KustomizeBuilder(sandboxes=(Sandbox.LANDLOCK,))
    with pytest.raises(KustomizeFailed, match="hostname"):  # the sandbox stops the read instead
        await build(confined, artifact, "app")


async def test_unconfined_build_only_when_accepted(artifact: Path, tmp_path: Path) -> None:
    unconfined = KustomizeBuilder(sandboxes=(), allow_unconfined=True)
    assert (await unconfined.version()).endswith("sandbox=none")
    await build(unconfined, artifact, "app")
    kustomize(artifact / "app", "configMapGenerator:\n- name: host\n  files:\n  - /etc/hostname\n")
    with pytest.raises(PathOutsideArtifact):
        await build(unconfined, artifact, "app")


def test_symlink_inside_the_artifact_is_kept(artifact: Path) -> None:
    (artifact / "app" / "alias.yaml").symlink_to("cm.yaml")
    assert os.readlink(artifact / "app" / "alias.yaml") == "cm.yaml"
    check_references(artifact, artifact / "app", allow_remote=False)
