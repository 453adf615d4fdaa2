"""The wrapper module gets the target's go line, godebugs, excludes and the replaces that can be resolved; helm
is built from reflow's own main, in the tools cache and in the image alike."""

from __future__ import annotations

import hashlib
from pathlib import Path

from reflow.dev.gobuild import wrapper_edits
from reflow.dev.versions import COSIGN, HELM, HELM_VERSION, KUBERNETES, Component

UPSTREAM_KUBERNETES = {
    "Go": "1.26.0",
    "Godebug": [{"Key": "default", "Value": "go1.26"}],
    "Exclude": [{"Path": "github.com/bad/module", "Version": "v1.0.0"}],
    "Replace": [
        {"Old": {"Path": "k8s.io/api"}, "New": {"Path": "./staging/src/k8s.io/api"}},
        {
            "Old": {"Path": "github.com/fork/me", "Version": "v1.2.0"},
            "New": {"Path": "github.com/fork/it", "Version": "v1.2.1"},
        },
        {"Old": {"Path": "example.com/local"}, "New": {"Path": "../local"}},
    ],
}


def test_wrapper_edits_pin_staging_modules_to_the_published_minor_and_drop_local_folders() -> None:
    edits = wrapper_edits(UPSTREAM_KUBERNETES, KUBERNETES)
    assert edits == [
        "-require=k8s.io/kubernetes@v1.36.3",
        "-go=1.26.0",
        "-godebug=default=go1.26",
        "-exclude=github.com/bad/module@v1.0.0",
        "-replace=k8s.io/api=k8s.io/api@v0.36.3",
        "-replace=github.com/fork/me@v1.2.0=github.com/fork/it@v1.2.1",
    ]


def test_wrapper_edits_of_a_module_without_replaces_only_require_it() -> None:
    component = Component(name="x", module="example.com/x", version="v1.0.0", packages={"x": "example.com/x"})
    assert wrapper_edits({}, component) == ["-require=example.com/x@v1.0.0"]


def test_kubernetes_binaries_report_their_version_through_ldflags() -> None:
    assert "-X k8s.io/component-base/version.gitVersion=v1.36.3" in KUBERNETES.ldflags
    assert "-X k8s.io/client-go/pkg/version.gitMinor=36" in KUBERNETES.ldflags


def test_wrapper_edits_end_with_the_components_own_replaces() -> None:
    component = Component(
        name="x",
        module="example.com/x",
        version="v1.0.0",
        packages={"x": "example.com/x"},
        wrapper=True,
        replaces=("example.com/lib=example.com/lib@v0.1.0",),
    )
    upstream = {"Replace": [{"Old": {"Path": "example.com/a"}, "New": {"Path": "example.com/b", "Version": "v2.0.0"}}]}
    assert wrapper_edits(upstream, component)[-2:] == [
        "-replace=example.com/a=example.com/b@v2.0.0",
        "-replace=example.com/lib=example.com/lib@v0.1.0",
    ]


def test_cosign_reports_its_version_through_ldflags() -> None:
    assert COSIGN.version.startswith("v3.")
    assert f"-X sigs.k8s.io/release-utils/version.gitVersion={COSIGN.version}" in COSIGN.ldflags
    assert not COSIGN.wrapper


def test_helm_is_built_from_reflows_own_main_and_its_cache_follows_that_file() -> None:
    source = HELM.main_source
    assert source is not None
    assert source.is_file()
    assert HELM.wrapper
    assert HELM.key == f"helm-{HELM_VERSION}-{hashlib.sha256(source.read_bytes()).hexdigest()[:8]}"


def test_the_image_builds_the_same_helm() -> None:
    containerfile = (Path(__file__).parents[2] / "Containerfile").read_text()
    assert f"ARG HELM_VERSION={HELM_VERSION}\n" in containerfile
    assert "COPY src/reflow/dev/helm.go main.go" in containerfile
