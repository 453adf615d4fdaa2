"""Ignore matching, ported case for case from fluxcd/pkg sourceignore (pattern, matcher and loader tests)."""

from __future__ import annotations

from pathlib import Path

import pytest

from reflow.engines.sourceignore import (
    Matcher,
    Verdict,
    default_matcher,
    load_ignore_patterns,
    parse_pattern,
    read_ignore_file,
    read_patterns,
    source_matcher,
)

EXCLUDE, INCLUDE, NO_MATCH = Verdict.EXCLUDE, Verdict.INCLUDE, Verdict.NO_MATCH
V = ("value", "volcano")
HMT = ("head", "middle", "tail")

PATTERNS: list[tuple[str, str, tuple[str, ...], tuple[str, ...], bool, Verdict]] = [
    ("simple-inclusion", "!vul?ano", (), ("value", "vulkano", "tail"), False, INCLUDE),
    ("domain-longer-than-path", "value", HMT, ("head", "middle"), False, NO_MATCH),
    ("domain-same-length-as-path", "value", HMT, HMT, False, NO_MATCH),
    ("domain-mismatch", "value", HMT, ("head", "middle", "_tail_", "value"), False, NO_MATCH),
    ("simple-with-domain", "middle/", V, ("value", "volcano", "middle", "tail"), False, EXCLUDE),
    ("simple-only-matches-inside-domain", "volcano/", V, ("value", "volcano", "tail"), True, NO_MATCH),
    ("simple-at-start", "value", (), ("value", "tail"), False, EXCLUDE),
    ("simple-in-the-middle", "value", (), ("head", "value", "tail"), False, EXCLUDE),
    ("simple-at-end", "value", (), ("head", "value"), False, EXCLUDE),
    ("simple-dir-wanted-at-start", "value/", (), ("value", "tail"), False, EXCLUDE),
    ("simple-dir-wanted-in-the-middle", "value/", (), ("head", "value", "tail"), False, EXCLUDE),
    ("simple-dir-wanted-at-end", "value/", (), ("head", "value"), True, EXCLUDE),
    ("simple-dir-wanted-file-at-end", "value/", (), ("head", "value"), False, NO_MATCH),
    ("simple-mismatch", "value", (), ("head", "val", "tail"), False, NO_MATCH),
    ("simple-value-longer", "val", (), ("head", "value", "tail"), False, NO_MATCH),
    ("simple-asterisk", "v*o", (), ("value", "vulkano", "tail"), False, EXCLUDE),
    ("simple-question-mark", "vul?ano", (), ("value", "vulkano", "tail"), False, EXCLUDE),
    ("simple-classes", "v[ou]l[kc]ano", (), ("value", "volcano"), False, EXCLUDE),
    ("simple-malformed-pattern", "v[ou]l[", (), ("value", "vol["), False, NO_MATCH),
    ("glob-from-root-with-slash", "/value/vul?ano", (), ("value", "vulkano", "tail"), False, EXCLUDE),
    ("glob-with-domain", "middle/tail/", V, ("value", "volcano", "middle", "tail"), True, EXCLUDE),
    ("glob-only-matches-inside-domain", "volcano/tail", V, ("value", "volcano", "tail"), False, NO_MATCH),
    ("glob-from-root-without-slash", "value/vul?ano", (), ("value", "vulkano", "tail"), False, EXCLUDE),
    ("glob-from-root-mismatch", "value/vulkano", (), ("value", "volcano"), False, NO_MATCH),
    ("glob-path-too-short", "value/vul?ano", (), ("value",), False, NO_MATCH),
    ("glob-not-at-root", "/value/volcano", (), ("value", "value", "volcano"), False, NO_MATCH),
    ("leading-asterisks-at-start", "**/*lue/vol?ano", (), ("value", "volcano", "tail"), False, EXCLUDE),
    ("leading-asterisks-not-at-start", "**/*lue/vol?ano", (), ("head", "value", "volcano", "tail"), False, EXCLUDE),
    ("leading-asterisks-mismatch", "**/*lue/vol?ano", (), ("head", "value", "Volcano", "tail"), False, NO_MATCH),
    ("leading-asterisks-dir", "**/*lue/vol?ano/", (), ("head", "value", "volcano", "tail"), False, EXCLUDE),
    ("leading-asterisks-dir-at-end", "**/*lue/vol?ano/", (), ("head", "value", "volcano"), True, EXCLUDE),
    ("leading-asterisks-dir-mismatch", "**/*lue/vol?ano/", (), ("head", "value", "Colcano"), True, NO_MATCH),
    ("leading-asterisks-file-at-end", "**/*lue/vol?ano/", (), ("head", "value", "volcano"), False, NO_MATCH),
    ("trailing-asterisks", "/*lue/vol?ano/**", (), ("value", "volcano", "tail", "moretail"), False, EXCLUDE),
    ("trailing-asterisks-exact", "/*lue/vol?ano/**", (), ("value", "volcano"), False, EXCLUDE),
    ("middle-asterisks-empty", "/*lue/**/vol?ano", (), ("value", "volcano"), False, EXCLUDE),
    ("middle-asterisks-one", "/*lue/**/vol?ano", (), ("value", "middle", "volcano"), False, EXCLUDE),
    ("middle-asterisks-many", "/*lue/**/vol?ano", (), ("value", "middle1", "middle2", "volcano"), False, EXCLUDE),
    (
        "middle-asterisks-dir-trailing",
        "/*lue/**/vol?ano/",
        (),
        ("value", "middle1", "middle2", "volcano"),
        True,
        EXCLUDE,
    ),
    (
        "middle-asterisks-dir-trailing-file",
        "/*lue/**/vol?ano/",
        (),
        ("value", "middle1", "middle2", "volcano"),
        False,
        NO_MATCH,
    ),
    (
        "middle-asterisks-dir",
        "/*lue/**/vol?ano/",
        (),
        ("value", "middle1", "middle2", "volcano", "tail"),
        False,
        EXCLUDE,
    ),
    ("double-asterisk-inside-segment", "/*lue/**foo/vol?ano", (), ("value", "foo", "volcano", "tail"), False, NO_MATCH),
    ("glob-classes", "**/head/v[ou]l[kc]ano", (), ("value", "head", "volcano"), False, EXCLUDE),
    ("glob-malformed-no-traversal", "**/head/v[ou]l[", (), ("value", "head", "vol["), False, NO_MATCH),
    ("glob-malformed-on-traversal", "/value/**/v[ou]l[", (), ("value", "head", "vol["), False, NO_MATCH),
    (
        "go-git-issue-923",
        "**/android/**/GeneratedPluginRegistrant.java",
        (),
        ("packages", "flutter_tools", "lib", "src", "android", "gradle.dart"),
        False,
        NO_MATCH,
    ),
]


@pytest.mark.parametrize(
    ("line", "domain", "path", "is_dir", "verdict"), [pytest.param(*row[1:], id=row[0]) for row in PATTERNS]
)
def test_pattern_verdict(
    line: str, domain: tuple[str, ...], path: tuple[str, ...], is_dir: bool, verdict: Verdict
) -> None:
    assert parse_pattern(line, domain).verdict(path, is_dir) is verdict


def test_later_patterns_take_priority() -> None:
    matcher = Matcher((parse_pattern("**/middle/v[uo]l?ano"), parse_pattern("!volcano")))
    assert matcher.ignores("head/middle/vulkano", False)
    assert not matcher.ignores("head/middle/volcano", False)


READ = [
    (
        "simple",
        "ignore-dir/*\n!ignore-dir/include\n",
        (),
        ["ignore-dir/file.yaml"],
        ["file.yaml", "ignore-dir/include"],
    ),
    ("with-comments", "ignore-dir/*\n# !ignore-dir/include", (), ["ignore-dir/file.yaml", "ignore-dir/include"], []),
    (
        "domain-scoped",
        "ignore-dir/*",
        ("domain", "scoped"),
        ["domain/scoped/ignore-dir/file.yaml"],
        ["ignore-dir/file.yaml"],
    ),
]


@pytest.mark.parametrize(("text", "domain", "ignored", "kept"), [pytest.param(*row[1:], id=row[0]) for row in READ])
def test_read_patterns(text: str, domain: tuple[str, ...], ignored: list[str], kept: list[str]) -> None:
    matcher = Matcher(read_patterns(text, domain))
    assert [path for path in ignored if not matcher.ignores(path, False)] == []
    assert [path for path in kept if matcher.ignores(path, False)] == []


@pytest.mark.parametrize("domain", [pytest.param((), id="no-domain"), pytest.param(("some", "dir"), id="with-domain")])
def test_read_ignore_file(tmp_path: Path, domain: tuple[str, ...]) -> None:
    ignore_file = tmp_path / ".sourceignore"
    ignore_file.write_text("# .sourceignore\nignore-this.txt")
    assert read_ignore_file(ignore_file, domain) == (parse_pattern("ignore-this.txt", domain),)


def test_missing_ignore_file_has_no_patterns(tmp_path: Path) -> None:
    assert read_ignore_file(tmp_path / "absent") == ()


VCS = [
    ("simple", (), [".git/config", ".gitignore"], ["workload.yaml", "workload.yml", "simple.txt"]),
    ("domain-scoped", ("directory",), ["directory/.git/config", "directory/.gitignore"], ["other/.git/config"]),
]
DEFAULTS = [
    (
        "simple",
        (),
        (),
        ["image.jpg", "archive.tar.gz", ".github/workflows/workflow.yaml", "subdir/.flux.yaml", "subdir2/.sops.yaml"],
        ["workload.yaml", "workload.yml", "simple.txt"],
    ),
    (
        "domain-scoped",
        ("directory",),
        (),
        ["directory/image.jpg", "directory/archive.tar.gz"],
        ["other/image.jpg", "other/archive.tar.gz"],
    ),
    ("patterns", (), ("!*.jpg",), [], ["image.jpg"]),
]


@pytest.mark.parametrize(("domain", "ignored", "kept"), [pytest.param(*row[1:], id=row[0]) for row in VCS])
def test_vcs_patterns(domain: tuple[str, ...], ignored: list[str], kept: list[str]) -> None:
    matcher = default_matcher((), domain)
    assert [path for path in ignored if not matcher.ignores(path, False)] == []
    assert [path for path in kept if matcher.ignores(path, False)] == []


@pytest.mark.parametrize(
    ("domain", "lines", "ignored", "kept"), [pytest.param(*row[1:], id=row[0]) for row in DEFAULTS]
)
def test_default_patterns(domain: tuple[str, ...], lines: tuple[str, ...], ignored: list[str], kept: list[str]) -> None:
    matcher = default_matcher([parse_pattern(line) for line in lines], domain)
    assert [path for path in ignored if not matcher.ignores(path, False)] == []
    assert [path for path in kept if matcher.ignores(path, False)] == []


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    files = {
        ".sourceignore": "root.txt",
        "d/.gitignore": "ignored",
        "z/.sourceignore": "last.txt",
        "a/b/.sourceignore": "subdir.txt",
        "e/last.txt": "foo",
        "a/c/subdir.txt": "bar",
    }
    for name, content in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(content)
    return tmp_path


def test_load_walks_the_tree_scoping_each_file(tree: Path) -> None:
    assert load_ignore_patterns(tree) == (
        parse_pattern("root.txt", ()),
        parse_pattern("subdir.txt", ("a", "b")),
        parse_pattern("last.txt", ("z",)),
    )


def test_load_prefixes_the_given_domain(tree: Path) -> None:
    base = tuple(str(tree).split("/"))
    assert load_ignore_patterns(tree, base) == (
        parse_pattern("root.txt", base),
        parse_pattern("subdir.txt", (*base, "a", "b")),
        parse_pattern("last.txt", (*base, "z")),
    )


def test_source_without_patterns_gets_the_defaults() -> None:
    assert source_matcher(()).ignores("logo.png", False)


def test_source_with_any_pattern_drops_the_defaults_but_keeps_vcs() -> None:
    matcher = source_matcher(read_patterns("tmp/"))
    assert not matcher.ignores("logo.png", False)
    assert matcher.ignores(".git", True)
    assert matcher.ignores("tmp", True)


def test_spec_ignore_after_sourceignore_can_reinclude() -> None:
    matcher = source_matcher((*read_patterns("*.yaml", ("apps",)), *read_patterns("!/apps/keep.yaml")))
    assert matcher.ignores("apps/drop.yaml", False)
    assert not matcher.ignores("apps/keep.yaml", False)


def test_nothing_below_an_ignored_directory_comes_back() -> None:
    matcher = source_matcher(read_patterns("build/\n!build/keep.txt"))
    assert not matcher.ignores("build/keep.txt", False)
    assert matcher.excludes("build/keep.txt", False)
    assert not matcher.excludes("src/main.yaml", False)
