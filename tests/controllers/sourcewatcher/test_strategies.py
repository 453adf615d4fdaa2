"""Merge and Extract build what their rules say; pathPattern makes one ExternalArtifact per matched directory."""

from __future__ import annotations

import yaml

from reflow.kube.client import Kube
from tests.controllers.kustomize.sources import MakeSource
from tests.controllers.sourcewatcher.generators import (
    copy,
    generator,
    generator_ref,
    ready,
    ready_artifact,
    tarball_files,
    until,
)
from tests.engines.generator.trees import tarball
from tests.managers import StartControllers


async def test_extract_and_merge_compose_a_chart_with_environment_values_and_source_revisions(
    kube: Kube, namespace: str, git_source: MakeSource, start_controllers: StartControllers
) -> None:
    chart = tarball(
        {"podinfo/Chart.yaml": "name: podinfo\n", "podinfo/values.yaml": "replicas: 1\nimage: {tag: '6.0'}\n"}
    )
    files = {"charts/podinfo-6.0.0.tgz": chart, "values/production.yaml": "replicas: 3\nports: [443]\n"}
    _, revision = await git_source(files)  # type: ignore[arg-type]
    await start_controllers("source-controller", "source-watcher")
    spec = copy("podinfo", ("@repo/charts/*.tgz", "@artifact/"), revision="@repo", originRevision="@repo",
                inputsFrom="@artifact/podinfo/values.yaml")  # fmt: skip
    spec["copy"][0]["strategy"] = "Extract"
    spec["copy"].append({"from": "@repo/values/production.yaml", "to": "@artifact/podinfo/values.yaml",
                         "strategy": "Merge"})  # fmt: skip
    await kube.create(generator(namespace, [spec]))
    published = await ready_artifact(kube, namespace, "podinfo")
    files = await tarball_files(published)
    merged = {"replicas": 3, "image": {"tag": "6.0"}, "ports": [443]}
    assert set(files) == {"podinfo/Chart.yaml", "podinfo/values.yaml"}
    assert yaml.safe_load(files["podinfo/values.yaml"]) == merged
    assert published["status"]["exportedInputs"] == merged
    assert published["status"]["artifact"]["revision"] == revision
    assert published["status"]["artifact"]["metadata"] == {"org.opencontainers.image.revision": revision}


async def test_path_pattern_makes_one_artifact_per_directory(
    kube: Kube, namespace: str, git_source: MakeSource, start_controllers: StartControllers
) -> None:
    await git_source({
        "apps/podinfo/envs/staging/values.yaml": "env: staging\n",
        "apps/podinfo/envs/production/values.yaml": "env: production\n",
        "apps/redis/envs/dev/values.yaml": "env: dev\n",
        "apps/redis/base/kustomization.yaml": "resources: []\n",
    })  # fmt: skip
    await start_controllers("source-controller", "source-watcher")
    template = copy("{app}-{env}", ("@repo/apps/{app}/envs/{env}/**", "@artifact/"))
    await kube.create(generator(namespace, [template], pathPattern="@repo/apps/{app}/envs/{env}",
                                commonMetadata={"labels": {"team": "web"}}))  # fmt: skip
    expected = {"podinfo-staging": ("podinfo", "staging"), "podinfo-production": ("podinfo", "production"),
                "redis-dev": ("redis", "dev")}  # fmt: skip
    for name, (app, env) in expected.items():
        artifact = await ready_artifact(kube, namespace, name)
        assert await tarball_files(artifact) == {"values.yaml": f"env: {env}\n".encode()}
        labels = artifact["metadata"]["labels"]
        assert (labels["app"], labels["env"], labels["team"]) == (app, env, "web")
        assert labels["app.kubernetes.io/managed-by"] == "source-watcher"
    done = await until(kube, generator_ref(namespace), ready)
    assert sorted(entry["name"] for entry in done["status"]["inventory"]) == sorted(expected)
