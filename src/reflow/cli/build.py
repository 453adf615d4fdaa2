"""`reflow build kustomization`: print the manifests a Kustomization would apply, as `flux build kustomization`."""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

import click
import yaml

from reflow.api.kustomize import Kustomization
from reflow.api.meta import Manifest, ObjectRef
from reflow.api.wire import parse
from reflow.cli.console import fail, out, run
from reflow.cli.manifests import split_list
from reflow.cli.options import GlobalOptions, global_options
from reflow.engines.build import (
    BuildFailed,
    BuildRequest,
    BuildSettings,
    BuildSpec,
    KustomizeBuilder,
    Owner,
    Pipeline,
    Substitution,
    dump,
    mask_sops_secrets,
)
from reflow.engines.build.local import boundary, copy_local
from reflow.engines.sourceignore import Matcher, read_patterns
from reflow.kube.client import Kube, connect
from reflow.kube.errors import NotFound
from reflow.kube.secret import secret_data

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


async def _variable_sources(kube: Kube, ks: Kustomization) -> list[dict[str, str]]:
    post_build = ks.spec.post_build
    sources: list[dict[str, str]] = []
    for ref in post_build.substitute_from if post_build else ():
        try:
            found = await kube.get(ObjectRef("v1", ref.kind, ref.name, ks.metadata.namespace))
        except NotFound:
            if ref.optional:
                continue
            raise
        if ref.kind == "Secret":
            sources.append({key: value.decode() for key, value in secret_data(found).items()})
        else:
            sources.append({key: str(value) for key, value in (found.get("data") or {}).items()})
    return sources


class LocalBuildError(Exception):
    """A local build that cannot run or failed; the message is the line to print."""


@dataclass(frozen=True, slots=True)
class LocalBuild:
    """The Flux Kustomization a local build stands for, and the objects it built (SOPS values masked)."""

    kustomization: Kustomization
    objects: tuple[Manifest, ...]


def _ignore_inside(path: Path, ignore_paths: Sequence[str]) -> Callable[[str, list[str]], set[str]] | None:
    """A copytree filter leaving out what `ignore_paths` (gitignore syntax, relative to `path`) match."""
    if not ignore_paths:
        return None
    matcher = Matcher(read_patterns("\n".join(ignore_paths)))
    start = Path(os.path.realpath(path))

    def ignored(directory: str, names: list[str]) -> set[str]:
        relative = Path(directory).relative_to(start).parts if Path(directory).is_relative_to(start) else None
        if relative is None:
            return set()
        return {name for name in names if matcher.ignores((*relative, name), Path(directory, name).is_dir())}

    return ignored


async def build_local(
    name: str,
    path: Path,
    *,
    file: Path | None = None,
    ignore_paths: Sequence[str] = (),
    dry_run: bool = False,
    strict: bool = False,
    top: Path | None = None,
    options: GlobalOptions,
) -> LocalBuild:
    """Build a local directory as the Kustomization `name` (from `file`, else from the cluster) would.

    `ignore_paths` (gitignore syntax, relative to `path`) leave files out first, as `.sourceignore`
    lines would. The build may read anything in the git work tree holding `path` (an overlay's
    `../../bases/app`), not only `path`: see `engines/build/local.py`; `top` sets that boundary instead
    (an extracted artifact). Raises LocalBuildError, or a
    KubeError when the cluster cannot be read.
    """
    ks = kustomization_from_file(file, name, options.namespace) if file else None
    sources: list[dict[str, str]] = []
    if not dry_run:
        async with connect(options.connection) as kube:
            if ks is None:
                live = await kube.get(
                    ObjectRef(Kustomization.KIND.api_version, "Kustomization", name, options.namespace)
                )
                ks = parse(Kustomization, live)
            sources = await _variable_sources(kube, ks)
    if ks is None:
        raise LocalBuildError(
            "--dry-run needs --kustomization-file: there is no cluster to read the Kustomization from"
        )
    substitution = None
    if ks.spec.post_build is not None:
        substitution = Substitution.of(ks.spec.post_build, sources, strict=strict)
    owner = Owner(ks.metadata.name, ks.metadata.namespace or options.namespace)
    pipeline = Pipeline(KustomizeBuilder(), BuildSettings(timeout=options.timeout))
    spec = BuildSpec.of(ks.spec)
    top = top or await boundary(path)
    with tempfile.TemporaryDirectory(prefix="reflow-local-") as scratch:
        try:
            tree = await asyncio.to_thread(
                copy_local,
                path,
                top,
                Path(scratch, "root"),
                extra=spec.components,
                ignore=_ignore_inside(path, ignore_paths),
            )
            request = BuildRequest(
                root=tree.root,
                digest=None,
                spec=replace(spec, path=tree.path),
                owner=owner,
                substitution=substitution,
                disposable=True,
            )
            result = await pipeline.build(request)
        except BuildFailed as error:
            raise LocalBuildError(f"Kustomization/{owner.namespace}/{name}: build failed: {error}") from error
    return LocalBuild(ks, tuple(mask_sops_secrets(list(result.objects))))


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
