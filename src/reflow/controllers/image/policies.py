"""Which ImagePolicies an ImageUpdateAutomation applies: those its `policySelector` selects that have a latest image."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from reflow.api.image import ImageRef, LabelSelector
from reflow.api.meta import Manifest
from reflow.engines.ssa.selector import Requirement

_OPERATORS = {"In": "in", "NotIn": "notin", "Exists": "exists", "DoesNotExist": "!"}


class InvalidSelector(ValueError):
    """The `policySelector` cannot be read as a Kubernetes label selector."""


def requirements(selector: LabelSelector | None) -> tuple[Requirement, ...]:
    """The selector as requirements that must all hold; none (everything) when unset."""
    if selector is None:
        return ()
    found = [Requirement(key, "=", frozenset({value})) for key, value in selector.match_labels.items()]
    for expression in selector.match_expressions:
        operator = _OPERATORS.get(expression.operator)
        if operator is None:
            raise InvalidSelector(
                f"invalid policySelector: {expression.operator!r} is not a valid label selector operator"
            )
        if (operator in ("in", "notin")) != bool(expression.values):
            needs = "needs values" if operator in ("in", "notin") else "takes no values"
            raise InvalidSelector(
                f"invalid policySelector: operator {expression.operator} for {expression.key!r} {needs}"
            )
        found.append(Requirement(expression.key, operator, frozenset(expression.values)))
    return tuple(found)


def latest_images(policies: Iterable[Manifest], namespace: str, selector: LabelSelector | None) -> dict[str, ImageRef]:
    """The latest image of each selected policy in `namespace` that has one, by policy name."""
    wanted = requirements(selector)
    chosen: dict[str, ImageRef] = {}
    for policy in policies:
        metadata = policy["metadata"]
        if (metadata.get("namespace") or "") != namespace:
            continue
        labels: Mapping[str, str] = metadata.get("labels") or {}
        latest = (policy.get("status") or {}).get("latestRef") or {}
        if all(requirement.matches(labels) for requirement in wanted) and latest.get("tag"):
            chosen[metadata["name"]] = ImageRef(name=latest["name"], tag=latest["tag"], digest=latest.get("digest"))
    return dict(sorted(chosen.items()))


def observed(images: Mapping[str, ImageRef]) -> dict[str, Manifest]:
    """`status.observedPolicies`: each policy's image as `{name, tag, digest}`."""
    return {
        name: {"name": ref.name, "tag": ref.tag, **({"digest": ref.digest} if ref.digest else {})}
        for name, ref in images.items()
    }
