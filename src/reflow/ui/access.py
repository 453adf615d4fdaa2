"""What a viewer may see of the UI's own watches: their `list` rights, asked of the API server and remembered briefly.

The overview, its event stream and the dependency graph come from the UI's informers, which read as the UI. In
`token` and `proxy` mode each viewer receives only the objects of the kinds and namespaces they may `list`
themselves: one SubjectAccessReview for every namespace at once, then one per namespace where that is refused,
each answer kept for `TTL` seconds per (viewer, group, resource, namespace), so a page of 1,000 objects costs a
few reviews.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Awaitable, Callable, Hashable, Iterable, Mapping
from typing import Generic, TypeVar

from reflow.api.meta import Manifest
from reflow.kube.access import UserInfo, allowed, review_token
from reflow.kube.client import Kube
from reflow.kube.discovery import Resource
from reflow.kube.errors import ApiError, Unreachable

log = logging.getLogger("reflow.ui.access")

TTL = 30.0
"""Seconds an answer is reused: long enough that a page's burst of changes costs no new review, short enough that a
revoked right stops showing objects within half a minute."""
MAX_ANSWERS = 10_000
"""Answers kept before the expired ones are dropped."""

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Memo(Generic[K, V]):
    """Answers computed once per key and reused for `ttl` seconds; concurrent askers share one computation, and a
    computation that fails is not kept."""

    def __init__(self, ttl: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.clock = clock
        self._answers: dict[K, tuple[float, asyncio.Future[V]]] = {}

    async def get(self, key: K, compute: Callable[[], Awaitable[V]]) -> V:
        """The answer for `key`, computed by `compute` when there is none younger than the TTL."""
        now = self.clock()
        entry = self._answers.get(key)
        if entry is None or entry[0] <= now:
            if len(self._answers) >= MAX_ANSWERS:
                self._answers = {k: e for k, e in self._answers.items() if e[0] > now}
            entry = self._answers[key] = (now + self.ttl, asyncio.ensure_future(compute()))
        future = entry[1]
        try:
            return await asyncio.shield(future)  # one asker going away does not cancel the others' answer
        except (ApiError, Unreachable):
            if self._answers.get(key) is entry:
                del self._answers[key]
            raise


class Rights:
    """The viewers' identities and `list` rights, asked with the UI's own connection (which needs `create` on
    tokenreviews and subjectaccessreviews)."""

    def __init__(self, kube: Kube, ttl: float = TTL) -> None:
        self.kube = kube
        self._users: Memo[str, UserInfo | None] = Memo(ttl)
        self._lists: Memo[tuple[UserInfo, str, str, str], bool] = Memo(ttl)

    async def user_of(self, token: str) -> UserInfo | None:
        """Who a bearer token belongs to (TokenReview), or None when the API server rejects it; kept by its digest."""
        digest = hashlib.sha256(token.encode()).hexdigest()
        return await self._users.get(digest, lambda: review_token(self.kube, token))

    async def may_list(self, who: UserInfo, resource: Resource, namespace: str) -> bool:
        """Whether `who` may list `resource` in `namespace` ("": every namespace); False when the review fails."""
        group = resource.api_version.rpartition("/")[0]
        key = (who, group, resource.plural, namespace)

        async def review() -> bool:
            return await allowed(self.kube, who, verb="list", group=group, resource=resource.plural,
                                 namespace=namespace)  # fmt: skip

        try:
            return await self._lists.get(key, review)
        except (ApiError, Unreachable) as err:
            log.warning("access review failed; hiding the objects", extra={"user": who.user, "error": str(err)})
            return False

    async def may_see(self, who: UserInfo, resource: Resource, namespace: str) -> bool:
        """Whether `who` may list `resource` in every namespace, or else in `namespace`."""
        if await self.may_list(who, resource, ""):
            return True
        return bool(namespace) and await self.may_list(who, resource, namespace)

    async def visible(
        self, who: UserInfo, objects: Iterable[Manifest], resources: Mapping[str, Resource]
    ) -> list[Manifest]:
        """The objects whose kind and namespace `who` may list; one review per (kind, namespace) at most."""
        found = list(objects)
        places = sorted({(obj["kind"], obj["metadata"].get("namespace") or "") for obj in found})
        answers = await asyncio.gather(*(self.may_see(who, resources[kind], ns) for kind, ns in places))
        seen = {place for place, answer in zip(places, answers, strict=True) if answer}
        return [obj for obj in found if (obj["kind"], obj["metadata"].get("namespace") or "") in seen]

    async def limited(self, who: UserInfo, resources: Mapping[str, Resource]) -> list[str]:
        """The kinds `who` may not list in every namespace (from their rights alone, whatever objects exist)."""
        kinds = sorted(resources)
        answers = await asyncio.gather(*(self.may_list(who, resources[kind], "") for kind in kinds))
        return [kind for kind, answer in zip(kinds, answers, strict=True) if not answer]


def limits_note(limited: Iterable[str], shown: Iterable[str], everything: int) -> str:
    """What the overview says of the kinds the viewer may not list in every namespace ("" when there are none):
    those of which it shows some objects are shown only where the viewer may list them; of the others it shows
    nothing. Both depend on the viewer's rights and on what they see, never on what is hidden from them."""
    some = set(shown)
    partial = [kind for kind in limited if kind in some]
    none = [kind for kind in limited if kind not in some]
    if not partial and not none:
        return ""
    parts = []
    if none:
        parts.append("you may not list " + ("any Flux kind" if len(none) == everything else ", ".join(none)))
    if partial:
        verb = "is" if len(partial) == 1 else "are"
        parts.append(f"{', '.join(partial)} {verb} shown only from the namespaces where you may list them")
    return "Filtered by your rights: " + "; ".join(parts) + "."
