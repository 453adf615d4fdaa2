"""The HTTP transport's bearer token: made at start or read from an owner-only file, and checked on every request
before the MCP app sees it."""

from __future__ import annotations

import hmac
import secrets
import stat
from pathlib import Path

from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send

TOKEN_BYTES = 32
"""Random bytes in a generated token (43 URL-safe characters)."""


class TokenFileError(Exception):
    """A token file that cannot be used; the message says why."""


def new_token() -> str:
    """A fresh random token for one run of the server."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def read_token(path: Path) -> str:
    """The token in `path`, which only its owner may read or write (mode 0600 or 0400)."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
        text = path.read_text(encoding="utf-8").strip()
    except OSError as error:
        raise TokenFileError(f"cannot read the token file {path}: {error.strerror or error}") from error
    if mode & 0o077:
        raise TokenFileError(
            f"the token file {path} is open to others (mode {mode:04o}): make it owner-only with `chmod 600 {path}`"
        )
    if not text:
        raise TokenFileError(f"the token file {path} is empty")
    return text


def bearer_only(app: ASGIApp, token: str) -> ASGIApp:
    """The app behind a check of `Authorization: Bearer <token>`: any HTTP request without it is answered 401."""
    expected = f"Bearer {token}".encode()

    async def guarded(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            given = next((value for key, value in scope["headers"] if key == b"authorization"), b"")
            if not hmac.compare_digest(given, expected):
                refusal = PlainTextResponse(
                    "missing or wrong bearer token: send the one `reflow mcp` printed (or its --token-file)\n",
                    status_code=401,
                    headers={"WWW-Authenticate": 'Bearer realm="reflow mcp"'},
                )
                await refusal(scope, receive, send)
                return
        await app(scope, receive, send)

    return guarded
