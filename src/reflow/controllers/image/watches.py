"""The image controllers' wiring: ImagePolicies woken by their ImageRepository's scans, automations by their
policies' new images (after `policyChangeDelay`), and `setup` for each Flux controller name."""

from __future__ import annotations

from pathlib import Path

from reflow.api.image import ImageUpdateAutomation
from reflow.api.meta import Manifest
from reflow.api.wire import parse_object
from reflow.controllers.image.automation import ImageUpdateAutomationReconciler
from reflow.controllers.image.policies import InvalidSelector, requirements
from reflow.controllers.image.policy import ImagePolicyReconciler
from reflow.controllers.image.repository import ImageRepositoryReconciler
from reflow.controllers.options import ControllerOptions
from reflow.controllers.source.gitrepository import GitRepositoryReconciler
from reflow.engines.image.tagstore import TagStore
from reflow.engines.oci import AuthCache
from reflow.kube.client import Kube
from reflow.runtime.informer import Change
from reflow.runtime.manager import Manager
from reflow.runtime.settings import RuntimeSettings

REFLECTOR = "image-reflector-controller"
AUTOMATION = "image-automation-controller"
REPOSITORY_INDEX = "imageRepository"
DEFAULT_CONCURRENCY = 4


def tag_storage(options: ControllerOptions) -> Path:
    """Where scanned tags live: `.image-tags` in the storage folder (`--storage-path`), which the artifact
    server never serves (it refuses hidden paths)."""
    return options.storage.storage_path / ".image-tags"


def repository_of(policy: Manifest) -> list[str]:
    """`namespace/name` of the ImageRepository a policy reads."""
    ref = (policy.get("spec") or {}).get("imageRepositoryRef") or {}
    return [f"{ref.get('namespace') or policy['metadata'].get('namespace') or ''}/{ref.get('name')}"]


def scan_of(repository: Manifest | None) -> tuple[object, ...]:
    """What policies look at in a repository: its image and the revision of its last scan."""
    status = (repository or {}).get("status") or {}
    return (repository or {}).get("spec", {}).get("image"), (status.get("lastScanResult") or {}).get("revision")


def latest_of(policy: Manifest | None) -> object:
    return ((policy or {}).get("status") or {}).get("latestRef")


def trigger_delay(automation: Manifest, policy: Manifest) -> float | None:
    """Seconds before a policy's new image runs the automation (`policyChangeDelay`, 0 when unset), or None
    when the automation does not use the policy (another namespace, not selected, or an unreadable spec)."""
    if (automation["metadata"].get("namespace") or "") != (policy["metadata"].get("namespace") or ""):
        return None
    try:
        spec = parse_object(ImageUpdateAutomation, automation).spec
        wanted = requirements(spec.policy_selector)
    except (ValueError, InvalidSelector):
        return None
    labels = policy["metadata"].get("labels") or {}
    if not all(requirement.matches(labels) for requirement in wanted):
        return None
    return spec.policy_change_delay or 0.0


def setup_reflector(manager: Manager, kube: Kube, settings: RuntimeSettings, options: ControllerOptions) -> None:
    """Add the ImageRepository controller, which scans tags into the tag storage, and the ImagePolicy controller,
    which chooses from them; both share one registry authentication cache."""
    store = TagStore(tag_storage(options))
    cache = AuthCache()
    repositories = manager.informer_for(ImageRepositoryReconciler)
    policies = manager.informer_for(ImagePolicyReconciler)
    concurrent = options.concurrent or DEFAULT_CONCURRENCY
    manager.add_controller(
        "imagerepository", ImageRepositoryReconciler(kube, store, cache), concurrent=concurrent, component=REFLECTOR
    )
    reconciler = ImagePolicyReconciler(
        kube,
        store,
        repositories.get,
        no_cross_namespace_refs=options.no_cross_namespace_refs,
        requeue_dependency=settings.requeue_dependency,
        cache=cache,
    )
    controller = manager.add_controller("imagepolicy", reconciler, concurrent=concurrent, component=REFLECTOR)
    policies.add_index(REPOSITORY_INDEX, repository_of)

    def on_scan(change: Change, old: Manifest | None, new: Manifest) -> None:
        if change is not Change.DELETED and scan_of(old) == scan_of(new):
            return
        key = f"{new['metadata'].get('namespace') or ''}/{new['metadata']['name']}"
        for policy in policies.by_index(REPOSITORY_INDEX, key):
            controller.enqueue(policy["metadata"].get("namespace"), policy["metadata"]["name"])

    repositories.add_handler(on_scan)


def setup_automation(manager: Manager, kube: Kube, settings: RuntimeSettings, options: ControllerOptions) -> None:
    """Add the ImageUpdateAutomation controller, woken when a policy in its namespace chooses a new image."""
    policies = manager.informer_for(ImagePolicyReconciler)  # the reflector's informer, when in this process
    repositories = manager.informer_for(GitRepositoryReconciler)
    automations = manager.informer_for(ImageUpdateAutomationReconciler)
    reconciler = ImageUpdateAutomationReconciler(
        kube,
        repositories=repositories.get,
        policies=policies.items,
        no_cross_namespace_refs=options.no_cross_namespace_refs,
    )
    controller = manager.add_controller(
        "imageupdateautomation", reconciler, concurrent=options.concurrent or DEFAULT_CONCURRENCY, component=AUTOMATION
    )

    def on_policy(change: Change, old: Manifest | None, new: Manifest) -> None:
        if change is Change.DELETED or latest_of(old) == latest_of(new):
            return
        for auto in automations.items():
            delay = trigger_delay(auto, new)
            if delay is not None:
                controller.enqueue_after(auto["metadata"].get("namespace"), auto["metadata"]["name"], delay)

    policies.add_handler(on_policy)
