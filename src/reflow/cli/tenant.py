"""`reflow create tenant`: namespaces, a ServiceAccount and a RoleBinding that confine reconcilers to a tenant."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import click

from reflow.api.meta import Manifest, ObjectRef
from reflow.cli.console import fail, out, run, step, success
from reflow.cli.manifests import parse_labels, split_list
from reflow.cli.options import GlobalOptions, global_options
from reflow.cli.render import to_yaml
from reflow.kube.client import Kube, connect
from reflow.kube.errors import NotFound

TENANT_LABEL = "toolkit.fluxcd.io/tenant"
FIELD_MANAGER = "reflow"
RBAC_GROUP = "rbac.authorization.k8s.io"
_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")


@dataclass(frozen=True, slots=True)
class TenantObjects:
    """What one tenant namespace gets: the Namespace, the tenant's ServiceAccount and its RoleBinding."""

    namespace: Manifest
    account: Manifest
    role_binding: Manifest


class InvalidTenant(ValueError):
    """A tenant, namespace or account name that Kubernetes would refuse."""


def _check_name(what: str, name: str) -> None:
    if len(name) > 63 or not _NAME.match(name):
        raise InvalidTenant(
            f"invalid {what} '{name}': at most 63 alphanumeric characters, '-', '_' or '.', "
            "starting and ending with an alphanumeric character"
        )


def tenant_objects(
    tenant: str, namespaces: Sequence[str], *, cluster_role: str, account: str | None, labels: dict[str, str]
) -> list[TenantObjects]:
    """The objects of `flux create tenant`, one group per namespace: the RoleBinding `<tenant>-reconciler` binds
    `cluster_role` to the user `gotk:<ns>:reconciler` (whom the controllers impersonate) and the ServiceAccount
    (`account`, else the tenant's name)."""
    _check_name("tenant name", tenant)
    account_name = account or tenant
    _check_name("service-account name", account_name)
    meta_labels = {**labels, TENANT_LABEL: tenant}
    groups = []
    for ns in namespaces:
        _check_name("namespace", ns)
        groups.append(
            TenantObjects(
                namespace={"apiVersion": "v1", "kind": "Namespace", "metadata": {"labels": meta_labels, "name": ns}},
                account={
                    "apiVersion": "v1",
                    "kind": "ServiceAccount",
                    "metadata": {"labels": meta_labels, "name": account_name, "namespace": ns},
                },
                role_binding={
                    "apiVersion": f"{RBAC_GROUP}/v1",
                    "kind": "RoleBinding",
                    "metadata": {"labels": meta_labels, "name": f"{tenant}-reconciler", "namespace": ns},
                    "roleRef": {"apiGroup": RBAC_GROUP, "kind": "ClusterRole", "name": cluster_role},
                    "subjects": [
                        {"apiGroup": RBAC_GROUP, "kind": "User", "name": f"gotk:{ns}:reconciler"},
                        {"kind": "ServiceAccount", "name": account_name, "namespace": ns},
                    ],
                },
            )
        )
    return groups


def exported(groups: Sequence[TenantObjects], *, skip_namespace: bool) -> list[Manifest]:
    """The objects in the order Flux prints them: per namespace, its Namespace (unless skipped), SA, RoleBinding."""
    objects: list[Manifest] = []
    for group in groups:
        objects += ([] if skip_namespace else [group.namespace]) + [group.account, group.role_binding]
    return objects


async def _apply_role_binding(kube: Kube, manifest: Manifest) -> None:
    """Apply a RoleBinding; its roleRef cannot change in place, so a binding to another role is replaced."""
    try:
        live = await kube.get(ObjectRef.of(manifest))
    except NotFound:
        live = None
    if live is not None and live.get("roleRef") != manifest["roleRef"]:
        await kube.delete(ObjectRef.of(manifest))
    await kube.apply(manifest, field_manager=FIELD_MANAGER, force=True)


async def _apply(options: GlobalOptions, groups: Sequence[TenantObjects], skip_namespace: bool) -> None:
    async with connect(options.connection) as kube:
        for group in groups:
            if not skip_namespace:
                step(f"applying namespace {group.namespace['metadata']['name']}")
                await kube.apply(group.namespace, field_manager=FIELD_MANAGER, force=True)
            step(f"applying service account {group.account['metadata']['name']}")
            await kube.apply(group.account, field_manager=FIELD_MANAGER, force=True)
            step(f"applying role binding {group.role_binding['metadata']['name']}")
            await _apply_role_binding(kube, group.role_binding)


@click.command("tenant")
@click.argument("name")
@click.option("--with-namespace", "namespaces", multiple=True, help="Namespace of the tenant (repeatable, or commas).")
@click.option("--cluster-role", default="cluster-admin", show_default=True, help="ClusterRole the tenant is bound to.")
@click.option("--with-service-account", "account", help="ServiceAccount of the tenant; the tenant's name when empty.")
@click.option("--skip-namespace", is_flag=True, help="Do not create the namespaces (they must exist already).")
@click.option("--export", is_flag=True, help="Print the YAML instead of applying it.")
@click.option("--label", "labels", multiple=True, metavar="KEY=VALUE", help="Set a label (repeatable).")
@global_options
def create_tenant(name: str, options: GlobalOptions, **flags: Any) -> None:
    """Create or update a tenant: per namespace, the Namespace, a ServiceAccount and a RoleBinding.

    The RoleBinding `<name>-reconciler` grants --cluster-role in the namespace to the ServiceAccount and to the
    user `gotk:<namespace>:reconciler`, the identity the controllers impersonate for that namespace.

    \b
    Examples:
      reflow create tenant dev-team --with-namespace=frontend --label=environment=dev
      reflow create tenant dev-team --with-namespace=frontend --with-namespace=backend --export > dev-team.yaml
    """
    if not flags["cluster_role"]:
        fail("cluster-role is required", code=2)
    namespaces = split_list(flags["namespaces"])
    if not namespaces:
        fail("with-namespace is required", code=2)
    try:
        groups = tenant_objects(
            name,
            namespaces,
            cluster_role=flags["cluster_role"],
            account=flags["account"],
            labels=parse_labels(flags["labels"]),
        )
    except InvalidTenant as error:
        fail(str(error), code=2)
    if flags["export"]:
        out.out(to_yaml(exported(groups, skip_namespace=flags["skip_namespace"])), end="", highlight=False)
        return
    run(_apply(options, groups, flags["skip_namespace"]))
    success("tenant setup completed")
