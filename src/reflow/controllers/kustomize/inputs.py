"""What a Kustomization reads besides its source: substitution variables and decryption keys."""

from __future__ import annotations

from reflow.api.conditions import BUILD_FAILED
from reflow.api.kustomize import Kustomization
from reflow.api.meta import ObjectRef
from reflow.engines.sops import KeyRing
from reflow.engines.sops.errors import SopsError
from reflow.kube.client import Kube
from reflow.kube.errors import NotFound
from reflow.kube.secret import secret_data
from reflow.runtime.errors import ReconcileError


async def substitution_sources(kube: Kube, ks: Kustomization) -> list[dict[str, str]]:
    """The `substituteFrom` ConfigMaps' and Secrets' data, in spec order; a missing optional one is skipped."""
    post_build = ks.spec.post_build
    if post_build is None:
        return []
    sources: list[dict[str, str]] = []
    for reference in post_build.substitute_from:
        ref = ObjectRef("v1", reference.kind, reference.name, ks.metadata.namespace)
        try:
            obj = await kube.get(ref)
        except NotFound as error:
            if reference.optional:
                continue
            raise ReconcileError(
                f"substitute from '{reference.kind}/{reference.name}' failed: not found", reason=BUILD_FAILED
            ) from error
        if reference.kind == "Secret":
            sources.append({key: value.decode() for key, value in secret_data(obj).items()})
        else:
            sources.append(dict(obj.get("data") or {}))
    return sources


async def decryption_keys(kube: Kube, ks: Kustomization) -> KeyRing | None:
    """The SOPS keys of `spec.decryption.secretRef`, or None when decryption is not configured."""
    decryption = ks.spec.decryption
    if decryption is None:
        return None
    if decryption.secret_ref is None:
        return KeyRing()
    ref = ObjectRef("v1", "Secret", decryption.secret_ref.name, ks.metadata.namespace)
    try:
        data = secret_data(await kube.get(ref))
    except NotFound as error:
        raise ReconcileError(
            f"decryption secret '{ks.metadata.namespace}/{decryption.secret_ref.name}' not found", reason=BUILD_FAILED
        ) from error
    try:
        return KeyRing.from_secret_data(data)
    except SopsError as error:
        raise ReconcileError(f"decryption keys: {error}", reason=BUILD_FAILED) from error
