"""Whole builds: overlays, components, generators, patches, images, namespaces, postBuild, owner labels, cache."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from reflow.api.annotations import KUSTOMIZE_NAME, KUSTOMIZE_NAMESPACE
from reflow.api.kustomize import Image, Patch, PostBuild, Selector
from reflow.api.meta import CommonMetadata, Manifest
from reflow.engines.build import (
    BuildCache,
    BuildRequest,
    BuildSettings,
    BuildSpec,
    KustomizeBuilder,
    Owner,
    PathOutsideArtifact,
    Pipeline,
    Substitution,
    SubstitutionFailed,
)
from tests.engines.build.specs import TESTDATA

Tree = Callable[[Path], Path]
OWNER = Owner("podinfo", "flux-system")
DIGEST = "sha256:" + "1" * 64


def request(root: Path, spec: BuildSpec, *, substitution: Substitution | None = None, digest: str | None = DIGEST):
    return BuildRequest(root=root, digest=digest, spec=spec, owner=OWNER, substitution=substitution)


def by_kind(objects: tuple[Manifest, ...]) -> dict[str, Manifest]:
    return {manifest["kind"]: manifest for manifest in objects}


@pytest.fixture
def pipeline(builder: KustomizeBuilder, tmp_path: Path) -> Pipeline:
    return Pipeline(builder, BuildSettings(scratch_dir=tmp_path / "scratch"), BuildCache())


@pytest.fixture
def podinfo(tree: Tree) -> Path:
    return tree(TESTDATA / "podinfo")


@pytest.fixture(autouse=True)
def scratch(tmp_path: Path) -> Path:
    (tmp_path / "scratch").mkdir()
    return tmp_path / "scratch"


async def test_overlay_builds_in_input_order_with_overlay_changes(pipeline: Pipeline, podinfo: Path) -> None:
    result = await pipeline.build(request(podinfo, BuildSpec(path="overlays/production")))
    kinds = [manifest["kind"] for manifest in result.objects]
    assert kinds == [
        "ServiceAccount",
        "Deployment",
        "Service",
        "HorizontalPodAutoscaler",
        "ConfigMap",
        "Namespace",
        "PodDisruptionBudget",
        "Role",
        "RoleBinding",
        "NetworkPolicy",
    ]
    deployment = by_kind(result.objects)["Deployment"]
    assert deployment["metadata"]["namespace"] == "production"
    assert deployment["spec"]["replicas"] == 3
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == "ghcr.io/stefanprodan/podinfo:6.7.1"
    assert container["resources"] == {"requests": {"cpu": "100m", "memory": "64Mi"}, "limits": {"memory": "256Mi"}}


async def test_generated_configmap_gets_hash_suffix_and_references_follow(pipeline: Pipeline, podinfo: Path) -> None:
    result = await pipeline.build(request(podinfo, BuildSpec(path="overlays/production")))
    configmap = by_kind(result.objects)["ConfigMap"]
    assert configmap["metadata"]["name"] == "podinfo-config-2tmt2c2hkt"
    assert configmap["data"]["PODINFO_UI_COLOR"] == "#ff0000"
    env = by_kind(result.objects)["Deployment"]["spec"]["template"]["spec"]["containers"][0]["envFrom"]
    assert env == [{"configMapRef": {"name": "podinfo-config-2tmt2c2hkt"}}]


async def test_spec_components_are_included(pipeline: Pipeline, podinfo: Path) -> None:
    spec = BuildSpec(path="overlays/production", components=("../../components/monitoring",))
    objects = (await pipeline.build(request(podinfo, spec))).objects
    names = {manifest["metadata"]["name"] for manifest in objects}
    assert "podinfo-alerts" in names
    annotations = by_kind(objects)["Deployment"]["spec"]["template"]["metadata"]["annotations"]
    assert annotations == {"prometheus.io/scrape": "true"}


async def test_strategic_merge_and_json6902_patches_from_the_spec(pipeline: Pipeline, podinfo: Path) -> None:
    strategic = Patch(
        patch="apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: podinfo\nspec:\n  minReadySeconds: 5\n",
    )
    json6902 = Patch(
        patch='[{"op": "replace", "path": "/spec/maxReplicas", "value": 8}]',
        target=Selector(kind="HorizontalPodAutoscaler", name="podinfo"),
    )
    spec = BuildSpec(path="base", patches=(strategic, json6902))
    objects = by_kind((await pipeline.build(request(podinfo, spec))).objects)
    assert objects["Deployment"]["spec"]["minReadySeconds"] == 5
    assert objects["HorizontalPodAutoscaler"]["spec"]["maxReplicas"] == 8


async def test_images_and_target_namespace_from_the_spec(pipeline: Pipeline, podinfo: Path) -> None:
    image = Image(name="ghcr.io/stefanprodan/podinfo", new_name="registry.local/podinfo", digest="sha256:" + "f" * 64)
    spec = BuildSpec(path="overlays/production", images=(image,), target_namespace="staging")
    objects = (await pipeline.build(request(podinfo, spec))).objects
    container = by_kind(objects)["Deployment"]["spec"]["template"]["spec"]["containers"][0]
    # The overlay's own entry keeps its newTag; the spec adds newName and digest to it.
    assert container["image"] == "registry.local/podinfo:6.7.1@sha256:" + "f" * 64
    namespaced = [manifest for manifest in objects if manifest["kind"] != "Namespace"]
    assert {manifest["metadata"]["namespace"] for manifest in namespaced} == {"staging"}
    assert by_kind(objects)["RoleBinding"]["subjects"][0]["namespace"] == "staging"


async def test_owner_labels_and_common_metadata_on_every_object(pipeline: Pipeline, podinfo: Path) -> None:
    common = CommonMetadata(labels={"team": "web", KUSTOMIZE_NAME: "spoofed"}, annotations={"owner": "web"})
    spec = BuildSpec(path="overlays/production", common_metadata=common)
    for manifest in (await pipeline.build(request(podinfo, spec))).objects:
        labels = manifest["metadata"]["labels"]
        assert labels[KUSTOMIZE_NAME] == "podinfo"
        assert labels[KUSTOMIZE_NAMESPACE] == "flux-system"
        assert labels["team"] == "web"
        assert manifest["metadata"]["annotations"]["owner"] == "web"


async def test_postbuild_substitutes_variables_and_respects_opt_out(pipeline: Pipeline, tree: Tree) -> None:
    root = tree(TESTDATA / "flux-pkg" / "resources")
    variables = {"cluster_region": "eu-1", "image": "nginx:1.27", "prometheus_port": "'9797'"}
    substitution = Substitution.of(PostBuild(substitute=variables))
    objects = by_kind((await pipeline.build(request(root, BuildSpec(), substitution=substitution))).objects)
    deployment = objects["Deployment"]
    assert deployment["metadata"]["labels"]["region"] == "eu-1"
    assert deployment["metadata"]["labels"]["environment"] == "dev"
    assert deployment["spec"]["template"]["metadata"]["annotations"]["prometheus.io/port"] == "9797"
    assert deployment["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.27"
    assert objects["ConfigMap"]["data"]["image"] == "${image}"


async def test_postbuild_strict_mode_fails_on_unset_variable(pipeline: Pipeline, tree: Tree) -> None:
    root = tree(TESTDATA / "flux-pkg" / "resources")
    substitution = Substitution.of(PostBuild(substitute={"image": "nginx"}))
    with pytest.raises(SubstitutionFailed, match=r"Deployment/apps/app: .*(cluster_region|prometheus_port)"):
        await pipeline.build(request(root, BuildSpec(), substitution=substitution))


async def test_postbuild_always_strategy_applies_defaults_without_variables(pipeline: Pipeline, tree: Tree) -> None:
    root = tree(TESTDATA / "flux-pkg" / "resources")
    always = Substitution.of(PostBuild(substitute_strategy="Always"), strict=False)
    objects = by_kind((await pipeline.build(request(root, BuildSpec(), substitution=always))).objects)
    assert objects["Deployment"]["metadata"]["labels"] == {
        "environment": "dev",
        "region": None,  # an empty value leaves `region:` with nothing, which YAML reads as null
        KUSTOMIZE_NAME: "podinfo",
        KUSTOMIZE_NAMESPACE: "flux-system",
    }
    without = Substitution.of(PostBuild(), strict=False)
    objects = by_kind((await pipeline.build(request(root, BuildSpec(), substitution=without))).objects)
    assert objects["Deployment"]["metadata"]["labels"]["environment"] == "${cluster_env:=dev}"


async def test_rebuild_with_unchanged_inputs_comes_from_cache_without_a_process(
    pipeline: Pipeline, builder: KustomizeBuilder, podinfo: Path
) -> None:
    spec = BuildSpec(path="overlays/production")
    substitution = Substitution.of(PostBuild(substitute={"message": "hi"}))
    first = await pipeline.build(request(podinfo, spec, substitution=substitution))
    spawned = builder.spawned
    second = await pipeline.build(request(podinfo, spec, substitution=substitution))
    assert (first.cached, second.cached) == (False, True)
    assert second.key == first.key
    assert second.objects == first.objects
    assert builder.spawned == spawned


async def test_cache_hit_is_a_private_copy(pipeline: Pipeline, podinfo: Path) -> None:
    first = await pipeline.build(request(podinfo, BuildSpec(path="base")))
    first.objects[0]["metadata"]["name"] = "changed"
    second = await pipeline.build(request(podinfo, BuildSpec(path="base")))
    assert second.cached
    assert second.objects[0]["metadata"]["name"] == "podinfo"


@pytest.mark.parametrize(
    ("change"),
    [
        pytest.param({"digest": "sha256:" + "2" * 64}, id="artifact-digest"),
        pytest.param({"spec": BuildSpec(path="base", name_prefix="p-")}, id="spec-field"),
        pytest.param({"substitution": Substitution.of(PostBuild(substitute={"message": "other"}))}, id="variable"),
    ],
)
async def test_changed_input_is_built_again(
    pipeline: Pipeline, builder: KustomizeBuilder, podinfo: Path, change: dict[str, object]
) -> None:
    base = {"spec": BuildSpec(path="base"), "substitution": Substitution.of(PostBuild(substitute={"message": "hi"}))}
    await pipeline.build(request(podinfo, **base))  # type: ignore[arg-type]
    changed = await pipeline.build(request(podinfo, **(base | change)))  # type: ignore[arg-type]
    assert not changed.cached


async def test_build_without_digest_is_not_cached(pipeline: Pipeline, podinfo: Path) -> None:
    await pipeline.build(request(podinfo, BuildSpec(path="base"), digest=None))
    again = await pipeline.build(request(podinfo, BuildSpec(path="base"), digest=None))
    assert not again.cached
    assert pipeline.cache is not None
    assert len(pipeline.cache) == 0


async def test_variable_values_do_not_appear_in_the_key_or_record(pipeline: Pipeline, podinfo: Path) -> None:
    secret = "s3cr3t-value-0xdeadbeef"
    substitution = Substitution.of(PostBuild(substitute={"token": secret}))
    result = await pipeline.build(request(podinfo, BuildSpec(path="base"), substitution=substitution))
    assert secret not in repr(result.key)
    assert secret not in repr(substitution)
    assert re.fullmatch(r"[0-9a-f]{64}", result.key)


async def test_private_copy_is_removed_and_artifact_untouched(
    pipeline: Pipeline, scratch: Path, tmp_path: Path
) -> None:
    root = tmp_path / "plain"
    root.mkdir()
    (root / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n")
    result = await pipeline.build(request(root, BuildSpec()))
    assert [manifest["metadata"]["name"] for manifest in result.objects] == ["a"]
    assert sorted(os.listdir(root)) == ["cm.yaml"]
    assert os.listdir(scratch) == []


@pytest.mark.parametrize("disposable", [False, True], ids=["copy", "in-place"])
async def test_absolute_link_inside_the_artifact_resolves_in_the_sandbox(
    pipeline: Pipeline, scratch: Path, tmp_path: Path, disposable: bool
) -> None:
    root = tmp_path / "plain"
    (root / "real").mkdir(parents=True)
    (root / "real" / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n")
    (root / "cm.yaml").symlink_to(root / "real" / "cm.yaml")
    (root / "kustomization.yaml").write_text("resources:\n- cm.yaml\n")
    built = await pipeline.build(
        BuildRequest(root=root, digest=DIGEST, spec=BuildSpec(), owner=OWNER, disposable=disposable)
    )
    assert [manifest["metadata"]["name"] for manifest in built.objects] == ["a"]
    assert os.listdir(scratch) == []


async def test_disposable_artifact_is_built_in_place_without_a_copy(
    pipeline: Pipeline, scratch: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "extracted"
    root.mkdir()
    (root / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n")
    copies: list[Path] = []
    monkeypatch.setattr("reflow.engines.build.pipeline.shutil.copytree", lambda *args, **kw: copies.append(args[0]))
    built = await pipeline.build(BuildRequest(root=root, digest=DIGEST, spec=BuildSpec(), owner=OWNER, disposable=True))
    assert [manifest["metadata"]["name"] for manifest in built.objects] == ["a"]
    assert copies == []
    assert "kustomization.yaml" in os.listdir(root)  # generated where the caller's extraction is


def snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    """Every entry under `root`: its bytes (a link's target) and modification time."""
    found = {}
    for path in sorted(root.rglob("*")):
        data = os.readlink(path).encode() if path.is_symlink() else path.read_bytes() if path.is_file() else b"/"
        found[path.relative_to(root).as_posix()] = (data, path.lstat().st_mtime_ns)
    return found


PODINFO_TAG = Image(name="ghcr.io/stefanprodan/podinfo", new_tag="9.9.9")
SHARED_SPECS = [
    pytest.param(BuildSpec(path="overlays/production"), id="overlay"),
    pytest.param(BuildSpec(path="overlays/production", target_namespace="apps", name_prefix="p-"), id="namespace"),
    pytest.param(BuildSpec(path="overlays/production", components=("../../components/monitoring",)), id="component"),
    pytest.param(BuildSpec(path="overlays/production", images=(PODINFO_TAG,)), id="images"),
    pytest.param(BuildSpec(path="base"), id="base"),
]


@pytest.mark.parametrize("spec", SHARED_SPECS)
async def test_a_shared_artifact_builds_as_its_copy_would_and_is_left_untouched(
    builder: KustomizeBuilder, podinfo: Path, tree: Tree, scratch: Path, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, spec: BuildSpec,
) -> None:  # fmt: skip
    pipeline = Pipeline(builder, BuildSettings(scratch_dir=scratch))
    reference = tmp_path / "reference"
    shutil.copytree(podinfo, reference)
    on_copy = await pipeline.build(BuildRequest(root=reference, digest=None, spec=spec, owner=OWNER, disposable=True))
    before = snapshot(podinfo)
    copies: list[Path] = []
    monkeypatch.setattr("reflow.engines.build.pipeline.shutil.copytree", lambda *args, **kw: copies.append(args[0]))
    shared = await pipeline.build(BuildRequest(root=podinfo, digest=None, spec=spec, owner=OWNER))
    assert shared.objects == on_copy.objects
    assert copies == []
    assert snapshot(podinfo) == before
    assert os.listdir(scratch) == []


async def test_a_spec_component_outside_a_shared_artifact_is_refused(
    pipeline: Pipeline, podinfo: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "kustomization.yaml").write_text("apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n")
    escape = "../../../outside"  # from tree/overlays/production, beside the tree in tmp_path
    with pytest.raises(PathOutsideArtifact, match="leads outside the artifact root"):
        await pipeline.build(request(podinfo, BuildSpec(path="overlays/production", components=(escape,))))
