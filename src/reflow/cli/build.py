"""`reflow build kustomization`: print the manifests a Kustomization would apply, as `flux build kustomization`."""

from __future__ import annotations

import base64
from dataclasses import replace
from pathlib import Path
from typing import Any

import click
import yaml

from reflow.api.kustomize import Kustomization
from reflow.api.meta import ObjectRef
from reflow.api.wire import parse
from reflow.cli.console import fail, out, run
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
    mask_secrets,
)
from reflow.kube.client import Kube, connect
from reflow.kube.errors import NotFound

GROUP = "kustomize.toolkit.fluxcd.io"


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
        data: dict[str, Any] = found.get("data") or {}
        if ref.kind == "Secret":
            data = {key: base64.b64decode(value).decode() for key, value in data.items()}
        sources.append({key: str(value) for key, value in data.items()})
    return sources


async def _build(name: str, path: Path, file: Path | None, dry_run: bool, strict: bool, options: GlobalOptions) -> str:
    ks = kustomization_from_file(file, name, options.namespace) if file else None
    sources: list[dict[str, str]] = []
    if not dry_run:
        async with connect(options.connection) as kube:
            if ks is None:
                live = await kube.get(ObjectRef(f"{GROUP}/v1", "Kustomization", name, options.namespace))
                ks = parse(Kustomization, live)
            sources = await _variable_sources(kube, ks)
    if ks is None:
        fail("--dry-run needs --kustomization-file: there is no cluster to read the Kustomization from")
    substitution = None
    if ks.spec.post_build is not None:
        substitution = Substitution.of(ks.spec.post_build, sources, strict=strict)
    request = BuildRequest(
        root=path,
        digest=None,
        spec=replace(BuildSpec.of(ks.spec), path="."),
        owner=Owner(ks.metadata.name, ks.metadata.namespace or options.namespace),
        substitution=substitution,
    )
    pipeline = Pipeline(KustomizeBuilder(), BuildSettings(timeout=options.timeout))
    try:
        result = await pipeline.build(request)
    except BuildFailed as error:
        fail(f"Kustomization/{request.owner.namespace}/{name}: build failed: {error}")
    return "---\n".join(dump(manifest) for manifest in mask_secrets(list(result.objects)))


@click.group()
def build() -> None:
    """Build manifests locally the way the controllers build them."""


@build.command("kustomization")
@click.argument("name")
@click.option(
    "--path",
    required=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Local directory to build, standing for the Kustomization's spec.path in its artifact.",
)
@click.option(
    "--kustomization-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Read the Flux Kustomization from this YAML file instead of the cluster.",
)
@click.option("--dry-run", is_flag=True, help="Do not contact the cluster (substituteFrom is skipped).")
@click.option("--strict-substitute", is_flag=True, help="Fail on a ${var} that has no value and no default.")
@global_options
def kustomization(
    name: str,
    path: Path,
    kustomization_file: Path | None,
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
    text = run(_build(name, path, kustomization_file, dry_run, strict_substitute, options))
    out.print(text, markup=False, emoji=False, highlight=False, end="")
