"""`reflow suspend` and `reflow resume`: stop and restart reconciliation by merge-patching `spec.suspend`.

An ArtifactGenerator has no `spec.suspend`; its `source.extensions.fluxcd.io/reconcile` annotation is patched instead.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import click

from reflow.api.meta import ObjectRef
from reflow.cli.console import err, fail, run, step, success
from reflow.cli.nouns import NOTIFICATIONS, RECONCILED, Noun, add_noun_commands, verb_group
from reflow.cli.options import GlobalOptions, global_options
from reflow.cli.progress import wait_reconciled
from reflow.engines.flux.requests import set_suspend
from reflow.engines.flux.state import revision
from reflow.kube.client import Kube, connect


async def targets(kube: Kube, noun: Noun, namespace: str, names: Sequence[str], every: bool) -> list[ObjectRef]:
    """The objects named, or with `--all` every object of the kind in the namespace."""
    if every:
        items = await kube.list_all(noun.api_version, noun.kind, namespace)
        return [ObjectRef(noun.api_version, noun.kind, item["metadata"]["name"], namespace) for item in items]
    refs = [ObjectRef(noun.api_version, noun.kind, name, namespace) for name in names]
    for ref in refs:
        await kube.get(ref)  # NotFound before anything is changed
    return refs


async def suspend_all(options: GlobalOptions, noun: Noun, names: Sequence[str], every: bool) -> None:
    """Suspend each object."""
    async with connect(options.connection) as kube:
        refs = await targets(kube, noun, options.namespace, names, every)
        if not refs:
            fail(f"no {noun.kind} objects found in {options.namespace} namespace")
        for ref in refs:
            step(f"suspending {ref.kind} {ref.name} in {ref.namespace} namespace")
            await set_suspend(kube, ref, True)
            success(f"{ref.kind} suspended")


async def resume_all(options: GlobalOptions, noun: Noun, names: Sequence[str], every: bool, wait: bool) -> None:
    """Resume each object and, with `wait`, wait until its controller reconciled the resumed spec."""
    async with connect(options.connection) as kube:
        refs = await targets(kube, noun, options.namespace, names, every)
        if not refs:
            fail(f"no {noun.kind} objects found in {options.namespace} namespace")
        for ref in refs:
            step(f"resuming {ref.kind} {ref.name} in {ref.namespace} namespace")
            await set_suspend(kube, ref, False)
            success(f"{ref.kind} resumed")
        if not wait or noun.static:
            return
        started = time.monotonic()
        failed = []
        for ref in refs:
            err.print(f"◎ waiting for {ref.kind} {ref.name} reconciliation")
            outcome = await wait_reconciled(kube, ref, token=None, timeout=options.timeout)
            if outcome.ready:
                success(f"{ref.kind} {ref.name} reconciliation completed, revision {revision(outcome.obj) or '-'}")
            else:
                err.print(f"[red]✗[/] {ref.kind} {ref.name}: {outcome.message}")
                failed.append(ref.name)
        if failed:
            fail(f"{len(failed)} of {len(refs)} {noun.kind} objects are not ready: {', '.join(failed)}")
        success(f"all resumed and ready in {time.monotonic() - started:.1f} s")


def _names(noun: Noun, names: tuple[str, ...], every: bool) -> None:
    if every and names:
        raise click.UsageError("give names or --all, not both")
    if not every and not names:
        raise click.UsageError(f"{noun.kind} name is required (or --all)")


def _suspend(noun: Noun) -> click.Command:
    @click.command(
        noun.word,
        help=f"Suspend reconciliation of {noun.kind} objects.\n\n\b\nExamples:\n"
        f"  reflow suspend {noun.phrase} podinfo\n  reflow suspend {noun.phrase} --all",
    )
    @click.argument("names", nargs=-1)
    @click.option("--all", "every", is_flag=True, help="Suspend every object of the kind in the namespace.")
    @global_options
    def command(names: tuple[str, ...], every: bool, options: GlobalOptions) -> None:
        _names(noun, names, every)
        run(suspend_all(options, noun, names, every))

    return command


def _resume(noun: Noun) -> click.Command:
    @click.command(
        noun.word,
        help=f"Resume reconciliation of suspended {noun.kind} objects and wait until they are ready.\n\n\b\n"
        f"Examples:\n  reflow resume {noun.phrase} podinfo\n  reflow resume {noun.phrase} --all --no-wait",
    )
    @click.argument("names", nargs=-1)
    @click.option("--all", "every", is_flag=True, help="Resume every object of the kind in the namespace.")
    @click.option("--wait/--no-wait", default=True, show_default=True, help="Wait until the objects are ready.")
    @global_options
    def command(names: tuple[str, ...], every: bool, wait: bool, options: GlobalOptions) -> None:
        _names(noun, names, every)
        run(resume_all(options, noun, names, every, wait))

    return command


suspend, _suspend_sources = verb_group("suspend", "Suspend reconciliation of Flux objects.")
add_noun_commands(suspend, _suspend_sources, _suspend, RECONCILED + NOTIFICATIONS)
resume, _resume_sources = verb_group("resume", "Resume reconciliation of suspended Flux objects.")
add_noun_commands(resume, _resume_sources, _resume, RECONCILED + NOTIFICATIONS)
