"""ImageRepository against the real plane and Debian's registry: tags scanned, kept, chosen from, and forgotten."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from reflow.api.conditions import condition
from reflow.api.meta import ObjectRef
from reflow.kube.client import Kube
from reflow.kube.wait import wait_deleted
from tests.controllers.image.images import image_policy, image_repository, reason_is, ref, request, until
from tests.controllers.image.ociimages import push_images
from tests.controllers.source.gitrepositories import secret
from tests.controllers.source.ocirepositories import docker_secret
from tests.managers import StartControllers
from tests.manifests import ready_is
from tests.proxyserver import ProxyServer
from tests.registries import Registry


async def pushed_with_secrets(kube: Kube, namespace: str, registry: Registry, repository: str, *tags: str) -> None:
    """Images pushed to the authenticating registry, and the Secrets to scan it: `pull` (docker config), `ca`."""
    await push_images(registry, repository, *tags)
    assert registry.ca is not None
    await kube.create(docker_secret(namespace, "pull", registry.docker_config()))
    await kube.create(secret(namespace, "ca", {"ca.crt": registry.ca.read_bytes()}))


async def test_scanned_tags_feed_the_policy_and_go_with_the_repository(
    kube: Kube,
    namespace: str,
    start_controllers: StartControllers,
    registry: Registry,
    registry_repository: str,
    tmp_path: Path,
) -> None:
    digests = await push_images(registry, registry_repository, "1.0.0", "1.1.0", "2.0.0-rc.1", "sha256-1a2b.sig")
    await start_controllers("image-reflector")
    image = f"{registry.host}/{registry_repository}"
    await kube.create(image_repository(namespace, "app", image))
    scanned = await until(kube, namespace, "ImageRepository", "app", ready_is("True", "successful scan: found 3 tags"))
    status = scanned["status"]
    assert status["canonicalImageName"] == image
    assert status["observedExclusionList"] == [r"^.*\.sig$"]
    assert status["lastScanResult"]["tagCount"] == 3
    assert status["lastScanResult"]["latestTags"] == ["2.0.0-rc.1", "1.1.0", "1.0.0"]
    tags_file = tmp_path / "artifacts" / ".image-tags" / "imagerepository" / namespace / "app" / "tags.json"
    assert tags_file.exists()

    policy = image_policy(namespace, "app", "app", {"semver": {"range": ">=1.0.0 <2.0.0"}},
                          digestReflectionPolicy="IfNotPresent")  # fmt: skip
    await kube.create(policy)
    chosen = await until(kube, namespace, "ImagePolicy", "app", ready_is("True"))
    assert chosen["status"]["latestRef"] == {"name": image, "tag": "1.1.0", "digest": digests["1.1.0"]}
    assert condition(chosen, "Ready")["message"] == (  # type: ignore[index]
        f"Latest image tag for {image} resolved to 1.1.0 with digest {digests['1.1.0']}"
    )

    # An unchanged registry writes nothing: neither the tag file nor the scan result.
    written = tags_file.stat().st_mtime_ns
    again = await request(kube, namespace, "ImageRepository", "app", "unchanged")
    assert again["status"]["lastScanResult"] == status["lastScanResult"]
    assert tags_file.stat().st_mtime_ns == written

    # A new tag: the scan finds it and the policy follows without being asked.
    newer = await push_images(registry, registry_repository, "1.2.0")
    await request(kube, namespace, "ImageRepository", "app", "new-tag")
    followed = await until(
        kube,
        namespace,
        "ImagePolicy",
        "app",
        lambda o: (o or {}).get("status", {}).get("latestRef", {}).get("tag") == "1.2.0",
    )
    assert followed["status"]["latestRef"]["digest"] == newer["1.2.0"]
    assert followed["status"]["observedPreviousRef"]["tag"] == "1.1.0"

    await kube.delete(ref(namespace, "ImageRepository", "app"))
    await wait_deleted(kube, ref(namespace, "ImageRepository", "app"), timeout=60)
    assert not tags_file.parent.exists(), "the tags go with the ImageRepository"


async def test_credentials_and_ca_from_secrets_and_a_refusal_keeps_the_last_scan(
    kube: Kube,
    namespace: str,
    start_controllers: StartControllers,
    auth_registry: Registry,
    registry_repository: str,
) -> None:
    await pushed_with_secrets(kube, namespace, auth_registry, registry_repository, "1.0.0", "1.1.0")
    await start_controllers("image-reflector")
    image = f"{auth_registry.host}/{registry_repository}"
    await kube.create(
        image_repository(namespace, "app", image, secretRef={"name": "pull"}, certSecretRef={"name": "ca"})
    )
    first = await until(kube, namespace, "ImageRepository", "app", ready_is("True", "found 2 tags"))

    basic = base64.b64encode(f"{auth_registry.username}:wrong".encode()).decode()
    wrong = json.dumps({"auths": {auth_registry.host: {"auth": basic}}}).encode()
    await kube.patch(ObjectRef("v1", "Secret", "pull", namespace),
                     {"data": {".dockerconfigjson": base64.b64encode(wrong).decode()}})  # fmt: skip
    await kube.patch(ref(namespace, "ImageRepository", "app"),
                     {"metadata": {"annotations": {"reconcile.fluxcd.io/requestedAt": "refused"}}})  # fmt: skip
    refused = await until(kube, namespace, "ImageRepository", "app", reason_is("False", "AuthenticationFailed"))
    message = condition(refused, "Ready")["message"]  # type: ignore[index]
    assert message.startswith("scan failed:")
    assert "wrong" not in message
    assert (auth_registry.password or "x") not in message
    assert refused["status"]["lastScanResult"] == first["status"]["lastScanResult"]


async def test_an_unreachable_registry_and_a_bad_image_name_say_why(
    kube: Kube, namespace: str, start_controllers: StartControllers
) -> None:
    await start_controllers("image-reflector")
    await kube.create(image_repository(namespace, "down", "127.0.0.1:9/nothing/here", timeout="5s"))
    await kube.create(image_repository(namespace, "tagged", "ghcr.io/org/app:1.0"))
    down = await until(kube, namespace, "ImageRepository", "down", reason_is("False", "ReadOperationFailed"))
    assert condition(down, "Ready")["message"].startswith("scan failed:")  # type: ignore[index]
    tagged = await until(kube, namespace, "ImageRepository", "tagged", reason_is("False", "ImageURLInvalid"))
    assert condition(tagged, "Stalled")["status"] == "True"  # type: ignore[index]
    assert "must not contain a tag" in condition(tagged, "Ready")["message"]  # type: ignore[index]


async def test_the_service_accounts_image_pull_secrets_authenticate(
    kube: Kube,
    namespace: str,
    start_controllers: StartControllers,
    auth_registry: Registry,
    registry_repository: str,
) -> None:
    await pushed_with_secrets(kube, namespace, auth_registry, registry_repository, "3.0.0")
    account = {"name": "scanner", "namespace": namespace}
    await kube.create({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": account,
                       "imagePullSecrets": [{"name": "pull"}]})  # fmt: skip
    await start_controllers("image-reflector")
    image = f"{auth_registry.host}/{registry_repository}"
    spec = {"serviceAccountName": "scanner", "certSecretRef": {"name": "ca"}}
    await kube.create(image_repository(namespace, "app", image, **spec))
    scanned = await until(kube, namespace, "ImageRepository", "app", ready_is("True", "found 1 tags"))
    assert scanned["status"]["lastScanResult"]["latestTags"] == ["3.0.0"]


async def test_the_proxy_secret_routes_the_scan_and_a_refusing_proxy_is_named(
    kube: Kube,
    namespace: str,
    start_controllers: StartControllers,
    registry: Registry,
    registry_repository: str,
    proxy_server: ProxyServer,
) -> None:
    await push_images(registry, registry_repository, "1.0.0")
    data = {"address": proxy_server.address.encode(), "username": proxy_server.username.encode()}
    await kube.create(secret(namespace, "proxy", {**data, "password": proxy_server.password.encode()}))
    await kube.create(secret(namespace, "bad-proxy", {**data, "password": b"wrong-proxy-password"}))
    await start_controllers("image-reflector")
    image = f"{registry.host}/{registry_repository}"
    await kube.create(image_repository(namespace, "app", image, proxySecretRef={"name": "proxy"}))
    await until(kube, namespace, "ImageRepository", "app", ready_is("True", "found 1 tags"))
    assert proxy_server.forwarded_to(int(registry.host.rpartition(":")[2])) >= 1
    await kube.create(image_repository(namespace, "refused", image, proxySecretRef={"name": "bad-proxy"}))
    refused = await until(kube, namespace, "ImageRepository", "refused", reason_is("False", "AuthenticationFailed"))
    assert "the proxy refused the request" in condition(refused, "Ready")["message"]  # type: ignore[index]
    assert "wrong-proxy-password" not in json.dumps(refused["status"])
