"""`reflow migrate`: files rewritten as Flux rewrites them (its golden files), and objects re-stored in etcd."""

from __future__ import annotations

import asyncio
import base64
import copy
import json
import shutil
from collections.abc import Callable
from importlib import resources
from pathlib import Path

import aiohttp
import pytest
import yaml
from click.testing import CliRunner

from reflow.api.meta import Manifest, ObjectRef
from reflow.cli.main import cli
from reflow.dev.plane import LocalPlane
from reflow.kube.client import Kube, connect
from reflow.kube.options import ConnectionOptions
from reflow.kube.wait import wait_for
from tests.cli.objects import served
from tests.cli.runner import TESTDATA
from tests.manifests import established

FLUX_TESTDATA = "testdata/migrate/file-system"


@pytest.fixture
def flux_tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of Flux's migrate test data (symbolic links kept), at the relative path its golden files name."""
    shutil.copytree(TESTDATA / "migrate" / "file-system", tmp_path / FLUX_TESTDATA, symlinks=True)
    monkeypatch.chdir(tmp_path)
    return tmp_path / FLUX_TESTDATA


def _migrate(*args: str, stdin: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["migrate", *args], input=stdin, catch_exceptions=False)
    return result.exit_code, result.stderr


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_migrate_directory_matches_flux_golden_output_and_files(flux_tree: Path) -> None:
    code, shown = _migrate("-f", f"{FLUX_TESTDATA}/dir", "--yes")
    assert code == 0, shown
    assert shown == (flux_tree / "dir.output.golden").read_text()
    assert _tree(flux_tree / "dir") == _tree(flux_tree / "dir.golden")
    assert (flux_tree / "dir" / "some-file-link.yaml").is_symlink()


def test_migrate_single_file_matches_flux_golden(flux_tree: Path) -> None:
    code, shown = _migrate("--path", f"{FLUX_TESTDATA}/single-file.yaml", "-y")
    assert code == 0, shown
    assert shown == (flux_tree / "single-file.yaml.output.golden").read_text()
    assert (flux_tree / "single-file.yaml").read_bytes() == (flux_tree / "single-file.yaml.golden").read_bytes()


@pytest.mark.parametrize(
    ("path", "message"),
    [
        pytest.param(
            "single-file-link.yaml", "file testdata/migrate/file-system/single-file-link.yaml is irregular", id="link"
        ),
        pytest.param(
            "single-file-wrong-ext.json",
            "file testdata/migrate/file-system/single-file-wrong-ext.json does not match the specified extensions: "
            ".yaml, .yml",
            id="extension",
        ),
    ],
)
def test_migrate_refuses_what_flux_refuses(flux_tree: Path, path: str, message: str) -> None:
    code, shown = _migrate("-f", f"{FLUX_TESTDATA}/{path}", "-y")
    assert code == 1
    assert message in shown


def test_dry_run_and_a_declined_prompt_change_nothing(flux_tree: Path) -> None:
    before = _tree(flux_tree)
    code, shown = _migrate("-f", FLUX_TESTDATA, "--dry-run")
    assert code == 0, shown
    assert "single-file.yaml:1: ImageRepository v1beta1 -> v1" in shown
    assert "dry-run mode enabled, no changes will be made" in shown
    code, shown = _migrate("-f", FLUX_TESTDATA, stdin="n\n")
    assert code == 1
    assert "Are you sure you want to proceed with the above upgrades" in shown
    assert _tree(flux_tree) == before


def test_migrate_to_an_older_flux_and_unknown_versions(flux_tree: Path) -> None:
    manifest = flux_tree / "alert.yaml"
    manifest.write_text("apiVersion: notification.toolkit.fluxcd.io/v1beta2\nkind: Alert\n")
    code, shown = _migrate("-f", str(manifest), "--version=2.9", "-y")
    assert code == 0, shown
    assert manifest.read_text() == "apiVersion: notification.toolkit.fluxcd.io/v1beta3\nkind: Alert\n"
    code, shown = _migrate("-f", str(manifest), "--version=1.0", "-y")
    assert code == 1
    assert "version 1.0 is not supported, supported versions are: 2.10, 2.9, 2.8, 2.7, 2.6" in shown
    code, shown = _migrate("--dry-run")
    assert code == 2
    assert "apply to files only" in shown


# --- cluster mode: objects stored at a retired version are written again at the storage version ----------------

ALERTS = "alerts.notification.toolkit.fluxcd.io"
CRD_REF = ObjectRef("apiextensions.k8s.io/v1", "CustomResourceDefinition", ALERTS)


def _alert_crds() -> tuple[Manifest, Manifest]:
    """reflow's Alert CRD as installed (v1 stored, v1beta3 served) and as an older install had it (v1beta3 stored)."""
    text = resources.files("reflow.api").joinpath("crds", f"{ALERTS}.yaml").read_text()
    current = yaml.safe_load(text)
    current["metadata"]["labels"]["app.kubernetes.io/part-of"] = "flux"
    older = copy.deepcopy(current)
    for version in older["spec"]["versions"]:
        version["storage"] = version["name"] == "v1beta3"
    return current, older


def _alert(name: str, api_version: str) -> Manifest:
    return {
        "apiVersion": api_version,
        "kind": "Alert",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {"providerRef": {"name": "slack"}, "eventSources": [{"kind": "Kustomization", "name": "*"}]},
    }


class Etcd:
    """The plane's etcd, read through its JSON gateway: what the API server really stored."""

    def __init__(self, plane: LocalPlane) -> None:
        config = (plane.cluster_dir / "kwok.yaml").read_text()
        self.url = config.split("--etcd-servers=", 1)[1].split()[0]

    async def stored_api_version(self, name: str) -> str:
        key = base64.b64encode(f"/registry/notification.toolkit.fluxcd.io/alerts/default/{name}".encode()).decode()
        async with aiohttp.ClientSession() as session, session.post(f"{self.url}/v3/kv/range", json={"key": key}) as r:
            answer = await r.json()
        return str(json.loads(base64.b64decode(answer["kvs"][0]["value"]))["apiVersion"])


async def _apply_crd(kube: Kube, crd: Manifest) -> None:
    await kube.apply(crd, field_manager="reflow-tests", force=True)
    await wait_for(kube, CRD_REF, established, timeout=60, what="Established")
    await served(kube, crd)


async def _storage_switched(kube: Kube, etcd: Etcd, version: str) -> None:
    """Wait until the API server writes Alerts at `version`: it swaps a CRD's storage after the CRD changes,
    from its own informer, which no client can watch; a probe object is written until etcd shows the version."""
    async with asyncio.timeout(60):
        generation = 0
        while True:
            generation += 1
            probe = _alert("probe", f"notification.toolkit.fluxcd.io/{version}")
            probe["metadata"]["labels"] = {"probe": str(generation)}
            await kube.apply(probe, field_manager="reflow-tests", force=True)
            if await etcd.stored_api_version("probe") == f"notification.toolkit.fluxcd.io/{version}":
                await kube.delete(ObjectRef.of(probe))
                return


async def test_migrate_restores_objects_at_the_storage_version_and_trims_stored_versions(
    private_plane: Callable[[], LocalPlane],
) -> None:
    plane = private_plane()
    etcd = Etcd(plane)
    current, older = _alert_crds()
    async with connect(ConnectionOptions(kubeconfig=str(plane.kubeconfig), user_agent="reflow-tests")) as kube:
        await _apply_crd(kube, older)
        await _storage_switched(kube, etcd, "v1beta3")
        await kube.apply(_alert("early", "notification.toolkit.fluxcd.io/v1beta3"), field_manager="kubectl")
        assert await etcd.stored_api_version("early") == "notification.toolkit.fluxcd.io/v1beta3"

        await _apply_crd(kube, current)
        await _storage_switched(kube, etcd, "v1")
        assert (await kube.get(CRD_REF))["status"]["storedVersions"] == ["v1beta3", "v1"]
        assert await etcd.stored_api_version("early") == "notification.toolkit.fluxcd.io/v1beta3"

        migrate = ["migrate", "--kubeconfig", str(plane.kubeconfig)]
        result = await asyncio.to_thread(CliRunner().invoke, cli, migrate, catch_exceptions=False)
        assert result.exit_code == 0, result.stderr
        assert "✔ Alert/default/early migrated to version v1" in result.stderr
        assert f"✔ {ALERTS} migrated to storage version v1" in result.stderr
        assert await etcd.stored_api_version("early") == "notification.toolkit.fluxcd.io/v1"
        assert (await kube.get(CRD_REF))["status"]["storedVersions"] == ["v1"]
        early = await kube.get(ObjectRef("notification.toolkit.fluxcd.io/v1", "Alert", "early", "default"))
        managers = {e["manager"]: e["apiVersion"] for e in early["metadata"]["managedFields"]}
        assert managers["kubectl"] == "notification.toolkit.fluxcd.io/v1"

        again = await asyncio.to_thread(CliRunner().invoke, cli, migrate, catch_exceptions=False)
        assert again.exit_code == 0, again.stderr
        assert "storage version" not in again.stderr
