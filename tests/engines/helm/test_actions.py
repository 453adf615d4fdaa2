"""The helm command lines of each action, from HelmRelease specs, with plain data."""

from __future__ import annotations

from typing import Any

from reflow.api.helm import HelmReleaseSpec
from reflow.api.wire import parse
from reflow.engines.helm import actions

OWNER = ("apps", "web")


def spec(**fields: Any) -> HelmReleaseSpec:
    return parse(HelmReleaseSpec, {"interval": "1m", "chartRef": {"kind": "HelmChart", "name": "c"}, **fields})


def test_install_defaults_follow_flux() -> None:
    command = actions.install("web", "/c.tgz", spec(), OWNER)
    assert command.timeout == 300
    assert command.args[:6] == ("install", "web", "/c.tgz", "--timeout", "300s", "--wait=watcher")
    assert "--wait-for-jobs" in command.args
    assert "--take-ownership" in command.args
    assert "--skip-crds" not in command.args
    assert command.args[-2:] == ("--labels", "helm.toolkit.fluxcd.io/name=web,helm.toolkit.fluxcd.io/namespace=apps")


def test_upgrade_and_rollback_options() -> None:
    hr = spec(timeout="2m", maxHistory=3, waitStrategy={"name": "legacy"},
              upgrade={"force": True, "preserveValues": True, "serverSideApply": "disabled", "disableHooks": True},
              rollback={"disableWait": True, "cleanupOnFail": True})  # fmt: skip
    upgrade = actions.upgrade("web", "/c.tgz", hr, OWNER).args
    assert {"--timeout", "120s", "--wait=legacy", "--reuse-values", "--force-replace", "--no-hooks"} <= set(upgrade)
    assert upgrade[upgrade.index("--history-max") + 1] == "3"
    assert "--server-side=false" in upgrade
    rollback = actions.rollback("web", 2, hr).args
    assert rollback[:3] == ("rollback", "web", "2")
    assert {"--wait=hookOnly", "--cleanup-on-fail", "--server-side=auto"} <= set(rollback)


def test_test_filters_and_uninstall_settings() -> None:
    hr = spec(test={"enable": True, "filters": [{"name": "a"}, {"name": "b", "exclude": True}]},
              uninstall={"keepHistory": True, "deletionPropagation": "foreground"})  # fmt: skip
    assert actions.test("web", hr).args[-2:] == ("--filter", "name=a,!name=b")
    uninstall = actions.uninstall("web", hr).args
    assert {"--keep-history", "--ignore-not-found", "--wait=watcher"} <= set(uninstall)
    assert uninstall[uninstall.index("--cascade") + 1] == "foreground"


def test_helm3_defaults_install_client_side_and_wait_the_legacy_way_unless_the_spec_says() -> None:
    install = actions.install("web", "/c.tgz", spec(), OWNER, helm3_defaults=True)
    assert {"--server-side=false", "--wait=legacy"} <= set(install.args)
    assert not install.kstatus_wait
    chosen = spec(install={"serverSideApply": True}, waitStrategy={"name": "poller"})
    install = actions.install("web", "/c.tgz", chosen, OWNER, helm3_defaults=True)
    assert {"--server-side=true", "--wait=watcher"} <= set(install.args)
    assert install.kstatus_wait
    upgrade = actions.upgrade("web", "/c.tgz", spec(), OWNER, helm3_defaults=True)
    assert {"--server-side=auto", "--wait=legacy"} <= set(upgrade.args)


def test_only_a_kstatus_wait_is_refined_by_health_check_expressions() -> None:
    assert actions.install("web", "/c.tgz", spec(), OWNER).kstatus_wait
    assert not actions.install("web", "/c.tgz", spec(install={"disableWait": True}), OWNER).kstatus_wait
    assert not actions.upgrade("web", "/c.tgz", spec(waitStrategy={"name": "legacy"}), OWNER).kstatus_wait
