"""The tests' OCI registries take what the real helm pushes, and the authenticated one refuses strangers."""

from __future__ import annotations

import ssl
import urllib.error
import urllib.request
from pathlib import Path

from reflow.dev.gobuild import binary
from tests.gitservers import run
from tests.registries import Registry


def _get(url: str, ca: Path | None) -> int:
    context = ssl.create_default_context(cafile=str(ca)) if ca else None
    request = urllib.request.Request(url, headers={"Accept": "application/vnd.oci.image.manifest.v1+json"})
    try:
        with urllib.request.urlopen(request, timeout=10, context=context) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as error:
        return error.code


def _push_chart(registry: Registry, repository: str, scratch: Path, *extra: str) -> str:
    run(binary("helm"), "create", scratch / "demo")
    run(binary("helm"), "package", scratch / "demo", "--version", "1.2.3", "--destination", scratch)
    env = {"HOME": str(scratch), "HELM_REGISTRY_CONFIG": str(scratch / "registry.json")}
    if registry.username:
        run(
            binary("helm"),
            "registry",
            "login",
            registry.host,
            "--username",
            registry.username,
            "--password-stdin",
            "--ca-file",
            str(registry.ca),
            env=env,
            stdin=(registry.password or "").encode(),
        )
    return run(
        binary("helm"), "push", scratch / "demo-1.2.3.tgz", f"oci://{registry.host}/{repository}", *extra, env=env
    )


def test_helm_pushes_a_chart_to_the_plain_registry(
    registry: Registry, registry_repository: str, tmp_path: Path
) -> None:
    _push_chart(registry, registry_repository, tmp_path, "--plain-http")

    assert _get(f"{registry.base_url}/v2/{registry_repository}/demo/manifests/1.2.3", None) == 200


def test_the_authenticated_registry_refuses_anonymous_reads_and_takes_a_login(
    auth_registry: Registry, registry_repository: str, tmp_path: Path
) -> None:
    assert _get(f"{auth_registry.base_url}/v2/", auth_registry.ca) == 401

    _push_chart(auth_registry, registry_repository, tmp_path, "--ca-file", str(auth_registry.ca))

    assert _get(f"{auth_registry.base_url}/v2/{registry_repository}/demo/manifests/1.2.3", auth_registry.ca) == 401
    assert b'"auths"' in auth_registry.docker_config()
