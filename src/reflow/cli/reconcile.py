"""`reflow reconcile`: ask a controller to reconcile an object now, and wait until it reports back."""

from __future__ import annotations

from typing import Any

import click

from reflow.api.meta import Manifest, ObjectRef
from reflow.cli.console import err, fail, run, step, success
from reflow.cli.nouns import APPLIERS, BY_KIND, RECONCILED, Noun, add_noun_commands, verb_group
from reflow.cli.options import GlobalOptions, global_options
from reflow.cli.progress import wait_reconciled
from reflow.engines.flux.requests import request_reconcile
from reflow.engines.flux.state import revision, source_of, suspended
from reflow.kube.client import Kube, connect

REPORT = {
    "Kustomization": "applied revision",
    "HelmRelease": "applied revision",
    "ArtifactGenerator": "generated artifacts from sources digest",
}


async def reconcile_object(kube: Kube, ref: ObjectRef, timeout: float) -> Manifest:
    """Annotate the object with a new request token and wait for its controller to handle it; exit 1 on failure."""
    obj = await kube.get(ref)
    if suspended(obj):
        fail(f"{ref} is suspended", f"resume it first: reflow resume {BY_KIND[ref.kind].phrase} {ref.name}")
    step(f"annotating {ref.kind} {ref.name} in {ref.namespace} namespace")
    token = await request_reconcile(kube, ref)
    success(f"{ref.kind} annotated")
    err.print(f"◎ waiting for {ref.kind} reconciliation")
    outcome = await wait_reconciled(kube, ref, token=token, timeout=timeout)
    if not outcome.ready:
        fail(f"{ref.kind} reconciliation failed: {outcome.message}", f"reflow events --for {ref.kind}/{ref.name}")
    verb = REPORT.get(ref.kind, "fetched revision")
    found = revision(outcome.obj)
    what = f"{verb} {found}" if found else f"{ref.kind} reconciliation completed"
    success(f"{what} in {outcome.seconds:.1f} s")
    return outcome.obj


async def reconcile_with_source(options: GlobalOptions, ref: ObjectRef, with_source: bool) -> Manifest:
    """Reconcile the object, after its source when asked to; the object as its controller left it."""
    async with connect(options.connection) as kube:
        if with_source:
            obj = await kube.get(ref)
            source = source_of(obj)
            if source is None or BY_KIND[source.kind] not in RECONCILED:
                fail(f"{ref} has no source the CLI can reconcile")
            await reconcile_object(kube, source, options.timeout)
        return await reconcile_object(kube, ref, options.timeout)


def _command(noun: Noun) -> click.Command:
    applier = noun in APPLIERS

    @click.command(
        noun.word,
        help=f"Ask the controller to reconcile a {noun.kind} now and wait until it has.\n\n"
        f"\b\nExample:\n  reflow reconcile {noun.phrase} podinfo{' --with-source' if applier else ''}",
    )
    @click.argument("name")
    @global_options
    def command(name: str, options: GlobalOptions, **flags: Any) -> None:
        ref = ObjectRef(noun.api_version, noun.kind, name, options.namespace)
        run(reconcile_with_source(options, ref, bool(flags.get("with_source"))))

    if applier:
        command = click.option("--with-source", is_flag=True, help="Reconcile the source first.")(command)
    return command


reconcile, _sources = verb_group("reconcile", "Reconcile a Flux object now, and wait for the outcome.")
add_noun_commands(reconcile, _sources, _command, RECONCILED)
