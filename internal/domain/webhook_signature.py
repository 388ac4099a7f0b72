"""HMAC-SHA256 webhook signatures with a replay window (docs/alerts.md, "Checking the signature").

The signed message is `"<timestamp>.<body>"`: the timestamp (Unix seconds) travels in its own header and is
covered by the signature, so a captured request cannot be replayed outside the window with a new timestamp.
Pure: no clock here, the caller passes `now`.
"""

from __future__ import annotations

import hashlib
import hmac


def sign(secret: bytes, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of `"<timestamp>.<body>"` under `secret`."""
    return hmac.new(secret, str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()


def verify(secret: bytes, timestamp: int, body: bytes, signature: str, now: int, window: int) -> bool:
    """True when `signature` signs this body at this timestamp and the timestamp is within `window` seconds of
    `now` (either side: clocks drift). Compared in constant time."""
    if abs(now - timestamp) > window:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), signature.strip().lower())
