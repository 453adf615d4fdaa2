"""A loopback stand-in for a Gitea/Forgejo server's pull request API (`/api/v1/repos/<owner>/<repo>/pulls`).

It speaks the subset reflow calls: list open pull requests and open one, with token authentication,
keeping what it was sent so tests can read it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from aiohttp import web

from reflow.api.meta import Manifest


@dataclass(slots=True)
class ForgeServer:
    """The API's state: the token it takes, pull requests by (owner, repo), and every call it answered."""

    token: str
    pulls: dict[tuple[str, str], list[Manifest]] = field(default_factory=dict)
    calls: list[tuple[str, str]] = field(default_factory=list)
    port: int = 0

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v1"

    async def handle(self, request: web.Request) -> web.Response:
        self.calls.append((request.method, request.path))
        if request.headers.get("Authorization") != f"token {self.token}":
            return web.json_response({"message": "token is required"}, status=401)
        key = (request.match_info["owner"], request.match_info["repo"])
        found = self.pulls.setdefault(key, [])
        if request.method == "GET":
            return web.json_response([pull for pull in found if pull["state"] == "open"])
        body = await request.json()
        if any(p["head"]["ref"] == body["head"] and p["base"]["ref"] == body["base"] for p in found):
            return web.json_response({"message": "pull request already exists"}, status=409)
        number = len(found) + 1
        pull = {
            "number": number,
            "state": "open",
            "title": body["title"],
            "body": body["body"],
            "head": {"ref": body["head"]},
            "base": {"ref": body["base"]},
            "html_url": f"http://forge.invalid/{key[0]}/{key[1]}/pulls/{number}",
        }
        found.append(pull)
        return web.json_response(pull, status=201)


@asynccontextmanager
async def serve_forge(token: str) -> AsyncIterator[ForgeServer]:
    """Run the stand-in on a free loopback port for the block."""
    server = ForgeServer(token=token)
    app = web.Application()
    app.router.add_route("*", "/api/v1/repos/{owner}/{repo}/pulls", server.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    server.port = runner.addresses[0][1]
    try:
        yield server
    finally:
        await runner.cleanup()
