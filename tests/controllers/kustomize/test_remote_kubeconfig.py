"""A tenant's kubeconfig Secret cannot make the controller read its own files, send them, or drop TLS checks.

The attacker's API server is a loopback HTTPS server that records every request it gets; the tenant's
Kustomization points at it through `kubeConfig.secretRef`.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import ssl
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from aiohttp import web

from reflow.api.conditions import condition
from reflow.kube.client import Kube
from reflow.runtime.logs import JsonFormatter
from tests.controllers.events import events_until
from tests.controllers.kustomize.sources import GitSource, MakeSource, failing
from tests.controllers.kustomize.test_apply import config_map
from tests.gitservers import TLSFiles
from tests.managers import StartControllers

TOKEN = "controller-sa-token-4c1d9e0f7b2a"
"""Stands for the controller's ServiceAccount token: the file a tenant names holds it."""


@dataclass(slots=True)
class Attacker:
    """A server a tenant controls, posing as an API server: it answers 404 and keeps every request's headers."""

    url: str
    requests: list[dict[str, str]] = field(default_factory=list)
    reached: asyncio.Event = field(default_factory=asyncio.Event)

    def sent(self) -> str:
        return repr(self.requests)


@pytest.fixture
async def attacker(tls_files: TLSFiles) -> AsyncIterator[Attacker]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(tls_files.server_cert, tls_files.server_key)
    app = web.Application()
    runner = web.AppRunner(app)
    found: Attacker

    async def record(request: web.Request) -> web.Response:
        found.requests.append({"method": request.method, "path": request.path, **request.headers})
        found.reached.set()
        return web.json_response({"kind": "Status", "status": "Failure", "code": 404}, status=404)

    app.router.add_route("*", "/{tail:.*}", record)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=context)
    await site.start()
    found = Attacker(f"https://127.0.0.1:{runner.addresses[0][1]}")
    try:
        yield found
    finally:
        await runner.cleanup()


@dataclass
class ControllerLog:
    """The controllers' log lines as `reflow controllers` writes them (JSON, with stack traces)."""

    lines: list[str] = field(default_factory=list)
    grew: asyncio.Event = field(default_factory=asyncio.Event)

    async def until(self, text: str, timeout: float = 30) -> None:
        """Return once a line holding `text` was logged; fail after `timeout` seconds."""
        async with asyncio.timeout(timeout):
            while not any(text in line for line in self.lines):
                self.grew.clear()
                await self.grew.wait()


@pytest.fixture
def controller_log() -> Iterator[ControllerLog]:
    """Capture the controllers' log while the test runs."""
    captured = ControllerLog()

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            captured.lines.append(self.format(record))
            captured.grew.set()

    handler = Keep(logging.DEBUG)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("reflow")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield captured
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def kubeconfig(server: str, cluster: dict[str, Any], user: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "v1", "kind": "Config", "current-context": "remote",
        "clusters": [{"name": "remote", "cluster": {"server": server, **cluster}}],
        "users": [{"name": "tenant", "user": user}],
        "contexts": [{"name": "remote", "context": {"cluster": "remote", "user": "tenant"}}],
    }  # fmt: skip


async def tenant_kustomization(
    kube: Kube, namespace: str, git_source: MakeSource, kubeconfig_text: str | bytes
) -> GitSource:
    """The kubeconfig Secret, a source with one ConfigMap, and a Kustomization applying it through the Secret."""
    data = kubeconfig_text.encode() if isinstance(kubeconfig_text, str) else kubeconfig_text
    await kube.create({
        "apiVersion": "v1", "kind": "Secret", "metadata": {"name": "remote", "namespace": namespace},
        "data": {"value": base64.b64encode(data).decode()},
    })  # fmt: skip
    source, _ = await git_source({"cm.yaml": config_map("far-away", "default", where="remote")})
    await kube.create(source.kustomization("remote", kubeConfig={"secretRef": {"name": "remote"}}))
    return source


def ca_data(tls: TLSFiles) -> str:
    return base64.b64encode(tls.ca_cert.read_bytes()).decode()


def attacks(tls: TLSFiles, token_file: Path) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    """(cluster, user) fields per attack; every other field is inline and would reach the attacker."""
    return {
        "tokenFile": ({"certificate-authority-data": ca_data(tls)}, {"tokenFile": str(token_file)}),
        "certificate-authority": ({"certificate-authority": str(tls.ca_cert)}, {"token": "tenant"}),
        "client-certificate": (
            {"certificate-authority-data": ca_data(tls)},
            {"client-certificate": str(tls.server_cert), "client-key": str(tls.server_key)},
        ),
        "insecure-skip-tls-verify": ({"insecure-skip-tls-verify": True}, {"token": "tenant"}),
    }


@pytest.mark.parametrize("field_name", ["tokenFile", "certificate-authority", "client-certificate",
                                        "insecure-skip-tls-verify"])  # fmt: skip
async def test_a_kubeconfig_secret_cannot_make_the_controller_read_its_files_or_skip_tls(
    kube: Kube,
    namespace: str,
    start_controllers: StartControllers,
    git_source: MakeSource,
    attacker: Attacker,
    tls_files: TLSFiles,
    tmp_path: Path,
    field_name: str,
) -> None:
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN)
    cluster, user = attacks(tls_files, token_file)[field_name]
    text = yaml.safe_dump(kubeconfig(attacker.url, cluster, user))
    source = await tenant_kustomization(kube, namespace, git_source, text)
    await start_controllers("source", "kustomize")

    refused = await source.until("remote", failing("ReconciliationFailed"))
    assert TOKEN not in attacker.sent()
    assert attacker.requests == [], f"the controller reached the tenant's server: {attacker.sent()}"
    message = condition(refused, "Ready")["message"]  # type: ignore[index]
    assert f"users[0].user.{field_name}" in message or f"clusters[0].cluster.{field_name}" in message
    assert str(tmp_path) not in message
    assert str(tls_files.ca_cert.parent) not in message


async def test_insecure_skip_tls_verify_is_honoured_with_the_controller_flag(
    kube: Kube, namespace: str, start_controllers: StartControllers, git_source: MakeSource, attacker: Attacker
) -> None:
    text = yaml.safe_dump(kubeconfig(attacker.url, {"insecure-skip-tls-verify": True}, {"token": "tenant"}))
    await tenant_kustomization(kube, namespace, git_source, text)
    await start_controllers("source", "kustomize", controller_options={"insecure_kubeconfig_tls": True})

    await asyncio.wait_for(attacker.reached.wait(), timeout=60)
    assert attacker.requests[0]["Authorization"] == "Bearer tenant"


async def test_a_kubeconfig_yaml_error_says_where_without_quoting_the_token(
    kube: Kube,
    namespace: str,
    start_controllers: StartControllers,
    git_source: MakeSource,
    controller_log: ControllerLog,
) -> None:
    broken = (
        "apiVersion: v1\nkind: Config\ncurrent-context: remote\nusers:\n- name: tenant\n  user:\n"
        f"    token: {TOKEN}: oops\n"
    )
    source = await tenant_kustomization(kube, namespace, git_source, broken)
    await start_controllers("source", "kustomize")

    refused = await source.until("remote", failing("ReconciliationFailed"))
    message = condition(refused, "Ready")["message"]  # type: ignore[index]
    assert f"Secret '{namespace}/remote'" in message
    assert "key 'value' is not valid YAML: line 7, column " in message
    assert "mapping values are not allowed" in message
    events = await events_until(kube, namespace, lambda found: any(e["type"] == "Warning" for e in found))
    assert any("not valid YAML" in e["message"] for e in events)
    await controller_log.until('"why": "failed"')  # the failed run's scheduling line: the run was logged whole
    assert TOKEN not in repr(refused)
    assert TOKEN not in repr(events)
    assert TOKEN not in "\n".join(controller_log.lines)
