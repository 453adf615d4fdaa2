"""`reflow demo`: the GitOps loop on a local plane, from the first commit to a change reconciled, in one command."""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import Sequence

import click
from rich.live import Live
from rich.status import Status
from rich.table import Table

from reflow.cli.console import err, fail, out, run, success
from reflow.cli.options import Duration
from reflow.demo.repository import GitFailed
from reflow.demo.run import KUSTOMIZATION, Demo, DemoOptions, Row
from reflow.dev.plane import LocalPlane, PlaneError
from reflow.engines.flux.tree import inventories
from reflow.engines.inventory import build_tree, draw
from reflow.kube.wait import WaitTimeout

INTERRUPTED = 130
"""Exit code when Ctrl-C stops the demo before it reached its live view (as a shell reports SIGINT)."""


class ConsoleReport:
    """The demo's progress on stderr: a spinner with the current step, and `✔` lines for finished ones."""

    def __init__(self) -> None:
        self._status: Status | None = None

    def step(self, message: str) -> None:
        if self._status is None:
            self._status = err.status(message)
            self._status.start()
        else:
            self._status.update(message)

    def done(self, message: str) -> None:
        self.pause()
        success(message)

    def pause(self) -> None:
        """Stop the spinner, before something else writes to the terminal."""
        if self._status is not None:
            self._status.stop()
            self._status = None


def status_table(rows: Sequence[Row]) -> Table:
    """The live view: one line per Flux object the demo created."""
    grid = Table(title="reflow demo — Ctrl-C stops it and cleans up", title_justify="left", expand=False)
    for name in ("OBJECT", "READY", "REVISION", "OBJECTS", "MESSAGE"):
        grid.add_column(name, no_wrap=name != "MESSAGE")
    for row in rows:
        colour = {"True": "green", "False": "red"}.get(row.ready, "yellow")
        objects = "" if row.objects is None else str(row.objects)
        grid.add_row(str(row.ref), f"[{colour}]{row.ready}[/]", row.revision, objects, row.message)
    return grid


async def _print_tree(demo: Demo) -> None:
    node = build_tree(KUSTOMIZATION, await inventories(demo.kube, KUSTOMIZATION))
    out.print(f"\n[bold]reflow tree kustomization {KUSTOMIZATION.name} -n {KUSTOMIZATION.namespace}[/]")
    out.out(draw(node), end="", highlight=False)
    out.print()


async def _demo(options: DemoOptions, once: bool, report: ConsoleReport) -> bool:
    """Run the demo; False when Ctrl-C (or SIGTERM) cut it short before the live view."""
    loop = asyncio.get_running_loop()
    main = asyncio.current_task()
    stop = asyncio.Event()
    following = False

    def interrupt() -> None:
        if stop.is_set():
            return
        stop.set()
        if not following and main is not None:
            main.cancel()

    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, interrupt)
    try:
        async with Demo.start(options, report) as demo:
            await demo.wait_ready(report)
            report.pause()
            await _print_tree(demo)
            change = await demo.change_greeting(report)
            report.pause()
            out.print(f"[bold]commit {change.commit[:7]} → applied in {change.seconds:.1f} s[/] "
                      "(commit, push, requestedAt on the GitRepository, ConfigMap changed)\n")  # fmt: skip
            if not once:
                following = True
                with Live(status_table([]), console=out, auto_refresh=False) as live:
                    await demo.follow(lambda rows: live.update(status_table(rows), refresh=True), stop)
    except asyncio.CancelledError:
        if not stop.is_set():
            raise
        return False
    finally:
        report.pause()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
    return True


@click.command()
@click.option("--once", is_flag=True, help="Exit, cleaning up, as soon as the committed change is applied.")
@click.option("--keep-plane", is_flag=True, help="Leave the local plane up at the end, to explore it with kubectl.")
@click.option("--timeout", type=Duration(), default="5m", show_default=True, help="Time limit of each wait.")
def demo(once: bool, keep_plane: bool, timeout: float) -> None:
    """Show the whole GitOps loop on a local control plane, then keep a live status view until Ctrl-C.

    Starts the local plane, a git server on 127.0.0.1 holding reflow's example application, and every
    controller reflow has; installs the CRDs, creates a GitRepository and a Kustomization (production
    overlay, wait), waits until they are Ready and prints the tree. Then it commits a new greeting,
    triggers the GitRepository as a Receiver webhook would, and shows the time from commit to applied.
    Ctrl-C (or the end of --once) stops the controllers and the git server and removes the plane and
    every temporary file.

    \b
    Examples:
      reflow demo
      reflow demo --once
      reflow demo --keep-plane     # then: export KUBECONFIG=… and kubectl get all -n greeter
    """
    started = time.monotonic()
    report = ConsoleReport()
    try:
        finished = run(_demo(DemoOptions(keep_plane=keep_plane, timeout=timeout), once, report))
    except PlaneError as error:
        report.pause()
        fail(str(error))
    except (WaitTimeout, GitFailed) as error:
        report.pause()
        fail(str(error), "`reflow demo --keep-plane` leaves the plane up afterwards, to look at it with kubectl")
    took = time.monotonic() - started
    if keep_plane:
        kubeconfig = LocalPlane.for_user().kubeconfig
        out.print(f"The plane is still up:\n  export KUBECONFIG={kubeconfig}\n  kubectl get all -n greeter")
        out.print("Remove it with `reflow dev down`.")
    if not finished:
        err.print(f"[yellow]interrupted[/]; cleaned up after {took:.1f} s")
        raise SystemExit(INTERRUPTED)
    success(f"demo finished in {took:.1f} s")
