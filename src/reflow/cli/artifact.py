"""`reflow build artifact` and `reflow diff artifact`: the local side of Flux's OCI artifacts."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import click

from reflow.cli.console import fail, step, success
from reflow.cli.registry import (
    RESOLVE_SYMLINKS,
    artifact_reference,
    check_registry_flags,
    existing_path,
    ignore_flags,
    ignore_rules,
    os_message,
    packed_source,
    registry_client,
    registry_flags,
    run_registry,
)
from reflow.engines.oci import (
    MAX_LAYER_SIZE,
    Reference,
    artifact_differs,
    build_layer,
)


@click.command("artifact")
@click.option("-p", "--path", "path", default="", help="Directory or file to pack ('-' reads one file from stdin).")
@click.option("-o", "--output", default="artifact.tgz", show_default=True, help="Where to write the tarball.")
@ignore_flags
@RESOLVE_SYMLINKS
def build_artifact(path: str, output: str, **flags: Any) -> None:
    """Pack a directory or a single file into the tarball `reflow push artifact` would upload.

    \b
    Examples:
      reflow build artifact --path ./path/to/local/manifests --output ./path/to/artifact.tgz
      tar -ztvf ./path/to/artifact.tgz
    """
    if not path:
        fail(f"invalid path {json.dumps(path)}", code=2)
    with tempfile.TemporaryDirectory(prefix="reflow-build-") as scratch:
        source = packed_source(path, Path(scratch), resolve_links=flags["resolve_symlinks"])
        step(f"building artifact from {source}")
        try:
            build_layer(source, Path(output), ignore_rules(flags))
        except OSError as error:
            fail(f"building artifact failed, error: {os_message(error)}")
    success(f"artifact created at {output}")


async def _differs(reference: Reference, source: Path, flags: dict[str, Any]) -> bool:
    async with registry_client(reference.repository, flags) as client:
        return await artifact_differs(client, reference, source, matcher=ignore_rules(flags), max_size=MAX_LAYER_SIZE)


@click.command("artifact")
@click.argument("url")
@click.option("--path", "path", default="", help="Local directory or file to compare with the artifact.")
@ignore_flags
@registry_flags(insecure="Allow plain HTTP and unverified TLS to the registry.")
def diff_artifact(url: str, path: str, **flags: Any) -> None:
    """Say whether a local directory or file differs from the content of an OCI artifact (exit code 1 if so).

    \b
    Examples:
      reflow diff artifact oci://ghcr.io/org/manifests/app:v0.0.1 --path=./kustomize
    """
    if not path:
        fail(f"invalid path {json.dumps(path)}", code=2)
    check_registry_flags(flags)
    reference = artifact_reference(url)
    source = existing_path(path)
    differs = run_registry(
        _differs(reference, source, flags), failed="diffing artifact failed", timeout=flags["timeout"]
    )
    if differs:
        fail("the remote artifact contents differs from the local one")
    success("no changes detected")
