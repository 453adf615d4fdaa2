"""`reflow diff kustomization`: what applying a local directory would change in the cluster, as `flux diff`."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

import click

from reflow.api.kustomize import Kustomization
from reflow.api.meta import ObjectRef
from reflow.cli.build import GROUP, build_local, diff_build_options
from reflow.cli.console import err, fail, out, run
from reflow.cli.options import GlobalOptions, global_options
from reflow.engines.flux.diff import Outcome, Verdict, diff_cluster, diff_objects, outcome_pieces
from reflow.engines.flux.localbuild import LocalBuildError, live_kustomization
from reflow.engines.ssa.ignore import IgnoreRules
from reflow.kube.client import Kube, connect
from reflow.kube.errors import NotFound

ERROR_CODE = 2


async def _live_kustomization(kube: Kube, name: str, namespace: str, ignore_not_found: bool) -> Kustomization | None:
    try:
        return await live_kustomization(kube, name, namespace)
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


async def diff_local(name: str, path: Path, flags: DiffFlags, options: GlobalOptions) -> Outcome:
    """Build `path` as the Kustomization `name` would and dry-run the result against the cluster."""
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
    ref = ObjectRef(f"{GROUP}/v1", "Kustomization", name, options.namespace)
    spinner = err.status("Kustomization diffing...: running dry-run") if flags.progress_bar else nullcontext()
    async with connect(options.connection) as kube:
        with spinner:
            return await diff_cluster(
                kube, ref, ignore_paths=flags.ignore_paths, strict=flags.strict_substitute, timeout=options.timeout
            )


STYLES = {Verdict.CREATED: "green", Verdict.DRIFTED: "default", Verdict.DELETED: "red"}


def print_outcome(outcome: Outcome) -> None:
    """Print the outcome as `outcome_pieces` says, created objects green and deleted ones red."""
    for verdict, text in outcome_pieces(outcome):
        out.print(text, style=STYLES[verdict], markup=False, emoji=False, end="")


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
        work = diff_local(name, path, flags, options) if path is not None else _diff_cluster(name, flags, options)
        outcome = run(work, error_code=ERROR_CODE)
    except LocalBuildError as error:
        fail(str(error), code=ERROR_CODE)
    print_outcome(outcome)
    if outcome.errors:
        fail("\n".join(outcome.errors), code=ERROR_CODE)
    raise SystemExit(1 if outcome.changed else 0)
