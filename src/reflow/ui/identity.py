"""Who is looking: the connection the UI reads and writes with for one request, by authentication mode.

- `local`: the UI's own connection (the kubeconfig's user): for a UI on your own machine.
- `token`: the request's `Authorization: Bearer` token, sent on to the API server as it came.
- `proxy`: an authenticating proxy's `X-Remote-User` and `X-Remote-Group` headers, turned into impersonation of
  that user and those groups; only safe where nothing but the proxy can reach the UI (its NetworkPolicy).
"""

from __future__ import annotations

from enum import StrEnum

from aiohttp import web

from reflow.kube.access import AUTHENTICATED, UserInfo
from reflow.kube.client import Kube
from reflow.ui.access import Rights

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
        return kube.with_token(_token(request))
    user, groups = _proxied(request)
    return kube.impersonating(user, groups)


async def identify(request: web.Request, mode: AuthMode, rights: Rights) -> UserInfo | None:
    """The viewer as the API server's authorizers see them; None in local mode, where the UI's own user looks.

    Raises HTTP 401 when the request says nobody, or when the API server does not accept its token.
    """
    if mode is AuthMode.LOCAL:
        return None
    if mode is AuthMode.TOKEN:
        found = await rights.user_of(_token(request))
        if found is None:
            raise web.HTTPUnauthorized(text="the cluster did not accept your token")
        return found
    user, groups = _proxied(request)
    # impersonation adds the group of every authenticated user; a review must name it itself
    return UserInfo(user, tuple(dict.fromkeys((*groups, AUTHENTICATED))))


def _token(request: web.Request) -> str:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise web.HTTPUnauthorized(text="sign in: this UI needs an Authorization: Bearer token")
    return token.strip()


def _proxied(request: web.Request) -> tuple[str, tuple[str, ...]]:
    user = request.headers.get(USER_HEADER, "").strip()
    if not user:
        raise web.HTTPUnauthorized(text=f"sign in: the authenticating proxy sent no {USER_HEADER} header")
    groups = tuple(group.strip() for value in request.headers.getall(GROUP_HEADER, []) for group in value.split(","))
    return user, tuple(group for group in groups if group)
