"""HelmChart from GitRepository and Bucket artifacts: packaged by the real helm with its dependencies, the
reconcile strategies, values files, and refusals of paths and files that try to leave the source."""

from __future__ import annotations

import io
import tarfile
from collections.abc import Callable
from pathlib import Path

import yaml

from reflow.api.conditions import condition
from reflow.api.meta import Manifest
from reflow.dev.gobuild import binary
from reflow.engines.helmrepo import HelmSettings
from reflow.kube.client import Kube
from tests.chartrepo import make_repo as make_chart_repo
from tests.chartrepo import serve_repo
from tests.controllers.source.buckets import bucket, create_keys, new_bucket_name
from tests.controllers.source.gitrepositories import create_creds, fetch, git_repository, secret
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
from tests.gitservers import GitHttpServer, Repo, run
from tests.managers import StartControllers
from tests.manifests import ready_is
from tests.s3server import S3Server


def helm_create(folder: Path) -> None:
    folder.parent.mkdir(parents=True, exist_ok=True)
    run(binary("helm"), "create", folder)


def add_dependencies(chart: Path, dependencies: list[dict[str, str]], version: str | None = None) -> None:
    meta = yaml.safe_load((chart / "Chart.yaml").read_text())
    meta["dependencies"] = dependencies
    meta["version"] = version or meta["version"]
    (chart / "Chart.yaml").write_text(yaml.safe_dump(meta))


def members(data: bytes) -> set[str]:
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        return {member.name for member in archive.getmembers()}


def source_revision_is(revision: str) -> Callable[[Manifest | None], bool]:
    return lambda obj: ((obj or {}).get("status") or {}).get("observedSourceArtifactRevision") == revision


async def git_source(kube: Kube, namespace: str, git_http: GitHttpServer, repo: Repo) -> None:
    await create_creds(kube, namespace, git_http)
    url = git_http.url(repo.bare.name)
    await kube.create(git_repository(namespace, "repo", url, ref={"branch": "main"}, secretRef={"name": "creds"}))


async def test_chart_from_git_gets_its_dependencies_and_only_a_version_bump_or_revision_strategy_makes_new_artifacts(
    kube: Kube,
    namespace: str,
    start_controllers: StartControllers,
    git_http: GitHttpServer,
    make_repo: Callable[[], Repo],
    tmp_path: Path,
) -> None:
    charts = make_chart_repo(tmp_path / "charts")
    charts.add_chart("web", "1.0.0")
    charts.add_chart("web", "1.2.0")
    charts.add_chart("web", "2.0.0")
    repo = make_repo()
    helm_create(repo.work / "charts/app")
    helm_create(repo.work / "charts/common")
    async with serve_repo(charts, auth=("reader", "s3cret")) as server:
        add_dependencies(
            repo.work / "charts/app",
            [
                {"name": "common", "version": "0.1.x", "repository": "file://../common"},
                {"name": "web", "version": "1.x", "repository": server.url},
            ],
        )
        first = repo.commit({}, "an app chart with a local and a repository dependency")
        await start_controllers("source")
        # The repository dependency is fetched with the credentials of the HelmRepository with its URL.
        await kube.create(secret(namespace, "chart-creds", {"username": b"reader", "password": b"s3cret"}))
        await kube.create(helm_repository(namespace, "charts", server.url, secretRef={"name": "chart-creds"}))
        await git_source(kube, namespace, git_http, repo)
        await kube.create(helm_chart(namespace, "app", "./charts/app", "GitRepository", "repo"))

        obj = await until(kube, "HelmChart", namespace, "app", ready_is("True"))
        status = obj["status"]
        ready = condition(obj, "Ready")
        assert ready is not None
        assert ready["reason"] == "ChartPackageSucceeded"
        assert ready["message"] == "packaged 'app' chart with version '0.1.0'"
        assert status["artifact"]["revision"] == "0.1.0"
        assert status["observedSourceArtifactRevision"] == f"main@sha1:{first}"
        data = await fetch(status["artifact"]["url"])
        assert {"app/charts/common/Chart.yaml", "app/charts/web/Chart.yaml"} <= members(data)
        shown, rendered = helm_reads(data, tmp_path)
        assert [dep["name"] for dep in shown["dependencies"]] == ["common", "web"]
        names = {doc["metadata"]["name"] for doc in rendered if doc["kind"] == "Deployment"}
        assert names == {"release-app", "release-common", "release-web"}

        second = repo.commit({"charts/app/templates/NOTES.txt": "changed notes\n"}, "no version bump")
        await request(kube, "GitRepository", namespace, "repo", "second")
        same = await until(kube, "HelmChart", namespace, "app", source_revision_is(f"main@sha1:{second}"))
        assert same["status"]["artifact"] == status["artifact"]  # ChartVersion: no new artifact

        await kube.patch(ref("HelmChart", namespace, "app"), {"spec": {"reconcileStrategy": "Revision"}})
        moved = await until(kube, "HelmChart", namespace, "app", revision_is(f"0.1.0+{second[:12]}"))
        assert helm_reads(await fetch(moved["status"]["artifact"]["url"]), tmp_path)[0]["version"] == (
            f"0.1.0+{second[:12]}"
        )
        third = repo.commit({"charts/app/templates/NOTES.txt": "changed again\n"}, "still no version bump")
        await request(kube, "GitRepository", namespace, "repo", "third")
        await until(kube, "HelmChart", namespace, "app", revision_is(f"0.1.0+{third[:12]}"))


async def test_chart_from_a_bucket_merges_values_files_from_the_source(
    kube: Kube, namespace: str, start_controllers: StartControllers, s3: S3Server, tmp_path: Path
) -> None:
    helm_create(tmp_path / "web")
    objects = {
        f"chart/{path.relative_to(tmp_path / 'web')}": path.read_bytes()
        for path in (tmp_path / "web").rglob("*")
        if path.is_file()
    }
    objects["env/prod.yaml"] = b"replicaCount: 5\nservice: {port: 8080}\n"
    name = new_bucket_name()
    s3.create_bucket(name, objects)
    await create_keys(kube, namespace)
    await start_controllers("source")
    await kube.create(bucket(namespace, "store", s3, name, secretRef={"name": "s3-keys"}))
    files = ["chart/values.yaml", "env/prod.yaml"]
    await kube.create(
        helm_chart(namespace, "web", "chart", "Bucket", "store", valuesFiles=files, reconcileStrategy="Revision")
    )
    obj = await until(kube, "HelmChart", namespace, "web", ready_is("True"))
    source = await until(kube, "Bucket", namespace, "store", ready_is("True"))
    digest = source["status"]["artifact"]["revision"].removeprefix("sha256:")
    assert obj["status"]["artifact"]["revision"] == f"0.1.0+{digest[:12]}.1"
    assert obj["status"]["observedValuesFiles"] == files
    values = chart_values(await fetch(obj["status"]["artifact"]["url"]))
    assert values["replicaCount"] == 5
    assert values["service"] == {"type": "ClusterIP", "port": 8080}
    assert values["image"]["repository"] == "nginx"


async def test_paths_leaving_the_source_unresolvable_dependencies_and_big_files_fail_and_keep_the_artifact(
    kube: Kube,
    namespace: str,
    start_controllers: StartControllers,
    git_http: GitHttpServer,
    make_repo: Callable[[], Repo],
    tmp_path: Path,
) -> None:
    victim = tmp_path / "victim"
    helm_create(victim)
    (victim / "values.yaml").write_text("password: hunter2\n")
    repo = make_repo()
    helm_create(repo.work / "app")
    repo.commit({}, "an app chart")
    await start_controllers("source", controller_options={"helm": HelmSettings(helm_chart_file_max_size=64 << 10)})
    await git_source(kube, namespace, git_http, repo)
    await kube.create(helm_chart(namespace, "app", "app", "GitRepository", "repo"))
    good = (await until(kube, "HelmChart", namespace, "app", ready_is("True")))["status"]["artifact"]

    # A values file outside the source is not read: an absolute path is taken inside the source.
    await kube.patch(ref("HelmChart", namespace, "app"), {"spec": {"valuesFiles": [str(victim / "values.yaml")]}})
    obj = await until(kube, "HelmChart", namespace, "app", ready_is("False", "no values file found at path"))
    assert condition(obj, "Ready")["reason"] == "ValuesFilesError"  # type: ignore[index]
    await kube.patch(ref("HelmChart", namespace, "app"), {"spec": {"valuesFiles": ["../../../victim/values.yaml"]}})
    obj = await until(kube, "HelmChart", namespace, "app", ready_is("False", "points outside the source"))
    assert obj["status"]["artifact"] == good
    await kube.patch(ref("HelmChart", namespace, "app"), {"spec": {"valuesFiles": None, "chart": "../../victim"}})
    obj = await until(kube, "HelmChart", namespace, "app", ready_is("False", "'../../victim' points outside"))
    assert condition(obj, "Stalled")["status"] == "True"  # type: ignore[index]
    await kube.patch(ref("HelmChart", namespace, "app"), {"spec": {"chart": "app"}})
    good = (await until(kube, "HelmChart", namespace, "app", ready_is("True")))["status"]["artifact"]

    # A dependency outside the source is not packaged (a new chart version: unchanged ones are not rebuilt).
    add_dependencies(repo.work / "app", [{"name": "victim", "version": "*", "repository": f"file://{victim}"}], "0.2.0")
    outside = repo.commit({}, "a dependency outside the source")
    await request(kube, "GitRepository", namespace, "repo", "outside")
    obj = await until(kube, "HelmChart", namespace, "app", source_revision_is(f"main@sha1:{outside}"))
    obj = await until(kube, "HelmChart", namespace, "app", ready_is("False", "no chart folder at"))
    assert condition(obj, "Ready")["reason"] == "DependencyBuildError"  # type: ignore[index]
    assert condition(obj, "BuildFailed")["status"] == "True"  # type: ignore[index]
    assert obj["status"]["artifact"] == good
    assert b"hunter2" not in await fetch(obj["status"]["artifact"]["url"])

    # A repository dependency that cannot be reached names the repository.
    unknown = {"name": "db", "version": "1.x", "repository": "http://127.0.0.1:9/charts"}
    add_dependencies(repo.work / "app", [unknown], "0.3.0")
    unreachable = repo.commit({}, "an unreachable dependency")
    await request(kube, "GitRepository", namespace, "repo", "unreachable")
    await until(kube, "HelmChart", namespace, "app", source_revision_is(f"main@sha1:{unreachable}"))
    obj = await until(kube, "HelmChart", namespace, "app", ready_is("False", "repository 'http://127.0.0.1:9/charts'"))
    assert obj["status"]["artifact"] == good

    # A file above --helm-chart-file-max-size stops the packaging.
    add_dependencies(repo.work / "app", [], "0.4.0")
    big = repo.commit({"app/files/blob.bin": b"\0" * (100 << 10)}, "a big file")
    await request(kube, "GitRepository", namespace, "repo", "big")
    await until(kube, "HelmChart", namespace, "app", source_revision_is(f"main@sha1:{big}"))
    obj = await until(kube, "HelmChart", namespace, "app", ready_is("False", "--helm-chart-file-max-size"))
    assert condition(obj, "Ready")["reason"] == "ChartPackageError"  # type: ignore[index]
    assert obj["status"]["artifact"] == good


async def test_a_missing_source_is_named_and_the_chart_is_built_once_the_source_has_an_artifact(
    kube: Kube,
    namespace: str,
    start_controllers: StartControllers,
    git_http: GitHttpServer,
    make_repo: Callable[[], Repo],
) -> None:
    repo = make_repo()
    helm_create(repo.work / "app")
    repo.commit({}, "an app chart")
    await start_controllers("source")
    await kube.create(helm_chart(namespace, "app", "app", "GitRepository", "repo"))
    obj = await until(kube, "HelmChart", namespace, "app", ready_is("False", "not found"))
    ready = condition(obj, "Ready")
    assert ready is not None
    assert ready["reason"] == "SourceUnavailable"
    assert ready["message"] == f"failed to get source: GitRepository '{namespace}/repo' not found"
    await git_source(kube, namespace, git_http, repo)
    built = await until(kube, "HelmChart", namespace, "app", ready_is("True"))
    assert built["status"]["artifact"]["revision"] == "0.1.0"
