"""Failures of the bucket engine, each carrying the Flux condition reason it is shown with."""

from __future__ import annotations

from typing import ClassVar


class BucketError(Exception):
    """A bucket could not be listed or fetched; the message says what to fix."""

    reason: ClassVar[str] = "BucketOperationFailed"


class AuthenticationFailed(BucketError):
    """The credentials, TLS material or proxy in the referenced Secrets are missing or wrong."""

    reason = "AuthenticationFailed"


class UnsupportedProvider(BucketError):
    """The provider needs a cloud SDK this build does not include."""

    reason = "InvalidProviderConfiguration"
