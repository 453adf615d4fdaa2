"""Cluster-wide RBAC of an install: the controllers' own role, cluster-admin for the appliers, and user roles.

Cluster-scoped names end in `-<namespace>` as Flux's do, so two installs in two namespaces do not collide.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence

from reflow.api.meta import Manifest
from reflow.engines.install.options import HELM_CONTROLLER, KUSTOMIZE_CONTROLLER, UI, InstallOptions

RBAC = "rbac.authorization.k8s.io/v1"
FLUX_GROUPS: tuple[str, ...] = (
    "source.toolkit.fluxcd.io",
    "source.extensions.fluxcd.io",
    "kustomize.toolkit.fluxcd.io",
    "helm.toolkit.fluxcd.io",
    "notification.toolkit.fluxcd.io",
    "image.toolkit.fluxcd.io",
)
APPLIERS: tuple[str, ...] = (KUSTOMIZE_CONTROLLER, HELM_CONTROLLER)
AGGREGATE = "rbac.authorization.k8s.io/aggregate-to-"

_READ = ["get", "list", "watch"]
_EDIT = ["create", "delete", "deletecollection", "patch", "update"]
_WRITE = ["get", "list", "watch", "create", "update", "patch", "delete"]
CONTROLLER_RULES: tuple[Manifest, ...] = (
    {"apiGroups": list(FLUX_GROUPS), "resources": ["*"], "verbs": ["*"]},
    {"apiGroups": [""], "resources": ["namespaces", "secrets", "configmaps", "serviceaccounts"], "verbs": _READ},
    {"apiGroups": [""], "resources": ["events"], "verbs": ["create", "patch"]},
    {"apiGroups": ["events.k8s.io"], "resources": ["events"], "verbs": ["create", "patch"]},
    {"apiGroups": [""], "resources": ["configmaps"], "verbs": _WRITE},
    {"apiGroups": [""], "resources": ["configmaps/status"], "verbs": ["get", "update", "patch"]},
    {"apiGroups": ["coordination.k8s.io"], "resources": ["leases"], "verbs": _WRITE},
    {"apiGroups": [""], "resources": ["serviceaccounts/token"], "verbs": ["create"]},
    {"nonResourceURLs": ["/livez/ping"], "verbs": ["head"]},
)


UI_RULES: tuple[Manifest, ...] = (
    {"apiGroups": list(FLUX_GROUPS), "resources": ["*"], "verbs": _READ},
    {"apiGroups": [""], "resources": ["events"], "verbs": _READ},
    {"apiGroups": ["apiextensions.k8s.io"], "resources": ["customresourcedefinitions"], "verbs": _READ},
    {"apiGroups": ["authentication.k8s.io"], "resources": ["tokenreviews"], "verbs": ["create"]},
    {"apiGroups": ["authorization.k8s.io"], "resources": ["subjectaccessreviews"], "verbs": ["create"]},
    {"nonResourceURLs": ["/livez/ping"], "verbs": ["head"]},
)
"""The UI's own reads: the Flux objects it watches for the overview, and the CRDs that say which Flux kinds are
served; and the reviews that tell who a viewer is and what they may list, so each sees only that. Everything else
it does as the viewer."""
IMPERSONATE_RULES: tuple[Manifest, ...] = (
    {"apiGroups": [""], "resources": ["users", "groups"], "verbs": ["impersonate"]},
)
"""What `--auth=proxy` needs; shipped unbound: bind it to the UI's account only when a proxy alone can reach it."""


def _cluster_role(name: str, rules: Sequence[Manifest], labels: Mapping[str, str]) -> Manifest:
    return {
        "apiVersion": RBAC,
        "kind": "ClusterRole",
        "metadata": {"name": name, "labels": dict(labels)},
        "rules": copy.deepcopy(list(rules)),
    }


def _binding(name: str, role: str, accounts: Sequence[str], namespace: str, labels: Mapping[str, str]) -> Manifest:
    return {
        "apiVersion": RBAC,
        "kind": "ClusterRoleBinding",
        "metadata": {"name": name, "labels": dict(labels)},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role},
        "subjects": [{"kind": "ServiceAccount", "name": account, "namespace": namespace} for account in accounts],
    }


def rbac(components: Sequence[str], options: InstallOptions, labels: Mapping[str, str]) -> list[Manifest]:
    """ClusterRoles and bindings for these components, in the order they can be applied."""
    suffix = f"-{options.namespace}"
    controller_role = f"crd-controller{suffix}"
    controllers = [name for name in components if name != UI]
    objects = [
        _cluster_role(controller_role, CONTROLLER_RULES, labels),
        _binding(controller_role, controller_role, controllers, options.namespace, labels),
    ]
    if UI in components:
        objects += [
            _cluster_role(f"reflow-ui{suffix}", UI_RULES, labels),
            _binding(f"reflow-ui{suffix}", f"reflow-ui{suffix}", [UI], options.namespace, labels),
            _cluster_role(f"reflow-ui-impersonate{suffix}", IMPERSONATE_RULES, labels),
        ]
    appliers = [name for name in components if name in APPLIERS]
    if appliers:
        objects.append(_binding(f"cluster-reconciler{suffix}", "cluster-admin", appliers, options.namespace, labels))
    edit_labels = {**labels, f"{AGGREGATE}edit": "true", f"{AGGREGATE}admin": "true"}
    view_labels = {**edit_labels, f"{AGGREGATE}view": "true"}
    edit = {"apiGroups": list(FLUX_GROUPS), "resources": ["*"], "verbs": _EDIT}
    view = {"apiGroups": list(FLUX_GROUPS), "resources": ["*"], "verbs": _READ}
    objects.append(_cluster_role(f"flux-edit{suffix}", [edit], edit_labels))
    objects.append(_cluster_role(f"flux-view{suffix}", [view], view_labels))
    return objects
