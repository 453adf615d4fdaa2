"""The tools that change objects, offered only with `--allow-write`: reconcile, suspend and resume."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reflow.api.meta import ObjectRef
from reflow.cli.mcptools.settings import Settings
from reflow.cli.nouns import APPLIERS, NOTIFICATIONS, RECONCILED
from reflow.cli.reconcile import reconcile_with_source
from reflow.cli.suspend import resume_all, suspend_all
from reflow.engines.flux.state import revision
from reflow.mcp.tool import NAMESPACE, BadArguments, Param, Tool

RECONCILABLE = {noun.kind: noun for noun in RECONCILED}
SUSPENDABLE = {noun.kind: noun for noun in RECONCILED + NOTIFICATIONS}
NAME = Param(name="name", type="string", description="Name of the object.", required=True)


async def reconcile(settings: Settings, arguments: Mapping[str, Any]) -> str:
    noun = RECONCILABLE[arguments["kind"]]
    if arguments["with_source"] and noun not in APPLIERS:
        raise BadArguments("with_source is for Kustomizations and HelmReleases")
    options = settings.namespace(arguments)
    ref = ObjectRef(noun.api_version, noun.kind, arguments["name"], options.namespace)
    obj = await reconcile_with_source(options, ref, arguments["with_source"])
    return f"{ref} reconciled; revision {revision(obj) or '-'}\n"


async def suspend(settings: Settings, arguments: Mapping[str, Any]) -> str:
    noun = SUSPENDABLE[arguments["kind"]]
    options = settings.namespace(arguments)
    await suspend_all(options, noun, [arguments["name"]], every=False)
    return f"{noun.kind}/{options.namespace}/{arguments['name']} suspended\n"


async def resume(settings: Settings, arguments: Mapping[str, Any]) -> str:
    noun = SUSPENDABLE[arguments["kind"]]
    options = settings.namespace(arguments)
    await resume_all(options, noun, [arguments["name"]], every=False, wait=arguments["wait"])
    ready = " and reconciled" if arguments["wait"] and not noun.static else ""
    return f"{noun.kind}/{options.namespace}/{arguments['name']} resumed{ready}\n"


def _kind(kinds: Mapping[str, object]) -> Param:
    return Param(name="kind", type="string", description="Flux kind of the object.", enum=tuple(kinds), required=True)


WRITE_TOOLS = (
    Tool(
        name="reconcile",
        description="Ask the controller to reconcile a Flux object now and wait for the outcome "
        "(as `reflow reconcile`).",
        params=(
            _kind(RECONCILABLE),
            NAME,
            NAMESPACE,
            Param(
                name="with_source",
                type="boolean",
                default=False,
                description="For a Kustomization or HelmRelease: reconcile its source first.",
            ),
        ),
        run=reconcile,
        writes=True,
    ),
    Tool(
        name="suspend",
        description="Stop reconciling a Flux object by setting spec.suspend (as `reflow suspend`).",
        params=(_kind(SUSPENDABLE), NAME, NAMESPACE),
        run=suspend,
        writes=True,
    ),
    Tool(
        name="resume",
        description="Reconcile a suspended Flux object again by clearing spec.suspend (as `reflow resume`).",
        params=(
            _kind(SUSPENDABLE),
            NAME,
            NAMESPACE,
            Param(name="wait", type="boolean", default=False, description="Wait until the object is reconciled."),
        ),
        run=resume,
        writes=True,
    ),
)
