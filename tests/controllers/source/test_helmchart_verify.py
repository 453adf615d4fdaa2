"""HelmChart `spec.verify`: charts the real helm pushed and the real cosign signed are served, unsigned ones
never are; keyless, missing keys and charts outside an OCI registry are explained in status."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import aiohttp
import pytest

from reflow.api.conditions import condition
from reflow.api.meta import Manifest
from reflow.kube.client import Kube
from tests.chartrepo import make_repo, serve_repo
from tests.controllers.source.gitrepositories import fetch, secret
from tests.controllers.source.helmcharts import helm_chart, ref, request, revision_is, until
from tests.controllers.source.test_helmchart_oci import push_chart
from tests.controllers.source.test_helmrepository import helm_repository
from tests.cosigner import KeyPair, RegistryReader, digest_of, generate_key_pair, sign
from tests.managers import StartControllers
from tests.manifests import ready_is
from tests.registries import Registry

VERIFY = {"provider": "cosign", "secretRef": {"name": "cosign-keys"}}


@pytest.fixture(scope="session")
def chart_key(tmp_path_factory: pytest.TempPathFactory) -> KeyPair:
    return generate_key_pair(tmp_path_factory.mktemp("chart-cosign-key"))


async def sign_chart(key: KeyPair, registry: Registry, repository: str, version: str) -> str:
    """`cosign sign` the chart `web` at `version` by its manifest digest; the digest."""
    async with aiohttp.ClientSession() as session:
        fetched = await RegistryReader(session, registry, f"{repository}/web").fetch_manifest(version)
    assert fetched is not None
    digest = digest_of(fetched[0])
    sign(key, f"{registry.host}/{repository}/web@{digest}")
    return digest


def settled(generation: int) -> Callable[[Manifest | None], bool]:
    """Ready=True for this generation of the spec."""
    return lambda obj: ready_is("True")(obj) and (obj or {})["status"].get("observedGeneration") == generation


def verified(obj: Manifest) -> tuple[str, str, str]:
    found = condition(obj, "SourceVerified")
    assert found is not None
    return found["status"], found["reason"], found["message"]


async def test_signed_chart_is_served_and_an_unsigned_one_never_is(
    kube: Kube,
    namespace: str,
    start_controllers: StartControllers,
    registry: Registry,
    registry_repository: str,
    chart_key: KeyPair,
    tmp_path: Path,
) -> None:
    first = push_chart(registry, registry_repository, "1.0.0", tmp_path)
    await sign_chart(chart_key, registry, registry_repository, "1.0.0")
    push_chart(registry, registry_repository, "1.1.0", tmp_path)
    await kube.create(secret(namespace, "cosign-keys", {"cosign.pub": chart_key.public}))
    await start_controllers("source")
    url = registry.oci_url(registry_repository)
    await kube.create(helm_repository(namespace, "registry", url, type="oci", insecure=True))
    await kube.create(helm_chart(namespace, "web", "web", "HelmRepository", "registry", version="1.0.0", verify=VERIFY))

    good = await until(kube, "HelmChart", namespace, "web", ready_is("True"))
    assert verified(good) == ("True", "Succeeded", "verified signature of version 1.0.0 with key 'cosign.pub'")
    assert await fetch(good["status"]["artifact"]["url"]) == first

    # The newest version in the range is not signed: refused, the verified chart stays.
    await kube.patch(ref("HelmChart", namespace, "web"), {"spec": {"version": "1.x"}})
    refused = await until(kube, "HelmChart", namespace, "web", ready_is("False", "no cosign signature found"))
    ready, build = condition(refused, "Ready"), condition(refused, "BuildFailed")
    assert ready is not None
    assert build is not None
    assert ready["reason"] == build["reason"] == "ChartVerificationError"
    assert ready["message"].startswith("chart verification error: ")
    assert verified(refused)[:2] == ("False", "VerificationError")
    assert refused["status"]["artifact"] == good["status"]["artifact"]

    await sign_chart(chart_key, registry, registry_repository, "1.1.0")
    await request(kube, "HelmChart", namespace, "web", "signed-now")
    moved = await until(kube, "HelmChart", namespace, "web", revision_is("1.1.0"))
    assert verified(moved) == ("True", "Succeeded", "verified signature of version 1.1.0 with key 'cosign.pub'")
    assert condition(moved, "BuildFailed") is None

    # An exact version already stored is verified again: a re-pushed unsigned chart under the signed tag is
    # refused although nothing new would be downloaded.
    await kube.patch(ref("HelmChart", namespace, "web"), {"spec": {"version": "1.1.0"}})
    pinned = await until(kube, "HelmChart", namespace, "web", settled(3))
    push_chart(registry, registry_repository, "1.1.0", tmp_path, description="re-pushed")
    await request(kube, "HelmChart", namespace, "web", "re-pushed")
    hijacked = await until(kube, "HelmChart", namespace, "web", ready_is("False", "no cosign signature found"))
    assert hijacked["status"]["artifact"] == pinned["status"]["artifact"]

    await kube.patch(ref("HelmChart", namespace, "web"), {"spec": {"verify": None}})
    unverified = await until(kube, "HelmChart", namespace, "web", ready_is("True"))
    assert condition(unverified, "SourceVerified") is None


async def test_signatures_are_read_with_the_repository_credentials_and_tls(
    kube: Kube,
    namespace: str,
    start_controllers: StartControllers,
    auth_registry: Registry,
    registry_repository: str,
    chart_key: KeyPair,
    tmp_path: Path,
) -> None:
    assert auth_registry.username is not None
    assert auth_registry.password is not None
    assert auth_registry.ca is not None
    pushed = push_chart(auth_registry, registry_repository, "2.0.0", tmp_path)
    sign(chart_key, f"{auth_registry.host}/{registry_repository}/web:2.0.0", registry=auth_registry)
    login = {"username": auth_registry.username.encode(), "password": auth_registry.password.encode()}
    await kube.create(secret(namespace, "login", login))
    await kube.create(secret(namespace, "ca", {"ca.crt": auth_registry.ca.read_bytes()}))
    await kube.create(secret(namespace, "cosign-keys", {"cosign.pub": chart_key.public}))
    await start_controllers("source")
    spec = {"type": "oci", "secretRef": {"name": "login"}, "certSecretRef": {"name": "ca"}}
    await kube.create(helm_repository(namespace, "registry", auth_registry.oci_url(registry_repository), **spec))
    await kube.create(helm_chart(namespace, "web", "web", "HelmRepository", "registry", version="2.x", verify=VERIFY))

    good = await until(kube, "HelmChart", namespace, "web", ready_is("True"))
    assert verified(good) == ("True", "Succeeded", "verified signature of version 2.0.0 with key 'cosign.pub'")
    assert await fetch(good["status"]["artifact"]["url"]) == pushed
    assert auth_registry.password not in str(good["status"])


async def test_keyless_missing_keys_and_http_repositories_are_explained(
    kube: Kube,
    namespace: str,
    start_controllers: StartControllers,
    registry: Registry,
    registry_repository: str,
    tmp_path: Path,
) -> None:
    push_chart(registry, registry_repository, "1.0.0", tmp_path)
    repo = make_repo(tmp_path / "repo")
    repo.add_chart("web", "1.0.0")
    async with serve_repo(repo) as server:
        await start_controllers("source")
        url = registry.oci_url(registry_repository)
        await kube.create(helm_repository(namespace, "registry", url, type="oci", insecure=True))
        await kube.create(helm_repository(namespace, "charts", server.url))
        cases = {
            "keyless": (
                "registry",
                {"provider": "cosign", "matchOIDCIdentity": [{"issuer": ".*", "subject": ".*"}]},
                "keyless verification (spec.verify.matchOIDCIdentity) is not supported in this build",
            ),
            "no-secret": ("registry", VERIFY, "verification secret"),
            "notation": ("registry", {"provider": "notation", "secretRef": {"name": "x"}}, "'notation'"),
            "http": ("charts", VERIFY, "signatures are verified only for charts in an OCI HelmRepository"),
        }
        for name, (source, verify, _) in cases.items():
            await kube.create(helm_chart(namespace, name, "web", "HelmRepository", source, verify=verify))
        for name, (_, _, message) in cases.items():
            refused = await until(kube, "HelmChart", namespace, name, ready_is("False", message))
            assert "artifact" not in refused["status"]
            assert verified(refused)[:2] == ("False", "VerificationError")
        http = await until(kube, "HelmChart", namespace, "http", ready_is("False"))
        assert condition(http, "Ready")["reason"] == "ChartVerificationError"  # type: ignore[index]
        assert condition(http, "Stalled")["status"] == "True"  # type: ignore[index]
        said = condition(http, "Ready")["message"]  # type: ignore[index]
        assert f"HelmRepository '{namespace}/charts' is of type 'default'" in said
