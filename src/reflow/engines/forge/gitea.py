"""Pull requests on a Gitea or Forgejo server through its REST API (`/api/v1`, token authentication).

`ensure_pull_request` is idempotent: an open pull request from the same head into the same base is
reused, so every later commit to the push branch lands in it. The token is sent only to the API root
and never appears in a message.
"""

from __future__ import annotations

import json
import ssl
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

import aiohttp

MAX_BODY = 1 << 20
PAGE = 50


class ForgeError(Exception):
    """The forge refused or could not be reached; the message says which call and why."""


@dataclass(frozen=True, slots=True)
class PullRequest:
    """The pull request the update went into, and whether this call opened it."""

    number: int
    url: str
    created: bool


@dataclass(frozen=True, slots=True)
class ForgeRepository:
    """Where the repository's API is: the API root, the owner and the repository name."""

    api: str
    owner: str
    name: str

    def pulls(self) -> str:
        return f"{self.api}/repos/{quote(self.owner, safe='')}/{quote(self.name, safe='')}/pulls"


def forge_repository(git_url: str, api_url: str | None = None) -> ForgeRepository:
    """The API location of `git_url` (`http(s)://host/owner/repo[.git]`); `api_url` overrides the root."""
    parts = urlsplit(git_url)
    path = [part for part in parts.path.split("/") if part]
    if len(path) < 2:
        raise ForgeError(f"cannot tell the owner and repository from '{parts.path}': expected /<owner>/<repository>")
    owner, name = path[-2], path[-1].removesuffix(".git")
    if api_url:
        return ForgeRepository(api_url.rstrip("/"), owner, name)
    if parts.scheme not in ("http", "https"):
        raise ForgeError(f"an {parts.scheme} remote does not say where its forge API is: set pullRequest.apiURL")
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return ForgeRepository(f"{parts.scheme}://{host}{port}/api/v1", owner, name)


async def ensure_pull_request(
    repository: ForgeRepository,
    token: str,
    *,
    head: str,
    base: str,
    title: str,
    body: str,
    timeout: float = 30.0,
    ca: bytes | None = None,
) -> PullRequest:
    """The open pull request from `head` into `base`, opened now when there is none."""
    context: ssl.SSLContext | bool = ssl.create_default_context(cadata=ca.decode()) if ca else True
    headers = {"Authorization": f"token {token}", "Accept": "application/json"}
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout), headers=headers) as session:
        listed = await _call(session, "GET", repository.pulls(), context, params={"state": "open", "limit": str(PAGE)})
        for pull in listed if isinstance(listed, list) else []:
            if isinstance(pull, dict) and _ref(pull, "head") == head and _ref(pull, "base") == base:
                return PullRequest(int(pull["number"]), str(pull.get("html_url") or ""), created=False)
        request = {"head": head, "base": base, "title": title, "body": body}
        made = await _call(session, "POST", repository.pulls(), context, body=request)
    if not isinstance(made, dict) or "number" not in made:
        raise ForgeError(f"unable to open a pull request on '{repository.pulls()}': the answer names no pull request")
    return PullRequest(int(made["number"]), str(made.get("html_url") or ""), created=True)


def _ref(pull: dict[str, object], side: str) -> object:
    branch = pull.get(side)
    return branch.get("ref") if isinstance(branch, dict) else None


async def _call(
    session: aiohttp.ClientSession,
    method: str,
    url: str,
    context: ssl.SSLContext | bool,
    *,
    params: dict[str, str] | None = None,
    body: dict[str, str] | None = None,
) -> object:
    what = "list the pull requests of" if method == "GET" else "open a pull request on"
    try:
        request = session.request(method, url, ssl=context, allow_redirects=False, params=params, json=body)
        async with request as response:
            text = (await response.content.read(MAX_BODY)).decode(errors="replace")
            if response.status not in (200, 201):
                said = " ".join(text.split())[:300]
                hint = ": the token was refused" if response.status in (401, 403) else ""
                raise ForgeError(f"unable to {what} '{url}': HTTP {response.status}{hint} {said}".rstrip())
            try:
                return json.loads(text) if text else None
            except ValueError as error:
                raise ForgeError(f"unable to {what} '{url}': the answer is not JSON") from error
    except (aiohttp.ClientError, TimeoutError) as error:
        raise ForgeError(f"unable to {what} '{url}': {error or 'timed out'}") from error
