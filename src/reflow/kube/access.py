"""Ask the API server whether a ServiceAccount may act on a resource (SubjectAccessReview)."""

from __future__ import annotations

from collections.abc import Sequence

from reflow.kube.client import Kube

REVIEWS = "/apis/authorization.k8s.io/v1/subjectaccessreviews"


def service_account_user(namespace: str, name: str) -> str:
    """The user name the API server gives a ServiceAccount."""
    return f"system:serviceaccount:{namespace}:{name}"


async def denied_verbs(
    kube: Kube, user: str, *, namespace: str, group: str, resource: str, verbs: Sequence[str]
) -> list[str]:
    """The verbs `user` may not use on `resource` in `namespace`, one SubjectAccessReview each."""
    denied: list[str] = []
    for verb in verbs:
        review = await kube.request("POST", REVIEWS, body={
            "apiVersion": "authorization.k8s.io/v1",
            "kind": "SubjectAccessReview",
            "spec": {
                "user": user,
                "groups": ["system:serviceaccounts", f"system:serviceaccounts:{user.split(':')[2]}"],
                "resourceAttributes": {"namespace": namespace, "group": group, "resource": resource, "verb": verb},
            },
        })  # fmt: skip
        if not (review.get("status") or {}).get("allowed"):
            denied.append(verb)
    return denied
