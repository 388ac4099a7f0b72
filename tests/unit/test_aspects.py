"""Aspects and evidence (internal/domain/aspects.py, evidence.py): detection quality on the labelled set, verbatim
quotes, determinism, normalisation across products, the interval, and representative rather than extreme quotes."""

from __future__ import annotations

import json
import random
import statistics

import pytest
from temporalio.converter import DataConverter
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from bench.aspects_bench import detection, load_labelled
from internal.adapters.scorers.vader import VaderScorer
from internal.adapters.sources.demo import DemoSource
from internal.domain.aggregate import mean_interval
from internal.domain.aspect_vocabulary import ASPECTS
from internal.domain.aspects import Aspect
from internal.domain.findings import Findings, analyse
from internal.domain.models import Label, Review, ReviewScore
from internal.domain.quotes import Quote

_WEIGHTS = {"love": 0.8, "great": 0.7, "good": 0.5, "fine": 0.2, "dies": -0.6, "bad": -0.6, "awful": -0.9}


def _lexicon(text: str) -> float:
    """A scorer whose every value can be worked out by hand: the sum of a few word weights, clipped."""
    total = sum(_WEIGHTS.get(w.strip(".,!;").lower(), 0.0) for w in text.split())
    return max(-1.0, min(1.0, total))


def _product(texts: list[tuple[str, float]], prefix: str = "r") -> tuple[list[Review], list[ReviewScore]]:
    reviews = [
        Review(review_id=f"{prefix}{i:03d}", text=t, rating=stars, date=f"2026-01-{1 + i % 28:02d}")
        for i, (t, stars) in enumerate(texts)
    ]
    scores = []
    for r in reviews:
        value = _lexicon(r.text)
        label: Label = "positive" if value >= 0.05 else "negative" if value <= -0.05 else "neutral"
        scores.append(ReviewScore(review_id=r.review_id, sentiment=value, label=label, confidence=0.8, scorer="t"))
    return reviews, scores


def _by_name(aspects: list[Aspect]) -> dict[str, Aspect]:
    return {a.name: a for a in aspects}


def test_detection_precision_and_recall_on_the_labelled_set() -> None:
    rows = load_labelled()
    assert len(rows) >= 150
    assert {a for r in rows for a in r.aspects} <= set(ASPECTS)  # labels use the canonical names only
    result = detection(rows)
    assert result.precision >= 0.8 and result.recall >= 0.6, result


async def _demo_products() -> list[list[Review]]:
    source, products = DemoSource(), []
    for product in ["pos-a", "neg-a", "mixed-a", "many-a", *(f"q-{i}" for i in range(12))]:
        reviews, cursor = [], None
        while True:
            page = await source.fetch_page(product, cursor)
            reviews += page.reviews
            if (cursor := page.next_cursor) is None:
                break
        products.append(reviews)
    return products


async def test_every_quote_is_verbatim_with_its_review_id_rating_and_date() -> None:
    vader, polarity = VaderScorer(), SentimentIntensityAnalyzer().polarity_scores
    quotes = 0
    for reviews in await _demo_products():
        findings = analyse(reviews, await vader.score(reviews), lambda t: float(polarity(t)["compound"]))
        sides = (findings.evidence.praise, findings.evidence.complaint)
        every = [q for a in findings.aspects for q in a.quotes] + [q for q in sides if q]
        by_id = {r.review_id: r for r in reviews}
        for q in every:
            review = by_id[q.review_id]
            assert review.text[q.start : q.start + len(q.text)] == q.text and q.text.strip() == q.text
            assert (q.rating, q.date) == (review.rating, review.date)
        quotes += len(every)
    assert quotes > 50


def test_same_reviews_in_any_order_give_the_same_findings() -> None:
    reviews, scores = _product(
        [
            ("Great price and the battery is good.", 5),
            ("Awful battery, dies by noon. Shipping was fine.", 1),
            ("Love the design but the battery dies fast.", 3),
            ("Great value for money.", 5),
            ("The zipper is bad.", 2),
            ("Good zipper, fine shipping.", 4),
        ]
    )
    first = analyse(reviews, scores, _lexicon).to_dict()
    rng = random.Random(7)
    for _ in range(5):
        shuffled_reviews, shuffled_scores = reviews[:], scores[:]
        rng.shuffle(shuffled_reviews)
        rng.shuffle(shuffled_scores)
        again = analyse(shuffled_reviews, shuffled_scores, _lexicon).to_dict()
        assert json.dumps(again, sort_keys=False) == json.dumps(first, sort_keys=False)


def test_aspect_names_are_the_same_across_products_whatever_words_they_use() -> None:
    a = analyse(*_product([("Too expensive for what it is.", 2), ("Costs a fortune.", 2)], "a"), _lexicon)
    b = analyse(*_product([("Great value for money.", 5), ("Affordable and good.", 5)], "b"), _lexicon)
    c = analyse(*_product([("Worth every penny.", 5), ("Cheaper than the others.", 4)], "c"), _lexicon)
    for findings in (a, b, c):
        assert _by_name(findings.aspects)["price"].mentions == 2
    # A noun the vocabulary does not know is named by its singular, so "zippers" and "zipper" meet across products.
    plural = [(f"The zippers are bad, version {i}.", 2.0) for i in range(3)]
    singular = [(f"My zipper is good, take {i}.", 4.0) for i in range(3)]
    names_p = {x.name: x.kind for x in analyse(*_product(plural, "p"), _lexicon).aspects}
    names_s = {x.name: x.kind for x in analyse(*_product(singular, "s"), _lexicon).aspects}
    assert names_p["zipper"] == names_s["zipper"] == "phrase"


def test_aspect_interval_is_the_product_interval_over_mentioning_reviews() -> None:
    texts = [("Great battery.", 5.0), ("Good battery.", 4.0), ("Bad battery.", 2.0), ("Fine battery.", 3.0)]
    texts += [("Love it.", 5.0)] * 3  # no aspect: counted in M, not in N
    findings = analyse(*_product(texts), _lexicon)
    battery = _by_name(findings.aspects)["battery life"]
    values = [0.7, 0.5, -0.6, 0.2]
    assert (battery.mentions, battery.reviews) == (4, 7)
    assert battery.mean_sentiment == pytest.approx(statistics.fmean(values))
    assert (battery.ci95_low, battery.ci95_high) == mean_interval(values)
    assert battery.ci95_low is not None and battery.ci95_high is not None
    assert -1.0 <= battery.ci95_low < battery.mean_sentiment < battery.ci95_high <= 1.0
    assert (battery.positive, battery.neutral, battery.negative) == (3, 0, 1)
    # One mention has a mean but no interval, as one review has for the product score.
    lone = _by_name(analyse(*_product([("Great battery.", 5.0), ("Love it.", 5.0)]), _lexicon).aspects)
    assert lone["battery life"].ci95_low is None and lone["battery life"].ci95_high is None


def test_a_sentence_that_turns_scores_each_aspect_on_its_own_clause() -> None:
    findings = analyse(*_product([("Love the design but the battery dies by noon.", 3.0)]), _lexicon)
    aspects = _by_name(findings.aspects)
    assert aspects["appearance"].mean_sentiment == pytest.approx(0.8)
    assert aspects["battery life"].mean_sentiment == pytest.approx(-0.6)
    # Both quote the whole sentence, verbatim, each with what it says about that aspect.
    assert aspects["battery life"].quotes[0].text == "Love the design but the battery dies by noon."
    assert aspects["battery life"].quotes[0].sentiment == pytest.approx(-0.6)


def test_the_quote_is_the_typical_sentence_not_the_most_extreme() -> None:
    texts = [(f"Good battery, lasts a day, review {i}.", 4.0) for i in range(6)]
    texts.append(("Love love great great battery!!!", 5.0))
    findings = analyse(*_product(texts), _lexicon)
    quotes = _by_name(findings.aspects)["battery life"].quotes
    assert quotes[0].text.startswith("Good battery, lasts a day")
    assert findings.evidence.praise is not None and findings.evidence.praise.text.startswith("Good battery")
    assert findings.evidence.praise_reviews == 7


def test_a_divided_aspect_quotes_both_sides() -> None:
    texts = [(f"Great price, deal {i}.", 5.0) for i in range(4)] + [(f"Bad price, try {i}.", 1.0) for i in range(3)]
    quotes = _by_name(analyse(*_product(texts), _lexicon).aspects)["price"].quotes
    assert len(quotes) == 2 and quotes[0].sentiment > 0 > quotes[1].sentiment


def test_evidence_skips_praise_under_one_star_and_counts_labels() -> None:
    texts = [("Great, just great, love it.", 1.0), ("Awful, bad screen.", 1.0), ("It is a lamp.", 3.0)]
    evidence = analyse(*_product(texts), _lexicon).evidence
    assert evidence.praise is None and evidence.praise_reviews == 0  # sarcasm: praise words, one star
    assert evidence.complaint is not None and evidence.complaint.review_id == "r001"
    assert evidence.label_distribution == {"positive": 1, "neutral": 1, "negative": 1, "mixed": 0}


def test_reviews_without_a_score_are_left_out() -> None:
    reviews, scores = _product([("Great battery.", 5.0), ("Bad battery.", 1.0), ("Good battery.", 4.0)])
    findings = analyse(reviews, scores[:2], _lexicon)
    assert _by_name(findings.aspects)["battery life"].reviews == 2
    assert sum(findings.evidence.label_distribution.values()) == 2


def test_without_a_sentence_scorer_sentences_take_their_review_score() -> None:
    reviews, scores = _product([("Great battery.", 5.0), ("Bad battery.", 1.0)])
    battery = _by_name(analyse(reviews, scores).aspects)["battery life"]
    assert battery.mean_sentiment == pytest.approx(statistics.fmean(s.sentiment for s in scores))


def test_findings_survive_json_and_temporals_converter() -> None:
    reviews, scores = _product([("Great price, bad battery; love the design.", 3.0), ("Good price.", 4.0)])
    findings = analyse(reviews, scores, _lexicon)
    assert Findings.from_dict(json.loads(json.dumps(findings.to_dict()))) == findings
    converter = DataConverter.default.payload_converter
    payloads = converter.to_payloads([findings])
    assert converter.from_payloads(payloads, [Findings]) == [findings]
    assert isinstance(findings.aspects[0].quotes[0], Quote)


def test_no_reviews_gives_empty_findings() -> None:
    findings = analyse([], [], _lexicon)
    assert findings.aspects == [] and findings.evidence.praise is None
    assert findings.evidence.label_distribution == {"positive": 0, "neutral": 0, "negative": 0, "mixed": 0}


def test_findings_do_not_depend_on_the_hash_seed() -> None:
    """Sets of words iterate in an order that changes with PYTHONHASHSEED: nothing may follow it."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    script = (
        "import json;"
        "from tests.unit.test_aspects import _lexicon, _product;"
        "from internal.domain.findings import analyse;"
        "texts = [('Great price, bad battery; love the design.', 3.0), ('Good price and good value.', 4.0),"
        " ('The zipper is bad, awful zipper.', 1.0), ('My zipper is fine. Great price.', 5.0),"
        " ('Bad price but the zipper is good.', 2.0)];"
        "print(json.dumps(analyse(*_product(texts), _lexicon).to_dict()))"
    )
    root = Path(__file__).resolve().parents[2]
    outputs = {
        subprocess.run(
            [sys.executable, "-c", script],
            cwd=root,
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2", "3")
    }
    assert len(outputs) == 1 and '"zipper"' in outputs.pop()
