"""`reflow build|diff helmrelease`: a HelmRelease rendered from local files as helm-controller would release it,
and what releasing it would change in the cluster (helm-controller#652)."""

from __future__ import annotations

import shutil
from contextlib import nullcontext
from dataclasses import dataclass
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
from reflow.controllers.helm.values import release_values
from reflow.engines.flux.diff import Outcome, diff_objects
from reflow.engines.helm import actions
from reflow.engines.helm.drift import HELM_FIELD_MANAGER, release_objects
from reflow.engines.helm.names import release_name
from reflow.engines.helm.postrender import PostRender, kustomizations, origin_labels
from reflow.engines.helm.run import Helm, HelmFailed, Target
from reflow.engines.helm.values import ValuesError, compose
from reflow.engines.ssa.ignore import IgnoreRules
from reflow.kube.client import Kube, connect


def helm_binary() -> Path:
    """The helm `reflow dev tools` built, else `helm` on PATH."""
    built = default_helm()
    if built is not None:
        return built
    found = shutil.which("helm")
    if not found:
        fail("no helm binary found", "run `reflow dev tools`, or put helm v4 on PATH")
    return Path(found)


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


@dataclass(frozen=True, slots=True)
class Rendered:
    """The release's name and namespace, and the objects of its manifest as Helm would apply them."""

    hr: HelmRelease
    release: str
    namespace: str
    manifest: str


async def render(hr: HelmRelease, chart: Path, kube: Kube | None) -> Rendered:
    """`helm template` the chart (an absolute path: helm runs in a folder of its own) with the HelmRelease's
    values (valuesFrom read through `kube` when given) and post-renderers."""
    namespace = hr.metadata.namespace or "default"
    target = hr.spec.target_namespace or namespace
    name = release_name(hr.metadata.name, hr.spec.target_namespace, hr.spec.release_name)
    try:
        values = await release_values(kube, hr) if kube is not None else compose([], hr.spec.values, namespace)
    except ValuesError as error:
        fail(str(error), code=ERROR_CODE)
    command = actions.template(name, str(chart), hr.spec)
    post_render = PostRender(kustomizations(hr.spec.post_renderers), origin_labels(namespace, hr.metadata.name))
    try:
        done = await Helm(helm_binary()).run(command.args, Target(kubeconfig="", namespace=target), values=values,
                                             post_render=post_render, timeout=command.timeout)  # fmt: skip
    except HelmFailed as error:
        fail(f"rendering the chart failed: {error.message}", code=ERROR_CODE)
    return Rendered(hr, name, target, done.stdout)


async def diff_release(options: GlobalOptions, hr: HelmRelease, chart: Path, *, progress_bar: bool = False) -> Outcome:
    """Render the HelmRelease from a local chart and dry-run its objects against the cluster, as Helm would apply."""
    settings = hr.spec.drift_detection
    try:
        ignore = IgnoreRules.compile(settings.ignore if settings else ())
    except ValueError as error:
        fail(f"invalid drift ignore rule: {error}", code=ERROR_CODE)
    async with connect(options.connection) as kube:
        rendered = await render(hr, chart, kube)
        objects = await release_objects(kube, rendered.manifest, rendered.release, rendered.namespace)
        spinner = err.status("HelmRelease diffing...: running dry-run") if progress_bar else nullcontext()
        with spinner:
            return await diff_objects(kube, objects, None, ignore, field_manager=HELM_FIELD_MANAGER)


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
            return (await render(hr, chart, None)).manifest
        async with connect(options.connection) as kube:
            return (await render(hr, chart, kube)).manifest

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
    outcome = run(diff_release(options, hr, chart, progress_bar=progress_bar), error_code=ERROR_CODE)
    print_outcome(outcome)
    if outcome.errors:
        fail("\n".join(outcome.errors), code=ERROR_CODE)
    raise SystemExit(1 if outcome.changed else 0)
