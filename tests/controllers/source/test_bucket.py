"""Bucket against the real plane and a real S3 server: artifacts, revisions as Flux computes them, failures."""

from __future__ import annotations

import hashlib

import pytest

from reflow.api.conditions import condition
from reflow.api.meta import Manifest, ObjectRef
from reflow.kube.client import Kube
from reflow.kube.wait import wait_for
from reflow.runtime.controller import REQUESTED_AT
from tests.controllers.events import events_until
from tests.controllers.source.buckets import bucket, create_keys, flux_revision, new_bucket_name, ref, until
from tests.controllers.source.gitrepositories import fetch, members, secret
from tests.managers import StartControllers
from tests.manifests import kustomization, ready_is
from tests.proxyserver import ProxyServer
from tests.s3server import S3Server

KUSTOMIZE = "kustomize.toolkit.fluxcd.io/v1"
CONFIGMAP = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  value: {value!r}\n"


async def test_bucket_becomes_an_artifact_that_a_kustomization_applies(
    kube: Kube, namespace: str, start_controllers: StartControllers, s3: S3Server
) -> None:
    name = new_bucket_name()
    s3.create_bucket(
        name,
        {
            "deploy/config.yaml": CONFIGMAP.format(name="from-bucket", value="one").encode(),
            "deploy/notes.txt": b"not a manifest\n",
            "README.md": b"# readme\n",
        },
    )
    await create_keys(kube, namespace)
    await start_controllers("source", "kustomize")
    await kube.create(bucket(namespace, "app", s3, name, secretRef={"name": "s3-keys"}, ignore="*.txt\n"))

    obj = await until(kube, namespace, "app", ready_is("True"))
    artifact = obj["status"]["artifact"]
    # the .txt object is left out of the index as well as the tarball, so the revision is over the two others
    listing = {o.object_name: (o.etag or "").strip('"') for o in s3.client().list_objects(name, recursive=True)}
    kept = "".join(f"{key} {listing[key]}\n" for key in ("README.md", "deploy/config.yaml"))
    revision = "sha256:" + hashlib.sha256(kept.encode()).hexdigest()
    assert artifact["revision"] == revision
    assert condition(obj, "Ready")["message"] == f"stored artifact for revision '{revision}'"  # type: ignore[index]
    assert artifact["path"] == f"bucket/{namespace}/app/{revision.removeprefix('sha256:')}.tar.gz"
    tarball = await fetch(artifact["url"])
    assert artifact["digest"] == "sha256:" + hashlib.sha256(tarball).hexdigest()
    assert sorted(members(tarball)) == ["README.md", "deploy/config.yaml"]
    recorded = await events_until(kube, namespace, lambda items: any(e["reason"] == "NewArtifact" for e in items))
    assert [e["message"] for e in recorded if e["reason"] == "NewArtifact"] == [
        f"stored artifact with 2 fetched files from '{name}' bucket"
    ]

    await kube.create(kustomization(namespace, "app", "Bucket", "app"))
    applied = await wait_for(
        kube,
        ObjectRef(KUSTOMIZE, "Kustomization", "app", namespace),
        ready_is("True", revision),
        timeout=60,
        what="applied",
    )
    assert applied is not None
    configmap = await kube.get(ObjectRef("v1", "ConfigMap", "from-bucket", namespace))
    assert configmap["data"] == {"value": "one"}


async def test_changed_deleted_and_unchanged_objects(
    kube: Kube, namespace: str, start_controllers: StartControllers, s3: S3Server
) -> None:
    name = new_bucket_name()
    s3.create_bucket(name, {"a.yaml": b"a: 1\n", "b.yaml": b"b: 1\n"})
    await create_keys(kube, namespace)
    await start_controllers("source")
    await kube.create(bucket(namespace, "app", s3, name, secretRef={"name": "s3-keys"}))
    first = await until(kube, namespace, "app", ready_is("True", flux_revision(s3, name)))

    await kube.patch(ref(namespace, "app"), {"metadata": {"annotations": {REQUESTED_AT: "unchanged"}}})
    handled = await until(
        kube, namespace, "app", lambda o: (o or {}).get("status", {}).get("lastHandledReconcileAt") == "unchanged"
    )
    assert handled["status"]["artifact"] == first["status"]["artifact"]
    assert handled["status"]["conditions"] == first["status"]["conditions"]

    s3.put(name, "a.yaml", b"a: 2\n")
    changed_revision = flux_revision(s3, name)
    assert changed_revision != first["status"]["artifact"]["revision"]
    await kube.patch(ref(namespace, "app"), {"metadata": {"annotations": {REQUESTED_AT: "changed"}}})
    changed = await until(kube, namespace, "app", ready_is("True", changed_revision))
    assert members(await fetch(changed["status"]["artifact"]["url"])) == {"a.yaml": b"a: 2\n", "b.yaml": b"b: 1\n"}

    s3.client().remove_object(name, "b.yaml")
    deleted_revision = flux_revision(s3, name)
    await kube.patch(ref(namespace, "app"), {"metadata": {"annotations": {REQUESTED_AT: "deleted"}}})
    deleted = await until(kube, namespace, "app", ready_is("True", deleted_revision))
    assert members(await fetch(deleted["status"]["artifact"]["url"])) == {"a.yaml": b"a: 2\n"}
    recorded = await events_until(kube, namespace, lambda items: sum(e["reason"] == "NewArtifact" for e in items) == 3)
    assert sum(e["reason"] == "NewArtifact" for e in recorded) == 3


@pytest.mark.parametrize(
    ("change", "message"),
    [
        pytest.param(
            {"secretRef": {"name": "wrong-keys"}}, "access denied (SignatureDoesNotMatch); check 'accesskey'", id="keys"
        ),
        pytest.param({"bucketName": "reflow-no-such-bucket"}, "the bucket does not exist", id="missing-bucket"),
        pytest.param({"endpoint": "127.0.0.1:1"}, "cannot reach the endpoint", id="unreachable"),
        pytest.param({"secretRef": {"name": "absent"}}, "authentication secret", id="absent-secret"),
    ],
)
async def test_failures_are_clear_and_keep_the_last_artifact(
    kube: Kube,
    namespace: str,
    start_controllers: StartControllers,
    s3: S3Server,
    change: Manifest,
    message: str,
) -> None:
    name = new_bucket_name()
    s3.create_bucket(name, {"a.yaml": b"a: 1\n"})
    await create_keys(kube, namespace)
    await create_keys(kube, namespace, "wrong-keys", secret_key="not-the-secret")
    await start_controllers("source")
    await kube.create(bucket(namespace, "app", s3, name, secretRef={"name": "s3-keys"}))
    good = await until(kube, namespace, "app", ready_is("True"))

    await kube.patch(ref(namespace, "app"), {"spec": change})
    failed = await until(kube, namespace, "app", ready_is("False", message))
    assert failed["status"]["artifact"] == good["status"]["artifact"]
    assert condition(failed, "FetchFailed")["status"] == "True"  # type: ignore[index]
    assert "not-the-secret" not in str(failed["status"])
    assert members(await fetch(failed["status"]["artifact"]["url"])) == {"a.yaml": b"a: 1\n"}


async def test_cloud_providers_are_refused_clearly(
    kube: Kube, namespace: str, start_controllers: StartControllers, s3: S3Server
) -> None:
    await start_controllers("source")
    await kube.create(bucket(namespace, "gcs", s3, "some-bucket", provider="gcp"))
    failed = await until(kube, namespace, "gcs", ready_is("False", "provider 'gcp' is not supported in this build"))
    assert condition(failed, "Stalled")["status"] == "True"  # type: ignore[index]


async def test_prefix_and_the_buckets_sourceignore_shape_the_index(
    kube: Kube, namespace: str, start_controllers: StartControllers, s3: S3Server
) -> None:
    name = new_bucket_name()
    s3.create_bucket(
        name,
        {".sourceignore": b"*.txt\n", "deploy/a.yaml": b"a: 1\n", "deploy/b.txt": b"b\n", "other/c.yaml": b"c: 1\n"},
    )
    await create_keys(kube, namespace)
    await start_controllers("source")
    await kube.create(bucket(namespace, "app", s3, name, secretRef={"name": "s3-keys"}, prefix="deploy/"))
    obj = await until(kube, namespace, "app", ready_is("True"))
    etag = next(o.etag for o in s3.client().list_objects(name, prefix="deploy/a.yaml"))
    expected = "sha256:" + hashlib.sha256(f"deploy/a.yaml {(etag or '').strip(chr(34))}\n".encode()).hexdigest()
    assert obj["status"]["artifact"]["revision"] == expected
    assert members(await fetch(obj["status"]["artifact"]["url"])) == {"deploy/a.yaml": b"a: 1\n"}


async def test_through_an_authenticating_proxy_and_bad_tls_material(
    kube: Kube, namespace: str, start_controllers: StartControllers, s3: S3Server, proxy_server: ProxyServer
) -> None:
    name = new_bucket_name()
    s3.create_bucket(name, {"a.yaml": b"a: 1\n"})
    await create_keys(kube, namespace)
    proxy = {"address": proxy_server.address.encode(), "username": proxy_server.username.encode()}
    await kube.create(secret(namespace, "proxy", proxy | {"password": proxy_server.password.encode()}))
    await start_controllers("source")
    port = int(s3.endpoint.rsplit(":", 1)[1])
    before = proxy_server.forwarded_to(port)
    await kube.create(
        bucket(namespace, "app", s3, name, secretRef={"name": "s3-keys"}, proxySecretRef={"name": "proxy"})
    )
    good = await until(kube, namespace, "app", ready_is("True"))
    assert proxy_server.forwarded_to(port) > before

    await kube.create(secret(namespace, "tls", {"ca.crt": b"not a certificate"}))
    await kube.patch(ref(namespace, "app"), {"spec": {"insecure": False, "certSecretRef": {"name": "tls"}}})
    failed = await until(
        kube, namespace, "app", ready_is("False", "the TLS material of certSecretRef is not valid PEM")
    )
    assert failed["status"]["artifact"] == good["status"]["artifact"]
