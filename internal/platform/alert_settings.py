"""Alert delivery settings (docs/alerts.md), read once from ALERT_* environment variables and passed down.

Kept out of config.py on purpose: alerts are one family, and the worker is the only reader.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from internal.domain.reuse import parse_duration


@dataclass(frozen=True)
class AlertSettings:
    # Delivery retries: the first retry after `retry_initial_seconds`, each next one `retry_backoff` times later,
    # never more than `retry_max_seconds` apart, until `give_up_after_seconds` after the first attempt. With the
    # defaults a receiver down for ten minutes hears again within a minute of coming back.
    retry_initial_seconds: float = 1.0
    retry_backoff: float = 2.0
    retry_max_seconds: float = 60.0
    give_up_after_seconds: float = 24 * 3600.0
    # One POST's budget (connect + answer); a receiver slower than this counts as down for that attempt.
    request_timeout_seconds: float = 10.0
    # How many of the new reviews a sentiment_drop alert quotes, and how much of each.
    quotes: int = 3
    quote_chars: int = 280

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> AlertSettings:
        """ALERT_RETRY_INITIAL, ALERT_RETRY_MAX, ALERT_GIVE_UP_AFTER, ALERT_REQUEST_TIMEOUT (durations: `90s`, `10m`,
        `24h` or seconds), ALERT_RETRY_BACKOFF (a factor ≥ 1), ALERT_QUOTES (a count). Unset: the defaults."""
        env = os.environ if env is None else env
        base = cls()

        def seconds(name: str, default: float) -> float:
            raw = env.get(name, "").strip()
            if not raw:
                return default
            try:
                value = float(parse_duration(raw)) if not _is_float(raw) else float(raw)
            except ValueError as err:
                raise ValueError(f"{name}: {err}") from None
            if value <= 0:
                raise ValueError(f"{name}: must be more than 0")
            return value

        try:
            backoff = float(env.get("ALERT_RETRY_BACKOFF") or base.retry_backoff)
        except ValueError:
            raise ValueError("ALERT_RETRY_BACKOFF: not a number") from None
        if backoff < 1:
            raise ValueError("ALERT_RETRY_BACKOFF: must be at least 1")
        try:
            quotes = int(env.get("ALERT_QUOTES") or base.quotes)
        except ValueError:
            raise ValueError("ALERT_QUOTES: not a whole number") from None
        if quotes < 0:
            raise ValueError("ALERT_QUOTES: cannot be negative")
        return cls(
            retry_initial_seconds=seconds("ALERT_RETRY_INITIAL", base.retry_initial_seconds),
            retry_backoff=backoff,
            retry_max_seconds=seconds("ALERT_RETRY_MAX", base.retry_max_seconds),
            give_up_after_seconds=seconds("ALERT_GIVE_UP_AFTER", base.give_up_after_seconds),
            request_timeout_seconds=seconds("ALERT_REQUEST_TIMEOUT", base.request_timeout_seconds),
            quotes=quotes,
        )


def _is_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
