"""Uninstalling a HelmRelease's release from where it is: when the HelmRelease is deleted, and from its old
place when its name, namespace, storage or chart moved it."""

from __future__ import annotations

from reflow.api.conditions import UNINSTALL_FAILED
from reflow.api.duration import format_duration
from reflow.api.helm import HelmRelease
from reflow.engines.helm import actions
from reflow.engines.helm.cluster import kubeconfig_for
from reflow.engines.helm.place import Place
from reflow.engines.helm.release import latest
from reflow.engines.helm.run import Helm, HelmFailed, Target
from reflow.engines.helm.storage import releases
from reflow.kube.client import Kube
from reflow.runtime.errors import ReconcileError


async def uninstall(helm: Helm, client: Kube, hr: HelmRelease, place: Place) -> bool:
    """`helm uninstall` of the release at `place`, as `spec.uninstall` says; False when Helm's storage there
    holds no such release."""
    if latest(await releases(client, place.storage, place.release)) is None:
        return False
    command = actions.uninstall(place.release, hr.spec)
    target = Target(kubeconfig=await kubeconfig_for(client, place.namespace), namespace=place.namespace,
                    storage_namespace=place.storage)  # fmt: skip
    try:
        await helm.run(command.args, target, timeout=command.timeout + 30)
    except HelmFailed as error:
        message = f"Helm uninstall failed for release {place.namespace}/{place.release}: {error.message}"
        raise ReconcileError(f"{message} (timeout {format_duration(command.timeout)})",
                             reason=UNINSTALL_FAILED) from error  # fmt: skip
    return True
