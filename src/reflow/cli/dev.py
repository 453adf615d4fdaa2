"""`reflow dev`: build the local tools, and run a local control plane for trying reflow out."""

from __future__ import annotations

import click

from reflow.cli.console import err, fail, out, success
from reflow.dev.cache import tools_dir
from reflow.dev.gobuild import BuildFailed, ensure
from reflow.dev.versions import COMPONENTS, Component


@click.group()
def dev() -> None:
    """Local development: tools built from Go modules and a local control plane."""


@dev.command()
def tools() -> None:
    """Build etcd, Kubernetes, kwok and helm from their Go modules into the cache (once per version).

    \b
    The cache is $REFLOW_CACHE_DIR/tools, by default ~/.cache/reflow/tools.
    Example:
      reflow dev tools
    """
    built = 0
    for component in COMPONENTS:
        label = f"{component.name} {component.version}"
        with err.status(f"{label}: starting") as status:

            def report(_: Component, message: str, label: str = label) -> None:
                status.update(f"{label}: {message}")

            try:
                outcome = ensure(component, report)
            except BuildFailed as error:
                fail(f"{label} could not be built: {error}", "see the go output above; nothing was cached")
        if outcome.built:
            built += 1
            success(f"{label} built in {outcome.seconds:.0f} s")
        else:
            success(f"{label} cached")
    if not built:
        out.print(f"All tools are already built in {tools_dir()}; nothing to do.")
    else:
        out.print(f"Tools are in {tools_dir()}.")
