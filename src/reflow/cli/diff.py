"""`reflow diff kustomization`: what applying a local directory would change in the cluster, as `flux diff`."""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import click

from reflow.api.kustomize import Kustomization
from reflow.api.meta import Manifest, ObjectRef
from reflow.api.wire import parse, render
from reflow.cli.build import GROUP, LocalBuildError, build_local, diff_build_options
from reflow.cli.console import err, fail, out, run
from reflow.cli.options import GlobalOptions, global_options
from reflow.engines.artifact import ArtifactError, fetch_artifact
from reflow.engines.flux.state import source_of
from reflow.engines.ssa import inventory_of, mask_secrets_for_diff, stale
from reflow.engines.ssa.apply import excluded
from reflow.engines.ssa.drift import exists
from reflow.engines.ssa.ignore import IgnoreRules, removed
from reflow.engines.ssa.report import report
from reflow.kube.client import Kube, connect
from reflow.kube.errors import ApiError, NotFound

FIELD_MANAGER = "kustomize-controller"
CONCURRENCY = 8
ERROR_CODE = 2


NO_RULES = IgnoreRules()
"""No drift ignore rules: every field counts."""


class Verdict(StrEnum):
    """What applying would do to one object."""

    CREATED = "created"
    DRIFTED = "drifted"
    UNCHANGED = "unchanged"
    SKIPPED = "skipped"
    DELETED = "deleted"


@dataclass(frozen=True, slots=True)
class ObjectDiff:
    """One object's verdict and, when it drifted, the dyff-style report of its changed fields."""

    ref: ObjectRef
    verdict: Verdict
    report: str = ""


@dataclass(frozen=True, slots=True)
class Outcome:
    """Every object's verdict, in build order then the deletions, and the objects that could not be diffed."""

    diffs: tuple[ObjectDiff, ...]
    errors: tuple[str, ...]

    @property
    def changed(self) -> bool:
        """Whether anything would be created, changed or deleted."""
        return any(d.verdict in (Verdict.CREATED, Verdict.DRIFTED, Verdict.DELETED) for d in self.diffs)


async def diff_object(
    kube: Kube, obj: Manifest, ignore: IgnoreRules = NO_RULES, field_manager: str = FIELD_MANAGER
) -> ObjectDiff:
    """Server-side dry-run one object (force, as `field_manager`: kustomize-controller) and compare it with the
    live one.

    Fields the Kustomization's `spec.ignore` rules select for this object are left out of both sides.
    """
    ref = ObjectRef.of(obj)
    if excluded(obj):
        return ObjectDiff(ref, Verdict.SKIPPED)
    try:
        merged, _ = await kube.dry_run_apply(obj, field_manager=field_manager)
        live = await kube.get(ref) if exists(merged) else None
    except NotFound:
        return ObjectDiff(ref, Verdict.CREATED)  # its namespace (or the object, just deleted) is not there yet
    if live is None:
        return ObjectDiff(ref, Verdict.CREATED)
    if pointers := ignore.pointers(obj):
        live, merged = removed(live, pointers), removed(merged, pointers)
    masked_live, masked_merged = mask_secrets_for_diff(live, merged)
    text = report(masked_live or {}, masked_merged)
    return ObjectDiff(ref, Verdict.DRIFTED if text else Verdict.UNCHANGED, text)


async def diff_objects(
    kube: Kube,
    objects: Sequence[Manifest],
    previous: Kustomization | None,
    ignore: IgnoreRules = NO_RULES,
    field_manager: str = FIELD_MANAGER,
) -> Outcome:
    """Diff every built object; with `previous` pruning, its inventory entries no longer built are deletions.

    `ignore` holds the Kustomization's drift ignore rules, as the controller applies them.
    """
    slots = asyncio.Semaphore(CONCURRENCY)
    results: list[ObjectDiff | str] = ["not run"] * len(objects)

    async def one(index: int, obj: Manifest) -> None:
        async with slots:
            try:
                results[index] = await diff_object(kube, obj, ignore, field_manager)
            except ApiError as error:
                results[index] = f"{ObjectRef.of(obj)} dry-run failed: {error}"

    async with asyncio.TaskGroup() as group:
        for index, obj in enumerate(objects):
            group.create_task(one(index, obj))
    diffs = [result for result in results if isinstance(result, ObjectDiff)]
    errors = tuple(result for result in results if isinstance(result, str))
    if previous is not None and previous.spec.prune and not errors:
        built = inventory_of((ref := ObjectRef.of(obj), ref.api_version) for obj in objects)
        diffs += [ObjectDiff(ref, Verdict.DELETED) for ref in stale(previous.status.inventory, built)]
    return Outcome(tuple(diffs), errors)


async def _live_kustomization(kube: Kube, name: str, namespace: str, ignore_not_found: bool) -> Kustomization | None:
    try:
        return parse(Kustomization, await kube.get(ObjectRef(f"{GROUP}/v1", "Kustomization", name, namespace)))
    except NotFound:
        if ignore_not_found:
            return None
        raise


@dataclass(frozen=True, slots=True, kw_only=True)
class DiffFlags:
    """The command's own flags."""

    kustomization_file: Path | None
    ignore_paths: Sequence[str]
    progress_bar: bool
    ignore_not_found: bool
    strict_substitute: bool


async def _diff(name: str, path: Path, flags: DiffFlags, options: GlobalOptions, top: Path | None = None) -> Outcome:
    if flags.ignore_not_found and flags.kustomization_file is None:
        raise LocalBuildError("--ignore-not-found needs --kustomization-file to know the Kustomization")
    async with connect(options.connection) as kube:
        previous = await _live_kustomization(kube, name, options.namespace, flags.ignore_not_found)
        built = await build_local(
            name,
            path,
            file=flags.kustomization_file,
            ignore_paths=flags.ignore_paths,
            strict=flags.strict_substitute,
            top=top,
            options=options,
        )
        try:
            ignore = IgnoreRules.compile(built.kustomization.spec.ignore)
        except ValueError as error:
            raise LocalBuildError(f"invalid drift ignore rule: {error}") from error
        spinner = err.status("Kustomization diffing...: running dry-run") if flags.progress_bar else nullcontext()
        with spinner:
            return await diff_objects(kube, built.objects, previous, ignore)


async def _diff_cluster(name: str, flags: DiffFlags, options: GlobalOptions) -> Outcome:
    """Diff the revision the Kustomization's source serves now against the cluster."""
    async with connect(options.connection) as kube:
        live = await _live_kustomization(kube, name, options.namespace, ignore_not_found=False)
        assert live is not None
        source = source_of(render(live) | {"kind": "Kustomization"})
        if source is None:
            raise LocalBuildError(f"Kustomization/{options.namespace}/{name} has a source kind reflow cannot read")
        artifact = ((await kube.get(source)).get("status") or {}).get("artifact") or {}
    if not artifact.get("url"):
        raise LocalBuildError(f"{source} has no artifact yet: nothing to compare")
    with tempfile.TemporaryDirectory(prefix="reflow-diff-") as scratch:
        root = Path(scratch, "artifact")
        try:
            await fetch_artifact(artifact["url"], artifact.get("digest") or "", root)
        except ArtifactError as error:
            raise LocalBuildError(
                f"cannot download {source}'s artifact from {artifact['url']}: {error} (the artifact server must be "
                "reachable from here, e.g. through `kubectl port-forward`)"
            ) from error
        path = await asyncio.to_thread(_directory_in, root, live.spec.path or ".", str(source))
        return await _diff(name, path, flags, options, top=root)


def _directory_in(root: Path, spec_path: str, source: str) -> Path:
    """`spec.path` inside the extracted artifact; raises LocalBuildError when it leaves it or is missing."""
    path = Path(os.path.normpath(root / spec_path))
    if not path.is_relative_to(root) or not path.is_dir():
        raise LocalBuildError(f"the artifact of {source} has no directory {spec_path!r}")
    return path


STYLES = {Verdict.CREATED: "green", Verdict.DRIFTED: "default", Verdict.DELETED: "red"}


def print_outcome(outcome: Outcome) -> None:
    """`► Kind/namespace/name created|drifted|deleted`, each drift followed by a blank line and its report."""
    for diff in outcome.diffs:
        if diff.verdict not in STYLES:
            continue
        out.print(f"► {diff.ref} {diff.verdict}", style=STYLES[diff.verdict], markup=False, emoji=False)
        if diff.verdict is Verdict.DRIFTED:
            out.print(f"\n{diff.report}", markup=False, emoji=False, end="")


@click.group()
def diff() -> None:
    """Show what applying local manifests would change in the cluster."""


@diff.command("kustomization")
@click.argument("name")
@diff_build_options
@click.option(
    "--cluster",
    is_flag=True,
    help="Instead of --path, build the revision the cluster's source serves: shows drift made in the cluster.",
)
@click.option("--progress-bar/--no-progress-bar", default=True, show_default=True, help="Show a spinner meanwhile.")
@click.option("--ignore-not-found", is_flag=True, help="With --kustomization-file: diff even if the cluster lacks it.")
@global_options
def kustomization(
    name: str,
    path: Path | None,
    cluster: bool,
    kustomization_file: Path | None,
    ignore_paths: Sequence[str],
    progress_bar: bool,
    ignore_not_found: bool,
    strict_substitute: bool,
    options: GlobalOptions,
) -> None:
    """Dry-run the local build against the cluster and print what would be created, drifted or deleted.

    Secret values are masked. Exits 1 when something would change, 0 when nothing would, 2 on error.
    With --cluster the build is of the artifact the Kustomization's source serves now (downloaded from
    its status URL, which must be reachable from here), so what it shows is drift made in the cluster.

    \b
    Examples:
      reflow diff kustomization podinfo --path ./kustomize
      reflow diff kustomization podinfo --path ./kustomize --kustomization-file ks.yaml --ignore-not-found
      reflow diff kustomization podinfo --cluster
    """
    if (path is None) == (not cluster):
        fail("give exactly one of --path and --cluster", code=ERROR_CODE)
    flags = DiffFlags(
        kustomization_file=kustomization_file,
        ignore_paths=ignore_paths,
        progress_bar=progress_bar,
        ignore_not_found=ignore_not_found,
        strict_substitute=strict_substitute,
    )
    try:
        work = _diff(name, path, flags, options) if path is not None else _diff_cluster(name, flags, options)
        outcome = run(work, error_code=ERROR_CODE)
    except LocalBuildError as error:
        fail(str(error), code=ERROR_CODE)
    print_outcome(outcome)
    if outcome.errors:
        fail("\n".join(outcome.errors), code=ERROR_CODE)
    raise SystemExit(1 if outcome.changed else 0)
