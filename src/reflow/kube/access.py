"""Ask the API server who a token belongs to (TokenReview) and whether a user may act on a resource
(SubjectAccessReview)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from reflow.kube.client import Kube

REVIEWS = "/apis/authorization.k8s.io/v1/subjectaccessreviews"
TOKEN_REVIEWS = "/apis/authentication.k8s.io/v1/tokenreviews"
AUTHENTICATED = "system:authenticated"
"""The group the API server gives every user it authenticates."""


@dataclass(frozen=True, slots=True)
class UserInfo:
    """A user as the API server's authorizers see it: name, groups, uid and extra attributes."""

    user: str
    groups: tuple[str, ...] = ()
    uid: str = ""
    extra: tuple[tuple[str, tuple[str, ...]], ...] = field(default=(), repr=False)
    """Sorted (key, values) pairs: hashable, so a user can key a cache."""

    def spec(self) -> dict[str, object]:
        """The user fields of a SubjectAccessReview's spec."""
        found: dict[str, object] = {"user": self.user, "groups": list(self.groups)}
        if self.uid:
            found["uid"] = self.uid
        if self.extra:
            found["extra"] = {key: list(values) for key, values in self.extra}
        return found


def service_account_user(namespace: str, name: str) -> str:
    """The user name the API server gives a ServiceAccount."""
    return f"system:serviceaccount:{namespace}:{name}"


def service_account(namespace: str, name: str) -> UserInfo:
    """A ServiceAccount with the groups the API server gives it."""
    return UserInfo(
        service_account_user(namespace, name), ("system:serviceaccounts", f"system:serviceaccounts:{namespace}")
    )


async def allowed(kube: Kube, who: UserInfo, *, verb: str, group: str, resource: str, namespace: str) -> bool:
    """Whether `who` may use `verb` on `resource` of `group` in `namespace` ("" for every namespace)."""
    review = await kube.request("POST", REVIEWS, body={
        "apiVersion": "authorization.k8s.io/v1",
        "kind": "SubjectAccessReview",
        "spec": {**who.spec(),
                 "resourceAttributes": {"namespace": namespace, "group": group, "resource": resource, "verb": verb}},
    })  # fmt: skip
    return bool((review.get("status") or {}).get("allowed"))


async def denied_verbs(
    kube: Kube, user: str, *, namespace: str, group: str, resource: str, verbs: Sequence[str]
) -> list[str]:
    """The verbs ServiceAccount `user` may not use on `resource` in `namespace`, one SubjectAccessReview each."""
    who = service_account(*user.split(":")[2:4])
    return [
        verb
        for verb in verbs
        if not await allowed(kube, who, verb=verb, group=group, resource=resource, namespace=namespace)
    ]


async def review_token(kube: Kube, token: str) -> UserInfo | None:
    """The user a bearer token authenticates as, or None when the API server does not accept it."""
    review = await kube.request("POST", TOKEN_REVIEWS, body={
        "apiVersion": "authentication.k8s.io/v1", "kind": "TokenReview", "spec": {"token": token},
    })  # fmt: skip
    status = review.get("status") or {}
    user = status.get("user") or {}
    if not status.get("authenticated") or not user.get("username"):
        return None
    extra = tuple(sorted((key, tuple(values or ())) for key, values in (user.get("extra") or {}).items()))
    return UserInfo(str(user["username"]), tuple(user.get("groups") or ()), str(user.get("uid") or ""), extra)
