"""Commit and push against the HTTP git server: the commit lands whole, refusals push nothing, signatures verify."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from reflow.api.source import GitRepositoryRef
from reflow.engines.git import Credentials, checkout, resolve_remote
from reflow.engines.git.push import Author, PushRejected, commit_and_push
from reflow.engines.git.signing import SigningKey, SigningKeyError, signing_key_from_secret
from tests.gitservers import GitHttpServer, Repo, Signer, SshServer, armored_secret_key, signature_of

AUTHOR = Author(name="Flux Bot", email="flux@reflow.invalid")


def _credentials(server: GitHttpServer) -> Credentials:
    return Credentials(username=server.username, password=server.password)


def _bare(repo: Repo, *args: str) -> str:
    done = subprocess.run(["git", "-C", repo.bare, *args], capture_output=True, check=True, text=True)
    return done.stdout


async def _checkout(server: GitHttpServer, repo: Repo, tmp_path: Path) -> Path:
    url = server.url(repo.bare.name)
    resolved = await resolve_remote(url, GitRepositoryRef(branch="main"), _credentials(server))
    return (await checkout(url, resolved, tmp_path / "co", _credentials(server))).path


async def test_commit_lands_on_the_branch_with_author_message_and_only_the_changed_file(
    git_http: GitHttpServer, make_repo: Callable[[], Repo], tmp_path: Path
) -> None:
    repo = make_repo()
    base = repo.commit({"app/deploy.yaml": "image: a:1\n", "other.yaml": "x: 1\n"}, "base")
    tree = await _checkout(git_http, repo, tmp_path)
    (tree / "app/deploy.yaml").write_text("image: a:2\n")
    pushed = await commit_and_push(
        tree, git_http.url(repo.bare.name), _credentials(git_http),
        files=["app/deploy.yaml"], message="Update a to 2\n\nbody\n", author=AUTHOR, branch="main",
    )  # fmt: skip
    assert _bare(repo, "rev-parse", "main").strip() == pushed.commit
    assert _bare(repo, "rev-parse", f"{pushed.commit}^").strip() == base
    assert _bare(repo, "log", "-1", "--format=%an <%ae>|%cn <%ce>|%B", "main") == (
        "Flux Bot <flux@reflow.invalid>|Flux Bot <flux@reflow.invalid>|Update a to 2\n\nbody\n\n"
    )
    assert _bare(repo, "diff", "--name-only", base, pushed.commit).split() == ["app/deploy.yaml"]


async def test_a_moved_branch_rejects_the_push_and_nothing_lands(
    git_http: GitHttpServer, make_repo: Callable[[], Repo], tmp_path: Path
) -> None:
    repo = make_repo()
    repo.commit({"a.yaml": "a: 1\n"}, "base")
    tree = await _checkout(git_http, repo, tmp_path)
    moved = repo.commit({"b.yaml": "b: 1\n"}, "someone else")
    (tree / "a.yaml").write_text("a: 2\n")
    with pytest.raises(PushRejected, match=r"was rejected, nothing was pushed: .*main"):
        await commit_and_push(
            tree, git_http.url(repo.bare.name), _credentials(git_http),
            files=["a.yaml"], message="m", author=AUTHOR, branch="main", refspec="refs/heads/main:refs/heads/copy",
        )  # fmt: skip
    assert _bare(repo, "rev-parse", "main").strip() == moved
    assert _bare(repo, "branch", "--list", "copy") == ""


async def test_refspec_is_pushed_with_the_branch(
    git_http: GitHttpServer, make_repo: Callable[[], Repo], tmp_path: Path
) -> None:
    repo = make_repo()
    repo.commit({"a.yaml": "a: 1\n"}, "base")
    tree = await _checkout(git_http, repo, tmp_path)
    (tree / "a.yaml").write_text("a: 2\n")
    pushed = await commit_and_push(
        tree, git_http.url(repo.bare.name), _credentials(git_http),
        files=["a.yaml"], message="m", author=AUTHOR, branch="auto", refspec="refs/heads/auto:refs/heads/release",
    )  # fmt: skip
    assert _bare(repo, "rev-parse", "auto", "release").split() == [pushed.commit, pushed.commit]
    assert pushed.refspecs == ("refs/heads/auto:refs/heads/release",)


async def test_gpg_signed_commit_verifies_with_the_public_key(
    git_http: GitHttpServer, make_repo: Callable[[], Repo], tmp_path: Path, gpg_signer: Signer
) -> None:
    repo = make_repo()
    repo.commit({"a.yaml": "a: 1\n"}, "base")
    tree = await _checkout(git_http, repo, tmp_path)
    (tree / "a.yaml").write_text("a: 2\n")
    assert gpg_signer.gpg is not None
    key = signing_key_from_secret({"git.asc": armored_secret_key(gpg_signer.gpg)}, "gpg", "signing")
    pushed = await commit_and_push(
        tree, git_http.url(repo.bare.name), _credentials(git_http),
        files=["a.yaml"], message="signed", author=AUTHOR, branch="main", signing_key=key,
    )  # fmt: skip
    assert signature_of(repo.bare, pushed.commit, gpg_signer.gpg) == f"G|{gpg_signer.gpg.fingerprint}"


async def test_ssh_signed_commit_verifies_with_the_allowed_signer(
    git_http: GitHttpServer, make_repo: Callable[[], Repo], tmp_path: Path, ssh_signer: Signer
) -> None:
    repo = make_repo()
    repo.commit({"a.yaml": "a: 1\n"}, "base")
    tree = await _checkout(git_http, repo, tmp_path)
    (tree / "a.yaml").write_text("a: 2\n")
    assert ssh_signer.ssh_key is not None
    key = signing_key_from_secret({"identity": ssh_signer.ssh_key.read_bytes()}, "ssh", "signing")
    pushed = await commit_and_push(
        tree, git_http.url(repo.bare.name), _credentials(git_http),
        files=["a.yaml"], message="signed", author=AUTHOR, branch="main", signing_key=key,
    )  # fmt: skip
    allowed = tmp_path / "allowed_signers"
    allowed.write_text(f"flux@reflow.invalid {ssh_signer.ssh_key.with_suffix('.pub').read_text()}")
    verified = subprocess.run(  # noqa: ASYNC221 - a quick local git call in a test
        ["git", "-C", repo.bare, "-c", f"gpg.ssh.allowedSignersFile={allowed}", "verify-commit", pushed.commit],
        capture_output=True, text=True,
    )  # fmt: skip
    assert verified.returncode == 0, verified.stderr
    assert 'Good "git" signature for flux@reflow.invalid' in verified.stderr


@pytest.mark.parametrize(
    ("data", "kind", "message"),
    [
        pytest.param({}, None, "does not contain a 'git.asc' key", id="gpg-missing"),
        pytest.param({}, "ssh", "does not contain an 'identity' key", id="ssh-missing"),
    ],
)
def test_secret_without_the_key_is_named(data: dict[str, bytes], kind: str | None, message: str) -> None:
    with pytest.raises(SigningKeyError, match=message):
        signing_key_from_secret(data, kind, "signing")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("key", "message"),
    [
        pytest.param(SigningKey(kind="gpg", key=b"not a key", secret_name="s"), "could not read signing key", id="gpg"),
        pytest.param(
            SigningKey(kind="ssh", key=b"not a key", secret_name="s"), "could not parse SSH signing key", id="ssh"
        ),
    ],
)
async def test_unreadable_keys_fail_before_anything_is_pushed(
    git_http: GitHttpServer, make_repo: Callable[[], Repo], tmp_path: Path, key: SigningKey, message: str
) -> None:
    repo = make_repo()
    base = repo.commit({"a.yaml": "a: 1\n"}, "base")
    tree = await _checkout(git_http, repo, tmp_path)
    (tree / "a.yaml").write_text("a: 2\n")
    with pytest.raises(SigningKeyError, match=message):
        await commit_and_push(
            tree, git_http.url(repo.bare.name), _credentials(git_http),
            files=["a.yaml"], message="m", author=AUTHOR, branch="main", signing_key=key,
        )  # fmt: skip
    assert _bare(repo, "rev-parse", "main").strip() == base


async def test_push_over_ssh_with_the_deploy_key(
    sshd: SshServer, ssh_keys: dict[str, Path], make_repo: Callable[[], Repo], tmp_path: Path
) -> None:
    repo = make_repo()
    base = repo.commit({"a.yaml": "a: 1\n"}, "base")
    url = sshd.url(repo.bare)
    credentials = Credentials(identity=ssh_keys["protected"].read_bytes(), password="correct horse battery",
                              known_hosts=sshd.known_hosts)  # fmt: skip
    resolved = await resolve_remote(url, GitRepositoryRef(branch="main"), credentials)
    tree = (await checkout(url, resolved, tmp_path / "co", credentials)).path
    (tree / "a.yaml").write_text("a: 2\n")
    pushed = await commit_and_push(
        tree, url, credentials, files=["a.yaml"], message="over ssh", author=AUTHOR, branch="main"
    )
    assert _bare(repo, "rev-parse", "main").strip() == pushed.commit
    assert _bare(repo, "rev-parse", f"{pushed.commit}^").strip() == base


async def test_a_key_id_the_key_ring_lacks_fails_before_anything_is_pushed(
    git_http: GitHttpServer, make_repo: Callable[[], Repo], tmp_path: Path, gpg_signer: Signer
) -> None:
    assert gpg_signer.gpg is not None
    key = SigningKey(kind="gpg", key=armored_secret_key(gpg_signer.gpg), secret_name="ring", key_id="0123456789ABCDEF")
    repo = make_repo()
    base = repo.commit({"a.yaml": "a: 1\n"}, "base")
    tree = await _checkout(git_http, repo, tmp_path)
    (tree / "a.yaml").write_text("a: 2\n")
    with pytest.raises(SigningKeyError, match="no signing key with id '0123456789ABCDEF' in 'ring'"):
        await commit_and_push(
            tree, git_http.url(repo.bare.name), _credentials(git_http),
            files=["a.yaml"], message="m", author=AUTHOR, branch="main", signing_key=key,
        )  # fmt: skip
    assert _bare(repo, "rev-parse", "main").strip() == base
