"""`reflow events`, `tree`, `trace` and `stats`: reading what the controllers recorded, on the real plane."""

from __future__ import annotations

import json

import yaml

from reflow.api.meta import Manifest
from reflow.kube.client import Kube
from tests.cli.objects import ObjectFactory, artifact, git_repository, kustomization, ready_condition
from tests.cli.runner import TESTDATA, Reflow, lines


def event(namespace: str, name: str, kind: str, obj: str, reason: str, message: str, at: str) -> Manifest:
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": name, "namespace": namespace},
        "involvedObject": {"kind": kind, "name": obj, "namespace": namespace},
        "reason": reason,
        "message": message,
        "type": "Warning" if reason.endswith("Failed") else "Normal",
        "firstTimestamp": at,
        "lastTimestamp": at,
        "source": {"component": "kustomize-controller"},
    }


async def _events(kube: Kube, namespace: str) -> None:
    await kube.create(
        event(namespace, "e1", "Kustomization", "apps", "ReconciliationSucceeded", "applied", "2026-01-01T00:00:02Z")
    )
    await kube.create(
        event(namespace, "e2", "GitRepository", "repo", "NewArtifact", "stored artifact", "2026-01-01T00:00:01Z")
    )
    await kube.create(
        event(
            namespace, "e3", "Kustomization", "apps", "BuildFailed", "kustomize build\n failed", "2026-01-01T00:00:03Z"
        )
    )


async def test_events_lists_every_event_oldest_first(reflow: Reflow, kube: Kube, namespace: str) -> None:
    await _events(kube, namespace)
    result = await reflow("events")
    assert result.code == 0, result.stderr
    header, *rows = lines(result.stdout)
    assert header.split() == ["LAST", "SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]
    assert [row.split()[2] for row in rows] == ["NewArtifact", "ReconciliationSucceeded", "BuildFailed"]
    assert rows[-1].endswith("Kustomization/apps   kustomize build failed")


async def test_events_for_one_object_and_type(reflow: Reflow, kube: Kube, namespace: str) -> None:
    await _events(kube, namespace)
    result = await reflow("events", "--for", "Kustomization/apps", "--types", "Warning", "--no-header")
    assert result.code == 0, result.stderr
    assert [row.split()[1:4] for row in lines(result.stdout)] == [["Warning", "BuildFailed", "Kustomization/apps"]]


async def test_events_rejects_a_malformed_for(reflow: Reflow) -> None:
    result = await reflow("events", "--for", "apps")
    assert result.code == 2
    assert "is not Kind/name" in result.stderr


def _entry(namespace: str, name: str, group: str, kind: str, version: str) -> Manifest:
    return {"id": f"{namespace}_{name}_{group}_{kind}", "v": version}


async def _inventories(make: ObjectFactory, namespace: str) -> None:
    ks_group = "kustomize.toolkit.fluxcd.io"
    await make(
        kustomization("root"),
        {
            "conditions": [ready_condition()],
            "inventory": {
                "entries": [
                    _entry("", "apps", "", "Namespace", "v1"),
                    _entry("apps", "web", "apps", "Deployment", "v1"),
                    _entry(namespace, "child", ks_group, "Kustomization", "v1"),
                    _entry(namespace, "repo", "source.toolkit.fluxcd.io", "GitRepository", "v1"),
                ]
            },
        },
    )
    await make(
        kustomization("child"),
        {
            "conditions": [ready_condition()],
            "inventory": {
                "entries": [
                    _entry("", "system__reader", "rbac.authorization.k8s.io", "ClusterRole", "v1"),
                    _entry("apps", "redis", "helm.toolkit.fluxcd.io", "HelmRelease", "v2"),
                    _entry(namespace, "root", ks_group, "Kustomization", "v1"),
                ]
            },
        },
    )


async def test_tree_nests_the_inventories_of_kustomizations(
    reflow: Reflow, make: ObjectFactory, namespace: str
) -> None:
    await _inventories(make, namespace)
    result = await reflow("tree", "kustomization", "root")
    assert result.code == 0, result.stderr
    assert result.stdout == (TESTDATA / "tree" / "tree.golden").read_text().replace("{{ns}}", namespace)


async def test_tree_compact_keeps_flux_objects_only(reflow: Reflow, make: ObjectFactory, namespace: str) -> None:
    await _inventories(make, namespace)
    result = await reflow("tree", "ks", "root", "--compact")
    assert result.code == 0, result.stderr
    assert result.stdout == (TESTDATA / "tree" / "tree-compact.golden").read_text().replace("{{ns}}", namespace)


async def test_tree_as_json_and_yaml(reflow: Reflow, make: ObjectFactory, namespace: str) -> None:
    await _inventories(make, namespace)
    as_json = json.loads((await reflow("tree", "ks", "root", "-o", "json")).stdout)
    assert as_json["kind"] == "Kustomization"
    assert [child["kind"] for child in as_json["resources"]] == [
        "Namespace",
        "Deployment",
        "Kustomization",
        "GitRepository",
    ]
    assert as_json["resources"][2]["resources"][0]["name"] == "system:reader"
    as_yaml = yaml.safe_load((await reflow("tree", "ks", "root", "-o", "yaml")).stdout)
    assert as_yaml == as_json


async def test_tree_of_an_unknown_kustomization_exits_1(reflow: Reflow, crds: None) -> None:
    result = await reflow("tree", "kustomization", "nope")
    assert result.code == 1
    assert '"nope" not found' in result.stderr


async def test_trace_follows_owner_labels_to_the_kustomization_and_its_source(
    reflow: Reflow, make: ObjectFactory, kube: Kube, namespace: str
) -> None:
    await make(
        git_repository("repo"),
        {
            "conditions": [ready_condition(message="stored artifact for revision 'main@sha1:9'")],
            "artifact": artifact("main@sha1:9"),
        },
    )
    await make(
        kustomization("apps", path="./deploy"),
        {
            "conditions": [ready_condition(message="Applied revision: main@sha1:9")],
            "lastAppliedRevision": "main@sha1:9",
        },
    )
    await kube.create(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {
                "name": "settings",
                "namespace": namespace,
                "labels": {
                    "kustomize.toolkit.fluxcd.io/name": "apps",
                    "kustomize.toolkit.fluxcd.io/namespace": namespace,
                },
            },
        }
    )
    result = await reflow("trace", "settings", "--kind", "configmap", "--api-version", "v1")
    assert result.code == 0, result.stderr
    assert result.stdout == (
        f"\nObject:         configmap/settings\nNamespace:      {namespace}\nStatus:         Managed by Flux\n---\n"
        f"Kustomization:  apps\nNamespace:      {namespace}\nPath:           ./deploy\nRevision:       main@sha1:9\n"
        "Status:         Last reconciled at 2026-01-01T00:00:00Z\nMessage:        Applied revision: main@sha1:9\n---\n"
        f"GitRepository:  repo\nNamespace:      {namespace}\nURL:            https://example.invalid/repo\n"
        "Branch:         main\nRevision:       main@sha1:9\nStatus:         Last reconciled at 2026-01-01T00:00:00Z\n"
        "Message:        stored artifact for revision 'main@sha1:9'\n"
    )


async def test_trace_of_an_object_flux_does_not_manage_exits_1(reflow: Reflow, kube: Kube, namespace: str) -> None:
    await kube.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "loose", "namespace": namespace}})
    result = await reflow("trace", "loose", "--kind", "ConfigMap", "--api-version", "v1")
    assert result.code == 1
    assert "is not managed by Flux" in result.stderr


async def test_stats_counts_running_failing_suspended_and_storage(
    reflow: Reflow, sources: list[Manifest], make: ObjectFactory
) -> None:
    await make(
        git_repository("paused", suspend=True), {"conditions": [ready_condition()], "artifact": artifact("x", 2048)}
    )
    await make(kustomization("apps"), {"conditions": [ready_condition()]})
    result = await reflow("stats")
    assert result.code == 0, result.stderr
    rows = {line.split()[0]: line.split()[1:] for line in lines(result.stdout)}
    assert rows["RECONCILERS"] == ["RUNNING", "FAILING", "SUSPENDED", "STORAGE"]
    assert rows["GitRepository"] == ["2", "1", "1", "3.0", "KiB"]
    assert rows["Kustomization"] == ["1", "0", "0", "-"]
    assert rows["OCIRepository"] == ["0", "0", "0", "0", "B"]
