"""`reflow pull artifact`: download a Flux OCI artifact and unpack its content into a directory."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from reflow.cli.console import fail, step, success
from reflow.cli.registry import artifact_reference, check_registry_flags, registry_client, registry_flags, run_registry
from reflow.engines.oci import MAX_LAYER_SIZE, Pulled, Reference, pull_artifact


@click.group()
def pull() -> None:
    """Pull artifacts from OCI registries."""


async def _pull(reference: Reference, output: Path, flags: dict[str, Any]) -> Pulled:
    async with registry_client(reference.repository, flags) as client:
        return await pull_artifact(client, reference, output, max_size=MAX_LAYER_SIZE)


@pull.command("artifact")
@click.argument("url")
@click.option("-o", "--output", default="", help="Existing directory to unpack the artifact's content into.")
@registry_flags(insecure="Allow plain HTTP and unverified TLS to the registry.")
def pull_artifact_command(url: str, output: str, **flags: Any) -> None:
    """Download an OCI artifact and unpack its content into a directory.

    The layer is unpacked safely: nothing outside the directory, links only within it (symlinks are
    skipped, as Flux does), at most 100 MiB. Files of the same name are replaced, others kept. The
    credentials come from --creds or from the docker config (~/.docker/config.json); they are never
    printed.

    \b
    Examples:
      reflow pull artifact oci://ghcr.io/org/manifests/app:v0.0.1 --output ./path/to/local/manifests
    """
    if not output:
        fail("output path cannot be empty", code=2)
    if not Path(output).is_dir():
        fail(f"invalid output path {json.dumps(output)}: not an existing directory", code=2)
    check_registry_flags(flags)
    reference = artifact_reference(url)
    step(f"pulling artifact from {url.removeprefix('oci://')}")
    pulled = run_registry(
        _pull(reference, Path(output), flags), failed="pulling artifact failed", timeout=flags["timeout"]
    )
    if pulled.source:
        success(f"source {pulled.source}")
    if pulled.revision:
        success(f"revision {pulled.revision}")
    success(f"digest {reference.repository}@{pulled.digest}")
    success(f"artifact content extracted to {output}")
