"""Each bad input leaves the generator Ready=False naming the operation and path, and the last artifact served."""

from __future__ import annotations

from typing import Any

from reflow.kube.client import Kube
from tests.controllers.kustomize.sources import MakeSource
from tests.controllers.source.gitrepositories import fetch
from tests.controllers.sourcewatcher.generators import (
    artifact_ref,
    copy,
    failed,
    generator,
    generator_ref,
    ready,
    ready_artifact,
    until,
)
from tests.managers import StartControllers

FILES = {
    "apps/base/app.yaml": "replicas: 1\n",
    "apps/notes.txt": "not: [yaml\n",
    "charts/broken.tgz": "plain text, not an archive\n",
    "weird/dir_/x.yaml": "x: 1\n",
}


def op(source: str, to: str, strategy: str | None = None) -> dict[str, str]:
    return {"from": source, "to": to, **({"strategy": strategy} if strategy else {})}


# (what is wrong, the spec fields that make it so, words the Ready message must hold)
BAD: list[tuple[str, dict[str, Any], tuple[str, ...]]] = [
    ("glob matching nothing", {"artifacts": [{"name": "apps", "copy": [op("@repo/nothing/*.yaml", "@artifact/")]}]},
     ("Overwrite from '@repo/nothing/*.yaml'", "no files match 'nothing/*.yaml' in source 'repo'")),
    ("path escape", {"artifacts": [{"name": "apps", "copy": [op("@repo/../../etc/passwd", "@artifact/")]}]},
     ("Overwrite from '@repo/../../etc/passwd'", "leaves the tree through '..'")),
    ("merge of non-YAML", {"artifacts": [{"name": "apps", "copy": [
        op("@repo/apps/base/app.yaml", "@artifact/values.yaml"),
        op("@repo/apps/notes.txt", "@artifact/values.yaml", "Merge")]}]},
     ("Merge from '@repo/apps/notes.txt' to '@artifact/values.yaml'", "'apps/notes.txt' cannot be merged")),
    ("extract of non-archive", {"artifacts": [{"name": "apps", "copy": [
        op("@repo/charts/broken.tgz", "@artifact/", "Extract")]}]},
     ("Extract from '@repo/charts/broken.tgz'", "'charts/broken.tgz' cannot be extracted")),
    ("capture that is not a label value", {"pathPattern": "@repo/weird/{name}", "artifacts": [
        {"name": "w-{name}", "copy": [op("@repo/weird/{name}/**", "@artifact/")]}]},
     ("pathPattern 'weird/{name}'", "'dir_' captured as 'name' from 'weird/dir_' is not a valid label value")),
    ("missing source", {"sources": [{"alias": "repo", "kind": "GitRepository", "name": "nope"}]},
     ("source 'repo'", "GitRepository/", "/nope' not found")),
]  # fmt: skip


async def test_bad_inputs_fail_by_name_and_keep_serving_the_last_artifact(
    kube: Kube, namespace: str, git_source: MakeSource, start_controllers: StartControllers
) -> None:
    await git_source(FILES)
    await start_controllers("source-controller", "source-watcher")
    good = generator(namespace, [copy("apps", ("@repo/apps/base/", "@artifact/"))])
    await kube.create(good)
    served = await ready_artifact(kube, namespace, "apps")
    before = await fetch(served["status"]["artifact"]["url"])
    await until(kube, generator_ref(namespace), ready)
    for what, fields, words in BAD:
        await kube.patch(generator_ref(namespace), {"spec": {**good["spec"], **fields}})
        try:
            await until(kube, generator_ref(namespace), failed(*words), timeout=60)
        except TimeoutError as error:
            live = await kube.get(generator_ref(namespace))
            raise AssertionError(f"{what}: {live.get('status')}") from error
        still = await kube.get(artifact_ref(namespace, "apps"))
        assert still["status"]["artifact"] == served["status"]["artifact"], what
        assert await fetch(still["status"]["artifact"]["url"]) == before, what
        await kube.patch(generator_ref(namespace), {"spec": {**good["spec"], "pathPattern": None}})
        await until(kube, generator_ref(namespace), ready)
