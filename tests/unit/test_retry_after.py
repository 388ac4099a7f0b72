"""The one Retry-After rule (internal/platform/retry_after.py) that review sources, scorers and alert delivery share:
the header's two forms, what is unreadable, and the cap on the wait it sets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from internal.platform.retry_after import (
    MAX_RETRY_AFTER,
    parse_retry_after,
    retry_delay,
    retry_later,
    transient_status,
)

NOW = datetime(2026, 12, 6, 4, 30, 0, tzinfo=UTC)


@pytest.mark.parametrize(("header", "seconds"), [("2", 2.0), (" 7 ", 7.0), ("1.5", 1.5), ("0", 0.0)])
def test_delta_seconds(header: str, seconds: float) -> None:
    assert parse_retry_after(header, now=NOW) == seconds


def test_an_http_date_is_the_time_until_it() -> None:
    assert parse_retry_after("Sun, 06 Dec 2026 04:30:45 GMT", now=NOW) == 45.0
    assert parse_retry_after("Sun, 06 Dec 2026 05:30:00 +0100", now=NOW) == 0.0  # the same instant, another zone
    # The obsolete RFC 850 and asctime forms are HTTP dates too (asctime's is GMT without saying so).
    assert parse_retry_after("Sunday, 06-Dec-26 04:31:00 GMT", now=NOW) == 60.0
    assert parse_retry_after("Sun Dec  6 04:31:00 2026", now=NOW) == 60.0


def test_a_date_in_the_past_and_a_negative_number_mean_no_wait() -> None:
    assert parse_retry_after("Sun, 06 Dec 2026 04:29:00 GMT", now=NOW) == 0.0
    assert parse_retry_after("-5", now=NOW) == 0.0
    assert retry_delay(parse_retry_after("-5", now=NOW)) is None  # the retry policy's own backoff applies


@pytest.mark.parametrize("header", [None, "", "   ", "soon", "2 s", "nan", "inf", "1e999", "Sun, 99 Foo 2026"])
def test_garbage_is_no_retry_after(header: str | None) -> None:
    assert parse_retry_after(header, now=NOW) is None
    assert retry_delay(parse_retry_after(header, now=NOW)) is None


def test_a_huge_wait_is_capped() -> None:
    told = parse_retry_after("86400", now=NOW)
    assert told == 86_400.0  # recorded as the server said it
    assert retry_delay(told) == timedelta(seconds=MAX_RETRY_AFTER)
    far = parse_retry_after("Fri, 31 Dec 2100 23:59:59 GMT", now=NOW)
    assert far is not None and far > MAX_RETRY_AFTER and retry_delay(far) == timedelta(seconds=MAX_RETRY_AFTER)
    assert retry_delay(2.0) == timedelta(seconds=2)


def test_the_retryable_failure_carries_the_delay() -> None:
    err = retry_later("the receiver answered HTTP 503", type="AlertReceiverBusy", retry_after=2.0)
    assert not err.non_retryable and err.type == "AlertReceiverBusy"
    assert err.next_retry_delay == timedelta(seconds=2)
    assert retry_later("busy", type="X", retry_after=None).next_retry_delay is None


@pytest.mark.parametrize(("code", "transient"), [(408, True), (425, True), (429, True), (500, True), (503, True),
                                                   (599, True), (400, False), (401, False), (404, False), (422, False),
                                                   (200, False), (301, False)])  # fmt: skip
def test_which_answers_are_worth_another_try(code: int, transient: bool) -> None:
    assert transient_status(code) is transient
