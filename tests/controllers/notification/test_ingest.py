"""The event endpoint answers as Flux's: 202 for an event, 400 for a malformed one, 429 for a repeat in the window."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator

import aiohttp
import pytest

from reflow.controllers.notification.ingest import EventIngest
from reflow.engines.notify import Event
from reflow.runtime.servers import serving

EVENT = {
    "involvedObject": {"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization", "name": "apps",
                       "namespace": "flux-system"},
    "severity": "error",
    "timestamp": "2026-10-24T10:00:00Z",
    "message": "kustomization path not found",
    "reason": "BuildFailed",
    "action": "Reconcile",
    "metadata": {"kustomize.toolkit.fluxcd.io/revision": "main@sha1:abc"},
    "reportingController": "kustomize-controller",
}  # fmt: skip


@pytest.fixture
async def endpoint() -> AsyncIterator[tuple[str, list[Event]]]:
    dispatched: list[Event] = []
    ingest = EventIngest(dispatched.append, rate_limit_interval=300)
    async with serving(ingest.app(), "127.0.0.1:0") as port:
        yield f"http://127.0.0.1:{port}/", dispatched


async def post(url: str, body: bytes) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session, session.post(url, data=body) as answer:
        return answer.status, await answer.text()


async def test_an_event_is_accepted_and_its_repeat_in_the_window_is_refused(
    endpoint: tuple[str, list[Event]],
) -> None:
    url, dispatched = endpoint
    body = json.dumps(EVENT).encode()
    assert (await post(url, body))[0] == 202
    assert (await post(url, body))[0] == 429
    newer = {**EVENT, "metadata": {"kustomize.toolkit.fluxcd.io/revision": "main@sha1:def"}}
    assert (await post(url, json.dumps(newer).encode()))[0] == 202
    assert [e.object_meta("revision") for e in dispatched] == ["main@sha1:abc", "main@sha1:def"]


async def test_a_duplicate_is_refused_with_debug_logging_on(
    endpoint: tuple[str, list[Event]], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="reflow.controllers.notification.ingest")
    url, _ = endpoint
    body = json.dumps(EVENT).encode()
    assert (await post(url, body))[0] == 202
    assert (await post(url, body))[0] == 429
    assert "duplicate event discarded" in caplog.text


async def test_a_v1beta1_event_without_action_is_accepted(endpoint: tuple[str, list[Event]]) -> None:
    url, dispatched = endpoint
    old = {key: value for key, value in EVENT.items() if key != "action"}
    assert (await post(url, json.dumps(old).encode()))[0] == 202
    assert dispatched[0].action == ""


@pytest.mark.parametrize(
    ("body", "words"),
    [
        pytest.param(b"not json", "not JSON", id="not-json"),
        pytest.param(json.dumps({**EVENT, "severity": "loud"}).encode(), "severity 'loud'", id="bad-severity"),
        pytest.param(json.dumps({**EVENT, "involvedObject": {}}).encode(), "involvedObject.kind", id="no-object"),
    ],
)
async def test_a_malformed_event_is_refused_with_400_and_not_dispatched(
    endpoint: tuple[str, list[Event]], body: bytes, words: str
) -> None:
    url, dispatched = endpoint
    status, text = await post(url, body)
    assert status == 400
    assert words in text
    assert dispatched == []


async def test_an_event_sent_in_chunks_without_a_length_is_read_whole(endpoint: tuple[str, list[Event]]) -> None:
    url, dispatched = endpoint
    metadata = {f"note-{index}": "x" * 1000 for index in range(200)}
    body = json.dumps({**EVENT, "metadata": {**EVENT["metadata"], **metadata}}).encode()

    async def pieces() -> AsyncIterator[bytes]:
        for start in range(0, len(body), 1000):
            yield body[start : start + 1000]

    async with aiohttp.ClientSession() as session, session.post(url, data=pieces()) as answer:
        assert answer.request_info.headers.get("Transfer-Encoding") == "chunked"
        assert answer.status == 202, await answer.text()
    assert [event.message for event in dispatched] == [EVENT["message"]]


async def test_an_oversized_chunked_body_is_refused_with_413(endpoint: tuple[str, list[Event]]) -> None:
    url, dispatched = endpoint

    async def pieces() -> AsyncIterator[bytes]:
        for _ in range(3000):
            yield b" " * 1000

    async with aiohttp.ClientSession() as session, session.post(url, data=pieces()) as answer:
        assert answer.status == 413
    assert dispatched == []


async def test_an_oversized_body_is_refused_with_413(endpoint: tuple[str, list[Event]]) -> None:
    url, dispatched = endpoint
    assert (await post(url, b" " * (2 << 20)))[0] == 413
    assert dispatched == []


async def test_the_token_counts_for_the_rate_limit_but_is_not_dispatched(endpoint: tuple[str, list[Event]]) -> None:
    url, dispatched = endpoint
    for token in ("t1", "t2"):
        meta = {**EVENT["metadata"], "kustomize.toolkit.fluxcd.io/token": token}  # type: ignore[dict-item]
        assert (await post(url, json.dumps({**EVENT, "metadata": meta}).encode()))[0] == 202
    assert [dict(e.metadata) for e in dispatched] == [{"kustomize.toolkit.fluxcd.io/revision": "main@sha1:abc"}] * 2
