"""The findings as the product uses them, without PostgreSQL: recorded by the feedback activity (and reused for the
same reviews), added up by the overview, said in words and in CSV cells."""

from __future__ import annotations

from typing import Any

from internal.adapters.scorers.e5 import E5Scorer
from internal.adapters.scorers.lexical import LexicalScorer
from internal.adapters.scorers.vader import VaderScorer
from internal.domain.attempt import RowAttempt
from internal.domain.models import ProductSentiment, Review, ReviewScore
from internal.domain.options import FeedbackPolicy
from internal.enrichment import contracts
from internal.enrichment.analyze import FeedbackActivities
from internal.enrichment.findings_cells import findings_cells, top_aspects
from internal.enrichment.findings_step import fingerprint, sentence_scorer_of
from internal.enrichment.findings_words import confidence_words
from internal.enrichment.overview import Overview
from tests.fakes.stores import MemoryStores

TEXTS = [
    "The battery life is superb. Shipping was slow and the box was crushed.",
    "Great battery, lasts two days. Love it.",
    "Battery died after a week. Terrible.",
    "Fast shipping and a fair price. Works well.",
    "The price is too high for what you get, but the battery is great.",
    "Solid build quality. The battery could be better.",
]


def feedback(row: int, product_id: str = "p") -> contracts.FeedbackInput:
    return contracts.FeedbackInput(
        job_id="j1",
        row_num=row,
        scorer_chain=["vader"],
        policy=FeedbackPolicy(),
        source="demo",
        row_attempt=RowAttempt(attempt=1, source_exhausted=True),
        final_attempt=True,
        product_id=product_id,
    )


async def scored(state: MemoryStores, row: int, count: int = len(TEXTS)) -> list[Review]:
    vader = VaderScorer()
    reviews = [Review(review_id=f"r{i}", text=t, rating=4.0 if i % 3 else 2.0) for i, t in enumerate(TEXTS[:count])]
    await state.reviews.store_reviews("j1", row, reviews)
    await state.reviews.store_scores("j1", row, await vader.score(reviews))
    return reviews


async def test_a_decided_row_records_verbatim_findings_and_the_same_reviews_reuse_them() -> None:
    state = MemoryStores()
    activities = FeedbackActivities(state, None, {"vader": VaderScorer()})
    reviews = await scored(state, 1)
    await activities.analyze_feedback(feedback(1))
    found = state.findings.rows[("j1", 1)]
    assert state.findings.reused[("j1", 1)] is False
    assert "battery life" in [a["name"] for a in found["aspects"]]
    texts = {r.review_id: r.text for r in reviews}
    quotes = [q for a in found["aspects"] for q in a["quotes"]] + [
        q for q in (found["evidence"]["praise"], found["evidence"]["complaint"]) if q
    ]
    assert quotes and all(texts[q["review_id"]][q["start"] :].startswith(q["text"]) for q in quotes)
    # The row's history point keeps its aspects, without their quotes (migration 0011).
    kept = state.products.published[-1]["aspects"]
    assert [a["name"] for a in kept] == [a["name"] for a in found["aspects"]]
    assert kept[0] == {k: v for k, v in found["aspects"][0].items() if k != "quotes"} and "quotes" not in kept[0]

    # Another row (another job) with the same reviews of the same product: the stored findings, not a recount.
    await scored(state, 2)
    await activities.analyze_feedback(feedback(2))
    assert state.findings.reused[("j1", 2)] is True and state.findings.rows[("j1", 2)] == found
    assert state.products.published[-1]["aspects"] == kept  # the stored findings' aspects, as the first row's
    # One review more: computed anew.
    await scored(state, 3, count=len(TEXTS) - 1)
    await activities.analyze_feedback(feedback(3))
    assert state.findings.reused[("j1", 3)] is False


async def test_a_row_without_verdicts_records_no_findings() -> None:
    state = MemoryStores()
    await FeedbackActivities(state, None, {"vader": VaderScorer()}).analyze_feedback(feedback(1))
    assert state.findings.rows == {}
    assert state.products.published[-1]["aspects"] is None  # its history point keeps none


def test_the_fingerprint_follows_reviews_scorers_and_the_sentence_scorer_not_order() -> None:
    a = [ReviewScore("r1", 0.5, "positive", 0.9, "vader"), ReviewScore("r2", -0.5, "negative", 0.9, "vader")]
    assert fingerprint(a, "vader") == fingerprint(list(reversed(a)), "vader")
    assert fingerprint(a, "vader") != fingerprint(a[:1], "vader")
    assert fingerprint(a, "vader") != fingerprint(a, None)
    escalated = [a[0], ReviewScore("r2", -0.5, "negative", 0.9, "e5")]
    assert fingerprint(a, "vader") != fingerprint(escalated, "vader")


def test_only_cheap_scorers_score_sentences() -> None:
    scorers: dict[str, Any] = {"vader": VaderScorer(), "lexical": LexicalScorer(), "e5": E5Scorer()}
    assert sentence_scorer_of(scorers, "vader") is scorers["vader"]
    assert sentence_scorer_of(scorers, "lexical") is scorers["lexical"]
    assert sentence_scorer_of(scorers, "e5") is None and sentence_scorer_of(scorers, "gemini") is None
    assert -1 <= LexicalScorer().score_sentence("Great battery.") <= 1


def _row(row: int, score: float, label: str, category: str, aspects: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "row_num": row,
        "product_id": f"p{row}",
        "name": None,
        "cells": [f"p{row}", category],
        "status": "succeeded",
        "result": {"score_5": score, "label": label, "meta": {"name": f"Product {row}"}},
        "findings": {"aspects": aspects},
    }


def test_the_overview_adds_up_labels_extremes_and_what_drives_negative_products() -> None:
    battery_bad = {"name": "battery", "mentions": 4, "positive": 1, "negative": 3, "mean_sentiment": -0.4}
    price_good = {"name": "price", "mentions": 2, "positive": 2, "negative": 0, "mean_sentiment": 0.5}
    acc = Overview(column=1)
    acc.add(_row(2, 4.5, "positive", "kitchen", [price_good]))
    acc.add(_row(3, 1.8, "negative", "kitchen", [battery_bad, price_good]))
    acc.add(_row(4, 2.0, "negative", "audio", [battery_bad]))
    acc.add({**_row(5, 4.5, "positive", "audio", []), "status": "duplicate"})  # counted once, by its first row
    acc.add({**_row(6, 0, "positive", "audio", []), "result": {"score_5": None}})  # no score: left out
    total = acc.total.to_dict()
    assert total["products"] == 3 and total["labels"]["negative"] == 2 and total["shares"]["positive"] == 0.3333
    assert [b["row"] for b in total["best"]] == [2, 4, 3] and [b["row"] for b in total["worst"]] == [3, 4, 2]
    assert total["aspects"][0]["name"] == "battery" and total["aspects"][0]["negative_products"] == 2
    assert {v: g.to_dict()["products"] for v, g in acc.groups.items()} == {"kitchen": 2, "audio": 1}


def test_the_confidence_is_said_with_the_rule_that_decided_it() -> None:
    few = ProductSentiment(review_count=3, mean_sentiment=0.5, ci95_low=0.1, ci95_high=0.9, confidence="low")
    assert confidence_words(few).startswith("Low confidence: 3 reviews scored;")
    assert "Fewer than 5 reviews are too few" in confidence_words(few)
    sure = ProductSentiment(
        review_count=40,
        mean_sentiment=0.6,
        ci95_low=0.5,
        ci95_high=0.7,
        confidence="high",
        agreement=0.9,
        rating_count=40,
    )
    words = confidence_words(sure, available=400)
    assert "40 reviews scored of the 400 the source reports" in words and "90% of the 40 rated reviews" in words
    assert confidence_words(ProductSentiment(review_count=0)).startswith("No review could be scored")


def test_the_csv_cells_name_the_top_aspects_with_counts_and_the_quotes() -> None:
    findings = {
        "aspects": [
            {"name": "price", "positive": 2, "negative": 5},
            {"name": "battery", "positive": 7, "negative": 1},
            {"name": "fit", "positive": 0, "negative": 0},
        ],
        "evidence": {
            "label_distribution": {"positive": 7, "negative": 3},
            "praise": {"text": "Love it."},
            "complaint": None,
        },
    }
    assert top_aspects(findings, "positive") == [("battery", 7), ("price", 2)]
    cells = findings_cells(findings, None)
    assert cells["praised_aspects"] == "battery:7; price:2" and cells["complained_aspects"] == "price:5; battery:1"
    assert cells["praise_quote"] == "Love it." and cells["complaint_quote"] is None
    assert (cells["reviews_positive"], cells["reviews_neutral"], cells["reviews_negative"]) == (7, 0, 3)
    assert findings_cells(None, None)["reviews_mixed"] is None
