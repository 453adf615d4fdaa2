"""The UI's HTTP server: the page and its assets, JSON reads, a server-sent event stream, and POSTed actions.

Actions are POSTs only, carrying the page's CSRF token in `X-CSRF-Token`, from the UI's own origin.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager, suppress
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path

from aiohttp import web

from reflow.api.meta import Manifest, ObjectRef
from reflow.controllers.helm.preview import PreviewFailed, diff_cluster_release
from reflow.engines.flux.diff import diff_cluster
from reflow.engines.flux.localbuild import LocalBuildError
from reflow.engines.flux.state import API_VERSIONS
from reflow.engines.flux.trace import owner, trace_chain
from reflow.engines.flux.tree import generator_inventories, inventories
from reflow.engines.health.compute import compute
from reflow.engines.health.status import ObjectStatus, Status
from reflow.engines.inventory import Node, build_tree
from reflow.kube.access import UserInfo
from reflow.kube.client import Kube, open_client
from reflow.kube.errors import ApiError, Forbidden, NotFound, Unauthorized
from reflow.runtime.servers import serving
from reflow.ui import views
from reflow.ui.access import Rights, limits_note
from reflow.ui.actions import ACTIONS, Refused, act
from reflow.ui.identity import AuthMode, identify, viewer
from reflow.ui.store import Store

STATIC = resources.files("reflow.ui").joinpath("static")
KEEPALIVE = 15.0
"""Seconds between SSE comments on a quiet stream, so proxies keep it open."""
CSRF_HEADER = "X-CSRF-Token"
DIFF_TIMEOUT = 120.0
"""Seconds the build behind one diff may take."""
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    "X-Content-Type-Options": "nosniff",
}
"""The page runs only its own assets and cannot be framed (no clickjacking of the action buttons)."""
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    """How the UI serves."""

    auth: AuthMode = AuthMode.LOCAL
    read_only: bool = False
    """No action buttons, and every action refused."""
    helm: Path | None = None
    """The helm binary a HelmRelease's diff renders its chart with; None: no HelmRelease diff."""


def make_app(store: Store, viewers: Kube, settings: Settings) -> web.Application:
    """The UI application over a running store; `viewers` is the connection viewer identities are derived from."""
    csrf = secrets.token_urlsafe(32)
    rights = Rights(store.kube)
    page = STATIC.joinpath("index.html").read_text(encoding="utf-8")
    page = page.replace("{{csrf}}", csrf).replace("{{readOnly}}", "true" if settings.read_only else "false")
    page = page.replace("{{helmDiff}}", "false" if settings.helm is None else "true")

    def who(request: web.Request) -> Kube:
        return viewer(request, settings.auth, viewers)

    async def seen(who: UserInfo | None) -> tuple[list[Manifest], str]:
        """The watched objects this viewer may list, and what the page says about the kinds they may not."""
        found, resources = store.objects(), dict(store.resources)
        if who is None:
            return found, ""
        shown = await rights.visible(who, found, resources)
        limited = await rights.limited(who, resources)
        return shown, limits_note(limited, {obj["kind"] for obj in shown}, len(resources))

    async def sees(who: UserInfo | None, kind: str, namespace: str) -> bool:
        """Whether this viewer may list the watched kind in the namespace."""
        if who is None:
            return True
        resource = store.resources.get(kind)
        return resource is not None and await rights.may_see(who, resource, namespace)

    async def shown(who: UserInfo | None, message: Manifest) -> bool:
        """Whether a change of the stream may go to this viewer."""
        if message["type"] not in ("upsert", "delete"):
            return True
        place = message["row"] if message["type"] == "upsert" else message
        return await sees(who, place["kind"], place["namespace"])

    async def snapshot(who: UserInfo | None) -> Manifest:
        found, note = await seen(who)
        return {"type": "snapshot", "rows": [views.row(obj) for obj in found], "note": note}

    def ref_of(request: web.Request) -> ObjectRef:
        query = request.query
        kind = query.get("kind", "")
        api_version = query.get("apiVersion") or API_VERSIONS.get(kind)
        if not kind or not api_version or not query.get("name"):
            raise web.HTTPBadRequest(text="kind, name (and apiVersion for kinds outside Flux) are required")
        return ObjectRef(api_version, kind, query["name"], query.get("namespace") or None)

    async def index(_: web.Request) -> web.Response:
        return web.Response(text=page, content_type="text/html", headers=PAGE_HEADERS)

    async def objects(request: web.Request) -> web.Response:
        found, note = await seen(await identify(request, settings.auth, rights))
        rows = [views.row(obj) for obj in found]
        return web.json_response({"rows": rows, "counts": views.counts(rows), "note": note})

    async def events(request: web.Request) -> web.StreamResponse:
        who = await identify(request, settings.auth, rights)
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-store"})
        await response.prepare(request)
        with store.listening() as queue, suppress(ConnectionResetError):  # the page went away
            await _send(response, await snapshot(who))
            while True:
                try:
                    message = await asyncio.wait_for(queue.get(), KEEPALIVE)
                except TimeoutError:
                    await response.write(b": keepalive\n\n")
                    continue
                if message["type"] == "close":
                    return response
                try:  # the token may have been revoked since the stream began (answers are kept for a TTL)
                    who = await identify(request, settings.auth, rights)
                except web.HTTPUnauthorized:
                    return response
                if message["type"] == "reset":
                    message = await snapshot(who)
                if await shown(who, message):
                    await _send(response, message)
        return response

    async def detail(request: web.Request) -> web.Response:
        kube, ref = who(request), ref_of(request)
        obj = await kube.get(ref)
        selector = f"involvedObject.kind={ref.kind},involvedObject.name={ref.name}"
        try:
            found = (await kube.list("v1", "Event", ref.namespace, field_selector=selector)).get("items") or []
        except Forbidden:
            found = []
        return web.json_response(views.detail(obj, found, compute(obj)))

    async def tree(request: web.Request) -> web.Response:
        kube, ref = who(request), ref_of(request)
        if ref.kind == "ArtifactGenerator":
            children = await generator_inventories(kube, ref)
        else:
            children = await inventories(kube, ref)
        node = build_tree(ref, children)
        health = {target: await _health(kube, target) for target in _refs(node)}
        return web.json_response(views.tree(node, health))

    async def trace(request: web.Request) -> web.Response:
        kube, ref = who(request), ref_of(request)
        obj = await kube.get(ref)
        manager = owner(obj)
        if manager is None and ref.kind not in API_VERSIONS:
            return web.json_response({"text": f"{ref.kind}/{ref.name} is not managed by Flux"})
        return web.json_response({"text": await trace_chain(kube, obj, manager)})

    async def diff(request: web.Request) -> web.Response:
        kube, ref = who(request), ref_of(request)
        try:
            if ref.kind == "Kustomization":
                outcome = await diff_cluster(kube, ref, timeout=DIFF_TIMEOUT)
            elif ref.kind == "HelmRelease" and settings.helm is not None:
                async with asyncio.timeout(DIFF_TIMEOUT):
                    outcome = await diff_cluster_release(kube, ref, settings.helm)
            else:
                raise web.HTTPBadRequest(text="the diff is computed for Kustomizations and (with helm) HelmReleases")
        except (LocalBuildError, PreviewFailed) as err:
            return web.json_response({"error": str(err)}, status=422)
        except TimeoutError:
            return web.json_response({"error": f"the diff took longer than {DIFF_TIMEOUT:g}s"}, status=504)
        return web.json_response(views.changes(outcome))

    async def graph(request: web.Request) -> web.Response:
        who = await identify(request, settings.auth, rights)
        found, note = await seen(who)
        shape = views.graph(found)
        for node in shape["nodes"]:  # an end the viewer may not list is not said to be missing
            kind, namespace, _ = node["id"].split("/", 2)
            if node["status"] == "Missing" and kind in store.resources and not await sees(who, kind, namespace):
                node["status"] = "Hidden"
        return web.json_response({**shape, "note": note})

    async def action(request: web.Request) -> web.Response:
        if settings.read_only:
            raise web.HTTPForbidden(text="this UI is read-only")
        if request.headers.get(CSRF_HEADER) != csrf or not _same_origin(request):
            raise web.HTTPForbidden(text="refused: the request did not come from this UI's page")
        name = request.match_info["action"]
        if name not in ACTIONS:
            raise web.HTTPNotFound(text=f"unknown action {name}")
        kube, ref = who(request), ref_of(request)
        try:
            return web.json_response({"message": await act(kube, name, ref)})
        except Refused as err:
            return web.json_response({"error": str(err)}, status=409)

    async def close_streams(_: web.Application) -> None:
        store.close_listeners()

    guards = [_loopback_host] if settings.auth is AuthMode.LOCAL else []
    app = web.Application(middlewares=[*guards, _api_errors])
    app.on_shutdown.append(close_streams)
    app.router.add_get("/", index)
    app.router.add_static("/static", str(STATIC))
    app.router.add_get("/api/objects", objects)
    app.router.add_get("/api/events", events)
    app.router.add_get("/api/object", detail)
    app.router.add_get("/api/tree", tree)
    app.router.add_get("/api/trace", trace)
    app.router.add_get("/api/graph", graph)
    app.router.add_get("/api/diff", diff)
    app.router.add_post("/api/actions/{action}", action)
    app.router.add_get("/healthz", healthz)
    return app


async def healthz(_: web.Request) -> web.Response:
    """The liveness and readiness probe: the server answers once its informers have synced."""
    return web.Response(text="ok")


@web.middleware
async def _api_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """API server refusals as JSON the page shows: 403 says who may not do what, in the API server's words."""
    try:
        return await handler(request)
    except Forbidden as err:
        return web.json_response({"error": f"refused by the cluster: {err.message}"}, status=403)
    except Unauthorized as err:
        return web.json_response({"error": f"the cluster did not accept your credentials: {err.message}"}, status=401)
    except NotFound as err:
        return web.json_response({"error": err.message}, status=404)
    except ApiError as err:
        return web.json_response({"error": err.message}, status=502)


async def _send(response: web.StreamResponse, message: Manifest) -> None:
    await response.write(f"data: {json.dumps(message, separators=(',', ':'))}\n\n".encode())


LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "[::1]"})
"""The names a browser uses for a loopback server; another name reaching it is DNS rebinding."""


@web.middleware
async def _loopback_host(request: web.Request, handler: Handler) -> web.StreamResponse:
    """In local mode the UI acts as the kubeconfig's user: only requests addressed to a loopback name are
    answered, so a web page whose name was rebound to 127.0.0.1 reads and acts on nothing."""
    name = (request.host or "").rsplit(":", 1)[0] if not (request.host or "").endswith("]") else request.host
    if name not in LOOPBACK_NAMES:
        return web.Response(status=421, text="this UI answers requests addressed to localhost only")
    return await handler(request)


def _same_origin(request: web.Request) -> bool:
    """True when the browser's Origin (if it sent one) is this server's own."""
    origin = request.headers.get("Origin")
    return origin is None or origin == f"{request.scheme}://{request.host}"


def _refs(node: Node) -> list[ObjectRef]:
    return [node.ref, *(ref for child in node.children for ref in _refs(child))]


async def _health(kube: Kube, ref: ObjectRef) -> ObjectStatus | None:
    try:
        return compute(await kube.get(ref))
    except NotFound:
        return None
    except Forbidden:
        return ObjectStatus(Status.UNKNOWN, "you may not read this object")


@asynccontextmanager
async def running(kube: Kube, settings: Settings, *, address: str, namespace: str | None) -> AsyncIterator[int]:
    """Watch, and serve the UI on `address` (`host:port`, port 0 for any), while inside; yields the bound port.

    In token mode the viewers' requests go through a second connection without the UI's client certificate (it
    holds a placeholder token that each request replaces), so the API server sees the viewer's token alone.
    """
    async with AsyncExitStack() as stack:
        viewers = kube
        if settings.auth is AuthMode.TOKEN:
            viewers = await open_client(replace(kube.options, token="-"))
            stack.push_async_callback(viewers.close)
            viewers.mapper = kube.mapper  # discovery as the UI: the placeholder token is no one's
        store = await stack.enter_async_context(Store(kube, namespace).running())
        yield await stack.enter_async_context(serving(make_app(store, viewers, settings), address))
