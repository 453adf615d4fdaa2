"""A SeaweedFS S3 server on loopback for tests, and an S3 client to fill its buckets."""

from __future__ import annotations

import io
import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from minio import Minio

ACCESS_KEY = "reflow-test-access"
SECRET_KEY = "reflow-test-secret-0123456789"
PORTS = ("master", "master.grpc", "volume", "volume.grpc", "filer", "filer.grpc", "s3", "s3.grpc")
READY_DEADLINE = 60.0
WARM_UP = "reflow-warm-up"


def free_ports(count: int) -> list[int]:
    """`count` distinct free TCP ports on 127.0.0.1 (free when this returns)."""
    with ExitStack() as stack:
        sockets = [stack.enter_context(socket.socket()) for _ in range(count)]
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]


@dataclass(frozen=True)
class S3Server:
    """A running S3 endpoint (`host:port`, plain HTTP) that accepts one pair of static keys."""

    endpoint: str
    ports: dict[str, int] = field(default_factory=dict)

    def client(self, access_key: str = ACCESS_KEY, secret_key: str = SECRET_KEY) -> Minio:
        return Minio(self.endpoint, access_key=access_key, secret_key=secret_key, secure=False, region="us-east-1")

    def put(self, bucket: str, key: str, content: bytes) -> None:
        self.client().put_object(bucket, key, io.BytesIO(content), len(content))

    def create_bucket(self, bucket: str, objects: dict[str, bytes]) -> None:
        self.client().make_bucket(bucket)
        for key, content in objects.items():
            self.put(bucket, key, content)


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


@contextmanager
def seaweedfs(workdir: Path, ports: dict[str, int] | None = None) -> Iterator[S3Server]:
    """`weed server` with a master, a volume server, a filer and the S3 gateway on free loopback ports.

    Given the `ports` of a server it stopped (`S3Server.ports`) and the same `workdir`, it brings that server back."""
    config = workdir / "s3.json"
    identity = {"name": "test", "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}]}
    identity["actions"] = ["Admin", "Read", "Write", "List", "Tagging"]  # type: ignore[assignment]
    config.write_text(json.dumps({"identities": [identity]}))
    (workdir / "data").mkdir(exist_ok=True)
    ports = ports or dict(zip(PORTS, free_ports(len(PORTS)), strict=True))
    weed = Path(sys.executable).parent / "weed"
    args = [str(weed), "server", f"-dir={workdir / 'data'}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1", "-filer", "-s3"]
    args += [f"-{name.replace('.grpc', '.port.grpc') if '.grpc' in name else name + '.port'}={port}"
             for name, port in ports.items()]  # fmt: skip
    args += [f"-s3.config={config}", "-s3.port.iceberg=0", "-s3.port.lance=0", "-master.volumeSizeLimitMB=64"]
    args += ["-volume.max=200"]  # each bucket is a collection that grows volumes of its own
    with (workdir / "weed.log").open("ab") as log:
        process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
    try:
        server = S3Server(f"127.0.0.1:{ports['s3']}", ports)
        deadline = time.monotonic() + READY_DEADLINE
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"weed server exited: {(workdir / 'weed.log').read_text()[-2000:]}")
            if _answers(ports["s3"]) and _bucket_api_works(server):
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"the S3 port did not answer in {READY_DEADLINE}s")
            time.sleep(0.2)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _bucket_api_works(server: S3Server) -> bool:
    """The gateway stores an object (the filer and a volume behind it are up), not only accepts connections."""
    try:
        client = server.client()
        if not client.bucket_exists(WARM_UP):
            client.make_bucket(WARM_UP)
        server.put(WARM_UP, "ready", b"ready")
        client.stat_object(WARM_UP, "ready")
    except Exception:  # any failure means "not yet"
        return False
    return True
