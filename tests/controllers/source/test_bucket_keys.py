"""An S3 server that records requests: an unchanged bucket costs one listing; keys outside the directory are refused."""

from __future__ import annotations

from aiohttp import web

from reflow.api.conditions import condition
from reflow.kube.client import Kube
from reflow.runtime.controller import REQUESTED_AT
from tests.controllers.source.buckets import SOURCE, ref, until
from tests.controllers.source.gitrepositories import fetch, members
from tests.loopback import loopback
from tests.managers import StartControllers
from tests.manifests import ready_is

LISTING = """<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
<Name>hostile</Name><Prefix></Prefix><KeyCount>{count}</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>
{contents}</ListBucketResult>"""
ENTRY = (
    "<Contents><Key>{key}</Key><LastModified>2026-01-01T00:00:00.000Z</LastModified>"
    '<ETag>"{etag}"</ETag><Size>{size}</Size><StorageClass>STANDARD</StorageClass></Contents>\n'
)


class HostileBucket:
    """Answers ListObjectsV2 with whatever keys it holds, and serves their content; records every request."""

    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}
        self.requests: list[str] = []

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.requests.append(request.path_qs)
        if "list-type" in request.query:
            contents = "".join(
                ENTRY.format(key=key, etag=f"etag-{len(data)}-{index}", size=len(data))
                for index, (key, data) in enumerate(sorted(self.objects.items()))
            )
            body = LISTING.format(count=len(self.objects), contents=contents)
            return web.Response(body=body.encode(), content_type="application/xml")
        key = request.path.removeprefix("/hostile/")
        if key not in self.objects:
            return web.Response(
                status=404, body=b"<Error><Code>NoSuchKey</Code></Error>", content_type="application/xml"
            )
        return web.Response(body=self.objects[key], headers={"ETag": '"x"'}, content_type="application/octet-stream")


async def test_one_listing_when_unchanged_and_keys_that_climb_out_are_refused_with_the_artifact_kept(
    kube: Kube, namespace: str, start_controllers: StartControllers
) -> None:
    server = HostileBucket()
    server.objects["app.yaml"] = b"a: 1\n"
    async with loopback() as serve:
        port = await serve(server.handle, "127.0.0.1")
        await start_controllers("source")
        spec = {"bucketName": "hostile", "endpoint": f"127.0.0.1:{port}", "region": "us-east-1", "insecure": True}
        manifest = {
            "apiVersion": SOURCE,
            "kind": "Bucket",
            "metadata": {"name": "app", "namespace": namespace},
            "spec": {**spec, "interval": "1h", "timeout": "10s"},
        }
        await kube.create(manifest)
        good = await until(kube, namespace, "app", ready_is("True"))

        # an unchanged bucket costs one listing: no download, and the status keeps its conditions
        seen = len(server.requests)
        await kube.patch(ref(namespace, "app"), {"metadata": {"annotations": {REQUESTED_AT: "same"}}})
        handled = await until(
            kube, namespace, "app", lambda o: (o or {}).get("status", {}).get("lastHandledReconcileAt") == "same"
        )
        assert [("list-type" in path) for path in server.requests[seen:]] == [True]
        assert handled["status"]["conditions"] == good["status"]["conditions"]

        for index, key in enumerate(["../../escape.yaml", "/tmp/absolute.yaml"]):
            server.objects = {"app.yaml": b"a: 2\n", key: b"kind: Escaped\n"}
            seen = len(server.requests)
            await kube.patch(ref(namespace, "app"), {"metadata": {"annotations": {REQUESTED_AT: f"hostile-{index}"}}})
            failed = await until(kube, namespace, "app", ready_is("False", f"object key '{key}'"))
            message = condition(failed, "Ready")["message"]  # type: ignore[index]
            assert "refusing to download it" in message
            assert condition(failed, "Ready")["reason"] == "IllegalPath"  # type: ignore[index]
            assert failed["status"]["artifact"] == good["status"]["artifact"]
            assert members(await fetch(failed["status"]["artifact"]["url"])) == {"app.yaml": b"a: 1\n"}
            # the listing named the key, and nothing was downloaded after it
            assert [path for path in server.requests[seen:] if "list-type" not in path] == []
