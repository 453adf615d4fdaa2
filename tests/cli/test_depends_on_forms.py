"""`--depends-on` forms: Flux's `[namespace/]name` and the cross-kind form of Flux's open design (flux2#5879)."""

from __future__ import annotations

import click
import pytest

from reflow.api.meta import Manifest
from reflow.cli.manifests import dependency_entry as dependency


@pytest.mark.parametrize(
    ("text", "entry"),
    [
        ("base", {"name": "base"}),
        ("infra/base", {"name": "base", "namespace": "infra"}),
        ("helm.toolkit.fluxcd.io/v2/HelmRelease/db", {"apiVersion": "helm.toolkit.fluxcd.io/v2", "kind": "HelmRelease",
                                                     "name": "db"}),
        ("v1/Secret/apps/creds:false", {"apiVersion": "v1", "kind": "Secret", "name": "creds", "namespace": "apps",
                                        "ready": False}),
        ("apps/v1/Deployment/web:true@dep.status.readyReplicas > 1",
         {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "ready": True,
          "readyExpr": "dep.status.readyReplicas > 1"}),
        ("infra/base@dep.status.x == 'a/b:c'",
         {"name": "base", "namespace": "infra", "readyExpr": "dep.status.x == 'a/b:c'"}),
    ],
)  # fmt: skip
def test_each_form_becomes_its_entry(text: str, entry: Manifest) -> None:
    assert dependency(text) == entry


@pytest.mark.parametrize("text", ["", "a/b/c", "base:true", "v1/Secret/", "v1/Secret/a/b/c", "base@"])
def test_a_malformed_entry_is_refused_naming_the_forms(text: str) -> None:
    with pytest.raises(click.BadParameter, match=r"apiVersion/Kind/\[namespace/\]name|needs apiVersion/Kind/"):
        dependency(text)
