"""The content hash that stands in for a review id when a source gives none."""

from __future__ import annotations

import hashlib


def content_id(*parts: str | None) -> str:
    """A stable review id from its content, so re-fetching a page does not store the same review twice.

    The parts are joined by the unit separator (a missing part counts as empty) and hashed as they are: each caller
    chooses which parts identify its reviews and whether to normalise them first. These ids are stored (the
    `reviews` key), so changing this rule would store every review of an existing job a second time.
    """
    joined = "\x1f".join(p or "" for p in parts)
    return "sha256:" + hashlib.sha256(joined.encode()).hexdigest()[:32]
