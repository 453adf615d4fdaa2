"""Staged server-side apply: dry-run the whole set, then apply what drifts, stage by stage.

Every object of the revision is dry-run (validated and compared) before anything is written, so an
invalid manifest leaves the cluster untouched. The exceptions are objects that cannot be dry-run
yet because their CRD or Namespace is created by an earlier stage of the same set; they are dry-run
in their own stage, once what they need exists.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import ClassVar, TypeVar

from reflow.api import annotations as keys
from reflow.api.conditions import RECONCILIATION_FAILED
from reflow.api.meta import Manifest, ObjectRef, group_of
from reflow.engines.health import Status
from reflow.kube.client import JSON_PATCH, Kube
from reflow.kube.errors import ApiError, Conflict, Invalid, KubeError, NotFound
from reflow.kube.wait import wait_deleted

from .changeset import Action, Change, ChangeSet
from .drift import drifted, exists, maybe_changed
from .ignore import IgnoreRules, Pointer, settle, settled
from .order import GroupKind, Stage, is_crd, rank_groups, stages
from .ownership import (
    Cleanup,
    cleanup_patch,
    merge_managed,
    needs_cleanup,
    override_managers,
    owned_by_other_appliers,
    takeover_managers,
)
from .recall import Recall
from .wait import ObjectWatcher, status_of, wait_ready

T = TypeVar("T")
IMMUTABLE = re.compile(r"is\simmutable|immutable\sfield")


@dataclass(frozen=True, slots=True, kw_only=True)
class ApplyOptions:
    """How to apply a set of objects."""

    field_manager: str = "kustomize-controller"
    """Owner of the applied fields: the controller's name, as Flux's, so objects Flux applied stay ours."""
    force: bool = False
    """Recreate objects whose immutable fields changed (`spec.force`); the `force: Enabled` annotation does
    the same for one object."""
    concurrency: int = 4
    """API calls in flight at once, as Flux's `--concurrent-ssa` (default 4)."""
    wait_timeout: float = 60.0
    """Seconds to wait for each stage but the last to become ready (Flux: 60 s)."""
    custom_stage_kinds: frozenset[GroupKind] = frozenset()
    """Kinds applied in their own stage after the classes (`--custom-apply-stage-kinds`)."""
    override_managers: tuple[str, ...] = ()
    """Managers whose fields are taken over before apply (`--override-manager`), beside kubectl's."""
    override_managers_before_dry_run: tuple[str, ...] = ()
    """Managers whose fields are taken over before the dry-run (Flux 2.10's
    `--override-manager-before-dry-run`), so the dry-run already shows their fields gone."""
    ignore: IgnoreRules = field(default_factory=IgnoreRules)
    """Fields left out of drift detection (`spec.ignore`); when an object is applied anyway, those that drifted
    are left out of it (another applier owns them) or keep their live value (we are their only applier)."""

    def cleanup(self) -> Cleanup:
        return Cleanup(managers=takeover_managers(self.field_manager, self.override_managers))


@dataclass(frozen=True, slots=True)
class ObjectError:
    """Why one object could not be applied; `message` starts with the object id."""

    ref: ObjectRef
    message: str


class ApplyError(Exception):
    """Some objects could not be applied; `change_set` holds what was done before it stopped."""

    reason: ClassVar[str] = RECONCILIATION_FAILED

    def __init__(self, errors: Sequence[ObjectError], change_set: ChangeSet) -> None:
        super().__init__("\n".join(error.message for error in errors))
        self.errors = tuple(errors)
        self.change_set = change_set


@dataclass(frozen=True, slots=True, kw_only=True)
class Plan:
    """The decision for one object after its dry-run; only `created` and `configured` plans write."""

    obj: Manifest
    action: Action
    dry_run: Manifest | None = None
    patch: list[Manifest] = field(default_factory=list)
    recreate: bool = False
    payload: Manifest | None = None
    """What to apply when it is not `obj`: `obj` with its drifted ignored fields settled."""
    live: Manifest | None = None
    """The live object, when the decision needed it (a `configured` plan always has it)."""

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef.of(self.obj)


@dataclass(frozen=True, slots=True)
class Deferred:
    """An object whose kind or namespace an earlier stage of the same set creates."""

    obj: Manifest


def in_metadata(obj: Manifest | None, key: str, *values: str) -> bool:
    """Whether a label or annotation `key` has one of `values` (compared without case, as Flux does)."""
    metadata = (obj or {}).get("metadata") or {}
    wanted = {value.lower() for value in values}
    return any(str((metadata.get(part) or {}).get(key, "")).lower() in wanted for part in ("labels", "annotations"))


def excluded(obj: Manifest | None) -> bool:
    """`ssa: Ignore` or `reconcile: disabled`: never applied (nor pruned)."""
    return in_metadata(obj, keys.SSA, keys.SSA_IGNORE) or in_metadata(obj, keys.RECONCILE, keys.DISABLED)


def if_not_present(obj: Manifest) -> bool:
    """`ssa: IfNotPresent`: created when missing, never patched."""
    return in_metadata(obj, keys.SSA, keys.SSA_IF_NOT_PRESENT)


def immutable(err: ApiError) -> bool:
    """An error that recreating the object may cure, recognised as kubectl and Flux do."""
    return isinstance(err, Conflict | Invalid) or bool(IMMUTABLE.search(err.message))


def may_recreate(obj: Manifest, live: Manifest | None, err: ApiError, options: ApplyOptions) -> bool:
    """Recreate on an immutable-field error when forced by the options or by either object's annotation."""
    forced = options.force or in_metadata(obj, keys.FORCE, keys.ENABLED) or in_metadata(live, keys.FORCE, keys.ENABLED)
    return live is not None and forced and immutable(err)


def dry_run_failure(ref: ObjectRef, err: ApiError) -> str:
    """Flux's wording for a failed dry-run: the object, the API server's reason and its message."""
    reason = f" ({err.reason})" if err.reason and err.reason != "Unknown" else ""
    return f"{ref} dry-run failed{reason}: {err.message}"


def defines(objects: Iterable[Manifest]) -> tuple[set[GroupKind], set[str]]:
    """The kinds (from CRDs) and namespaces that a set of objects creates."""
    kinds: set[GroupKind] = set()
    namespaces: set[str] = set()
    for obj in objects:
        if is_crd(obj):
            spec = obj.get("spec") or {}
            kinds.add(GroupKind(str(spec.get("group", "")), str((spec.get("names") or {}).get("kind", ""))))
        elif obj.get("kind") == "Namespace" and obj.get("apiVersion") == "v1":
            namespaces.add(str((obj.get("metadata") or {}).get("name", "")))
    return kinds, namespaces


def made_by(objects: Sequence[Manifest]) -> Callable[[Manifest], bool]:
    """Whether an object's kind or namespace is defined by the set itself (its dry-run may have to wait)."""
    kinds, namespaces = defines(objects)

    def defined(obj: Manifest) -> bool:
        ref = ObjectRef.of(obj)
        return GroupKind(group_of(ref.api_version), ref.kind) in kinds or ref.namespace in namespaces

    return defined


class Applier:
    """One staged apply of a set of objects through one connection; use once per revision.

    `recall` remembers what the applies left of each object; pass the same one to every Applier of a
    controller so that a dry-run right after an apply can prove a no-op without reading the object.
    """

    def __init__(
        self, kube: Kube, options: ApplyOptions, watcher: ObjectWatcher | None = None, *, recall: Recall | None = None
    ) -> None:
        self.kube = kube
        self.options = options
        self.watcher = watcher
        self.recall = recall if recall is not None else Recall()
        self._slots = asyncio.Semaphore(options.concurrency)
        self._cleanup = options.cleanup()
        self._before_dry_run = Cleanup(managers=override_managers(options.override_managers_before_dry_run))

    async def apply_staged(self, objects: Iterable[Manifest]) -> ChangeSet:
        """Dry-run everything, then apply stage by stage, waiting for each stage but the last to be ready."""
        objects = list(objects)
        deferrable = made_by(objects)
        planned = await self._fan_out(objects, lambda obj: self.plan(obj, deferrable(obj)), ChangeSet())
        by_ref = {ObjectRef.of(obj): outcome for obj, outcome in zip(objects, planned, strict=True)}
        done = ChangeSet()
        ordered = stages(objects, self.options.custom_stage_kinds)
        for index, (stage, members) in enumerate(ordered):
            stage_plans = [by_ref[ObjectRef.of(obj)] for obj in members]
            late = [p.obj for p in stage_plans if isinstance(p, Deferred)]
            if late:
                fresh = iter(await self._fan_out(late, lambda obj: self.plan(obj, False), done))
                stage_plans = [next(fresh) if isinstance(p, Deferred) else p for p in stage_plans]
            plans = [p for p in stage_plans if isinstance(p, Plan)]
            applied = await self._write(plans, done)
            done += applied
            changed_kinds, _ = defines(p.obj for p in plans if p.action in (Action.CREATED, Action.CONFIGURED))
            for ref, outcome in by_ref.items():
                if isinstance(outcome, Plan) and GroupKind(group_of(ref.api_version), ref.kind) in changed_kinds:
                    by_ref[ref] = Deferred(outcome.obj)  # dry-run again against the new schema
            if index < len(ordered) - 1:
                await self._wait_stage(stage, plans, done)
        return done

    async def plan(self, obj: Manifest, deferrable: bool = False) -> Plan | Deferred:
        """Dry-run one object and decide what applying it means; writes nothing except a takeover the
        options ask for before the dry-run."""
        ref = ObjectRef.of(obj)
        if excluded(obj):
            return Plan(obj=obj, action=Action.SKIPPED)
        if if_not_present(obj) and await self._get(ref) is not None:
            return Plan(obj=obj, action=Action.SKIPPED)
        try:
            dry_run, answered_at, took = await self._dry_run(obj)
        except NotFound as err:
            if deferrable:
                return Deferred(obj)
            raise _Failed(dry_run_failure(ref, err)) from err
        except ApiError as err:
            live = await self._get(ref)
            if excluded(live):
                return Plan(obj=obj, action=Action.SKIPPED)
            if may_recreate(obj, live, err, self.options):
                return Plan(obj=obj, action=Action.CREATED, recreate=True)
            raise _Failed(dry_run_failure(ref, err)) from err
        if excluded(dry_run):
            return Plan(obj=obj, action=Action.SKIPPED)
        merge = merge_managed(obj) or merge_managed(dry_run)
        field_manager = self.options.field_manager
        if self._before_dry_run.managers and not merge and needs_cleanup(dry_run, self._before_dry_run):
            live = await self._get(ref)
            patch = cleanup_patch(live, self._before_dry_run, field_manager) if live else []
            if patch:
                await self.kube.patch(ref, patch, content_type=JSON_PATCH, field_manager=field_manager)
                dry_run, answered_at, took = await self._dry_run(obj)
        if not exists(dry_run):
            return Plan(obj=obj, action=Action.CREATED, dry_run=dry_run)
        cleanup = not merge and needs_cleanup(dry_run, self._cleanup)
        if not cleanup and (
            not maybe_changed(dry_run, field_manager=field_manager, answered_at=answered_at, took=took)
            or self.recall.unchanged(dry_run)
        ):
            return Plan(obj=obj, action=Action.UNCHANGED, dry_run=dry_run)
        live = await self._get(ref)
        if live is None:
            return Plan(obj=obj, action=Action.CREATED, dry_run=dry_run)
        self.recall.remember(live)
        patch = [] if merge else cleanup_patch(live, self._cleanup, field_manager)
        ignored = self.options.ignore.pointers(dry_run)
        if patch or drifted(live, dry_run, ignored):
            payload = self._settle(obj, live, dry_run, ignored, handed_over=bool(patch))
            return Plan(obj=obj, action=Action.CONFIGURED, dry_run=dry_run, patch=patch, payload=payload, live=live)
        return Plan(obj=obj, action=Action.UNCHANGED, dry_run=dry_run, live=live)

    async def plan_all(self, objects: Iterable[Manifest]) -> list[Plan]:
        """Dry-run every object and decide, writing nothing (no takeover either): what an apply would do.

        An object whose kind or namespace does not exist yet is planned as `created`, without a dry-run.
        """
        objects = list(objects)
        deferrable = made_by(objects)
        options = replace(self.options, override_managers_before_dry_run=())
        planner = Applier(self.kube, options, self.watcher, recall=self.recall)
        planned = await self._fan_out(objects, lambda obj: planner.plan(obj, deferrable(obj)), ChangeSet())
        return [Plan(obj=p.obj, action=Action.CREATED) if isinstance(p, Deferred) else p for p in planned]

    def _settle(
        self, obj: Manifest, live: Manifest, dry_run: Manifest, ignored: Sequence[Pointer], *, handed_over: bool
    ) -> Manifest | None:
        """`obj` with its drifted ignored fields settled, or None when none drifted.

        Fields the cleanup patch hands over to us (kubectl's, the override managers') count as ours.
        """
        managers = self._cleanup.managers if handed_over else ()

        def ours(entry: Manifest) -> bool:
            return entry.get("manager") == self.options.field_manager or any(m.matches(entry) for m in managers)

        decisions = settle(live, dry_run, ignored, lambda pointer: owned_by_other_appliers(live, pointer.tokens, ours))
        return settled(obj, decisions) if decisions else None

    async def _write(self, plans: Sequence[Plan], done: ChangeSet) -> ChangeSet:
        """Apply the plans that write, kind rank by kind rank (concurrently within a rank)."""
        writes = {id(p.obj): p for p in plans if p.action in (Action.CREATED, Action.CONFIGURED)}
        results: dict[int, Change] = {}
        for group in rank_groups([p.obj for p in writes.values()]):
            changes = await self._fan_out(group, lambda obj: self._write_one(writes[id(obj)]), done)
            results.update({id(obj): change for obj, change in zip(group, changes, strict=True)})
        return ChangeSet.of(results.get(id(p.obj)) or Change.of(p.ref, p.action) for p in plans)

    async def _write_one(self, plan: Plan) -> Change:
        ref, manager = plan.ref, self.options.field_manager
        try:
            if plan.recreate:
                await self.kube.delete(ref, propagation="Background")
                await wait_deleted(self.kube, ref, timeout=self.options.wait_timeout)
                await self._dry_run(plan.obj)
            if plan.patch:
                await self.kube.patch(ref, plan.patch, content_type=JSON_PATCH, field_manager=manager)
            applied = await self.kube.apply(plan.payload or plan.obj, field_manager=manager, force=True)
            self.recall.remember(applied)
        except NotFound as err:
            if plan.recreate:
                return await self._write_one(replace(plan, recreate=False))
            raise _Failed(f"{ref} apply failed: {err.message}") from err
        except ApiError as err:
            verb = "immutable field detected, recreate failed" if plan.recreate else "apply failed"
            raise _Failed(f"{ref} {verb}: {err.message}") from err
        return Change(ref, str(applied.get("apiVersion") or ref.api_version), plan.action)

    async def _wait_stage(self, stage: Stage, plans: Sequence[Plan], done: ChangeSet) -> None:
        """Wait for a stage's objects to be ready; those the dry-run already showed Current are not watched."""
        pending = [
            p.ref
            for p in plans
            if p.action is not Action.SKIPPED
            and not (p.action is Action.UNCHANGED and p.dry_run and status_of(p.dry_run).status is Status.CURRENT)
        ]
        if not pending:
            return
        result = await wait_ready(self.kube, pending, timeout=self.options.wait_timeout, watcher=self.watcher)
        if not result.ready:
            stage_name = stage.name.lower().replace("_", " ")
            errors = [
                ObjectError(item.ref, f"{item} (waiting for the {stage_name} stage)") for item in result.not_ready
            ]
            raise ApplyError(errors or [ObjectError(pending[0], result.health.message)], done)

    async def _dry_run(self, obj: Manifest) -> tuple[Manifest, datetime | None, float]:
        started = time.monotonic()
        answer, answered_at = await self.kube.dry_run_apply(obj, field_manager=self.options.field_manager)
        return answer, answered_at, time.monotonic() - started

    async def _get(self, ref: ObjectRef) -> Manifest | None:
        try:
            return await self.kube.get(ref)
        except NotFound:
            return None

    async def _fan_out(
        self, objects: Sequence[Manifest], work: Callable[[Manifest], Awaitable[T]], done: ChangeSet
    ) -> list[T]:
        """Run `work` per object with bounded concurrency; collect every failure and raise them once,
        with `done` plus the changes this batch made as the change set so far."""
        results: list[T | ObjectError] = [ObjectError(ObjectRef.of(o), "not run") for o in objects]

        async def one(index: int, obj: Manifest) -> None:
            async with self._slots:
                try:
                    results[index] = await work(obj)
                except _Failed as err:
                    results[index] = ObjectError(ObjectRef.of(obj), str(err))
                except (KubeError, TimeoutError) as err:
                    results[index] = ObjectError(ObjectRef.of(obj), f"{ObjectRef.of(obj)} failed: {err}")

        async with asyncio.TaskGroup() as group:
            for index, obj in enumerate(objects):
                group.create_task(one(index, obj))
        errors = [r for r in results if isinstance(r, ObjectError)]
        if errors:
            made = ChangeSet.of(r for r in results if isinstance(r, Change))
            raise ApplyError(errors, done + made)
        return [r for r in results if not isinstance(r, ObjectError)]


class _Failed(Exception):
    """A per-object failure whose message is ready for the user."""


async def apply_staged(
    kube: Kube,
    objects: Iterable[Manifest],
    options: ApplyOptions,
    *,
    watcher: ObjectWatcher | None = None,
    recall: Recall | None = None,
) -> ChangeSet:
    """Apply a set of objects as Flux's kustomize-controller does and return what changed; raises ApplyError."""
    return await Applier(kube, options, watcher, recall=recall).apply_staged(objects)
