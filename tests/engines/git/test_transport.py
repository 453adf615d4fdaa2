"""What git is given: no password on any argv, no credentials for a redirect's host, key files owner-only.

Real git, ssh and gpg run against real servers; small wrapper scripts placed first on PATH record what
each process was started with (and git's own GIT_TRACE, which logs every child's argv), then exec the
real program.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiohttp import web

from reflow.api.source import GitRepositoryRef
from reflow.engines.git import Credentials, GitError, checkout, resolve_remote, verify_checkout
from tests.gitservers import GitHttpServer, Repo, Signer, SshServer, wrap_program
from tests.loopback import loopback


async def test_a_password_in_the_url_is_on_no_argv_and_the_clone_works(
    git_http: GitHttpServer, make_repo: Callable[[], Repo], tmp_path: Path, wrappers: Path
) -> None:
    repo = make_repo()
    head = repo.commit({"a.yaml": "a: 1\n"}, "one")
    argv, trace = tmp_path / "argv.log", tmp_path / "trace.log"
    wrap_program(wrappers, "git", f"printf '%s\\n' \"$*\" >> {argv}\nexport GIT_TRACE={trace}")
    assert git_http.password is not None
    url = git_http.url(repo.bare.name).replace("://", f"://{git_http.username}:{git_http.password}@")

    resolved = await resolve_remote(url, GitRepositoryRef(branch="main"))
    done = await checkout(url, resolved, tmp_path / "co")

    assert (done.commit, (done.path / "a.yaml").read_text()) == (head, "a: 1\n")
    logged = argv.read_text() + trace.read_text()
    assert "ls-remote" in logged  # the top command ran through the wrapper…
    assert "remote-http" in logged  # …and git traced its remote helper's argv
    assert git_http.password not in logged


@dataclass(slots=True)
class Recording:
    """A git server that records the Authorization header of every request it receives."""

    git: GitHttpServer
    authorizations: list[str] = field(default_factory=list)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.authorizations.append(request.headers.get("Authorization", ""))
        return await self.git.handle(request)


@pytest.mark.parametrize("kind", ["bearer", "basic"])
async def test_credentials_never_follow_a_redirect_to_another_host(
    git_root: Path, make_repo: Callable[[], Repo], kind: str
) -> None:
    repo = make_repo()
    repo.commit({"a.yaml": "a: 1\n"}, "one")
    secret = secrets.token_urlsafe(16)
    # The other host serves the repository: openly for the bearer case (so git would go on to fetch
    # with the header), behind basic auth with the same password for the basic case (so git would answer).
    other = GitHttpServer(root=git_root, username="reflow", password=secret) if kind == "basic" else None
    target = Recording(other or GitHttpServer(root=git_root))
    credentials = (
        Credentials(bearer_token=secret) if kind == "bearer" else Credentials(username="reflow", password=secret)
    )
    failure: GitError | None = None
    async with loopback() as serve:
        target_port = await serve(target.handle, "127.0.0.1")

        async def redirect(request: web.Request) -> web.StreamResponse:
            raise web.HTTPMovedPermanently(f"http://127.0.0.1:{target_port}{request.path_qs}")

        port = await serve(redirect, "127.0.0.2")
        try:
            await resolve_remote(
                f"http://127.0.0.2:{port}/{repo.bare.name}", GitRepositoryRef(branch="main"), credentials
            )
        except GitError as error:
            failure = error
    assert not any(secret in header or "Basic" in header for header in target.authorizations)
    assert failure is not None, "git followed the redirect"
    assert "redirect, which is not followed while credentials are set" in str(failure)
    assert secret not in str(failure)


async def test_ssh_key_and_known_hosts_files_are_owner_only(
    sshd: SshServer, ssh_keys: dict[str, Path], make_repo: Callable[[], Repo], tmp_path: Path, wrappers: Path
) -> None:
    repo = make_repo()
    repo.commit({"a.yaml": "a: 1\n"}, "one")
    modes = tmp_path / "modes.log"
    wrap_program(
        wrappers,
        "ssh",
        f"""for word; do
  case "$previous,$word" in -i,*) stat -c '%a identity' "$word" >> {modes} ;; esac
  case "$word" in UserKnownHostsFile=*) stat -c '%a known_hosts' "${{word#UserKnownHostsFile=}}" >> {modes} ;; esac
  previous=$word
done""",
    )
    credentials = Credentials(identity=ssh_keys["plain"].read_bytes(), known_hosts=sshd.known_hosts)
    await resolve_remote(sshd.url(repo.bare), GitRepositoryRef(branch="main"), credentials)
    assert sorted(set(modes.read_text().splitlines())) == ["600 identity", "600 known_hosts"]


async def test_verification_key_files_are_owner_only(
    git_http: GitHttpServer, make_repo: Callable[[], Repo], tmp_path: Path, gpg_signer: Signer, ssh_signer: Signer,
    wrappers: Path,
) -> None:  # fmt: skip
    repo = make_repo()
    repo.commit({"a.txt": "a\n"}, "signed", signer=gpg_signer)
    credentials = Credentials(username=git_http.username, password=git_http.password)
    url = git_http.url(repo.bare.name)
    done = await checkout(url, await resolve_remote(url, GitRepositoryRef(branch="main"), credentials),
                          tmp_path / "co", credentials)  # fmt: skip
    modes = tmp_path / "modes.log"
    wrap_program(
        wrappers,
        "gpg",
        f"""case "$*" in *--import*)
  for last; do :; done
  stat -c '%a key' "$last" >> {modes}
  stat -c '%a allowed_signers' "$(dirname "$last")/allowed_signers" >> {modes} ;;
esac""",
    )
    assert gpg_signer.gpg is not None
    assert ssh_signer.ssh_key is not None
    keys = {"author.asc": gpg_signer.gpg.public, "other.sshpub": ssh_signer.ssh_key.with_suffix(".pub").read_bytes()}
    await verify_checkout(done, "HEAD", keys)
    assert sorted(modes.read_text().splitlines()) == ["600 allowed_signers", "600 key"]
