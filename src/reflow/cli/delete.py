"""`reflow delete`: delete Flux objects, after a confirmation unless `--silent`."""

from __future__ import annotations

import click

from reflow.api.meta import ObjectRef
from reflow.cli.console import fail, run, step, success
from reflow.cli.nouns import ALL, NOTIFICATIONS, Noun, add_noun_commands, verb_group
from reflow.cli.options import GlobalOptions, global_options
from reflow.kube.client import connect
from reflow.kube.wait import WaitTimeout, wait_deleted


async def delete_object(options: GlobalOptions, ref: ObjectRef, *, silent: bool) -> None:
    """Delete one object once it is known to exist, and wait until it is gone (finalizers run)."""
    async with connect(options.connection) as kube:
        await kube.get(ref)
        if not silent:
            question = f"Are you sure you want to delete {ref.kind} {ref.name} in {ref.namespace} namespace?"
            if not click.confirm(question, err=True):
                fail("deletion aborted", code=1)
        step(f"deleting {ref.kind} {ref.name} in {ref.namespace} namespace")
        await kube.delete(ref)
        try:
            await wait_deleted(kube, ref, timeout=options.timeout)
        except WaitTimeout as error:
            fail(str(error), "a finalizer holds it; is its controller running? `reflow check`")
        success(f"{ref.kind} deleted")


def _command(noun: Noun) -> click.Command:
    @click.command(
        noun.word,
        help=f"Delete a {noun.kind}.\n\n\b\nExample:\n  reflow delete {noun.phrase} podinfo --silent",
    )
    @click.argument("name")
    @click.option("-s", "--silent", is_flag=True, help="Delete without asking for confirmation.")
    @global_options
    def command(name: str, silent: bool, options: GlobalOptions) -> None:
        run(delete_object(options, ObjectRef(noun.api_version, noun.kind, name, options.namespace), silent=silent))

    return command


delete, _sources = verb_group("delete", "Delete Flux objects.")
add_noun_commands(delete, _sources, _command, ALL + NOTIFICATIONS)
