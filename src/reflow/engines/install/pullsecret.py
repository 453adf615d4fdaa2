"""The image pull Secret `--registry-creds` makes for `--image-pull-secret`, as Flux's install and bootstrap do."""

from __future__ import annotations

import base64
import json

from reflow.api.meta import Manifest
from reflow.engines.install.options import InstallOptions, InvalidInstallOptions

DOCKER_CONFIG_JSON = "kubernetes.io/dockerconfigjson"


def image_pull_secret(options: InstallOptions, registry_creds: str) -> Manifest:
    """The `kubernetes.io/dockerconfigjson` Secret named by `options.image_pull_secret`, from `user:password`
    (split at the first colon). Its one entry is keyed by the `--registry` value, as Flux keys it, and holds the
    username, password and their base64 `auth`."""
    if not options.image_pull_secret:
        raise InvalidInstallOptions("--registry-creds requires --image-pull-secret to be set")
    username, colon, password = registry_creds.partition(":")
    if not colon or not username:
        raise InvalidInstallOptions("invalid --registry-creds format, expected 'user:password'")
    auth = base64.b64encode(registry_creds.encode()).decode()
    config = {"auths": {options.registry: {"username": username, "password": password, "auth": auth}}}
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": options.image_pull_secret, "namespace": options.namespace},
        "type": DOCKER_CONFIG_JSON,
        "stringData": {".dockerconfigjson": json.dumps(config)},
    }
