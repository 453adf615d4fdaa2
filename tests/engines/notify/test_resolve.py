"""A Provider and its Secrets become a target and transport; the commit status key is Flux's or the CEL one."""

from __future__ import annotations

import pytest

from reflow.api.notification import Provider
from reflow.api.wire import parse_object
from reflow.engines.notify import ProviderError
from reflow.engines.notify.resolve import resolve
from reflow.engines.notify.statuskey import status_key
from tests.engines.notify.events import finished


def provider(**spec: object) -> Provider:
    return parse_object(Provider, {
        "apiVersion": "notification.toolkit.fluxcd.io/v1", "kind": "Provider",
        "metadata": {"name": "p", "namespace": "flux-system", "uid": "0c9c2e41-aaaa"},
        "spec": {"type": "generic", **spec},
    })  # fmt: skip


def test_the_secret_address_overrides_the_spec_and_is_kept_out_of_messages() -> None:
    resolved = resolve(
        provider(address="https://spec.example.com", username="bot", timeout="30s"),
        secret={"address": b"https://hooks.example.com/T/secret-path\n", "token": b"tok", "password": b"pw",
                "headers": b"X-Team: web\nX-Count: 3\n"},
    )  # fmt: skip
    target = resolved.target
    assert (target.address, target.token, target.username, target.password) == (
        "https://hooks.example.com/T/secret-path", "tok", "bot", "pw")  # fmt: skip
    assert target.headers == {"X-Team": "web", "X-Count": "3"}
    assert resolved.transport.timeout == 30.0
    assert set(resolved.secrets) == {"tok", "pw", "https://hooks.example.com/T/secret-path"}
    assert "tok" not in repr(target)


def test_tls_and_proxy_come_from_their_secrets() -> None:
    resolved = resolve(
        provider(address="https://h.example.com"),
        cert={"ca.crt": b"CA", "tls.crt": b"CRT", "tls.key": b"KEY"},
        proxy={"address": b"http://proxy.example.com:3128", "username": b"u", "password": b"p"},
    )
    transport = resolved.transport
    assert (transport.ca_pem, transport.cert_pem, transport.key_pem) == (b"CA", b"CRT", b"KEY")
    assert (transport.proxy, transport.proxy_auth, transport.timeout) == ("http://proxy.example.com:3128", ("u", "p"),
                                                                          15.0)  # fmt: skip
    assert "p" in resolved.secrets


def test_a_commit_status_provider_takes_the_ca_from_its_secret() -> None:
    resolved = resolve(provider(type="github", address="https://github.com/o/r"),
                       secret={"token": b"t", "ca.crt": b"CA"}, commit_status="k")  # fmt: skip
    assert resolved.transport.ca_pem == b"CA"


@pytest.mark.parametrize(
    ("spec", "secrets", "words"),
    [
        pytest.param({}, {}, "has no address", id="no-address"),
        pytest.param({"address": "https://h"}, {"secret": {"headers": b"- a\n- b\n"}}, "map of names", id="headers"),
        pytest.param({"address": "https://h"}, {"proxy": {"username": b"u"}}, "no `address`", id="proxy-no-address"),
        pytest.param({"address": "https://h"}, {"proxy": {"address": b"socks://x"}}, "http(s) URL", id="proxy-scheme"),
        pytest.param({}, {"secret": {"address": b"https://" + b"a" * 2050}}, "maximum length", id="address-too-long"),
    ],
)
def test_bad_provider_secrets_are_clear_errors(spec: dict[str, object], secrets: dict[str, object], words: str) -> None:
    with pytest.raises(ProviderError) as caught:
        resolve(provider(**spec), **secrets)  # type: ignore[arg-type]
    assert words in str(caught.value)


ALERT = {"metadata": {"name": "on-call", "namespace": "flux-system"}}
PROVIDER = {"metadata": {"name": "github", "uid": "0c9c2e41-58c4"}, "spec": {"type": "github"}}


def test_status_key_defaults_to_kind_name_and_provider_uid_prefix() -> None:
    assert status_key(finished(), ALERT, PROVIDER, None) == "kustomization/apps/0c9c2e41"


def test_status_key_from_commit_status_expr_sees_event_alert_and_provider() -> None:
    expression = "event.involvedObject.kind + '/' + event.involvedObject.name + '@' + alert.metadata.name"
    assert status_key(finished(), ALERT, PROVIDER, expression) == "Kustomization/apps@on-call"
    assert status_key(finished(), ALERT, PROVIDER, "event.metadata.summary.lowerAscii()") == "production cluster"


@pytest.mark.parametrize(
    ("expression", "words"),
    [
        pytest.param("event.", "failed to compile", id="syntax"),
        pytest.param("event.involvedObject.missing", "failed to evaluate", id="missing-field"),
        pytest.param("1 + 1", "must yield a string", id="not-a-string"),
    ],
)
def test_a_bad_commit_status_expr_is_a_clear_error(expression: str, words: str) -> None:
    with pytest.raises(ProviderError) as caught:
        status_key(finished(), ALERT, PROVIDER, expression)
    assert words in str(caught.value)
