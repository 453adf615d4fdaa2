"""Change-request comment providers (GitHub pull requests, GitLab merge requests, Gitea pull requests): one comment
per object on the change request the event names, edited in place by later events.

The comment carries a hidden key (`<!-- flux-pr-comment-key:<provider uid>/<kind>/<namespace>/<name> -->`); a
later event edits the first comment that holds the key and was written by the token's user, else adds one.
Each provider is a short conversation: who the token is, the first 100 comments, then an edit or a new comment.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from urllib.parse import quote

from reflow.engines.notify.event import CHANGE_REQUEST, Event
from reflow.engines.notify.providers.commitstatus import Repository
from reflow.engines.notify.target import ProviderError, Request, Target, json_request

Call = Callable[[Request], Awaitable[str]]
"""Sends one request through the Provider's transport and returns the answer's body (2xx only)."""
PAGE = 100
"""Comments read to find the one to edit (one page, oldest first: the comment is written early)."""


def markdown_post(event: Event) -> str:
    """The event as Markdown: a heading, the object, the message and the metadata (the change request left out)."""
    emoji = "⚠️" if event.severity == "error" else "ℹ️"
    lines = "".join(f"* `{k}`: {v}\n" for k, v in sorted(event.metadata.items()) if k != CHANGE_REQUEST)
    return (f"## Flux Status\n\n{emoji} {event.kind}/{event.namespace}/{event.name}\n\n{event.message}\n\n"
            f"Metadata:\n{lines}")  # fmt: skip


def comment_marker(prefix: str, event: Event, target: Target) -> str:
    """The hidden key that finds this object's comment again."""
    if not target.provider_uid:
        raise ProviderError("provider UID cannot be empty")
    return f"<!-- {prefix}:{target.provider_uid}/{event.kind}/{event.namespace}/{event.name} -->"


def change_request(event: Event) -> int:
    """The number of the change request the event names (`event.toolkit.fluxcd.io/change_request`)."""
    value = event.metadata.get(CHANGE_REQUEST)
    if value is None:
        raise ProviderError(f"missing {CHANGE_REQUEST!r} metadata key")
    try:
        return int(value)
    except ValueError as err:
        raise ProviderError(f"invalid {CHANGE_REQUEST!r} metadata value {value[:64]!r}") from err


def _json(text: str, what: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as err:
        raise ProviderError(f"{what}: the answer is not JSON") from err


def _mine(comments: Any, marker: str, login: str, author: str, name: str) -> Any:
    """The id of the first comment by `login` that holds the marker, or None."""
    for comment in comments if isinstance(comments, list) else []:
        user = comment.get(author) if isinstance(comment, Mapping) else None
        if isinstance(user, Mapping) and user.get(name) == login and marker in str(comment.get("body", "")):
            return comment.get("id")
    return None


def _github_api(repo: Repository) -> str:
    return "https://api.github.com" if repo.host == "https://github.com" else f"{repo.host}/api/v3"


async def githubpullrequestcomment(event: Event, target: Target, call: Call) -> None:
    """Issues API: `GET /user`, `GET /repos/{o}/{r}/issues/{n}/comments`, then `PATCH …/issues/comments/{id}`
    or `POST …/issues/{n}/comments`."""
    marker = comment_marker("flux-pr-comment-key", event, target)
    number = change_request(event)
    repo = Repository.parse(target.address, "GitHub")
    owner, name = repo.owner_repo("GitHub")
    base = f"{_github_api(repo)}/repos/{owner}/{name}"
    headers = {"Authorization": f"Bearer {target.token}", "Accept": "application/vnd.github+json"}
    login = _json(await call(_get(f"{_github_api(repo)}/user", headers)), "GitHub user").get("login", "")
    listed = await call(_get(f"{base}/issues/{number}/comments?sort=created&direction=asc&per_page={PAGE}", headers))
    found = _mine(_json(listed, "GitHub comments"), marker, login, "user", "login")
    body = {"body": f"{marker}\n\n{markdown_post(event)}"}
    if found is not None:
        await call(_method("PATCH", json_request(f"{base}/issues/comments/{found}", body, headers)))
    else:
        await call(json_request(f"{base}/issues/{number}/comments", body, headers))


async def gitlabmergerequestcomment(event: Event, target: Target, call: Call) -> None:
    """Notes API: `GET /api/v4/user`, `GET /projects/{id}/merge_requests/{iid}/notes`, then `PUT …/notes/{id}`
    or `POST …/notes`."""
    marker = comment_marker("flux-mr-comment-key", event, target)
    number = change_request(event)
    repo = Repository.parse(target.address, "GitLab")
    api = f"{repo.host}/api/v4"
    base = f"{api}/projects/{quote(repo.path, safe='')}/merge_requests/{number}/notes"
    headers = {"PRIVATE-TOKEN": target.token}
    username = _json(await call(_get(f"{api}/user", headers)), "GitLab user").get("username", "")
    listed = await call(_get(f"{base}?sort=asc&order_by=created_at&per_page={PAGE}", headers))
    found = _mine(_json(listed, "GitLab notes"), marker, username, "author", "username")
    body = {"body": f"{marker}\n\n{markdown_post(event)}"}
    if found is not None:
        await call(_method("PUT", json_request(f"{base}/{found}", body, headers)))
    else:
        await call(json_request(base, body, headers))


async def giteapullrequestcomment(event: Event, target: Target, call: Call) -> None:
    """Gitea's issue comments: `GET /api/v1/user`, `GET /repos/{o}/{r}/issues/{n}/comments`, then
    `PATCH …/issues/comments/{id}` or `POST …/issues/{n}/comments`."""
    marker = comment_marker("flux-pr-comment-key", event, target)
    number = change_request(event)
    repo = Repository.parse(target.address, "Gitea")
    owner, name = repo.owner_repo("Gitea")
    api = f"{repo.host}/api/v1"
    base = f"{api}/repos/{owner}/{name}"
    headers = {"Authorization": f"token {target.token}"}
    login = _json(await call(_get(f"{api}/user", headers)), "Gitea user").get("login", "")
    listed = await call(_get(f"{base}/issues/{number}/comments?limit={PAGE}", headers))
    found = _mine(_json(listed, "Gitea comments"), marker, login, "user", "login")
    body = {"body": f"{marker}\n\n{markdown_post(event)}"}
    if found is not None:
        await call(_method("PATCH", json_request(f"{base}/issues/comments/{found}", body, headers)))
    else:
        await call(json_request(f"{base}/issues/{number}/comments", body, headers))


def _get(url: str, headers: Mapping[str, str]) -> Request:
    return Request(url=url, body=b"", headers=dict(headers), method="GET")


def _method(method: str, request: Request) -> Request:
    return Request(url=request.url, body=request.body, headers=request.headers, method=method)
