"""Webhook signatures (internal/domain/webhook_signature.py)."""

from __future__ import annotations

import hashlib
import hmac

from internal.domain.webhook_signature import sign, verify

SECRET, BODY, AT = b"s3cret", b'{"alert_id": "al_1"}', 1_700_000_000


def test_signs_timestamp_dot_body_with_hmac_sha256() -> None:
    expected = hmac.new(SECRET, b"1700000000." + BODY, hashlib.sha256).hexdigest()
    assert sign(SECRET, AT, BODY) == expected


def test_verifies_within_the_window_only() -> None:
    signature = sign(SECRET, AT, BODY)
    assert verify(SECRET, AT, BODY, signature, now=AT + 299, window=300)
    assert verify(SECRET, AT, BODY, signature, now=AT - 10, window=300)
    assert not verify(SECRET, AT, BODY, signature, now=AT + 301, window=300)


def test_refuses_another_body_timestamp_or_secret() -> None:
    signature = sign(SECRET, AT, BODY)
    assert not verify(SECRET, AT, BODY + b" ", signature, now=AT, window=300)
    assert not verify(SECRET, AT + 1, BODY, signature, now=AT, window=300)
    assert not verify(b"other", AT, BODY, signature, now=AT, window=300)
    assert not verify(SECRET, AT, BODY, "not-hex", now=AT, window=300)
