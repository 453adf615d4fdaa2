"""The helm command line of each release action, built from the HelmRelease spec as helm-controller sets its options.

Flux's defaults carry over: resources are waited for with kstatus (`--wait=watcher`; `legacy` with
`waitStrategy: legacy`, hooks only with `disableWait`), existing resources are adopted unless
`disableTakeOwnership`, install creates CRDs, upgrade leaves them, history is capped at 5 revisions.
With `helm3_defaults` (the `UseHelm3Defaults` gate) an install applies client-side and the wait is `legacy`
where the spec says nothing, as Helm 3 did.
"""

from __future__ import annotations

from dataclasses import dataclass

from reflow.api.helm import HelmReleaseSpec
from reflow.api.helmactions import Install, Rollback, Test, Uninstall, Upgrade
from reflow.engines.helm.release import OWNER_NAME, OWNER_NAMESPACE

DEFAULT_TIMEOUT = 300.0
"""Seconds per Helm action when the HelmRelease sets no `timeout` (Flux's 5m)."""
DEFAULT_MAX_HISTORY = 5


def seconds(value: float) -> str:
    """A duration as helm's flags take it (`90s`)."""
    return f"{max(1, round(value))}s"


def action_timeout(spec: HelmReleaseSpec, own: float | None) -> float:
    """The action's timeout, else `spec.timeout`, else 5 minutes."""
    return own or spec.timeout or DEFAULT_TIMEOUT


def max_history(spec: HelmReleaseSpec) -> int:
    return DEFAULT_MAX_HISTORY if spec.max_history is None else spec.max_history


def _wait(spec: HelmReleaseSpec, disabled: bool, for_jobs: bool, helm3_defaults: bool) -> list[str]:
    if disabled:
        return ["--wait=hookOnly"]
    named = spec.wait_strategy.name if spec.wait_strategy is not None else ("legacy" if helm3_defaults else "poller")
    strategy = "legacy" if named == "legacy" else "watcher"
    return [f"--wait={strategy}", *(["--wait-for-jobs"] if for_jobs else [])]


def _flag(condition: bool, flag: str) -> list[str]:
    return [flag] if condition else []


@dataclass(frozen=True, slots=True, kw_only=True)
class Command:
    """One helm call: its arguments and the time it may take (seconds)."""

    args: tuple[str, ...]
    timeout: float
    kstatus_wait: bool = False
    """Helm waits for the resources with kstatus (Flux's `poller`), which `healthCheckExprs` refine."""


def owner_labels(owner: tuple[str, str]) -> list[str]:
    """`--labels` naming the HelmRelease (namespace, name) on the release, so another one cannot take it over."""
    namespace, name = owner
    return ["--labels", f"{OWNER_NAME}={name},{OWNER_NAMESPACE}={namespace}"]


def install(
    release: str, chart: str, spec: HelmReleaseSpec, owner: tuple[str, str], *, helm3_defaults: bool = False
) -> Command:
    options = spec.install or Install()
    timeout = action_timeout(spec, options.timeout)
    crds = options.crds or ("Skip" if options.skip_crds else "Create")
    server_side = not helm3_defaults if options.server_side_apply is None else options.server_side_apply
    args = [
        "install", release, chart, "--timeout", seconds(timeout),
        *_wait(spec, options.disable_wait, not options.disable_wait_for_jobs, helm3_defaults),
        *_flag(options.disable_hooks, "--no-hooks"),
        *_flag(options.disable_open_api_validation, "--disable-openapi-validation"),
        *_flag(options.disable_schema_validation, "--skip-schema-validation"),
        *_flag(not options.disable_take_ownership, "--take-ownership"),
        *_flag(options.replace, "--replace"),
        *_flag(crds == "Skip", "--skip-crds"),
        *_flag(options.create_namespace, "--create-namespace"),
        f"--server-side={'true' if server_side else 'false'}",
        *owner_labels(owner),
    ]  # fmt: skip
    return Command(args=tuple(args), timeout=timeout, kstatus_wait="--wait=watcher" in args)


def upgrade(
    release: str, chart: str, spec: HelmReleaseSpec, owner: tuple[str, str], *, helm3_defaults: bool = False
) -> Command:
    options = spec.upgrade or Upgrade()
    timeout = action_timeout(spec, options.timeout)
    args = [
        "upgrade", release, chart, *_revision_flags(spec, options, timeout, helm3_defaults),
        "--reuse-values" if options.preserve_values else "--reset-values",
        *_flag(options.disable_open_api_validation, "--disable-openapi-validation"),
        *_flag(options.disable_schema_validation, "--skip-schema-validation"),
        *_flag(not options.disable_take_ownership, "--take-ownership"),
        *owner_labels(owner),
    ]  # fmt: skip
    return Command(args=tuple(args), timeout=timeout, kstatus_wait="--wait=watcher" in args)


def _revision_flags(
    spec: HelmReleaseSpec, options: Upgrade | Rollback, timeout: float, helm3_defaults: bool
) -> list[str]:
    """The flags upgrade and rollback share: both write a new revision over the last one."""
    server_side = {"enabled": "true", "disabled": "false"}.get(options.server_side_apply or "auto", "auto")
    return [
        "--timeout", seconds(timeout),
        *_wait(spec, options.disable_wait, not options.disable_wait_for_jobs, helm3_defaults),
        "--history-max", str(max_history(spec)),
        *_flag(options.disable_hooks, "--no-hooks"),
        *_flag(options.force, "--force-replace"),
        *_flag(options.cleanup_on_fail, "--cleanup-on-fail"),
        f"--server-side={server_side}",
    ]  # fmt: skip


def test(release: str, spec: HelmReleaseSpec) -> Command:
    options = spec.test or Test()
    timeout = action_timeout(spec, options.timeout)
    filters = [f"{'!' if item.exclude else ''}name={item.name}" for item in options.filters]
    args = ["test", release, "--timeout", seconds(timeout), *(["--filter", ",".join(filters)] if filters else [])]
    return Command(args=tuple(args), timeout=timeout)


def rollback(release: str, version: int, spec: HelmReleaseSpec, *, helm3_defaults: bool = False) -> Command:
    options = spec.rollback or Rollback()
    timeout = action_timeout(spec, options.timeout)
    flags = _revision_flags(spec, options, timeout, helm3_defaults)
    return Command(args=("rollback", release, str(version), *flags), timeout=timeout)


def uninstall(release: str, spec: HelmReleaseSpec) -> Command:
    options = spec.uninstall or Uninstall()
    timeout = action_timeout(spec, options.timeout)
    args = [
        "uninstall", release, "--timeout", seconds(timeout), "--ignore-not-found",
        "--wait=hookOnly" if options.disable_wait else "--wait=watcher",
        "--cascade", options.deletion_propagation,
        *_flag(options.keep_history, "--keep-history"),
        *_flag(options.disable_hooks, "--no-hooks"),
    ]  # fmt: skip
    return Command(args=tuple(args), timeout=timeout)


def template(release: str, chart: str, spec: HelmReleaseSpec) -> Command:
    """`helm template`: the release manifest without hooks and tests, rendered without a cluster."""
    options = spec.install or Install()
    crds = options.crds or ("Skip" if options.skip_crds else "Create")
    args = [
        "template", release, chart, "--no-hooks", "--skip-tests", *_flag(crds != "Skip", "--include-crds"),
        *_flag(options.disable_schema_validation, "--skip-schema-validation"),
    ]  # fmt: skip
    return Command(args=tuple(args), timeout=action_timeout(spec, options.timeout))
