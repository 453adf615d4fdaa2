"""The bench's GitHub push deliveries pass reflow's github Receiver check, and a wrong token fails it."""

from __future__ import annotations

import json

import pytest
from bench.webhook import push_payload, signed_headers

from reflow.engines.receiver.validate import Check, Hook, InvalidHook, validate

BEFORE, AFTER = "a" * 40, "b" * 40


def _body() -> bytes:
    return push_payload(branch="main", before=BEFORE, after=AFTER, clone_url="http://127.0.0.1:1/bench.git")


def test_push_payload_names_the_branch_and_both_commits() -> None:
    payload = json.loads(_body())
    assert (payload["ref"], payload["before"], payload["after"]) == ("refs/heads/main", BEFORE, AFTER)
    assert payload["head_commit"]["id"] == AFTER


def test_signed_push_is_accepted_by_a_github_receiver() -> None:
    body = _body()
    accepted = validate("github", Hook.of(signed_headers(body, "t0ken"), body), Check({"token": b"t0ken"}, ["push"]))
    assert accepted.description == "GitHub event: push"
    assert accepted.payload == body


def test_push_signed_with_another_token_is_refused() -> None:
    body = _body()
    with pytest.raises(InvalidHook):
        validate("github", Hook.of(signed_headers(body, "other"), body), Check({"token": b"t0ken"}, ["push"]))
