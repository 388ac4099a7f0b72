"""Review ids made from content are stored keys: the expected values were computed by the two functions this
rule replaced (internal/app/state.py `content_review_id`, internal/adapters/sources/common.py `content_id`), so a
change to the rule that would store existing reviews a second time fails here."""

from __future__ import annotations

from internal.domain.ids import content_id
from internal.enrichment.review_store import content_review_id


def test_state_fallback_id_normalises_whitespace_as_before() -> None:
    assert content_review_id("  Terrible\t product\n") == "sha256:f5a8c0b2a76d8957e091fab88d3529b3"
    assert content_review_id("Terrible product") == content_review_id("  Terrible\t product\n")


def test_source_content_id_joins_parts_unnormalised_as_before() -> None:
    assert content_id("Great", None, "2026-01-01") == "sha256:46f1ccd3f81a8a75d877e6ea82a1b44e"
    # The sources' rule does not normalise: the two rules give different ids for the same text.
    assert content_id("Terrible\t product") == "sha256:a069d81ba93d5dd5069e10488bba29ed"
    assert content_id("Terrible\t product") != content_review_id("Terrible\t product")
