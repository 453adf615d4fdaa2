"""`reflow dev`: build the local tools, and run a local control plane for trying reflow out."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import click

from reflow.cli.console import err, fail, out, success
from reflow.dev.gobuild import BuildFailed, ensure
from reflow.dev.plane import LocalPlane, PlaneError, PlaneState
from reflow.dev.versions import COMPONENTS, PLANE, Component
from reflow.kube.privatefile import write_private
from reflow.paths import tools_dir

T = TypeVar("T")


@click.group()
def dev() -> None:
    """Local development: tools built from Go modules and a local control plane."""


@dev.command()
@click.option("--plane-only", is_flag=True, help="Only what the local control plane runs (etcd, Kubernetes, kwok).")
def tools(plane_only: bool) -> None:
    """Build etcd, Kubernetes, kwok, helm and cosign from their Go modules into the cache (once per version).

    \b
    The cache is $REFLOW_CACHE_DIR/tools, by default ~/.cache/reflow/tools.
    Examples:
      reflow dev tools
      reflow dev tools --plane-only
    """
    built = 0
    for component in PLANE if plane_only else COMPONENTS:
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


def _plane_or_fail(action: Callable[[], T]) -> T:
    try:
        return action()
    except PlaneError as error:
        fail(str(error))


@dev.command()
@click.option("--nodes", type=click.IntRange(1, 100), default=1, show_default=True, help="kwok nodes (110 Pods each).")
@click.option("--audit", is_flag=True, help="Start the API server with an audit policy (counts API calls).")
@click.option("--port", type=click.IntRange(1, 65535), help="The API server's port (default: a free one).")
@click.option(
    "--kubeconfig-out", type=click.Path(dir_okay=False, path_type=Path), help="Also write the kubeconfig here."
)
def up(nodes: int, audit: bool, port: int | None, kubeconfig_out: Path | None) -> None:
    """Start the local control plane (or reuse the running one) and wait until its nodes are Ready.

    \b
    Example:
      reflow dev up --nodes 3 --kubeconfig-out ./kubeconfig
      export KUBECONFIG=$(reflow dev status --kubeconfig-path)
    """
    plane = LocalPlane.for_user()
    started = time.monotonic()
    with err.status(f"starting plane {plane.name} ({nodes} node{'s' if nodes > 1 else ''})"):
        status = _plane_or_fail(lambda: plane.up(nodes=nodes, audit=audit, port=port))
    took = time.monotonic() - started
    verb = "reused" if status.reused else "ready"
    success(f"plane {plane.name} {verb} in {took:.1f} s at {status.server}, {nodes} node(s) Ready")
    if kubeconfig_out:
        kubeconfig_out.parent.mkdir(parents=True, exist_ok=True)
        write_private(kubeconfig_out, status.kubeconfig.read_bytes())
        success(f"kubeconfig written to {kubeconfig_out}")
    if status.audit_log:
        out.print(f"audit log: {status.audit_log}")
    out.print(f"kubeconfig: {status.kubeconfig}")
    out.print(f"  export KUBECONFIG={kubeconfig_out or status.kubeconfig}")


@dev.command()
def down() -> None:
    """Stop the local control plane and remove all its state.

    \b
    Example:
      reflow dev down
    """
    plane = LocalPlane.for_user()
    with err.status(f"removing plane {plane.name}"):
        removed = _plane_or_fail(plane.down)
    if removed:
        success(f"plane {plane.name} removed; no process and no state left")
    else:
        out.print(f"There is no plane {plane.name}; nothing to remove.")


@dev.command()
@click.option("--kubeconfig-path", is_flag=True, help="Print only the kubeconfig path (for scripts).")
def status(kubeconfig_path: bool) -> None:
    """Show whether the local control plane exists and answers.

    \b
    Example:
      reflow dev status
    """
    plane = LocalPlane.for_user()
    current = plane.status()
    if kubeconfig_path:
        if current.state is not PlaneState.RUNNING:
            fail(f"plane {plane.name} is {current.state}", "start it with `reflow dev up`")
        out.print(str(current.kubeconfig))
        return
    out.print(f"plane: {current.name}")
    out.print(f"state: {current.state}")
    if current.state is not PlaneState.ABSENT:
        out.print(f"server: {current.server or 'unknown'}")
        out.print(f"kubeconfig: {current.kubeconfig}")
    if current.audit_log:
        out.print(f"audit log: {current.audit_log}")
    if current.state is PlaneState.STOPPED:
        fail("the plane exists but does not answer", "`reflow dev up` restarts it; `reflow dev down` removes it")
