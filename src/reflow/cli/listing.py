"""`reflow list artifacts`: the tags of an OCI repository with the digest, source and revision of each."""

from __future__ import annotations

from typing import Any

import click

from reflow.cli.console import fail, out
from reflow.cli.registry import check_registry_flags, registry_client, registry_flags, repository_address, run_registry
from reflow.cli.render import table
from reflow.engines.oci import ListedArtifact, OCIError, Repository, list_artifacts, select_tags

HEADERS = ("ARTIFACT", "DIGEST", "SOURCE", "REVISION")


@click.group("list")
def listing() -> None:
    """List artifacts in OCI registries."""


async def _list(repository: Repository, address: str, flags: dict[str, Any]) -> list[ListedArtifact]:
    async with registry_client(repository, flags) as client:
        chosen = select_tags(await client.tags(), semver=flags["filter_semver"], regex=flags["filter_regex"])
        return await list_artifacts(client, address, chosen)


@listing.command("artifacts")
@click.argument("url")
@click.option("--filter-semver", default="", help="Keep only the tags within this semver range.")
@click.option("--filter-regex", default="", help="Keep only the tags this regular expression matches.")
@registry_flags(insecure="Allow plain HTTP and unverified TLS to the registry.")
def list_artifacts_command(url: str, **flags: Any) -> None:
    """List the tags of an OCI repository with the digest and Flux metadata of each artifact.

    Tags are sorted by name, greatest first; cosign's signature, attestation and SBOM tags are left
    out. The credentials come from --creds or from the docker config (~/.docker/config.json); they
    are never printed.

    \b
    Examples:
      reflow list artifacts oci://ghcr.io/org/config/app
      reflow list artifacts oci://ghcr.io/org/config/app --filter-semver '>=1.0.0'
    """
    check_registry_flags(flags)
    repository = repository_address(url)
    try:
        select_tags((), semver=flags["filter_semver"], regex=flags["filter_regex"])
    except OCIError as error:
        fail(str(error), code=2)
    listed = run_registry(
        _list(repository, url.removeprefix("oci://"), flags),
        failed="listing artifacts failed",
        timeout=flags["timeout"],
    )
    rows = [(item.url, item.digest, item.source, item.revision) for item in listed]
    out.out(table(HEADERS, rows), end="", highlight=False)
