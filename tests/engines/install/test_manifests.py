"""Install manifests from options: component selection, namespace, flags, policies, image, labels, errors."""

from __future__ import annotations

import dataclasses

import pytest
import yaml

from reflow.api.crds import KINDS, crd
from reflow.api.meta import Manifest
from reflow.engines.install import (
    ALL_COMPONENTS,
    CONTROLLERS,
    DEFAULT_COMPONENTS,
    InstallOptions,
    InvalidInstallOptions,
    install_manifests,
    install_selector,
    stages,
    to_yaml,
)


def by_kind(manifests: list[Manifest], kind: str) -> dict[str, Manifest]:
    return {m["metadata"]["name"]: m for m in manifests if m["kind"] == kind}


def container(manifests: list[Manifest], name: str) -> Manifest:
    [only] = by_kind(manifests, "Deployment")[name]["spec"]["template"]["spec"]["containers"]
    return only


def test_default_install_has_the_four_core_controllers_and_their_crds() -> None:
    manifests = install_manifests(InstallOptions())
    assert sorted(by_kind(manifests, "Deployment")) == sorted(DEFAULT_COMPONENTS)
    assert sorted(by_kind(manifests, "ServiceAccount")) == sorted(DEFAULT_COMPONENTS)
    assert sorted(by_kind(manifests, "CustomResourceDefinition")) == [
        "alerts.notification.toolkit.fluxcd.io",
        "buckets.source.toolkit.fluxcd.io",
        "externalartifacts.source.toolkit.fluxcd.io",
        "gitrepositories.source.toolkit.fluxcd.io",
        "helmcharts.source.toolkit.fluxcd.io",
        "helmreleases.helm.toolkit.fluxcd.io",
        "helmrepositories.source.toolkit.fluxcd.io",
        "kustomizations.kustomize.toolkit.fluxcd.io",
        "ocirepositories.source.toolkit.fluxcd.io",
        "providers.notification.toolkit.fluxcd.io",
        "receivers.notification.toolkit.fluxcd.io",
    ]
    assert sorted(by_kind(manifests, "Service")) == ["notification-controller", "source-controller", "webhook-receiver"]


def test_extra_components_add_their_deployments_crds_and_services() -> None:
    manifests = install_manifests(InstallOptions(components_extra=("source-watcher", "image-reflector-controller")))
    deployments = by_kind(manifests, "Deployment")
    assert "source-watcher" in deployments
    assert "image-reflector-controller" in deployments
    assert "image-automation-controller" not in deployments
    crds = by_kind(manifests, "CustomResourceDefinition")
    assert "artifactgenerators.source.extensions.fluxcd.io" in crds
    assert "imagepolicies.image.toolkit.fluxcd.io" in crds
    assert "imageupdateautomations.image.toolkit.fluxcd.io" not in crds
    assert by_kind(manifests, "Service")["source-watcher"]["spec"]["ports"][0]["targetPort"] == "http"


def test_every_component_ships_crds_equal_to_the_generated_ones_except_labels() -> None:
    manifests = install_manifests(InstallOptions(components=ALL_COMPONENTS))
    installed = by_kind(manifests, "CustomResourceDefinition")
    assert len(installed) == len(KINDS)
    for model in KINDS:
        generated = crd(model)
        shipped = installed[generated["metadata"]["name"]]
        assert shipped["spec"] == generated["spec"]
        assert shipped["metadata"]["annotations"] == generated["metadata"]["annotations"]


def test_components_alone_leave_out_the_other_controllers() -> None:
    manifests = install_manifests(InstallOptions(components=("source-controller", "kustomize-controller")))
    assert sorted(by_kind(manifests, "Deployment")) == ["kustomize-controller", "source-controller"]
    binding = by_kind(manifests, "ClusterRoleBinding")["cluster-reconciler-flux-system"]
    assert [s["name"] for s in binding["subjects"]] == ["kustomize-controller"]
    assert "helmreleases.helm.toolkit.fluxcd.io" not in by_kind(manifests, "CustomResourceDefinition")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        pytest.param(
            InstallOptions(components=("source-controller", "tf-controller")),
            "unknown component tf-controller",
            id="unknown",
        ),
        pytest.param(InstallOptions(components_extra=("a", "b")), "unknown components a, b", id="two-unknown"),
        pytest.param(InstallOptions(components=()), "no component selected", id="none"),
        pytest.param(InstallOptions(log_level="verbose"), "unknown log level 'verbose'", id="log-level"),
    ],
)
def test_unknown_names_are_a_clear_error_listing_the_choices(options: InstallOptions, message: str) -> None:
    with pytest.raises(InvalidInstallOptions, match=message) as raised:
        install_manifests(options)
    assert "choose from" in str(raised.value)


def test_components_are_installed_once_in_flux_order_whatever_the_order_given() -> None:
    options = InstallOptions(
        components=("notification-controller", "source-controller"), components_extra=("source-controller",)
    )
    deployments = [m["metadata"]["name"] for m in install_manifests(options) if m["kind"] == "Deployment"]
    assert deployments == ["source-controller", "notification-controller"]


def test_namespace_option_moves_every_namespaced_object_and_the_addresses() -> None:
    manifests = install_manifests(InstallOptions(namespace="gitops", cluster_domain="corp.local"))
    assert by_kind(manifests, "Namespace").keys() == {"gitops"}
    namespaced = [
        m
        for m in manifests
        if m["kind"] not in ("Namespace", "CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding")
    ]
    assert {m["metadata"]["namespace"] for m in namespaced} == {"gitops"}
    args = container(manifests, "source-controller")["args"]
    assert args[0] == "--events-addr=http://notification-controller.gitops.svc.corp.local./"
    assert "--storage-adv-addr=source-controller.$(RUNTIME_NAMESPACE).svc.corp.local." in args
    for binding in by_kind(manifests, "ClusterRoleBinding").values():
        assert binding["metadata"]["name"].endswith("-gitops")
        assert {s["namespace"] for s in binding["subjects"]} == {"gitops"}


def test_controller_args_follow_flux_with_log_level_and_watch_scope() -> None:
    manifests = install_manifests(InstallOptions(log_level="debug", watch_all_namespaces=False))
    assert container(manifests, "kustomize-controller")["args"] == [
        "--events-addr=http://notification-controller.flux-system.svc.cluster.local./",
        "--watch-all-namespaces=false",
        "--log-level=debug",
        "--log-encoding=json",
        "--enable-leader-election",
    ]
    assert container(manifests, "notification-controller")["args"] == [
        "--watch-all-namespaces=false",
        "--log-level=debug",
        "--log-encoding=json",
        "--enable-leader-election",
        "--events-listen-addr=:9090",
    ]


def test_the_notification_services_reach_the_ports_its_container_listens_on() -> None:
    manifests = install_manifests(InstallOptions())
    notification = container(manifests, "notification-controller")
    ports = {port["name"]: port["containerPort"] for port in notification["ports"]}
    services = by_kind(manifests, "Service")
    events, hooks = services["notification-controller"]["spec"], services["webhook-receiver"]["spec"]
    assert [(p["port"], ports[p["targetPort"]]) for p in events["ports"]] == [(80, 9090)]
    assert [(p["port"], ports[p["targetPort"]]) for p in hooks["ports"]] == [(80, 9292)]
    assert events["selector"] == hooks["selector"] == {"app": "notification-controller"}
    assert "--events-listen-addr=:9090" in notification["args"]
    assert not any(arg.startswith("--receiverAddr") for arg in notification["args"])  # reflow's default is :9292


def test_source_watcher_turns_the_external_artifact_gate_on_for_its_consumers() -> None:
    gate = "--feature-gates=ExternalArtifact=true"
    with_watcher = install_manifests(InstallOptions(components_extra=("source-watcher",)))
    for name in ("kustomize-controller", "helm-controller"):
        assert gate in container(with_watcher, name)["args"]
        assert gate not in container(install_manifests(InstallOptions()), name)["args"]
    assert gate not in container(with_watcher, "source-controller")["args"]


def test_default_args_watch_all_namespaces() -> None:
    args = container(install_manifests(InstallOptions()), "helm-controller")["args"]
    assert "--watch-all-namespaces" in args
    assert "--log-level=info" in args


def test_each_controller_runs_the_reflow_image_limited_to_itself() -> None:
    manifests = install_manifests(InstallOptions(components=ALL_COMPONENTS))
    for name in CONTROLLERS:
        manager = container(manifests, name)
        assert manager["name"] == "manager"
        assert manager["image"] == f"ghcr.io/reflow-dev/reflow:{InstallOptions().image_tag}"
        assert manager["command"] == ["reflow", "controllers", f"--controllers={name}"]


def test_registry_and_tag_change_the_image() -> None:
    options = InstallOptions(registry="registry.corp:5000/mirror/", image_tag="9.9.9")
    assert container(install_manifests(options), "helm-controller")["image"] == "registry.corp:5000/mirror/reflow:9.9.9"


def test_pull_secret_and_tolerations_reach_every_pod() -> None:
    options = InstallOptions(image_pull_secret="regcred", toleration_keys=("dedicated", "gitops"))
    for deployment in by_kind(install_manifests(options), "Deployment").values():
        pod = deployment["spec"]["template"]["spec"]
        assert pod["imagePullSecrets"] == [{"name": "regcred"}]
        assert pod["tolerations"] == [
            {"key": "dedicated", "operator": "Exists"},
            {"key": "gitops", "operator": "Exists"},
        ]


def test_pods_are_hardened_and_have_writable_tmp() -> None:
    for deployment in by_kind(install_manifests(InstallOptions(components=ALL_COMPONENTS)), "Deployment").values():
        pod = deployment["spec"]["template"]["spec"]
        manager = pod["containers"][0]
        assert pod["securityContext"] == {"fsGroup": 1337}
        assert manager["securityContext"] == {
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "runAsNonRoot": True,
            "capabilities": {"drop": ["ALL"]},
            "seccompProfile": {"type": "RuntimeDefault"},
        }
        assert {"name": "temp", "mountPath": "/tmp"} in manager["volumeMounts"]
        assert manager["env"][0] == {
            "name": "RUNTIME_NAMESPACE",
            "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}},
        }
        port = "http" if deployment["metadata"]["name"] == "ui" else "healthz"
        assert manager["livenessProbe"] == {"httpGet": {"path": "/healthz", "port": port}}
        assert manager["resources"]["limits"] == {"cpu": "1000m", "memory": "1Gi"}
        assert deployment["spec"]["selector"] == {"matchLabels": {"app": deployment["metadata"]["name"]}}


@pytest.mark.parametrize(
    ("name", "ports", "ready", "grace", "critical", "data"),
    [
        pytest.param("source-controller", ["http", "http-prom", "healthz"], ("/", "http"), 10, True, True, id="source"),
        pytest.param(
            "kustomize-controller", ["http-prom", "healthz"], ("/readyz", "healthz"), 60, True, False, id="kustomize"
        ),
        pytest.param("helm-controller", ["http-prom", "healthz"], ("/readyz", "healthz"), 600, True, False, id="helm"),
        pytest.param(
            "notification-controller",
            ["http", "http-webhook", "http-prom", "healthz"],
            ("/readyz", "healthz"),
            10,
            False,
            False,
            id="notification",
        ),
        pytest.param(
            "image-reflector-controller",
            ["http-prom", "healthz"],
            ("/readyz", "healthz"),
            10,
            False,
            True,
            id="image-reflector",
        ),
        pytest.param(
            "image-automation-controller",
            ["http-prom", "healthz"],
            ("/readyz", "healthz"),
            10,
            False,
            False,
            id="image-automation",
        ),
        pytest.param(
            "source-watcher", ["http", "http-prom", "healthz"], ("/", "http"), 10, True, True, id="source-watcher"
        ),
    ],
)
def test_each_controller_has_flux_ports_probes_grace_priority_and_data(
    name: str, ports: list[str], ready: tuple[str, str], grace: int, critical: bool, data: bool
) -> None:
    deployment = by_kind(install_manifests(InstallOptions(components=ALL_COMPONENTS)), "Deployment")[name]
    pod = deployment["spec"]["template"]["spec"]
    manager = pod["containers"][0]
    assert [p["name"] for p in manager["ports"]] == ports
    assert manager["readinessProbe"] == {"httpGet": {"path": ready[0], "port": ready[1]}}
    assert pod["terminationGracePeriodSeconds"] == grace
    assert pod.get("priorityClassName") == ("system-cluster-critical" if critical else None)
    assert ({"name": "data", "mountPath": "/data"} in manager["volumeMounts"]) is data
    assert pod["serviceAccountName"] == name


def test_artifact_servers_recreate_and_advertise_their_storage() -> None:
    manifests = install_manifests(InstallOptions(components=ALL_COMPONENTS))
    for name in ("source-controller", "source-watcher"):
        deployment = by_kind(manifests, "Deployment")[name]
        assert deployment["spec"]["strategy"] == {"type": "Recreate"}
        assert "--storage-path=/data" in container(manifests, name)["args"]
    assert "strategy" not in by_kind(manifests, "Deployment")["kustomize-controller"]["spec"]


def test_image_reflector_keeps_its_tags_on_the_data_volume() -> None:
    args = container(install_manifests(InstallOptions(components=ALL_COMPONENTS)), "image-reflector-controller")["args"]
    assert "--storage-path=/data" in args
    assert not any(arg.startswith("--storage-adv-addr") for arg in args)


def test_network_policies_are_flux_three_and_can_be_left_out() -> None:
    policies = by_kind(install_manifests(InstallOptions()), "NetworkPolicy")
    assert sorted(policies) == ["allow-egress", "allow-scraping", "allow-webhooks"]
    assert policies["allow-scraping"]["spec"]["ingress"][0]["ports"] == [{"protocol": "TCP", "port": 8080}]
    assert policies["allow-webhooks"]["spec"]["podSelector"] == {"matchLabels": {"app": "notification-controller"}}
    assert policies["allow-egress"]["spec"]["egress"] == [{}]
    assert by_kind(install_manifests(InstallOptions(network_policy=False)), "NetworkPolicy") == {}


def test_rbac_binds_the_controller_role_to_every_account_and_cluster_admin_to_the_appliers() -> None:
    manifests = install_manifests(InstallOptions(components=ALL_COMPONENTS))
    bindings = by_kind(manifests, "ClusterRoleBinding")
    controller = bindings["crd-controller-flux-system"]
    assert controller["roleRef"]["name"] == "crd-controller-flux-system"
    assert [s["name"] for s in controller["subjects"]] == list(CONTROLLERS)
    reconciler = bindings["cluster-reconciler-flux-system"]
    assert reconciler["roleRef"]["name"] == "cluster-admin"
    assert [s["name"] for s in reconciler["subjects"]] == ["kustomize-controller", "helm-controller"]
    roles = by_kind(manifests, "ClusterRole")
    rules = roles["crd-controller-flux-system"]["rules"]
    assert "source.extensions.fluxcd.io" in rules[0]["apiGroups"]
    assert any(r.get("resources") == ["leases"] for r in rules)
    assert {"nonResourceURLs": ["/livez/ping"], "verbs": ["head"]} in rules
    view_labels = roles["flux-view-flux-system"]["metadata"]["labels"]
    assert view_labels["rbac.authorization.k8s.io/aggregate-to-view"] == "true"
    assert "rbac.authorization.k8s.io/aggregate-to-view" not in roles["flux-edit-flux-system"]["metadata"]["labels"]
    assert roles["flux-view-flux-system"]["rules"][0]["verbs"] == ["get", "list", "watch"]


def test_every_object_carries_the_install_labels_and_components_their_own() -> None:
    manifests = install_manifests(InstallOptions(components=ALL_COMPONENTS, namespace="gitops"))
    selector = dict(pair.split("=") for pair in install_selector("gitops").split(","))
    for manifest in manifests:
        labels = manifest["metadata"]["labels"]
        assert selector.items() <= labels.items(), manifest["metadata"]["name"]
        assert labels["app.kubernetes.io/version"].startswith("v")
        if manifest["kind"] in ("Deployment", "ServiceAccount", "Service", "CustomResourceDefinition"):
            assert labels["app.kubernetes.io/component"] in ALL_COMPONENTS
    deployment = by_kind(manifests, "Deployment")["helm-controller"]
    assert deployment["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/part-of"] == "flux"
    assert (
        by_kind(manifests, "Namespace")["gitops"]["metadata"]["labels"]["pod-security.kubernetes.io/warn"]
        == "restricted"
    )


def test_critical_pods_quota_admits_the_two_critical_priority_classes() -> None:
    quota = by_kind(install_manifests(InstallOptions()), "ResourceQuota")["critical-pods"]
    assert quota["spec"]["hard"] == {"pods": "1000"}
    assert quota["spec"]["scopeSelector"]["matchExpressions"][0]["values"] == [
        "system-node-critical",
        "system-cluster-critical",
    ]


def test_stages_put_namespace_and_crds_first_and_keep_the_rest_in_order() -> None:
    manifests = install_manifests(InstallOptions())
    first, rest = stages(manifests)
    assert first[0]["kind"] == "Namespace"
    assert {m["kind"] for m in first[1:]} == {"CustomResourceDefinition"}
    assert [m for m in manifests if m not in first] == rest


def test_yaml_round_trips_and_the_install_does_not_share_state_between_calls() -> None:
    options = InstallOptions(components=ALL_COMPONENTS)
    first = install_manifests(options)
    first[2]["metadata"]["labels"]["mutated"] = "yes"
    first[-1]["spec"]["template"]["spec"]["containers"][0]["args"].append("--x")
    second = install_manifests(dataclasses.replace(options))
    assert list(yaml.safe_load_all(to_yaml(second))) == second
    assert "mutated" not in second[2]["metadata"]["labels"]
    assert "--x" not in second[-1]["spec"]["template"]["spec"]["containers"][0]["args"]


def test_the_ui_serves_http_with_read_only_rbac_and_acts_as_each_viewer() -> None:
    manifests = install_manifests(InstallOptions(components_extra=("ui",)))
    ui = container(manifests, "ui")
    assert ui["command"] == ["reflow", "ui"]
    assert ui["args"] == ["--address=0.0.0.0", "--port=9000", "--auth=token"]
    assert ui["ports"] == [{"containerPort": 9000, "name": "http", "protocol": "TCP"}]
    assert ui["readinessProbe"] == {"httpGet": {"path": "/healthz", "port": "http"}}
    assert by_kind(manifests, "Service")["ui"]["spec"]["ports"][0]["targetPort"] == "http"
    assert by_kind(manifests, "ServiceAccount")["ui"]["metadata"]["namespace"] == "flux-system"
    bindings = by_kind(manifests, "ClusterRoleBinding")
    assert [s["name"] for s in bindings["reflow-ui-flux-system"]["subjects"]] == ["ui"]
    assert all(
        "ui" not in [s["name"] for s in b["subjects"]] for n, b in bindings.items() if n != "reflow-ui-flux-system"
    )
    roles = by_kind(manifests, "ClusterRole")
    rules = roles["reflow-ui-flux-system"]["rules"]
    creates = {resource for rule in rules if "create" in rule["verbs"] for resource in rule["resources"]}
    assert creates == {"tokenreviews", "subjectaccessreviews"}  # who a viewer is, and what they may list
    assert all(rule["verbs"] == ["create"] for rule in rules if "create" in rule["verbs"])
    verbs = {verb for rule in rules if "create" not in rule["verbs"] for verb in rule["verbs"]}
    assert verbs == {"get", "list", "watch", "head"}
    assert roles["reflow-ui-impersonate-flux-system"]["rules"][0]["verbs"] == ["impersonate"]
    assert not any(b["roleRef"]["name"] == "reflow-ui-impersonate-flux-system" for b in bindings.values())
    policy = by_kind(manifests, "NetworkPolicy")["allow-ui"]["spec"]
    assert policy["podSelector"] == {"matchLabels": {"app": "ui"}}
    assert policy["ingress"][0]["from"][0]["podSelector"] == {"matchLabels": {"reflow.dev/ui-client": "true"}}
    assert "allow-ui" not in by_kind(install_manifests(InstallOptions()), "NetworkPolicy")
