"""OCIRepository `spec.verify` with cosign keys: artifacts the real cosign signed are served, others never are."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import pytest

from reflow.api.conditions import condition
from reflow.kube.client import Kube
from reflow.runtime.controller import REQUESTED_AT
from tests.controllers.source.gitrepositories import secret
from tests.controllers.source.ocirepositories import oci_repository, push_configmap, ref, until
from tests.cosigner import KeyPair, RegistryReader, copy_signature, generate_key_pair, sign
from tests.managers import StartControllers
from tests.manifests import ready_is
from tests.registries import Registry
from tests.registryproxy import counting_proxy


@pytest.fixture(scope="session")
def cosign_key(tmp_path_factory: pytest.TempPathFactory) -> KeyPair:
    return generate_key_pair(tmp_path_factory.mktemp("oci-cosign-key"))


async def test_signed_artifacts_verify_and_unsigned_or_copied_signatures_are_refused(
    kube: Kube,
    namespace: str,
    start_controllers: StartControllers,
    registry: Registry,
    registry_repository: str,
    cosign_key: KeyPair,
    tmp_path: Path,
) -> None:
    signed = await push_configmap(registry, registry_repository, "v1", "one", tmp_path)
    unsigned = await push_configmap(registry, registry_repository, "v2", "two", tmp_path)
    copied = await push_configmap(registry, registry_repository, "v3", "three", tmp_path)
    sign(cosign_key, f"{registry.host}/{registry_repository}@{signed.digest}")
    async with aiohttp.ClientSession() as session:
        reader = RegistryReader(session, registry, registry_repository)
        await copy_signature(reader, signed.digest, copied.digest, bundle=True)
    await kube.create(secret(namespace, "cosign-keys", {"cosign.pub": cosign_key.public}))
    verify = {"provider": "cosign", "secretRef": {"name": "cosign-keys"}}

    async with counting_proxy(registry.host) as proxy:
        url = proxy.oci_url(registry_repository)
        await start_controllers("source")
        await kube.create(oci_repository(namespace, "app", url, ref={"tag": "v1"}, verify=verify))
        good = await until(kube, namespace, "app", ready_is("True", f"v1@{signed.digest}"))
        verified = condition(good, "SourceVerified")
        assert verified is not None
        assert (verified["status"], verified["reason"]) == ("True", "Succeeded")
        assert verified["message"] == f"verified signature of revision v1@{signed.digest} with key 'cosign.pub'"
        assert good["status"]["sourceVerificationFingerprint"].startswith("sha256:")

        proxy.requests.clear()
        await kube.patch(ref(namespace, "app"), {"metadata": {"annotations": {REQUESTED_AT: "unchanged"}}})
        await until(
            kube, namespace, "app", lambda o: (o or {}).get("status", {}).get("lastHandledReconcileAt") == "unchanged"
        )
        assert proxy.requests == [("HEAD", f"/v2/{registry_repository}/manifests/v1")], "verified once is enough"

        for tag, message in (("v2", "no cosign signature found"), ("v3", "not for this artifact")):
            await kube.patch(ref(namespace, "app"), {"spec": {"ref": {"tag": tag}}})
            refused = await until(kube, namespace, "app", ready_is("False", message))
            assert refused["status"]["artifact"] == good["status"]["artifact"]
            failed = condition(refused, "SourceVerified")
            assert failed is not None
            assert (failed["status"], failed["reason"]) == ("False", "VerificationError")
    assert unsigned.digest != copied.digest


async def test_missing_keys_keyless_and_notation_are_explained(
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
    cases = {
        "no-secret": ({"provider": "cosign", "secretRef": {"name": "absent"}}, "verification secret"),
        "keyless": (
            {"provider": "cosign", "matchOIDCIdentity": [{"issuer": ".*", "subject": ".*"}]},
            "keyless verification (spec.verify.matchOIDCIdentity) is not supported in this build",
        ),
        "notation": ({"provider": "notation", "secretRef": {"name": "x"}}, "provider 'notation' is not supported"),
    }
    for name, (verify, _) in cases.items():
        await kube.create(oci_repository(namespace, name, url, ref={"tag": "v1"}, verify=verify))
    for name, (_, message) in cases.items():
        refused = await until(kube, namespace, name, ready_is("False", message))
        assert "artifact" not in refused["status"]
        assert condition(refused, "SourceVerified")["status"] == "False"  # type: ignore[index]
