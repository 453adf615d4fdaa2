"""`reflow create`: `--export` byte for byte as Flux, and applying then waiting for a stand-in controller."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from reflow.api.meta import ObjectRef
from reflow.kube.client import Kube
from tests.cli.controller import stand_in
from tests.cli.objects import artifact
from tests.cli.runner import TESTDATA, Reflow

GIT = ("source.toolkit.fluxcd.io/v1", "GitRepository")
KS = ("kustomize.toolkit.fluxcd.io/v1", "Kustomization")
PODINFO = "--url=https://github.com/stefanprodan/podinfo"

# The flags of fluxcd/flux2 cmd/flux/create_source_git_test.go and create_kustomization_test.go for each golden file.
GOLDEN = [
    pytest.param(
        [
            "create",
            "source",
            "git",
            "podinfo",
            PODINFO,
            "--branch=master",
            "--ignore-paths",
            ".cosign,non-existent-dir/",
            "-n",
            "default",
            "--interval",
            "1m",
            "--export",
            "--timeout=10s",
        ],
        "create_source_git/export.golden",
        id="source-git-ignore-paths",
    ),
    pytest.param(
        [
            "create",
            "source",
            "git",
            "podinfo",
            "--namespace=flux-system",
            PODINFO,
            "--commit=c88a2f41",
            "--interval=1m0s",
            "--export",
        ],
        "create_source_git/source-git-commit.yaml",
        id="source-git-commit",
    ),
    pytest.param(
        [
            "create",
            "source",
            "git",
            "podinfo",
            "--namespace=flux-system",
            PODINFO,
            "--ref-name=refs/heads/main",
            "--interval=1m0s",
            "--export",
        ],
        "create_source_git/source-git-refname.yaml",
        id="source-git-ref-name",
    ),
    pytest.param(
        [
            "create",
            "source",
            "git",
            "podinfo",
            "--namespace=flux-system",
            PODINFO,
            "--branch=main",
            "--commit=c88a2f41",
            "--interval=1m0s",
            "--export",
        ],
        "create_source_git/source-git-branch-commit.yaml",
        id="source-git-branch-commit",
    ),
    pytest.param(
        [
            "create",
            "source",
            "git",
            "podinfo",
            "--namespace=flux-system",
            PODINFO,
            "--tag-semver=v1.01",
            "--interval=1m0s",
            "--export",
        ],
        "create_source_git/source-git-semver.yaml",
        id="source-git-semver",
    ),
    pytest.param(
        [
            "create",
            "source",
            "git",
            "podinfo",
            "--namespace=flux-system",
            PODINFO,
            "--tag=test",
            "--interval=1m0s",
            "--export",
        ],
        "create_source_git/source-git-tag.yaml",
        id="source-git-tag",
    ),
    pytest.param(
        [
            "create",
            "source",
            "git",
            "podinfo",
            "--namespace=flux-system",
            PODINFO,
            "--branch=test",
            "--interval=1m0s",
            "--export",
        ],
        "create_source_git/source-git-branch.yaml",
        id="source-git-branch",
    ),
    pytest.param(
        [
            "create",
            "kustomization",
            "mysql",
            "--source=GitRepository/apps",
            "--path=./apps",
            "--decryption-provider=sops",
            "--decryption-secret=sops-age",
            "--namespace=flux-system",
            "--interval=1m",
            "--export",
        ],
        "create_kustomization/with-sops-decryption.yaml",
        id="kustomization-sops-decryption",
    ),
]


@pytest.mark.parametrize(("args", "golden"), GOLDEN)
async def test_export_matches_flux_golden_file_byte_for_byte(reflow: Reflow, args: list[str], golden: str) -> None:
    result = await reflow(*args, namespaced=False)
    assert result.code == 0, result.stderr
    assert result.stdout.encode() == (TESTDATA / golden).read_bytes()


async def test_kustomization_export_writes_every_flag_into_the_spec(reflow: Reflow) -> None:
    result = await reflow(
        "create",
        "ks",
        "podinfo",
        "--source=OCIRepository/podinfo.apps",
        "--path=deploy/../kustomize",
        "--prune",
        "--wait",
        "--health-check=Deployment/web.prod",
        "--health-check-timeout=3m",
        "--depends-on=infra/base",
        "--service-account=deployer",
        "--target-namespace=prod",
        "--retry-interval=2m",
        "--interval=10m",
        "--label=team=web",
        "-n",
        "apps",
        "--export",
        namespaced=False,
    )
    assert result.code == 0, result.stderr
    assert result.stdout == (
        "---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  labels:\n"
        "    team: web\n  name: podinfo\n  namespace: apps\nspec:\n  dependsOn:\n  - name: base\n    namespace: infra\n"
        "  healthChecks:\n  - kind: Deployment\n    name: web\n    namespace: prod\n  interval: 10m0s\n"
        "  path: ./kustomize\n  prune: true\n  retryInterval: 2m0s\n  serviceAccountName: deployer\n"
        "  sourceRef:\n    kind: OCIRepository\n    name: podinfo\n    namespace: apps\n  targetNamespace: prod\n"
        "  timeout: 3m0s\n  wait: true\n"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["--url=https://x/y"], "a Git reference is required", id="no-ref"),
        pytest.param(["--url=git@github.com:org/repo", "--branch=main"], "scheme", id="scp-url"),
    ],
)
async def test_create_source_git_rejects_bad_flags_with_exit_2(reflow: Reflow, args: list[str], message: str) -> None:
    result = await reflow("create", "source", "git", "podinfo", *args, "--export", namespaced=False)
    assert result.code == 2
    assert message in result.stderr


async def test_path_outside_the_source_is_a_usage_error(reflow: Reflow) -> None:
    result = await reflow("create", "ks", "x", "--source=repo", "--path=../up", "--export", namespaced=False)
    assert result.code == 2
    assert "must be a relative path inside the source" in result.stderr


async def test_create_source_git_with_credentials_applies_a_secret_and_waits_for_the_artifact(
    reflow: Reflow, kube: Kube, namespace: str, crds: None
) -> None:
    async with stand_in(kube, *GIT, namespace, fields={"artifact": artifact("main@sha1:abc")}, message="stored"):
        result = await reflow(
            "create",
            "source",
            "git",
            "podinfo",
            PODINFO,
            "--branch=main",
            "-u",
            "git",
            "-p",
            "s3cret",
            "--timeout",
            "30s",
        )
    assert result.code == 0, result.stderr
    assert "fetched revision: main@sha1:abc" in result.stderr
    assert "s3cret" not in result.stdout + result.stderr
    live = await kube.get(ObjectRef(*GIT, "podinfo", namespace))
    assert live["spec"]["secretRef"] == {"name": "podinfo"}
    stored = await kube.get(ObjectRef("v1", "Secret", "podinfo", namespace))
    assert base64.b64decode(stored["data"]["password"]) == b"s3cret"


async def test_create_kustomization_fails_with_the_controller_message(
    reflow: Reflow, kube: Kube, namespace: str, crds: None
) -> None:
    async with stand_in(kube, *KS, namespace, ready=False, message="GitRepository 'repo' not found"):
        result = await reflow("create", "ks", "apps", "--source=repo", "--path=./apps", "--timeout", "30s")
    assert result.code == 1
    assert "Kustomization reconciliation failed: GitRepository 'repo' not found" in result.stderr


async def test_create_secret_git_export_holds_basic_auth_and_ca(reflow: Reflow, tmp_path: Path) -> None:
    ca = tmp_path / "ca.crt"
    ca.write_text("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
    result = await reflow(
        "create",
        "secret",
        "git",
        "podinfo-auth",
        "--url=https://github.com/stefanprodan/podinfo",
        "-u",
        "git",
        "-p",
        "token",
        f"--ca-file={ca}",
        "-n",
        "flux-system",
        "--export",
        namespaced=False,
    )
    assert result.code == 0, result.stderr
    assert result.stdout == (
        "---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: podinfo-auth\n  namespace: flux-system\n"
        "stringData:\n  ca.crt: |\n    -----BEGIN CERTIFICATE-----\n    MIIB\n    -----END CERTIFICATE-----\n"
        "  password: token\n  username: git\n"
    )


async def test_create_secret_git_with_bearer_token_is_applied(reflow: Reflow, kube: Kube, namespace: str) -> None:
    result = await reflow("create", "secret", "git", "auth", "--url=https://example.com/repo", "--bearer-token=t0k")
    assert result.code == 0, result.stderr
    stored = await kube.get(ObjectRef("v1", "Secret", "auth", namespace))
    assert base64.b64decode(stored["data"]["bearerToken"]) == b"t0k"


async def test_create_secret_git_for_ssh_reports_an_unreachable_host(reflow: Reflow) -> None:
    result = await reflow(
        "create", "secret", "git", "auth", "--url=ssh://git@127.0.0.1:9/org/repo", "--export", namespaced=False
    )
    assert result.code == 1
    assert "no SSH host keys could be read from 127.0.0.1:9" in result.stderr or "ssh-keyscan" in result.stderr


# The flags of fluxcd/flux2 cmd/flux/create_source_helm_test.go for each golden file (`-n` fills `{{ .fluxns }}`).
HELM_GOLDEN = [
    pytest.param(["--url=oci://ghcr.io/stefanprodan/charts/podinfo"], "oci.golden", id="oci"),
    pytest.param(
        ["--url=oci://ghcr.io/stefanprodan/charts/podinfo", "--secret-ref=creds"],
        "oci-with-secret.golden",
        id="oci-secret",
    ),
    pytest.param(["--url=https://stefanprodan.github.io/charts/podinfo"], "https.golden", id="https"),
]


@pytest.mark.parametrize(("args", "golden"), HELM_GOLDEN)
async def test_create_source_helm_export_matches_flux_golden_file(reflow: Reflow, args: list[str], golden: str) -> None:
    result = await reflow(
        "create", "source", "helm", "podinfo", *args, "--interval", "5m", "--export", "-n", "flux-ns", namespaced=False
    )
    assert result.code == 0, result.stderr
    expected = (TESTDATA / "create_source_helm" / golden).read_text().replace("{{ .fluxns }}", "flux-ns")
    assert result.stdout == expected


async def test_create_source_helm_refuses_other_url_schemes(reflow: Reflow) -> None:
    result = await reflow("create", "source", "helm", "podinfo", "--url=git://example.com/charts", "--export")
    assert result.code == 2
    assert "url scheme 'git' not supported, can be: http, https and oci" in result.stderr


async def test_create_source_helm_applies_and_reports_the_fetched_revision(
    reflow: Reflow, kube: Kube, namespace: str, crds: None
) -> None:
    helm = ("source.toolkit.fluxcd.io/v1", "HelmRepository")
    async with stand_in(kube, *helm, namespace, fields={"artifact": artifact("sha256:abc")}, message="stored"):
        result = await reflow(
            "create",
            "source",
            "helm",
            "podinfo",
            "--url=https://charts.example.com",
            "--secret-ref=creds",
            "--timeout",
            "30s",
        )
    assert result.code == 0, result.stderr
    assert "fetched revision: sha256:abc" in result.stderr
    live = await kube.get(ObjectRef(*helm, "podinfo", namespace))
    assert live["spec"]["secretRef"] == {"name": "creds"}
    assert "type" not in live["spec"]
