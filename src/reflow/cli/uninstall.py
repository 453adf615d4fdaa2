"""`reflow uninstall`: take reflow out of a cluster as Flux's uninstall does, leaving the workloads it applied."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence

import click

from reflow.api.meta import Manifest, ObjectRef
from reflow.cli.console import err, fail, run, step, success
from reflow.cli.install import Deadline, installed
from reflow.cli.options import GlobalOptions, global_options
from reflow.engines.install import (
    COMPONENT_KINDS,
    CRD_KIND,
    CUSTOM_RESOURCE_KINDS,
    KindRef,
    finalizers_removed,
    install_selector,
)
from reflow.kube.client import Kube, connect
from reflow.kube.errors import NotFound
from reflow.kube.wait import wait_deleted


def _done(dry_run: bool) -> str:
    return " (dry run)" if dry_run else ""


async def _list(kube: Kube, kind: KindRef, namespace: str | None, selector: str | None) -> list[Manifest]:
    try:
        items = await kube.list_all(kind.api_version, kind.kind, namespace, label_selector=selector)
    except NotFound:  # the kind is not served (its CRD is already gone)
        return []
    return [{"apiVersion": kind.api_version, "kind": kind.kind, **item} for item in items]


async def _delete(
    kube: Kube, objects: Sequence[Manifest], dry_run: bool, *, foreground: bool = False
) -> list[ObjectRef]:
    deleted = []
    for obj in objects:
        ref = ObjectRef.of(obj)
        try:
            await kube.delete(ref, dry_run=dry_run, propagation="Foreground" if foreground else "Background")
        except NotFound:
            continue
        success(f"{ref} deleted{_done(dry_run)}")
        deleted.append(ref)
    return deleted


async def _wait_gone(kube: Kube, refs: Sequence[ObjectRef], deadline: Deadline) -> None:
    with err.status(f"waiting for {len(refs)} object(s) to be gone") as status:
        for ref in refs:
            status.update(f"waiting for {ref} to be gone")
            with contextlib.suppress(NotFound):  # its kind is no longer served: gone with its CRD
                await wait_deleted(kube, ref, timeout=deadline.remaining())


async def _remove_finalizers(kube: Kube, dry_run: bool) -> None:
    for kind in CUSTOM_RESOURCE_KINDS:
        for obj in await _list(kube, kind, None, None):
            patch = finalizers_removed(obj)
            if patch is None:
                continue
            ref = ObjectRef.of(obj)
            with contextlib.suppress(NotFound):
                await kube.patch(ref, patch, dry_run=dry_run)
                success(f"{ref} finalizers deleted{_done(dry_run)}")


async def _uninstall(options: GlobalOptions, keep_namespace: bool, dry_run: bool) -> None:
    selector = install_selector(options.namespace)
    async with connect(options.connection) as kube, asyncio.timeout(options.timeout):
        deadline = Deadline(options.timeout)
        step(f"deleting components in {options.namespace} namespace")
        components: list[Manifest] = []
        for kind in COMPONENT_KINDS:
            components += await _list(kube, kind, options.namespace if kind.namespaced else None, selector)
        controllers = [c for c in components if c["kind"] == "Deployment"]
        stopped = await _delete(kube, controllers, dry_run, foreground=True)
        if not dry_run:  # no controller may finalize (prune, uninstall) what the next steps release
            await _wait_gone(kube, stopped, deadline)
        await _delete(kube, [c for c in components if c["kind"] != "Deployment"], dry_run)
        step("deleting toolkit.fluxcd.io finalizers in all namespaces")
        await _remove_finalizers(kube, dry_run)
        step("deleting toolkit.fluxcd.io custom resource definitions")
        gone = await _delete(kube, await _list(kube, CRD_KIND, None, selector), dry_run)
        if not keep_namespace:
            namespace: Manifest = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": options.namespace}}
            gone += await _delete(kube, [namespace], dry_run)
        if not dry_run:
            await _wait_gone(kube, gone, deadline)


async def _question(options: GlobalOptions) -> str:
    async with connect(options.connection) as kube:
        info = await installed(kube)
    if info is not None and info.foreign:
        return f"Flux is managed by {info.managed_by}! Are you sure you want to delete Flux and its CRDs using reflow"
    return "Are you sure you want to delete Flux and its custom resource definitions"


@click.command()
@click.option("--keep-namespace", is_flag=True, help="Leave the namespace (and anything else in it) in place.")
@click.option("--dry-run", is_flag=True, help="Show what would be deleted (server-side dry run); change nothing.")
@click.option("-s", "--silent", is_flag=True, help="Do not ask for confirmation.")
@global_options
def uninstall(keep_namespace: bool, dry_run: bool, silent: bool, options: GlobalOptions) -> None:
    """Remove reflow from a cluster: the controllers, RBAC, CRDs (with every Flux object) and the namespace.

    As Flux does: the controllers go first (the command waits until they are gone), then the finalizers of
    every Flux object in every namespace, so that no object waits for a controller and none prunes or
    uninstalls what it applied; then the CRDs, which take the Flux objects along, and the namespace unless
    --keep-namespace. Workloads applied by Kustomizations and HelmReleases stay. The command waits, within
    --timeout, until everything it deleted is gone.

    \b
    Examples:
      reflow uninstall --dry-run
      reflow uninstall --silent --keep-namespace
    """
    if not (silent or dry_run) and not click.confirm(run(_question(options)), default=False, err=True):
        fail("uninstall cancelled", "pass -s/--silent to skip this question")
    try:
        run(_uninstall(options, keep_namespace, dry_run))
    except TimeoutError as error:
        fail(
            f"uninstall did not finish within {options.timeout:.0f} s: {str(error) or 'deadline reached'}",
            "look for objects held by finalizers, then run `reflow uninstall` again",
        )
    success(f"uninstall finished{_done(dry_run)}")
