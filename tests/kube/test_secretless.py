"""A kubeConfig ConfigMap's keys become the generic provider's parameters; clouds and unsafe values are refused."""

from __future__ import annotations

import pytest

from reflow.kube.errors import ConfigError
from reflow.kube.secretless import ClusterParameters, cluster_parameters

ADDRESS = "https://remote.example:6443"


def config_map(**data: str) -> dict[str, object]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "remote"}, "data": data}


def test_generic_keys_become_parameters() -> None:
    found = cluster_parameters(
        config_map(provider="generic", address=ADDRESS, **{"ca.crt": "PEM"}, audiences="one\n\n two \n",
                   serviceAccountName="deployer", cluster="ignored-by-generic")
    )  # fmt: skip
    assert found == ClusterParameters(
        address=ADDRESS, ca_data=b"PEM", audiences=("one", "two"), service_account="deployer"
    )


def test_the_audience_is_the_address_as_written_when_none_is_given() -> None:
    found = cluster_parameters(config_map(provider="generic", address="remote.example:6443", serviceAccountName="a"))
    assert found.address == "https://remote.example:6443"
    assert found.audiences == ("remote.example:6443",)
    assert found.ca_data is None


@pytest.mark.parametrize("provider", ["aws", "azure", "gcp"])
def test_cloud_providers_are_not_supported_in_this_build(provider: str) -> None:
    with pytest.raises(ConfigError, match=f"provider '{provider}' .* not supported in this build"):
        cluster_parameters(config_map(provider=provider, cluster="arn:aws:eks:eu-west-1:1:cluster/x"))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param({}, "key 'provider' is not set", id="no-provider"),
        pytest.param({"provider": "vault"}, "provider 'vault' is not one of generic, aws, azure, gcp", id="unknown"),
        pytest.param({"provider": "generic", "serviceAccountName": "a"}, "key 'address' is required", id="no-address"),
        pytest.param({"provider": "generic", "address": "http://remote.example", "serviceAccountName": "a"},
                     "must be an https:// URL", id="plain-http"),
        pytest.param({"provider": "generic", "address": "https://user:pw@remote.example", "serviceAccountName": "a"},
                     "may not hold a user or password", id="userinfo"),
        pytest.param({"provider": "generic", "address": ADDRESS}, "key 'serviceAccountName' is required",
                     id="controller-identity"),
        pytest.param({"provider": "generic", "address": ADDRESS, "serviceAccountName": "../../secrets/x"},
                     "not a valid ServiceAccount name", id="path-traversal"),
        pytest.param({"provider": "generic", "address": ADDRESS, "serviceAccountName": "Deployer"},
                     "not a valid ServiceAccount name", id="upper-case"),
    ],
)  # fmt: skip
def test_unusable_config_maps_are_refused_in_words(data: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        cluster_parameters(config_map(**data))
