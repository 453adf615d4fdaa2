"""Setter markers: only the marked scalars change, every other byte stays, and the change set is reported."""

from __future__ import annotations

import pytest

from reflow.api.image import ImageRef
from reflow.engines.image.setters import Change, ObjectId, apply_setters, setter_values

SETTERS = setter_values(
    {
        ("flux-system", "podinfo"): ImageRef(name="ghcr.io/stefanprodan/podinfo", tag="5.1.1"),
        ("apps", "web"): ImageRef(name="registry.example/web", tag="1700000300", digest="sha256:" + "a" * 64),
    }
)

DEPLOYMENT = """\
# the web tier
apiVersion: apps/v1
kind: Deployment
metadata:
  name: podinfo   # keep me
  namespace: default
spec:
  template:
    spec:
      containers:
        - name: podinfo
          image: ghcr.io/stefanprodan/podinfo:5.0.0 # {"$imagepolicy": "flux-system:podinfo"}
          args: ["--port", '9898']
"""


def test_marked_image_line_is_the_only_change() -> None:
    result = apply_setters({"deploy.yaml": DEPLOYMENT}, SETTERS)
    (update,) = result.files
    assert update.text == DEPLOYMENT.replace("podinfo:5.0.0", "podinfo:5.1.1")
    deployment = ObjectId(api_version="apps/v1", kind="Deployment", name="podinfo", namespace="default")
    change = Change("ghcr.io/stefanprodan/podinfo:5.0.0", "ghcr.io/stefanprodan/podinfo:5.1.1", "flux-system:podinfo")
    assert result.file_changes() == {"deploy.yaml": {deployment: [change]}}
    assert result.objects() == {deployment: [change]}
    assert result.changes() == [change]


def test_tag_name_and_digest_setters_keep_quoting_and_layout() -> None:
    text = """\
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: web}
spec:
  values:
    image:
      repository: 'registry.example/old'   # {"$imagepolicy": "apps:web:name"}
      tag: "1" # {"$imagepolicy": "apps:web:tag"}
      digest: sha256:00 # {"$imagepolicy": "apps:web:digest"}
      plain: 1690000000 # {"$imagepolicy": "apps:web:tag"}
"""
    (update,) = apply_setters({"hr.yaml": text}, SETTERS).files
    assert update.text == (
        text.replace("'registry.example/old'", "'registry.example/web'")
        .replace('"1"', '"1700000300"')
        .replace("sha256:00", "sha256:" + "a" * 64)
        .replace("plain: 1690000000", 'plain: "1700000300"')
    )


def test_sequence_items_and_multiple_documents_are_rewritten_with_crlf_kept() -> None:
    text = (
        "kind: Kustomization\r\nimages:\r\n"
        '- ghcr.io/stefanprodan/podinfo:1.0.0 # {"$imagepolicy": "flux-system:podinfo"}\r\n'
        "---\r\nkind: ConfigMap\r\nmetadata:\r\n  name: c\r\ndata:\r\n"
        '  tag: \'5.0.0\' # {"$imagepolicy": "flux-system:podinfo:tag"}\r\n'
    )
    result = apply_setters({"k.yaml": text}, SETTERS)
    (update,) = result.files
    assert update.text == text.replace("podinfo:1.0.0", "podinfo:5.1.1").replace("'5.0.0'", "'5.1.1'")
    assert [object_id.kind for object_id in result.objects()] == ["Kustomization", "ConfigMap"]


def test_up_to_date_file_is_not_changed() -> None:
    current = DEPLOYMENT.replace("podinfo:5.0.0", "podinfo:5.1.1")
    assert apply_setters({"deploy.yaml": current}, SETTERS).files == ()


@pytest.mark.parametrize(
    "comment",
    [
        pytest.param('# {"$imagepolicy": "flux-system:podinfo"} and more', id="trailing-text-is-not-json"),
        pytest.param('# {"$imagepolicy": ["flux-system:podinfo"]}', id="non-string-value"),
        pytest.param("# $imagepolicy flux-system:podinfo", id="not-json"),
    ],
)
def test_comments_that_are_not_markers_change_nothing(comment: str) -> None:
    text = f'image: ghcr.io/stefanprodan/podinfo:5.0.0 {comment}\nnote: "$imagepolicy"\n'
    assert apply_setters({"x.yaml": text}, SETTERS).files == ()


def test_marker_naming_an_unknown_policy_is_reported_not_applied() -> None:
    text = 'a: x # {"$imagepolicy": "flux-system:missing"}\nb: y # {"$imagepolicy": "apps:nodigest:digest"}\n'
    result = apply_setters({"x.yaml": text}, SETTERS)
    assert result.files == ()
    assert [str(marker) for marker in result.unresolved] == [
        "x.yaml:1 flux-system:missing",
        "x.yaml:2 apps:nodigest:digest",
    ]


def test_digest_setter_without_a_digest_is_unresolved() -> None:
    values = setter_values({("ns", "p"): ImageRef(name="img", tag="1")})
    result = apply_setters({"x.yaml": 'd: sha256:00 # {"$imagepolicy": "ns:p:digest"}\n'}, values)
    assert (result.files, [m.setter for m in result.unresolved]) == ((), ["ns:p:digest"])


def test_file_that_does_not_parse_is_left_untouched_and_reported() -> None:
    broken = 'image: a:1 # {"$imagepolicy": "flux-system:podinfo"}\n  - : [\n'
    result = apply_setters({"broken.yaml": broken, "deploy.yaml": DEPLOYMENT}, SETTERS)
    assert [update.path for update in result.files] == ["deploy.yaml"]
    assert list(result.unparsable) == ["broken.yaml"]
    assert "line 2" in result.unparsable["broken.yaml"]


def test_keys_and_block_scalars_are_never_rewritten() -> None:
    text = 'script: |\n  echo x # {"$imagepolicy": "flux-system:podinfo"}\n'
    assert apply_setters({"x.yaml": text}, SETTERS).files == ()
