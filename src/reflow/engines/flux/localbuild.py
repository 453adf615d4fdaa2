"""Building a directory as a Flux Kustomization would, outside the controller: `reflow build`, `reflow diff` and the
web UI's diff."""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from reflow.api.kustomize import Kustomization
from reflow.api.meta import Manifest, ObjectRef
from reflow.api.wire import parse
from reflow.engines.build import (
    BuildFailed,
    BuildRequest,
    BuildSettings,
    BuildSpec,
    KustomizeBuilder,
    Owner,
    Pipeline,
    Substitution,
    mask_sops_secrets,
)
from reflow.engines.build.local import boundary, copy_local
from reflow.engines.sourceignore import Matcher, read_patterns
from reflow.kube.client import Kube
from reflow.kube.errors import NotFound
from reflow.kube.secret import secret_data


async def variable_sources(kube: Kube, ks: Kustomization) -> list[tuple[str, dict[str, str]]]:
    """The kind (ConfigMap or Secret) and values of each object the Kustomization's `postBuild.substituteFrom`
    names, in order."""
    post_build = ks.spec.post_build
    sources: list[tuple[str, dict[str, str]]] = []
    for ref in post_build.substitute_from if post_build else ():
        try:
            found = await kube.get(ObjectRef("v1", ref.kind, ref.name, ks.metadata.namespace))
        except NotFound:
            if ref.optional:
                continue
            raise
        if ref.kind == "Secret":
            sources.append((ref.kind, {key: value.decode() for key, value in secret_data(found).items()}))
        else:
            sources.append((ref.kind, {key: str(value) for key, value in (found.get("data") or {}).items()}))
    return sources


async def live_kustomization(kube: Kube, name: str, namespace: str) -> Kustomization:
    """The Flux Kustomization `name` as the cluster has it."""
    ref = ObjectRef(Kustomization.KIND.api_version, Kustomization.KIND.kind, name, namespace)
    return parse(Kustomization, await kube.get(ref))


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


async def build_directory(
    ks: Kustomization,
    path: Path,
    *,
    sources: Sequence[tuple[str, dict[str, str]]] = (),
    ignore_paths: Sequence[str] = (),
    strict: bool = False,
    top: Path | None = None,
    timeout: float,
) -> LocalBuild:
    """Build a local directory as the Kustomization would, with `sources` as its substitution variables.

    `ignore_paths` (gitignore syntax, relative to `path`) leave files out first, as `.sourceignore`
    lines would. The build may read anything in the git work tree holding `path` (an overlay's
    `../../bases/app`), not only `path`: see `engines/build/local.py`; `top` sets that boundary instead
    (an extracted artifact). Raises LocalBuildError.
    """
    substitution = None
    if ks.spec.post_build is not None:
        substitution = Substitution.of(ks.spec.post_build, [values for _, values in sources], strict=strict)
    owner = Owner(ks.metadata.name, ks.metadata.namespace or "")
    pipeline = Pipeline(KustomizeBuilder(), BuildSettings(timeout=timeout))
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
            raise LocalBuildError(f"Kustomization/{owner.namespace}/{owner.name}: build failed: {error}") from error
    return LocalBuild(ks, tuple(mask_sops_secrets(list(result.objects))))
