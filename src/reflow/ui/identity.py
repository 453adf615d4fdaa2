"""Who is looking: the connection the UI reads and writes with for one request, by authentication mode.

- `local`: the UI's own connection (the kubeconfig's user): for a UI on your own machine.
- `token`: the request's `Authorization: Bearer` token, sent on to the API server as it came.
- `proxy`: an authenticating proxy's `X-Remote-User` and `X-Remote-Group` headers, turned into impersonation of
  that user and those groups; only safe where nothing but the proxy can reach the UI (its NetworkPolicy).
"""

from __future__ import annotations

from enum import StrEnum

from aiohttp import web

from reflow.kube.client import Kube

USER_HEADER = "X-Remote-User"
GROUP_HEADER = "X-Remote-Group"


class AuthMode(StrEnum):
    """How the UI learns the viewer's identity."""

    LOCAL = "local"
    TOKEN = "token"
    PROXY = "proxy"


def viewer(request: web.Request, mode: AuthMode, kube: Kube) -> Kube:
    """The connection acting as this request's viewer; raises HTTP 401 when the request says nobody."""
    if mode is AuthMode.LOCAL:
        return kube
    if mode is AuthMode.TOKEN:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise web.HTTPUnauthorized(text="sign in: this UI needs an Authorization: Bearer token")
        return kube.with_token(token.strip())
    user = request.headers.get(USER_HEADER, "").strip()
    if not user:
        raise web.HTTPUnauthorized(text=f"sign in: the authenticating proxy sent no {USER_HEADER} header")
    groups = tuple(group.strip() for value in request.headers.getall(GROUP_HEADER, []) for group in value.split(","))
    return kube.impersonating(user, tuple(group for group in groups if group))
