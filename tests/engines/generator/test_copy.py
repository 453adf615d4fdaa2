"""Copy operations follow cp's rules, honour excludes and strategies, and never leave the source root."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from reflow.api.sourceext import CopyOperation
from reflow.engines.generator import GeneratorError, apply_copy, excluded
from tests.engines.generator.trees import op, read_tree, tarball, write_tree

SOURCE = {
    "apps/base/kustomization.yaml": "base",
    "apps/base/podinfo.yaml": "podinfo",
    "apps/staging/kustomization.yaml": "staging",
    "apps/README.md": "readme",
    "infrastructure/controllers/ingress.yaml": "ingress",
    "values.yaml": "replicas: 1\n",
}


@pytest.fixture
def source(tmp_path: Path) -> Path:
    return write_tree(tmp_path / "src", SOURCE)


def run(source: Path, tmp_path: Path, *ops: CopyOperation) -> dict[str, str]:
    staging = tmp_path / "out"
    staging.mkdir(exist_ok=True)
    for each in ops:
        apply_copy(each, {"repo": source}, staging)
    return read_tree(staging)


@pytest.mark.parametrize(
    ("source_path", "to", "expected"),
    [
        pytest.param("@repo/apps/", "@artifact/", {"apps/base/kustomization.yaml", "apps/base/podinfo.yaml",
                     "apps/staging/kustomization.yaml", "apps/README.md"}, id="dir-slash-copies-the-directory"),
        pytest.param("@repo/apps", "@artifact/deploy/", {"deploy/apps/base/kustomization.yaml",
                     "deploy/apps/base/podinfo.yaml", "deploy/apps/staging/kustomization.yaml",
                     "deploy/apps/README.md"}, id="dir-without-slash-copies-the-directory"),
        pytest.param("@repo/apps/**", "@artifact/", {"base/kustomization.yaml", "base/podinfo.yaml",
                     "staging/kustomization.yaml", "README.md"}, id="dir-double-star-copies-the-contents"),
        pytest.param("@repo/apps/base/*.yaml", "@artifact/", {"apps/base/kustomization.yaml",
                     "apps/base/podinfo.yaml"}, id="glob-keeps-the-matched-path"),
        pytest.param("@repo/values.yaml", "@artifact/", {"values.yaml"}, id="file-into-root"),
        pytest.param("@repo/values.yaml", "@artifact/chart/", {"chart/values.yaml"}, id="file-into-directory"),
        pytest.param("@repo/values.yaml", "@artifact/chart/my-values.yaml", {"chart/my-values.yaml"},
                     id="file-renamed"),
        pytest.param("@repo/", "@artifact/", set(SOURCE), id="whole-source"),
    ],
)  # fmt: skip
def test_copy_follows_cp_rules(source: Path, tmp_path: Path, source_path: str, to: str, expected: set[str]) -> None:
    assert set(run(source, tmp_path, op(source_path, to))) == expected


def test_file_onto_an_existing_directory_goes_inside_it(source: Path, tmp_path: Path) -> None:
    files = run(source, tmp_path, op("@repo/apps/", "@artifact/"), op("@repo/values.yaml", "@artifact/apps"))
    assert files["apps/values.yaml"] == "replicas: 1\n"


def test_excludes_match_paths_names_and_paths_below_the_selection(source: Path, tmp_path: Path) -> None:
    files = run(source, tmp_path, op("@repo/apps/**", "@artifact/", exclude=("*.md", "staging/**")))
    assert set(files) == {"base/kustomization.yaml", "base/podinfo.yaml"}


@pytest.mark.parametrize(
    ("path", "base", "patterns", "expected"),
    [
        pytest.param("apps/a/README.md", "apps", ("*.md",), True, id="name-glob-any-depth"),
        pytest.param("apps/a/x.yaml", "apps", ("a/**",), True, id="below-base"),
        pytest.param("apps/a/x.yaml", "apps", ("apps/*/x.yaml",), True, id="full-path"),
        pytest.param("apps/a/x.yaml", "apps", ("b/**",), False, id="no-match"),
    ],
)
def test_excluded(path: str, base: str, patterns: tuple[str, ...], expected: bool) -> None:
    assert excluded(path, base, patterns) is expected


def test_later_operations_overwrite_earlier_ones(source: Path, tmp_path: Path) -> None:
    (tmp_path / "other").mkdir()
    later = op("@repo/apps/README.md", "@artifact/values.yaml")
    files = run(source, tmp_path, op("@repo/values.yaml", "@artifact/"), later)
    assert files == {"values.yaml": "readme"}


def test_merge_deep_merges_maps_and_replaces_lists(tmp_path: Path) -> None:
    source = write_tree(tmp_path / "src", {
        "base.yaml": "image: {repository: app, tag: '1.0'}\nports: [80, 443]\nreplicas: 1\n",
        "prod.yaml": "image: {tag: '2.0'}\nports: [8443]\n---\nreplicas: 3\n",
    })  # fmt: skip
    files = run(source, tmp_path, op("@repo/base.yaml", "@artifact/values.yaml"),
                op("@repo/prod.yaml", "@artifact/values.yaml", strategy="Merge"))  # fmt: skip
    assert files["values.yaml"] == "image:\n  repository: app\n  tag: '2.0'\nports:\n- 8443\nreplicas: 3\n"


def test_merge_without_a_destination_copies(tmp_path: Path) -> None:
    source = write_tree(tmp_path / "src", {"prod.yaml": "not: [merged"})
    files = run(source, tmp_path, op("@repo/prod.yaml", "@artifact/values.yaml", strategy="Merge"))
    assert files == {"values.yaml": "not: [merged"}


def test_extract_unpacks_a_tarball_into_the_destination(tmp_path: Path) -> None:
    source = write_tree(tmp_path / "src", {"charts/app-1.0.0.tgz": tarball({"app/Chart.yaml": "name: app"})})
    files = run(source, tmp_path, op("@repo/charts/*.tgz", "@artifact/charts/", strategy="Extract"))
    assert files == {"charts/app/Chart.yaml": "name: app"}


def test_extract_with_double_star_finds_tarballs_at_any_depth(tmp_path: Path) -> None:
    files = {"a/b/one.tar.gz": tarball({"one.txt": "1"}), "a/two.tgz": tarball({"two.txt": "2"}), "a/notes.txt": "x"}
    source = write_tree(tmp_path / "src", files)
    files = run(source, tmp_path, op("@repo/a/**", "@artifact/", strategy="Extract"))
    assert files == {"one.txt": "1", "two.txt": "2"}


def test_a_link_inside_the_source_is_followed(source: Path, tmp_path: Path) -> None:
    os.symlink("base", source / "apps" / "current")
    files = run(source, tmp_path, op("@repo/apps/current/podinfo.yaml", "@artifact/"))
    assert files == {"podinfo.yaml": "podinfo"}


def test_optional_operation_without_match_is_skipped(source: Path, tmp_path: Path) -> None:
    assert run(source, tmp_path, op("@repo/nothing/*.yaml", "@artifact/", optional=True),
               op("@repo/missing.yaml", "@artifact/", optional=True)) == {}  # fmt: skip


@pytest.mark.parametrize(
    ("operation", "message"),
    [
        pytest.param(op("@repo/nothing/*.yaml", "@artifact/"), "Overwrite from '@repo/nothing/*.yaml' to '@artifact/': "
                     "no files match 'nothing/*.yaml' in source 'repo'", id="glob-matches-nothing"),
        pytest.param(op("@repo/missing.yaml", "@artifact/"), "'missing.yaml' does not exist in source 'repo'",
                     id="missing-path"),
        pytest.param(op("@repo/apps/*.md", "@artifact/", exclude=("*.md",)), "every file matching 'apps/*.md' in "
                     "source 'repo' is excluded", id="all-excluded"),
        pytest.param(op("@repo/../etc/passwd", "@artifact/"), "'../etc/passwd' leaves the tree through '..'",
                     id="dot-dot-in-source"),
        pytest.param(op("@repo//etc/passwd", "@artifact/"), "'/etc/passwd' is absolute", id="absolute-source"),
        pytest.param(op("@repo/values.yaml", "@artifact/../../x"), "'../../x' leaves the tree through '..'",
                     id="dot-dot-in-destination"),
        pytest.param(op("@other/values.yaml", "@artifact/"), "source alias 'other' is not declared",
                     id="unknown-alias"),
        pytest.param(op("@repo/values.yaml", "@artifact/", strategy="Extract"), "Extract from '@repo/values.yaml' to "
                     "'@artifact/': Extract needs a .tar.gz or .tgz file, and 'values.yaml' is not one",
                     id="extract-of-non-tarball-name"),
        pytest.param(op("@repo/apps", "@artifact/", strategy="Extract"), "'apps' is a directory", id="extract-of-dir"),
    ],
)  # fmt: skip
def test_bad_operations_fail_naming_the_operation_and_path(source: Path, tmp_path: Path, operation: CopyOperation,
                                                           message: str) -> None:  # fmt: skip
    with pytest.raises(GeneratorError, match=None) as failed:
        run(source, tmp_path, operation)
    assert message in str(failed.value)


def test_a_link_out_of_the_source_root_is_refused(source: Path, tmp_path: Path) -> None:
    outside = write_tree(tmp_path / "secret", {"key": "s3cr3t"})
    os.symlink(outside, source / "apps" / "escape")
    for operation in (op("@repo/apps/", "@artifact/"), op("@repo/apps/escape/key", "@artifact/"),
                      op("@repo/apps/*/key", "@artifact/")):  # fmt: skip
        with pytest.raises(GeneratorError) as failed:
            run(source, tmp_path, operation)
        assert "'apps/escape" in str(failed.value)
        assert "outside the source root" in str(failed.value)
    assert "s3cr3t" not in str(read_tree(tmp_path / "out"))


def test_a_link_loop_is_refused(source: Path, tmp_path: Path) -> None:
    os.symlink(".", source / "apps" / "loop")
    with pytest.raises(GeneratorError, match="loops back"):
        run(source, tmp_path, op("@repo/apps/", "@artifact/"))


def test_merge_of_non_yaml_names_the_file(source: Path, tmp_path: Path) -> None:
    with pytest.raises(GeneratorError) as failed:
        run(source, tmp_path, op("@repo/values.yaml", "@artifact/v.yaml"),
            op("@repo/apps/README.md", "@artifact/v.yaml", strategy="Merge"))  # fmt: skip
    assert "Merge from '@repo/apps/README.md' to '@artifact/v.yaml': 'apps/README.md' cannot be merged" in str(
        failed.value
    )


def test_extract_of_a_file_that_is_not_an_archive_names_it(tmp_path: Path) -> None:
    source = write_tree(tmp_path / "src", {"chart.tgz": "plain text"})
    with pytest.raises(GeneratorError) as failed:
        run(source, tmp_path, op("@repo/chart.tgz", "@artifact/", strategy="Extract"))
    assert "Extract from '@repo/chart.tgz' to '@artifact/': 'chart.tgz' cannot be extracted" in str(failed.value)


def test_extract_refuses_an_archive_escaping_the_directory(tmp_path: Path) -> None:
    source = write_tree(tmp_path / "src", {"evil.tgz": tarball({"../../escaped": "x"})})
    with pytest.raises(GeneratorError, match=r"'evil\.tgz' cannot be extracted"):
        run(source, tmp_path, op("@repo/evil.tgz", "@artifact/", strategy="Extract"))
    assert not (tmp_path / "escaped").exists()
