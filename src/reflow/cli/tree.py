"""`reflow tree`: the objects a Kustomization applied, nested for the Flux appliers among them.

`tree artifactgenerator` starts one level up: the generator's ExternalArtifacts and the appliers reading each one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from reflow.api.meta import ObjectRef
from reflow.cli.console import out, run
from reflow.cli.nouns import GENERATOR, KUSTOMIZATION, Noun
from reflow.cli.options import GlobalOptions, global_options
from reflow.cli.render import to_json, to_yaml
from reflow.engines.flux.tree import generator_inventories, inventories
from reflow.engines.inventory import Node, build_tree, draw
from reflow.kube.client import connect

F = TypeVar("F", bound=Callable[..., Any])


async def generator_tree(options: GlobalOptions, name: str, compact: bool) -> Node:
    """The tree under one ArtifactGenerator: its ExternalArtifacts, their consumers, and what those applied."""
    root = ObjectRef(GENERATOR.api_version, GENERATOR.kind, name, options.namespace)
    async with connect(options.connection) as kube:
        return build_tree(root, await generator_inventories(kube, root), compact=compact)


def print_tree(node: Node, output: str) -> None:
    if output == "json":
        out.out(to_json(node.as_dict()), end="", highlight=False)
    elif output == "yaml":
        out.out(to_yaml([node.as_dict()]), end="", highlight=False)
    else:
        out.out(draw(node), end="", highlight=False)


async def tree_of(options: GlobalOptions, name: str, compact: bool, noun: Noun = KUSTOMIZATION) -> Node:
    """The tree under one Kustomization (or another applier: a HelmRelease)."""
    root = ObjectRef(noun.api_version, noun.kind, name, options.namespace)
    async with connect(options.connection) as kube:
        return build_tree(root, await inventories(kube, root), compact=compact)


def _tree_flags(command: F) -> F:
    """The name argument and the options every `tree` command takes."""
    decorated: Any = global_options(command)
    decorated = click.option(
        "-o", "--output", type=click.Choice(["tree", "json", "yaml"]), default="tree", show_default=True
    )(decorated)
    decorated = click.option("--compact", is_flag=True, help="Show only Flux's own objects.")(decorated)
    return click.argument("name")(decorated)  # type: ignore[no-any-return]


@click.group()
def tree() -> None:
    """Show the objects Flux appliers manage, as a tree."""


@tree.command("kustomization")
@_tree_flags
def tree_kustomization(name: str, compact: bool, output: str, options: GlobalOptions) -> None:
    """Print the objects a Kustomization applied, and under each Kustomization or HelmRelease its own.

    \b
    Examples:
      reflow tree kustomization flux-system
      reflow tree ks apps --compact -o yaml
    """
    print_tree(run(tree_of(options, name, compact)), output)


tree.add_command(tree_kustomization, "ks")


@tree.command("artifactgenerator")
@_tree_flags
def tree_generator(name: str, compact: bool, output: str, options: GlobalOptions) -> None:
    """Print an ArtifactGenerator's ExternalArtifacts, the Kustomizations and HelmReleases reading each, and what
    they applied.

    \b
    Examples:
      reflow tree artifactgenerator platform
      reflow tree ag platform --compact -o yaml
    """
    print_tree(run(generator_tree(options, name, compact)), output)


tree.add_command(tree_generator, "ag")
