"""Live product sentiment: the workflow's id and signal, its one activity, their inputs and results.

Pure dataclasses, no I/O: the live sentiment workflow imports this module inside the sandbox.
"""

from __future__ import annotations

from dataclasses import dataclass

# Activity and signal names (stable: recorded in workflow histories).
REFRESH_LIVE_SENTIMENT = "refresh_live_sentiment"
DIRTY_SIGNAL = "products_dirty"


def live_workflow_id(task_queue: str) -> str:
    """One live sentiment workflow per task queue (tests run several queues on one server)."""
    return f"live-sentiment-{task_queue}"


@dataclass(frozen=True)
class LiveSentimentInput:
    scorer: str  # the default scorer, which scores every new review once
    batch_products: int = 100  # products refreshed per activity
    idle_poll_seconds: int = 60  # with no signal, look for dirty products this often anyway
    max_refreshes_per_run: int = 500  # then continue as new: a run's history stays small


@dataclass(frozen=True)
class LiveSentimentResult:
    refreshes: int


@dataclass(frozen=True)
class RefreshInput:
    scorer: str
    batch_products: int


@dataclass(frozen=True)
class RefreshResult:
    products: int  # published
    reviews_scored: int
    more: bool  # there may be more dirty products: refresh again at once
