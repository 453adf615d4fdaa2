"""`reflow create alert|alert-provider|receiver` (`--export` as Flux's golden files), and get, suspend, resume,
export and delete for Alerts and Providers against the plane; a Receiver created and listed with its webhook path."""

from __future__ import annotations

import hashlib

import pytest

from reflow.api.meta import ObjectRef
from reflow.kube.client import Kube
from reflow.kube.errors import NotFound
from tests.cli.runner import TESTDATA, Reflow
from tests.managers import StartControllers

ALERT_FLAGS = ("create", "alert", "flux-system", "--event-severity", "info", "--event-source", "GitRepository/*",
               "--event-source", "Kustomization/*", "--provider-ref", "slack")  # fmt: skip
PROVIDER_FLAGS = ("create", "alert-provider", "slack", "--type", "slack", "--channel", "A channel with spacess",
                  "--address", "https://hooks.slack.com/services/mock")  # fmt: skip
RECEIVER_FLAGS = ("create", "receiver", "flux-system", "--type", "github", "--event", "ping", "--event", "push",
                  "--secret-ref", "webhook-token", "--resource", "GitRepository/flux-system")  # fmt: skip
NOTIFICATION = "notification.toolkit.fluxcd.io/v1"


def golden(name: str, namespace: str) -> str:
    return (TESTDATA / name / "export.golden").read_text().replace("{{ .fluxns }}", namespace)


@pytest.mark.parametrize(
    ("flags", "name"),
    [pytest.param(ALERT_FLAGS, "create_alert", id="alert"),
     pytest.param(PROVIDER_FLAGS, "create_alertprovider", id="alert-provider"),
     pytest.param(RECEIVER_FLAGS, "create_receiver", id="receiver")],
)  # fmt: skip
async def test_create_export_matches_the_golden_file(flags: tuple[str, ...], name: str, reflow: Reflow) -> None:
    result = await reflow(*flags, "-n", "team-a", "--export", namespaced=False)
    assert result.code == 0, result.stderr
    assert result.stdout == golden(name, "team-a")


@pytest.mark.parametrize(
    ("flags", "words"),
    [
        pytest.param(("create", "alert", "a", "--event-source", "Kustomization/x"), "provider ref is required",
                     id="no-provider-ref"),
        pytest.param(("create", "alert", "a", "--provider-ref", "p"), "at least one event source", id="no-source"),
        pytest.param(("create", "alert", "a", "--provider-ref", "p", "--event-source", "apps"), "<kind>/<name>",
                     id="source-without-kind"),
        pytest.param(("create", "alert-provider", "p"), "Provider type is required", id="no-type"),
        pytest.param(("create", "receiver", "r", "--secret-ref", "s", "--resource", "GitRepository/a"),
                     "Receiver type is required", id="receiver-no-type"),
        pytest.param(("create", "receiver", "r", "--type", "svn", "--secret-ref", "s", "--resource", "GitRepository/a"),
                     "receiver type 'svn' is not supported", id="receiver-unknown-type"),
        pytest.param(("create", "receiver", "r", "--type", "github", "--resource", "GitRepository/a"),
                     "secret ref is required", id="receiver-no-secret"),
        pytest.param(("create", "receiver", "r", "--type", "github", "--secret-ref", "s"),
                     "atleast one resource is required", id="receiver-no-resource"),
        pytest.param(("create", "receiver", "r", "--type", "github", "--secret-ref", "s", "--resource", "app"),
                     "<kind>/<name>", id="receiver-resource-without-kind"),
    ],
)  # fmt: skip
async def test_create_refuses_incomplete_flags(flags: tuple[str, ...], words: str, reflow: Reflow) -> None:
    result = await reflow(*flags, "--export")
    assert result.code == 2
    assert words in result.stderr


async def test_alerts_and_providers_through_their_lifecycle(
    reflow: Reflow, kube: Kube, namespace: str, crds: None
) -> None:
    assert (await reflow(*PROVIDER_FLAGS)).code == 0
    created = await reflow(*ALERT_FLAGS)
    assert created.code == 0, created.stderr
    assert "Alert flux-system is ready" in created.stderr

    listed = await reflow("get", "alerts")
    assert listed.code == 0, listed.stderr
    assert "flux-system" in listed.stdout
    assert "Alert is Ready" in listed.stdout
    assert "Provider is Ready" in (await reflow("get", "alert-provider", "slack")).stdout

    assert (await reflow("suspend", "alert", "flux-system")).code == 0
    alert = await kube.get(ObjectRef(NOTIFICATION, "Alert", "flux-system", namespace))
    assert alert["spec"]["suspend"] is True
    resumed = await reflow("resume", "alert", "flux-system")
    assert resumed.code == 0, resumed.stderr
    alert = await kube.get(ObjectRef(NOTIFICATION, "Alert", "flux-system", namespace))
    assert alert["spec"]["suspend"] is False

    exported = await reflow("export", "alert-provider", "slack")
    assert exported.stdout == golden("create_alertprovider", namespace)
    exported_alert = await reflow("export", "alert", "flux-system")
    resumed_spec = "    name: slack\n  suspend: false\n"  # resume wrote `suspend: false`; Flux exports it too
    assert exported_alert.stdout == golden("create_alert", namespace).replace("    name: slack\n", resumed_spec)

    assert (await reflow("delete", "alert", "flux-system", "--silent")).code == 0
    with pytest.raises(NotFound):
        await kube.get(ObjectRef(NOTIFICATION, "Alert", "flux-system", namespace))


async def test_create_receiver_prints_the_webhook_path_and_get_lists_it(
    reflow: Reflow, kube: Kube, namespace: str, start_controllers: StartControllers
) -> None:
    metadata = {"name": "webhook-token", "namespace": namespace}
    await kube.create({"apiVersion": "v1", "kind": "Secret", "metadata": metadata, "stringData": {"token": "t0ken"}})
    await start_controllers("notification")
    created = await reflow(*RECEIVER_FLAGS)
    assert created.code == 0, created.stderr
    path = "/hook/" + hashlib.sha256(f"t0kenflux-system{namespace}".encode()).hexdigest()
    assert "Receiver flux-system is ready" in created.stderr
    assert f"generated webhook URL {path}" in created.stderr

    listed = await reflow("get", "receivers")
    assert listed.code == 0, listed.stderr
    assert f"Receiver initialized for path: {path}" in listed.stdout
    assert "Receiver initialized" in (await reflow("get", "all")).stdout
    assert (await reflow("reconcile", "receiver", "flux-system")).code == 0
