"""`reflow version`: reflow's version and, when a cluster answers, the API server's."""

from __future__ import annotations

import click

from reflow import __version__
from reflow.cli.console import out, run
from reflow.cli.options import GlobalOptions, global_options
from reflow.kube.client import connect
from reflow.kube.errors import KubeError


async def _server_version(options: GlobalOptions) -> str:
    try:
        async with connect(options.connection) as kube:
            return await kube.server_version()
    except KubeError as error:
        return f"not reachable ({error})"


@click.command()
@click.option("--client", is_flag=True, help="Print only reflow's own version; do not contact a cluster.")
@global_options
def version(client: bool, options: GlobalOptions) -> None:
    """Print reflow's version and the Kubernetes API server's.

    \b
    Example:
      reflow version --context kind-dev
    """
    out.print(f"reflow: v{__version__}")
    if not client:
        out.print(f"kubernetes: {run(_server_version(options))}")
