"""A kubeconfig from a Secret gives inline credentials only: file paths, plugins and insecure TLS are refused."""

from __future__ import annotations

import base64
import ssl
from pathlib import Path
from typing import Any

import pytest
import yaml

from reflow.kube.errors import ConfigError
from reflow.kube.remote import RemoteCluster, kubeconfig_from_secret, remote_cluster, ssl_context, yaml_problem
from tests.gitservers import make_tls

TOKEN = "s3cr3t-t0ken-value-that-must-not-leak"


def b64(data: str | bytes) -> str:
    return base64.b64encode(data.encode() if isinstance(data, str) else data).decode()


def kubeconfig(cluster: dict[str, Any] | None = None, user: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "current-context": "far",
        "contexts": [{"name": "other", "context": {"cluster": "x"}},
                     {"name": "far", "context": {"cluster": "far", "user": "far"}}],
        "clusters": [{"name": "far", "cluster": {"server": "https://127.0.0.1:6443", **(cluster or {})}}],
        "users": [{"name": "far", "user": user or {}}],
    }  # fmt: skip


def test_inline_server_ca_and_token_are_taken() -> None:
    config = kubeconfig({"certificate-authority-data": b64("PEM"), "proxy-url": "http://proxy:3128"}, {"token": TOKEN})
    assert remote_cluster(config) == RemoteCluster(
        server="https://127.0.0.1:6443", ca_data=b"PEM", authorization=f"Bearer {TOKEN}"
    )
    assert TOKEN not in repr(remote_cluster(config))


def test_basic_auth_becomes_a_basic_authorization_header() -> None:
    found = remote_cluster(kubeconfig(user={"username": "admin", "password": "pw"}))
    assert found.authorization == f"Basic {b64('admin:pw')}"


@pytest.mark.parametrize(
    ("cluster", "user", "field"),
    [
        pytest.param({}, {"tokenFile": "/var/run/secrets/kubernetes.io/serviceaccount/token"},
                     "users[0].user.tokenFile", id="token-file"),
        pytest.param({}, {"token": TOKEN, "tokenFile": "/etc/token"}, "users[0].user.tokenFile",
                     id="token-file-beside-a-token"),
        pytest.param({"certificate-authority": "/etc/ca.crt"}, {}, "clusters[0].cluster.certificate-authority",
                     id="ca-file"),
        pytest.param({}, {"client-certificate": "/etc/tls.crt", "client-key-data": b64("KEY")},
                     "users[0].user.client-certificate", id="client-certificate-file"),
        pytest.param({}, {"client-certificate-data": b64("CERT"), "client-key": "/etc/tls.key"},
                     "users[0].user.client-key", id="client-key-file"),
        pytest.param({}, {"exec": {"command": "/bin/sh", "args": ["-c", "cat /etc/shadow"]}},
                     "users[0].user.exec", id="exec-plugin"),
        pytest.param({}, {"auth-provider": {"name": "oidc"}}, "users[0].user.auth-provider", id="auth-provider"),
        pytest.param({"insecure-skip-tls-verify": True}, {"token": TOKEN},
                     "clusters[0].cluster.insecure-skip-tls-verify", id="insecure-tls-without-the-flag"),
    ],
)  # fmt: skip
def test_fields_that_reach_the_controllers_disk_or_programs_are_refused_by_name(
    cluster: dict[str, Any], user: dict[str, Any], field: str
) -> None:
    with pytest.raises(ConfigError) as refused:
        remote_cluster(kubeconfig(cluster, user))
    message = str(refused.value)
    assert field in message
    assert "/etc" not in message
    assert "/var/run" not in message
    assert TOKEN not in message


def test_insecure_tls_is_honoured_with_the_controller_flag() -> None:
    found = remote_cluster(kubeconfig({"insecure-skip-tls-verify": True}), insecure_tls=True)
    assert found.insecure
    context = ssl_context(found)
    assert context.verify_mode == ssl.CERT_NONE
    assert not context.check_hostname


@pytest.mark.parametrize(
    ("config", "words"),
    [
        pytest.param({**kubeconfig(), "current-context": ""}, "current-context is not set", id="no-context"),
        pytest.param({**kubeconfig(), "current-context": "nowhere"}, "contexts has no entry", id="unknown-context"),
        pytest.param(kubeconfig({"server": "file:///etc/passwd"}), "https://", id="not-http"),
        pytest.param(kubeconfig({"server": f"https://admin:{TOKEN}@example.com"}), "may not hold a user",
                     id="password-in-url"),
        pytest.param(kubeconfig(user={"token": TOKEN, "username": "u"}), "not both", id="token-and-basic"),
        pytest.param(kubeconfig(user={"token": f"{TOKEN}\r\nX-Evil: 1"}), "single line", id="header-injection"),
        pytest.param(kubeconfig({"certificate-authority-data": f"{TOKEN}!"}), "not valid base64", id="bad-base64"),
        pytest.param(kubeconfig(user={"client-key-data": b64("KEY")}), "go together", id="key-without-cert"),
    ],
)  # fmt: skip
def test_broken_kubeconfigs_are_explained_without_their_values(config: dict[str, Any], words: str) -> None:
    with pytest.raises(ConfigError) as refused:
        remote_cluster(config)
    assert words in str(refused.value)
    assert TOKEN not in str(refused.value)


def test_the_tls_context_is_built_from_inline_ca_and_client_certificate(tmp_path: Path) -> None:
    tls = make_tls(tmp_path)
    cluster = remote_cluster(
        kubeconfig(
            {"certificate-authority-data": b64(tls.ca_cert.read_bytes())},
            {"client-certificate-data": b64(tls.server_cert.read_bytes()),
             "client-key-data": b64(tls.server_key.read_bytes())},
        )
    )  # fmt: skip
    context = ssl_context(cluster)
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname
    assert [cert["subject"] for cert in context.get_ca_certs()] == [((("commonName", "reflow test CA"),),)]


def test_a_certificate_that_is_not_pem_is_refused() -> None:
    with pytest.raises(ConfigError, match="certificate-authority-data"):
        ssl_context(RemoteCluster(server="https://x", ca_data=b"not a certificate"))


BROKEN_YAML = [
    pytest.param(f"users:\n- name: far\n  user:\n    token: {TOKEN}: more\n", 4, id="mapping-in-a-value"),
    pytest.param(f'users:\n- name: far\n  user:\n    token: "{TOKEN}\n', 5, id="unclosed-quote"),
    pytest.param(f"users:\n- name: far\n  user:\n    token: *{TOKEN}\n", 4, id="unknown-alias"),
    pytest.param(f"users:\n- name: far\n  user:\n    token: !{TOKEN} x\n", 4, id="unknown-tag"),
    pytest.param(f"users:\n- name: far\n  user:\n\ttoken: {TOKEN}\n", 4, id="tab-indent"),
]


@pytest.mark.parametrize(("text", "line"), BROKEN_YAML)
def test_a_yaml_error_says_where_without_quoting_the_line(text: str, line: int) -> None:
    with pytest.raises(yaml.YAMLError) as raised:
        yaml.safe_load(text)
    problem = yaml_problem(raised.value)
    assert f"line {line}," in problem
    assert TOKEN[:8] not in problem


def test_a_secret_with_broken_yaml_names_the_key_and_the_line() -> None:
    secret = {"data": {"value": b64(f"users:\n- user:\n    token: {TOKEN}: x\n")}}
    with pytest.raises(ConfigError) as refused:
        kubeconfig_from_secret(secret, None)
    assert str(refused.value).startswith("key 'value' is not valid YAML: line 3, column ")
    assert TOKEN not in str(refused.value)
    assert refused.value.__cause__ is None
    assert refused.value.__suppress_context__


@pytest.mark.parametrize(
    ("data", "key", "found"),
    [
        pytest.param({"value.yaml": b64("kind: Config\n")}, None, "value.yaml", id="value-yaml-when-no-value"),
        pytest.param({"value": b64("a: 1"), "value.yaml": b64("b: 2")}, None, "value", id="value-first"),
        pytest.param({"value": b64("a: 1"), "mine": b64("c: 3")}, "mine", "mine", id="named-key"),
    ],
)
def test_the_kubeconfig_key_is_the_named_one_else_value_then_value_yaml(
    data: dict[str, str], key: str | None, found: str
) -> None:
    assert kubeconfig_from_secret({"data": data}, key)[0] == found


def test_a_secret_without_the_key_says_which_keys_were_looked_for() -> None:
    with pytest.raises(ConfigError, match=r"no key 'value or value\.yaml'"):
        kubeconfig_from_secret({"data": {"other": b64("a: 1")}}, None)
