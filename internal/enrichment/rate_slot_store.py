"""SOURCE_RATE_LIMITS' shared limiter: `source_rate_slots`, the next free request slot of each rate-limited source.

A request reserves its slot in one atomic statement: the slot is the later of the source's next free slot and the
database's clock now, and the next free slot moves one interval (1 / rate) past it. The row lock serialises the
reservations of every worker process, and the times are the database's, so worker clocks do not matter: slots are
at least one interval apart, which puts at most `rate` of them in any half-open second (a GCRA without burst).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import asyncpg


@dataclass(frozen=True, slots=True)
class SlotReservation:
    """A rate-limited source's answer to "when may I send my request?" (internal/enrichment/rate_slot_store.py).

    granted: the slot is this request's; send it in `wait` seconds (0 when the source is idle). Not granted: the
    next free slot is further away than the caller would wait, `wait` seconds from now, and nothing was taken."""

    granted: bool
    wait: float


# $1 source, $2 interval between requests (s), $3 the longest wait the caller accepts (s). clock_timestamp(), not
# now(): now() is when the statement's transaction began, which is earlier than the update by however long it
# waited for the row lock, and a slot in that past would let two requests through closer than the interval.
# A reservation that would wait longer than $3 updates nothing and returns no row: it takes no slot.
_RESERVE: Final = """
INSERT INTO source_rate_slots AS s (source, next_slot)
VALUES ($1, clock_timestamp() + make_interval(secs => $2))
ON CONFLICT (source) DO UPDATE
   SET next_slot = greatest(s.next_slot, clock_timestamp()) + make_interval(secs => $2)
 WHERE greatest(s.next_slot, clock_timestamp()) <= clock_timestamp() + make_interval(secs => $3)
RETURNING extract(epoch FROM s.next_slot - make_interval(secs => $2) - clock_timestamp())::float8
"""
# $1 source: seconds until its next free slot (negative when it is free now).
_NEXT_FREE: Final = (
    "SELECT extract(epoch FROM next_slot - clock_timestamp())::float8 FROM source_rate_slots WHERE source = $1"
)


class RateSlotStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def reserve_slot(self, source: str, interval: float, max_wait: float) -> SlotReservation:
        """Reserve `source`'s next request slot, `interval` seconds after the one before, unless it is more than
        `max_wait` seconds away. Every request to a rate-limited source, retries included, reserves one."""
        wait = await self._pool.fetchval(_RESERVE, source, interval, max_wait)
        if wait is not None:
            return SlotReservation(granted=True, wait=max(0.0, wait))
        # Refused: say how far away the next free slot is (another reservation may have moved it meanwhile).
        ahead = await self._pool.fetchval(_NEXT_FREE, source)
        return SlotReservation(granted=False, wait=max(0.0, ahead or 0.0))
