"""`reflow get`: sources, Kustomizations and HelmReleases as Flux's tables, or as JSON/YAML, once or watched."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import click

from reflow.api.meta import Manifest, ObjectRef
from reflow.cli.console import err, fail, out, run
from reflow.cli.nouns import ALL, IMAGES, NOTIFICATIONS, SOURCES, Noun, add_noun_commands, verb_group
from reflow.cli.options import GlobalOptions, global_options
from reflow.cli.render import table, to_json, to_yaml
from reflow.engines.flux.state import ready, revision, suspended
from reflow.engines.flux.trace import diagnosis
from reflow.kube.client import Kube, connect
from reflow.kube.errors import Gone, NotFound, Unreachable

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True, slots=True)
class StatusSelector:
    """`--status-selector ready=false`: keep objects whose condition of `type` has (or lacks) `status`."""

    type: str
    status: str
    negate: bool = False

    @classmethod
    def parse(cls, text: str) -> StatusSelector:
        """`<condition>=<status>` or `<condition>!=<status>`, case-insensitive; raises BadParameter otherwise."""
        negate = "!=" in text
        key, sep, value = text.partition("!=" if negate else "=")
        if not sep or not key or not value:
            raise click.BadParameter(f"{text!r} is not <condition>=<status>", param_hint="--status-selector")
        return cls(key.strip().lower(), value.strip().lower(), negate)

    def matches(self, obj: Manifest) -> bool:
        """Whether the object passes the selector (an absent condition counts as Unknown)."""
        found = next(
            (c for c in (obj.get("status") or {}).get("conditions") or [] if str(c.get("type")).lower() == self.type),
            None,
        )
        status = str((found or {}).get("status", "Unknown")).lower()
        return (status == self.status) != self.negate


HEADERS = ("NAME", "REVISION", "SUSPENDED", "READY", "MESSAGE")


def row(obj: Manifest, *, all_namespaces: bool, prefix_kind: bool = False) -> list[str]:
    """One table row: [NAMESPACE] NAME REVISION SUSPENDED READY MESSAGE."""
    name = obj["metadata"]["name"]
    if prefix_kind:
        name = f"{obj['kind'].lower()}/{name}"
    status, message = ready(obj)
    cells = [name, revision(obj), str(suspended(obj)), status, message]
    return [obj["metadata"].get("namespace", ""), *cells] if all_namespaces else cells


def headers(all_namespaces: bool) -> tuple[str, ...]:
    """The table's header row."""
    return ("NAMESPACE", *HEADERS) if all_namespaces else HEADERS


def select(objects: Iterable[Manifest], selector: StatusSelector | None) -> list[Manifest]:
    """Objects passing the status selector, sorted by namespace and name."""
    kept = [obj for obj in objects if selector is None or selector.matches(obj)]
    return sorted(kept, key=lambda obj: (obj["metadata"].get("namespace", ""), obj["metadata"]["name"]))


def _flags(command: F) -> F:
    decorated: Any = command
    for flag in (
        click.option(
            "-o",
            "--output",
            type=click.Choice(["table", "wide", "json", "yaml"]),
            default="table",
            show_default=True,
            help="wide: the table plus the root cause of each object that is not Ready.",
        ),
        click.option("--no-header", is_flag=True, help="Leave out the table header."),
        click.option("--status-selector", help="Keep objects by condition, e.g. ready=false or ready!=true."),
        click.option("-l", "--label-selector", help="Keep objects by label, e.g. app=podinfo."),
        click.option("-w", "--watch", is_flag=True, help="After listing, print each change until --timeout."),
        click.option("-A", "--all-namespaces", is_flag=True, help="List objects in every namespace."),
    ):
        decorated = flag(decorated)
    return decorated  # type: ignore[no-any-return]


@dataclass(frozen=True, slots=True, kw_only=True)
class Listing:
    """What to list and how to show it."""

    nouns: tuple[Noun, ...]
    options: GlobalOptions
    all_namespaces: bool
    label_selector: str | None
    selector: StatusSelector | None
    output: str
    header: bool
    name: str | None = None
    """One object by name; it must exist."""

    @property
    def namespace(self) -> str | None:
        """The namespace to list, None for all of them."""
        return None if self.all_namespaces else self.options.namespace

    @property
    def field_selector(self) -> str | None:
        """Selects the named object, when a name is given."""
        return f"metadata.name={self.name}" if self.name else None


async def _list(kube: Kube, listing: Listing, noun: Noun, *, required: bool) -> list[Manifest] | None:
    try:
        if listing.name:
            page = await kube.list(
                noun.api_version, noun.kind, listing.namespace, field_selector=listing.field_selector
            )
            items = page.get("items") or []
            if not items:
                where = "any" if listing.all_namespaces else f"'{listing.options.namespace}'"
                fail(f"{noun.kind} object '{listing.name}' not found in {where} namespace", "check the name and -n")
        else:
            items = await kube.list_all(
                noun.api_version, noun.kind, listing.namespace, label_selector=listing.label_selector
            )
    except NotFound:
        if required:
            raise
        return None
    for item in items:
        item.setdefault("apiVersion", noun.api_version)
        item.setdefault("kind", noun.kind)
    return select(items, listing.selector)


Found = list[tuple[Noun, list[Manifest]]]
"""Each noun that has objects, with its objects."""


async def collect(listing: Listing) -> tuple[Found, dict[ObjectRef, str] | None]:
    """Each noun's objects (nouns without any left out), and with `-o wide` the root causes."""
    several = len(listing.nouns) > 1
    async with connect(listing.options.connection) as kube:
        found: Found = []
        for noun in listing.nouns:
            items = await _list(kube, listing, noun, required=not several)
            if items:
                found.append((noun, items))
        causes = await root_causes(kube, listing, [obj for _, items in found for obj in items])
    return found, causes


def tables(listing: Listing, found: Found, causes: dict[ObjectRef, str] | None) -> str:
    """One table per kind, as `get` prints them (empty when nothing was found)."""
    several = len(listing.nouns) > 1
    blocks = []
    for _, items in found:
        rows = [row(obj, all_namespaces=listing.all_namespaces, prefix_kind=several) for obj in items]
        names = headers(listing.all_namespaces)
        if causes is not None:
            rows = [[*cells, causes.get(ObjectRef.of(obj), "")] for cells, obj in zip(rows, items, strict=True)]
            names = (*names, "ROOT CAUSE")
        blocks.append(table(names, rows, header=listing.header))
    return "\n".join(blocks)


def nothing_found(listing: Listing) -> str:
    """`no <Kind> objects found in <namespace> namespace`."""
    where = "any namespace" if listing.all_namespaces else f"{listing.options.namespace} namespace"
    what = "objects" if len(listing.nouns) > 1 else f"{listing.nouns[0].kind} objects"
    return f"no {what} found in {where}"


async def show(listing: Listing) -> None:
    """List each noun's objects and print them; for several nouns, one table per kind that has objects."""
    found, causes = await collect(listing)
    if listing.output not in ("table", "wide"):
        objects = [obj for _, items in found for obj in items]
        if listing.output == "json":
            out.out(to_json({"apiVersion": "v1", "kind": "List", "items": objects}), end="", highlight=False)
        else:
            out.out(to_yaml(objects), end="", highlight=False)
        return
    if not found:
        err.print(f"[red]✗[/] {nothing_found(listing)}")
        return
    out.out(tables(listing, found, causes), end="", highlight=False)


async def root_causes(kube: Kube, listing: Listing, objects: Sequence[Manifest]) -> dict[ObjectRef, str] | None:
    """With `-o wide`, the root cause of each object that is not Ready (the end of its why-chain); else None."""
    if listing.output != "wide":
        return None
    causes: dict[ObjectRef, str] = {}
    for obj in objects:
        if ready(obj)[0] != "True":
            chain = await diagnosis(kube, ObjectRef.of(obj))
            if len(chain) > 1:
                causes[ObjectRef.of(obj)] = str(chain[-1])
    return causes


async def follow(listing: Listing) -> None:
    """Print the table, then one row for every change, until the global --timeout passes."""
    noun = listing.nouns[0]
    printed_header = not listing.header
    with contextlib.suppress(TimeoutError):
        async with connect(listing.options.connection) as kube, asyncio.timeout(listing.options.timeout):
            while True:
                page = await kube.list(
                    noun.api_version,
                    noun.kind,
                    listing.namespace,
                    label_selector=listing.label_selector,
                    field_selector=listing.field_selector,
                )
                items = select(page.get("items") or [], listing.selector)
                rows = [row(obj, all_namespaces=listing.all_namespaces) for obj in items]
                text = table(headers(listing.all_namespaces), rows, header=not printed_header)
                out.out(text, end="", highlight=False)
                printed_header = True
                version = page["metadata"]["resourceVersion"]
                try:
                    async for event in kube.watch(
                        noun.api_version,
                        noun.kind,
                        listing.namespace,
                        resource_version=version,
                        label_selector=listing.label_selector,
                        field_selector=listing.field_selector,
                    ):
                        if event.type == "ERROR":
                            break
                        if event.type in ("BOOKMARK", "DELETED"):
                            continue
                        if listing.selector is None or listing.selector.matches(event.object):
                            cells = row(event.object, all_namespaces=listing.all_namespaces)
                            line = table(headers(listing.all_namespaces), [cells], header=False)
                            out.out(line, end="", highlight=False)
                except (Gone, Unreachable):
                    continue


def _listing(nouns: Sequence[Noun], options: GlobalOptions, flags: dict[str, Any], name: str | None = None) -> Listing:
    selector = StatusSelector.parse(flags["status_selector"]) if flags["status_selector"] else None
    return Listing(
        nouns=tuple(nouns),
        options=options,
        all_namespaces=flags["all_namespaces"],
        label_selector=flags["label_selector"],
        selector=selector,
        output=flags["output"],
        header=not flags["no_header"],
        name=name,
    )


def _get_command(noun: Noun) -> click.Command:
    @click.command(
        noun.word,
        help=f"List {noun.kind} objects (or one by name) and their status.\n\n\b\nExamples:\n"
        f"  reflow get {noun.phrase} -A\n  reflow get {noun.phrase} --status-selector ready=false -o yaml",
    )
    @click.argument("name", required=False)
    @_flags
    @global_options
    def command(name: str | None, options: GlobalOptions, **flags: Any) -> None:
        listing = _listing([noun], options, flags, name)
        if flags["watch"]:
            if listing.output != "table":
                fail("--watch prints tables only; drop -o", code=2)
            run(follow(listing))
        else:
            run(show(listing))

    return command


def _get_many(phrase: str, nouns: tuple[Noun, ...], what: str) -> click.Command:
    @click.command(
        "all",
        help=f"List {what} and their status, one table per kind.\n\n\b\nExample:\n  reflow get {phrase} -A",
    )
    @_flags
    @global_options
    def command(options: GlobalOptions, **flags: Any) -> None:
        if flags["watch"]:
            fail(f"--watch needs a single kind; `get {phrase}` lists several", code=2)
        run(show(_listing(nouns, options, flags)))

    return command


def build() -> click.Group:
    """The `get` group with a command per noun, `get sources all`, `get images all` and `get all`."""
    group, sources = verb_group("get", "List Flux objects and their status.")
    add_noun_commands(group, sources, _get_command, ALL + NOTIFICATIONS)
    group.add_command(
        _get_many("all", ALL, "every source, Kustomization, HelmRelease, ArtifactGenerator, Receiver and image object")
    )
    sources.add_command(_get_many("sources all", SOURCES, "every source"))
    images = group.commands["image"]
    assert isinstance(images, click.Group)
    images.add_command(_get_many("images all", IMAGES, "every image automation object"))
    return group


get = build()
