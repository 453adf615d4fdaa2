"""Thin I/O against an S3 API (any S3-compatible server, or AWS with static keys) through the MinIO client.

The client is synchronous (urllib3); each call runs in a worker thread so the event loop stays free.
"""

from __future__ import annotations

import asyncio
import base64
import shutil
import ssl
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import urllib3
from minio import Minio
from minio.error import MinioException, S3Error
from urllib3.util.retry import Retry

from reflow.engines.bucket.errors import AuthenticationFailed, BucketError
from reflow.engines.bucket.index import local_path
from reflow.engines.git.proxy import Proxy
from reflow.kube.privatefile import write_private

RETRIES = 2
"""Connection retries per request before an unreachable endpoint is reported."""
DENIED = frozenset({"AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken"})


@dataclass(frozen=True, slots=True)
class Keys:
    """Static S3 credentials from the `secretRef` Secret (`accesskey`, `secretkey`)."""

    access_key: str
    secret_key: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class TLS:
    """TLS material from the `certSecretRef` Secret: a CA bundle, and a client certificate and key."""

    ca: bytes | None = None
    cert: bytes | None = None
    key: bytes | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class Endpoint:
    """Where the bucket is and how to reach it."""

    address: str
    bucket: str
    region: str | None = None
    insecure: bool = False
    timeout: float = 60.0
    keys: Keys | None = None
    tls: TLS = TLS()
    proxy: Proxy | None = None

    @property
    def host(self) -> str:
        """`host:port`, with a scheme written in `spec.endpoint` removed (`insecure` decides HTTP or HTTPS)."""
        return self.address.removeprefix("https://").removeprefix("http://").rstrip("/")


def keys_from_secret(data: Mapping[str, bytes], name: str) -> Keys:
    """The `accesskey` and `secretkey` of the decoded Secret `name`; `AuthenticationFailed` names a missing one."""
    missing = [key for key in ("accesskey", "secretkey") if not data.get(key)]
    if missing:
        raise AuthenticationFailed(f"secret '{name}' has no {' or '.join(repr(key) for key in missing)} key")
    return Keys(data["accesskey"].decode().strip(), data["secretkey"].decode().strip())


def tls_from_secret(data: Mapping[str, bytes], name: str) -> TLS:
    """`ca.crt`, `tls.crt` and `tls.key` of the decoded Secret `name` (a certificate needs its key)."""
    tls = TLS(data.get("ca.crt") or data.get("caFile"), data.get("tls.crt"), data.get("tls.key"))
    if bool(tls.cert) != bool(tls.key):
        raise AuthenticationFailed(f"secret '{name}' must hold both 'tls.crt' and 'tls.key' for a client certificate")
    if not (tls.ca or tls.cert):
        raise AuthenticationFailed(f"secret '{name}' holds none of 'ca.crt', 'tls.crt' and 'tls.key'")
    return tls


def _describe(endpoint: Endpoint, error: Exception) -> BucketError:
    """A message a user can act on for a failed S3 call."""
    where = f"bucket '{endpoint.bucket}' at '{endpoint.host}'"
    if isinstance(error, S3Error):
        if error.code == "NoSuchBucket":
            return BucketError(f"{where}: the bucket does not exist")
        if error.code in DENIED:
            return BucketError(
                f"{where}: access denied ({error.code}); check 'accesskey' and 'secretkey' in the secretRef"
            )
        return BucketError(f"{where}: {error.code}: {error.message}")
    if isinstance(error, urllib3.exceptions.HTTPError):
        cause = getattr(error, "reason", None) or error
        return BucketError(f"{where}: cannot reach the endpoint: {cause}")
    return BucketError(f"{where}: {error}")


class S3Bucket:
    """One bucket through one client; use `open_bucket`, whose scratch directory holds the client certificate."""

    def __init__(self, endpoint: Endpoint, scratch: Path) -> None:
        self.endpoint = endpoint
        self.client = Minio(
            endpoint.host,
            access_key=endpoint.keys.access_key if endpoint.keys else None,
            secret_key=endpoint.keys.secret_key if endpoint.keys else None,
            secure=not endpoint.insecure,
            region=endpoint.region or None,
            http_client=self._pool(scratch),
        )

    def _pool(self, scratch: Path) -> urllib3.PoolManager:
        endpoint = self.endpoint
        options: dict[str, object] = {
            "timeout": urllib3.Timeout(connect=endpoint.timeout, read=endpoint.timeout),
            "retries": Retry(total=RETRIES, backoff_factor=0.2, status_forcelist=(500, 502, 503, 504)),
        }
        if not endpoint.insecure:
            options["ssl_context"] = self._tls_context(scratch)
        proxy = endpoint.proxy
        if proxy is None:
            return urllib3.PoolManager(**options)  # type: ignore[arg-type]
        if proxy.scheme not in ("http", "https"):
            raise AuthenticationFailed(f"proxy '{proxy.address}': only http:// and https:// proxies reach a bucket")
        headers = None
        if proxy.username:
            # Written in the usual case: some proxies (pproxy among them) look the header up case-sensitively.
            token = base64.b64encode(f"{proxy.username}:{proxy.password or ''}".encode()).decode()
            headers = {"Proxy-Authorization": f"Basic {token}"}
        return urllib3.ProxyManager(proxy.address, proxy_headers=headers, **options)  # type: ignore[arg-type]

    def _tls_context(self, scratch: Path) -> ssl.SSLContext:
        """The system CAs, or those of `ca.crt`; and the client certificate, written to private files for OpenSSL."""
        tls = self.endpoint.tls
        try:
            context = ssl.create_default_context(cadata=tls.ca.decode() if tls.ca else None)
            if tls.cert and tls.key:
                context.load_cert_chain(
                    write_private(scratch / "tls.crt", tls.cert), write_private(scratch / "tls.key", tls.key)
                )
        except (ssl.SSLError, ValueError, UnicodeDecodeError) as error:
            raise AuthenticationFailed(f"the TLS material of certSecretRef is not valid PEM: {error}") from None
        return context

    def _list(self, prefix: str | None) -> list[tuple[str, str]]:
        objects = self.client.list_objects(self.endpoint.bucket, prefix=prefix or None, recursive=True)
        return [(obj.object_name or "", (obj.etag or "").strip('"')) for obj in objects]

    def _read(self, key: str) -> bytes | None:
        try:
            response = self.client.get_object(self.endpoint.bucket, key)
        except S3Error as error:
            if error.code == "NoSuchKey":
                return None
            raise
        try:
            return response.read()
        finally:
            response.close()
            response.release_conn()

    def _download(self, keys: list[str], root: Path) -> None:
        for key in keys:
            target = Path(local_path(PurePosixPath(root), key))
            target.parent.mkdir(parents=True, exist_ok=True)
            response = self.client.get_object(self.endpoint.bucket, key)
            try:
                with target.open("wb") as file:
                    shutil.copyfileobj(response, file)
            finally:
                response.close()
                response.release_conn()

    async def listing(self, prefix: str | None) -> list[tuple[str, str]]:
        """Every object under `prefix` as (key, etag unquoted, as Flux's minio-go client gives it), in one listing."""
        try:
            return await asyncio.to_thread(self._list, prefix)
        except (MinioException, urllib3.exceptions.HTTPError, ValueError) as error:
            raise _describe(self.endpoint, error) from error

    async def read(self, key: str) -> bytes | None:
        """The content of a small object, or None when there is no such key."""
        try:
            return await asyncio.to_thread(self._read, key)
        except (MinioException, urllib3.exceptions.HTTPError, ValueError) as error:
            raise _describe(self.endpoint, error) from error

    async def download(self, keys: list[str], root: Path) -> None:
        """Write each object to `root/<key>`; keys were checked by `select`, and are checked again here."""
        try:
            await asyncio.to_thread(self._download, keys, root)
        except (MinioException, urllib3.exceptions.HTTPError, ValueError) as error:
            raise _describe(self.endpoint, error) from error
        except OSError as error:
            raise BucketError(f"bucket '{self.endpoint.bucket}': cannot write an object: {error.strerror}") from error


@contextmanager
def open_bucket(endpoint: Endpoint) -> Iterator[S3Bucket]:
    """A client for `endpoint`; its private scratch directory (client certificate files) is removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="reflow-bucket-") as scratch:
        yield S3Bucket(endpoint, Path(scratch))
