"""The receiver server: `/hook/<digest>` requests checked against their Receiver, then its objects annotated.

Answers as Flux's receiver server does: 413 for a body over 3 MiB, 404 for a path no Receiver has, 503
while the Receiver is suspended or not Ready, 400 for a request that fails its check (nothing annotated,
no detail in the answer), 500 when an object could not be annotated, else 200.
"""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from reflow.api.conditions import READY, condition
from reflow.api.meta import Manifest, ObjectRef
from reflow.api.notification import Receiver
from reflow.api.wire import parse_object
from reflow.engines.receiver.annotate import RequestFailed, request_reconciles
from reflow.engines.receiver.gcr import GOOGLE_CERTS_URL
from reflow.engines.receiver.issuer import Issuers
from reflow.engines.receiver.targets import InvalidFilter, InvalidTarget, compile_filter, request_json, target
from reflow.engines.receiver.validate import Accepted, Check, Hook, InvalidHook, validate
from reflow.engines.receiver.webhook import WEBHOOK_PREFIX, request_token
from reflow.kube.client import Kube
from reflow.kube.errors import KubeError
from reflow.kube.secret import secret_data
from reflow.runtime.informer import Informer
from reflow.runtime.logs import bound

log = logging.getLogger("reflow.controllers.notification.hooks")

BODY_LIMIT = 3 << 20
"""Largest request body accepted, in bytes (Flux's 3 MiB)."""
READ_TIMEOUT = 30.0
"""Seconds to read a whole request body (Flux's read timeout)."""
WEBHOOK_PATH_INDEX = "webhookPath"
OK, BAD_REQUEST, NOT_FOUND, TOO_LARGE, FAILED, UNAVAILABLE = 200, 400, 404, 413, 500, 503


def webhook_path_of(obj: Manifest) -> list[str]:
    """The index value of a Receiver: its published `status.webhookPath`, if any."""
    path = (obj.get("status") or {}).get("webhookPath")
    return [path] if path else []


class ReceiverServer:
    """Serves every Receiver's webhook path from the cached Receivers, indexed by `status.webhookPath`."""

    def __init__(
        self, kube: Kube, receivers: Informer, *, no_cross_namespace_refs: bool, gcr_jwks_url: str = GOOGLE_CERTS_URL
    ) -> None:
        self.kube = kube
        self.receivers = receivers
        self.no_cross_namespace_refs = no_cross_namespace_refs
        self.issuers = Issuers(google_certs_url=gcr_jwks_url)

    def app(self) -> web.Application:
        """The aiohttp application answering any method under `/hook/`."""
        app = web.Application(client_max_size=BODY_LIMIT)
        app.router.add_route("*", WEBHOOK_PREFIX + "{digest}", self.handle)
        return app

    async def handle(self, request: web.Request) -> web.Response:
        """Check one webhook request and annotate its Receiver's objects."""
        try:
            async with asyncio.timeout(READ_TIMEOUT):
                body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            log.info("webhook refused: request body over the limit", extra={"limit": BODY_LIMIT})
            return web.Response(status=TOO_LARGE)
        except (TimeoutError, ConnectionError, ValueError):
            return web.Response(status=BAD_REQUEST)
        found = self.receivers.by_index(WEBHOOK_PATH_INDEX, request.raw_path)
        if not found:
            return web.Response(status=NOT_FOUND)
        obj = found[0]
        with bound(kind="Receiver", name=obj["metadata"]["name"], namespace=obj["metadata"].get("namespace")):
            return await self._handle(parse_object(Receiver, obj), condition(obj, READY) or {}, request, body)

    async def _handle(self, receiver: Receiver, ready: Manifest, request: web.Request, body: bytes) -> web.Response:
        if receiver.spec.suspend or ready.get("status") != "True":
            why = "receiver is suspended" if receiver.spec.suspend else "receiver is not ready"
            log.error(f"unable to process request: {why}")
            return web.Response(status=UNAVAILABLE)
        try:
            accepted = await self._validate(receiver, Hook.of(request.headers, body))
        except (InvalidHook, KubeError) as err:
            log.error("unable to validate payload", extra={"error": str(err)})
            return web.Response(status=BAD_REQUEST)
        log.info(f"handling {accepted.description}")
        failed = await self._request_reconciles(receiver, accepted, request.headers.get("Content-Type", ""))
        return web.Response(status=FAILED if failed else OK)

    async def _validate(self, receiver: Receiver, hook: Hook) -> Accepted:
        if receiver.spec.type == "generic-oidc":
            return await self.issuers.authenticate(hook, receiver.spec.oidc_providers)
        secret = None
        if receiver.spec.secret_ref is not None:
            name, namespace = receiver.spec.secret_ref.name, receiver.metadata.namespace or ""
            secret = secret_data(await self.kube.get(ObjectRef("v1", "Secret", name, namespace)))
        check = Check(secret, receiver.spec.events)
        if receiver.spec.type == "gcr":
            return await self.issuers.authenticate_gcr(hook, check)
        return validate(receiver.spec.type, hook, check)

    async def _request_reconciles(self, receiver: Receiver, accepted: Accepted, content_type: str) -> bool:
        """Annotate the objects of every resource entry; True when any entry failed (the others still run)."""
        spec = receiver.spec
        oidc = spec.type == "generic-oidc"
        claims = dict(accepted.claims) if accepted.claims is not None else None
        try:
            shared = (compile_filter(spec.resource_filter, claims=oidc),) if spec.resource_filter else ()
            filtered = bool(shared) or any(resource.filter for resource in spec.resources)
            req = request_json(content_type, accepted.payload) if filtered else {}
        except InvalidFilter as err:
            log.error("unable to create resource filters", extra={"error": str(err)})
            return True
        token = request_token()
        failed = False
        for resource in spec.resources:
            try:
                chosen = target(resource, receiver.metadata.namespace or "", shared=shared,
                                no_cross_namespace_refs=self.no_cross_namespace_refs, claims=oidc)  # fmt: skip
                requested = await request_reconciles(self.kube, chosen, req, token, claims)
            except (InvalidTarget, InvalidFilter, RequestFailed) as err:
                log.error("unable to request reconciliation",
                          extra={"error": str(err), "resource": f"{resource.kind}/{resource.name}"})  # fmt: skip
                failed = True
                continue
            for ref in requested.annotated:
                log.info(f"resource '{ref}' annotated")
            for ref in requested.filtered:
                log.debug(f"resource '{ref}' NOT annotated because CEL expression returned false")
        return failed
