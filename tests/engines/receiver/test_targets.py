"""A Receiver's resource entries resolve to API version, namespace and name or labels; CEL filters pick objects."""

from __future__ import annotations

import pytest

from reflow.api.notification import ReceiverResource, ReceiverSpec
from reflow.engines.receiver.targets import (
    InvalidFilter,
    InvalidTarget,
    check_filters,
    compile_filter,
    request_json,
    target,
)


def resource(kind: str = "GitRepository", name: str = "app", **fields: object) -> ReceiverResource:
    return ReceiverResource(kind=kind, name=name, **fields)  # type: ignore[arg-type]


def test_a_named_source_gets_its_default_api_version_and_the_receivers_namespace() -> None:
    chosen = target(resource(), "team")
    assert (chosen.api_version, chosen.kind, chosen.namespace, chosen.name) == (
        "source.toolkit.fluxcd.io/v1", "GitRepository", "team", "app",
    )  # fmt: skip


def test_a_wildcard_selects_by_labels() -> None:
    chosen = target(resource(name="*", match_labels={"tier": "web", "app": "x"}), "team")
    assert chosen.name is None
    assert chosen.label_selector == "app=x,tier=web"


@pytest.mark.parametrize(
    ("entry", "no_cross", "words"),
    [
        pytest.param(resource(kind="Kustomization"), False, "apiVersion must be specified", id="no-default-version"),
        pytest.param(resource(name="*"), False, "matchLabels field not set", id="wildcard-without-labels"),
        pytest.param(resource(namespace="other"), True, "cross-namespace references are not allowed", id="cross-ns"),
    ],
)
def test_an_entry_that_cannot_be_resolved_says_why(entry: ReceiverResource, no_cross: bool, words: str) -> None:
    with pytest.raises(InvalidTarget, match=words):
        target(entry, "team", no_cross_namespace_refs=no_cross)


def test_another_namespace_is_allowed_without_the_flag() -> None:
    assert target(resource(namespace="other", api_version="source.toolkit.fluxcd.io/v1"), "team").namespace == "other"


def test_filters_stack_the_receivers_and_the_entrys() -> None:
    shared = (compile_filter("req.ref == 'refs/heads/main'"),)
    chosen = target(resource(name="*", match_labels={"a": "b"}, filter="res.metadata.name.startsWith('web')"),
                    "team", shared=shared)  # fmt: skip
    web = {"metadata": {"name": "web-1"}}
    assert chosen.accepts(web, {"ref": "refs/heads/main"})
    assert not chosen.accepts(web, {"ref": "refs/heads/dev"})
    assert not chosen.accepts({"metadata": {"name": "db"}}, {"ref": "refs/heads/main"})


@pytest.mark.parametrize(
    ("expression", "words"),
    [pytest.param("res.metadata.name ==", "failed to parse", id="syntax"),
     pytest.param("'a' + 'b'", "expected bool, got string", id="not-bool")],
)  # fmt: skip
def test_a_filter_that_is_not_a_bool_expression_is_refused(expression: str, words: str) -> None:
    with pytest.raises(InvalidFilter, match=words):
        compile_filter(expression)


def test_check_filters_names_the_entry_with_the_bad_filter() -> None:
    spec = ReceiverSpec(type="generic", resources=(resource(), resource(name="b", filter="1 +")))
    with pytest.raises(InvalidFilter, match=r"resources\[1\] \(kind='GitRepository', name='b'\)"):
        check_filters(spec)


@pytest.mark.parametrize(
    ("content_type", "body", "expected"),
    [
        pytest.param("application/json; charset=utf-8", b'{"a": 1}', {"a": 1}, id="json"),
        pytest.param("text/plain", b'{"a": 1}', {}, id="not-json-content"),
    ],
)
def test_the_request_body_is_the_filters_req_only_when_it_is_json(
    content_type: str, body: bytes, expected: dict[str, object]
) -> None:
    assert request_json(content_type, body) == expected


def test_a_json_request_that_does_not_decode_is_refused() -> None:
    with pytest.raises(InvalidFilter, match="failed to parse request body as JSON"):
        request_json("application/json", b"{")
