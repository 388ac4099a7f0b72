"""SOURCE_RATE_LIMITS as a ceiling: before each request to a rate-limited source, a fetch reserves the source's next
free slot in PostgreSQL (internal/enrichment/rate_slot_store.py) and waits for it, so requests from every worker
process go out at least one interval apart, the interval a little longer than 1 / rate (docs/sources.md, "Rate limits").

The fetch queue's server-side rate limit (internal/app/worker.py) still dispatches the fetches, at the same pace, so a
fetch finds its slot a second or two away and waits in the queue (free) rather than in the activity. It alone is no
ceiling: an idle queue's token buckets let a burst through at once. This limiter is, whatever the server dispatches.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Mapping
from typing import Protocol

from internal.adapters.sources.common import REQUEST_GATE
from internal.enrichment.beats import heartbeating, transient
from internal.enrichment.policies import FETCH_TIMEOUT_PER_PAGE
from internal.enrichment.rate_slot_store import SlotReservation

log = logging.getLogger(__name__)

# The longest a fetch waits for its slot: half of its page's start-to-close timeout, the other half is the request's.
# Waits stay far below this while the dispatcher keeps pace with the limiter; a longer one means something dispatches
# faster (processes with different SOURCE_RATE_LIMITS, a rate override on the task queue).
MAX_SLOT_WAIT = FETCH_TIMEOUT_PER_PAGE / 2
# Slots one interval apart put at most `rate` requests into any second where they are sent; the limit's +1 is what
# may happen between there and the vendor. Two things spend it:
# - A request that goes out late for its slot would land right before the next slot's. A process wakes up late
#   when its event loop was busy elsewhere (a worker starting a hundred rows' workflows woke up to 0.3 s late), and
#   a request leaves late when it first opens a connection (up to 0.3 s on a loaded machine, a TLS handshake more).
#   So a request may go at most LATE_INTERVALS of an interval after its slot, checked when it wakes up and again
#   as an HTTP source writes it (REQUEST_GATE, after any new connection); later than that its slot is left unused
#   and it takes a new one.
# - The rest of the way to the vendor delays single requests unevenly (the kernel, the network, the vendor's own
#   clock). HEADROOM spaces slots that much wider than 1 / rate, and costs that share of the rate: ten slots
#   at `walmart=8` span 1.16 s, so ten requests reach the vendor within one second only if the first of them took
#   about 0.1 s longer on its way than the tenth, on top of all the lateness allowed above.
LATE_INTERVALS = 0.5
HEADROOM = 0.03
# How many fetches of a source one worker process holds at a time: this many seconds' worth at the pace. A slot left
# unused (a late wake-up) is one the dispatcher does not know of, so over a long busy period the fetches waiting in
# the limiter would grow by one per unused slot, and their waits with them (to heartbeats, then to MAX_SLOT_WAIT).
# Held to this, the rest wait in the task queue, where waiting costs nothing; one worker alone still keeps the pace
# against a vendor that takes up to this long to answer.
HELD_SECONDS = 2.0
# Slots a fetch may miss in a row before it gives up for now (a process too starved to keep any slot).
MAX_MISSED_SLOTS = 10


def paced_rate(rate: float) -> float:
    """What a source limited to `rate` requests per second is sent: its slots' pace and its fetch queue's."""
    return rate / (1 + HEADROOM)


def fetches_held(rate: float) -> int:
    """The fetch worker's concurrency for a source limited to `rate` (HELD_SECONDS)."""
    return max(1, math.ceil(HELD_SECONDS * paced_rate(rate)))


class RateSlots(Protocol):
    """The request slots of rate-limited sources, shared by every worker process (rate_slot_store.py; the rate
    tests wrap it to stall a reply)."""

    async def reserve_slot(self, source: str, interval: float, max_wait: float) -> SlotReservation: ...


class SlotsTooFarAhead(Exception):
    """The source's next free slot is beyond MAX_SLOT_WAIT: the fetch is retried later rather than timed out."""


class SlotsMissed(Exception):
    """This process kept waking up too late for its slots: the fetch is retried later, perhaps on another worker."""


class SourceLimiter:
    def __init__(self, slots: RateSlots, rates: Mapping[str, float]) -> None:
        self._slots = slots
        self._rates = dict(rates)

    async def wait_turn(self, source: str) -> None:
        """Return when this process may send one request to `source` (at once for a source without a limit).
        Cancelled while waiting (the job was cancelled), the slot goes unused: the source only sees fewer requests.

        An HTTP source then checks again as the request goes on the wire (REQUEST_GATE, in this task's context):
        opening a new connection, or a busy event loop, may have taken it past its slot since, and a redirect is a
        request of its own.
        """
        rate = self._rates.get(source)
        if rate is None:
            return
        turn = _Turn(self._slots, source, rate)
        await turn.take()
        REQUEST_GATE.set(turn.on_the_wire)


class _Turn:
    """One request's slot: taken before the request is made, and checked as it goes on the wire."""

    def __init__(self, slots: RateSlots, source: str, rate: float) -> None:
        self._slots, self._source, self._rate = slots, source, rate
        self._interval = 1.0 / paced_rate(rate)
        self._latest = 0.0  # time.monotonic() after which the slot is missed
        self._sent = False

    async def take(self) -> None:
        for _ in range(MAX_MISSED_SLOTS):
            # The slot is `wait` after the database read its clock, which is after `asked`: measured from `asked`,
            # how late this process is never underestimated.
            asked = time.monotonic()
            slot = await self._slots.reserve_slot(self._source, self._interval, MAX_SLOT_WAIT.total_seconds())
            if not slot.granted:
                raise _booked_ahead(self._source, self._rate, slot.wait)
            if slot.wait > 0:
                # Heartbeats only past HEARTBEAT_EVERY, so that a cancel reaches a long wait; a short one sends none.
                await heartbeating(asyncio.sleep(slot.wait))
            self._latest = asked + slot.wait + LATE_INTERVALS * self._interval
            self._sent = False
            if time.monotonic() <= self._latest:
                return
            log.debug("woke up after a %s request slot had passed: leaving it unused, taking another", self._source)
        missed = SlotsMissed(f"this worker was too late for {MAX_MISSED_SLOTS} {self._source} request slots in a row")
        raise transient(missed, None) from missed

    async def on_the_wire(self) -> None:
        if self._sent or time.monotonic() > self._latest:
            log.debug("a %s request reached the wire past its slot or is a second one: taking another", self._source)
            await self.take()
        self._sent = True


def _booked_ahead(source: str, rate: float, wait: float) -> Exception:
    log.warning(
        "%s's next free request slot is %.0f s away (limit %g/s): something dispatches its fetches faster than the "
        "limit; retrying this fetch later",
        source,
        wait,
        rate,
    )
    err = SlotsTooFarAhead(f"{source}'s request slots are booked {wait:.0f} s ahead (limit {rate:g}/s)")
    # Come back once the backlog ahead has drained to within MAX_SLOT_WAIT.
    retry = transient(err, max(1.0, wait - MAX_SLOT_WAIT.total_seconds()))
    retry.__cause__ = err
    return retry
