"""`reflow tag artifact`: give an artifact in an OCI registry more tags."""

from __future__ import annotations

from typing import Any

import click

from reflow.cli.console import fail, step, success
from reflow.cli.registry import (
    artifact_reference,
    check_registry_flags,
    registry_client,
    registry_flags,
    run_registry,
    split_values,
)
from reflow.engines.oci import OCIError, Reference, tag_artifact
from reflow.engines.oci.reference import check_tag


@click.group()
def tag() -> None:
    """Tag artifacts in OCI registries."""


async def _tag(reference: Reference, tags: list[str], flags: dict[str, Any]) -> None:
    async with registry_client(reference.repository, flags, actions="pull,push") as client:
        async for tagged in tag_artifact(client, reference, tags):
            success(f"artifact tagged as {tagged}")


@tag.command("artifact")
@click.argument("url")
@click.option("--tag", "tags", multiple=True, help="Tag to add (repeatable, or comma-separated).")
@registry_flags(insecure=None)
def tag_artifact_command(url: str, tags: tuple[str, ...], **flags: Any) -> None:
    """Add tags to an OCI artifact: its manifest is stored, unchanged, under each new tag.

    The credentials come from --creds or from the docker config (~/.docker/config.json); they are
    never printed.

    \b
    Examples:
      reflow tag artifact oci://ghcr.io/org/manifests/app:v0.0.1 --tag latest
    """
    names = split_values(tags)
    if not names:
        fail("--tag is required", code=2)
    check_registry_flags(flags)
    reference = artifact_reference(url)
    try:
        for name in names:
            check_tag(name)
    except OCIError as error:
        fail(str(error), code=2)
    step("tagging artifact")
    run_registry(_tag(reference, names, flags), failed="tagging artifact failed", timeout=flags["timeout"])
