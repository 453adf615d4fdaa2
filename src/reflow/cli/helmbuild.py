"""`reflow build|diff helmrelease`: a HelmRelease rendered from local files as helm-controller would release it,
and what releasing it would change in the cluster (helm-controller#652)."""

from __future__ import annotations

import shutil
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import click
import yaml

from reflow.api.helm import HelmRelease
from reflow.api.wire import parse
from reflow.cli.console import err, fail, out, run
from reflow.cli.controllers import default_helm
from reflow.cli.diff import ERROR_CODE, print_outcome
from reflow.cli.options import GlobalOptions, global_options
from reflow.controllers.helm.preview import PreviewFailed, Rendered, diff_release, render
from reflow.engines.flux.diff import Outcome
from reflow.kube.client import Kube, connect


def find_helm() -> Path | None:
    """The helm `reflow dev tools` built, else `helm` on PATH, else None."""
    found = shutil.which("helm")
    return default_helm() or (Path(found) if found else None)


def helm_binary() -> Path:
    """The helm to render with; the command ends when there is none."""
    found = find_helm()
    if found is None:
        fail("no helm binary found", "run `reflow dev tools`, or put helm v4 on PATH")
    return found


def helmrelease_from_file(file: Path, name: str, namespace: str) -> HelmRelease:
    """The HelmRelease called `name` (in `namespace`, or with none) from a YAML file."""
    for document in yaml.safe_load_all(file.read_text()):
        if not isinstance(document, dict) or document.get("kind") != HelmRelease.KIND.kind:
            continue
        metadata = document.get("metadata") or {}
        if metadata.get("name") == name and metadata.get("namespace") in (None, "", namespace):
            document = {**document, "metadata": {**metadata, "namespace": metadata.get("namespace") or namespace}}
            try:
                return parse(HelmRelease, document)
            except ValueError as error:
                fail(f"invalid HelmRelease in {file}: {error}", code=ERROR_CODE)
    fail(f"no HelmRelease '{name}' in namespace '{namespace}' found in {file}", code=ERROR_CODE)


async def render_or_fail(hr: HelmRelease, chart: Path, kube: Kube | None) -> Rendered:
    """The release rendered from a local chart; a failure ends the command with its message."""
    try:
        return await render(helm_binary(), hr, chart, kube)
    except PreviewFailed as error:
        fail(str(error), code=ERROR_CODE)


async def diff_local_release(
    options: GlobalOptions, hr: HelmRelease, chart: Path, *, progress_bar: bool = False
) -> Outcome:
    """Render the HelmRelease from a local chart and dry-run its objects against the cluster, as Helm would apply."""
    async with connect(options.connection) as kube:
        rendered = await render_or_fail(hr, chart, kube)
        spinner = err.status("HelmRelease diffing...: running dry-run") if progress_bar else nullcontext()
        with spinner:
            try:
                return await diff_release(kube, rendered)
            except PreviewFailed as error:
                fail(str(error), code=ERROR_CODE)


def _options(command: Any) -> Any:
    for option in reversed(
        [
            click.option(
                "--file",
                "-f",
                "file",
                required=True,
                type=click.Path(exists=True, dir_okay=False, path_type=Path),
                help="YAML file with the HelmRelease.",
            ),
            click.option(
                "--chart",
                "chart",
                required=True,
                type=click.Path(exists=True, path_type=Path, resolve_path=True),
                help="Local chart: a folder or a packaged .tgz.",
            ),
        ]
    ):
        command = option(command)
    return command


@click.command("helmrelease")
@click.argument("name")
@_options
@click.option("--dry-run", is_flag=True, help="Do not contact the cluster (valuesFrom is skipped).")
@global_options
def build_helmrelease(name: str, file: Path, chart: Path, dry_run: bool, options: GlobalOptions) -> None:
    """Print the manifest a HelmRelease would release from a local chart (hooks and tests left out).

    \b
    Examples:
      reflow build helmrelease podinfo --file hr.yaml --chart ./charts/podinfo
      reflow build helmrelease podinfo --file hr.yaml --chart podinfo-6.5.0.tgz --dry-run
    """
    hr = helmrelease_from_file(file, name, options.namespace)

    async def rendered() -> str:
        if dry_run:
            return (await render_or_fail(hr, chart, None)).manifest
        async with connect(options.connection) as kube:
            return (await render_or_fail(hr, chart, kube)).manifest

    out.print(run(rendered(), error_code=ERROR_CODE), markup=False, emoji=False, highlight=False, end="")


@click.command("helmrelease")
@click.argument("name")
@_options
@click.option("--progress-bar/--no-progress-bar", default=True, show_default=True, help="Show a spinner meanwhile.")
@global_options
def diff_helmrelease(name: str, file: Path, chart: Path, progress_bar: bool, options: GlobalOptions) -> None:
    """Dry-run what releasing the HelmRelease from a local chart would change, and print it.

    Secret values are masked. Exits 1 when something would change, 0 when nothing would, 2 on error.

    \b
    Examples:
      reflow diff helmrelease podinfo --file hr.yaml --chart ./charts/podinfo
    """
    hr = helmrelease_from_file(file, name, options.namespace)
    outcome = run(diff_local_release(options, hr, chart, progress_bar=progress_bar), error_code=ERROR_CODE)
    print_outcome(outcome)
    if outcome.errors:
        fail("\n".join(outcome.errors), code=ERROR_CODE)
    raise SystemExit(1 if outcome.changed else 0)
