"""`reflow create source bucket`: `--export` in Flux's layout, and applying then waiting for a stand-in controller."""

from __future__ import annotations

import pytest

from reflow.api.meta import ObjectRef
from reflow.kube.client import Kube
from tests.cli.controller import stand_in
from tests.cli.objects import artifact
from tests.cli.runner import TESTDATA, Reflow

BUCKET = ("source.toolkit.fluxcd.io/v1", "Bucket")

GOLDEN = [
    pytest.param(
        [
            "flux-system",
            "--bucket-name=podinfo",
            "--provider=aws",
            "--endpoint=s3.amazonaws.com",
            "--region=us-east-1",
            "--interval=5m",
            "--fetch-timeout=30s",
            "-n",
            "flux-system",
        ],
        "create_source_bucket/aws.golden",
        id="aws",
    ),
    pytest.param(
        [
            "podinfo",
            "--bucket-name=podinfo",
            "--endpoint=minio.minio.svc.cluster.local:9000",
            "--insecure",
            "--secret-ref=minio-keys",
            "--proxy-secret-ref=proxy",
            "--ignore-paths=*.md,docs/",
            "--label=team=apps",
            "--interval=10m",
            "-n",
            "default",
        ],
        "create_source_bucket/generic.golden",
        id="generic",
    ),
]


@pytest.mark.parametrize(("args", "golden"), GOLDEN)
async def test_export_matches_the_golden_file_byte_for_byte(reflow: Reflow, args: list[str], golden: str) -> None:
    result = await reflow("create", "source", "bucket", *args, "--export", namespaced=False)
    assert result.code == 0, result.stderr
    assert result.stdout.encode() == (TESTDATA / golden).read_bytes()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--endpoint=s3.amazonaws.com"], "Missing option '--bucket-name'"),
        (["--bucket-name=b"], "Missing option '--endpoint'"),
        (["--bucket-name=b", "--endpoint=e", "--provider=ceph"], "'ceph' is not one of"),
    ],
)
async def test_bad_flags_exit_2(reflow: Reflow, args: list[str], message: str) -> None:
    result = await reflow("create", "source", "bucket", "podinfo", *args, "--export", namespaced=False)
    assert result.code == 2
    assert message in result.stderr


async def test_create_applies_and_waits_then_the_bucket_nouns_work(
    reflow: Reflow, kube: Kube, namespace: str, crds: None
) -> None:
    revision = "sha256:" + "ab" * 32
    async with stand_in(kube, *BUCKET, namespace, fields={"artifact": artifact(revision)}, message="stored"):
        result = await reflow(
            "create", "source", "bucket", "podinfo", "--bucket-name=podinfo", "--endpoint=minio:9000",
            "--insecure", "--secret-ref=keys", "--timeout", "30s",
        )  # fmt: skip
    assert result.code == 0, result.stderr
    assert f"fetched revision: {revision}" in result.stderr
    live = await kube.get(ObjectRef(*BUCKET, "podinfo", namespace))
    assert live["spec"]["secretRef"] == {"name": "keys"}
    assert live["spec"]["insecure"] is True

    listed = await reflow("get", "source", "bucket")
    assert listed.code == 0, listed.stderr
    assert "podinfo" in listed.stdout
    assert revision in listed.stdout
    suspended = await reflow("suspend", "source", "bucket", "podinfo")
    assert suspended.code == 0, suspended.stderr
    assert (await kube.get(ObjectRef(*BUCKET, "podinfo", namespace)))["spec"]["suspend"] is True
    exported = await reflow("export", "source", "bucket", "podinfo")
    assert exported.code == 0, exported.stderr
    assert "kind: Bucket" in exported.stdout
    assert "bucketName: podinfo" in exported.stdout
