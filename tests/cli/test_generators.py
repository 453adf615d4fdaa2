"""The CLI on ArtifactGenerators and ExternalArtifacts: get, suspend/resume, export, delete, tree and trace."""

from __future__ import annotations

import yaml

from reflow.api.meta import Manifest, ObjectRef
from reflow.kube.client import Kube
from reflow.kube.errors import NotFound
from tests.cli.objects import ObjectFactory, artifact, ready_condition
from tests.cli.runner import Reflow, lines
from tests.controllers.kustomize.sources import MakeSource
from tests.controllers.sourcewatcher.generators import copy, generator, generator_ref, ready, until
from tests.managers import StartControllers

GENERATOR_API = "source.extensions.fluxcd.io/v1beta1"
DISABLED = "source.extensions.fluxcd.io/reconcile"


async def _split(make: ObjectFactory, kube: Kube, namespace: str) -> None:
    """A generator, the ExternalArtifact it made, a Kustomization reading it and a ConfigMap that one applied."""
    await make(
        {"apiVersion": GENERATOR_API, "kind": "ArtifactGenerator", "metadata": {"name": "split"},
         "spec": {"sources": [{"alias": "repo", "kind": "GitRepository", "name": "repo"}],
                  "artifacts": [{"name": "apps", "copy": [{"from": "@repo/apps/**", "to": "@artifact/"}]}]}},
        {"conditions": [ready_condition(message="reconciliation succeeded, 1 artifact(s) published")],
         "observedSourcesDigest": "sha256:5",
         "inventory": [{"kind": "ExternalArtifact", "name": "apps", "namespace": namespace, "digest": "sha256:1",
                        "filename": "1.tar.gz"}]},
    )  # fmt: skip
    await make(
        {"apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "ExternalArtifact", "metadata": {"name": "apps"},
         "spec": {"sourceRef": {"apiVersion": GENERATOR_API, "kind": "ArtifactGenerator", "name": "split"}}},
        {"conditions": [ready_condition(message="Artifact latest@sha256:1 is available")],
         "artifact": artifact("latest@sha256:1")},
    )  # fmt: skip
    await make(
        {"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization", "metadata": {"name": "apps"},
         "spec": {"interval": "10m0s", "path": "./staging", "prune": True,
                  "sourceRef": {"kind": "ExternalArtifact", "name": "apps"}}},
        {"conditions": [ready_condition(message="Applied revision: latest@sha256:1")],
         "lastAppliedRevision": "latest@sha256:1",
         "inventory": {"entries": [{"id": f"{namespace}_podinfo-values__ConfigMap", "v": "v1"}]}},
    )  # fmt: skip
    labels = {"kustomize.toolkit.fluxcd.io/name": "apps", "kustomize.toolkit.fluxcd.io/namespace": namespace}
    await kube.create({"apiVersion": "v1", "kind": "ConfigMap",
                       "metadata": {"name": "podinfo-values", "namespace": namespace, "labels": labels}})  # fmt: skip


async def test_tree_of_a_generator_shows_artifacts_their_consumers_and_what_they_applied(
    reflow: Reflow, make: ObjectFactory, kube: Kube, namespace: str
) -> None:
    await _split(make, kube, namespace)
    result = await reflow("tree", "artifactgenerator", "split")
    assert result.code == 0, result.stderr
    assert result.stdout == (
        f"ArtifactGenerator/{namespace}/split\n"
        f"└── ExternalArtifact/{namespace}/apps\n"
        f"    └── Kustomization/{namespace}/apps\n"
        f"        └── ConfigMap/{namespace}/podinfo-values\n"
    )


async def test_trace_goes_from_an_object_through_the_external_artifact_to_its_generator(
    reflow: Reflow, make: ObjectFactory, kube: Kube, namespace: str
) -> None:
    await _split(make, kube, namespace)
    result = await reflow("trace", "podinfo-values", "--kind", "ConfigMap", "--api-version", "v1")
    assert result.code == 0, result.stderr
    blocks = result.stdout.split("---\n")
    assert [block.splitlines()[0].split()[0] for block in blocks[1:]] == [
        "Kustomization:", "ExternalArtifact:", "ArtifactGenerator:"
    ]  # fmt: skip
    assert "Source:         ArtifactGenerator/split\n" in blocks[2]
    assert "Sources:        @repo=GitRepository/repo\nArtifacts:      apps\n" in blocks[3]


async def test_get_suspend_resume_export_and_delete(
    reflow: Reflow, make: ObjectFactory, kube: Kube, namespace: str
) -> None:
    await _split(make, kube, namespace)
    generators = await reflow("get", "artifactgenerator")
    assert generators.code == 0, generators.stderr
    assert lines(generators.stdout)[1].split()[:4] == ["split", "sha256:5", "False", "True"]
    externals = await reflow("get", "source", "external")
    assert lines(externals.stdout)[1].split()[:4] == ["apps", "latest@sha256:1", "False", "True"]

    ref = ObjectRef(GENERATOR_API, "ArtifactGenerator", "split", namespace)
    assert (await reflow("suspend", "ag", "split")).code == 0
    assert (await kube.get(ref))["metadata"]["annotations"][DISABLED] == "Disabled"
    assert lines((await reflow("get", "ag", "split")).stdout)[1].split()[2] == "True"
    assert (await reflow("resume", "artifactgenerator", "split", "--no-wait")).code == 0
    assert DISABLED not in ((await kube.get(ref))["metadata"].get("annotations") or {})

    exported: Manifest = yaml.safe_load((await reflow("export", "artifactgenerator", "split")).stdout)
    assert exported["spec"]["artifacts"][0]["name"] == "apps"
    assert "status" not in exported
    assert (await reflow("delete", "source", "external", "apps", "--silent")).code == 0
    try:
        await kube.get(ObjectRef("source.toolkit.fluxcd.io/v1", "ExternalArtifact", "apps", namespace))
    except NotFound:
        return
    raise AssertionError("the ExternalArtifact is still there")


async def test_reconcile_artifactgenerator_waits_for_source_watcher(
    reflow: Reflow, kube: Kube, namespace: str, crds: None, git_source: MakeSource, start_controllers: StartControllers
) -> None:
    await git_source({"apps/app.yaml": "v: 1\n"})
    await start_controllers("source-controller", "source-watcher")
    await kube.create(generator(namespace, [copy("apps", ("@repo/apps/", "@artifact/"))]))
    await until(kube, generator_ref(namespace), ready)
    result = await reflow("reconcile", "artifactgenerator", "split", "--timeout", "60s")
    assert result.code == 0, result.stderr
    assert "generated artifacts from sources digest sha256:" in result.stderr
