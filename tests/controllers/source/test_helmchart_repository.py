"""HelmChart from an HTTP HelmRepository against the real plane and a chart repository made by helm."""

from __future__ import annotations

from pathlib import Path

from reflow.api.conditions import condition
from reflow.api.meta import Manifest
from reflow.engines.helmrepo import HelmSettings
from reflow.kube.client import Kube
from tests.chartrepo import make_repo, serve_repo
from tests.controllers.events import events_until
from tests.controllers.source.gitrepositories import fetch, secret
from tests.controllers.source.helmcharts import (
    chart_values,
    helm_chart,
    helm_reads,
    ref,
    request,
    revision_is,
    until,
)
from tests.controllers.source.test_helmrepository import helm_repository
from tests.gitservers import make_tls
from tests.managers import StartControllers
from tests.manifests import ready_is


def kept(obj: Manifest, good: Manifest) -> bool:
    """The object still points at the good artifact's file (a forced rebuild may renew its time stamp)."""
    artifact = obj["status"]["artifact"]
    return all(artifact[key] == good[key] for key in ("path", "revision", "digest"))


PROD = b"replicaCount: 3\nimage:\n  tag: prod\nextra:\n  list: [b]\n"


async def test_chart_is_pulled_as_is_and_a_new_version_in_range_is_picked_up(
    kube: Kube, namespace: str, start_controllers: StartControllers, tmp_path: Path
) -> None:
    repo = make_repo(tmp_path / "repo")
    repo.add_chart("web", "1.0.0")
    async with serve_repo(repo) as server:
        await start_controllers("source")
        await kube.create(helm_repository(namespace, "charts", server.url))
        await kube.create(helm_chart(namespace, "web", "web", "HelmRepository", "charts", version="1.x"))
        obj = await until(kube, "HelmChart", namespace, "web", ready_is("True"))
        repository = await until(kube, "HelmRepository", namespace, "charts", ready_is("True"))
        status, ready = obj["status"], condition(obj, "Ready")
        assert ready == {**ready, "reason": "ChartPullSucceeded", "message": "pulled 'web' chart with version '1.0.0'"}
        assert status["artifact"]["revision"] == "1.0.0"
        assert status["artifact"]["path"] == f"helmchart/{namespace}/web/web-1.0.0.tgz"
        assert status["observedChartName"] == "web"
        assert status["observedSourceArtifactRevision"] == repository["status"]["artifact"]["revision"]
        assert "observedValuesFiles" not in status
        data = await fetch(status["artifact"]["url"])
        assert data == (repo.root / "web-1.0.0.tgz").read_bytes()  # pulled, not re-packaged
        shown, rendered = helm_reads(data, tmp_path)
        assert (shown["name"], shown["version"]) == ("web", "1.0.0")
        assert {doc["kind"] for doc in rendered} >= {"Deployment", "Service"}
        assert server.requests.count("index.yaml") == 1  # the HelmRepository's fetch; the chart read its artifact

        seen = len(server.requests)
        handled = await request(kube, "HelmChart", namespace, "web", "unchanged")
        assert server.requests[seen:] == []  # same version: nothing downloaded, nothing written
        assert handled["status"]["artifact"] == status["artifact"]
        assert handled["status"]["conditions"] == status["conditions"]

        repo.add_chart("web", "1.1.0")
        repo.add_chart("web", "2.0.0")
        await request(kube, "HelmRepository", namespace, "charts", "new-index")
        # The HelmRepository's new artifact wakes the chart; no request to the chart needed.
        moved = await until(kube, "HelmChart", namespace, "web", revision_is("1.1.0"))
        assert await fetch(moved["status"]["artifact"]["url"]) == (repo.root / "web-1.1.0.tgz").read_bytes()
        recorded = await events_until(
            kube, namespace, lambda items: sum(e["reason"] == "ChartPullSucceeded" for e in items) == 2
        )
        assert {e["message"] for e in recorded if e["reason"] == "ChartPullSucceeded"} == {
            "pulled 'web' chart with version '1.0.0'",
            "pulled 'web' chart with version '1.1.0'",
        }


async def test_values_files_merge_into_the_packaged_chart_and_a_missing_one_fails_unless_ignored(
    kube: Kube, namespace: str, start_controllers: StartControllers, tmp_path: Path
) -> None:
    repo = make_repo(tmp_path / "repo")
    repo.add_chart("web", "1.0.0", {"values-prod.yaml": PROD})
    async with serve_repo(repo) as server:
        await start_controllers("source")
        await kube.create(helm_repository(namespace, "charts", server.url))
        files = ["values.yaml", "values-prod.yaml"]
        await kube.create(helm_chart(namespace, "web", "web", "HelmRepository", "charts", valuesFiles=files))
        obj = await until(kube, "HelmChart", namespace, "web", ready_is("True"))
        ready = condition(obj, "Ready")
        assert ready is not None
        assert ready["reason"] == "ChartPackageSucceeded"
        assert ready["message"] == (
            "packaged 'web' chart with version '1.0.0+1' and merged values files [values.yaml values-prod.yaml]"
        )
        assert obj["status"]["artifact"]["revision"] == "1.0.0+1"
        assert obj["status"]["artifact"]["path"] == f"helmchart/{namespace}/web/web-1.0.0+1.tgz"
        assert obj["status"]["observedValuesFiles"] == files
        data = await fetch(obj["status"]["artifact"]["url"])
        values = chart_values(data)
        assert values["replicaCount"] == 3
        assert values["image"] == {"repository": "nginx", "pullPolicy": "IfNotPresent", "tag": "prod"}
        assert values["extra"] == {"list": ["b"]}
        shown, rendered = helm_reads(data, tmp_path)
        assert shown["version"] == "1.0.0+1"
        deployment = next(doc for doc in rendered if doc["kind"] == "Deployment")
        assert deployment["spec"]["replicas"] == 3
        assert deployment["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:prod"

        await kube.patch(ref("HelmChart", namespace, "web"), {"spec": {"valuesFiles": ["values.yaml", "gone.yaml"]}})
        failed = await until(kube, "HelmChart", namespace, "web", ready_is("False", "gone.yaml"))
        ready = condition(failed, "Ready")
        assert ready is not None
        assert ready["reason"] == "ValuesFilesError"
        assert ready["message"] == "values files merge error: no values file found at path 'gone.yaml'"
        assert condition(failed, "BuildFailed")["status"] == "True"  # type: ignore[index]
        assert condition(failed, "Stalled")["status"] == "True"  # type: ignore[index]
        assert failed["status"]["artifact"] == obj["status"]["artifact"]

        await kube.patch(ref("HelmChart", namespace, "web"), {"spec": {"ignoreMissingValuesFiles": True}})
        fixed = await until(kube, "HelmChart", namespace, "web", revision_is("1.0.0+3"))
        assert fixed["status"]["observedValuesFiles"] == ["values.yaml"]
        assert condition(fixed, "BuildFailed") is None
        assert chart_values(await fetch(fixed["status"]["artifact"]["url"]))["replicaCount"] == 1


async def test_no_match_missing_or_broken_chart_and_wrong_password_keep_the_last_artifact(
    kube: Kube, namespace: str, start_controllers: StartControllers, tmp_path: Path
) -> None:
    repo = make_repo(tmp_path / "repo")
    repo.add_chart("web", "1.0.0")
    tls = make_tls(tmp_path)
    await kube.create(secret(namespace, "creds", {"username": b"reader", "password": b"s3cret"}))
    await kube.create(secret(namespace, "ca", {"ca.crt": tls.ca_cert.read_bytes()}))
    async with serve_repo(repo, auth=("reader", "s3cret"), tls=tls) as server:
        await start_controllers("source", controller_options={"helm": HelmSettings(helm_chart_max_size=1 << 20)})
        spec = {"secretRef": {"name": "creds"}, "certSecretRef": {"name": "ca"}}
        await kube.create(helm_repository(namespace, "charts", server.url, **spec))
        await kube.create(helm_chart(namespace, "web", "web", "HelmRepository", "charts"))
        good = (await until(kube, "HelmChart", namespace, "web", ready_is("True")))["status"]["artifact"]
        assert good["revision"] == "1.0.0"

        await kube.patch(ref("HelmChart", namespace, "web"), {"spec": {"version": "9.x"}})
        obj = await until(kube, "HelmChart", namespace, "web", ready_is("False", "9.x"))
        assert condition(obj, "Ready")["message"] == (  # type: ignore[index]
            "invalid chart reference: no 'web' chart with version matching '9.x' found"
        )
        assert condition(obj, "FetchFailed")["reason"] == "InvalidChartReference"  # type: ignore[index]
        assert kept(obj, good)

        repo.add_chart("web", "1.1.0")
        (repo.root / "web-1.1.0.tgz").write_bytes(b"not a chart at all")
        await kube.patch(ref("HelmChart", namespace, "web"), {"spec": {"version": "*"}})
        await request(kube, "HelmRepository", namespace, "charts", "broken-chart")
        obj = await until(kube, "HelmChart", namespace, "web", ready_is("False", "is not a Helm chart"))
        assert condition(obj, "Ready")["reason"] == "ChartPullError"  # type: ignore[index]
        assert kept(obj, good)

        (repo.root / "web-1.1.0.tgz").unlink()
        await request(kube, "HelmChart", namespace, "web", "missing-chart")
        obj = await until(kube, "HelmChart", namespace, "web", ready_is("False", "404 Not Found"))
        assert kept(obj, good)

        (repo.root / "web-1.1.0.tgz").write_bytes(b"\0" * (2 << 20))
        await request(kube, "HelmChart", namespace, "web", "too-big")
        obj = await until(kube, "HelmChart", namespace, "web", ready_is("False", "the chart is larger than the limit"))
        assert kept(obj, good)

        await kube.create(secret(namespace, "wrong", {"username": b"reader", "password": b"guess"}))
        # The repository keeps its stored index; the chart download now uses the wrong password.
        await kube.patch(ref("HelmRepository", namespace, "charts"), {"spec": {"secretRef": {"name": "wrong"}}})
        await until(kube, "HelmRepository", namespace, "charts", ready_is("False", "the credentials were refused"))
        repo.add_chart("web", "1.1.0")
        obj = await until(kube, "HelmChart", namespace, "web", ready_is("False", "the credentials were refused"))
        assert "guess" not in str(obj["status"])
        assert kept(obj, good)
