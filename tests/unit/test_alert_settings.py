"""ALERT_* settings (internal/platform/alert_settings.py)."""

from __future__ import annotations

import pytest

from internal.platform.alert_settings import AlertSettings


def test_defaults_when_unset() -> None:
    assert AlertSettings.from_env({}) == AlertSettings()


def test_reads_durations_numbers_and_fractions() -> None:
    got = AlertSettings.from_env(
        {
            "ALERT_RETRY_INITIAL": "0.5",
            "ALERT_RETRY_MAX": "2m",
            "ALERT_GIVE_UP_AFTER": "1h",
            "ALERT_REQUEST_TIMEOUT": "15",
            "ALERT_RETRY_BACKOFF": "3",
            "ALERT_QUOTES": "5",
        }
    )
    assert (got.retry_initial_seconds, got.retry_max_seconds, got.give_up_after_seconds) == (0.5, 120.0, 3600.0)
    assert (got.request_timeout_seconds, got.retry_backoff, got.quotes) == (15.0, 3.0, 5)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("ALERT_RETRY_INITIAL", "soon"),
        ("ALERT_RETRY_MAX", "0"),
        ("ALERT_RETRY_BACKOFF", "0.5"),
        ("ALERT_QUOTES", "-1"),
        ("ALERT_QUOTES", "many"),
    ],
)
def test_a_bad_value_names_its_variable(name: str, value: str) -> None:
    with pytest.raises(ValueError, match=name):
        AlertSettings.from_env({name: value})
