"""Docker-config Secrets matched to repositories as Kubernetes' keyring does, and registry challenges."""

from __future__ import annotations

import base64
import json

import pytest

from reflow.engines.oci import AuthenticationFailed, Credentials, Repository, credentials_for, docker_config_entries
from reflow.engines.oci.auth import key_matches, parse_challenge


def config(auths: object) -> dict[str, bytes]:
    return {".dockerconfigjson": json.dumps({"auths": auths}).encode()}


def test_auth_field_wins_over_username_and_password() -> None:
    auth = base64.b64encode(b"from-auth:pa:ss").decode()
    entries = docker_config_entries(config({"r.io": {"auth": auth, "username": "u", "password": "p"}}), "ns/s")
    assert [(e.key, e.credentials) for e in entries] == [("r.io", Credentials("from-auth", "pa:ss"))]


def test_username_and_password_without_auth() -> None:
    entries = docker_config_entries(config({"r.io": {"username": "u", "password": "p"}}), "ns/s")
    assert entries[0].credentials == Credentials("u", "p")


def test_legacy_dockercfg_is_read() -> None:
    data = {".dockercfg": json.dumps({"r.io": {"username": "u", "password": "p"}}).encode()}
    assert docker_config_entries(data, "ns/s")[0].credentials == Credentials("u", "p")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param({}, "has neither '.dockerconfigjson' nor '.dockercfg'", id="no-key"),
        pytest.param({".dockerconfigjson": b"{"}, "is not valid JSON", id="bad-json"),
        pytest.param({".dockerconfigjson": b"{}"}, "has no 'auths' object", id="no-auths"),
        pytest.param(config({"r.io": {"auth": "!!!"}}), "is not base64", id="bad-base64"),
        pytest.param(
            config({"r.io": {"auth": base64.b64encode(b"nocolon").decode()}}), "username:password", id="colon"
        ),
    ],
)
def test_unusable_docker_configs_say_what_is_wrong(data: dict[str, bytes], message: str) -> None:
    with pytest.raises(AuthenticationFailed, match=message) as raised:
        docker_config_entries(data, "ns/pull")
    assert "ns/pull" in str(raised.value)


def test_credentials_are_not_in_repr() -> None:
    assert "hunter2" not in repr(Credentials("u", "hunter2"))


@pytest.mark.parametrize(
    ("key", "registry", "path", "matches"),
    [
        pytest.param("r.io", "r.io", "org/app", True, id="host"),
        pytest.param("https://r.io/v1/", "r.io", "org/app", True, id="url-form"),
        pytest.param("r.io:5000", "r.io", "org/app", False, id="port-differs"),
        pytest.param("r.io:5000", "r.io:5000", "org/app", True, id="port-same"),
        pytest.param("*.r.io", "eu.r.io", "app", True, id="glob-label"),
        pytest.param("*.r.io", "r.io", "app", False, id="glob-needs-label"),
        pytest.param("r.io/org", "r.io", "org/app", True, id="path-prefix"),
        pytest.param("r.io/other", "r.io", "org/app", False, id="path-differs"),
        pytest.param("docker.io", "index.docker.io", "library/nginx", True, id="docker-hub-alias"),
        pytest.param("127.0.0.1:5000", "127.0.0.1:5000", "tests/app", True, id="loopback"),
    ],
)
def test_keys_match_registries_as_the_kubernetes_keyring(key: str, registry: str, path: str, matches: bool) -> None:
    assert key_matches(key, Repository(registry, path)) is matches


def test_the_most_specific_key_and_the_first_secret_win() -> None:
    first = docker_config_entries(
        config({"r.io": {"username": "host", "password": "p"}, "r.io/org": {"username": "org", "password": "p"}}), "a"
    )
    second = docker_config_entries(config({"r.io/org/app": {"username": "later", "password": "p"}}), "b")
    found = credentials_for([first, second], Repository("r.io", "org/app"))
    assert found is not None
    assert found.username == "org"
    assert credentials_for([first], Repository("other.io", "org/app")) is None


def test_bearer_challenges_are_parsed() -> None:
    challenge = parse_challenge('Bearer realm="https://auth.r.io/token",service="r.io",scope="repository:a:pull"')
    assert challenge.scheme == "bearer"
    assert challenge.params == {"realm": "https://auth.r.io/token", "service": "r.io", "scope": "repository:a:pull"}
    assert parse_challenge('Basic realm="reflow-tests"').scheme == "basic"
