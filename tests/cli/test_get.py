"""`reflow get`: Flux's tables, selectors, JSON/YAML output, watch, and clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from reflow.api.meta import Manifest, ObjectRef
from reflow.kube.client import Kube
from tests.cli.objects import ObjectFactory, kustomization, ready_condition
from tests.cli.runner import Reflow, lines
from tests.cli.streaming import streaming


async def test_get_sources_git_prints_flux_columns_for_each_repository(reflow: Reflow, sources: list[Manifest]) -> None:
    result = await reflow("get", "sources", "git")
    assert result.code == 0, result.stderr
    header, *rows = lines(result.stdout)
    assert header.split() == ["NAME", "REVISION", "SUSPENDED", "READY", "MESSAGE"]
    assert rows[0].split()[:4] == ["broken", "False", "False", "failed"]
    assert rows[1].split()[:4] == ["podinfo", "main@sha1:1111", "False", "True"]
    assert rows[1].endswith("stored artifact for revision 'main@sha1:1111'")


async def test_status_selector_keeps_only_failing_objects_and_no_header_drops_the_header(
    reflow: Reflow, sources: list[Manifest]
) -> None:
    result = await reflow("get", "source", "git", "--status-selector", "ready=false", "--no-header")
    assert result.code == 0, result.stderr
    assert [line.split()[0] for line in lines(result.stdout)] == ["broken"]


async def test_all_namespaces_adds_the_namespace_column(
    reflow: Reflow, sources: list[Manifest], namespace: str
) -> None:
    result = await reflow("get", "sources", "git", "-A")
    header, *rows = lines(result.stdout)
    assert header.split()[:2] == ["NAMESPACE", "NAME"]
    assert any(row.split()[:2] == [namespace, "podinfo"] for row in rows)


async def test_output_json_and_yaml_carry_the_objects(reflow: Reflow, sources: list[Manifest]) -> None:
    as_json = json.loads((await reflow("get", "sources", "git", "-o", "json")).stdout)
    assert [item["metadata"]["name"] for item in as_json["items"]] == ["broken", "podinfo"]
    as_yaml = list(yaml.safe_load_all((await reflow("get", "sources", "git", "-o", "yaml")).stdout))
    assert {doc["kind"] for doc in as_yaml} == {"GitRepository"}


async def test_get_all_prints_one_table_per_kind_with_kind_prefixed_names(
    reflow: Reflow, sources: list[Manifest], make: ObjectFactory
) -> None:
    await make(
        kustomization("apps"),
        {
            "conditions": [ready_condition(message="Applied revision: main@sha1:1111")],
            "lastAppliedRevision": "main@sha1:1111",
        },
    )
    result = await reflow("get", "all")
    assert result.code == 0, result.stderr
    names = [line.split()[0] for line in lines(result.stdout) if not line.startswith("NAME")]
    assert names == ["gitrepository/broken", "gitrepository/podinfo", "kustomization/apps"]


async def test_ks_alias_lists_kustomizations(reflow: Reflow, make: ObjectFactory) -> None:
    await make(
        kustomization("apps"),
        {
            "conditions": [ready_condition(message="Applied revision: main@sha1:2222")],
            "lastAppliedRevision": "main@sha1:2222",
        },
    )
    result = await reflow("get", "ks")
    assert result.code == 0, result.stderr
    assert lines(result.stdout)[1].split()[:4] == ["apps", "main@sha1:2222", "False", "True"]


async def test_nothing_found_is_said_on_stderr(reflow: Reflow, crds: None) -> None:
    result = await reflow("get", "ks")
    assert result.code == 0
    assert result.stdout == ""
    assert "no Kustomization objects found" in result.stderr


async def test_watch_prints_a_row_when_an_object_changes(
    sources: list[Manifest], kube: Kube, kubeconfig: Path, namespace: str
) -> None:
    args = ("get", "sources", "git", "--watch", "--timeout", "10s", "--kubeconfig", str(kubeconfig), "-n", namespace)
    async with streaming(*args) as watch:
        await watch.line(lambda line: line.startswith("podinfo"))  # the listing is printed; the watch follows it
        ref = ObjectRef("source.toolkit.fluxcd.io/v1", "GitRepository", "broken", namespace)
        await kube.patch(ref, {"status": {"conditions": [ready_condition(message="fixed now")]}}, subresource="status")
        changed = await watch.line(lambda line: line.startswith("broken") and "fixed now" in line)
        code, stderr = await watch.exit_code()
    assert changed.endswith("fixed now")
    assert code == 0, stderr


async def test_unknown_flag_is_a_usage_error(reflow: Reflow) -> None:
    result = await reflow("get", "ks", "--bogus")
    assert result.code == 2
    assert "No such option" in result.stderr


async def test_unreachable_cluster_is_one_clear_line(reflow: Reflow, kubeconfig: object) -> None:
    result = await reflow(
        "get", "ks", "--kubeconfig", str(kubeconfig), "--server", "https://127.0.0.1:9", namespaced=False
    )
    assert result.code == 1
    assert "cannot reach the API server at https://127.0.0.1:9" in result.stderr
    assert "hint:" in result.stderr


async def test_get_one_by_name_and_an_unknown_name(reflow: Reflow, sources: list[Manifest], namespace: str) -> None:
    one = await reflow("get", "source", "git", "podinfo", "--no-header")
    assert one.code == 0, one.stderr
    assert [line.split()[0] for line in lines(one.stdout)] == ["podinfo"]
    missing = await reflow("get", "source", "git", "ghost")
    assert missing.code == 1
    assert f"GitRepository object 'ghost' not found in '{namespace}' namespace" in missing.stderr
