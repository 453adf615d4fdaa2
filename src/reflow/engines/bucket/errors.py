"""Failures of the bucket engine, each carrying the Flux condition reason it is shown with."""

from __future__ import annotations

from typing import ClassVar

from reflow.api.conditions import AUTHENTICATION_FAILED, BUCKET_OPERATION_FAILED, INVALID_PROVIDER_CONFIGURATION


class BucketError(Exception):
    """A bucket could not be listed or fetched; the message says what to fix."""

    reason: ClassVar[str] = BUCKET_OPERATION_FAILED


class AuthenticationFailed(BucketError):
    """The credentials, TLS material or proxy in the referenced Secrets are missing or wrong."""

    reason = AUTHENTICATION_FAILED


class UnsupportedProvider(BucketError):
    """The provider needs a cloud SDK this build does not include."""

    reason = INVALID_PROVIDER_CONFIGURATION
