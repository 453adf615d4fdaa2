"""The Kubernetes client: the only code that sends HTTP to an API server; objects travel as plain dicts."""

from __future__ import annotations

import asyncio
import builtins
import copy
import json
import ssl
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import aiohttp
from kubernetes.aio.client.configuration import Configuration

from reflow.api.meta import Manifest, ObjectRef
from reflow.kube.discovery import Resource, RestMapper
from reflow.kube.errors import Gone, Unreachable, api_error
from reflow.kube.kubeconfig import load_configuration
from reflow.kube.options import ConnectionOptions
from reflow.kube.ratelimit import TokenBucket
from reflow.kube.retry import MAX_RETRIES, retry_after

if TYPE_CHECKING:
    from reflow.kube.remote import RemoteCluster

APPLY_PATCH = "application/apply-patch+yaml"
MERGE_PATCH = "application/merge-patch+json"
JSON_PATCH = "application/json-patch+json"
JSON = "application/json"
METADATA_LIST = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1," + JSON
METADATA = "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1," + JSON
PAGE_SIZE = 500
"""Objects per page when reading a whole list (client-go's pager reads 500 too)."""


@dataclass(frozen=True, slots=True)
class WatchEvent:
    """One watch event: ADDED, MODIFIED, DELETED, BOOKMARK or ERROR, with the object it is about."""

    type: str
    object: Manifest


def _ssl_context(configuration: Configuration) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=configuration.ssl_ca_cert, cadata=configuration.ca_cert_data)
    if configuration.cert_file:
        context.load_cert_chain(configuration.cert_file, keyfile=configuration.key_file)
    if not configuration.verify_ssl:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


class Kube:
    """An API server connection: REST mapping, rate limit, identity; share one per process and cluster."""

    def __init__(
        self,
        configuration: Configuration,
        options: ConnectionOptions,
        session: aiohttp.ClientSession,
        *,
        mapper: RestMapper | None = None,
        limiter: TokenBucket | None = None,
        remote: RemoteCluster | None = None,
    ) -> None:
        self.configuration = configuration
        self.remote = remote
        """A remote cluster's server and TLS material, held in memory only (not in `configuration`'s files)."""
        self.options = options
        self._session = session
        self._host: str = str(configuration.host).rstrip("/")
        self._limiter = limiter or TokenBucket(options.qps, options.burst)
        self.mapper = mapper or RestMapper(self.get_path)

    @property
    def host(self) -> str:
        """The API server's base URL."""
        return str(self._host)

    async def detect_flow_control(self) -> bool:
        """Turn client-side rate limiting off when the API server does priority and fairness, as Flux does.

        The server marks every answer with `X-Kubernetes-PF-FlowSchema-UID` then; `/livez/ping` is the
        cheapest request to look for it. Returns whether the limit was lifted.
        """
        try:
            async with self._session.head(
                self._url("/livez/ping", None),
                headers=await self._headers(None),
                timeout=aiohttp.ClientTimeout(total=self.options.request_timeout),
            ) as response:
                flow_controlled = "X-Kubernetes-PF-FlowSchema-UID" in response.headers
        except (aiohttp.ClientError, TimeoutError):
            return False
        if flow_controlled:
            self._limiter = TokenBucket(0, 1)
        return flow_controlled

    def impersonating(self, user: str | None, groups: tuple[str, ...] = ()) -> Kube:
        """The same connection acting as another user (and groups), as `kubectl --as/--as-group` does."""
        options = replace(self.options, as_user=user, as_groups=groups)
        return Kube(self.configuration, options, self._session, mapper=self.mapper, limiter=self._limiter,
                    remote=self.remote)  # fmt: skip

    def with_token(self, token: str) -> Kube:
        """The same connection authenticating with another bearer token (a web UI acting as its viewer).

        Open the connection itself without a client certificate, or the API server may take the certificate's user.
        """
        configuration = copy.copy(self.configuration)
        configuration.api_key = {"authorization": token}
        configuration.api_key_prefix = {"authorization": "Bearer"}
        configuration.refresh_api_key_hook = None
        options = replace(self.options, token=token)
        return Kube(configuration, options, self._session, mapper=self.mapper, limiter=self._limiter,
                    remote=self.remote)  # fmt: skip

    async def _headers(self, content_type: str | None, accept: str = JSON) -> list[tuple[str, str]]:
        headers = [("Accept", accept), ("User-Agent", self.options.user_agent)]
        for setting in (await self.configuration.auth_settings()).values():
            if setting.get("value"):
                headers.append((setting["key"], setting["value"]))
        if content_type:
            headers.append(("Content-Type", content_type))
        if self.options.as_user:
            headers.append(("Impersonate-User", self.options.as_user))
            headers.extend(("Impersonate-Group", group) for group in self.options.as_groups)
        return headers

    def _url(self, path: str, query: Mapping[str, Any] | None) -> str:
        params = {k: v for k, v in (query or {}).items() if v is not None}
        return f"{self._host}{path}" + (f"?{urlencode(params)}" if params else "")

    async def request(
        self,
        method: str,
        path: str,
        *,
        query: Mapping[str, Any] | None = None,
        body: Any = None,
        content_type: str | None = None,
        request_timeout: float | None = None,
        accept: str = JSON,
    ) -> Manifest:
        """Send one request and return the decoded JSON answer; raises the ApiError subclass for failures."""
        answer, _ = await self._send(method, path, query, body, content_type, request_timeout, accept)
        return answer

    async def _send(
        self,
        method: str,
        path: str,
        query: Mapping[str, Any] | None,
        body: Any,
        content_type: str | None,
        request_timeout: float | None,
        accept: str = JSON,
    ) -> tuple[Manifest, datetime | None]:
        data: bytes | None = None
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            content_type = content_type or "application/json"
        client_timeout = aiohttp.ClientTimeout(total=request_timeout or self.options.request_timeout)
        for attempt in range(MAX_RETRIES + 1):
            await self._limiter.acquire()
            try:
                async with self._session.request(
                    method,
                    self._url(path, query),
                    data=data,
                    headers=await self._headers(content_type, accept),
                    timeout=client_timeout,
                ) as response:
                    raw = await response.read()
                    if response.status < 400:
                        decoded = _decode(raw)
                        answer = decoded if isinstance(decoded, dict) else {}
                        return answer, _server_date(response.headers.get("Date"))
                    delay = retry_after(response.status, response.headers)
                    if delay is None or attempt == MAX_RETRIES:
                        raise api_error(response.status, _decode(raw), f"{method} {path}: HTTP {response.status}")
            except (aiohttp.ClientConnectionError, TimeoutError) as err:
                raise Unreachable(f"cannot reach the API server at {self._host}: {err or type(err).__name__}") from err
            await asyncio.sleep(delay)  # the server named the delay: it is its back-off, not a poll
        raise AssertionError("unreachable: the last attempt returns or raises")

    async def get_path(self, path: str) -> Manifest:
        """GET a raw API path, such as `/version` or a discovery document."""
        return await self.request("GET", path)

    async def server_version(self) -> str:
        """The API server's gitVersion, such as `v1.36.3`."""
        return str((await self.get_path("/version")).get("gitVersion", "unknown"))

    async def resource(self, api_version: str, kind: str) -> Resource:
        """The REST mapping of a kind (see RestMapper)."""
        return await self.mapper.resource(api_version, kind)

    async def get(self, ref: ObjectRef) -> Manifest:
        """The live object; raises NotFound."""
        resource = await self.resource(ref.api_version, ref.kind)
        return await self.request("GET", resource.object_path(ref.name, ref.namespace))

    async def list(
        self,
        api_version: str,
        kind: str,
        namespace: str | None = None,
        *,
        label_selector: str | None = None,
        field_selector: str | None = None,
        limit: int | None = None,
        continue_token: str | None = None,
        metadata_only: bool = False,
    ) -> Manifest:
        """One page of a list (the List object, with `metadata.resourceVersion` and `continue`).

        With `metadata_only` the items are PartialObjectMetadata: apiVersion, kind and metadata only.
        """
        resource = await self.resource(api_version, kind)
        query = {
            "labelSelector": label_selector,
            "fieldSelector": field_selector,
            "limit": limit,
            "continue": continue_token,
        }
        accept = METADATA_LIST if metadata_only else JSON
        return await self.request("GET", resource.collection_path(namespace), query=query, accept=accept)

    async def list_whole(
        self,
        api_version: str,
        kind: str,
        namespace: str | None = None,
        *,
        label_selector: str | None = None,
        metadata_only: bool = False,
    ) -> Manifest:
        """Every object of a kind, read in pages of 500 and joined: the last page's List with all the items.

        Its `metadata.resourceVersion` is the one to watch from; the pages share one snapshot of the store.
        """
        items: builtins.list[Manifest] = []
        token: str | None = None
        while True:
            page = await self.list(
                api_version,
                kind,
                namespace,
                label_selector=label_selector,
                limit=PAGE_SIZE,
                continue_token=token,
                metadata_only=metadata_only,
            )
            items.extend(page.get("items") or [])
            token = page.get("metadata", {}).get("continue") or None
            if not token:
                return {**page, "items": items}

    async def list_all(
        self, api_version: str, kind: str, namespace: str | None = None, *, label_selector: str | None = None
    ) -> builtins.list[Manifest]:
        """Every object of a kind, read page by page."""
        whole = await self.list_whole(api_version, kind, namespace, label_selector=label_selector)
        items: builtins.list[Manifest] = whole["items"]
        return items

    async def create(self, manifest: Manifest, *, dry_run: bool = False) -> Manifest:
        """POST a new object; raises AlreadyExists."""
        ref = ObjectRef.of(manifest)
        resource = await self.resource(ref.api_version, ref.kind)
        query = {"dryRun": "All" if dry_run else None}
        return await self.request("POST", resource.collection_path(ref.namespace), query=query, body=manifest)

    async def apply(
        self, manifest: Manifest, *, field_manager: str, force: bool = False, dry_run: bool = False
    ) -> Manifest:
        """Server-side apply; with `dry_run` the API server validates and answers without storing anything."""
        ref = ObjectRef.of(manifest)
        resource = await self.resource(ref.api_version, ref.kind)
        query = {
            "fieldManager": field_manager,
            "force": "true" if force else None,
            "dryRun": "All" if dry_run else None,
        }
        return await self.request(
            "PATCH",
            resource.object_path(ref.name, ref.namespace),
            query=query,
            body=json.dumps(manifest).encode(),
            content_type=APPLY_PATCH,
        )

    async def replace(self, manifest: Manifest) -> Manifest:
        """PUT the whole object; its `metadata.resourceVersion` makes the write conditional (Conflict if stale)."""
        ref = ObjectRef.of(manifest)
        resource = await self.resource(ref.api_version, ref.kind)
        return await self.request("PUT", resource.object_path(ref.name, ref.namespace), body=manifest)

    @property
    def identity(self) -> tuple[str, str | None, tuple[str, ...]]:
        """Which cluster and which user this connection acts as: (server, impersonated user, groups)."""
        return self._host, self.options.as_user, self.options.as_groups

    async def dry_run_apply(self, manifest: Manifest, *, field_manager: str) -> tuple[Manifest, datetime | None]:
        """Server-side apply dry-run with force, plus the API server's clock when it answered (its Date header).

        The clock lets a caller tell whether the answer's managedFields entry was stamped by this very
        request (the object would change) without reading the live object.
        """
        ref = ObjectRef.of(manifest)
        resource = await self.resource(ref.api_version, ref.kind)
        query = {"fieldManager": field_manager, "force": "true", "dryRun": "All"}
        path = resource.object_path(ref.name, ref.namespace)
        return await self._send("PATCH", path, query, json.dumps(manifest).encode(), APPLY_PATCH, None)

    async def patch(
        self,
        ref: ObjectRef,
        patch: Any,
        *,
        content_type: str = MERGE_PATCH,
        subresource: str | None = None,
        field_manager: str | None = None,
        dry_run: bool = False,
    ) -> Manifest:
        """Patch an object, or its `status` subresource, with a merge or JSON patch (`dry_run`: validated only)."""
        resource = await self.resource(ref.api_version, ref.kind)
        path = resource.object_path(ref.name, ref.namespace) + (f"/{subresource}" if subresource else "")
        query = {"fieldManager": field_manager, "dryRun": "All" if dry_run else None}
        return await self.request("PATCH", path, query=query, body=patch, content_type=content_type)

    async def delete(self, ref: ObjectRef, *, propagation: str = "Background", dry_run: bool = False) -> Manifest:
        """Ask the API server to delete an object; raises NotFound when it is already gone."""
        resource = await self.resource(ref.api_version, ref.kind)
        body: Manifest = {"kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": propagation}
        if dry_run:
            body["dryRun"] = ["All"]
        return await self.request("DELETE", resource.object_path(ref.name, ref.namespace), body=body)

    async def watch(
        self,
        api_version: str,
        kind: str,
        namespace: str | None = None,
        *,
        resource_version: str | None = None,
        label_selector: str | None = None,
        field_selector: str | None = None,
        timeout_seconds: int = 300,
        metadata_only: bool = False,
    ) -> AsyncIterator[WatchEvent]:
        """Stream watch events from `resource_version` with bookmarks until the server ends the watch.

        A resourceVersion older than the server's history raises `Gone` (callers relist then), whether the
        server refuses the watch with HTTP 410 or, as it does once the watch is running, sends an ERROR
        event holding a Status with code 410. Other ERROR events are yielded as they are.
        """
        resource = await self.resource(api_version, kind)
        query = {
            "watch": "true",
            "allowWatchBookmarks": "true",
            "resourceVersion": resource_version,
            "labelSelector": label_selector,
            "fieldSelector": field_selector,
            "timeoutSeconds": timeout_seconds,
        }
        await self._limiter.acquire()
        url = self._url(resource.collection_path(namespace), query)
        timeout = aiohttp.ClientTimeout(total=None, sock_connect=self.options.request_timeout)
        try:
            headers = await self._headers(None, METADATA if metadata_only else JSON)
            async with self._session.get(url, headers=headers, timeout=timeout) as response:
                if response.status >= 400:
                    raw = await response.read()
                    raise api_error(response.status, _decode(raw), f"watch {kind}: HTTP {response.status}")
                async for line in response.content:
                    if line.strip():
                        event = json.loads(line)
                        if event["type"] == "ERROR" and event["object"].get("code") == Gone.code:
                            raise api_error(Gone.code, event["object"], f"watch {kind}: resourceVersion expired")
                        yield WatchEvent(event["type"], event["object"])
        except (aiohttp.ClientConnectionError, aiohttp.ClientPayloadError, TimeoutError) as err:
            raise Unreachable(f"watch of {kind} at {self._host} broke: {err or type(err).__name__}") from err

    async def text_lines(self, path: str, *, query: Mapping[str, Any] | None = None) -> AsyncIterator[str]:
        """GET a path that answers with text, such as a Pod's log, and yield its lines as they arrive.

        No total timeout applies, so a followed log streams until the server ends it or the caller stops.
        """
        await self._limiter.acquire()
        timeout = aiohttp.ClientTimeout(total=None, sock_connect=self.options.request_timeout)
        try:
            headers = await self._headers(None, "text/plain, */*")
            async with self._session.get(self._url(path, query), headers=headers, timeout=timeout) as response:
                if response.status >= 400:
                    raw = await response.read()
                    raise api_error(response.status, _decode(raw), f"GET {path}: HTTP {response.status}")
                async for line in response.content:
                    yield line.decode(errors="replace").rstrip("\n")
        except (aiohttp.ClientConnectionError, aiohttp.ClientPayloadError, TimeoutError) as err:
            raise Unreachable(f"reading {path} from {self._host} broke: {err or type(err).__name__}") from err

    async def close(self) -> None:
        """Close the HTTP session (only the connection that opened it should)."""
        await self._session.close()


def _server_date(header: str | None) -> datetime | None:
    try:
        return parsedate_to_datetime(header) if header else None
    except (TypeError, ValueError):
        return None


def _decode(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw else {}
    except ValueError:
        return {"message": raw[:500].decode(errors="replace")}


async def open_client(
    options: ConnectionOptions,
    configuration: Configuration | None = None,
    *,
    ssl_context: ssl.SSLContext | None = None,
    remote: RemoteCluster | None = None,
) -> Kube:
    """A connection the caller must `close()`: for long-lived clients kept in a cache (remote clusters).

    `ssl_context` replaces the TLS settings the configuration would give (a remote cluster's, built from memory
    out of `remote`, which the client keeps so that tools it hands the connection to can use the same).
    """
    configuration = configuration or await load_configuration(options)
    connector = aiohttp.TCPConnector(ssl=ssl_context or _ssl_context(configuration), limit=100)
    session = aiohttp.ClientSession(connector=connector, read_bufsize=2**21)
    kube = Kube(configuration, options, session, remote=remote)
    try:
        await kube.detect_flow_control()
    except BaseException:
        await kube.close()
        raise
    return kube


@asynccontextmanager
async def connect(options: ConnectionOptions | None = None) -> AsyncIterator[Kube]:
    """Open a connection for these options and close it on exit."""
    kube = await open_client(options or ConnectionOptions())
    try:
        yield kube
    finally:
        await kube.close()
