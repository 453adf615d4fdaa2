"""OCIRepository bad input: each shows Ready=False with a message to act on, and the last artifact stays served."""

from __future__ import annotations

import hashlib
import secrets
from pathlib import Path

import pytest

from reflow.api.conditions import condition
from reflow.api.meta import Manifest
from reflow.kube.client import Kube
from tests.controllers.source.gitrepositories import fetch, members
from tests.controllers.source.ocirepositories import oci_repository, push_configmap, push_layer, ref, tarball, until
from tests.managers import StartControllers
from tests.manifests import ready_is
from tests.registries import Registry

CONTENT = "application/vnd.cncf.flux.content.v1.tar+gzip"


async def kept_the_last_artifact(good: Manifest, failed: Manifest, reason: str) -> None:
    assert failed["status"]["artifact"] == good["status"]["artifact"]
    fetch_failed = condition(failed, "FetchFailed")
    assert fetch_failed is not None
    assert (fetch_failed["status"], fetch_failed["reason"]) == ("True", reason)
    assert condition(failed, "Ready")["reason"] == reason  # type: ignore[index]
    assert sorted(members(await fetch(failed["status"]["artifact"]["url"]))) == ["deploy/config.yaml", "notes.txt"]


@pytest.mark.parametrize(
    ("change", "message", "reason"),
    [
        pytest.param(
            {"ref": {"tag": "nope"}},
            "failed to determine artifact digest: '{host}/{repository}:nope' not found",
            "OCIArtifactPullFailed",
            id="unknown-tag",
        ),
        pytest.param(
            {"ref": {"semver": ">=9.0.0"}},
            "failed to determine the artifact tag for '{url}': no match found for semver: >=9.0.0",
            "ReadOperationFailed",
            id="no-semver-match",
        ),
        pytest.param(
            {"url": "oci://127.0.0.1:1/nowhere"},
            "cannot reach the registry at '127.0.0.1:1'",
            "OCIArtifactPullFailed",
            id="unreachable",
        ),
        pytest.param(
            {"ref": {"tag": "other"}, "layerSelector": {"mediaType": "application/x-missing"}},
            "failed to find layer with media type 'application/x-missing' in artifact",
            "OCIArtifactLayerOperationFailed",
            id="no-such-layer",
        ),
        pytest.param(
            {"ref": {"tag": "traversal"}},
            "failed to extract layer contents from artifact: member '../evil.yaml' leaves the directory through '..'",
            "OCIArtifactLayerOperationFailed",
            id="hostile-traversal",
        ),
        pytest.param(
            {"ref": {"tag": "link-out"}},
            "failed to extract layer contents from artifact: link 'deploy/passwd' points to an absolute path",
            "OCIArtifactLayerOperationFailed",
            id="hostile-link",
        ),
    ],
)
async def test_bad_input_is_shown_and_the_last_artifact_stays(
    kube: Kube,
    namespace: str,
    start_controllers: StartControllers,
    registry: Registry,
    registry_repository: str,
    tmp_path: Path,
    change: Manifest,
    message: str,
    reason: str,
) -> None:
    await push_configmap(registry, registry_repository, "v1", "one", tmp_path)
    await push_configmap(registry, registry_repository, "other", "two", tmp_path)
    await push_layer(registry, registry_repository, "traversal", tarball({"../evil.yaml": b"kind: ConfigMap\n"}))
    await push_layer(registry, registry_repository, "link-out", tarball({}, links={"deploy/passwd": "/etc/passwd"}))
    url = registry.oci_url(registry_repository)
    await start_controllers("source")
    await kube.create(oci_repository(namespace, "app", url, ref={"tag": "v1"}))
    good = await until(kube, namespace, "app", ready_is("True"))

    await kube.patch(ref(namespace, "app"), {"spec": change})
    expected = message.format(host=registry.host, repository=registry_repository, url=url)
    failed = await until(kube, namespace, "app", ready_is("False", expected))
    await kept_the_last_artifact(good, failed, reason)


async def test_a_layer_over_the_size_limit_is_refused(
    kube: Kube,
    namespace: str,
    start_controllers: StartControllers,
    registry: Registry,
    registry_repository: str,
    tmp_path: Path,
) -> None:
    await push_configmap(registry, registry_repository, "v1", "one", tmp_path)
    big = tarball({"deploy/blob.bin": secrets.token_bytes(8 << 10)})
    big_digest = "sha256:" + hashlib.sha256(big).hexdigest()
    await push_layer(registry, registry_repository, "big", big)
    await start_controllers("source", controller_options={"oci_layer_max_size": 4096})
    await kube.create(oci_repository(namespace, "app", registry.oci_url(registry_repository), ref={"tag": "v1"}))
    good = await until(kube, namespace, "app", ready_is("True"))

    await kube.patch(ref(namespace, "app"), {"spec": {"ref": {"tag": "big"}}})
    failed = await until(
        kube,
        namespace,
        "app",
        ready_is(
            "False", f"layer '{big_digest}' is {len(big)} bytes, over the limit of 4096 bytes (--oci-layer-max-size)"
        ),
    )
    await kept_the_last_artifact(good, failed, "OCIArtifactLayerOperationFailed")


async def test_copy_stores_the_layer_as_it_is(
    kube: Kube,
    namespace: str,
    start_controllers: StartControllers,
    registry: Registry,
    registry_repository: str,
    tmp_path: Path,
) -> None:
    pushed = await push_configmap(registry, registry_repository, "v1", "one", tmp_path)
    await start_controllers("source")
    selector = {"mediaType": CONTENT, "operation": "copy"}
    await kube.create(
        oci_repository(
            namespace, "app", registry.oci_url(registry_repository), ref={"tag": "v1"}, layerSelector=selector
        )
    )
    obj = await until(kube, namespace, "app", ready_is("True"))
    artifact = obj["status"]["artifact"]
    assert artifact["digest"] == pushed.layer.digest
    assert "sha256:" + hashlib.sha256(await fetch(artifact["url"])).hexdigest() == pushed.layer.digest
    assert obj["status"]["observedLayerSelector"] == selector


async def test_cloud_providers_say_they_are_not_available(
    kube: Kube,
    namespace: str,
    start_controllers: StartControllers,
    registry: Registry,
    registry_repository: str,
    tmp_path: Path,
) -> None:
    await push_configmap(registry, registry_repository, "v1", "one", tmp_path)
    url = registry.oci_url(registry_repository)
    await start_controllers("source")
    await kube.create(oci_repository(namespace, "cloud", url, ref={"tag": "v1"}, provider="aws"))
    cloud = await until(kube, namespace, "cloud", ready_is("False", "provider 'aws': cloud identity is not available"))
    assert condition(cloud, "Stalled")["status"] == "True"  # type: ignore[index]
    assert "artifact" not in cloud["status"]
