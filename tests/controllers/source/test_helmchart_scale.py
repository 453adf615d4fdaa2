"""200 HelmCharts on one repository with a 5,000-version index: one index request per interval, not per chart."""

from __future__ import annotations

import io
import tarfile
import time
from collections.abc import Callable
from pathlib import Path

import yaml

from reflow.api.conditions import condition
from reflow.api.meta import Manifest
from reflow.engines.helmrepo import HelmSettings
from reflow.kube.client import Kube
from reflow.kube.wait import wait_for_items
from tests.chartrepo import ChartRepo, make_repo, serve_repo
from tests.controllers.source.helmcharts import SOURCE, helm_chart, request, until
from tests.controllers.source.test_helmrepository import helm_repository
from tests.managers import StartControllers
from tests.manifests import ready_is

CHARTS = 200
VERSIONS = 25  # 200 × 25 = 5,000 chart versions in the index


def chart_archive(name: str, version: str) -> bytes:
    """A minimal packaged chart: Chart.yaml, values.yaml and one template."""
    files = {
        "Chart.yaml": f"apiVersion: v2\nname: {name}\nversion: {version}\n".encode(),
        "values.yaml": b"greeting: hello\n",
        "templates/configmap.yaml": b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n",
    }
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for path, data in files.items():
            info = tarfile.TarInfo(f"{name}/{path}")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def generate(repo: ChartRepo, newest: int) -> None:
    """An index of CHARTS charts with VERSIONS versions each, up to `1.0.<newest>`; only the newest are files."""
    entries = {}
    for chart in range(CHARTS):
        name = f"c{chart}"
        entries[name] = [
            {
                "apiVersion": "v2",
                "name": name,
                "version": f"1.0.{patch}",
                "created": f"2026-01-01T00:{patch // 60:02d}:{patch % 60:02d}Z",
                "digest": f"{chart:08d}{patch:056d}",
                "urls": [f"{name}-1.0.{patch}.tgz"],
            }
            for patch in range(newest - VERSIONS + 1, newest + 1)
        ]
        (repo.root / f"{name}-1.0.{newest}.tgz").write_bytes(chart_archive(name, f"1.0.{newest}"))
    document = {"apiVersion": "v1", "entries": entries, "generated": "2026-01-01T00:00:00Z"}
    repo.write_index(yaml.dump(document, Dumper=yaml.CSafeDumper).encode())


def all_at(version: str) -> Callable[[list[Manifest]], bool]:
    def check(items: list[Manifest]) -> bool:
        return len(items) == CHARTS and all(
            (c := condition(item, "Ready")) is not None
            and c["status"] == "True"
            and item["status"]["artifact"]["revision"] == version
            for item in items
        )

    return check


async def test_two_hundred_charts_cost_one_index_request_per_interval(
    kube: Kube, namespace: str, start_controllers: StartControllers, tmp_path: Path
) -> None:
    repo = make_repo(tmp_path / "repo")
    generate(repo, newest=VERSIONS - 1)
    async with serve_repo(repo) as server:
        await start_controllers("source", controller_options={"helm": HelmSettings(helm_cache_max_size=10)})
        await kube.create(helm_repository(namespace, "charts", server.url))
        await until(kube, "HelmRepository", namespace, "charts", ready_is("True"), timeout=120)
        started = time.monotonic()
        for chart in range(CHARTS):
            await kube.create(helm_chart(namespace, f"c{chart}", f"c{chart}", "HelmRepository", "charts"))
        await wait_for_items(
            kube, SOURCE, "HelmChart", namespace, all_at(f"1.0.{VERSIONS - 1}"), timeout=600, what="all Ready"
        )
        first = time.monotonic() - started
        assert server.requests.count("index.yaml") == 1
        assert len(server.requests) == 1 + CHARTS  # the index once, each chart once

        # The next interval of the repository: one request; an unchanged index wakes no chart.
        await request(kube, "HelmRepository", namespace, "charts", "unchanged")
        assert server.requests.count("index.yaml") == 2
        assert len(server.requests) == 2 + CHARTS

        # A new version in the index: one request, and every chart moves to it from the cached index.
        generate(repo, newest=VERSIONS)
        started = time.monotonic()
        await request(kube, "HelmRepository", namespace, "charts", "moved")
        await wait_for_items(
            kube, SOURCE, "HelmChart", namespace, all_at(f"1.0.{VERSIONS}"), timeout=600, what="all moved"
        )
        moved = time.monotonic() - started
        assert server.requests.count("index.yaml") == 3
        assert len(server.requests) == 3 + 2 * CHARTS
        print(f"index of {len(repo.index)} bytes; {CHARTS} charts ready in {first:.1f}s, moved in {moved:.1f}s")
