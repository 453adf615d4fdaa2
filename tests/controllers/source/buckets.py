"""Buckets as source-controller tests make and read them: manifests, credentials, waits, Flux's revision."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable

from reflow.api.meta import Manifest, ObjectRef
from reflow.kube.client import Kube
from reflow.kube.wait import wait_for
from tests.controllers.source.gitrepositories import secret
from tests.s3server import ACCESS_KEY, SECRET_KEY, S3Server

SOURCE = "source.toolkit.fluxcd.io/v1"


def bucket(namespace: str, name: str, server: S3Server, bucket_name: str, **spec: object) -> Manifest:
    return {
        "apiVersion": SOURCE,
        "kind": "Bucket",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "provider": "generic",
            "bucketName": bucket_name,
            "endpoint": server.endpoint,
            "region": "us-east-1",
            "insecure": True,
            "interval": "1h",
            "timeout": "10s",
            **spec,
        },
    }


def ref(namespace: str, name: str) -> ObjectRef:
    return ObjectRef(SOURCE, "Bucket", name, namespace)


async def until(kube: Kube, namespace: str, name: str, check: Callable[[Manifest | None], bool]) -> Manifest:
    obj = await wait_for(kube, ref(namespace, name), check, timeout=60, what="as expected")
    assert obj is not None
    return obj


def flux_revision(server: S3Server, bucket_name: str) -> str:
    """The revision Flux gives the bucket: sha256 over `<key> <etag>\\n` lines, keys sorted."""
    listing = sorted(
        (o.object_name or "", (o.etag or "").strip('"'))
        for o in server.client().list_objects(bucket_name, recursive=True)
    )
    return "sha256:" + hashlib.sha256("".join(f"{key} {etag}\n" for key, etag in listing).encode()).hexdigest()


async def create_keys(kube: Kube, namespace: str, name: str = "s3-keys", secret_key: str = SECRET_KEY) -> None:
    data = {"accesskey": ACCESS_KEY.encode(), "secretkey": secret_key.encode()}
    await kube.create(secret(namespace, name, data))


def new_bucket_name() -> str:
    return f"reflow-{secrets.token_hex(6)}"
