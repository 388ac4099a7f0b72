"""Aspects a provider supplies (internal/domain/provided_aspects.py): target names mapped onto ours, Comprehend's
mentions placed and summed by our rules, a model's claims checked against the reviews (quotes verbatim, counts
recounted, failures dropped and counted); and the feedback step's fall back to offline aspects when the provider
fails (internal/enrichment/findings_step.py)."""

from __future__ import annotations

import asyncio
import statistics
from collections.abc import Sequence

import pytest

from internal.adapters.scorers.base import ScorerError
from internal.adapters.scorers.vader import VaderScorer
from internal.domain.corpus import Corpus
from internal.domain.findings import Findings, analyse
from internal.domain.models import Label, Review, ReviewScore
from internal.domain.provided_aspects import (
    COUNT_INFLATED,
    NO_MENTIONS,
    QUOTE_NOT_VERBATIM,
    UNUSABLE_NAME,
    AspectClaim,
    ClaimedQuote,
    Mention,
    ProviderAnswer,
    aspects_from_claims,
    aspects_from_mentions,
    normalise_target,
)
from internal.enrichment import findings_step
from internal.enrichment.analyze import FeedbackActivities
from internal.enrichment.findings_step import fingerprint
from tests.fakes.stores import MemoryStores
from tests.unit.test_findings_wiring import feedback, scored


def _corpus(texts: Sequence[str]) -> Corpus:
    reviews = [Review(f"r{i}", t, rating=float(1 + i % 5)) for i, t in enumerate(texts)]
    label: Label = "neutral"
    return Corpus(reviews, [ReviewScore(r.review_id, 0.1 * i, label, 0.9, "t") for i, r in enumerate(reviews)])


def _mention(corpus: Corpus, review: int, word: str, sentiment: float, nth: int = 0) -> Mention:
    text = corpus.reviews[review].text
    start = -1
    for _ in range(nth + 1):
        start = text.index(word, start + 1)
    return Mention(f"r{review}", word, start, start + len(word), sentiment)


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("Battery", ("battery life", "vocabulary")),
        ("value for money", ("price", "vocabulary")),
        ("build quality", ("quality", "vocabulary")),
        ("the Zippers", ("zipper", "phrase")),
        ("water tank", ("water tank", "phrase")),
        ("it", None),
        ("I", None),
        ("this product", None),
        ("my husband", None),
        ("a very long description of the whole thing here", None),
        ("", None),
    ],
)
def test_targets_take_our_names(target: str, expected: tuple[str, str] | None) -> None:
    assert normalise_target(target) == expected


def test_mentions_become_aspects_counted_and_quoted_by_our_rules() -> None:
    corpus = _corpus(
        [
            "The battery is superb. Shipping was slow.",
            "Love it. The battery lasts two days and the battery charges fast.",
            "Battery died after a week.",
            "The zipper broke.",
        ]
    )
    mentions = [
        _mention(corpus, 0, "battery", 0.8),
        _mention(corpus, 1, "battery", 0.6),
        _mention(corpus, 1, "battery", 0.2, nth=1),  # the same sentence: their mean
        _mention(corpus, 1, "it", 0.9),  # a pronoun: no aspect
        Mention("r2", "Battery", 40, 47, -0.9),  # offsets off: found again in the review
        Mention("r3", "lid", 0, 3, -0.5),  # not in the review at all: dropped and counted
        Mention("r9", "battery", 0, 7, 0.5),  # no such review (unscored): ignored
    ]
    aspects, dropped = aspects_from_mentions(corpus, mentions)
    assert dropped == {QUOTE_NOT_VERBATIM: 1}
    # The zipper (one review of four) is below a phrase aspect's threshold; shipping Comprehend never named.
    assert [a.name for a in aspects] == ["battery life"]
    battery = aspects[0]
    assert (battery.mentions, battery.reviews) == (3, 4)
    assert battery.mean_sentiment == pytest.approx(statistics.fmean([0.8, 0.4, -0.9]), abs=1e-4)
    assert (battery.positive, battery.negative) == (2, 1)
    assert battery.ci95_low is not None and battery.ci95_low < battery.mean_sentiment < (battery.ci95_high or 0)
    texts = {r.review_id: r.text for r in corpus.reviews}
    assert battery.quotes and all(texts[q.review_id][q.start :].startswith(q.text) for q in battery.quotes)
    assert all("attery" in q.text for q in battery.quotes)


def test_a_mention_in_a_sentence_the_review_repeats_is_placed_in_that_occurrence() -> None:
    corpus = _corpus(["The packaging was plain. It works. The packaging was plain."])
    second = _mention(corpus, 0, "packaging", -0.2, nth=1)
    aspects, dropped = aspects_from_mentions(corpus, [second])
    assert dropped == {} and aspects[0].quotes[0].start == second.start - 4


def test_claims_are_kept_only_as_far_as_the_reviews_bear_them_out() -> None:
    corpus = _corpus(
        [
            "The price is fair. Shipping was slow.",
            "Great value for the money.",
            "Too expensive for what it is.",
            "The lid leaks when I pour.",
            "Shipping took a month.",
        ]
    )
    claims = [
        # Good quotes, but the count is inflated: 3 reviews talk about price, and it read all 5.
        AspectClaim("Price", 9, (ClaimedQuote("r1", "Great value for the money."),)),
        # A paraphrase and a quote of a review it does not name: both dropped, the aspect kept (the lid is there).
        AspectClaim("the lid", 1, (ClaimedQuote("r3", "The lid leaks badly"), ClaimedQuote("r0", "The lid leaks"))),
        # Fewer than it could: harmless, our count is used.
        AspectClaim("shipping", 1, (ClaimedQuote("r4", "Shipping took a month."),)),
        AspectClaim("warp drive", 3, (ClaimedQuote("r2", "The warp drive is superb."),)),
        AspectClaim("it", 2, ()),
        AspectClaim("price", 2, (ClaimedQuote("r2", "it"),)),  # too short to say anything
    ]
    shown = frozenset(r.review_id for r in corpus.reviews)
    aspects, dropped = aspects_from_claims(corpus, claims, shown)
    assert dropped == {QUOTE_NOT_VERBATIM: 4, COUNT_INFLATED: 1, NO_MENTIONS: 1, UNUSABLE_NAME: 1}
    by_name = {a.name: a for a in aspects}
    assert set(by_name) == {"price", "shipping", "lid"}
    assert (by_name["price"].mentions, by_name["shipping"].mentions, by_name["lid"].mentions) == (3, 2, 1)
    assert by_name["lid"].kind == "phrase" and by_name["price"].kind == "vocabulary"
    # The model's verified quote comes first, with the review's stars; the sentiment is ours.
    first = by_name["price"].quotes[0]
    assert (first.review_id, first.start, first.text, first.rating) == ("r1", 0, "Great value for the money.", 2.0)
    assert first.sentiment == pytest.approx(0.1)
    texts = {r.review_id: r.text for r in corpus.reviews}
    for a in aspects:
        assert all(texts[q.review_id][q.start :].startswith(q.text) for q in a.quotes)
    # Counts are checked over the reviews the model read: had it read only two, "2 mention shipping" is no lie.
    _, dropped = aspects_from_claims(corpus, [AspectClaim("shipping", 2, ())], frozenset({"r0", "r4"}))
    assert dropped == {}
    _, dropped = aspects_from_claims(corpus, [AspectClaim("shipping", 2, ())], frozenset({"r0"}))
    assert dropped == {COUNT_INFLATED: 1}


def test_findings_say_where_their_aspects_came_from_and_survive_a_round_trip() -> None:
    reviews = [Review("r0", "The battery is superb."), Review("r1", "Battery died.")]
    scores = [ReviewScore("r0", 0.8, "positive", 0.9, "t"), ReviewScore("r1", -0.8, "negative", 0.9, "t")]
    claims = (AspectClaim("battery", 5, (ClaimedQuote("r0", "battery is superb"),)),)
    found = analyse(reviews, scores, None, ProviderAnswer("gemini", claims=claims, shown=frozenset({"r0", "r1"})))
    source = found.to_dict()["aspect_provider"]
    assert source == {
        "provider": "gemini",
        "dropped_claims": 1,
        "dropped": {COUNT_INFLATED: 1},
        "provider_error": None,
    }
    assert Findings.from_dict(found.to_dict()) == found
    offline = analyse(reviews, scores)
    assert offline.to_dict()["aspect_provider"]["provider"] == "offline"
    # Findings stored before providers existed read as offline.
    assert Findings.from_dict({"aspects": [], "evidence": {}}).aspect_provider.provider == "offline"


def test_the_fingerprint_names_the_provider_and_offline_keeps_its_old_one() -> None:
    a = [ReviewScore("r1", 0.5, "positive", 0.9, "vader")]
    assert fingerprint(a, "vader") == fingerprint(a, "vader", "offline")
    assert len({fingerprint(a, "vader", p) for p in ("offline", "comprehend", "gemini", "gemini:failed")}) == 4


class _Provider:
    def __init__(self, name: str, answer: ProviderAnswer | Exception | None = None, delay: float = 0.0) -> None:
        self.name, self.answer, self.delay, self.calls = name, answer, delay, 0

    async def find(self, reviews: Sequence[Review]) -> ProviderAnswer:
        self.calls += 1
        await asyncio.sleep(self.delay)
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer or ProviderAnswer(self.name)

    async def aclose(self) -> None:
        return None


async def test_a_failed_provider_leaves_the_offline_aspects_and_says_why(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(findings_step, "PROVIDER_BUDGET", 0.2)
    for provider, error in [
        (_Provider("gemini", ScorerError("gemini unavailable (503 UNAVAILABLE)")), "gemini unavailable (503"),
        (_Provider("comprehend", delay=5), "comprehend took longer than 0.2 s"),
        # Not a scorer error: an answer we misread. Still not a failed row (its retries would never stop).
        (
            _Provider("comprehend", TypeError("int() argument must be ... not 'NoneType'")),
            "comprehend failed: TypeError",
        ),
    ]:
        state = MemoryStores()
        await scored(state, 1)
        await FeedbackActivities(state, None, {"vader": VaderScorer()}, provider).analyze_feedback(feedback(1))
        found = state.findings.rows[("j1", 1)]
        assert found["aspect_provider"]["provider"] == "offline"
        assert found["aspect_provider"]["provider_error"].startswith(error)
        assert "battery life" in [a["name"] for a in found["aspects"]]  # the offline analysis found it
        # Not kept as the provider's: the next row asks it again.
        await scored(state, 2)
        await FeedbackActivities(state, None, {"vader": VaderScorer()}, provider).analyze_feedback(feedback(2))
        assert provider.calls == 2 and state.findings.reused[("j1", 2)] is False


async def test_a_provider_answer_is_reused_with_the_same_reviews_and_provider_only() -> None:
    provider = _Provider("comprehend")
    state = MemoryStores()
    activities = FeedbackActivities(state, None, {"vader": VaderScorer()}, provider)
    reviews = await scored(state, 1)
    start = reviews[0].text.index("battery")
    provider.answer = ProviderAnswer("comprehend", mentions=(Mention("r0", "battery", start, start + 7, 0.7),))
    await activities.analyze_feedback(feedback(1))
    found = state.findings.rows[("j1", 1)]
    assert found["aspect_provider"]["provider"] == "comprehend"
    assert [(a["name"], a["mentions"]) for a in found["aspects"]] == [("battery life", 1)]
    await scored(state, 2)
    await activities.analyze_feedback(feedback(2))
    assert provider.calls == 1 and state.findings.reused[("j1", 2)] is True
    # The same reviews without the provider: computed offline, not the provider's findings.
    await scored(state, 3)
    await FeedbackActivities(state, None, {"vader": VaderScorer()}).analyze_feedback(feedback(3))
    assert state.findings.reused[("j1", 3)] is False
    assert len(state.findings.rows[("j1", 3)]["aspects"]) > 1


def test_aspects_is_one_of_three_and_a_provider_it_names_must_be_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    from internal.app.wiring import build_aspects
    from internal.platform.config import Settings, SettingsError, load_settings

    assert Settings(_env_file=None).aspects == "offline"
    assert build_aspects(Settings(_env_file=None)) is None
    with pytest.raises(SettingsError, match="ASPECTS"):
        load_settings(_env_file=None, aspects="vader")
    with pytest.raises(SettingsError, match="ASPECTS=gemini needs GEMINI_API_KEY"):
        build_aspects(Settings(_env_file=None, aspects="gemini"))
    for name, value in {"AWS_ACCESS_KEY_ID": "k", "AWS_SECRET_ACCESS_KEY": "s", "AWS_REGION": "us-east-1"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    with pytest.raises(SettingsError, match="COMPREHEND_LANGUAGE=en"):
        build_aspects(Settings(_env_file=None, aspects="comprehend", comprehend_language="fr"))
