"""Bucket sources: list an S3 bucket, index its objects as Flux does, and download them for the artifact."""

from __future__ import annotations

from reflow.engines.bucket.errors import AuthenticationFailed, BucketError, UnsupportedProvider
from reflow.engines.bucket.index import SOURCEIGNORE, UnsafeKey, check_key, index_digest, select
from reflow.engines.bucket.s3 import TLS, Endpoint, Keys, S3Bucket, keys_from_secret, open_bucket, tls_from_secret

__all__ = [
    "SOURCEIGNORE",
    "TLS",
    "AuthenticationFailed",
    "BucketError",
    "Endpoint",
    "Keys",
    "S3Bucket",
    "UnsafeKey",
    "UnsupportedProvider",
    "check_key",
    "index_digest",
    "keys_from_secret",
    "open_bucket",
    "select",
    "tls_from_secret",
]
