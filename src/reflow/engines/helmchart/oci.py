"""Charts in an OCI registry (HelmRepository `type: oci`), pulled with the real helm.

`helm pull oci://<repository>/<chart> --version <range>` resolves the range against the registry's tags
and downloads the chart. Credentials reach helm only through a registry config file in a private
temporary folder (`--registry-config`), TLS material likewise; nothing secret is on the command line.
The pulled chart's manifest digest (helm prints it) is kept for signature verification, for which
`signature_reader` opens reflow's own registry client with the same credentials and TLS.
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from reflow.engines.helmchart.errors import ChartPullError
from reflow.engines.helmchart.metadata import MAX_FILE_SIZE, InvalidChart, read_chart_archive
from reflow.engines.helmchart.package import Packager, run_helm
from reflow.engines.helmchart.remote import MAX_CHART_SIZE
from reflow.engines.helmrepo import TLSConfig
from reflow.engines.oci import (
    AuthCache,
    RegistryClient,
    Transport,
    credentials_for,
    docker_config_entries,
    parse_repository,
)
from reflow.kube.privatefile import write_private

DOCKER_CONFIG_KEY = ".dockerconfigjson"
_DIGEST = re.compile(rb"Digest: (sha256:[0-9a-f]{64})")
STDERR_SHOWN = 2000


@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class RegistryAccess:
    """How to reach a registry: a docker config document with its credentials, TLS material, plain HTTP."""

    docker_config: bytes | None = None
    tls: TLSConfig | None = None
    plain_http: bool = False
    timeout: float = 60.0

    def __repr__(self) -> str:
        return f"RegistryAccess(credentials={self.docker_config is not None}, plain_http={self.plain_http})"


@dataclass(frozen=True, slots=True)
class PulledChart:
    """A chart pulled from a registry and the digest of its manifest."""

    data: bytes
    digest: str


def chart_reference(url: str, chart: str) -> str:
    """`oci://<host>/<path>/<chart>` for a chart name in an OCI HelmRepository."""
    if urlsplit(url).scheme != "oci" or not urlsplit(url).hostname:
        raise ChartPullError(f"invalid OCI registry URL '{url}': it must be oci://<host>/<path>")
    if not chart or "/" in chart or chart in (".", ".."):
        raise ChartPullError(f"invalid chart name '{chart}' for an OCI repository")
    return f"{url.rstrip('/')}/{chart}"


def docker_config(data: Mapping[str, bytes], host: str) -> bytes | None:
    """A registry config for helm from a decoded Secret: its `.dockerconfigjson`, else `username` and
    `password` for `host`; None when it holds neither."""
    if data.get(DOCKER_CONFIG_KEY):
        return data[DOCKER_CONFIG_KEY]
    username, password = data.get("username", b"").decode(), data.get("password", b"").decode()
    if not username and not password:
        return None
    auth = base64.b64encode(f"{username}:{password}".encode()).decode()
    return json.dumps({"auths": {host: {"auth": auth}}}).encode()


def chart_tag(version: str) -> str:
    """The tag of a chart version in a registry: helm writes `+` (build metadata) as `_`."""
    return version.replace("+", "_")


def signature_reader(access: RegistryAccess, reference: str, cache: AuthCache | None = None) -> RegistryClient:
    """A registry client for the chart's repository at `reference` that reaches it as helm does (the same
    credentials, TLS and plain HTTP), to resolve a version's digest and read its cosign signatures."""
    repository = parse_repository(reference)
    credentials = None
    if access.docker_config is not None:
        entries = docker_config_entries({DOCKER_CONFIG_KEY: access.docker_config}, reference)
        credentials = credentials_for([entries], repository)
    transport = Transport(tls=access.tls, insecure=access.plain_http, timeout=access.timeout)
    return RegistryClient(repository, credentials=credentials, transport=transport, cache=cache, name=reference)


async def pull_chart(
    packager: Packager,
    reference: str,
    version: str,
    access: RegistryAccess,
    *,
    max_size: int = MAX_CHART_SIZE,
    max_file_size: int = MAX_FILE_SIZE,
) -> PulledChart:
    """The chart at `reference` in the newest version within `version` (`*` or empty: the newest)."""
    scratch = Path(await asyncio.to_thread(tempfile.mkdtemp, prefix="reflow-helm-pull-"))
    try:
        out = scratch / "out"
        out.mkdir()
        argv = [str(packager.helm), "pull", reference, "--destination", str(out)]
        if version and version != "*":
            argv += ["--version", version]
        argv += _access_arguments(access, scratch)
        run = await run_helm(argv, scratch, access.timeout, what="helm pull", network=True)
        if run.code != 0:
            said = run.stderr.decode(errors="replace").strip().replace(f"{scratch}/", "")
            raise ChartPullError(f"failed to pull '{reference}': {said[:STDERR_SHOWN]}")
        pulled = sorted(out.glob("*.tgz"))
        found = _DIGEST.search(run.stdout + run.stderr)
        if len(pulled) != 1 or found is None:
            raise ChartPullError(f"helm pulled no chart from '{reference}'")
        size = pulled[0].stat().st_size
        if size > max_size:
            limit = f"more than the limit of {max_size} (--helm-chart-max-size)"
            raise ChartPullError(f"the chart is {size} bytes, {limit}")
        data = pulled[0].read_bytes()
    finally:
        await asyncio.to_thread(shutil.rmtree, scratch, True)
    try:
        read_chart_archive(data, max_file_size=max_file_size)
    except InvalidChart as error:
        raise ChartPullError(f"'{reference}' is not a Helm chart: {error}") from error
    return PulledChart(data=data, digest=found.group(1).decode())


def _access_arguments(access: RegistryAccess, scratch: Path) -> list[str]:
    """helm flags naming the private files that hold the credentials and TLS material."""
    argv = ["--registry-config", str(write_private(scratch / "registry.json", access.docker_config or b"{}"))]
    if access.tls is not None and access.tls.ca:
        argv += ["--ca-file", str(write_private(scratch / "ca.crt", access.tls.ca))]
    if access.tls is not None and access.tls.cert and access.tls.key:
        argv += ["--cert-file", str(write_private(scratch / "tls.crt", access.tls.cert))]
        argv += ["--key-file", str(write_private(scratch / "tls.key", access.tls.key))]
    if access.plain_http:
        argv.append("--plain-http")
    return argv
