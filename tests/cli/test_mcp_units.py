"""`reflow mcp`'s pure parts on the CLI side: which tools are offered, the loopback rule, Secret masking."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from reflow.cli.loopback import loopback
from reflow.cli.mcp import offered
from reflow.engines.build.mask import VALUE_MASK, mask_secret_values
from reflow.mcp.tool import BadArguments
from tests.cli.runner import run_reflow

WRITE = {"reconcile", "suspend", "resume"}


def test_write_tools_are_offered_only_when_allowed() -> None:
    assert WRITE.isdisjoint(tool.name for tool in offered(allow_write=False))
    assert {tool.name for tool in offered(allow_write=True)} >= WRITE
    for tool in offered(allow_write=True):
        schema = tool.schema()
        assert schema["type"] == "object"
        assert schema["additionalProperties"] is False
        assert tool.description
        assert "\n" not in tool.description
        assert all(param["description"] for param in schema["properties"].values())


def test_list_objects_takes_flux_kinds_and_pages_of_fifty() -> None:
    tool = next(tool for tool in offered(allow_write=False) if tool.name == "list_objects")
    assert tool.arguments({"kind": "GitRepository"})["limit"] == 50
    with pytest.raises(BadArguments, match="kind must be one of all, GitRepository"):
        tool.arguments({"kind": "Pod"})


def test_every_secret_value_is_masked_and_the_last_applied_copy_dropped() -> None:
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "s", "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{…}", "a": "b"}},
        "data": {"password": "c2VjcmV0"},
        "stringData": {"token": "secret"},
    }
    masked = mask_secret_values(secret)
    assert masked["data"] == {"password": VALUE_MASK}
    assert masked["stringData"] == {"token": VALUE_MASK}
    assert masked["metadata"]["annotations"] == {"a": "b"}
    assert secret["data"] == {"password": "c2VjcmV0"}
    config = {"apiVersion": "v1", "kind": "ConfigMap", "data": {"k": "v"}}
    assert mask_secret_values(config) is config


def test_only_loopback_addresses_are_served() -> None:
    assert loopback("localhost", "--host") == "127.0.0.1"
    assert loopback("::1", "--host") == "::1"
    for host in ("0.0.0.0", "10.1.2.3", "example.com"):
        with pytest.raises(click.BadParameter):
            loopback(host, "--host")


async def test_mcp_over_http_on_a_public_address_is_refused_with_the_reason() -> None:
    result = await run_reflow("mcp", "--transport", "http", "--host", "0.0.0.0")
    assert result.code == 2
    assert "0.0.0.0 is not a loopback address" in result.stderr


async def test_a_token_file_others_can_read_is_refused_before_serving(tmp_path: Path) -> None:
    token = tmp_path / "token"
    token.write_text("s3cret-token\n")
    token.chmod(0o644)
    result = await run_reflow("mcp", "--transport", "http", "--port", "0", "--token-file", str(token))
    assert result.code == 2
    assert "is open to others (mode 0644)" in result.stderr
    assert "s3cret-token" not in result.stderr + result.stdout
