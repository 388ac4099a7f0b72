"""The shared limiter of SOURCE_RATE_LIMITS (internal/enrichment/rate_slot_store.py, internal/enrichment/limiter.py)
against a real PostgreSQL: reservations from several connection pools, as from several worker processes, come out
one interval apart, one that would wait too long takes nothing, and an HTTP request that reaches the wire past its
slot (or is a redirect) takes another. The whole path through three worker processes and Temporal:
tests/integration/test_rate_limits.py."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta

import httpx
import pytest
import pytest_asyncio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route
from temporalio.exceptions import ApplicationError

from internal.adapters.sources.common import get_json
from internal.app.state import StateManager
from internal.enrichment.limiter import LATE_INTERVALS, MAX_SLOT_WAIT, SourceLimiter, paced_rate
from internal.enrichment.rate_slot_store import RateSlotStore, SlotReservation
from tests.fakes.server import serve_app
from tests.integration.rate_harness import CLOCK_EDGE, max_in_window

PROCESSES = 3


@pytest_asyncio.fixture(loop_scope="session")
async def processes(db_url: str) -> AsyncIterator[list[StateManager]]:
    """One pool each, as each worker process has its own."""
    managers = [await StateManager.connect(db_url, max_size=4) for _ in range(PROCESSES)]
    yield managers
    for m in managers:
        await m.close()


async def test_reservations_from_every_process_are_one_interval_apart(processes: list[StateManager]) -> None:
    interval, per_process = 1.0, 6
    started = time.monotonic()
    slots = await asyncio.gather(
        *(p.rate_slots.reserve_slot("walmart", interval, 60.0) for p in processes for _ in range(per_process))
    )
    took = time.monotonic() - started
    assert all(s.granted for s in slots)
    waits = sorted(s.wait for s in slots)
    # The first goes at once; each later one waits its place in line, one interval after the one before (less the
    # time the reservations themselves took, since each wait counts from its own moment).
    assert waits[0] <= took
    for earlier, later in itertools.pairwise(waits):
        assert later - earlier >= interval - took, waits
    assert waits[-1] >= (len(slots) - 1) * interval - took
    # Another source has slots of its own.
    other = await processes[0].rate_slots.reserve_slot("http", interval, 60.0)
    assert other.granted and other.wait <= took


async def test_a_reservation_too_far_ahead_takes_no_slot(state: StateManager) -> None:
    for _ in range(5):
        await state.rate_slots.reserve_slot("walmart", 1.0, 60.0)
    # The next free slot is about 5 s away: a caller that waits at most 2 s is told so, and books nothing.
    refused = await state.rate_slots.reserve_slot("walmart", 1.0, 2.0)
    assert not refused.granted and 4.0 < refused.wait <= 5.0
    granted = await state.rate_slots.reserve_slot("walmart", 1.0, 60.0)
    assert granted.granted and 4.0 < granted.wait <= 5.0


async def test_the_limiter_holds_requests_from_several_processes_to_the_rate(processes: list[StateManager]) -> None:
    rate, per_process = 20.0, 12  # 36 requests, 1.75 s
    sent: list[float] = []

    async def request(limiter: SourceLimiter) -> None:
        await limiter.wait_turn("walmart")
        sent.append(time.monotonic())

    limiters = [SourceLimiter(p.rate_slots, {"walmart": rate}) for p in processes]
    await asyncio.gather(*(request(limiter) for limiter in limiters for _ in range(per_process)))
    assert len(sent) == PROCESSES * per_process
    assert max_in_window(sent, 1.0) <= rate + CLOCK_EDGE
    # All at once, and still not a burst: the last went about (n - 1) intervals after the first.
    assert max(sent) - min(sent) >= (len(sent) - 1 - CLOCK_EDGE) / rate
    # A source without a limit is not held.
    started = time.monotonic()
    await limiters[0].wait_turn("demo")
    assert time.monotonic() - started < 0.5


class StalledOnce:
    """The real store, but the first reply reaches this process late, as when its event loop was busy elsewhere."""

    def __init__(self, store: RateSlotStore, stall: float) -> None:
        self.store, self.stall, self.replies = store, stall, 0

    async def reserve_slot(self, source: str, interval: float, max_wait: float) -> SlotReservation:
        slot = await self.store.reserve_slot(source, interval, max_wait)
        self.replies += 1
        if self.replies == 1:
            await asyncio.sleep(self.stall)
        return slot


async def test_a_request_too_late_for_its_slot_takes_a_new_one(state: StateManager) -> None:
    rate = 4.0
    interval = 1 / paced_rate(rate)
    stalled = StalledOnce(state.rate_slots, stall=interval)  # twice what LATE_INTERVALS lets through
    assert interval > 1.5 * LATE_INTERVALS * interval
    started = time.monotonic()
    await SourceLimiter(stalled, {"walmart": rate}).wait_turn("walmart")
    # Its first slot passed while it stalled: it went on the next one instead, right after the stall.
    assert stalled.replies == 2
    assert time.monotonic() - started >= interval
    # The missed slot stayed unused: the next request's slot is one interval after the second, not earlier.
    following = await state.rate_slots.reserve_slot("walmart", interval, 60.0)
    assert following.wait > 0.5 * interval


async def test_a_fetch_whose_slot_is_too_far_ahead_is_retried_later(state: StateManager) -> None:
    # A backlog beyond MAX_SLOT_WAIT (something dispatches faster than the limit): rather than outwait its own
    # start-to-close timeout, the fetch fails retryably and asks to come back when the backlog has drained.
    rate = 1.0
    backlog = MAX_SLOT_WAIT.total_seconds() + 10
    for _ in range(int(backlog)):
        await state.rate_slots.reserve_slot("walmart", 1.0 / rate, 3600.0)
    with pytest.raises(ApplicationError) as raised:
        await SourceLimiter(state.rate_slots, {"walmart": rate}).wait_turn("walmart")
    assert raised.value.type == "SlotsTooFarAhead" and not raised.value.non_retryable
    assert raised.value.next_retry_delay is not None
    assert timedelta(seconds=5) <= raised.value.next_retry_delay <= timedelta(seconds=10)


class CountingSlots:
    def __init__(self, store: RateSlotStore) -> None:
        self.store, self.reserved = store, 0

    async def reserve_slot(self, source: str, interval: float, max_wait: float) -> SlotReservation:
        self.reserved += 1
        return await self.store.reserve_slot(source, interval, max_wait)


@pytest.fixture
def vendor() -> Iterator[str]:
    async def page(_: Request) -> Response:
        return JSONResponse({"reviews": []})

    async def moved(_: Request) -> Response:
        return RedirectResponse("/page")

    with serve_app(Starlette(routes=[Route("/page", page), Route("/moved", moved)])) as url:
        yield url


async def _get(url: str) -> None:
    async with httpx.AsyncClient(follow_redirects=True) as client:
        await get_json(client, url, source="walmart", product_id="p")


async def test_a_request_on_time_at_the_wire_keeps_its_slot(state: StateManager, vendor: str) -> None:
    slots = CountingSlots(state.rate_slots)
    await SourceLimiter(slots, {"walmart": 2.0}).wait_turn("walmart")
    await _get(vendor + "/page")  # a new connection, on loopback: well within half an interval (0.26 s)
    assert slots.reserved == 1


async def test_a_request_late_at_the_wire_takes_another_slot(state: StateManager, vendor: str) -> None:
    # Past its slot by the time it is written (a slow new connection, a busy event loop): it waits for a new slot.
    slots = CountingSlots(state.rate_slots)
    interval = 1 / paced_rate(2.0)
    await SourceLimiter(slots, {"walmart": 2.0}).wait_turn("walmart")
    await asyncio.sleep(interval)
    started = time.monotonic()
    await _get(vendor + "/page")
    assert slots.reserved == 2
    # Its new slot is one interval after the missed one, which it had overslept by an interval: no wait left.
    assert time.monotonic() - started < interval


async def test_a_redirect_is_a_request_of_its_own(state: StateManager, vendor: str) -> None:
    slots = CountingSlots(state.rate_slots)
    interval = 1 / paced_rate(2.0)
    await SourceLimiter(slots, {"walmart": 2.0}).wait_turn("walmart")
    started = time.monotonic()
    await _get(vendor + "/moved")
    assert slots.reserved == 2
    assert time.monotonic() - started >= interval * 0.9  # the redirected request waited for the next slot
