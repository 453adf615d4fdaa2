"""`reflow migrate`: move Flux objects to their current apiVersions, in the cluster or in manifest files."""

from __future__ import annotations

import asyncio
from pathlib import Path

import click
from rich.markup import escape

from reflow.api.meta import Manifest, ObjectRef
from reflow.cli.console import fail, generated, run, step, success, warning
from reflow.cli.options import GlobalOptions, global_options
from reflow.engines.install.manifests import PART_OF, PART_OF_VALUE
from reflow.engines.migrate import (
    SUPPORTED_VERSIONS,
    FileUpgrades,
    InvalidPath,
    UnsupportedVersion,
    detect_upgrades,
    latest_versions,
    list_files,
    managed_fields_patch,
    rewrite,
    storage_version,
    stored_versions_patch,
)
from reflow.kube.client import JSON_PATCH, Kube, connect
from reflow.kube.errors import NotFound

CRD = ("apiextensions.k8s.io/v1", "CustomResourceDefinition")
FLUX_CRDS = f"{PART_OF}={PART_OF_VALUE}"
"""Flux's CRDs, whichever namespace installed them: `app.kubernetes.io/part-of=flux`."""


async def _migrate_objects(kube: Kube, crd: Manifest, version: str) -> None:
    """Write every object of the CRD once, so the API server stores it at `version`, with its managers moved."""
    api_version = f"{crd['spec']['group']}/{version}"
    kind = crd["spec"]["names"]["kind"]
    for item in await kube.list_all(api_version, kind):
        meta = item["metadata"]
        ref = ObjectRef(api_version, kind, meta["name"], meta.get("namespace"))
        patch = managed_fields_patch(item, api_version)
        try:
            if patch:
                await kube.patch(ref, patch, content_type=JSON_PATCH)
            else:
                await kube.patch(ref, {})
        except NotFound:
            continue
        success(f"{kind}/{ref.namespace}/{ref.name} migrated to version {version}")


async def _migrate_cluster(options: GlobalOptions) -> None:
    async with connect(options.connection) as kube, asyncio.timeout(options.timeout):
        for crd in await kube.list_all(*CRD, label_selector=FLUX_CRDS):
            name = crd["metadata"]["name"]
            version = storage_version(crd)
            if version is None:
                fail(f"no storage version found for CRD {name}")
            await _migrate_objects(kube, crd, version)
            trimmed = stored_versions_patch(crd, version)
            if trimmed is not None:
                await kube.patch(ObjectRef(*CRD, name), trimmed, subresource="status")
                success(f"{name} migrated to storage version {version}")


def _read(path: str) -> str:
    return Path(path).read_bytes().decode("utf-8", "surrogateescape")


def _detect(path: str, extensions: tuple[str, ...], version: str | None) -> list[FileUpgrades]:
    """Every file that needs upgrades, each reported as it is read (skipped files and odd lines as warnings)."""
    try:
        latest = latest_versions(version)
        listing = list_files(path, extensions)
    except (UnsupportedVersion, InvalidPath) as error:
        fail(str(error))
    for skipped in listing.skipped:
        warning(f"skipping irregular file {escape(skipped)}")
    found = []
    for file in listing.files:
        detected = detect_upgrades(file, _read(file), latest)
        for line, message in detected.warnings:
            warning(f"{escape(file)}:{line + 1}: {escape(message)}")
        for upgrade in detected.upgrades:
            change = f"{upgrade.kind} {upgrade.old_version} -> {upgrade.new_version}"
            generated(f"{escape(file)}:{upgrade.line + 1}: {escape(change)}")
        if detected.upgrades:
            found.append(detected)
    return found


def _migrate_files(path: str, extensions: tuple[str, ...], version: str | None, yes: bool, dry_run: bool) -> None:
    found = _detect(path, extensions, version)
    if not found:
        success("no custom resources found that require migration")
        return
    if dry_run:
        success("dry-run mode enabled, no changes will be made")
        return
    if not yes and not click.confirm("Are you sure you want to proceed with the above upgrades", err=True):
        fail("migration cancelled; no file was changed")
    for file in found:
        Path(file.path).write_bytes(rewrite(_read(file.path), file.upgrades).encode("utf-8", "surrogateescape"))
        success(f"file {escape(file.path)} migrated successfully")
    success("custom resources migrated successfully")


@click.command()
@click.option("-f", "--path", help="Directory (or file) of manifests to migrate; without it, the cluster is migrated.")
@click.option(
    "-e",
    "--extensions",
    default=".yaml,.yml",
    show_default=True,
    help="Comma-separated file name endings to read (with --path).",
)
@click.option(
    "-v", "--version", help=f"Flux minor version to migrate files to (with --path): {', '.join(SUPPORTED_VERSIONS)}."
)
@click.option("-y", "--yes", is_flag=True, help="Do not ask before changing files (with --path).")
@click.option("--dry-run", is_flag=True, help="Show what would change in the files; change nothing (with --path).")
@global_options
def migrate(
    path: str | None, extensions: str, version: str | None, yes: bool, dry_run: bool, options: GlobalOptions
) -> None:
    """Move Flux objects to the latest apiVersion of their kind; run it before upgrading to a new Flux minor version.

    Without --path, every object of each Flux CRD (`app.kubernetes.io/part-of=flux`) is written once, so the
    API server stores it at the CRD's storage version, and retired versions are dropped from the CRD's
    `status.storedVersions` (this needs cluster-admin). With --path, the `apiVersion:` lines of Flux kinds in
    the files are rewritten in place (only those lines change), each change reported as `file:line`.

    \b
    Examples:
      reflow migrate
      reflow migrate -f . --dry-run
      reflow migrate -f ./clusters --version=2.9 --yes
    """
    if path is None:
        if dry_run or version:
            fail("--dry-run and --version apply to files only", "pass -f/--path with them", code=2)
        step("starting migration of custom resources")
        run(_migrate_cluster(options))
        success("custom resources migrated successfully")
        return
    step("starting migration of custom resources")
    names = tuple(name.strip() for name in extensions.split(",") if name.strip())
    _migrate_files(path, names, version, yes, dry_run)
