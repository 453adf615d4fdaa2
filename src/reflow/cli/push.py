"""`reflow push artifact`: pack a directory or file as a Flux OCI artifact and push it to a registry."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import click
import yaml

from reflow.cli.console import fail, out, step, success
from reflow.cli.registry import (
    RESOLVE_SYMLINKS,
    artifact_reference,
    check_registry_flags,
    ignore_flags,
    ignore_rules,
    packed_source,
    registry_client,
    registry_flags,
    run_registry,
)
from reflow.engines.oci import (
    EPOCH,
    OCIError,
    Pushed,
    Reference,
    artifact_annotations,
    check_created,
    created_now,
    push_artifact,
)
from reflow.engines.oci.artifact import CREATED


@click.group()
def push() -> None:
    """Push artifacts to OCI registries."""


def _annotations(values: tuple[str, ...]) -> dict[str, str]:
    found = {}
    for value in values:
        parts = value.split("=")
        if len(parts) != 2:
            fail(f"invalid annotation {value}, must be in the format key=value", code=2)
        found[parts[0]] = parts[1]
    return found


async def _push(reference: Reference, source: Path, flags: dict[str, Any], notes: dict[str, str]) -> Pushed:
    async with registry_client(reference.repository, flags, actions="pull,push") as client:
        return await push_artifact(
            client,
            reference.tag or "latest",
            source,
            matcher=ignore_rules(flags),
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
@ignore_flags
@click.option("-o", "--output", type=click.Choice(["json", "yaml"]), help="Print the pushed artifact as JSON or YAML.")
@click.option(
    "--reproducible", is_flag=True, help="Set the created time to 1970-01-01T00:00:00Z: same content, same digest."
)
@RESOLVE_SYMLINKS
@registry_flags(insecure="Allow plain HTTP and unverified TLS to the registry.")
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
    check_registry_flags(flags)
    reference = artifact_reference(url)
    if reference.digest:
        fail("the artifact URL must name a tag, not a digest", code=2)
    try:
        extra = _annotations(flags["annotations"])
        created = EPOCH if flags["reproducible"] else created_now()
        notes = artifact_annotations(source=flags["source"], revision=flags["revision"], created=created, extra=extra)
        check_created(notes[CREATED])
    except (OCIError, ValueError) as error:
        fail(str(error), code=2)
    with tempfile.TemporaryDirectory(prefix="reflow-push-") as scratch:
        source = packed_source(flags["path"], Path(scratch), resolve_links=flags["resolve_symlinks"])
        if not flags["output"]:
            step(f"pushing artifact to {reference.repository}:{reference.tag}")
        pushed = run_registry(
            _push(reference, source, flags, notes), failed="pushing artifact failed", timeout=flags["timeout"]
        )
    _report(reference, pushed, flags["output"])
