"""Which objects a Receiver's `resources` name: API version, namespace, name or labels, and their CEL filters."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from cel_expr_python import cel
from cel_expr_python.ext import ext_strings

from reflow.api.meta import Manifest
from reflow.api.notification import ReceiverResource, ReceiverSpec

DEFAULT_API_VERSIONS: Mapping[str, str] = {
    "Bucket": "source.toolkit.fluxcd.io/v1",
    "HelmChart": "source.toolkit.fluxcd.io/v1",
    "HelmRepository": "source.toolkit.fluxcd.io/v1",
    "GitRepository": "source.toolkit.fluxcd.io/v1",
    "OCIRepository": "source.toolkit.fluxcd.io/v1",
    "ImageRepository": "image.toolkit.fluxcd.io/v1",
    "ArtifactGenerator": "source.extensions.fluxcd.io/v1beta1",
}
"""The API version of a resource that names none, for the kinds Flux's receiver knows; the other kinds must name one."""

_ENV = cel.NewEnv(variables={"res": cel.Type.DYN, "req": cel.Type.DYN}, extensions=[ext_strings.ExtStrings()])
_CLAIMS_ENV = cel.NewEnv(variables={"res": cel.Type.DYN, "req": cel.Type.DYN, "claims": cel.Type.DYN},
                         extensions=[ext_strings.ExtStrings()])  # fmt: skip
"""`generic-oidc` Receivers' filters also read the verified token's `claims`."""


class InvalidTarget(Exception):
    """A resource entry that cannot be resolved: no API version, a refused namespace, `*` without labels."""


class InvalidFilter(ValueError):
    """A `resourceFilter` or `filter` expression that does not compile to a bool, or fails on an object."""


@dataclass(frozen=True, slots=True)
class Filter:
    """A compiled CEL filter over `res` (the object's metadata), `req` (the request's JSON body) and, for
    `generic-oidc`, `claims` (the verified token's)."""

    text: str
    program: cel.Expression

    def accepts(self, res: Manifest, req: Manifest, claims: Manifest | None = None) -> bool:
        """Whether the expression holds for this object; InvalidFilter when it fails."""
        data = {"res": res, "req": req} if claims is None else {"res": res, "req": req, "claims": claims}
        try:
            value = self.program.eval(data=data)
        except (RuntimeError, TypeError, ValueError) as err:
            raise InvalidFilter(f"failed to evaluate the CEL expression '{self.text}': {err}") from err
        result = value.value()
        if value.type() == cel.Type.ERROR or not isinstance(result, bool):
            raise InvalidFilter(f"failed to evaluate the CEL expression '{self.text}': {result}")
        return result


def compile_filter(text: str, *, claims: bool = False) -> Filter:
    """A filter expression, type-checked over `res` and `req` (and `claims`) to yield a bool; InvalidFilter
    otherwise."""
    try:
        program = (_CLAIMS_ENV if claims else _ENV).compile(text)
    except RuntimeError as err:
        first = str(err).removeprefix("INVALID_ARGUMENT: ").splitlines()[0]
        raise InvalidFilter(f"failed to parse the CEL expression '{text}': {first}") from err
    if program.return_type() not in (cel.Type.BOOL, cel.Type.DYN):
        output = program.return_type().name().lower()
        raise InvalidFilter(f"CEL expression '{text}' output type mismatch: expected bool, got {output}")
    return Filter(text, program)


def check_filters(spec: ReceiverSpec) -> None:
    """Compile every filter of the spec once; InvalidFilter names the first that fails, as Flux's reconcile does."""
    claims = spec.type == "generic-oidc"
    if spec.resource_filter:
        try:
            compile_filter(spec.resource_filter, claims=claims)
        except InvalidFilter as err:
            raise InvalidFilter(f"invalid resourceFilter expression: {err}") from err
    for index, resource in enumerate(spec.resources):
        if resource.filter:
            try:
                compile_filter(resource.filter, claims=claims)
            except InvalidFilter as err:
                raise InvalidFilter(f"invalid filter expression for resources[{index}] (kind='{resource.kind}', "
                                    f"name='{resource.name}'): {err}") from err  # fmt: skip


@dataclass(frozen=True, slots=True, kw_only=True)
class Target:
    """The objects one resource entry names: one by name, or every object of the kind carrying `match_labels`."""

    api_version: str
    kind: str
    namespace: str
    name: str | None
    """None: every object with `match_labels` (the entry's name was `*`)."""
    match_labels: Mapping[str, str] = field(default_factory=dict)
    filters: tuple[Filter, ...] = ()
    """Every filter must accept an object (the Receiver's `resourceFilter`, then the entry's `filter`)."""

    @property
    def label_selector(self) -> str:
        """`match_labels` as a label selector."""
        return ",".join(f"{key}={value}" for key, value in sorted(self.match_labels.items()))

    def accepts(self, res: Manifest, req: Manifest, claims: Manifest | None = None) -> bool:
        """Whether every filter accepts the object; InvalidFilter when one fails."""
        return all(item.accepts(res, req, claims) for item in self.filters)


def target(
    resource: ReceiverResource, receiver_namespace: str, *, shared: Sequence[Filter] = (),
    no_cross_namespace_refs: bool = False, claims: bool = False,
) -> Target:  # fmt: skip
    """Resolve one resource entry of a Receiver in `receiver_namespace`; InvalidTarget when it cannot be."""
    namespace = resource.namespace or receiver_namespace
    if no_cross_namespace_refs and namespace != receiver_namespace:
        raise InvalidTarget("cross-namespace references are not allowed")
    api_version = resource.api_version or DEFAULT_API_VERSIONS.get(resource.kind)
    if not api_version:
        raise InvalidTarget(f"apiVersion must be specified for kind '{resource.kind}'")
    wildcard = resource.name == "*"
    if wildcard and not resource.match_labels:
        raise InvalidTarget("matchLabels field not set when using wildcard '*' as name")
    filters = (*shared, compile_filter(resource.filter, claims=claims)) if resource.filter else tuple(shared)
    return Target(api_version=api_version, kind=resource.kind, namespace=namespace,
                  name=None if wildcard else resource.name, match_labels=dict(resource.match_labels),
                  filters=filters)  # fmt: skip


def request_json(content_type: str, body: bytes) -> Manifest:
    """The request body as the filters' `req`: the decoded JSON object for a JSON request, else `{}`;
    InvalidFilter when a JSON request does not decode."""
    types = (part.partition(";")[0].strip().lower() for part in content_type.split(","))
    if "application/json" not in types:
        return {}
    try:
        value = json.loads(body)
    except (UnicodeDecodeError, ValueError) as err:
        raise InvalidFilter(f"failed to parse request body as JSON: {err}") from err
    return value if isinstance(value, dict) else {}
