"""Replaying dead letters: each is validated again with the rules and source mappings of the moment, and what now
passes is moved into storage — a pushed one as if pushed again (idempotent by source + review id), a pulled one
among its product's kept reviews — and marked moved in the same transaction, so it is moved exactly once. What
still fails keeps its place, with the reason the current rules give it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from internal.domain.models import RejectedReview, Review
from internal.domain.review_validation import NOT_AN_OBJECT, Rejection, validate_review
from internal.ingest.store import AlreadyMoved, IngestStore
from internal.ledger.dead_letters import DeadLetter, DeadLetterFilter, DeadLetterStore

MAX_REPLAY = 1000


@dataclass
class ReplayOutcome:
    examined: int = 0
    stored: int = 0
    duplicates: int = 0
    still_invalid: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[dict[str, Any]] = field(default_factory=list)


def _recheck_pulled(letter: DeadLetter, sources: Mapping[str, Any]) -> Review | Rejection | str:
    """The pulled review mapped again by its source, the reason it still fails, or why it cannot be checked."""
    source = sources.get(letter.source)
    if source is None or not hasattr(source, "review"):
        return f"source {letter.source!r} is not configured in this API process (REVIEW_SOURCE)"
    try:
        outcome = source.review(letter.product_id or "", letter.payload)
    except Exception as err:  # the mapping cannot read it at all
        return Rejection(NOT_AN_OBJECT, f"{type(err).__name__}: {err}")
    if isinstance(outcome, RejectedReview):
        return Rejection(outcome.reason, outcome.message)
    assert isinstance(outcome, Review)
    return outcome


async def replay(
    store: IngestStore,
    dead_letters: DeadLetterStore,
    where: DeadLetterFilter,
    *,
    limit: int,
    max_text_chars: int,
    sources: Mapping[str, Any],
) -> ReplayOutcome:
    done = ReplayOutcome()
    for letter in await dead_letters.list(where, limit=min(limit, MAX_REPLAY), replayed=False):
        done.examined += 1
        checked: Any
        if letter.origin == "push":
            checked = validate_review(letter.payload, max_text_chars=max_text_chars)
        else:
            checked = _recheck_pulled(letter, sources)
        if isinstance(checked, str):
            done.skipped.append({"dead_letter_id": letter.dead_letter_id, "why": checked})
            continue
        if isinstance(checked, Rejection):
            await dead_letters.recheck(letter.dead_letter_id, checked.reason, checked.message)
            done.still_invalid.append(
                {"dead_letter_id": letter.dead_letter_id, "reason": checked.reason, "message": checked.message}
            )
            continue
        try:
            if isinstance(checked, Review):
                outcome = await store.replay_pulled(
                    letter.dead_letter_id, letter.source, letter.product_id or "", checked
                )
            else:
                outcome = await store.replay_pushed(letter.dead_letter_id, letter.source, checked)
        except AlreadyMoved:
            continue
        if outcome == "stored":
            done.stored += 1
        else:
            done.duplicates += 1
    return done
