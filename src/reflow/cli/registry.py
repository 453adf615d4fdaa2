"""What every artifact verb shares: the registry flags, credentials from --creds or the docker config, the
client, the `oci://` address and the way a registry failure is reported."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

import click

from reflow.cli.console import fail
from reflow.cli.options import Duration
from reflow.engines.artifact import ArtifactError
from reflow.engines.oci import (
    DEFAULT_IGNORE,
    Credentials,
    KeyEntry,
    OCIError,
    Reference,
    RegistryClient,
    Repository,
    Transport,
    credentials_for,
    docker_config_entries,
    ignore_matcher,
    parse_reference,
    parse_repository,
    resolve_symlinks,
)
from reflow.engines.sourceignore import Matcher

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")
CLOUD_PROVIDERS = ("aws", "azure", "gcp")
CREDS_HELP = "Registry credentials '<username>:<password>' (else the docker config is read)."


def registry_flags(*, insecure: str | None) -> Callable[[F], F]:
    """`--creds`, `--provider`, `--timeout` and, when Flux's verb has it, `--insecure-registry` (its help)."""

    def add(command: F) -> F:
        flags = [
            click.option(
                "--creds", help="Registry credentials '<username>:<password>' (else the docker config is read)."
            ),
            click.option(
                "--provider", type=click.Choice(["generic", *CLOUD_PROVIDERS]), default="generic", show_default=True
            ),
            click.option(
                "--timeout", type=Duration(), default="5m", show_default=True, help="Time limit for the command."
            ),
        ]
        if insecure is not None:
            flags.append(click.option("--insecure-registry", is_flag=True, help=insecure))
        for flag in reversed(flags):
            command = flag(command)
        return command

    return add


def split_values(values: tuple[str, ...]) -> list[str]:
    """A repeatable, comma-separated flag's values, as cobra's string slices read them."""
    return [item for value in values for item in value.split(",") if item]


def ignore_flags(command: F) -> F:
    """`--ignore-paths` (Flux's defaults, replaced when given) and `--add-ignore-paths` (added to them)."""
    command = click.option(
        "--add-ignore-paths", multiple=True, help="More paths to leave out, added to --ignore-paths."
    )(command)
    return click.option(
        "--ignore-paths",
        multiple=True,
        default=(",".join(DEFAULT_IGNORE),),
        show_default=True,
        help="Paths to leave out, .gitignore syntax (comma-separated); replaces the defaults.",
    )(command)


def ignore_rules(flags: dict[str, Any]) -> Matcher:
    """The matcher of `--ignore-paths` then `--add-ignore-paths`."""
    return ignore_matcher([*split_values(flags["ignore_paths"]), *split_values(flags["add_ignore_paths"])])


def os_message(error: OSError) -> str:
    """What the system said, with the file it said it about."""
    said = error.strerror or str(error)
    return f"{said}: '{error.filename}'" if error.filename else said


def _docker_keyring() -> list[list[KeyEntry]]:
    """The `auths` of the user's docker config (`$DOCKER_CONFIG/config.json` or `~/.docker/config.json`)."""
    folder = Path(os.environ.get("DOCKER_CONFIG") or Path.home() / ".docker")
    try:
        data = (folder / "config.json").read_bytes()
    except OSError:
        return []
    try:
        return [docker_config_entries({".dockerconfigjson": data}, str(folder / "config.json"))]
    except OCIError:
        return []


def check_registry_flags(flags: dict[str, Any]) -> None:
    """Refuse, before anything is sent, a cloud provider or a `--creds` without a password."""
    if flags["provider"] in CLOUD_PROVIDERS:
        fail(f"--provider {flags['provider']}: cloud identity is not available in this build; use --creds", code=2)
    if flags["creds"] and ":" not in flags["creds"]:
        fail("--creds must be <username>:<password>; a registry token alone is not supported", code=2)


def credentials(creds: str | None, repository: Repository) -> Credentials | None:
    """`--creds` when given, else the docker config's entry for the repository."""
    if creds:
        username, _, password = creds.partition(":")
        return Credentials(username, password)
    return credentials_for(_docker_keyring(), repository)


def registry_client(repository: Repository, flags: dict[str, Any], *, actions: str = "pull") -> RegistryClient:
    transport = Transport(insecure=bool(flags.get("insecure_registry")), timeout=flags["timeout"])
    return RegistryClient(
        repository, credentials=credentials(flags["creds"], repository), transport=transport, actions=actions
    )


def artifact_reference(url: str) -> Reference:
    """The artifact an `oci://host/repo[:tag|@digest]` argument names; a bad address exits with code 2."""
    try:
        return parse_reference(url)
    except OCIError as error:
        fail(str(error), code=2)


def repository_address(url: str) -> Repository:
    """The repository an `oci://host/repo` argument names; a bad address exits with code 2."""
    try:
        return parse_repository(url)
    except OCIError as error:
        fail(str(error), code=2)


def existing_path(path: str) -> Path:
    """`--path` when it names an existing file or directory; otherwise exit with code 2."""
    if not path or not Path(path).exists():
        fail(f"invalid path '{path}', must point to an existing directory or file", code=2)
    return Path(path)


def source_path(path: str, scratch: Path) -> Path:
    """`--path` as a file or directory; `-` stages stdin (without its trailing newlines) in `scratch/stdin.yaml`."""
    if path != "-":
        return existing_path(path)
    # As Flux: a private `.yaml` file (named `stdin.yaml` here, where Flux picks a random name, so the
    # same input packs to the same layer).
    staged = scratch / "stdin.yaml"
    staged.write_bytes(sys.stdin.buffer.read().rstrip(b"\r\n"))
    staged.chmod(0o600)
    return staged


def packed_source(path: str, scratch: Path, *, resolve_links: bool) -> Path:
    """What to pack for `--path`: `source_path`, copied with its links resolved under `--resolve-symlinks`."""
    source = source_path(path, scratch)
    if not resolve_links:
        return source
    resolved = scratch / "resolved"
    resolved.mkdir()
    try:
        return resolve_symlinks(source, resolved)
    except OSError as error:
        fail(f"resolving symlinks failed: {error}")


RESOLVE_SYMLINKS = click.option(
    "--resolve-symlinks", is_flag=True, help="Resolve symlinks by copying their targets into the artifact."
)


def run_registry(work: Coroutine[Any, Any, T], *, failed: str, timeout: float) -> T:
    """Run a registry coroutine within `timeout`; a failure exits with code 1 as `<failed>: <why>`."""

    async def bounded() -> T:
        async with asyncio.timeout(timeout):
            return await work

    try:
        return asyncio.run(bounded())
    except (OCIError, ArtifactError) as error:
        fail(f"{failed}: {error}")
    except TimeoutError:
        fail(f"{failed}: not done within {timeout:g}s")
    except OSError as error:
        fail(f"{failed}: {os_message(error)}")
