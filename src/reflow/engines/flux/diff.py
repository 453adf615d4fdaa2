"""What applying a Kustomization's build would change in the cluster: server-side dry-runs compared with the live
objects, Secret values masked (`reflow diff`, the web UI's diff)."""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from reflow.api.kustomize import Kustomization
from reflow.api.meta import Manifest, ObjectRef
from reflow.api.wire import parse
from reflow.engines.artifact import ArtifactError, fetch_artifact
from reflow.engines.flux.localbuild import LocalBuildError, build_directory, variable_sources
from reflow.engines.flux.state import source_of
from reflow.engines.ssa import inventory_of, mask_secrets_for_diff, stale
from reflow.engines.ssa.apply import excluded
from reflow.engines.ssa.drift import exists
from reflow.engines.ssa.ignore import IgnoreRules, removed
from reflow.engines.ssa.report import report
from reflow.kube.client import Kube
from reflow.kube.errors import ApiError, NotFound

FIELD_MANAGER = "kustomize-controller"
CONCURRENCY = 8


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
        return any(d.verdict in SHOWN for d in self.diffs)


SHOWN = (Verdict.CREATED, Verdict.DRIFTED, Verdict.DELETED)
"""The verdicts `diff` prints."""


def outcome_pieces(outcome: Outcome) -> Iterator[tuple[Verdict, str]]:
    """What `diff` prints, piece by piece with the verdict it is about: `► Kind/namespace/name created|drifted|
    deleted`, each drift followed by a blank line and its report."""
    for diff in outcome.diffs:
        if diff.verdict not in SHOWN:
            continue
        yield diff.verdict, f"► {diff.ref} {diff.verdict}\n"
        if diff.verdict is Verdict.DRIFTED:
            yield diff.verdict, f"\n{diff.report}"


def outcome_text(outcome: Outcome) -> str:
    """The outcome as `diff` prints it, without colours."""
    return "".join(text for _, text in outcome_pieces(outcome))


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


async def diff_cluster(
    kube: Kube, ref: ObjectRef, *, ignore_paths: Sequence[str] = (), strict: bool = False, timeout: float
) -> Outcome:
    """Diff the revision the Kustomization's source serves now against the cluster: what the next reconcile would
    change (drift made in the cluster, or a new revision not applied yet). Raises LocalBuildError."""
    found = await kube.get(ref)
    live = parse(Kustomization, found)
    source = source_of(found)
    if source is None:
        raise LocalBuildError(f"{ref} has a source kind reflow cannot read")
    artifact = ((await kube.get(source)).get("status") or {}).get("artifact") or {}
    if not artifact.get("url"):
        raise LocalBuildError(f"{source} has no artifact yet: nothing to compare")
    sources = await variable_sources(kube, live)
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
        built = await build_directory(
            live, path, sources=sources, ignore_paths=ignore_paths, strict=strict, top=root, timeout=timeout
        )
    try:
        ignore = IgnoreRules.compile(live.spec.ignore)
    except ValueError as error:
        raise LocalBuildError(f"invalid drift ignore rule: {error}") from error
    return await diff_objects(kube, built.objects, live, ignore)


def _directory_in(root: Path, spec_path: str, source: str) -> Path:
    """`spec.path` inside the extracted artifact; raises LocalBuildError when it leaves it or is missing."""
    path = Path(os.path.normpath(root / spec_path))
    if not path.is_relative_to(root) or not path.is_dir():
        raise LocalBuildError(f"the artifact of {source} has no directory {spec_path!r}")
    return path
