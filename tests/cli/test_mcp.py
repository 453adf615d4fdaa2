"""`reflow mcp` driven through the MCP SDK's client against the real plane: its answers are what the CLI prints,
write tools exist only with --allow-write, no Secret value ever leaves it, and a viewer without rights is refused."""

from __future__ import annotations

import asyncio
import base64
import json
import secrets
from pathlib import Path

import aiohttp
import pytest
import yaml

from reflow.api.annotations import REQUESTED_AT
from reflow.api.meta import Manifest, ObjectRef
from reflow.kube.client import Kube
from reflow.kube.tokenrequest import request_token
from tests.cli.controller import stand_in
from tests.cli.mcpclient import over_http, over_stdio
from tests.cli.objects import ObjectFactory, artifact, git_repository, kustomization, ready_condition
from tests.cli.runner import Reflow
from tests.controllers.helm.charts import make_chart

KS_GROUP = "kustomize.toolkit.fluxcd.io"
WRITE_TOOLS = {"reconcile", "suspend", "resume"}
READ_TOOLS = {"list_objects", "get_object", "trace", "tree", "events", "logs", "diff_kustomization",
              "diff_helmrelease", "build_kustomization"}  # fmt: skip


def _event(namespace: str, name: str, obj: str, reason: str, at: str) -> Manifest:
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": name, "namespace": namespace},
        "involvedObject": {"kind": "Kustomization", "name": obj, "namespace": namespace},
        "reason": reason,
        "message": f"{reason} message",
        "type": "Normal",
        "firstTimestamp": at,
        "lastTimestamp": at,
        "source": {"component": "kustomize-controller"},
    }


@pytest.fixture
async def applied(make: ObjectFactory, kube: Kube, namespace: str) -> None:
    """A Ready GitRepository `repo`, a Kustomization `apps` reading it that applied the ConfigMap `settings`,
    and two events of `apps`."""
    await make(git_repository("repo"), {"conditions": [ready_condition(message="stored artifact for revision "
               "'main@sha1:9'")], "artifact": artifact("main@sha1:9")})  # fmt: skip
    await make(
        git_repository("broken"), {"conditions": [ready_condition("False", "auth failed", "GitOperationFailed")]}
    )
    entries = [{"id": f"{namespace}_settings__ConfigMap", "v": "v1"}]
    await make(kustomization("apps", path="./deploy"), {"conditions": [ready_condition(message="Applied revision: "
               "main@sha1:9")], "lastAppliedRevision": "main@sha1:9", "inventory": {"entries": entries}})  # fmt: skip
    labels = {f"{KS_GROUP}/name": "apps", f"{KS_GROUP}/namespace": namespace}
    await kube.create({"apiVersion": "v1", "kind": "ConfigMap",
                       "metadata": {"name": "settings", "namespace": namespace, "labels": labels}})  # fmt: skip
    await kube.create(_event(namespace, "e1", "apps", "ReconciliationSucceeded", "2026-01-01T00:00:02Z"))
    await kube.create(_event(namespace, "e2", "apps", "Progressing", "2026-01-01T00:00:01Z"))


def _log_file(path: Path, namespace: str) -> Path:
    lines = [
        {"ts": "2026-01-01T00:00:01Z", "level": "info", "logger": "kustomize", "msg": "applied",
         "controllerKind": "Kustomization", "name": "apps", "namespace": namespace},
        {"ts": "2026-01-01T00:00:02Z", "level": "error", "logger": "source", "msg": "auth failed",
         "controllerKind": "GitRepository", "name": "broken", "namespace": namespace},
    ]  # fmt: skip
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return path


async def test_reading_tools_answer_what_the_cli_prints(
    reflow: Reflow, applied: None, kubeconfig: Path, namespace: str, tmp_path: Path
) -> None:
    log = _log_file(tmp_path / "controllers.log", namespace)
    async with over_stdio(kubeconfig, namespace, "--log-file", str(log), errlog=tmp_path / "err") as assistant:
        assert await assistant.tools() == READ_TOOLS

        text, failed = await assistant.call("list_objects", kind="GitRepository")
        assert not failed
        assert text == (await reflow("get", "sources", "git")).stdout
        assert text == (await assistant.call("list_objects", kind="GitRepository", namespace=namespace))[0]
        assert (await assistant.call("list_objects", kind="all"))[0] == (await reflow("get", "all")).stdout

        first, _ = await assistant.call("list_objects", kind="all", limit=1)
        assert "gitrepository/broken" in first
        assert "gitrepository/repo" not in first
        assert "[1-1 of 3 shown; call again with offset=1 for the next page]" in first
        last, _ = await assistant.call("list_objects", kind="all", limit=2, offset=2)
        assert "kustomization/apps" in last
        assert "offset=" not in last

        text, failed = await assistant.call("trace", name="settings", kind="ConfigMap", api_version="v1")
        assert not failed
        assert text == (await reflow("trace", "settings", "--kind", "ConfigMap", "--api-version", "v1")).stdout
        assert "GitRepository:  repo" in text

        text, _ = await assistant.call("tree", name="apps")
        assert text == (await reflow("tree", "kustomization", "apps")).stdout
        assert f"ConfigMap/{namespace}/settings" in text

        text, _ = await assistant.call("events", kind="Kustomization", name="apps")
        assert text == (await reflow("events", "--for", "Kustomization/apps")).stdout
        assert text.index("Progressing") < text.index("ReconciliationSucceeded")

        text, _ = await assistant.call("logs", kind="Kustomization", name="apps")
        cli = await reflow("logs", "--log-file", str(log), "--kind", "Kustomization", "--name", "apps")
        assert text == cli.stdout
        assert "Kustomization/apps" in text
        assert "broken" not in text

        text, _ = await assistant.call("get_object", kind="Kustomization", name="apps")
        obj = yaml.safe_load(text)
        assert obj["status"]["lastAppliedRevision"] == "main@sha1:9"
        assert "managedFields" not in obj["metadata"]
        as_json, _ = await assistant.call("get_object", kind="configmap", api_version="v1", name="settings",
                                          output="json")  # fmt: skip
        assert json.loads(as_json)["metadata"]["labels"][f"{KS_GROUP}/name"] == "apps"

        text, failed = await assistant.call("get_object", kind="Kustomization", name="nope")
        assert failed
        assert '"nope" not found' in text
        assert "hint:" in text
        text, failed = await assistant.call("list_objects", kind="Pod")
        assert failed
        assert "kind must be one of" in text


async def test_resources_are_the_reference_of_each_flux_kind(kubeconfig: Path, namespace: str, tmp_path: Path) -> None:
    async with over_stdio(kubeconfig, namespace, errlog=tmp_path / "err") as assistant:
        listed = (await assistant.session.list_resources()).resources
        assert {"reflow://crd/GitRepository", "reflow://crd/HelmRelease", "reflow://crd/Alert"} <= {
            str(resource.uri) for resource in listed
        }
        text = await assistant.resource("reflow://crd/GitRepository")
        assert text.startswith("# GitRepository\n")
        assert "- `url` (string, required): " in text


def _write(directory: Path, files: dict[str, str]) -> Path:
    directory.mkdir()
    for name, text in files.items():
        (directory / name).write_text(text)
    (directory / "kustomization.yaml").write_text(yaml.safe_dump({"resources": sorted(files)}))
    return directory


def _secret(user: str, password: str) -> str:
    return (
        f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\nstringData:\n  user: {user}\n  password: {password}\n"
    )


async def test_no_answer_carries_a_secret_value(
    reflow: Reflow, make: ObjectFactory, kube: Kube, namespace: str, kubeconfig: Path, tmp_path: Path
) -> None:
    marker = f"marker-{secrets.token_hex(12)}"
    leaks = (marker, base64.b64encode(marker.encode()).decode())
    await kube.apply({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "creds", "namespace": namespace},
                      "stringData": {"user": "admin", "password": marker}},
                     field_manager="kustomize-controller", force=True)  # fmt: skip
    manifest = kustomization("app")
    manifest["spec"]["targetNamespace"] = namespace
    manifest["spec"]["postBuild"] = {"substituteFrom": [{"kind": "Secret", "name": "creds"}]}
    entries = [{"id": f"{namespace}_creds__Secret", "v": "v1"}, {"id": f"{namespace}_settings__ConfigMap", "v": "v1"}]
    await make(manifest, {"conditions": [ready_condition()], "inventory": {"entries": entries}})
    await kube.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings", "namespace": namespace},
                      "data": {"greeting": "hello"}}, field_manager="kustomize-controller", force=True)  # fmt: skip
    config = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  greeting: ${password}\n"
    local = _write(tmp_path / "app", {"secret.yaml": _secret("root", marker), "config.yaml": config})

    async with over_stdio(kubeconfig, namespace, "--allow-write", errlog=tmp_path / "err") as assistant:
        diff, failed = await assistant.call("diff_kustomization", name="app", path=str(local))
        assert not failed, diff
        cli = await reflow("diff", "kustomization", "app", "--path", str(local), "--no-progress-bar")
        # The CLI shows the substituted value, as flux diff does; the tool hides it and nothing else.
        assert marker in cli.stdout
        assert diff == cli.stdout.replace(marker, "*****")
        assert f"► Secret/{namespace}/creds drifted" in diff
        assert f"► ConfigMap/{namespace}/settings drifted" in diff
        assert "*** (before)" in diff

        built, _ = await assistant.call("build_kustomization", name="app", path=str(local))
        assert "kind: Secret" in built
        assert "password: '***'" in built
        assert "greeting: *****" in built
        shown, _ = await assistant.call("get_object", kind="Secret", api_version="v1", name="creds")
        assert yaml.safe_load(shown)["data"] == {"password": "***", "user": "***"}
        await assistant.call("get_object", kind="Secret", api_version="v1", name="creds", output="json")
        await assistant.call("list_objects", kind="all")
        await assistant.call("tree", name="app")
        await assistant.call("trace", name="creds", kind="Secret", api_version="v1")
        await assistant.call("events")
        await assistant.call("suspend", kind="Kustomization", name="app")
        await assistant.call("resume", kind="Kustomization", name="app")

    assert len(assistant.answers) == 10
    for answer in assistant.answers:
        assert not any(leak in answer for leak in leaks), answer


async def test_write_tools_exist_only_with_allow_write_and_change_the_object(
    make: ObjectFactory, kube: Kube, namespace: str, kubeconfig: Path, tmp_path: Path
) -> None:
    await make(git_repository("podinfo"), {"conditions": [ready_condition()], "artifact": artifact("main@sha1:1")})
    await make(kustomization("apps", "podinfo"), {"conditions": [ready_condition()]})
    async with over_stdio(kubeconfig, namespace, errlog=tmp_path / "err") as assistant:
        assert WRITE_TOOLS.isdisjoint(await assistant.tools())
        text, failed = await assistant.call("suspend", kind="Kustomization", name="apps")
        assert failed
        assert "no tool 'suspend'" in text
    ks = ObjectRef(f"{KS_GROUP}/v1", "Kustomization", "apps", namespace)
    assert not (await kube.get(ks))["spec"].get("suspend")

    async with over_stdio(kubeconfig, namespace, "--allow-write", errlog=tmp_path / "err") as assistant:
        assert await assistant.tools() >= WRITE_TOOLS
        text, failed = await assistant.call("suspend", kind="Kustomization", name="apps")
        assert (text, failed) == (f"Kustomization/{namespace}/apps suspended\n", False)
        assert (await kube.get(ks))["spec"]["suspend"] is True
        text, failed = await assistant.call("resume", kind="Kustomization", name="apps")
        assert not failed, text
        assert (await kube.get(ks))["spec"]["suspend"] is False

        git = ObjectRef("source.toolkit.fluxcd.io/v1", "GitRepository", "podinfo", namespace)
        fields = {"artifact": artifact("main@sha1:2")}
        async with stand_in(kube, git.api_version, git.kind, namespace, fields=fields) as seen:
            text, failed = await assistant.call("reconcile", kind="GitRepository", name="podinfo")
        assert (text, failed) == (f"GitRepository/{namespace}/podinfo reconciled; revision main@sha1:2\n", False)
        assert seen == ["podinfo"]
        live = await kube.get(git)
        assert live["status"]["lastHandledReconcileAt"] == live["metadata"]["annotations"][REQUESTED_AT]

        text, failed = await assistant.call("reconcile", kind="GitRepository", name="podinfo", with_source=True)
        assert failed
        assert "with_source is for Kustomizations and HelmReleases" in text


async def _viewer_kubeconfig(kube: Kube, kubeconfig: Path, namespace: str, path: Path) -> Path:
    """A kubeconfig of the plane's server whose user is a ServiceAccount token bound to no role."""
    await kube.create(
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "viewer", "namespace": namespace}}
    )
    token = await request_token(kube, namespace, "viewer", [])
    config = yaml.safe_load(await asyncio.to_thread(kubeconfig.read_text))
    context = next(c for c in config["contexts"] if c["name"] == config["current-context"])
    context["context"]["user"] = "viewer"
    config["contexts"] = [context]
    config["users"] = [{"name": "viewer", "user": {"token": token.token}}]
    await asyncio.to_thread(path.write_text, yaml.safe_dump(config))
    return path


async def test_a_viewer_without_rights_is_refused_clearly(
    make: ObjectFactory, kube: Kube, namespace: str, kubeconfig: Path, tmp_path: Path
) -> None:
    await make(git_repository("repo"), {"conditions": [ready_condition()]})
    viewer = await _viewer_kubeconfig(kube, kubeconfig, namespace, tmp_path / "viewer.kubeconfig")
    async with over_stdio(viewer, namespace, "--allow-write", errlog=tmp_path / "err") as assistant:
        text, failed = await assistant.call("list_objects", kind="GitRepository")
        assert failed
        assert f"system:serviceaccount:{namespace}:viewer" in text
        assert "lacks RBAC permission" in text
        text, failed = await assistant.call("get_object", kind="Secret", api_version="v1", name="any")
        assert failed
        assert "forbidden" in text.lower()
        text, failed = await assistant.call("suspend", kind="GitRepository", name="repo")
        assert failed
        assert "forbidden" in text.lower()
        assert "list_objects" in await assistant.tools()
    assert not (await kube.get(ObjectRef("source.toolkit.fluxcd.io/v1", "GitRepository", "repo", namespace)))[
        "spec"
    ].get("suspend")


async def test_streamable_http_answers_as_stdio_does(
    reflow: Reflow, applied: None, kubeconfig: Path, namespace: str
) -> None:
    async with over_http(kubeconfig, namespace) as assistant:
        assert await assistant.tools() == READ_TOOLS
        text, failed = await assistant.call("list_objects", kind="Kustomization")
        assert not failed
        assert text == (await reflow("get", "kustomizations")).stdout
        text, _ = await assistant.call("trace", name="apps", kind="Kustomization", api_version=f"{KS_GROUP}/v1")
        assert (
            text == (await reflow("trace", "apps", "--kind", "Kustomization", "--api-version", f"{KS_GROUP}/v1")).stdout
        )
        assert (await assistant.resource("reflow://crd/Kustomization")).startswith("# Kustomization\n")
        initialize = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {}}
        accept = {"Accept": "application/json, text/event-stream"}
        bearer = {**accept, "Authorization": f"Bearer {assistant.token}"}
        async with aiohttp.ClientSession() as http:
            # DNS rebinding: a page of another origin, or a name that resolves to loopback, is refused.
            async with http.post(assistant.address, json=initialize, headers={**bearer, "Host": "evil.example"}) as r:
                assert r.status == 421
            async with http.post(
                assistant.address, json=initialize, headers={**bearer, "Origin": "http://evil.example"}
            ) as r:
                assert r.status == 403


async def test_streamable_http_refuses_requests_without_the_printed_token(kubeconfig: Path, namespace: str) -> None:
    async with over_http(kubeconfig, namespace) as assistant:
        assert len(assistant.token) >= 43
        initialize = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {}}
        accept = {"Accept": "application/json, text/event-stream"}
        async with aiohttp.ClientSession() as http:
            for wrong in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": assistant.token}):
                async with http.post(assistant.address, json=initialize, headers={**accept, **wrong}) as r:
                    assert r.status == 401
                    assert r.headers["WWW-Authenticate"].startswith("Bearer")
                    assert assistant.token not in await r.text()
            async with http.get(assistant.address) as r:
                assert r.status == 401
        assert await assistant.tools() == READ_TOOLS


async def test_streamable_http_takes_the_token_of_an_owner_only_file(
    kubeconfig: Path, namespace: str, tmp_path: Path
) -> None:
    token = f"token-{secrets.token_hex(16)}"
    path = tmp_path / "token"
    path.write_text(token + "\n")
    path.chmod(0o600)
    async with over_http(kubeconfig, namespace, "--token-file", str(path), token=token) as assistant:
        assert await assistant.tools() == READ_TOOLS
        initialize = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {}}
        async with aiohttp.ClientSession() as http, http.post(assistant.address, json=initialize) as r:
            assert r.status == 401


async def test_logs_read_the_controller_pods_of_the_flux_namespace_given(
    reflow: Reflow, namespace: str, kubeconfig: Path, tmp_path: Path
) -> None:
    async with over_stdio(kubeconfig, namespace, errlog=tmp_path / "err") as assistant:
        text, failed = await assistant.call("logs", kind="Kustomization", name="apps", flux_namespace=namespace)
        assert failed
        assert text.startswith(f"no controller Pods (app.kubernetes.io/part-of=flux) found in {namespace} namespace")
        cli = await reflow("logs", "--kind", "Kustomization", "--name", "apps", "--flux-namespace", namespace)
        assert cli.code == 1
        assert text.split(" (hint:")[0] in cli.stderr
        default, _ = await assistant.call("logs", kind="Kustomization", name="apps")
        assert namespace not in default


async def test_diff_helmrelease_answers_what_the_cli_prints(
    reflow: Reflow, crds: None, namespace: str, kubeconfig: Path, tmp_path: Path
) -> None:
    chart = make_chart(tmp_path / "charts", "app", "0.1.0")
    hr = tmp_path / "hr.yaml"
    hr.write_text(
        "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: web\nspec:\n  interval: 10m\n"
        "  chartRef: {kind: OCIRepository, name: app}\n  values:\n    greeting: hola\n"
    )
    async with over_stdio(kubeconfig, namespace, errlog=tmp_path / "err") as assistant:
        text, failed = await assistant.call("diff_helmrelease", name="web", file=str(hr), chart=str(chart))
    assert not failed, text
    cli = await reflow("diff", "helmrelease", "web", "--file", str(hr), "--chart", str(chart), "--no-progress-bar")
    assert text == cli.stdout
    assert f"► ConfigMap/{namespace}/web-config created" in text


async def test_tree_of_a_helmrelease_nests_what_it_released(
    make: ObjectFactory, namespace: str, kubeconfig: Path, tmp_path: Path
) -> None:
    release = {"apiVersion": "helm.toolkit.fluxcd.io/v2", "kind": "HelmRelease", "metadata": {"name": "web"},
               "spec": {"interval": "10m", "chartRef": {"kind": "OCIRepository", "name": "app"}}}  # fmt: skip
    entries = [{"id": f"{namespace}_web-app_apps_Deployment", "v": "v1"}]
    await make(release, {"conditions": [ready_condition()], "inventory": {"entries": entries}})
    async with over_stdio(kubeconfig, namespace, errlog=tmp_path / "err") as assistant:
        text, failed = await assistant.call("tree", kind="HelmRelease", name="web")
    assert not failed, text
    assert text == f"HelmRelease/{namespace}/web\n└── Deployment/{namespace}/web-app\n"
