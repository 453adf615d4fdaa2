"""The install manifests: every object of a reflow install, built from the options as Flux's gotk-components.

Objects carry Flux's labels (`app.kubernetes.io/part-of: flux`, `…/instance: <namespace>`), so Flux's own
tooling (`flux check`, `flux uninstall`) and reflow's uninstall find a reflow install the same way.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Sequence

import yaml

from reflow import __version__
from reflow.api.crds import DIRECTORY, KINDS, file_name
from reflow.api.meta import Manifest
from reflow.engines.install.components import COMPONENTS, UI_HTTP
from reflow.engines.install.options import UI, InstallOptions, check_log_level, selected_components
from reflow.engines.install.rbac import rbac
from reflow.engines.install.workloads import deployment, service_account, services

PART_OF = "app.kubernetes.io/part-of"
INSTANCE = "app.kubernetes.io/instance"
VERSION = "app.kubernetes.io/version"
COMPONENT = "app.kubernetes.io/component"
PART_OF_VALUE = "flux"
CRD_KIND = "CustomResourceDefinition"
UI_CLIENT = "reflow.dev/ui-client"
"""The Pod label that lets a Pod reach the UI through the NetworkPolicy."""


def install_labels(namespace: str) -> dict[str, str]:
    """The labels on every object of the install in `namespace`."""
    return {PART_OF: PART_OF_VALUE, INSTANCE: namespace, VERSION: f"v{__version__}"}


def install_selector(namespace: str) -> str:
    """The label selector matching every object of the install in `namespace`."""
    return f"{PART_OF}={PART_OF_VALUE},{INSTANCE}={namespace}"


@functools.cache
def _crd_files() -> dict[str, Manifest]:
    crds: dict[str, Manifest] = {}
    for model in KINDS:
        manifest = yaml.load((DIRECTORY / file_name(model)).read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
        crds[manifest["metadata"]["name"]] = manifest
    return crds


def crds(component: str, labels: dict[str, str]) -> list[Manifest]:
    """The CRDs a component ships, from the generated files, labelled as part of the install."""
    files = _crd_files()
    shipped = []
    for name in COMPONENTS[component].crds:
        manifest = copy.deepcopy(files[name])
        manifest["metadata"]["labels"] = {**manifest["metadata"].get("labels", {}), **labels, COMPONENT: component}
        shipped.append(manifest)
    return shipped


def namespace(options: InstallOptions, labels: dict[str, str]) -> Manifest:
    """The controllers' namespace; Pod Security warns about Pods below the restricted profile."""
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {
            "name": options.namespace,
            "labels": {
                **labels,
                "pod-security.kubernetes.io/warn": "restricted",
                "pod-security.kubernetes.io/warn-version": "latest",
            },
        },
    }


def critical_pods_quota(options: InstallOptions, labels: dict[str, str]) -> Manifest:
    """A quota admitting critical-priority Pods in the namespace (clusters may limit them to kube-system)."""
    return {
        "apiVersion": "v1",
        "kind": "ResourceQuota",
        "metadata": {"name": "critical-pods", "namespace": options.namespace, "labels": dict(labels)},
        "spec": {
            "hard": {"pods": "1000"},
            "scopeSelector": {
                "matchExpressions": [
                    {
                        "operator": "In",
                        "scopeName": "PriorityClass",
                        "values": ["system-node-critical", "system-cluster-critical"],
                    }
                ]
            },
        },
    }


def network_policies(options: InstallOptions, labels: dict[str, str]) -> list[Manifest]:
    """Flux's fence: Pods talk freely inside the namespace, metrics and webhooks are reachable from anywhere; the
    UI only from Pods labelled `reflow.dev/ui-client: "true"` (the ingress or authenticating proxy in front of it)."""

    def policy(name: str, spec: Manifest) -> Manifest:
        return {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": {"name": name, "namespace": options.namespace, "labels": dict(labels)},
            "spec": spec,
        }

    policies = [
        policy(
            "allow-egress",
            {
                "policyTypes": ["Ingress", "Egress"],
                "ingress": [{"from": [{"podSelector": {}}]}],
                "egress": [{}],
                "podSelector": {},
            },
        ),
        policy(
            "allow-scraping",
            {
                "policyTypes": ["Ingress"],
                "ingress": [{"from": [{"namespaceSelector": {}}], "ports": [{"protocol": "TCP", "port": 8080}]}],
                "podSelector": {},
            },
        ),
        policy(
            "allow-webhooks",
            {
                "policyTypes": ["Ingress"],
                "ingress": [{"from": [{"namespaceSelector": {}}]}],
                "podSelector": {"matchLabels": {"app": "notification-controller"}},
            },
        ),
    ]
    if UI in selected_components(options):
        client = {"namespaceSelector": {}, "podSelector": {"matchLabels": {UI_CLIENT: "true"}}}
        policies.append(
            policy(
                "allow-ui",
                {
                    "policyTypes": ["Ingress"],
                    "ingress": [{"from": [client], "ports": [{"protocol": "TCP", "port": UI_HTTP[1]}]}],
                    "podSelector": {"matchLabels": {"app": UI}},
                },
            )
        )
    return policies


def install_manifests(options: InstallOptions) -> list[Manifest]:
    """Every object of the install, in apply order: namespace, quota, CRDs, RBAC, policies, then per component
    its ServiceAccount, Deployment and Services. Raises InvalidInstallOptions for unknown names."""
    components = selected_components(options)
    check_log_level(options.log_level)
    labels = install_labels(options.namespace)
    objects = [namespace(options, labels), critical_pods_quota(options, labels)]
    for name in components:
        objects += crds(name, labels)
    objects += rbac(components, options, labels)
    if options.network_policy:
        objects += network_policies(options, labels)
    for name in components:
        component = COMPONENTS[name]
        own = {**labels, COMPONENT: name}
        objects.append(service_account(component, options, own))
        objects += services(component, options, own)
        objects.append(deployment(component, options, own))
    return objects


def stages(manifests: Sequence[Manifest]) -> tuple[list[Manifest], list[Manifest]]:
    """Split manifests into what must exist first (Namespaces and CRDs) and everything else, keeping order."""
    first = [m for m in manifests if m["kind"] in ("Namespace", CRD_KIND)]
    rest = [m for m in manifests if m["kind"] not in ("Namespace", CRD_KIND)]
    return first, rest


def to_yaml(manifests: Sequence[Manifest]) -> str:
    """Multi-document YAML of the manifests, each starting with `---`, keys in the order they were built."""
    return "".join(
        "---\n" + yaml.dump(m, Dumper=yaml.CSafeDumper, sort_keys=False, width=120, allow_unicode=True)
        for m in manifests
    )
