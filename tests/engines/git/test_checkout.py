"""Shallow checkout of the resolved commit, sparse checkout and submodules, against the HTTP git server."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from reflow.api.source import GitRepositoryRef
from reflow.engines.git import Credentials, checkout, resolve_remote
from tests.gitservers import GitHttpServer, Repo


def _credentials(server: GitHttpServer) -> Credentials:
    return Credentials(username=server.username, password=server.password)


def _files(root: Path) -> list[str]:
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if ".git" not in path.relative_to(root).parts)


def _depth(root: Path) -> int:
    done = subprocess.run(["git", "-C", root, "rev-list", "--count", "HEAD"], capture_output=True, check=True)
    return int(done.stdout)


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        pytest.param(GitRepositoryRef(branch="main"), "two\n", id="branch"),
        pytest.param(GitRepositoryRef(tag="v1.0.0"), "one\n", id="annotated-tag"),
        pytest.param(GitRepositoryRef(semver="~1"), "one\n", id="semver"),
    ],
)
async def test_checkout_holds_exactly_the_resolved_commit(
    git_http: GitHttpServer, make_repo: Callable[[], Repo], tmp_path: Path, ref: GitRepositoryRef, expected: str
) -> None:
    repo = make_repo()
    repo.commit({"app/config.yaml": "one\n"}, "first")
    repo.tag("v1.0.0", message="one")
    repo.commit({"app/config.yaml": "two\n"}, "second: bump config\n\nlonger body")
    url = git_http.url(repo.bare.name)
    resolved = await resolve_remote(url, ref, _credentials(git_http))
    done = await checkout(url, resolved, tmp_path / "co", _credentials(git_http))
    assert (done.path / "app/config.yaml").read_text() == expected
    assert done.commit == resolved.commit
    assert _depth(done.path) == 1
    assert done.subject in ("first", "second: bump config")


async def test_checkout_by_commit(git_http: GitHttpServer, make_repo: Callable[[], Repo], tmp_path: Path) -> None:
    repo = make_repo()
    first = repo.commit({"a.txt": "one\n"}, "first")
    repo.commit({"a.txt": "two\n"}, "second")
    url = git_http.url(repo.bare.name)
    resolved = await resolve_remote(url, GitRepositoryRef(commit=first), _credentials(git_http))
    done = await checkout(url, resolved, tmp_path / "co", _credentials(git_http))
    assert (done.path / "a.txt").read_text() == "one\n"
    assert done.revision == f"sha1:{first}"


async def test_sparse_checkout_keeps_only_the_listed_directories(
    git_http: GitHttpServer, make_repo: Callable[[], Repo], tmp_path: Path
) -> None:
    repo = make_repo()
    repo.commit({"top.yaml": "t\n", "apps/a.yaml": "a\n", "apps/deep/b.yaml": "b\n", "infra/c.yaml": "c\n"}, "tree")
    url = git_http.url(repo.bare.name)
    resolved = await resolve_remote(url, GitRepositoryRef(branch="main"), _credentials(git_http))
    done = await checkout(url, resolved, tmp_path / "co", _credentials(git_http), sparse_checkout=["./apps/"])
    assert _files(done.path) == ["apps", "apps/a.yaml", "apps/deep", "apps/deep/b.yaml"]


async def test_submodules_are_checked_out_when_asked(
    git_http: GitHttpServer, make_repo: Callable[[], Repo], tmp_path: Path
) -> None:
    library = make_repo()
    library.commit({"lib.yaml": "lib\n"}, "library")
    parent = make_repo()
    parent.commit({"app.yaml": "app\n"}, "app")
    parent.git("-c", "protocol.file.allow=always", "submodule", "add", "--quiet", str(library.bare), "vendor/lib")
    parent.git("config", "--file", ".gitmodules", "submodule.vendor/lib.url", f"../{library.bare.name}")
    parent.commit({}, "add the library")
    url = git_http.url(parent.bare.name)
    resolved = await resolve_remote(url, GitRepositoryRef(branch="main"), _credentials(git_http))
    without = await checkout(url, resolved, tmp_path / "without", _credentials(git_http))
    with_modules = await checkout(url, resolved, tmp_path / "with", _credentials(git_http), recurse_submodules=True)
    assert not (without.path / "vendor/lib/lib.yaml").exists()
    assert (with_modules.path / "vendor/lib/lib.yaml").read_text() == "lib\n"


async def test_checkout_refuses_a_directory_with_content(git_http: GitHttpServer, tmp_path: Path) -> None:
    (tmp_path / "busy.txt").write_text("x")
    resolved = await resolve_remote("http://unused.invalid/r.git", GitRepositoryRef(commit="b" * 40))
    with pytest.raises(Exception, match="not empty"):
        await checkout(git_http.url("r.git"), resolved, tmp_path)
