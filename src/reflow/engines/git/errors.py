"""Why a git operation failed, as exception classes carrying source-controller's condition reasons.

```
GitError                      GitOperationFailed
├── AuthenticationFailed      AuthenticationFailed   credentials refused or missing (by the remote, the proxy or GitHub)
├── UnknownHostKey            GitOperationFailed     ssh host key absent from known_hosts, or changed
├── UnreachableHost           GitOperationFailed     DNS, refused or timed-out connection
├── RepositoryNotFound        GitOperationFailed     the remote answered that there is no such repository
├── RefNotFound               GitOperationFailed     the branch, tag, name or commit does not exist
├── GitTimeout                GitOperationFailed     the command ran past its time limit and was killed
├── InvalidURL                URLInvalid             not http(s):// or ssh://; no retry until the spec changes
├── InvalidRef                GitOperationFailed     a ref spec that cannot be resolved (bad semver range, short commit)
├── VerificationFailed        VerificationError      no signature, or none made by a trusted key
└── InvalidProviderConfiguration  (same)         the Secret does not fit `spec.provider`
```

Messages name the remote without credentials and quote what git said, with every secret value masked.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import ClassVar
from urllib.parse import urlsplit, urlunsplit

from reflow.api.conditions import (
    AUTHENTICATION_FAILED,
    GIT_OPERATION_FAILED,
    INVALID_PROVIDER_CONFIGURATION,
    URL_INVALID,
    VERIFICATION_ERROR,
)

MASK = "***"


class GitError(Exception):
    """A git operation failed; the class's `reason` is the `FetchFailed` condition reason."""

    reason: ClassVar[str] = GIT_OPERATION_FAILED
    stalled: ClassVar[bool] = False


class AuthenticationFailed(GitError):
    reason = AUTHENTICATION_FAILED


class UnknownHostKey(GitError):
    pass


class UnreachableHost(GitError):
    pass


class RepositoryNotFound(GitError):
    pass


class RefNotFound(GitError):
    pass


class GitTimeout(GitError):
    pass


class InvalidURL(GitError):
    reason = URL_INVALID
    stalled = True


class InvalidRef(GitError):
    stalled = True


class VerificationFailed(GitError):
    reason = VERIFICATION_ERROR


class InvalidProviderConfiguration(GitError):
    reason = INVALID_PROVIDER_CONFIGURATION


_AUTH = (
    "authentication failed",
    "could not read username",
    "could not read password",
    "permission denied (publickey",
    "permission denied, please try again",
    "incorrect passphrase",
    "returned error: 401",
    "returned error: 403",
    "access denied",
    "invalid credentials",
)
_PROXY_AUTH = ("returned error: 407", "tunnel failed, response 407", "407 from proxy", "proxy authentication required")
_HOST_KEY = ("host key verification failed", "host key is known", "remote host identification has changed")
_UNREACHABLE = (
    "could not resolve host",
    "could not resolve hostname",
    "connection refused",
    "failed to connect",
    "couldn't connect to server",
    "connection timed out",
    "operation timed out",
    "network is unreachable",
    "no route to host",
    "connection closed by remote host",
)
_NOT_FOUND = ("repository not found", "does not appear to be a git repository", "returned error: 404", "not found")
_NO_REF = ("couldn't find remote ref", "not our ref", "no such remote ref", "unadvertised object")
_REDIRECT = re.compile(r"returned error: 30[12378]")


def public_url(url: str) -> str:
    """The URL with any password in its user part replaced by the mask; unparsable input is masked whole."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return MASK
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return urlunsplit(parts._replace(netloc=f"{parts.username}:{MASK}@{host}"))


def redact(text: str, secrets: Iterable[str]) -> str:
    """`text` with every non-trivial secret value (and each of its lines) replaced by the mask."""
    pieces = {line.strip() for secret in secrets for line in (secret, *secret.splitlines())}
    for piece in sorted((piece for piece in pieces if len(piece) >= 3), key=len, reverse=True):
        text = text.replace(piece, MASK)
    return re.sub(r"(://[^/\s:@]*:)[^@\s/]+@", rf"\g<1>{MASK}@", text)


def _summary(stderr: str) -> str:
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    interesting = [line for line in lines if not line.lower().startswith(("hint:", "warning: redirecting"))]
    return "; ".join(interesting[-3:]) or "no output from git"


def classify(stderr: str, *, action: str, url: str, secrets: Iterable[str] = ()) -> GitError:
    """The error for a failed git command, from what it wrote on stderr.

    `action` says what was attempted ("list references of", "fetch"), `url` is the remote as the user wrote
    it. The message keeps the last lines of stderr so the cause stays visible, with secrets masked.
    """
    said = redact(_summary(stderr), secrets)
    where = f"'{public_url(url)}'"
    lowered = stderr.lower()
    if any(marker in lowered for marker in _HOST_KEY):
        return UnknownHostKey(f"unable to {action} {where}: the host key is not in known_hosts or changed: {said}")
    if _REDIRECT.search(lowered):
        return GitError(
            f"unable to {action} {where}: the server answered with a redirect, which is not followed while "
            f"credentials are set (they would go to the redirect's host): use the final URL: {said}"
        )
    if any(marker in lowered for marker in _PROXY_AUTH):
        return AuthenticationFailed(f"unable to {action} {where}: the proxy refused its credentials: {said}")
    if any(marker in lowered for marker in _AUTH):
        return AuthenticationFailed(f"unable to {action} {where}: authentication failed: {said}")
    if any(marker in lowered for marker in _UNREACHABLE):
        return UnreachableHost(f"unable to {action} {where}: the host cannot be reached: {said}")
    if any(marker in lowered for marker in _NO_REF):
        return RefNotFound(f"unable to {action} {where}: reference not found: {said}")
    if any(marker in lowered for marker in _NOT_FOUND):
        return RepositoryNotFound(f"unable to {action} {where}: repository not found: {said}")
    return GitError(f"unable to {action} {where}: {said}")
