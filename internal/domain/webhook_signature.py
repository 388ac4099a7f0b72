"""Webhook signatures: HMAC-SHA256 over the timestamp and the body, with a replay window. Pure, so that both
directions use it: verifying what a provider pushes to POST /api/v1/reviews (internal/ingest/routes.py) and signing
what we deliver (alerts).

The scheme (docs/sources.md, "Signed webhooks"): the sender puts the Unix time in seconds in
`X-Signature-Timestamp` and `sha256=<hex>` in `X-Signature`, where hex is HMAC-SHA256(secret, timestamp + "." +
body) over the exact bytes of the body. A receiver refuses a signature that does not match, or a timestamp more
than `window` seconds away from its clock (a captured request cannot be replayed later).
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Final

TIMESTAMP_HEADER: Final = "X-Signature-Timestamp"
SIGNATURE_HEADER: Final = "X-Signature"
SCHEME: Final = "sha256="
DEFAULT_WINDOW_SECONDS: Final = 300


def signature(secret: str | bytes, timestamp: int | str, body: bytes) -> str:
    """The X-Signature value for `body` sent at `timestamp`."""
    key = secret.encode() if isinstance(secret, str) else secret
    digest = hmac.new(key, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return SCHEME + digest


def sign(secret: str | bytes, body: bytes, now: float) -> dict[str, str]:
    """The two headers that sign `body` now."""
    timestamp = int(now)
    return {TIMESTAMP_HEADER: str(timestamp), SIGNATURE_HEADER: signature(secret, timestamp, body)}


def verify(
    secret: str | bytes,
    body: bytes,
    timestamp: str | None,
    given: str | None,
    *,
    now: float,
    window: float = DEFAULT_WINDOW_SECONDS,
) -> str | None:
    """None when the signature holds; else why not, in words for the 401."""
    if not timestamp or not given:
        return f"missing {TIMESTAMP_HEADER} or {SIGNATURE_HEADER} header"
    if not timestamp.strip().isdigit():
        return f"{TIMESTAMP_HEADER} must be Unix seconds"
    if abs(now - int(timestamp)) > window:
        return f"{TIMESTAMP_HEADER} is more than {window:g} s from the server's clock (replay window)"
    # compare_digest: the time taken must not tell how much of the signature was right.
    if not hmac.compare_digest(signature(secret, timestamp.strip(), body), given.strip()):
        return "signature does not match the body"
    return None
