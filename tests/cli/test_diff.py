"""`reflow diff kustomization` against the real plane: created, drifted (Secret values masked) and deleted objects."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
import yaml

from reflow.api.meta import ObjectRef
from reflow.kube.client import Kube
from tests.cli.objects import ObjectFactory, git_repository, kustomization
from tests.cli.repository import repository
from tests.cli.runner import TESTDATA, Reflow

GOLDEN = TESTDATA / "diff"
PASSWORD_V1 = "correct-horse"
PASSWORD_V2 = "battery-staple"


def deployment(replicas: int, tag: str) -> str:
    return f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: {replicas}
  selector:
    matchLabels: {{app: web}}
  template:
    metadata:
      labels: {{app: web}}
    spec:
      containers:
        - name: podinfod
          image: ghcr.io/stefanprodan/podinfo:{tag}
          ports: [{{name: http, containerPort: 9898}}]
"""


SERVICE = """apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports: [{name: http, port: 9898, targetPort: http}]
"""


def secret(password: str) -> str:
    return (
        f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\nstringData:\n  user: admin\n  password: {password}\n"
    )


def config_map(name: str) -> str:
    return f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  greeting: hello\n"


def write(directory: Path, files: dict[str, str]) -> Path:
    directory.mkdir()
    for name, text in files.items():
        (directory / name).write_text(text)
    (directory / "kustomization.yaml").write_text(yaml.safe_dump({"resources": sorted(files)}))
    return directory


@pytest.fixture
def versions(tmp_path: Path) -> tuple[Path, Path]:
    """v1: what the cluster runs; v2: one more replica, a new tag, a new password, `old` swapped for `new`."""
    v1 = write(
        tmp_path / "v1",
        {"deploy.yaml": deployment(1, "6.0.0"), "svc.yaml": SERVICE, "secret.yaml": secret(PASSWORD_V1),
         "old.yaml": config_map("old")},
    )  # fmt: skip
    v2 = write(
        tmp_path / "v2",
        {"deploy.yaml": deployment(2, "6.0.1"), "svc.yaml": SERVICE, "secret.yaml": secret(PASSWORD_V2),
         "new.yaml": config_map("new")},
    )  # fmt: skip
    return v1, v2


def inventory(namespace: str) -> dict[str, object]:
    ids = [("web", "apps", "Deployment"), ("web", "", "Service"), ("creds", "", "Secret"), ("old", "", "ConfigMap")]
    return {"entries": [{"id": f"{namespace}_{name}_{group}_{kind}", "v": "v1"} for name, group, kind in ids]}


@pytest.fixture
async def app(make: ObjectFactory, namespace: str) -> None:
    """The cluster's Kustomization `app`: prune on, target namespace the test's, v1's objects in its inventory."""
    manifest = kustomization("app")
    manifest["spec"]["targetNamespace"] = namespace
    await make(manifest, {"inventory": inventory(namespace)})


def golden(name: str, namespace: str) -> str:
    return (GOLDEN / name).read_text().replace("{{ .ns }}", namespace)


async def apply_build(reflow: Reflow, kube: Kube, path: Path) -> None:
    """Apply what `reflow build` makes of `path`, as kustomize-controller would."""
    built = await reflow("build", "kustomization", "app", "--path", str(path))
    assert built.code == 0, built.stderr
    for document in yaml.safe_load_all(built.stdout):
        await kube.apply(document, field_manager="kustomize-controller", force=True)


async def test_diff_shows_every_object_created_on_an_empty_namespace(
    reflow: Reflow, app: None, namespace: str, versions: tuple[Path, Path]
) -> None:
    result = await reflow("diff", "kustomization", "app", "--path", str(versions[0]), "--no-progress-bar")
    assert (result.code, result.stdout) == (1, golden("created.golden", namespace)), result.stderr


async def test_diff_of_what_is_applied_prints_nothing_and_exits_0(
    reflow: Reflow, kube: Kube, app: None, versions: tuple[Path, Path]
) -> None:
    await apply_build(reflow, kube, versions[0])
    result = await reflow("diff", "kustomization", "app", "--path", str(versions[0]), "--no-progress-bar")
    assert (result.code, result.stdout) == (0, ""), result.stderr


async def test_diff_shows_drift_with_masked_secret_values_and_pruned_objects(
    reflow: Reflow, kube: Kube, app: None, namespace: str, versions: tuple[Path, Path]
) -> None:
    await apply_build(reflow, kube, versions[0])
    result = await reflow("diff", "kustomization", "app", "--path", str(versions[1]), "--no-progress-bar")
    assert (result.code, result.stdout) == (1, golden("drifted.golden", namespace)), result.stderr
    for password in (PASSWORD_V1, PASSWORD_V2):
        assert password not in result.stdout
        assert base64.b64encode(password.encode()).decode() not in result.stdout
    live = await kube.get(ObjectRef("apps/v1", "Deployment", "web", namespace))
    assert live["spec"]["replicas"] == 1, "a diff never writes"


async def test_diff_leaves_out_ignored_paths(
    reflow: Reflow, kube: Kube, app: None, namespace: str, versions: tuple[Path, Path]
) -> None:
    await apply_build(reflow, kube, versions[0])
    path = str(versions[1])
    result = await reflow(
        "diff", "kustomization", "app", "--path", path, "--ignore-paths", "new.yaml", "--no-progress-bar"
    )
    assert result.code == 2
    assert "new.yaml" in result.stderr, "kustomization.yaml lists a file that was left out"


async def test_diff_of_a_kustomization_missing_from_the_cluster(
    reflow: Reflow, crds: None, namespace: str, versions: tuple[Path, Path], tmp_path: Path
) -> None:
    missing = await reflow("diff", "kustomization", "app", "--path", str(versions[0]), "--no-progress-bar")
    assert missing.code == 2
    assert "not found" in missing.stderr.lower()
    file = tmp_path / "ks.yaml"
    manifest = kustomization("app")
    manifest["spec"]["targetNamespace"] = namespace
    file.write_text(yaml.safe_dump(manifest))
    result = await reflow(
        "diff", "kustomization", "app", "--path", str(versions[0]), "--kustomization-file", str(file),
        "--ignore-not-found", "--no-progress-bar",
    )  # fmt: skip
    assert (result.code, result.stdout) == (1, golden("created.golden", namespace)), result.stderr


async def test_diff_of_an_overlay_referring_to_bases_in_its_git_work_tree(
    reflow: Reflow, crds: None, namespace: str, tmp_path: Path
) -> None:
    overlay = repository(tmp_path / "repo")
    file = tmp_path / "ks.yaml"
    manifest = kustomization("app")
    manifest["spec"]["targetNamespace"] = namespace
    file.write_text(yaml.safe_dump(manifest))
    result = await reflow(
        "diff", "kustomization", "app", "--path", str(overlay), "--kustomization-file", str(file),
        "--ignore-not-found", "--no-progress-bar",
    )  # fmt: skip
    assert (result.code, result.stdout) == (1, f"► ConfigMap/{namespace}/dev-cm created\n"), result.stderr


async def test_diff_leaves_out_fields_the_kustomization_ignores(
    reflow: Reflow, kube: Kube, app: None, namespace: str, versions: tuple[Path, Path], tmp_path: Path
) -> None:
    await apply_build(reflow, kube, versions[0])
    scaled = write(
        tmp_path / "scaled",
        {"deploy.yaml": deployment(3, "6.0.0"), "svc.yaml": SERVICE, "secret.yaml": secret(PASSWORD_V1),
         "old.yaml": config_map("old")},
    )  # fmt: skip
    manifest = kustomization("app")
    manifest["spec"]["targetNamespace"] = namespace
    file = tmp_path / "ks.yaml"

    def diff_with(ignore: list[dict[str, object]]) -> list[str]:
        manifest["spec"]["ignore"] = ignore
        file.write_text(yaml.safe_dump(manifest))
        return ["diff", "kustomization", "app", "--path", str(scaled), "--kustomization-file", str(file),
                "--no-progress-bar"]  # fmt: skip

    counted = await reflow(*diff_with([]))
    assert counted.code == 1, counted.stderr
    assert f"Deployment/{namespace}/web drifted" in counted.stdout
    ignored = await reflow(*diff_with([{"paths": ["/spec/replicas"], "target": {"kind": "Deployment"}}]))
    assert (ignored.code, ignored.stdout) == (0, ""), ignored.stderr
    other_kind = await reflow(*diff_with([{"paths": ["/spec/replicas"], "target": {"kind": "StatefulSet"}}]))
    assert other_kind.code == 1, "a rule whose target selects nothing ignores nothing"
    invalid = await reflow(*diff_with([{"paths": ["spec/replicas"]}]))
    assert invalid.code == 2
    assert "spec.ignore[0].paths" in invalid.stderr


async def test_diff_wants_exactly_one_of_path_and_cluster(reflow: Reflow, tmp_path: Path) -> None:
    neither = await reflow("diff", "kustomization", "apps")
    both = await reflow("diff", "kustomization", "apps", "--cluster", "--path", str(tmp_path))

    for result in (neither, both):
        assert result.code == 2
        assert "give exactly one of --path and --cluster" in result.stderr


async def test_diff_cluster_of_a_source_without_an_artifact_says_so(
    reflow: Reflow, make: ObjectFactory, namespace: str
) -> None:
    await make(git_repository("repo"))
    await make(kustomization("apps"))

    result = await reflow("diff", "kustomization", "apps", "--cluster", "--no-progress-bar")

    assert result.code == 2
    assert f"GitRepository/{namespace}/repo has no artifact yet: nothing to compare" in result.stderr
