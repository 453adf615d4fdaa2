"""An OCI distribution client on aiohttp: manifests, tags, blobs and uploads for one repository.

Authentication is lazy: a request goes out with what the shared `AuthCache` knows (nothing, Basic
credentials, or a live bearer token); a 401 answer's challenge is met once (Basic with the
credentials, or a token from the Bearer realm for this repository's scope) and the request is sent
again. A registry on loopback, or an `insecure` one, is tried over HTTPS first and over plain HTTP when
no TLS connection can be made, as go-containerregistry does. Credentials never appear in messages.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit

import aiohttp

from reflow.engines.oci.auth import Challenge, Credentials, parse_challenge, scope
from reflow.engines.oci.errors import (
    AuthenticationFailed,
    LayerFailed,
    OCIError,
    PushFailed,
    ReferenceNotFound,
    Unreachable,
)
from reflow.engines.oci.manifest import (
    ACCEPT,
    MAX_MANIFEST_SIZE,
    OCI_INDEX,
    Descriptor,
    Manifest,
    parse_manifest,
    platform_manifest,
)
from reflow.engines.oci.reference import DIGEST, Reference, Repository
from reflow.engines.oci.transport import DEFAULT_TOKEN_LIFE, AuthCache, Transport, fingerprint, tls_context

CHUNK = 1 << 16
MAX_LAYER_SIZE = 100 << 20
"""Largest layer an OCIRepository downloads by default, bytes (100 MiB, the untar limit of artifact consumers)."""
MAX_TAG_PAGES = 1000
MAX_ERROR_BODY = 64 << 10
_FALLBACK_ERRORS = (aiohttp.ClientSSLError, aiohttp.ClientConnectorError, aiohttp.ServerDisconnectedError)
PROXY_REFUSED = "{where}: the proxy refused the request ({answer}); check the username and password of proxySecretRef"
Body = Callable[[], Any]
"""Makes a request body afresh, so a request can be sent again after an authentication challenge."""


class RegistryClient:
    """Requests to one repository; use as `async with RegistryClient(...) as client`.

    `actions` is the token scope asked for: `pull`, or `pull,push` for uploads.
    """

    def __init__(
        self,
        repository: Repository,
        *,
        credentials: Credentials | None = None,
        transport: Transport | None = None,
        cache: AuthCache | None = None,
        actions: str = "pull",
        name: str = "",
    ) -> None:
        self.repository = repository
        self.credentials = credentials
        self.transport = transport or Transport()
        self.cache = cache if cache is not None else AuthCache()
        self.scope = scope(repository, actions)
        self.requests = 0
        """Requests the registry answered (not the token server's), for callers that report their cost."""
        self._ssl = tls_context(self.transport, name or str(repository))
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> RegistryClient:
        proxy = self.transport.proxy
        if proxy is not None and proxy.scheme not in ("http", "https"):
            raise AuthenticationFailed(f"proxy '{proxy.address}': only http:// and https:// proxies reach a registry")
        timeout = aiohttp.ClientTimeout(total=self.transport.timeout)
        self._session = aiohttp.ClientSession(timeout=timeout, trust_env=proxy is None)
        return self

    async def __aexit__(self, *_: object) -> None:
        if self._session is not None:
            await self._session.close()

    @property
    def _where(self) -> str:
        return f"'{self.repository}'"

    # --- requests and authentication ---

    def _proxy_headers(self) -> dict[str, str] | None:
        proxy = self.transport.proxy
        if proxy is None or not proxy.username:
            return None
        return {"Proxy-Authorization": aiohttp.encode_basic_auth(proxy.username, proxy.password or "")}

    def _plain_proxy(self, url: str) -> dict[str, str]:
        """The proxy credentials for a plain-HTTP request, which goes to the proxy as is (no CONNECT tunnel
        whose `proxy_headers` would carry them); never added to an HTTPS request, which the registry reads."""
        return (self._proxy_headers() or {}) if url.startswith("http:") else {}

    def _fallback(self) -> bool:
        return self.transport.insecure or self.repository.loopback

    def _url(self, scheme: str, path: str) -> str:
        return path if "://" in path else f"{scheme}://{self.repository.registry}{path}"

    def _authorization(self) -> dict[str, str]:
        registry = self.repository.registry
        challenge = self.cache.challenges.get(registry)
        if challenge is None:
            return {}
        if challenge.scheme == "basic" and self.credentials is not None:
            return {"Authorization": self.credentials.basic()}
        token = self.cache.token((registry, fingerprint(self.credentials), self.scope))
        return {"Authorization": f"Bearer {token}"} if token else {}

    async def _send(
        self, method: str, path: str, headers: dict[str, str], body: Body | None, redirects: bool
    ) -> aiohttp.ClientResponse:
        assert self._session is not None, "use RegistryClient as an async context manager"
        registry = self.repository.registry
        schemes = candidate_schemes(self.cache.schemes.get(registry), fallback=self._fallback())
        proxy = self.transport.proxy
        proxy_headers = self._proxy_headers()
        for index, scheme in enumerate(schemes):
            url = self._url(scheme, path)
            same_origin = urlsplit(url).netloc == registry
            try:
                response = await self._session.request(
                    method,
                    url,
                    headers={**headers, **(self._authorization() if same_origin else {}), **self._plain_proxy(url)},
                    data=body() if body is not None else None,
                    ssl=self._ssl if url.startswith("https:") else False,
                    proxy=proxy.address if proxy else None,
                    proxy_headers=proxy_headers,
                    allow_redirects=redirects,
                )
            except aiohttp.ClientConnectorCertificateError:
                raise  # the registry speaks TLS: its certificate is the problem, not the scheme
            except _FALLBACK_ERRORS:
                if index + 1 < len(schemes):
                    continue
                raise
            self.requests += 1
            if "://" not in path or same_origin:
                self.cache.schemes[registry] = scheme
            return response
        raise AssertionError("unreachable")  # pragma: no cover

    async def _token(self, challenge: Challenge) -> None:
        """Get a bearer token for this repository's scope from the challenge's realm, and remember it."""
        assert self._session is not None
        realm = challenge.params.get("realm", "")
        if urlsplit(realm).scheme not in ("http", "https"):
            raise AuthenticationFailed(f"{self._where}: the registry named no usable token realm ('{realm}')")
        query = {"scope": self.scope}
        if challenge.params.get("service"):
            query["service"] = challenge.params["service"]
        headers = {"Authorization": self.credentials.basic()} if self.credentials else {}
        realm_host = urlsplit(realm).netloc
        proxy = self.transport.proxy
        try:
            async with self._session.get(
                f"{realm}{'&' if '?' in realm else '?'}{urlencode(query)}",
                headers={**headers, **self._plain_proxy(realm)},
                ssl=self._ssl if realm.startswith("https:") else False,
                proxy=proxy.address if proxy else None,
                proxy_headers=self._proxy_headers(),
            ) as response:
                if response.status in (401, 403):
                    raise AuthenticationFailed(self._refused(f"the token server at '{realm_host}'"))
                if response.status != 200:
                    answer = f"{response.status} {response.reason}"
                    raise AuthenticationFailed(f"{self._where}: the token server at '{realm_host}' answered {answer}")
                document = json.loads(await response.content.read(MAX_ERROR_BODY))
        except (ValueError, aiohttp.ContentTypeError) as error:
            raise AuthenticationFailed(f"{self._where}: the token server at '{realm_host}' sent no JSON") from error
        token = document.get("token") or document.get("access_token") if isinstance(document, dict) else None
        if not token:
            raise AuthenticationFailed(f"{self._where}: the token server at '{realm_host}' sent no token")
        lifetime = float(document.get("expires_in") or DEFAULT_TOKEN_LIFE)
        key = (self.repository.registry, fingerprint(self.credentials), self.scope)
        self.cache.keep_token(key, str(token), lifetime)

    def _refused(self, who: str) -> str:
        if self.credentials is None:
            hint = "set spec.secretRef to a docker-config Secret"
            return f"{self._where}: {who} wants credentials and none were given; {hint}"
        return f"{self._where}: {who} refused the credentials of user '{self.credentials.username}'"

    @asynccontextmanager
    async def request(
        self,
        method: str,
        path: str,
        *,
        headers: dict[str, str] | None = None,
        body: Body | None = None,
        redirects: bool = True,
    ) -> AsyncIterator[aiohttp.ClientResponse]:
        """Send a request, meeting one authentication challenge; network failures become `Unreachable`."""
        registry = self.repository.registry
        try:
            response = await self._send(method, path, headers or {}, body, redirects)
            if response.status == 401:
                header = response.headers.get("WWW-Authenticate", "")
                response.release()
                had = self._authorization()
                challenge = parse_challenge(header) if header else Challenge("basic")
                self.cache.challenges[registry] = challenge
                if challenge.scheme == "bearer":
                    await self._token(challenge)
                elif challenge.scheme != "basic":
                    raise AuthenticationFailed(f"{self._where}: unsupported authentication scheme '{challenge.scheme}'")
                if challenge.scheme == "basic" and (self.credentials is None or had):
                    self.cache.forget(registry)
                    raise AuthenticationFailed(self._refused("the registry"))
                response = await self._send(method, path, headers or {}, body, redirects)
                if response.status == 401:
                    response.release()
                    self.cache.forget(registry)
                    raise AuthenticationFailed(self._refused("the registry"))
            if response.status == 403:
                response.release()
                raise AuthenticationFailed(f"{self._where}: access denied (403); check the credentials' permissions")
            if response.status == 407:
                response.release()
                raise AuthenticationFailed(PROXY_REFUSED.format(where=self._where, answer="407"))
        except TimeoutError as error:
            raise Unreachable(f"{self._where}: no answer within {self.transport.timeout:g}s") from error
        except aiohttp.ClientSSLError as error:
            said = getattr(error, "certificate_error", None) or error.__cause__ or error
            raise Unreachable(f"{self._where}: TLS handshake failed: {said}; check certSecretRef's 'ca.crt'") from error
        except aiohttp.ClientHttpProxyError as error:
            answer = f"{error.status} {error.message}"
            if error.status == 407:
                raise AuthenticationFailed(PROXY_REFUSED.format(where=self._where, answer=answer)) from error
            raise Unreachable(f"{self._where}: the proxy refused the request: {answer}") from error
        except (aiohttp.ClientError, OSError) as error:
            raise Unreachable(f"{self._where}: cannot reach the registry at '{registry}': {error}") from error
        try:
            yield response
        finally:
            response.release()

    async def _failure(self, response: aiohttp.ClientResponse, what: str) -> str:
        """`<what>: <status>` with the registry's own error messages, when it sent some."""
        said = ""
        try:
            document = json.loads(await response.content.read(MAX_ERROR_BODY))
            said = "; ".join(
                f"{item.get('code', '')}: {item.get('message', '')}".strip(": ") for item in document.get("errors", [])
            )
        except (ValueError, AttributeError, aiohttp.ClientError):
            pass
        return f"{what}: {response.status} {response.reason}" + (f" ({said})" if said else "")

    # --- reading ---

    def _manifest_path(self, identifier: str) -> str:
        return f"/v2/{self.repository.path}/manifests/{identifier}"

    async def head_manifest(self, reference: Reference) -> Descriptor | None:
        """The manifest's descriptor from a HEAD request; None when the registry did not tell its digest."""
        path = self._manifest_path(reference.identifier)
        async with self.request("HEAD", path, headers={"Accept": ACCEPT}) as response:
            if response.status == 404:
                raise ReferenceNotFound(f"'{reference}' not found: no such tag or digest in the repository")
            digest = response.headers.get("Docker-Content-Digest", "")
            if response.status != 200 or not DIGEST.match(digest):
                return None
            return Descriptor(
                media_type=response.headers.get("Content-Type", "").partition(";")[0].strip(),
                digest=digest,
                size=response.content_length or 0,
            )

    async def get_manifest(self, reference: Reference) -> tuple[Descriptor, Manifest, bytes]:
        """The manifest (or index) with its descriptor and raw bytes, its digest checked for a digest reference."""
        path = self._manifest_path(reference.identifier)
        async with self.request("GET", path, headers={"Accept": ACCEPT}) as response:
            if response.status == 404:
                raise ReferenceNotFound(f"'{reference}' not found: no such tag or digest in the repository")
            if response.status != 200:
                raise OCIError(await self._failure(response, f"failed to get the manifest of '{reference}'"))
            body = await response.content.read(MAX_MANIFEST_SIZE + 1)
            if len(body) > MAX_MANIFEST_SIZE:
                raise OCIError(f"the manifest of '{reference}' is larger than {MAX_MANIFEST_SIZE} bytes")
            content_type = response.headers.get("Content-Type")
        digest = "sha256:" + hashlib.sha256(body).hexdigest()
        if reference.digest and digest != reference.digest:
            raise OCIError(f"the registry sent a manifest with digest '{digest}' for '{reference}'")
        manifest = parse_manifest(body, content_type)
        return Descriptor(media_type=manifest.media_type, digest=digest, size=len(body)), manifest, body

    async def image_manifest(self, reference: Reference) -> tuple[Descriptor, Manifest]:
        """The image manifest at a reference and its descriptor; an index is followed to its linux/amd64 entry."""
        described, manifest, _ = await self.get_manifest(reference)
        if manifest.is_index:
            entry = platform_manifest(manifest)
            described, manifest, _ = await self.get_manifest(Reference(reference.repository, digest=entry.digest))
        return described, manifest

    async def resolve(self, reference: Reference) -> str:
        """The manifest digest the reference points to: one HEAD, or a GET when HEAD does not tell."""
        if reference.digest:
            return reference.digest
        described = await self.head_manifest(reference)
        if described is not None:
            return described.digest
        return (await self.get_manifest(reference))[0].digest

    async def tags(self) -> list[str]:
        """Every tag of the repository, following `Link` pagination."""
        path: str | None = f"/v2/{self.repository.path}/tags/list"
        found: list[str] = []
        for _ in range(MAX_TAG_PAGES):
            if path is None:
                return found
            async with self.request("GET", path) as response:
                if response.status == 404:
                    raise ReferenceNotFound(f"repository '{self.repository}' not found in the registry")
                if response.status != 200:
                    raise OCIError(await self._failure(response, f"failed to list the tags of '{self.repository}'"))
                try:
                    document = json.loads(await response.content.read(MAX_MANIFEST_SIZE))
                except ValueError as error:
                    raise OCIError(f"the tag list of '{self.repository}' is not valid JSON") from error
                found.extend(str(tag) for tag in (document.get("tags") or []))
                path = next_link(response.headers.get("Link", ""), str(response.url))
        raise OCIError(f"the tag list of '{self.repository}' has more than {MAX_TAG_PAGES} pages")

    async def download_blob(self, descriptor: Descriptor, target: Path, *, max_size: int) -> None:
        """Stream a blob to `target`, refusing more than `max_size` bytes and checking its digest."""
        if descriptor.size > max_size:
            raise LayerFailed(too_big(descriptor, max_size))
        if not DIGEST.match(descriptor.digest):
            raise LayerFailed(f"layer digest '{descriptor.digest[:80]}' is not 'sha256:' and 64 hex digits")
        path = f"/v2/{self.repository.path}/blobs/{descriptor.digest}"
        expected = descriptor.digest.partition(":")[2]
        hashed, size = hashlib.sha256(), 0
        async with self.request("GET", path) as response:
            if response.status != 200:
                raise OCIError(await self._failure(response, f"failed to download layer '{descriptor.digest}'"))
            with target.open("wb") as handle:
                async for chunk in response.content.iter_chunked(CHUNK):
                    size += len(chunk)
                    if size > max_size:
                        raise LayerFailed(too_big(descriptor, max_size))
                    hashed.update(chunk)
                    handle.write(chunk)
        if hashed.hexdigest() != expected or size != descriptor.size:
            raise LayerFailed(f"layer '{descriptor.digest}' arrived damaged: its bytes do not match the digest or size")

    # --- what a signature verifier reads (engines/cosign's SignatureFetcher) ---

    async def fetch_manifest(self, reference: str) -> tuple[bytes, str] | None:
        """The manifest at a tag or digest of this repository and its media type; None when there is none."""
        async with self.request("GET", self._manifest_path(reference), headers={"Accept": ACCEPT}) as response:
            if response.status == 404:
                return None
            if response.status != 200:
                raise OCIError(await self._failure(response, f"failed to get '{self.repository}:{reference}'"))
            body = await response.content.read(MAX_MANIFEST_SIZE + 1)
            if len(body) > MAX_MANIFEST_SIZE:
                raise OCIError(f"'{self.repository}:{reference}' is larger than {MAX_MANIFEST_SIZE} bytes")
            return body, response.headers.get("Content-Type", "").partition(";")[0].strip()

    async def fetch_blob(self, digest: str) -> bytes:
        """A small blob (a signature or its payload), at most `MAX_MANIFEST_SIZE` bytes."""
        if not DIGEST.match(digest):
            raise OCIError(f"blob digest '{digest[:80]}' is not 'sha256:' and 64 hex digits")
        async with self.request("GET", f"/v2/{self.repository.path}/blobs/{digest}") as response:
            if response.status != 200:
                raise OCIError(await self._failure(response, f"failed to get blob '{digest}'"))
            body = await response.content.read(MAX_MANIFEST_SIZE + 1)
        if len(body) > MAX_MANIFEST_SIZE:
            raise OCIError(f"blob '{digest}' is larger than {MAX_MANIFEST_SIZE} bytes")
        return body

    async def referrers(self, digest: str) -> bytes | None:
        """The referrers API's index for `digest`; None when the registry has no such API (or nothing refers)."""
        path = f"/v2/{self.repository.path}/referrers/{digest}"
        async with self.request("GET", path, headers={"Accept": OCI_INDEX}) as response:
            if response.status in (404, 405):
                return None
            if response.status != 200:
                raise OCIError(await self._failure(response, f"failed to list the referrers of '{digest}'"))
            return await response.content.read(MAX_MANIFEST_SIZE)

    # --- writing ---

    async def blob_exists(self, digest: str) -> bool:
        async with self.request("HEAD", f"/v2/{self.repository.path}/blobs/{digest}") as response:
            return response.status == 200

    async def upload_blob(self, digest: str, size: int, body: Body) -> None:
        """Upload a blob in one PUT, unless the registry already has it."""
        if await self.blob_exists(digest):
            return
        async with self.request("POST", f"/v2/{self.repository.path}/blobs/uploads/", redirects=False) as response:
            if response.status != 202 or "Location" not in response.headers:
                what = f"the registry refused an upload to '{self.repository}'"
                raise PushFailed(await self._failure(response, what))
            location = urljoin(str(response.url), response.headers["Location"])
        separator = "&" if "?" in location else "?"
        headers = {"Content-Type": "application/octet-stream", "Content-Length": str(size)}
        async with self.request("PUT", f"{location}{separator}digest={digest}", headers=headers, body=body) as response:
            if response.status != 201:
                raise PushFailed(await self._failure(response, f"failed to upload blob '{digest}'"))

    async def put_manifest(self, tag: str, body: bytes, media_type: str) -> str:
        """Store a manifest under `tag`; its digest."""
        headers = {"Content-Type": media_type}
        async with self.request("PUT", self._manifest_path(tag), headers=headers, body=lambda: body) as response:
            if response.status != 201:
                what = f"failed to push the manifest of '{self.repository}:{tag}'"
                raise PushFailed(await self._failure(response, what))
        return "sha256:" + hashlib.sha256(body).hexdigest()


def candidate_schemes(known: str | None, *, fallback: bool) -> list[str]:
    """The schemes to try, in order: the one that answered before, else HTTPS, then plain HTTP if allowed.

    A plain-HTTP answer remembered for a registry (because some source marked it `insecure`) is used only
    by sources allowed to fall back themselves, so one tenant cannot downgrade another's requests."""
    if known == "https" or (known == "http" and fallback):
        return [known]
    return ["https", "http"] if fallback else ["https"]


def too_big(descriptor: Descriptor, max_size: int) -> str:
    return (
        f"layer '{descriptor.digest}' is {descriptor.size} bytes, over the limit of {max_size} bytes "
        "(--oci-layer-max-size)"
    )


def next_link(header: str, current: str) -> str | None:
    """The `rel="next"` target of a `Link` header, resolved against the current URL."""
    for part in header.split(","):
        target, _, params = part.partition(";")
        target = target.strip()
        rel = params.replace(" ", "").replace('"', "")
        if target.startswith("<") and target.endswith(">") and "rel=next" in rel.split(";"):
            return urljoin(current, target[1:-1])
    return None
