"""Flux's kustomization generation and spec merging, case for case from fluxcd/pkg `kustomize` tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from reflow.api.kustomize import Image
from reflow.engines.build import (
    BuildSpec,
    FileAction,
    InvalidManifest,
    KustomizeBuilder,
    KustomizeFailed,
    is_local_relative_path,
    kustomization_file,
    write_kustomization,
)
from reflow.engines.build.generate import scan_manifests
from tests.engines.build.specs import FLUX, flux_spec

Tree = Callable[[Path], Path]


def _kustomization(directory: Path) -> dict[str, object]:
    loaded: dict[str, object] = yaml.safe_load((directory / "kustomization.yaml").read_text())
    return loaded


async def _build(builder: KustomizeBuilder, root: Path, directory: str = ".") -> list[dict[str, object]]:
    stream = await builder.build(root, directory, network=False, timeout=60)
    return [doc for doc in yaml.safe_load_all(stream) if doc]


async def test_empty_directory_gets_placeholder_namespace_and_builds_nothing(
    builder: KustomizeBuilder, tmp_path: Path
) -> None:
    write_kustomization(tmp_path, flux_spec(FLUX / "empty" / "ks.yaml"))
    assert "_placeholder" in (tmp_path / "kustomization.yaml").read_text()
    assert await _build(builder, tmp_path) == []


async def test_kustomization_without_resources_gets_origin_annotations(builder: KustomizeBuilder, tree: Tree) -> None:
    root = tree(FLUX / "noResources")
    write_kustomization(root, flux_spec(FLUX / "noResources" / "ks.yaml"))
    assert await _build(builder, root) == []
    assert "originAnnotations" in (root / "kustomization.yaml").read_text()


async def test_name_prefix_suffix_and_target_namespace_are_applied(builder: KustomizeBuilder, tree: Tree) -> None:
    root = tree(FLUX / "name")
    write_kustomization(root, flux_spec(FLUX / "name" / "ks.yaml"))
    objects = await _build(builder, root)
    assert len(objects) == 1
    metadata = objects[0]["metadata"]
    assert isinstance(metadata, dict)
    assert "prefix-test-configmap-suffix" in metadata["name"]
    assert metadata["namespace"] == "test-namespace"


async def test_target_namespace_and_patch_give_flux_expected_output(builder: KustomizeBuilder, tree: Tree) -> None:
    root = tree(FLUX / "resources")
    result = write_kustomization(root, flux_spec(FLUX / "kustomization.yaml"))
    assert result.action is FileAction.UNCHANGED
    stream = await builder.build(root, ".", network=False, timeout=60)
    assert stream == (FLUX / "kustomization_expected.yaml").read_text()


@pytest.mark.parametrize(
    ("fixture", "spec_components", "expected"),
    [
        pytest.param("components", (), ["componentA"], id="file-components-spec-none"),
        pytest.param(None, ("componentB", "componentC"), ["componentB", "componentC"], id="file-none-spec-components"),
        pytest.param(
            "components", ("componentB", "componentC"), ["componentA", "componentB", "componentC"], id="both-appended"
        ),
    ],
)
def test_components_are_appended_to_the_kustomization(
    tree: Tree, tmp_path: Path, fixture: str | None, spec_components: tuple[str, ...], expected: list[str]
) -> None:
    root = tree(FLUX / fixture) if fixture else tmp_path
    write_kustomization(root, BuildSpec(components=spec_components))
    assert _kustomization(root)["components"] == expected


APP = "ghcr.io/example/app"
DIGEST = "sha256:" + "a" * 64
DEPLOYMENT = f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
spec:
  selector:
    matchLabels:
      app: app
  template:
    metadata:
      labels:
        app: app
    spec:
      containers:
        - name: app
          image: {APP}
"""


@pytest.mark.parametrize(
    ("existing", "spec_image", "expected", "image"),
    [
        pytest.param(
            [{"name": APP, "newTag": "v1.2.3"}],
            Image(name=APP, new_name="registry.example.com/app"),
            [{"name": APP, "newTag": "v1.2.3", "newName": "registry.example.com/app"}],
            "registry.example.com/app:v1.2.3",
            id="existing-newTag-kept-when-only-newName-set",
        ),
        pytest.param(
            [{"name": APP, "newName": "registry.example.com/app"}],
            Image(name=APP, new_tag="v2.0.0"),
            [{"name": APP, "newName": "registry.example.com/app", "newTag": "v2.0.0"}],
            "registry.example.com/app:v2.0.0",
            id="existing-newName-kept-when-only-newTag-set",
        ),
        pytest.param(
            [{"name": APP, "digest": DIGEST}],
            Image(name=APP, new_name="registry.example.com/app"),
            [{"name": APP, "digest": DIGEST, "newName": "registry.example.com/app"}],
            f"registry.example.com/app@{DIGEST}",
            id="existing-digest-kept-when-only-newName-set",
        ),
        pytest.param(
            [{"name": APP, "newName": "old.example.com/app", "newTag": "v1.2.3"}],
            Image(name=APP, new_name="registry.example.com/app", new_tag="v2.0.0"),
            [{"name": APP, "newName": "registry.example.com/app", "newTag": "v2.0.0"}],
            "registry.example.com/app:v2.0.0",
            id="existing-fields-overridden-when-set",
        ),
        pytest.param(
            [],
            Image(name=APP, new_name="registry.example.com/app", new_tag="v2.0.0"),
            [{"name": APP, "newName": "registry.example.com/app", "newTag": "v2.0.0"}],
            "registry.example.com/app:v2.0.0",
            id="image-without-existing-entry-appended",
        ),
    ],
)
async def test_images_merge_with_existing_entries(
    builder: KustomizeBuilder,
    tmp_path: Path,
    existing: list[dict[str, str]],
    spec_image: Image,
    expected: list[dict[str, str]],
    image: str,
) -> None:
    (tmp_path / "deployment.yaml").write_text(DEPLOYMENT)
    kustomization = {"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization"}
    kustomization |= {"resources": ["deployment.yaml"], **({"images": existing} if existing else {})}
    (tmp_path / "kustomization.yaml").write_text(yaml.safe_dump(kustomization))
    write_kustomization(tmp_path, BuildSpec(images=(spec_image,)))
    assert _kustomization(tmp_path)["images"] == expected
    [deployment] = await _build(builder, tmp_path)
    assert deployment["spec"]["template"]["spec"]["containers"][0]["image"] == image  # type: ignore[index]


async def test_build_metadata_from_the_spec_is_written(builder: KustomizeBuilder, tree: Tree) -> None:
    root = tree(FLUX / "buildMetadata")
    write_kustomization(root, flux_spec(FLUX / "buildMetadata" / "ks.yaml"))
    assert _kustomization(root)["buildMetadata"] == ["originAnnotations", "transformerAnnotations"]
    assert len(await _build(builder, root)) == 1


def test_build_metadata_falls_back_to_origin_annotations_without_resources(tree: Tree) -> None:
    root = tree(FLUX / "buildMetadata")
    write_kustomization(root, BuildSpec())
    assert _kustomization(root)["buildMetadata"] == ["originAnnotations"]


def test_build_metadata_from_the_spec_overrides_the_fallback(tree: Tree) -> None:
    root = tree(FLUX / "noResources")
    write_kustomization(root, BuildSpec(build_metadata=("transformerAnnotations",)))
    assert _kustomization(root)["buildMetadata"] == ["transformerAnnotations"]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("foobar.yaml", True),
        ("./foobar.yaml", True),
        ("file://foobar.yaml", True),
        ("file:///foobar.yaml", False),
        ("/foobar.yaml", False),
        ("https://github.com/owner/repo", False),
        ("git@github.com:owner/repo", False),
        ("ssh://git@github.com/owner/repo", False),
        ("github.com/owner/repo", False),
    ],
)
def test_is_local_relative_path(path: str, expected: bool) -> None:
    assert is_local_relative_path(path) is expected


@pytest.mark.parametrize(
    ("components", "ignore_missing", "fails", "expected"),
    [
        pytest.param(("existing", "missing"), True, False, ["../existing"], id="missing-ignored"),
        pytest.param(("missing-1", "missing-2"), True, False, None, id="all-missing-ignored"),
        pytest.param(("existing",), True, False, ["../existing"], id="all-exist"),
        pytest.param(("existing", "missing"), False, True, ["../existing", "../missing"], id="missing-fails-build"),
    ],
)
async def test_ignore_missing_components(
    builder: KustomizeBuilder,
    tmp_path: Path,
    components: tuple[str, ...],
    ignore_missing: bool,
    fails: bool,
    expected: list[str] | None,
) -> None:
    (tmp_path / "existing").mkdir()
    component = "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources: []\n"
    (tmp_path / "existing" / "kustomization.yaml").write_text(component)
    (tmp_path / "overlay").mkdir()
    spec = BuildSpec(components=tuple(f"../{name}" for name in components), ignore_missing_components=ignore_missing)
    write_kustomization(tmp_path / "overlay", spec)
    assert _kustomization(tmp_path / "overlay").get("components") == expected
    if fails:
        with pytest.raises(KustomizeFailed, match="missing"):
            await builder.build(tmp_path, "overlay", network=False, timeout=60)
    else:
        await builder.build(tmp_path, "overlay", network=False, timeout=60)


def _snapshot(directory: Path) -> dict[str, bytes]:
    return {str(path.relative_to(directory)): path.read_bytes() for path in directory.rglob("*") if path.is_file()}


def test_manifest_of_existing_kustomization_is_unchanged_and_nothing_is_written(tree: Tree) -> None:
    root = tree(FLUX / "resources")
    before = _snapshot(root)
    result = kustomization_file(root, flux_spec(FLUX / "kustomization.yaml"))
    assert result.action is FileAction.UNCHANGED
    assert result.path == root / "kustomization.yaml"
    assert "./deployment.yaml" in result.content["resources"]
    assert "./config.yaml" in result.content["resources"]
    assert result.content["namespace"] == "apps"
    assert _snapshot(root) == before


def test_manifest_of_empty_directory_is_created_with_placeholder_and_nothing_is_written(tmp_path: Path) -> None:
    result = kustomization_file(tmp_path, flux_spec(FLUX / "empty" / "ks.yaml"))
    assert result.action is FileAction.CREATED
    assert result.path == tmp_path / "kustomization.yaml"
    assert result.content["namespace"] == "_placeholder"
    assert _snapshot(tmp_path) == {}


def test_component_paths_must_be_local_and_relative(tmp_path: Path) -> None:
    with pytest.raises(InvalidManifest, match="must be local and relative"):
        write_kustomization(tmp_path, BuildSpec(components=("https://github.com/owner/repo",)))


@pytest.mark.parametrize(
    ("fixture", "expected"),
    [
        pytest.param(None, [], id="empty-directory"),
        pytest.param("resources", ["configmap.yaml", "secret.yaml"], id="valid-manifests"),
        pytest.param("utf16le", ["configmap.yaml", "secret.yaml"], id="utf-16le-with-bom"),
    ],
)
def test_scan_manifests(tmp_path: Path, fixture: str | None, expected: list[str]) -> None:
    base = FLUX / "nokustomization" / fixture if fixture else tmp_path
    assert [path.name for path in scan_manifests(base)] == expected


def test_scan_manifests_fails_on_malformed_yaml() -> None:
    with pytest.raises(InvalidManifest, match="failed to decode Kubernetes YAML"):
        scan_manifests(FLUX / "nokustomization" / "panic")


def test_generated_kustomization_lists_files_and_kustomized_directories(tmp_path: Path) -> None:
    (tmp_path / "b.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n")
    (tmp_path / "a.yml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n")
    (tmp_path / "notes.txt").write_text("not a manifest")
    (tmp_path / "app" / "nested").mkdir(parents=True)
    (tmp_path / "app" / "kustomization.yaml").write_text("resources: []\n")
    (tmp_path / "app" / "nested" / "skipped.yaml").write_text("apiVersion: v1\nkind: ConfigMap\n")
    (tmp_path / "plain").mkdir()
    (tmp_path / "plain" / "c.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n")
    result = kustomization_file(tmp_path, BuildSpec())
    assert result.content["resources"] == ["./a.yml", "./app", "./b.yaml", "./plain/c.yaml"]


def test_generated_kustomization_refuses_yaml_that_is_not_a_kubernetes_object(tmp_path: Path) -> None:
    (tmp_path / "values.yaml").write_text("replicas: 2\n")
    with pytest.raises(InvalidManifest, match=r"values\.yaml"):
        kustomization_file(tmp_path, BuildSpec())
