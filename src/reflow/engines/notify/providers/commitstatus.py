"""Commit-status providers: the state of the reconciled commit, under the status key, on the Git host's API."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from reflow.engines.notify.event import Event
from reflow.engines.notify.routing import commit_sha
from reflow.engines.notify.target import ProviderError, Request, Target, json_request, reason_words

PROGRESSING = "Progressing"
AZURE_GENRE = "fluxcd"


@dataclass(frozen=True, slots=True)
class Repository:
    """A repository address split into the API host (`scheme://host`) and its path (`owner/repo`)."""

    host: str
    path: str

    @classmethod
    def parse(cls, address: str, what: str) -> Repository:
        """`https://host/owner/repo(.git)` or `ssh://git@host/owner/repo`; ssh addresses use https for the API."""
        if address.startswith("git@") and ":" in address:
            user_host, _, path = address.partition(":")
            address = f"ssh://{user_host}/{path}"
        parts = urlsplit(address)
        if parts.scheme not in ("http", "https", "ssh") or not parts.hostname:
            raise ProviderError(f"invalid {what} repository address {address!r}: expected the repository's URL")
        scheme = "https" if parts.scheme == "ssh" else parts.scheme
        host = parts.hostname + (f":{parts.port}" if parts.port and parts.scheme != "ssh" else "")
        return cls(f"{scheme}://{host}", parts.path.strip("/").removesuffix(".git"))

    def owner_repo(self, what: str) -> tuple[str, str]:
        owner, _, repo = self.path.partition("/")
        if not owner or not repo or "/" in repo:
            raise ProviderError(f"invalid {what} repository id {self.path!r}: expected <owner>/<repository>")
        return owner, repo


def _revision(event: Event) -> str:
    sha = commit_sha(dict(event.metadata))
    if sha is None:
        raise ProviderError(f"{event.kind}/{event.namespace}/{event.name}: the event names no commit revision")
    return sha


def _needs(target: Target) -> None:
    if not target.commit_status:
        raise ProviderError("commit status key cannot be empty")


def _success(event: Event, ok: str, failed: str) -> str:
    return failed if event.severity == "error" else ok


def github(event: Event, target: Target) -> Request | None:
    """`POST /repos/{owner}/{repo}/statuses/{sha}` (api.github.com, or `<host>/api/v3` for GitHub Enterprise)."""
    _needs(target)
    if event.reason == PROGRESSING:
        return None
    repo = Repository.parse(target.address, "GitHub")
    owner, name = repo.owner_repo("GitHub")
    api = "https://api.github.com" if repo.host == "https://github.com" else f"{repo.host}/api/v3"
    body = {"state": _success(event, "success", "failure"), "description": reason_words(event.reason),
            "context": target.commit_status}  # fmt: skip
    headers = {"Authorization": f"Bearer {target.token}", "Accept": "application/vnd.github+json"}
    return json_request(f"{api}/repos/{owner}/{name}/statuses/{_revision(event)}", body, headers)


def gitlab(event: Event, target: Target) -> Request | None:
    """`POST /api/v4/projects/{url-encoded path}/statuses/{sha}` with the `PRIVATE-TOKEN` header."""
    _needs(target)
    if event.reason == PROGRESSING:
        return None
    repo = Repository.parse(target.address, "GitLab")
    body = {"state": _success(event, "success", "failed"), "name": target.commit_status,
            "description": reason_words(event.reason)}  # fmt: skip
    url = f"{repo.host}/api/v4/projects/{quote(repo.path, safe='')}/statuses/{_revision(event)}"
    return json_request(url, body, {"PRIVATE-TOKEN": target.token})


def gitea(event: Event, target: Target) -> Request:
    """`POST /api/v1/repos/{owner}/{repo}/statuses/{sha}`; a Progressing event is `pending`."""
    _needs(target)
    repo = Repository.parse(target.address, "Gitea")
    owner, name = repo.owner_repo("Gitea")
    state = "pending" if event.reason == PROGRESSING else _success(event, "success", "failure")
    body = {"state": state, "target_url": "", "description": reason_words(event.reason),
            "context": target.commit_status}  # fmt: skip
    url = f"{repo.host}/api/v1/repos/{owner}/{name}/statuses/{_revision(event)}"
    return json_request(url, body, {"Authorization": f"token {target.token}"})


def bitbucket(event: Event, target: Target) -> Request | None:
    """Bitbucket Cloud's `POST /2.0/repositories/{owner}/{repo}/commit/{sha}/statuses/build`, basic auth from a
    `<user>:<app password>` token; the status key is the SHA-1 of the commit status id."""
    _needs(target)
    if event.reason == PROGRESSING:
        return None
    user, sep, password = target.token.partition(":")
    if not sep or not user or ":" in password:
        raise ProviderError("invalid bitbucket token format, expected to be <user>:<password>")
    repo = Repository.parse(target.address, "Bitbucket")
    owner, name = repo.owner_repo("Bitbucket")
    api = "https://api.bitbucket.org" if repo.host == "https://bitbucket.org" else repo.host
    body = {
        "state": _success(event, "SUCCESSFUL", "FAILED"),
        "key": hashlib.sha1(target.commit_status.encode()).hexdigest(),
        "name": f"{event.kind}/{event.name}".lower(),
        "description": reason_words(event.reason),
        "url": "https://bitbucket.org",
    }
    url = f"{api}/2.0/repositories/{owner}/{name}/commit/{_revision(event)}/statuses/build"
    return json_request(url, body, basic_auth=(user, password))


def bitbucketserver(event: Event, target: Target) -> Request | None:
    """Bitbucket Data Center's `POST <context>/rest/api/latest/projects/{key}/repos/{slug}/commits/{sha}/builds`,
    from an http(s) clone URL (`…/scm/<key>/<slug>.git`); a bearer token, or basic auth."""
    _needs(target)
    if event.reason == PROGRESSING:
        return None
    parts = urlsplit(target.address)
    if parts.scheme not in ("http", "https"):
        raise ProviderError("invalid bitbucketserver address: expected the repository's http(s) clone URL")
    path = parts.path.removesuffix(".git")
    context, found, rest = path.rpartition("/scm/")
    key, _, slug = rest.partition("/")
    if not found or not key or not slug or "/" in slug:
        raise ProviderError(f"invalid bitbucketserver address {target.address!r}: expected …/scm/<project>/<repo>.git")
    if not target.token and not (target.username and target.password):
        raise ProviderError("invalid credentials, expected to be one of username/password or API Token")
    name = f"{event.kind}/{event.name}".lower()
    description = reason_words(event.reason)
    body = {
        "description": description,
        "key": hashlib.sha1(target.commit_status.encode()).hexdigest(),
        "name": f"{name} [{description}]",
        "state": _success(event, "SUCCESSFUL", "FAILED"),
        "url": target.address,
    }
    url = (f"{parts.scheme}://{parts.netloc}{context}/rest/api/latest/projects/{key}/repos/{slug}"
           f"/commits/{_revision(event)}/builds")  # fmt: skip
    if target.token:
        return json_request(url, body, {"Authorization": f"Bearer {target.token}"})
    return json_request(url, body, basic_auth=(target.username, target.password))


def azuredevops(event: Event, target: Target) -> Request | None:
    """`POST {org}/{project}/_apis/git/repositories/{repo}/commits/{sha}/statuses` from a
    `https://dev.azure.com/<org>/<project>/_git/<repo>` address, with a PAT (basic auth, empty user)."""
    _needs(target)
    if event.reason == PROGRESSING:
        return None
    repo = Repository.parse(target.address, "Azure DevOps")
    parts = repo.path.split("/")
    if len(parts) != 4:
        raise ProviderError(f"invalid Azure DevOps repository id {repo.path!r}: expected <org>/<project>/_git/<repo>")
    org, project, _, name = parts
    summary = event.metadata.get("summary")
    genre = f"{AZURE_GENRE}:{summary}" if summary else AZURE_GENRE
    body = {
        "state": _success(event, "succeeded", "error"),
        "description": reason_words(event.reason),
        "context": {"genre": genre, "name": target.commit_status},
    }
    url = (f"{repo.host}/{org}/{project}/_apis/git/repositories/{name}/commits/{_revision(event)}"
           "/statuses?api-version=6.0")  # fmt: skip
    return json_request(url, body, basic_auth=("", target.token))
