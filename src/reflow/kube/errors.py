"""Errors raised by the Kubernetes client facade, one class per kind of answer the API server gives.

KubeError
├── Unreachable            no answer: connection refused, DNS, TLS handshake, timeout
├── ConfigError            no usable kubeconfig, context or in-cluster credentials
└── ApiError               the API server answered with a failure Status
    ├── BadRequest         400
    ├── Unauthorized       401
    ├── Forbidden          403
    ├── NotFound           404
    ├── Conflict           409
    │   └── AlreadyExists  409 with reason AlreadyExists
    ├── Gone               410 (a watch's resourceVersion is too old)
    ├── Invalid            422
    ├── TooManyRequests    429
    └── ServerError        5xx
"""

from __future__ import annotations

from typing import Any, ClassVar


class KubeError(Exception):
    """Any failure talking to a Kubernetes API server."""


class Unreachable(KubeError):
    """The API server could not be reached at all."""


class ConfigError(KubeError):
    """No usable cluster connection could be built from the kubeconfig, flags or Pod environment."""


class ApiError(KubeError):
    """The API server refused a request; `status` is its HTTP code, `reason` and `message` its words."""

    code: ClassVar[int] = 0

    def __init__(self, status: int, reason: str, message: str, details: dict[str, Any] | None = None):
        super().__init__(message)
        self.status = status
        self.reason = reason
        self.message = message
        self.details = details or {}


class BadRequest(ApiError):
    code = 400


class Unauthorized(ApiError):
    code = 401


class Forbidden(ApiError):
    code = 403


class NotFound(ApiError):
    code = 404


class Conflict(ApiError):
    code = 409


class AlreadyExists(Conflict):
    code = 409


class Gone(ApiError):
    code = 410


class Invalid(ApiError):
    code = 422


class TooManyRequests(ApiError):
    code = 429


class ServerError(ApiError):
    code = 500


_BY_CODE: dict[int, type[ApiError]] = {
    cls.code: cls for cls in (BadRequest, Unauthorized, Forbidden, NotFound, Conflict, Gone, Invalid, TooManyRequests)
}


def api_error(status: int, body: dict[str, Any] | None, fallback: str) -> ApiError:
    """The error class for an HTTP failure, filled from the API server's Status object when there is one."""
    body = body if isinstance(body, dict) else {}
    reason = str(body.get("reason") or "")
    message = str(body.get("message") or fallback)
    details = body.get("details") if isinstance(body.get("details"), dict) else None
    if status == 409 and reason == "AlreadyExists":
        return AlreadyExists(status, reason, message, details)
    cls = _BY_CODE.get(status) or (ServerError if status >= 500 else ApiError)
    return cls(status, reason, message, details)
