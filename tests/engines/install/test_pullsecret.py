"""The image pull Secret `--registry-creds` makes: a docker config keyed by the `--registry` value."""

from __future__ import annotations

import base64
import json

import pytest

from reflow.engines.install import InstallOptions, InvalidInstallOptions, image_pull_secret


def test_pull_secret_holds_a_docker_config_for_the_registry() -> None:
    options = InstallOptions(registry="registry.example.com/mirror", image_pull_secret="regcred", namespace="gitops")
    secret = image_pull_secret(options, "bot:pa:ss")
    assert secret["type"] == "kubernetes.io/dockerconfigjson"
    assert secret["metadata"] == {"name": "regcred", "namespace": "gitops"}
    config = json.loads(secret["stringData"][".dockerconfigjson"])
    entry = config["auths"]["registry.example.com/mirror"]
    assert (entry["username"], entry["password"]) == ("bot", "pa:ss")
    assert base64.b64decode(entry["auth"]) == b"bot:pa:ss"


@pytest.mark.parametrize(
    ("pull_secret", "creds", "message"),
    [
        pytest.param(None, "bot:x", "--registry-creds requires --image-pull-secret to be set", id="no-secret-name"),
        pytest.param("regcred", "bot", "expected 'user:password'", id="no-colon"),
        pytest.param("regcred", ":x", "expected 'user:password'", id="no-user"),
    ],
)
def test_bad_registry_creds_are_refused(pull_secret: str | None, creds: str, message: str) -> None:
    with pytest.raises(InvalidInstallOptions, match=message):
        image_pull_secret(InstallOptions(image_pull_secret=pull_secret), creds)
