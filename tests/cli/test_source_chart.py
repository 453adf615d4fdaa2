"""`reflow get|reconcile|suspend|resume|export|delete source chart` against the real source controller."""

from __future__ import annotations

from pathlib import Path

import yaml

from reflow.kube.client import Kube
from reflow.kube.wait import wait_deleted
from tests.chartrepo import make_repo, serve_repo
from tests.cli.runner import Reflow
from tests.controllers.source.helmcharts import helm_chart, ref, until
from tests.controllers.source.test_helmrepository import helm_repository
from tests.managers import StartControllers
from tests.manifests import ready_is


async def test_chart_verbs_work_on_a_helm_chart(
    reflow: Reflow, kube: Kube, namespace: str, start_controllers: StartControllers, tmp_path: Path
) -> None:
    repo = make_repo(tmp_path / "repo")
    repo.add_chart("web", "1.0.0")
    async with serve_repo(repo) as server:
        await start_controllers("source")
        await kube.create(helm_repository(namespace, "charts", server.url))
        await kube.create(helm_chart(namespace, "web", "web", "HelmRepository", "charts", version="1.x"))
        await until(kube, "HelmChart", namespace, "web", ready_is("True"))

        listed = await reflow("get", "sources", "chart")
        assert listed.code == 0, listed.stderr
        row = next(line for line in listed.stdout.splitlines() if line.startswith("web"))
        assert row.split()[1:4] == ["1.0.0", "False", "True"]
        assert "pulled 'web' chart with version '1.0.0'" in row

        repo.add_chart("web", "1.1.0")
        reconciled = await reflow("reconcile", "source", "helm", "charts")
        assert reconciled.code == 0, reconciled.stderr
        reconciled = await reflow("reconcile", "source", "chart", "web")
        assert reconciled.code == 0, reconciled.stderr
        assert "fetched revision 1.1.0" in reconciled.stderr
        obj = await until(kube, "HelmChart", namespace, "web", ready_is("True", "1.1.0"))
        assert obj["status"]["artifact"]["revision"] == "1.1.0"

        suspended = await reflow("suspend", "source", "chart", "web")
        assert suspended.code == 0, suspended.stderr
        assert (await kube.get(ref("HelmChart", namespace, "web")))["spec"]["suspend"] is True
        resumed = await reflow("resume", "source", "chart", "web")
        assert resumed.code == 0, resumed.stderr
        assert (await kube.get(ref("HelmChart", namespace, "web")))["spec"]["suspend"] is False

        exported = await reflow("export", "source", "chart", "web")
        assert exported.code == 0, exported.stderr
        document = yaml.safe_load(exported.stdout)
        assert document["kind"] == "HelmChart"
        assert document["spec"]["chart"] == "web"
        assert document["spec"]["sourceRef"] == {"kind": "HelmRepository", "name": "charts"}
        assert "status" not in document

        deleted = await reflow("delete", "source", "chart", "web", "--silent")
        assert deleted.code == 0, deleted.stderr
        await wait_deleted(kube, ref("HelmChart", namespace, "web"), timeout=60)
        assert not (tmp_path / "artifacts" / "helmchart" / namespace / "web").exists()  # finalizer cleaned storage
