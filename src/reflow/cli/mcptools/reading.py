"""The tools that only read: list, get, trace, tree, events, logs, diff and build, each through the CLI's own code."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from reflow.api.meta import Manifest, ObjectRef
from reflow.cli.build import build_local, kustomization_from_file
from reflow.cli.diff import DiffFlags, diff_local
from reflow.cli.events import TYPES, EventQuery, events_table, listed, no_events
from reflow.cli.get import Found, Listing, collect, nothing_found, tables
from reflow.cli.helmbuild import diff_local_release, helmrelease_from_file
from reflow.cli.logs import LEVELS, LogFilter, file_lines, pod_lines
from reflow.cli.mcptools.settings import Settings
from reflow.cli.nouns import ALL, BY_KIND, HELMRELEASE, KUSTOMIZATION, NOTIFICATIONS
from reflow.cli.options import GlobalOptions
from reflow.cli.render import to_json, to_yaml
from reflow.cli.trace import resolve_kind, trace_object
from reflow.cli.tree import tree_of
from reflow.engines.build import dump
from reflow.engines.build.mask import mask_secret_values
from reflow.engines.flux.diff import Outcome, outcome_text
from reflow.engines.flux.localbuild import live_kustomization, variable_sources
from reflow.engines.inventory import draw
from reflow.engines.notify.send import mask
from reflow.kube.client import connect
from reflow.kube.options import default_namespace
from reflow.mcp.bounds import PAGE_LIMIT, PAGE_MAX, page, window
from reflow.mcp.tool import NAMESPACE, OFFSET, Param, Tool

LISTED = ALL + NOTIFICATIONS
KINDS = {noun.kind: noun for noun in LISTED}
NAME = Param(name="name", type="string", description="Name of the object.", required=True)
PATH = Param(
    name="path",
    type="string",
    required=True,
    description="Local directory standing for the Kustomization's spec.path (absolute, or relative to "
    "the server's working directory).",
)
HR_FILE = Param(name="file", type="string", required=True, description="YAML file with the HelmRelease.")
CHART = Param(name="chart", type="string", required=True, description="Local chart: a folder or a .tgz.")
KS_FILE = Param(
    name="kustomization_file",
    type="string",
    description="YAML file with the Flux Kustomization (else it is read from the cluster).",
)


HIDDEN_LENGTH = 4
"""Values substituted from a Secret are hidden from this length on: a shorter one is no secret, and hiding it
would mangle the text."""


async def substituted_secrets(options: GlobalOptions, name: str, file: Path | None) -> tuple[str, ...]:
    """The values the Kustomization substitutes from Secrets (`postBuild.substituteFrom`), to hide where a build
    shows them."""
    async with connect(options.connection) as kube:
        ks = kustomization_from_file(file, name, options.namespace) if file else None
        ks = ks or await live_kustomization(kube, name, options.namespace)
        found = await variable_sources(kube, ks)
    values = {value for kind, variables in found if kind == "Secret" for value in variables.values()}
    return tuple(sorted((value for value in values if len(value) >= HIDDEN_LENGTH), key=len, reverse=True))


def _path(value: str | None) -> Path | None:
    return Path(value).expanduser() if value else None


def _resolved(value: str) -> Path:
    """helm needs an absolute chart path."""
    return Path(value).expanduser().resolve()


async def list_objects(settings: Settings, arguments: Mapping[str, Any]) -> str:
    kind = arguments["kind"]
    nouns = LISTED if kind == "all" else (KINDS[kind],)
    listing = Listing(
        nouns=nouns,
        options=settings.namespace(arguments),
        all_namespaces=arguments["all_namespaces"],
        label_selector=arguments["label_selector"],
        selector=None,
        output="table",
        header=True,
    )
    found, _ = await collect(listing)
    flat = [(noun, obj) for noun, items in found for obj in items]
    chosen, note = page(flat, arguments["offset"], arguments["limit"])
    regrouped: Found = []
    for noun, obj in chosen:
        if not regrouped or regrouped[-1][0] != noun:
            regrouped.append((noun, []))
        regrouped[-1][1].append(obj)
    return window(tables(listing, regrouped, None) + note) if regrouped else nothing_found(listing) + "\n"


def shown(obj: Manifest) -> Manifest:
    """The object as a tool shows it: Secret values masked, managedFields left out."""
    metadata = {k: v for k, v in (obj.get("metadata") or {}).items() if k != "managedFields"}
    return mask_secret_values({**obj, "metadata": metadata})


async def get_object(settings: Settings, arguments: Mapping[str, Any]) -> str:
    options = settings.namespace(arguments)
    kind, api_version = arguments["kind"], arguments["api_version"]
    async with connect(options.connection) as kube:
        if not api_version:
            noun = KINDS.get(kind) or next((n for n in LISTED if n.kind.lower() == kind.lower()), None)
            if noun is None:
                raise ValueError(f"{kind} is not a Flux kind: give its api_version too (e.g. v1 for Secret)")
            kind, api_version = noun.kind, noun.api_version
        kind = await resolve_kind(kube, api_version, kind)
        obj = shown(await kube.get(ObjectRef(api_version, kind, arguments["name"], options.namespace)))
    text = to_json(obj) if arguments["output"] == "json" else to_yaml([obj])
    return window(text, arguments["offset"])


async def trace(settings: Settings, arguments: Mapping[str, Any]) -> str:
    options = settings.namespace(arguments)
    text = await trace_object(options, arguments["name"], arguments["kind"], arguments["api_version"])
    return window(text, arguments["offset"])


async def tree(settings: Settings, arguments: Mapping[str, Any]) -> str:
    noun = BY_KIND[arguments["kind"]]
    node = await tree_of(settings.namespace(arguments), arguments["name"], arguments["compact"], noun)
    return window(draw(node), arguments["offset"])


async def events(settings: Settings, arguments: Mapping[str, Any]) -> str:
    options = settings.namespace(arguments)
    involved = f"{arguments['kind']}/{arguments['name']}" if arguments["name"] else None
    types = (arguments["type"],) if arguments["type"] else ()
    query = EventQuery(options.namespace, involved, types)
    async with connect(options.connection) as kube:
        found, _ = await listed(kube, query)
    return window(events_table(query, found) if found else no_events(query) + "\n", arguments["offset"])


async def logs(settings: Settings, arguments: Mapping[str, Any]) -> str:
    options = settings.namespace(arguments)
    keep = LogFilter(
        kind=arguments["kind"], name=arguments["name"], namespace=options.namespace, level=arguments["level"]
    )
    tail = arguments["tail"]
    if settings.log_file is not None:
        lines = await file_lines(settings.log_file, keep, tail)
    else:
        flux_namespace = arguments["flux_namespace"] or default_namespace()
        lines = await pod_lines(options, flux_namespace, keep, tail, None)
    text = "".join(f"{line}\n" for line in lines) or "no matching log lines\n"
    return window(text, arguments["offset"])


def _outcome(outcome: Outcome) -> str:
    text = outcome_text(outcome) or "nothing would change\n"
    if outcome.errors:
        text += "errors:\n" + "".join(f"{error}\n" for error in outcome.errors)
    return text


async def diff_kustomization(settings: Settings, arguments: Mapping[str, Any]) -> str:
    flags = DiffFlags(
        kustomization_file=_path(arguments["kustomization_file"]),
        ignore_paths=(),
        progress_bar=False,
        ignore_not_found=False,
        strict_substitute=False,
    )
    options = settings.namespace(arguments)
    path = _path(arguments["path"])
    assert path is not None
    text = _outcome(await diff_local(arguments["name"], path, flags, options))
    hidden = await substituted_secrets(options, arguments["name"], flags.kustomization_file)
    return window(mask(text, hidden), arguments["offset"])


async def diff_helmrelease(settings: Settings, arguments: Mapping[str, Any]) -> str:
    options = settings.namespace(arguments)
    file, chart = _path(arguments["file"]), await asyncio.to_thread(_resolved, arguments["chart"])
    assert file is not None
    hr = helmrelease_from_file(file, arguments["name"], options.namespace)
    return window(_outcome(await diff_local_release(options, hr, chart)), arguments["offset"])


async def build_kustomization(settings: Settings, arguments: Mapping[str, Any]) -> str:
    path, file, options = (
        _path(arguments["path"]),
        _path(arguments["kustomization_file"]),
        settings.namespace(arguments),
    )
    assert path is not None
    built = await build_local(arguments["name"], path, file=file, dry_run=arguments["dry_run"], options=options)
    text = "---\n".join(dump(mask_secret_values(obj)) for obj in built.objects)
    hidden = () if arguments["dry_run"] else await substituted_secrets(options, arguments["name"], file)
    return window(mask(text, hidden), arguments["offset"])


def _kind(kinds: Sequence[str], description: str, *, required: bool = True, default: str | None = None) -> Param:
    return Param(
        name="kind", type="string", description=description, enum=tuple(kinds), required=required, default=default
    )


APPLIER_KINDS = (KUSTOMIZATION.kind, HELMRELEASE.kind)
READ_TOOLS = (
    Tool(
        name="list_objects",
        description="List Flux objects of a kind (or all kinds) with revision, suspension and Ready status, "
        "as `reflow get` shows them.",
        params=(
            _kind(("all", *KINDS), "Flux kind to list, or all."),
            NAMESPACE,
            Param(name="all_namespaces", type="boolean", description="List every namespace.", default=False),
            Param(name="label_selector", type="string", description="Keep objects by label, e.g. app=web."),
            Param(
                name="limit",
                type="integer",
                description="Objects per page.",
                default=PAGE_LIMIT,
                minimum=1,
                maximum=PAGE_MAX,
            ),
            Param(
                name="offset",
                type="integer",
                description="Skip this many objects (the previous page names it).",
                default=0,
                minimum=0,
            ),
        ),
        run=list_objects,
    ),
    Tool(
        name="get_object",
        description="Show one object as YAML or JSON (Secret values always masked).",
        params=(
            Param(name="kind", type="string", required=True, description="Kind, e.g. Kustomization or Deployment."),
            NAME,
            Param(
                name="api_version",
                type="string",
                description="API version, e.g. apps/v1; may be left out for Flux kinds.",
            ),
            NAMESPACE,
            Param(name="output", type="string", description="Format.", enum=("yaml", "json"), default="yaml"),
            OFFSET,
        ),
        run=get_object,
    ),
    Tool(
        name="trace",
        description="Follow an object to the Kustomization or HelmRelease that applied it and on to its source, "
        "with why it is not Ready (as `reflow trace`).",
        params=(
            NAME,
            Param(name="kind", type="string", required=True, description="Kind of the object, e.g. Deployment."),
            Param(name="api_version", type="string", required=True, description="API version, e.g. apps/v1."),
            NAMESPACE,
            OFFSET,
        ),
        run=trace,
    ),
    Tool(
        name="tree",
        description="Draw the objects a Kustomization or HelmRelease applied, nested under the appliers among "
        "them (as `reflow tree`).",
        params=(
            _kind(APPLIER_KINDS, "Kind of the applier.", required=False, default=KUSTOMIZATION.kind),
            NAME,
            NAMESPACE,
            Param(name="compact", type="boolean", description="Only Flux's own objects.", default=False),
            OFFSET,
        ),
        run=tree,
    ),
    Tool(
        name="events",
        description="Kubernetes events of a Flux object (or of the namespace), oldest first (as `reflow events`).",
        params=(
            _kind(tuple(KINDS), "Kind of the object (with name).", required=False, default=KUSTOMIZATION.kind),
            Param(
                name="name",
                type="string",
                description="Name of the object; every event of the namespace when left out.",
            ),
            NAMESPACE,
            Param(name="type", type="string", description="Only events of this type.", enum=TYPES),
            OFFSET,
        ),
        run=events,
    ),
    Tool(
        name="logs",
        description="Controller log lines about an object (as `reflow logs`), from the controller Pods or the "
        "server's --log-file.",
        params=(
            _kind(tuple(KINDS), "Kind of the object.", required=False),
            Param(name="name", type="string", description="Name of the object."),
            NAMESPACE,
            Param(name="level", type="string", description="Only lines of this level.", enum=LEVELS),
            Param(
                name="flux_namespace",
                type="string",
                description="Namespace of the controller Pods, as the CLI's --flux-namespace (default: flux-system, "
                "or $FLUX_SYSTEM_NAMESPACE).",
            ),
            Param(
                name="tail",
                type="integer",
                description="Only the last N matching lines.",
                default=200,
                minimum=1,
                maximum=5000,
            ),
            OFFSET,
        ),
        run=logs,
    ),
    Tool(
        name="diff_kustomization",
        description="Dry-run a local directory as a Kustomization would apply it and show what would be created, "
        "drifted or deleted (as `reflow diff kustomization --path`; Secret values masked).",
        params=(NAME, PATH, KS_FILE, NAMESPACE, OFFSET),
        run=diff_kustomization,
    ),
    Tool(
        name="diff_helmrelease",
        description="Render a HelmRelease from a local chart and dry-run it against the cluster "
        "(as `reflow diff helmrelease`; Secret values masked).",
        params=(NAME, HR_FILE, CHART, NAMESPACE, OFFSET),
        run=diff_helmrelease,
    ),
    Tool(
        name="build_kustomization",
        description="Build a local directory as a Kustomization would and return the manifests "
        "(as `reflow build kustomization`; every Secret value masked).",
        params=(
            NAME,
            PATH,
            KS_FILE,
            Param(
                name="dry_run",
                type="boolean",
                default=False,
                description="Do not read the cluster (needs kustomization_file; substituteFrom is skipped).",
            ),
            NAMESPACE,
            OFFSET,
        ),
        run=build_kustomization,
    ),
)
