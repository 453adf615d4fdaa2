"""`reflow bootstrap git`: commit reflow's manifests to a Git repository and have the cluster sync itself from it."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click

from reflow import __version__
from reflow.api.conditions import condition, condition_true
from reflow.api.meta import Manifest, ObjectRef
from reflow.cli.bootstrapgit import GitBootstrap, push_files
from reflow.cli.console import err, fail, out, run, step, success
from reflow.cli.gitsecret import (
    SSH_KEY_ALGORITHMS,
    GitCredentials,
    GitSecretError,
    http_data,
    scan_host_keys,
    secret,
    ssh_data,
)
from reflow.cli.install import (
    FIELD_MANAGER,
    Deadline,
    apply_components,
    apply_pull_secret,
    confirm_takeover,
    install_flags,
    install_options,
    installed,
    pull_secret,
    wait_all,
)
from reflow.cli.manifests import split_list
from reflow.cli.options import Duration, GlobalOptions, global_options
from reflow.engines.bootstrap import (
    FLUX_SYSTEM,
    InvalidPath,
    PathConflict,
    SyncOptions,
    SyncPathConflict,
    check_sync_path,
    clean_path,
    must_install,
    sparse_folders,
    sync_manifests,
    sync_url,
)
from reflow.engines.flux.requests import request_reconcile
from reflow.engines.git import (
    Credentials,
    GitError,
    check_url,
    credentials_from_secret,
    format_revision,
)
from reflow.engines.git.push import Author, PushRejected
from reflow.engines.git.signing import SigningKey
from reflow.engines.install import InvalidInstallOptions, install_manifests
from reflow.kube.client import Kube, connect
from reflow.kube.errors import NotFound
from reflow.kube.secret import secret_data
from reflow.kube.wait import Predicate, WaitTimeout, wait_for


def _as_credentials(data: Mapping[str, str]) -> Credentials:
    return credentials_from_secret({key: value.encode() for key, value in data.items()})


async def _deploy_key(kube: Kube, request: GitBootstrap) -> tuple[Mapping[str, str] | None, Credentials]:
    """The key the cluster syncs with, and the Secret data to write (None: keep the Secret as it is): the
    key given, else the one the Secret already holds, else a new key that the user must allow first."""
    key_file = request.credentials.private_key_file
    if key_file is None:
        ref = ObjectRef("v1", "Secret", request.sync.secret_name, request.sync.namespace)
        try:
            existing = secret_data(await kube.get(ref))
        except NotFound:
            existing = {}
        if existing.get("identity"):
            success(f"using the deploy key in Secret {request.sync.namespace}/{request.sync.secret_name}")
            return None, credentials_from_secret(existing)
    step("generating a deploy key" if key_file is None else f"reading the SSH key {key_file}")
    over_ssh = urlsplit(request.url).scheme == "ssh"  # else --password is the HTTP(S) password, not a passphrase
    given = request.credentials if over_ssh else replace(request.credentials, password=None, bearer_token=None)
    data, key = await ssh_data(request.sync.url, given)
    if key_file is None:
        success(f"public key: {key.public}")
        out.print(key.public)
        if not request.silent and not click.confirm("Please give the key access to your repository", err=True):
            fail("bootstrap cancelled before anything changed", "add the public key above, then run it again")
    return data, _as_credentials(data)


async def _known_to_clone(request: GitBootstrap, key: Credentials) -> Credentials:
    """The deploy key with the host keys of --url's host, when --ssh-hostname sends the cluster elsewhere."""
    clone = urlsplit(request.url)
    if clone.netloc.rpartition("@")[2] == urlsplit(request.sync.url).netloc.rpartition("@")[2]:
        return key
    known_hosts = await scan_host_keys(clone.hostname or "", clone.port or 22)
    return replace(key, known_hosts=known_hosts.encode())


@dataclass(frozen=True, slots=True)
class Synced:
    """The branch's head after bootstrap, whether bootstrap pushed it, and the Secret data to write (None: keep)."""

    head: str
    pushed: bool
    secret_data: Mapping[str, str] | None


async def _sync_repository(kube: Kube, request: GitBootstrap, manifests: list[Manifest]) -> Synced:
    """Clone, settle the cluster's credentials, then commit and push what the branch lacks; the head commit
    and the Secret data to write (None: keep the Secret). Every refusal comes before the push."""
    over_ssh = urlsplit(request.url).scheme == "ssh"
    http = http_data(request.credentials) if not over_ssh and request.credentials.given else {}
    data: Mapping[str, str] | None = http
    if over_ssh:  # the deploy key is also the clone's key, unless --private-key-file is given
        data, key = await _deploy_key(kube, request)
        credentials = await _known_to_clone(request, key)
    else:
        credentials = _as_credentials(http)

    async def deploy_key_after_clone() -> None:  # the cluster syncs over ssh: its key once the clone proved access
        nonlocal data
        data, _ = await _deploy_key(kube, request)

    later = None if over_ssh or request.token_auth else deploy_key_after_clone
    pushed = await push_files(request, credentials, manifests, after_clone=later)
    return Synced(pushed.head, pushed.head != pushed.cloned, data)


def _reconciled_at(revision: str) -> Predicate:
    """Ready at this generation, with `revision` applied (Kustomization) or stored (GitRepository)."""

    def predicate(obj: Manifest | None) -> bool:
        if obj is None or (obj.get("status") or {}).get("observedGeneration") != obj["metadata"].get("generation"):
            return False
        status = obj.get("status") or {}
        applied = status.get("lastAppliedRevision") or (status.get("artifact") or {}).get("revision")
        return condition_true(obj, "Ready") and applied == revision

    return predicate


async def _wait_ready(kube: Kube, manifest: Manifest, revision: str, deadline: Deadline) -> None:
    ref = ObjectRef.of(manifest)
    with err.status(f"waiting for {ref.kind} {ref.namespace}/{ref.name} to be Ready at {revision}"):
        try:
            await wait_for(
                kube, ref, _reconciled_at(revision), timeout=deadline.remaining(), what=f"Ready at {revision}"
            )
        except WaitTimeout as error:
            live = await kube.get(ref)
            ready = condition(live, "Ready") or {}
            fail(
                f"{error}: {ready.get('message', 'no Ready condition')}", f"`reflow events --for {ref.kind}/{ref.name}`"
            )
    success(f"{ref.kind} {ref.namespace}/{ref.name} reconciled {revision}")


async def _live(kube: Kube, ref: ObjectRef) -> Manifest | None:
    try:
        return await kube.get(ref)
    except NotFound:  # absent, or its kind is not served yet
        return None


async def _bootstrap(request: GitBootstrap, manifests: list[Manifest], options: GlobalOptions) -> None:
    sync = sync_manifests(request.sync)
    source, kustomization = (ObjectRef.of(manifest) for manifest in sync)
    async with connect(options.connection) as kube:
        deadline = Deadline(options.timeout)
        live = await _live(kube, kustomization)  # the cluster answers before anything is pushed
        check_sync_path(live, sync[1]["spec"]["path"])
        if not request.force:
            confirm_takeover(await installed(kube), "bootstrap")
        synced = await _sync_repository(kube, request, manifests)
        install = must_install(live)
        async with asyncio.timeout(deadline.remaining()):
            if request.pull_secret is not None:
                await apply_pull_secret(kube, request.pull_secret, manifests)
            if install:
                step(f"installing the components in namespace {request.sync.namespace}")
                await apply_components(kube, manifests, request.sync.namespace, deadline)
            else:
                success(f"components are managed by Kustomization {kustomization.namespace}/{kustomization.name}")
            if synced.secret_data is not None:
                step(f"applying Secret {request.sync.namespace}/{request.sync.secret_name} with the git credentials")
                await kube.apply(
                    secret(request.sync.secret_name, request.sync.namespace, dict(synced.secret_data)),
                    field_manager=FIELD_MANAGER, force=True,
                )  # fmt: skip
            step("applying the sync manifests")
            for manifest in sync:
                await kube.apply(manifest, field_manager=FIELD_MANAGER, force=True)
            if synced.pushed and not install:  # fetch the new commit now rather than at the next interval
                await request_reconcile(kube, source)
            revision = format_revision(request.sync.branch, synced.head)
            for manifest in sync:
                await _wait_ready(kube, manifest, revision, deadline)
            if not install:
                step("confirming the components are healthy")
                await wait_all(kube, [m for m in manifests if m["kind"] == "Deployment"], deadline, "Available")
    success("bootstrap finished")


def _read_key(path: Path, flag: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise GitSecretError(f"{flag} {path}: {error.strerror or error}") from error


def _signing_key(flags: Mapping[str, Any]) -> SigningKey | None:
    """The key to sign the commit with: an OpenPGP key ring or an SSH key, never both."""
    ring, ssh = flags["gpg_key_ring"], flags["ssh_signing_key_file"]
    if ring and ssh:
        raise GitSecretError("--gpg-key-ring and --ssh-signing-key-file cannot be combined; sign with one key")
    if ring:
        key = _read_key(ring, "--gpg-key-ring")
        passphrase = flags["gpg_passphrase"].encode()
        return SigningKey(kind="gpg", key=key, passphrase=passphrase, secret_name=str(ring), key_id=flags["gpg_key_id"])
    if ssh:
        return SigningKey(kind="ssh", key=_read_key(ssh, "--ssh-signing-key-file"),
                          passphrase=flags["ssh_signing_password"].encode(), secret_name=str(ssh))  # fmt: skip
    return None


def _request(url: str, flags: dict[str, Any], options: GlobalOptions) -> GitBootstrap:
    check_url(url)
    scheme = urlsplit(url).scheme
    if scheme == "http" and not flags["allow_insecure_http"]:
        raise GitSecretError("scheme http is insecure; pass --allow-insecure-http to use it anyway")
    if flags["token_auth"] and scheme == "ssh":
        raise GitSecretError("--token-auth needs an http(s) --url; over ssh the cluster uses a deploy key")
    password = flags["password"] or None
    credentials = GitCredentials(
        username=None if flags["with_bearer_token"] or password is None or scheme == "ssh" else flags["username"],
        password=None if flags["with_bearer_token"] else password,
        bearer_token=password if flags["with_bearer_token"] else None,
        private_key_file=flags["private_key_file"],
        ca_file=flags["ca_file"],
        ssh_key_algorithm=flags["ssh_key_algorithm"],
        ssh_ecdsa_curve=flags["ssh_ecdsa_curve"],
        ssh_rsa_bits=flags["ssh_rsa_bits"],
    )
    path = clean_path(flags["path"])
    install = install_options(flags, options.namespace)
    message = f"Add reflow v{__version__} component and sync manifests"
    if flags["commit_message_appendix"]:
        message += f"\n\n{flags['commit_message_appendix']}"
    return GitBootstrap(
        url=url,
        sync=SyncOptions(
            url=sync_url(
                url,
                token_auth=flags["token_auth"],
                username=flags["username"],
                allow_insecure_http=flags["allow_insecure_http"],
                ssh_hostname=flags["ssh_hostname"],
            ),
            name=options.namespace,
            branch=flags["branch"],
            path=path,
            namespace=options.namespace,
            secret_name=flags["secret_name"],
            interval=flags["interval"],
            recurse_submodules=flags["recurse_submodules"],
            sparse_checkout=sparse_folders(path, split_list(flags["sparse_checkout"])),
        ),
        install=install,
        pull_secret=pull_secret(flags, install),
        credentials=credentials,
        token_auth=flags["token_auth"],
        signing_key=_signing_key(flags),
        author=Author(name=flags["author_name"], email=flags["author_email"]),
        message=message + "\n",
        silent=flags["silent"],
        force=flags["force"],
    )


@click.group()
def bootstrap() -> None:
    """Deploy reflow on a cluster that then manages itself from a Git repository."""


@bootstrap.command("git")
@click.option("--url", required=True, help="Repository URL: ssh://…, https:// or (with --allow-insecure-http) http://.")
@click.option("--branch", default="main", show_default=True, help="Branch to commit to and sync from.")
@click.option("--path", default="", help="Folder in the repository the cluster syncs (flux-system/ goes inside).")
@click.option("--interval", type=Duration(), default="1m", show_default=True, help="How often the source is fetched.")
@click.option("--recurse-submodules", is_flag=True, help="The cluster's GitRepository also clones submodules.")
@click.option("--sparse-checkout", multiple=True,
              help="Folders the cluster checks out (repeatable, or commas); --path must be in one.")  # fmt: skip
@click.option("--secret-name", default=FLUX_SYSTEM, show_default=True, help="Secret holding the git credentials.")
@click.option("-u", "--username", default="git", show_default=True, help="Basic auth user for HTTP(S).")
@click.option("-p", "--password", envvar="GIT_PASSWORD", default="",
              help="Basic auth password (HTTP(S)) or key passphrase (SSH); also read from $GIT_PASSWORD.")  # fmt: skip
@click.option("--token-auth", is_flag=True,
              help="Sync the cluster over HTTP(S) with --username/--password, not an SSH deploy key.")  # fmt: skip
@click.option("--ssh-hostname", default="", help="host[:port] the cluster reaches the repository at over SSH.")
@click.option("--with-bearer-token", is_flag=True, help="Send --password as a bearer token instead of basic auth.")
@click.option("--private-key-file", type=click.Path(path_type=Path, dir_okay=False),
              help="SSH key for the clone, the push and the cluster; else a deploy key is generated.")  # fmt: skip
@click.option("--ca-file", type=click.Path(path_type=Path, dir_okay=False), help="CA bundle for an HTTPS server.")
@click.option("--ssh-key-algorithm", type=click.Choice(SSH_KEY_ALGORITHMS), default="ecdsa", show_default=True,
              help="Kind of deploy key to generate.")  # fmt: skip
@click.option("--ssh-ecdsa-curve", type=click.Choice(["p256", "p384", "p521"]), default="p384", show_default=True)
@click.option("--ssh-rsa-bits", type=int, default=2048, show_default=True)
@click.option("--author-name", default="Flux", show_default=True, help="Author of the commit.")
@click.option("--author-email", default="", help="Author email of the commit.")
@click.option("--gpg-key-ring", type=click.Path(path_type=Path, dir_okay=False),
              help="OpenPGP key ring (exported secret key) to sign the commit with.")  # fmt: skip
@click.option("--gpg-passphrase", default="", help="Passphrase of the OpenPGP key.")
@click.option("--gpg-key-id", default="", help="Which key of the key ring signs (fingerprint or long id).")
@click.option("--ssh-signing-key-file", type=click.Path(path_type=Path, dir_okay=False),
              help="SSH private key to sign the commit with.")  # fmt: skip
@click.option("--ssh-signing-password", default="", help="Passphrase of the SSH signing key.")
@click.option("--commit-message-appendix", default="", help="Text added to the commit message, e.g. '[ci skip]'.")
@click.option("--allow-insecure-http", is_flag=True, help="Allow an http:// URL (credentials travel in clear).")
@click.option("-s", "--silent", is_flag=True, help="Do not ask to confirm that a generated deploy key was added.")
@click.option("--force", is_flag=True, help="Take over an installation another tool (such as Helm) manages.")
@install_flags
@global_options
def git(url: str, options: GlobalOptions, **flags: Any) -> None:
    """Commit reflow's manifests to a Git repository, install reflow, and sync the cluster from the repository.

    The branch (created when missing) gets `<path>/flux-system/gotk-components.yaml`, `gotk-sync.yaml` and
    `kustomization.yaml`, in one commit, only when they differ from what is there: a second run with the
    same flags commits nothing. Then the components are installed (once the cluster syncs itself, a new
    commit upgrades them instead), the `flux-system` Secret is written with the git credentials (an SSH
    deploy key, generated when none is given, and the scanned host keys; with --token-auth the HTTP(S)
    credentials), and the GitRepository and Kustomization named after the namespace are applied; the
    command waits, within --timeout, until both are Ready at the branch's head.

    \b
    Examples:
      reflow bootstrap git --url=ssh://git@example.com/fleet.git --path=clusters/prod
      reflow bootstrap git --url=https://example.com/fleet.git --token-auth -p "$TOKEN" --path=clusters/prod
      reflow bootstrap git --url=ssh://git@example.com/fleet.git --private-key-file=./id_ed25519 --silent
    """
    try:
        request = _request(url, flags, options)
        manifests = install_manifests(request.install)
    except (GitError, GitSecretError, InvalidPath, InvalidInstallOptions) as error:
        fail(str(error), "see `reflow bootstrap git --help`")
    try:
        run(_bootstrap(request, manifests, options))
    except PushRejected as error:
        fail(str(error), "nothing was pushed and the cluster was not changed")
    except PathConflict as error:
        fail(str(error), "the repository was left as it was")
    except SyncPathConflict as error:
        fail(str(error), "bootstrap with the path the cluster syncs, or delete that Kustomization first")
    except (GitError, GitSecretError) as error:
        fail(str(error), "check --url and the credentials; nothing was changed")
    except TimeoutError as error:
        fail(f"bootstrap did not finish within {options.timeout:.0f} s: {str(error) or 'deadline reached'}",
             f"see `reflow get all -n {options.namespace}`, or raise --timeout")  # fmt: skip
