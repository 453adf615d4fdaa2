"""`spec.verify` of a HelmChart: the cosign signature of a chart in an OCI HelmRepository, read with the
repository's credentials and TLS; charts from an HTTP HelmRepository have none to check."""

from __future__ import annotations

from reflow.api.conditions import SOURCE_VERIFIED
from reflow.api.helmsource import HelmChart, HelmRepository
from reflow.controllers.source.signatures import SignatureRefused, TrustedKeys, check_signature, verified_condition
from reflow.engines.cosign import Subject
from reflow.engines.helmchart import ChartPullError, ChartVerificationError, VerificationUnsupported
from reflow.engines.helmchart.oci import RegistryAccess, chart_tag, signature_reader
from reflow.engines.oci import AuthCache, OCIError, Reference
from reflow.runtime.result import ConditionState

Verdict = dict[str, ConditionState | None]
"""The SourceVerified condition to write (None: removed)."""


async def verify_chart(
    access: RegistryAccess,
    reference: str,
    trusted: TrustedKeys,
    version: str,
    cache: AuthCache,
    *,
    tag: str | None = None,
    digest: str | None = None,
) -> tuple[str, Verdict]:
    """The chart's digest (given, or that of the chart version `tag`) and SourceVerified=True for `version`
    once a key of the Secret verified its signature; `ChartVerificationError` otherwise."""
    try:
        reader = signature_reader(access, reference, cache)
    except OCIError as error:
        raise ChartPullError(f"failed to read the credentials for '{reference}': {error}") from error
    async with reader as client:
        if digest is None:
            try:
                digest = await client.resolve(Reference(client.repository, tag=chart_tag(tag or version)))
            except OCIError as error:
                raise ChartPullError(f"failed to get the digest of '{reference}:{tag}': {error}") from error
        subject = Subject(name=str(client.repository), digest=digest)
        try:
            verified = await check_signature(subject, trusted, client)
        except SignatureRefused as error:
            raise ChartVerificationError(str(error)) from error
    return digest, {SOURCE_VERIFIED: verified_condition(f"version {version}", verified)}


def refuse_verify(chart: HelmChart, repository: HelmRepository) -> None:
    """`spec.verify` on a chart from an HTTP HelmRepository: there is no signature to check there (Flux refuses
    too), and serving the chart unverified would hide that."""
    if chart.spec.verify is None:
        return
    name = f"{repository.metadata.namespace}/{repository.metadata.name}"
    kind = repository.spec.type or "default"
    raise VerificationUnsupported(
        f"HelmRepository '{name}' is of type '{kind}': signatures are verified only for charts "
        "in an OCI HelmRepository (type 'oci'); remove spec.verify or serve the chart from an OCI registry"
    )
