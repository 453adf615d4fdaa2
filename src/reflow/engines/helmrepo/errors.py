"""Why fetching or reading a Helm repository index failed, each error carrying Flux's condition reason."""

from __future__ import annotations

from typing import ClassVar

from reflow.api.conditions import AUTHENTICATION_FAILED, FAILED, INDEXATION_FAILED, URL_INVALID


class HelmRepoError(Exception):
    """A Helm repository could not be read; `reason` is the FetchFailed condition's reason."""

    reason: ClassVar[str] = FAILED


class InvalidURL(HelmRepoError):
    """The repository URL cannot name an HTTP(S) index."""

    reason = URL_INVALID


class AuthenticationFailed(HelmRepoError):
    """A Secret the repository names is missing or holds unusable credentials or certificates."""

    reason = AUTHENTICATION_FAILED


class FetchFailed(HelmRepoError):
    """The index could not be downloaded: unreachable, refused, wrong credentials, or too big."""


class InvalidIndex(HelmRepoError):
    """The downloaded file is not a Helm repository index."""

    reason = INDEXATION_FAILED
