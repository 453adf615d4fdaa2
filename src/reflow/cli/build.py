"""`reflow build kustomization`: print the manifests a Kustomization would apply, as `flux build kustomization`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click
import yaml

from reflow.api.kustomize import Kustomization
from reflow.api.wire import parse
from reflow.cli.console import fail, out, run
from reflow.cli.manifests import split_list
from reflow.cli.options import GlobalOptions, global_options
from reflow.engines.build import dump
from reflow.engines.flux.localbuild import (
    LocalBuild,
    LocalBuildError,
    build_directory,
    live_kustomization,
    variable_sources,
)
from reflow.kube.client import connect

GROUP = Kustomization.KIND.group
F = TypeVar("F", bound=Callable[..., Any])


def kustomization_from_file(file: Path, name: str, namespace: str) -> Kustomization:
    """The Flux Kustomization called `name` (in `namespace`, or with none) from a YAML file."""
    for document in yaml.safe_load_all(file.read_text()):
        if not isinstance(document, dict) or document.get("kind") != "Kustomization":
            continue
        metadata = document.get("metadata") or {}
        ours = str(document.get("apiVersion", "")).startswith(f"{GROUP}/") and metadata.get("name") == name
        if ours and metadata.get("namespace") in (None, "", namespace):
            document = {**document, "metadata": {**metadata, "namespace": metadata.get("namespace") or namespace}}
            return parse(Kustomization, document)
    fail(f"no Kustomization '{name}' in namespace '{namespace}' found in {file}")


async def build_local(
    name: str,
    path: Path,
    *,
    file: Path | None = None,
    ignore_paths: Sequence[str] = (),
    dry_run: bool = False,
    strict: bool = False,
    options: GlobalOptions,
) -> LocalBuild:
    """Build a local directory as the Kustomization `name` (from `file`, else from the cluster) would; see
    `build_directory`. Raises LocalBuildError, or a KubeError when the cluster cannot be read."""
    ks = kustomization_from_file(file, name, options.namespace) if file else None
    sources: list[tuple[str, dict[str, str]]] = []
    if not dry_run:
        async with connect(options.connection) as kube:
            if ks is None:
                ks = await live_kustomization(kube, name, options.namespace)
            sources = await variable_sources(kube, ks)
    if ks is None:
        raise LocalBuildError(
            "--dry-run needs --kustomization-file: there is no cluster to read the Kustomization from"
        )
    return await build_directory(
        ks, path, sources=sources, ignore_paths=ignore_paths, strict=strict, timeout=options.timeout
    )


async def _build(
    name: str,
    path: Path,
    file: Path | None,
    ignore_paths: Sequence[str],
    dry_run: bool,
    strict: bool,
    options: GlobalOptions,
) -> str:
    try:
        built = await build_local(
            name, path, file=file, ignore_paths=ignore_paths, dry_run=dry_run, strict=strict, options=options
        )
    except LocalBuildError as error:
        fail(str(error))
    return "---\n".join(dump(manifest) for manifest in built.objects)


def local_build_options(command: F) -> F:
    """The flags `build` and `diff` share: `--path`, `--kustomization-file`, `--ignore-paths`, `--strict-substitute`."""
    return _build_options(command, path_required=True)


def diff_build_options(command: F) -> F:
    """The local build flags for `diff`, whose `--path` may be replaced by `--cluster`."""
    return _build_options(command, path_required=False)


def _build_options(command: F, *, path_required: bool) -> F:
    options = [
        click.option(
            "--path",
            required=path_required,
            type=click.Path(exists=True, file_okay=False, path_type=Path),
            help="Local directory to build, standing for the Kustomization's spec.path in its artifact.",
        ),
        click.option(
            "--kustomization-file",
            type=click.Path(exists=True, dir_okay=False, path_type=Path),
            help="Read the Flux Kustomization from this YAML file instead of the cluster.",
        ),
        click.option(
            "--ignore-paths",
            multiple=True,
            callback=lambda _ctx, _param, values: split_list(values),
            help="Paths to leave out of the local directory, .sourceignore syntax (comma-separated).",
        ),
        click.option("--strict-substitute", is_flag=True, help="Fail on a ${var} that has no value and no default."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


@click.group()
def build() -> None:
    """Build manifests locally the way the controllers build them."""


@build.command("kustomization")
@click.argument("name")
@local_build_options
@click.option("--dry-run", is_flag=True, help="Do not contact the cluster (substituteFrom is skipped).")
@global_options
def kustomization(
    name: str,
    path: Path,
    kustomization_file: Path | None,
    ignore_paths: Sequence[str],
    dry_run: bool,
    strict_substitute: bool,
    options: GlobalOptions,
) -> None:
    """Print the multi-document YAML a Kustomization would apply; SOPS-encrypted Secret data shows as **SOPS**.

    \b
    Examples:
      reflow build kustomization podinfo --path ./kustomize
      reflow build kustomization podinfo --path ./kustomize --kustomization-file ks.yaml --dry-run
    """
    text = run(_build(name, path, kustomization_file, ignore_paths, dry_run, strict_substitute, options))
    out.print(text, markup=False, emoji=False, highlight=False, end="")
