"""`reflow create source oci`: `--export` byte-equal to Flux's golden files, and applied with the real controller."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from reflow.api.meta import ObjectRef
from reflow.cli.main import cli
from reflow.kube.client import Kube
from tests.cli.runner import TESTDATA, Reflow
from tests.controllers.source.ocirepositories import push_configmap
from tests.managers import StartControllers
from tests.registries import Registry

PODINFO = ["podinfo", "--url=oci://ghcr.io/stefanprodan/manifests/podinfo", "--tag=6.3.5", "-n", "flux-system"]
OCI = ("source.toolkit.fluxcd.io/v1", "OCIRepository")


def export(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["create", "source", "oci", *args, "--export"], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize(
    ("args", "golden"),
    [
        pytest.param(["--interval=10m"], "export.golden", id="export"),
        pytest.param(["--interval=10m", "--secret-ref=creds"], "export_with_secret.golden", id="secret"),
        pytest.param(
            ["--interval=10m", "--verify-provider=cosign", "--verify-secret-ref=cosign-pub"],
            "export_with_verify_secret.golden",
            id="verify-secret",
        ),
        pytest.param(
            ["--interval=10m", "--layer-selector=application/vnd.cncf.helm.chart.content.v1.tar+gzip:copy"],
            "export_with_layer_selector.golden",
            id="layer-selector",
        ),
        # Flux's own test leaves --interval unset with its flags reset to zero, hence `0s` in these files.
        pytest.param(
            ["--interval=0s", "--verify-issuer=github", "--verify-provider=cosign"],
            "export_with_issuer.golden",
            id="issuer",
        ),
        pytest.param(
            ["--interval=0s", "--verify-subject=stefanprodan", "--verify-provider=cosign"],
            "export_with_subject.golden",
            id="subject",
        ),
        pytest.param(
            ["--interval=0s", "--verify-issuer=github", "--verify-subject=stefanprodan", "--verify-provider=cosign"],
            "export_with_complete_verification.golden",
            id="complete-verification",
        ),
    ],
)
def test_export_matches_the_flux_golden_file_byte_for_byte(args: list[str], golden: str) -> None:
    code, stdout, stderr = export(*PODINFO, *args)
    assert code == 0, stderr
    assert stdout.encode() == (TESTDATA / "create_source_oci" / golden).read_bytes()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["podinfo"], "url is required", id="no-url"),
        pytest.param(["podinfo", "--url=oci://r.io/a"], "--tag, --tag-semver or --digest is required", id="no-ref"),
        pytest.param(
            [*PODINFO, "--verify-secret-ref=cosign-pub"],
            "a verification provider must be specified when a secret is specified",
            id="verify-secret-without-provider",
        ),
        pytest.param(
            [*PODINFO, "--verify-subject=developer"],
            "a verification provider must be specified when OIDC issuer/subject is specified",
            id="subject-without-provider",
        ),
        pytest.param(
            [*PODINFO, "--layer-selector=application/vnd.cncf.helm.chart.content.v1.tar+gzip:move"],
            'invalid --layer-selector "application/vnd.cncf.helm.chart.content.v1.tar+gzip:move": '
            'operation must be "extract" or "copy"',
            id="layer-operation",
        ),
        pytest.param(
            [*PODINFO, "--layer-selector=application/vnd.cncf.helm.chart.content.v1.tar+gzip"],
            'invalid --layer-selector "application/vnd.cncf.helm.chart.content.v1.tar+gzip": '
            "must be in the format '<media-type>:<operation>'",
            id="layer-format",
        ),
    ],
)
def test_bad_flags_give_flux_messages(args: list[str], message: str) -> None:
    code, _, stderr = export(*args)
    assert code == 2
    assert message in stderr


async def test_create_applies_and_the_controller_fetches_the_revision(
    reflow: Reflow,
    kube: Kube,
    namespace: str,
    start_controllers: StartControllers,
    registry: Registry,
    registry_repository: str,
    tmp_path: Path,
) -> None:
    pushed = await push_configmap(registry, registry_repository, "6.3.5", "one", tmp_path)
    await start_controllers("source")
    result = await reflow(
        "create", "source", "oci", "podinfo", f"--url={registry.oci_url(registry_repository)}",
        "--tag-semver=>=6.0.0", "--ignore-paths=*.txt", "--fetch-timeout=20s", "--timeout=60s",
    )  # fmt: skip
    assert result.code == 0, result.stderr
    assert f"fetched revision: 6.3.5@{pushed.digest}" in result.stderr
    live = await kube.get(ObjectRef(*OCI, "podinfo", namespace))
    assert live["spec"]["ref"] == {"semver": ">=6.0.0"}
    assert live["spec"]["ignore"] == "*.txt"
    listed = await reflow("get", "source", "oci")
    assert listed.code == 0, listed.stderr
    assert f"6.3.5@{pushed.digest}" in listed.stdout
