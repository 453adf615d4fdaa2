"""The work queue deduplicates keys, never hands one key to two workers, and backs off per key."""

from __future__ import annotations

import asyncio

import pytest

from reflow.runtime.queue import Backoff, Lane, ShutDown, WorkQueue


def test_backoff_doubles_from_the_minimum_up_to_the_maximum() -> None:
    delays = Backoff(min_delay=0.75, max_delay=900).delays()
    assert [next(delays) for _ in range(12)] == [0.75, 1.5, 3, 6, 12, 24, 48, 96, 192, 384, 768, 900]


def test_backoff_of_many_failures_stays_at_the_maximum() -> None:
    assert Backoff(min_delay=0.75, max_delay=900).delay(500) == 900


async def test_a_key_added_twice_is_handed_out_once() -> None:
    queue: WorkQueue[str] = WorkQueue()
    queue.add("a")
    queue.add("a")
    queue.add("b")
    assert len(queue) == 2
    assert (await queue.get())[0] == "a"
    assert (await queue.get())[0] == "b"


async def test_a_key_added_while_processing_comes_back_only_after_done() -> None:
    queue: WorkQueue[str] = WorkQueue()
    queue.add("a")
    key, _ = await queue.get()
    queue.add("a")
    assert len(queue) == 0
    queue.done(key)
    assert len(queue) == 1
    assert (await queue.get())[0] == "a"


async def test_the_earlier_of_two_delayed_adds_wins() -> None:
    queue: WorkQueue[str] = WorkQueue()
    queue.add_after("a", 100)
    queue.add_after("a", 0.01)
    delay = queue.pending_delay("a")
    assert delay is not None
    assert delay < 1
    key, _ = await asyncio.wait_for(queue.get(), timeout=5)
    assert key == "a"
    assert queue.pending_delay("a") is None


async def test_rate_limited_adds_back_off_until_forgotten() -> None:
    queue: WorkQueue[str] = WorkQueue(Backoff(min_delay=1, max_delay=8))
    assert [queue.add_rate_limited("a") for _ in range(5)] == [1, 2, 4, 8, 8]
    assert queue.failures("a") == 5
    queue.forget("a")
    assert queue.add_rate_limited("a") == 1
    queue.shut_down()


async def test_shut_down_releases_waiting_workers() -> None:
    queue: WorkQueue[str] = WorkQueue()
    waiting = asyncio.ensure_future(queue.get())
    await asyncio.sleep(0)
    queue.shut_down()
    with pytest.raises(ShutDown):
        await waiting


async def test_a_key_that_failed_waits_in_the_failing_lane_until_it_is_forgotten() -> None:
    queue: WorkQueue[str] = WorkQueue(Backoff(min_delay=0.001, max_delay=0.001))
    queue.add_rate_limited("broken")
    queue.add("healthy")
    assert (await asyncio.wait_for(queue.get(Lane.STEADY), timeout=5))[0] == "healthy"
    key, _ = await asyncio.wait_for(queue.get(Lane.FAILING), timeout=5)
    assert key == "broken"
    queue.done(key)

    queue.forget("broken")
    queue.add("broken")

    assert queue.lane_of("broken") is Lane.STEADY
    assert (await asyncio.wait_for(queue.get(Lane.STEADY), timeout=5))[0] == "broken"


async def test_a_steady_worker_is_not_handed_a_failing_key() -> None:
    queue: WorkQueue[str] = WorkQueue(Backoff(min_delay=0.001, max_delay=0.001))
    queue.add_rate_limited("broken")
    steady = asyncio.create_task(queue.get(Lane.STEADY))
    assert (await asyncio.wait_for(queue.get(Lane.FAILING), timeout=5))[0] == "broken"
    assert not steady.done()

    queue.add("healthy")

    assert (await asyncio.wait_for(steady, timeout=5))[0] == "healthy"


async def test_a_worker_of_either_lane_takes_steady_keys_first() -> None:
    queue: WorkQueue[str] = WorkQueue(Backoff(min_delay=100, max_delay=100))
    queue.add_rate_limited("broken")
    queue.add("broken")  # asked for again before its backoff is over
    queue.add("healthy")

    assert [(await queue.get())[0] for _ in range(2)] == ["healthy", "broken"]
    queue.shut_down()


async def test_a_key_marked_failing_without_backoff_waits_in_the_failing_lane() -> None:
    queue: WorkQueue[str] = WorkQueue()
    queue.mark_failing("retried-at-its-interval")
    queue.add("retried-at-its-interval")

    assert queue.lane_of("retried-at-its-interval") is Lane.FAILING
    assert (await asyncio.wait_for(queue.get(Lane.FAILING), timeout=5))[0] == "retried-at-its-interval"
