"""Where cosign's signatures live (tags, media types) and reading the manifests and indexes that hold them."""

from __future__ import annotations

import json

import pytest

from reflow.engines.cosign import referrers_tag, signature_tag
from reflow.engines.cosign.layout import (
    Descriptor,
    LayoutError,
    blob_matches,
    index_manifests,
    is_bundle,
    manifest_layers,
)

DIGEST = "sha256:" + "ab" * 32


def test_signature_tag_is_the_digest_with_a_dash_and_the_sig_suffix() -> None:
    assert signature_tag(DIGEST) == "sha256-" + "ab" * 32 + ".sig"


def test_referrers_tag_is_the_digest_with_a_dash() -> None:
    assert referrers_tag(DIGEST) == "sha256-" + "ab" * 32


@pytest.mark.parametrize(
    "digest",
    [
        pytest.param("sha512:" + "ab" * 64, id="other-algorithm"),
        pytest.param("sha256:" + "AB" * 32, id="upper-case"),
        pytest.param("sha256:abc", id="short"),
        pytest.param("sha256:" + "ab" * 32 + "/../x", id="path-in-tag"),
    ],
)
def test_tags_refuse_what_is_not_a_sha256_digest(digest: str) -> None:
    with pytest.raises(LayoutError, match="is not a sha256 digest"):
        signature_tag(digest)


def test_blob_matches_only_its_own_digest() -> None:
    digest = "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
    assert blob_matches(digest, b"hello")
    assert not blob_matches(digest, b"hello!")


def test_manifest_layers_keep_media_type_and_annotations() -> None:
    manifest = {
        "schemaVersion": 2,
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": DIGEST, "size": 2},
        "layers": [
            {
                "mediaType": "application/vnd.dev.cosign.simplesigning.v1+json",
                "digest": DIGEST,
                "size": 200,
                "annotations": {"dev.cosignproject.cosign/signature": "MEU="},
            }
        ],
    }
    assert manifest_layers(json.dumps(manifest).encode()) == (
        Descriptor(
            digest=DIGEST,
            media_type="application/vnd.dev.cosign.simplesigning.v1+json",
            annotations={"dev.cosignproject.cosign/signature": "MEU="},
        ),
    )


def test_index_manifests_keep_the_artifact_type() -> None:
    index = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [
            {
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "digest": DIGEST,
                "size": 700,
                "artifactType": "application/vnd.dev.sigstore.bundle.v0.3+json",
            },
            {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": DIGEST, "artifactType": "x/sbom"},
        ],
    }
    referrers = index_manifests(json.dumps(index).encode())
    assert [is_bundle(referrer) for referrer in referrers] == [True, False]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(b"{", "is not JSON", id="not-json"),
        pytest.param(b"[]", "not a JSON object", id="not-an-object"),
        pytest.param(b"{}", "layers list is missing", id="no-layers"),
        pytest.param(b'{"layers": [{"size": 1}]}', "has no digest", id="layer-without-digest"),
        pytest.param(b'{"layers": [{"digest": "x", "annotations": ["a"]}]}', "not a map", id="bad-annotations"),
    ],
)
def test_manifest_layers_refuse_what_cosign_does_not_write(data: bytes, message: str) -> None:
    with pytest.raises(LayoutError, match=message):
        manifest_layers(data)
