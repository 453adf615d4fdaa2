"""Commit and tag signature verification with OpenPGP and ssh keys, as `spec.verify` asks."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from reflow.api.source import GitRepositoryRef
from reflow.engines.git import (
    Checkout,
    Credentials,
    VerificationFailed,
    VerificationMode,
    checkout,
    resolve_remote,
    verify_checkout,
)
from tests.gitservers import GitHttpServer, Repo, Signer, ssh_keygen


async def _checkout(server: GitHttpServer, repo: Repo, ref: GitRepositoryRef, into: Path) -> Checkout:
    credentials = Credentials(username=server.username, password=server.password)
    url = server.url(repo.bare.name)
    return await checkout(url, await resolve_remote(url, ref, credentials), into, credentials)


def _keys(signer: Signer) -> dict[str, bytes]:
    if signer.gpg is not None:
        return {"author.asc": signer.gpg.public}
    assert signer.ssh_key is not None
    return {"author.sshpub": signer.ssh_key.with_suffix(".pub").read_bytes()}


@pytest.mark.parametrize("kind", ["gpg", "ssh"])
async def test_signed_head_commit_verifies(
    git_http: GitHttpServer,
    make_repo: Callable[[], Repo],
    tmp_path: Path,
    gpg_signer: Signer,
    ssh_signer: Signer,
    kind: str,
) -> None:
    signer = gpg_signer if kind == "gpg" else ssh_signer
    repo = make_repo()
    repo.commit({"a.txt": "a\n"}, "signed", signer=signer)
    done = await _checkout(git_http, repo, GitRepositoryRef(branch="main"), tmp_path / "co")
    verification = await verify_checkout(done, "HEAD", _keys(signer))
    assert verification.mode is VerificationMode.HEAD
    expected = signer.gpg.fingerprint if signer.gpg else "SHA256:"
    assert verification.fingerprints[0].startswith(expected)


async def test_unsigned_commit_fails_verification(
    git_http: GitHttpServer, make_repo: Callable[[], Repo], tmp_path: Path, gpg_signer: Signer, ssh_signer: Signer
) -> None:
    repo = make_repo()
    head = repo.commit({"a.txt": "a\n"}, "not signed")
    done = await _checkout(git_http, repo, GitRepositoryRef(branch="main"), tmp_path / "co")
    keys = {**_keys(gpg_signer), **_keys(ssh_signer)}
    with pytest.raises(VerificationFailed, match=f"commit '{head}'") as raised:
        await verify_checkout(done, "HEAD", keys)
    assert raised.value.reason == "VerificationError"


@pytest.mark.parametrize("kind", ["gpg", "ssh"])
async def test_commit_signed_by_an_untrusted_key_fails(
    git_http: GitHttpServer,
    make_repo: Callable[[], Repo],
    tmp_path: Path,
    gpg_signer: Signer,
    stranger_gpg_signer: Signer,
    ssh_signer: Signer,
    kind: str,
) -> None:
    repo = make_repo()
    if kind == "gpg":
        repo.commit({"a.txt": "a\n"}, "signed by a stranger", signer=stranger_gpg_signer)
        trusted = _keys(gpg_signer)
    else:
        repo.commit({"a.txt": "a\n"}, "signed over ssh", signer=ssh_signer)
        trusted = {"other.sshpub": ssh_keygen(tmp_path / "someone-else").with_suffix(".pub").read_bytes()}
    done = await _checkout(git_http, repo, GitRepositoryRef(branch="main"), tmp_path / "co")
    with pytest.raises(VerificationFailed, match="could not be verified"):
        await verify_checkout(done, "HEAD", trusted)


@pytest.mark.parametrize("mode", ["Tag", "TagAndHEAD"])
async def test_signed_annotated_tag_verifies(
    git_http: GitHttpServer, make_repo: Callable[[], Repo], tmp_path: Path, gpg_signer: Signer, mode: str
) -> None:
    repo = make_repo()
    repo.commit({"a.txt": "a\n"}, "release", signer=gpg_signer)
    repo.tag("v1.0.0", message="release", signer=gpg_signer)
    done = await _checkout(git_http, repo, GitRepositoryRef(tag="v1.0.0"), tmp_path / "co")
    verification = await verify_checkout(done, mode, _keys(gpg_signer))
    assert len(verification.fingerprints) == (1 if mode == "Tag" else 2)


async def test_tag_and_head_fails_when_the_commit_is_unsigned(
    git_http: GitHttpServer, make_repo: Callable[[], Repo], tmp_path: Path, ssh_signer: Signer
) -> None:
    repo = make_repo()
    repo.commit({"a.txt": "a\n"}, "release")
    repo.tag("v1.0.0", message="release", signer=ssh_signer)
    done = await _checkout(git_http, repo, GitRepositoryRef(semver="1.x"), tmp_path / "co")
    assert (await verify_checkout(done, "Tag", _keys(ssh_signer))).mode is VerificationMode.TAG
    with pytest.raises(VerificationFailed, match="commit"):
        await verify_checkout(done, "TagAndHEAD", _keys(ssh_signer))


async def test_lightweight_tag_cannot_satisfy_tag_mode(
    git_http: GitHttpServer, make_repo: Callable[[], Repo], tmp_path: Path, gpg_signer: Signer
) -> None:
    repo = make_repo()
    repo.commit({"a.txt": "a\n"}, "release", signer=gpg_signer)
    repo.tag("v1.0.0")
    done = await _checkout(git_http, repo, GitRepositoryRef(tag="v1.0.0"), tmp_path / "co")
    with pytest.raises(VerificationFailed, match=r"tag 'v1\.0\.0'"):
        await verify_checkout(done, "Tag", _keys(gpg_signer))


async def test_tag_mode_needs_a_tag_ref(
    git_http: GitHttpServer, make_repo: Callable[[], Repo], tmp_path: Path, gpg_signer: Signer
) -> None:
    repo = make_repo()
    repo.commit({"a.txt": "a\n"}, "release", signer=gpg_signer)
    done = await _checkout(git_http, repo, GitRepositoryRef(branch="main"), tmp_path / "co")
    with pytest.raises(VerificationFailed, match="needs a tag reference"):
        await verify_checkout(done, "Tag", _keys(gpg_signer))
