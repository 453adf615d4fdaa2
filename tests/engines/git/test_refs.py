"""Ref resolution, revision strings, ls-remote parsing and error messages, as pure functions."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from reflow.api.source import GitRepositoryRef
from reflow.engines.git import (
    AuthenticationFailed,
    Credentials,
    GitError,
    InvalidRef,
    InvalidURL,
    RefKind,
    RefNotFound,
    RepositoryNotFound,
    UnknownHostKey,
    UnreachableHost,
    check_url,
    format_revision,
    parse_ls_remote,
    ref_patterns,
    resolve_ref,
)
from reflow.engines.git.errors import classify, public_url, redact

A, B, C, T = "a" * 40, "b" * 40, "c" * 40, "d" * 40
LISTING = "\n".join(
    [
        "ref: refs/heads/main\tHEAD",
        f"{A}\tHEAD",
        f"{A}\trefs/heads/main",
        f"{B}\trefs/heads/dev",
        f"{T}\trefs/tags/v1.0.0",
        f"{B}\trefs/tags/v1.0.0^{{}}",
        f"{C}\trefs/tags/v1.2.0",
        f"{A}\trefs/tags/v1.2.0+build.2",
        f"{C}\trefs/pull/7/head",
    ]
)
REFS = parse_ls_remote(LISTING)


def test_parse_ls_remote_peels_annotated_tags_and_reads_head() -> None:
    assert REFS.head == "refs/heads/main"
    assert REFS.objects["refs/tags/v1.0.0"] == T
    assert REFS.commit("refs/tags/v1.0.0") == B
    assert REFS.commit("refs/heads/dev") == B
    assert REFS.commit("refs/heads/absent") is None


@pytest.mark.parametrize(
    ("ref", "kind", "revision"),
    [
        pytest.param(None, RefKind.BRANCH, None, id="default-master-missing"),
        pytest.param(GitRepositoryRef(branch="main"), RefKind.BRANCH, f"main@sha1:{A}", id="branch"),
        pytest.param(GitRepositoryRef(tag="v1.0.0"), RefKind.TAG, f"v1.0.0@sha1:{B}", id="annotated-tag-peeled"),
        pytest.param(GitRepositoryRef(semver="<1.1"), RefKind.SEMVER, f"v1.0.0@sha1:{B}", id="semver"),
        pytest.param(GitRepositoryRef(name="refs/pull/7/head"), RefKind.NAME, f"refs/pull/7/head@sha1:{C}", id="name"),
        pytest.param(GitRepositoryRef(commit=C.upper()), RefKind.COMMIT, f"sha1:{C}", id="commit"),
        pytest.param(GitRepositoryRef(commit=C, branch="dev"), RefKind.COMMIT, f"dev@sha1:{C}", id="commit-on-branch"),
        pytest.param(
            GitRepositoryRef(commit=C, name="refs/heads/main", semver="*", tag="v1.0.0", branch="dev"),
            RefKind.COMMIT,
            f"dev@sha1:{C}",
            id="commit-first",
        ),
        pytest.param(
            GitRepositoryRef(name="refs/heads/dev", semver="*", tag="v1.0.0"),
            RefKind.NAME,
            f"refs/heads/dev@sha1:{B}",
            id="name-second",
        ),
        pytest.param(
            GitRepositoryRef(semver="1.0.x", tag="v1.2.0"), RefKind.SEMVER, f"v1.0.0@sha1:{B}", id="semver-third"
        ),
        pytest.param(GitRepositoryRef(tag="v1.2.0", branch="main"), RefKind.TAG, f"v1.2.0@sha1:{C}", id="tag-fourth"),
    ],
)
def test_resolve_ref_follows_flux_precedence(ref, kind, revision) -> None:
    if revision is None:
        with pytest.raises(RefNotFound, match="branch 'master' not found"):
            resolve_ref(ref, REFS)
        return
    resolved = resolve_ref(ref, REFS)
    assert (resolved.kind, resolved.revision) == (kind, revision)


def test_semver_ties_on_build_metadata_go_to_the_newest_commit() -> None:
    ref = GitRepositoryRef(semver="1.2.x")
    newer_build = {"v1.2.0": datetime(2024, 1, 1, tzinfo=UTC), "v1.2.0+build.2": datetime(2025, 1, 1, tzinfo=UTC)}
    older_build = {"v1.2.0": datetime(2025, 1, 1, tzinfo=UTC), "v1.2.0+build.2": datetime(2024, 1, 1, tzinfo=UTC)}
    assert resolve_ref(ref, REFS, tag_times=newer_build).revision == f"v1.2.0+build.2@sha1:{A}"
    assert resolve_ref(ref, REFS, tag_times=older_build).revision == f"v1.2.0@sha1:{C}"


@pytest.mark.parametrize(
    ("ref", "error", "message"),
    [
        pytest.param(GitRepositoryRef(commit="abc123"), InvalidRef, "not a full", id="short-commit"),
        pytest.param(GitRepositoryRef(semver="not a range"), InvalidRef, "semver parse error", id="bad-range"),
        pytest.param(GitRepositoryRef(semver=">=9"), RefNotFound, "no match found for semver: >=9", id="no-match"),
        pytest.param(GitRepositoryRef(tag="v9"), RefNotFound, "tag 'v9' not found", id="no-tag"),
        pytest.param(GitRepositoryRef(name="refs/x"), RefNotFound, "reference 'refs/x' not found", id="no-name"),
    ],
)
def test_resolve_ref_errors(ref, error, message) -> None:
    with pytest.raises(error, match=message):
        resolve_ref(ref, REFS)


@pytest.mark.parametrize(
    ("pointer", "commit", "expected"),
    [
        pytest.param("main", A, f"main@sha1:{A}", id="branch"),
        pytest.param("refs/heads/main", A, f"refs/heads/main@sha1:{A}", id="name"),
        pytest.param(None, A, f"sha1:{A}", id="commit"),
        pytest.param("v1", "e" * 64, f"v1@sha256:{'e' * 64}", id="sha256-repository"),
    ],
)
def test_format_revision(pointer, commit, expected) -> None:
    assert format_revision(pointer, commit) == expected


@pytest.mark.parametrize(
    ("ref", "patterns"),
    [
        pytest.param(None, ("refs/heads/master", "refs/heads/master^{}"), id="default"),
        pytest.param(GitRepositoryRef(tag="v1"), ("refs/tags/v1", "refs/tags/v1^{}"), id="tag"),
        pytest.param(GitRepositoryRef(semver="*"), ("refs/tags/*",), id="semver"),
        pytest.param(GitRepositoryRef(commit=A), None, id="commit-needs-no-listing"),
    ],
)
def test_ref_patterns(ref, patterns) -> None:
    assert ref_patterns(ref) == patterns


@pytest.mark.parametrize(
    ("stderr", "error"),
    [
        pytest.param("fatal: Authentication failed for 'http://h/r.git/'", AuthenticationFailed, id="http-auth"),
        pytest.param("git@h: Permission denied (publickey).", AuthenticationFailed, id="ssh-auth"),
        pytest.param("Host key verification failed.", UnknownHostKey, id="host-key"),
        pytest.param("ssh: connect to host h port 22: Connection refused", UnreachableHost, id="refused"),
        pytest.param("fatal: unable to access: Could not resolve host: h", UnreachableHost, id="dns"),
        pytest.param("fatal: couldn't find remote ref refs/heads/x", RefNotFound, id="ref"),
        pytest.param("fatal: repository 'http://h/r.git/' not found", RepositoryNotFound, id="repository"),
        pytest.param("fatal: something else", GitError, id="other"),
    ],
)
def test_classify_maps_git_messages_to_error_classes(stderr, error) -> None:
    assert type(classify(stderr, action="fetch from", url="http://h/r.git")) is error


def test_messages_mask_secrets_and_url_passwords() -> None:
    error = classify(
        "fatal: Authentication failed for 'https://bob:hunter22@h/r.git/' token s3cr3t-token",
        action="list references of",
        url="https://bob:hunter22@h/r.git",
        secrets=["s3cr3t-token"],
    )
    assert "hunter22" not in str(error)
    assert "s3cr3t-token" not in str(error)
    assert "https://bob:***@h/r.git" in str(error)
    assert public_url("ssh://git@h/r.git") == "ssh://git@h/r.git"
    assert redact("key line1\nline2 and line2", ["line1\nline2"]) == "key *** and ***"


def test_credentials_repr_shows_no_values() -> None:
    text = repr(Credentials(username="bob", password="hunter22", identity=b"-----BEGIN KEY-----"))
    assert "hunter22" not in text
    assert "BEGIN" not in text
    assert "password" in text


@pytest.mark.parametrize("url", ["git@github.com:org/repo.git", "file:///tmp/repo", "ftp://h/r", "https:///r"])
def test_check_url_refuses_what_flux_refuses(url: str) -> None:
    with pytest.raises(InvalidURL) as raised:
        check_url(url)
    assert raised.value.stalled
