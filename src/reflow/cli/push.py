"""`reflow push artifact`: pack a directory or file as a Flux OCI artifact and push it to a registry."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import click
import yaml

from reflow.cli.console import fail, out, step, success
from reflow.cli.options import Duration
from reflow.engines.oci import (
    DEFAULT_IGNORE,
    EPOCH,
    Credentials,
    KeyEntry,
    OCIError,
    Pushed,
    Reference,
    RegistryClient,
    Transport,
    artifact_annotations,
    check_created,
    created_now,
    credentials_for,
    docker_config_entries,
    ignore_matcher,
    parse_reference,
    push_artifact,
)
from reflow.engines.oci.artifact import CREATED

CLOUD_PROVIDERS = ("aws", "azure", "gcp")


@click.group()
def push() -> None:
    """Push artifacts to OCI registries."""


def _split(values: tuple[str, ...]) -> list[str]:
    return [item for value in values for item in value.split(",") if item]


def _annotations(values: tuple[str, ...]) -> dict[str, str]:
    found = {}
    for value in values:
        parts = value.split("=")
        if len(parts) != 2:
            fail(f"invalid annotation {value}, must be in the format key=value", code=2)
        found[parts[0]] = parts[1]
    return found


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


def _credentials(creds: str | None, reference: Reference) -> Credentials | None:
    if creds:
        username, colon, password = creds.partition(":")
        if not colon:
            fail("--creds must be <username>:<password>; a registry token alone is not supported", code=2)
        return Credentials(username, password)
    return credentials_for(_docker_keyring(), reference.repository)


def _source_path(path: str, scratch: Path) -> Path:
    if path == "-":
        # As Flux: the input without its trailing newlines, in a private `.yaml` file (named `stdin.yaml`
        # here, where Flux picks a random name, so the same input packs to the same layer).
        staged = scratch / "stdin.yaml"
        staged.write_bytes(sys.stdin.buffer.read().rstrip(b"\r\n"))
        staged.chmod(0o600)
        return staged
    source = Path(path)
    if not source.exists():
        fail(f"invalid path '{path}', must point to an existing directory or file", code=2)
    return source


async def _push(reference: Reference, source: Path, flags: dict[str, Any], notes: dict[str, str]) -> Pushed:
    client = RegistryClient(
        reference.repository,
        credentials=_credentials(flags["creds"], reference),
        transport=Transport(insecure=flags["insecure_registry"], timeout=flags["timeout"]),
        actions="pull,push",
    )
    async with asyncio.timeout(flags["timeout"]), client:
        return await push_artifact(
            client,
            reference.tag or "latest",
            source,
            matcher=ignore_matcher([*_split(flags["ignore_paths"]), *_split(flags["add_ignore_paths"])]),
            annotations=notes,
        )


def _report(reference: Reference, pushed: Pushed, output: str | None) -> None:
    digest_url = f"{reference.repository}@{pushed.digest}"
    info = {
        "url": f"oci://{digest_url}",
        "repository": str(reference.repository),
        "tag": reference.tag or "latest",
        "digest": pushed.digest,
    }
    if output == "json":
        out.out(json.dumps(info, indent=2), highlight=False)
    elif output == "yaml":
        out.out(yaml.safe_dump(info, sort_keys=True), end="", highlight=False)
    else:
        success(f"artifact successfully pushed to {digest_url}")


@push.command("artifact")
@click.argument("url")
@click.option("-f", "--path", "path", default="", help="Directory or file to pack ('-' reads one file from stdin).")
@click.option("--source", default="", help="The source address, e.g. the Git URL.")
@click.option("--revision", default="", help="The source revision, '<branch|tag>@sha1:<commit-sha>'.")
@click.option("-a", "--annotations", multiple=True, metavar="KEY=VALUE", help="Custom OCI annotation (repeatable).")
@click.option(
    "--ignore-paths",
    multiple=True,
    default=(",".join(DEFAULT_IGNORE),),
    show_default=True,
    help="Paths to leave out, .gitignore syntax (comma-separated); replaces the defaults.",
)
@click.option("--add-ignore-paths", multiple=True, help="More paths to leave out, added to --ignore-paths.")
@click.option("--creds", help="Registry credentials '<username>:<password>' (else the docker config is read).")
@click.option("--provider", type=click.Choice(["generic", *CLOUD_PROVIDERS]), default="generic", show_default=True)
@click.option("-o", "--output", type=click.Choice(["json", "yaml"]), help="Print the pushed artifact as JSON or YAML.")
@click.option(
    "--reproducible", is_flag=True, help="Set the created time to 1970-01-01T00:00:00Z: same content, same digest."
)
@click.option("--insecure-registry", is_flag=True, help="Allow plain HTTP and unverified TLS to the registry.")
@click.option("--timeout", type=Duration(), default="5m", show_default=True, help="Time limit for the push.")
def push_artifact_command(url: str, **flags: Any) -> None:
    """Pack a directory or a single file as a Flux artifact and push it to an OCI repository.

    The credentials come from --creds or from the docker config (~/.docker/config.json); they are
    never printed.

    \b
    Examples:
      reflow push artifact oci://ghcr.io/org/config/app:$(git rev-parse --short HEAD) \\
        --path=./deploy --source="$(git config --get remote.origin.url)" \\
        --revision="$(git branch --show-current)@sha1:$(git rev-parse HEAD)"
    """
    if not flags["source"]:
        fail("--source is required", code=2)
    if not flags["revision"]:
        fail("--revision is required", code=2)
    if not flags["path"]:
        fail(f"invalid path {json.dumps(flags['path'])}", code=2)
    if flags["provider"] in CLOUD_PROVIDERS:
        fail(f"--provider {flags['provider']}: cloud identity is not available in this build; use --creds", code=2)
    try:
        reference = parse_reference(url)
        if reference.digest:
            fail("the artifact URL must name a tag, not a digest", code=2)
        extra = _annotations(flags["annotations"])
        created = EPOCH if flags["reproducible"] else created_now()
        notes = artifact_annotations(source=flags["source"], revision=flags["revision"], created=created, extra=extra)
        check_created(notes[CREATED])
    except (OCIError, ValueError) as error:
        fail(str(error), code=2)
    with tempfile.TemporaryDirectory(prefix="reflow-push-") as scratch:
        source = _source_path(flags["path"], Path(scratch))
        if not flags["output"]:
            step(f"pushing artifact to {reference.repository}:{reference.tag}")
        try:
            pushed = asyncio.run(_push(reference, source, flags, notes))
        except OCIError as error:
            fail(f"pushing artifact failed: {error}")
        except TimeoutError:
            fail(f"pushing artifact failed: not done within {flags['timeout']:g}s")
        except OSError as error:
            fail(f"pushing artifact failed: cannot read '{flags['path']}': {error.strerror or error}")
    _report(reference, pushed, flags["output"])
