"""`reflow debug helmrelease`: the values a HelmRelease releases with, or its status, as `flux debug hr` prints them."""

from __future__ import annotations

from typing import Any

import click
import yaml

from reflow.api.helm import HelmRelease
from reflow.api.meta import ObjectRef
from reflow.api.wire import parse
from reflow.cli.console import fail, out, run
from reflow.cli.options import GlobalOptions, global_options
from reflow.controllers.helm.values import release_values
from reflow.engines.helm.values import ValuesError
from reflow.kube.client import connect
from reflow.kube.errors import NotFound


@click.group()
def debug() -> None:
    """Show what a Flux object works with (values, status), to find out why it does what it does."""


@debug.command("helmrelease")
@click.argument("name")
@click.option("--show-values", is_flag=True, help="Print the values composed from values and valuesFrom.")
@click.option("--show-status", is_flag=True, help="Print the status.")
@global_options
def helmrelease(name: str, show_values: bool, show_status: bool, options: GlobalOptions) -> None:
    """Print a HelmRelease's composed values (they may hold Secret data) or its status.

    \b
    Examples:
      reflow debug helmrelease podinfo -n apps --show-values
      reflow debug hr podinfo -n apps --show-status
    """
    if show_values == show_status:
        fail("give one of --show-values or --show-status", code=2)

    async def shown() -> Any:
        async with connect(options.connection) as kube:
            ref = ObjectRef(HelmRelease.KIND.api_version, HelmRelease.KIND.kind, name, options.namespace)
            try:
                obj = await kube.get(ref)
            except NotFound:
                fail(f"HelmRelease '{options.namespace}/{name}' not found")
            if show_status:
                return obj.get("status") or {}
            try:
                return await release_values(kube, parse(HelmRelease, obj))
            except ValuesError as error:
                fail(str(error))

    out.print(yaml.safe_dump(run(shown()), sort_keys=True), markup=False, emoji=False, highlight=False, end="")


debug.add_command(helmrelease, "hr")
