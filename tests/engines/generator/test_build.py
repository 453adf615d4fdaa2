"""A build stages the copied files and names them by content: same files, same digest."""

from __future__ import annotations

from pathlib import Path

import pytest

from reflow.api.sourceext import OutputArtifact
from reflow.engines.generator import GeneratorError, ObservedSource, artifact_revision, build, sources_digest
from reflow.engines.generator.pattern import Request
from tests.engines.generator.trees import op, read_tree, write_tree

APPS = OutputArtifact(name="apps", copy=(op("@repo/apps/", "@artifact/"),))


def test_digest_follows_content_only(tmp_path: Path) -> None:
    first = write_tree(tmp_path / "one", {"apps/a.yaml": "a", "infra/b.yaml": "b"})
    second = write_tree(tmp_path / "two", {"apps/a.yaml": "a", "infra/b.yaml": "changed"})
    third = write_tree(tmp_path / "three", {"apps/a.yaml": "changed"})
    built = [build(Request(APPS), {"repo": root}, tmp_path) for root in (first, second, third)]
    assert built[0].digest == built[1].digest != built[2].digest
    assert read_tree(built[0].directory) == {"apps/a.yaml": "a"}


def test_revision_is_latest_at_digest_unless_a_source_gives_it() -> None:
    sources = {"repo": ObservedSource(url="http://x", revision="main@sha1:abc", digest="sha256:1")}
    assert artifact_revision(APPS, "sha256:ff", sources) == "latest@sha256:ff"
    pinned = OutputArtifact(name="apps", revision="@repo", copy=())
    assert artifact_revision(pinned, "sha256:ff", sources) == "main@sha1:abc"


def test_sources_digest_moves_with_any_source_revision() -> None:
    one = {"repo": ObservedSource(url="http://x", revision="main@sha1:abc", digest="sha256:1")}
    two = {"repo": ObservedSource(url="http://x", revision="main@sha1:def", digest="sha256:1")}
    assert sources_digest(one) == sources_digest(dict(one)) != sources_digest(two)


def test_inputs_come_from_a_yaml_mapping(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "src", {"apps/inputs.yaml": "tenant: team-a\nreplicas: 2\n"})
    artifact = OutputArtifact(name="apps", inputs_from="@artifact/apps/inputs.yaml", copy=APPS.copy)
    assert build(Request(artifact), {"repo": root}, tmp_path).inputs == {"tenant": "team-a", "replicas": 2}


def test_errors_name_the_artifact(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "src", {"infra/x.yaml": "x"})
    with pytest.raises(GeneratorError, match=r"^artifact 'apps': Overwrite from '@repo/apps/' to '@artifact/': "):
        build(Request(APPS), {"repo": root}, tmp_path)
