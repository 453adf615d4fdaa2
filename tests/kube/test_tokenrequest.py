"""TokenRequest against the real plane: the token is for the ServiceAccount and audiences asked for, and is reused
until little of its lifetime is left."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from reflow.kube.client import Kube
from reflow.kube.errors import ConfigError
from reflow.kube.tokenrequest import ServiceAccountToken, TokenSource, request_token


def claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return decoded


async def service_account(kube: Kube, namespace: str, name: str = "deployer") -> None:
    account = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": name, "namespace": namespace}}
    await kube.create(account)


async def test_a_token_is_issued_for_the_service_account_and_audiences(kube: Kube, namespace: str) -> None:
    await service_account(kube, namespace)
    issued = await request_token(kube, namespace, "deployer", ["far-away", "second"])
    found = claims(issued.token)
    assert found["sub"] == f"system:serviceaccount:{namespace}:deployer"
    assert found["aud"] == ["far-away", "second"]
    assert abs(issued.expires.timestamp() - found["exp"]) < 1
    assert issued.token not in repr(issued)


async def test_a_missing_service_account_is_named(kube: Kube, namespace: str) -> None:
    with pytest.raises(ConfigError, match=f"ServiceAccount '{namespace}/ghost' not found"):
        await request_token(kube, namespace, "ghost", ["far-away"])


async def test_the_token_is_reused_while_fresh_and_renewed_near_its_expiry(kube: Kube, namespace: str) -> None:
    await service_account(kube, namespace)
    cached = TokenSource(kube, namespace, "deployer", ["far-away"])
    first = await cached.token()
    assert await cached.token() == first
    # A share above 1 makes every token count as close to expiry: each call asks for a new one.
    renewing = TokenSource(kube, namespace, "deployer", ["far-away"], share=1.5)
    assert await renewing.token() != await renewing.token()


def test_freshness_is_the_share_of_lifetime_left() -> None:
    issued = datetime(2026, 1, 1, tzinfo=UTC)
    token = ServiceAccountToken("t", issued, issued + timedelta(hours=1))
    assert token.fresh(issued + timedelta(minutes=47))
    assert not token.fresh(issued + timedelta(minutes=49))
