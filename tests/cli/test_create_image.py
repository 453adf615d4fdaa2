"""`reflow create image repository|policy|update --export` in Flux's layout, their flag errors, and the image
nouns of get/reconcile/suspend/resume/export/delete."""

from __future__ import annotations

import shlex

import pytest

from reflow.api.meta import ObjectRef
from reflow.kube.client import Kube
from reflow.kube.errors import NotFound
from tests.cli.objects import ObjectFactory, ready_condition
from tests.cli.runner import TESTDATA, Reflow

UPDATE = "create image update flux-system --git-repo-ref=flux-system --checkout-branch=main --author-name=flux"
UPDATE += " --author-email=flux@example.com --interval=1m0s --namespace=flux-system --export"

GOLDEN = [
    pytest.param(UPDATE, "create_image_update/no-signing.yaml", id="update-no-signing"),
    pytest.param(UPDATE + " --signing-key-secret=my-key", "create_image_update/signing-default-gpg.yaml", id="gpg"),
    pytest.param(
        UPDATE + " --signing-key-secret=my-deploy-key --signing-key-type=ssh",
        "create_image_update/signing-ssh.yaml",
        id="ssh",
    ),
    pytest.param(
        "create image repository podinfo --image=ghcr.io/stefanprodan/podinfo --interval=10m --secret-ref=image-pull"
        " --cert-ref=registry-ca --scan-timeout=1m -n flux-system --export",
        "create_image/repository.golden",
        id="repository",
    ),
    pytest.param(
        "create image policy podinfo --image-ref=podinfo --select-numeric=asc --label=team=apps"
        " '--filter-regex=^main-[a-f0-9]+-(?P<ts>[0-9]+)' --filter-extract=$ts -n flux-system --export",
        "create_image/policy.golden",
        id="policy",
    ),
    pytest.param(
        "create image update apps -n apps --git-repo-ref=flux-system --git-repo-namespace=flux-system"
        " --git-repo-path=./clusters/my-cluster --checkout-branch=main --push-branch=image-updates --author-name=flux"
        " --author-email=flux@example.com --interval=5m --export"
        " '--commit-template={{range .Changed.Changes}}{{print .OldValue}} -> {{println .NewValue}}{{end}}'",
        "create_image/update.golden",
        id="update-everything",
    ),
]


@pytest.mark.parametrize(("line", "golden"), GOLDEN)
async def test_export_matches_the_golden_file_byte_for_byte(reflow: Reflow, line: str, golden: str) -> None:
    result = await reflow(*shlex.split(line), namespaced=False)
    assert result.code == 0, result.stderr
    assert result.stdout.encode() == (TESTDATA / golden).read_bytes()


@pytest.mark.parametrize(
    ("line", "message"),
    [
        pytest.param(UPDATE + " --signing-key-type=ssh", "--signing-key-type requires --signing-key-secret", id="type"),
        pytest.param(UPDATE + " --signing-key-secret=k --signing-key-type=pgp", "must be one of: gpg, ssh", id="pgp"),
        pytest.param("create image update x --export", "(--git-repo-ref)", id="no-repo"),
        pytest.param("create image repository x --export", "an image repository (--image) is required", id="no-image"),
        pytest.param("create image repository x --image=UPPER/case --export", "unable to parse image value", id="bad"),
        pytest.param("create image policy x --image-ref=r --export", "either --select-semver or", id="no-rule"),
        pytest.param(
            "create image policy x --image-ref=r --select-semver=1.x --select-alpha=asc --export",
            "only one of",
            id="two",
        ),
        pytest.param("create image policy x --image-ref=r --select-alpha=up --export", '["asc", "desc"]', id="order"),
        pytest.param(
            "create image policy x --image-ref=r --select-alpha=asc --filter-regex=(a --export",
            "--filter-regex is an invalid regex pattern",
            id="regex",
        ),
        pytest.param(
            "create image policy x --image-ref=r --select-alpha=asc --filter-regex=(?P<ts>.*) --filter-extract=$tx"
            " --export",
            "capture group $tx used in --filter-extract not found in --filter-regex",
            id="extract",
        ),
        pytest.param(
            "create image policy x --image-ref=r --select-alpha=asc --filter-extract=$ts --export",
            "cannot specify --filter-extract without specifying --filter-regex",
            id="extract-alone",
        ),
        pytest.param(
            "create image policy x --image-ref=r --select-alpha=asc --interval=5m --export",
            "--interval flag can only be used with the 'Always' digest reflection policy",
            id="interval",
        ),
    ],
)
async def test_flags_that_cannot_make_the_object_exit_2_naming_the_flag(
    reflow: Reflow, line: str, message: str
) -> None:
    result = await reflow(*line.split(" "), namespaced=False)
    assert result.code == 2
    assert message in result.stderr
    assert result.stdout == ""


IMAGE = "image.toolkit.fluxcd.io/v1"


async def test_image_nouns_get_suspend_resume_export_and_delete(
    reflow: Reflow, make: ObjectFactory, kube: Kube, namespace: str
) -> None:
    policy = {
        "apiVersion": IMAGE,
        "kind": "ImagePolicy",
        "metadata": {"name": "podinfo"},
        "spec": {"imageRepositoryRef": {"name": "podinfo"}, "policy": {"semver": {"range": "1.x"}}},
    }
    latest = {"name": "ghcr.io/stefanprodan/podinfo", "tag": "1.2.0"}
    await make(policy, {"conditions": [ready_condition(message="resolved")], "latestRef": latest})

    listed = await reflow("get", "image", "policy")
    assert listed.code == 0, listed.stderr
    assert "podinfo" in listed.stdout
    assert "ghcr.io/stefanprodan/podinfo:1.2.0" in listed.stdout
    everything = await reflow("get", "images", "all")
    assert everything.code == 0, everything.stderr
    assert "ImagePolicy" in everything.stdout or "imagepolicy" in everything.stdout.lower()

    ref = ObjectRef(IMAGE, "ImagePolicy", "podinfo", namespace)
    suspended = await reflow("suspend", "image", "policy", "podinfo")
    assert suspended.code == 0, suspended.stderr
    assert (await kube.get(ref))["spec"]["suspend"] is True
    resumed = await reflow("resume", "image", "policy", "podinfo", "--no-wait")
    assert resumed.code == 0, resumed.stderr
    assert not (await kube.get(ref))["spec"].get("suspend")

    exported = await reflow("export", "image", "policy", "podinfo")
    assert exported.code == 0, exported.stderr
    assert "kind: ImagePolicy" in exported.stdout
    assert "status" not in exported.stdout

    deleted = await reflow("delete", "image", "policy", "podinfo", "--silent")
    assert deleted.code == 0, deleted.stderr
    with pytest.raises(NotFound):
        await kube.get(ref)
