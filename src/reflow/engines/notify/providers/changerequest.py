"""Change-request comment providers (GitHub pull requests, GitLab merge requests, Gitea pull requests): one comment
per object on the change request the event names, edited in place by later events.

The comment carries a hidden key (`<!-- flux-pr-comment-key:<provider uid>/<kind>/<namespace>/<name> -->`); a
later event edits the first comment that holds the key and was written by the token's user, else adds one.
Each provider is a short conversation: who the token is, the first 100 comments, then an edit or a new comment.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
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


@dataclass(frozen=True, slots=True)
class Conversation:
    """One forge's comment API: where to ask who the token is, where the comments are, how to edit one."""

    forge: str
    headers: Mapping[str, str]
    user_url: str
    list_url: str
    create_url: str
    edit_url: Callable[[Any], str]
    edit_method: str
    author: tuple[str, str]
    """The comment's author field and, in it, the field holding the token user's name."""


async def _upsert(conversation: Conversation, marker: str, event: Event, call: Call) -> None:
    """Edit the token user's first comment that holds the marker, else add one."""
    forge, headers = conversation.forge, conversation.headers
    who = _json(await call(_get(conversation.user_url, headers)), f"{forge} user").get(conversation.author[1], "")
    listed = _json(await call(_get(conversation.list_url, headers)), f"{forge} comments")
    found = _mine(listed, marker, who, *conversation.author)
    body = {"body": f"{marker}\n\n{markdown_post(event)}"}
    if found is not None:
        await call(_method(conversation.edit_method, json_request(conversation.edit_url(found), body, headers)))
    else:
        await call(json_request(conversation.create_url, body, headers))


async def githubpullrequestcomment(event: Event, target: Target, call: Call) -> None:
    """Issues API: `GET /user`, `GET /repos/{o}/{r}/issues/{n}/comments`, then `PATCH …/issues/comments/{id}`
    or `POST …/issues/{n}/comments`."""
    marker = comment_marker("flux-pr-comment-key", event, target)
    number = change_request(event)
    repo = Repository.parse(target.address, "GitHub")
    owner, name = repo.owner_repo("GitHub")
    base = f"{_github_api(repo)}/repos/{owner}/{name}"
    conversation = Conversation(
        forge="GitHub",
        headers={"Authorization": f"Bearer {target.token}", "Accept": "application/vnd.github+json"},
        user_url=f"{_github_api(repo)}/user",
        list_url=f"{base}/issues/{number}/comments?sort=created&direction=asc&per_page={PAGE}",
        create_url=f"{base}/issues/{number}/comments",
        edit_url=lambda found: f"{base}/issues/comments/{found}",
        edit_method="PATCH",
        author=("user", "login"),
    )
    await _upsert(conversation, marker, event, call)


async def gitlabmergerequestcomment(event: Event, target: Target, call: Call) -> None:
    """Notes API: `GET /api/v4/user`, `GET /projects/{id}/merge_requests/{iid}/notes`, then `PUT …/notes/{id}`
    or `POST …/notes`."""
    marker = comment_marker("flux-mr-comment-key", event, target)
    number = change_request(event)
    repo = Repository.parse(target.address, "GitLab")
    api = f"{repo.host}/api/v4"
    base = f"{api}/projects/{quote(repo.path, safe='')}/merge_requests/{number}/notes"
    conversation = Conversation(
        forge="GitLab",
        headers={"PRIVATE-TOKEN": target.token},
        user_url=f"{api}/user",
        list_url=f"{base}?sort=asc&order_by=created_at&per_page={PAGE}",
        create_url=base,
        edit_url=lambda found: f"{base}/{found}",
        edit_method="PUT",
        author=("author", "username"),
    )
    await _upsert(conversation, marker, event, call)


async def giteapullrequestcomment(event: Event, target: Target, call: Call) -> None:
    """Gitea's issue comments: `GET /api/v1/user`, `GET /repos/{o}/{r}/issues/{n}/comments`, then
    `PATCH …/issues/comments/{id}` or `POST …/issues/{n}/comments`."""
    marker = comment_marker("flux-pr-comment-key", event, target)
    number = change_request(event)
    repo = Repository.parse(target.address, "Gitea")
    owner, name = repo.owner_repo("Gitea")
    api = f"{repo.host}/api/v1"
    base = f"{api}/repos/{owner}/{name}"
    conversation = Conversation(
        forge="Gitea",
        headers={"Authorization": f"token {target.token}"},
        user_url=f"{api}/user",
        list_url=f"{base}/issues/{number}/comments?limit={PAGE}",
        create_url=f"{base}/issues/{number}/comments",
        edit_url=lambda found: f"{base}/issues/comments/{found}",
        edit_method="PATCH",
        author=("user", "login"),
    )
    await _upsert(conversation, marker, event, call)


def _get(url: str, headers: Mapping[str, str]) -> Request:
    return Request(url=url, body=b"", headers=dict(headers), method="GET")


def _method(method: str, request: Request) -> Request:
    return Request(url=request.url, body=request.body, headers=request.headers, method=method)
