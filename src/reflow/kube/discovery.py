"""REST mapping: which URL serves a kind, and whether its objects live in namespaces."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from reflow.api.conditions import condition_true
from reflow.kube.errors import NotFound


@dataclass(frozen=True, slots=True)
class Resource:
    """One served resource: `plural` under `api_version`, namespaced or cluster-wide."""

    api_version: str
    kind: str
    plural: str
    namespaced: bool

    @property
    def base_path(self) -> str:
        """`/api/v1` for the core group, `/apis/<group>/<version>` for the others."""
        return f"/api/{self.api_version}" if "/" not in self.api_version else f"/apis/{self.api_version}"

    def collection_path(self, namespace: str | None) -> str:
        """The URL of the collection, in one namespace or across all of them."""
        if self.namespaced and namespace:
            return f"{self.base_path}/namespaces/{namespace}/{self.plural}"
        return f"{self.base_path}/{self.plural}"

    def object_path(self, name: str, namespace: str | None) -> str:
        """The URL of one object."""
        return f"{self.collection_path(namespace if self.namespaced else None)}/{name}"


Fetch = Callable[[str], Awaitable[dict[str, Any]]]


class RestMapper:
    """Maps apiVersion + kind to a Resource, reading discovery once per group-version and again on a miss."""

    def __init__(self, fetch: Fetch) -> None:
        self._fetch = fetch
        self._known: dict[str, dict[str, Resource]] = {}

    async def resource(self, api_version: str, kind: str) -> Resource:
        """The resource serving `kind`; raises NotFound when the API server does not serve it (yet).

        Discovery can lag a moment behind a CRD that just became Established; a kind that discovery
        does not list yet is then looked up in the CRDs themselves, whose endpoints already serve.
        """
        found = self._known.get(api_version, {}).get(kind)
        if found is None:
            self._known[api_version] = await self._discover(api_version)
            found = self._known[api_version].get(kind)
        if found is None and "/" in api_version:
            found = await self._from_crd(api_version, kind)
            if found is not None:
                self._known[api_version][kind] = found
        if found is None:
            raise NotFound(404, "NotFound", f"the server does not serve kind {kind} in {api_version}")
        return found

    def forget(self, api_version: str) -> None:
        """Drop what is known of a group-version (after its CRD changed)."""
        self._known.pop(api_version, None)

    async def _from_crd(self, api_version: str, kind: str) -> Resource | None:
        group, _, version = api_version.partition("/")
        try:
            crds = await self._fetch("/apis/apiextensions.k8s.io/v1/customresourcedefinitions")
        except NotFound:
            return None
        for crd in crds.get("items") or []:
            spec = crd.get("spec") or {}
            names = spec.get("names") or {}
            served = any(v.get("name") == version and v.get("served") for v in spec.get("versions") or [])
            established = condition_true(crd, "Established")
            if spec.get("group") == group and names.get("kind") == kind and served and established:
                return Resource(api_version, kind, names["plural"], spec.get("scope") == "Namespaced")
        return None

    async def _discover(self, api_version: str) -> dict[str, Resource]:
        path = f"/api/{api_version}" if "/" not in api_version else f"/apis/{api_version}"
        try:
            listing = await self._fetch(path)
        except NotFound:
            return {}
        return {
            entry["kind"]: Resource(api_version, entry["kind"], entry["name"], bool(entry.get("namespaced")))
            for entry in listing.get("resources", [])
            if "/" not in entry["name"]
        }
