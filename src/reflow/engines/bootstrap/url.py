"""The URL the cluster syncs from, derived from `--url` as Flux's bootstrap derives it: over SSH with a
deploy key by default, over HTTP(S) with the given credentials under `--token-auth`."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit


def sync_url(
    url: str, *, token_auth: bool, username: str, allow_insecure_http: bool = False, ssh_hostname: str = ""
) -> str:
    """The GitRepository's URL for a bootstrap from `url`.

    With `token_auth` the URL loses its user and becomes https (http stays only when allowed). Otherwise it
    becomes `ssh://`: the user is the URL's own when it has one and `username` is the default `git`, else
    `username`; the host is `ssh_hostname` when given, else the URL's host and port.
    """
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    if token_auth:
        scheme = parts.scheme if allow_insecure_http else "https"
        if parts.scheme not in ("http", "https"):
            host = parts.hostname or host
        return urlunsplit(parts._replace(scheme=scheme, netloc=host))
    user = parts.username if parts.username and username == "git" else username
    return urlunsplit(parts._replace(scheme="ssh", netloc=f"{user}@{ssh_hostname or host}"))
