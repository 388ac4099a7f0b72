"""The offline model scorers (lexical, e5), their committed weights, and the shared sentence verdict rule."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from internal.adapters.scorers import e5, lexical
from internal.adapters.scorers.e5 import E5Scorer
from internal.adapters.scorers.lexical import LexicalScorer
from internal.adapters.scorers.sentence_model import SentenceModelScorer, load_payload, payload_digest
from internal.domain.models import Review
from internal.domain.sentence_verdict import Thresholds, verdict
from internal.domain.sentences import split_sentences
from scripts import hutto_data

CLEAR = {
    "p": ("I love this blender, it works perfectly and the price was great.", "positive"),
    "n": ("Terrible. It broke after two days and support never answered.", "negative"),
    "m": ("The screen is gorgeous and bright. The battery is awful and dies by noon.", "mixed"),
}


@pytest.fixture(scope="module", params=["lexical", "e5"])
def scorer(request: pytest.FixtureRequest) -> SentenceModelScorer:
    return LexicalScorer() if request.param == "lexical" else E5Scorer()


@pytest.mark.parametrize("path", [lexical.WEIGHTS, e5.HEAD])
def test_weights_are_what_the_build_script_wrote(path: Path) -> None:
    payload = load_payload(path)  # raises when a number was edited without rebuilding
    assert payload["source"]["sha256"] == hutto_data.SDIST_SHA256
    # Fit on the training sets only: the held-out Amazon set never.
    assert payload["source"]["fit_on"] == list(hutto_data.TRAIN) and hutto_data.HELD_OUT not in hutto_data.TRAIN
    t = payload["thresholds"]
    assert 0 < t["neutral"] < t["clear"] < t["full"] <= 1 and payload["scale"] > 0
    if path == e5.HEAD:
        assert len(payload["weights"]) == 384
    else:
        assert len(payload["vader"]) == 3 and len(payload["terms"]) > 10_000


def test_a_hand_edited_weights_file_is_refused(tmp_path: Path) -> None:
    payload = json.loads(e5.HEAD.read_text())
    assert payload["sha256"] == payload_digest(payload)
    payload["weights"][0] += 0.001
    edited = tmp_path / "e5_head.json"
    edited.write_text(json.dumps(payload))
    with pytest.raises(ValueError, match="rebuild"):
        load_payload(edited)


async def test_scores_keep_order_and_length_and_label_clear_sentences(scorer: SentenceModelScorer) -> None:
    # More than inline_batch reviews, so the thread path runs too.
    reviews = [Review(f"{k}{i}", text) for i in range(5) for k, (text, _) in CLEAR.items()]
    scores = await scorer.score(reviews)
    assert [s.review_id for s in scores] == [r.review_id for r in reviews]
    assert all(s.scorer == scorer.name for s in scores)
    for s in scores:
        assert s.label == CLEAR[s.review_id[0]][1], (scorer.name, s)
        assert -1 <= s.sentiment <= 1 and 0 <= s.confidence <= 1
    by_kind = {s.review_id[0]: s for s in scores}
    assert by_kind["p"].sentiment > 0.2 > -0.2 > by_kind["n"].sentiment
    assert by_kind["m"].confidence < min(by_kind["p"].confidence, by_kind["n"].confidence)


async def test_scores_are_deterministic(scorer: SentenceModelScorer) -> None:
    reviews = [Review("a", "Works fine, nothing special."), Review("b", "Great value! Would buy again.")]
    assert await scorer.score(reviews) == await scorer.score(reviews)
    assert await scorer.score([]) == []


def test_a_sentence_repeated_in_a_batch_is_scored_once(
    scorer: SentenceModelScorer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # e5 costs ~25 ms of CPU a sentence; the demo's long reviews repeat a handful of sentences dozens of times.
    texts = ["Great value. It broke after two days.", "Great value.", "It broke after two days. Great value!"]
    score_each = scorer.sentence_scores
    asked: list[list[str]] = []

    def counting(sentences: list[str]) -> list[float]:
        asked.append(list(sentences))
        return score_each(sentences)

    monkeypatch.setattr(scorer, "sentence_scores", counting)
    verdicts = scorer.score_texts(texts)
    assert asked == [["Great value.", "It broke after two days.", "Great value!"]]
    # The same verdicts as scoring every sentence of each review where it stands.
    alone = [split_sentences(t) for t in texts]
    assert verdicts == [verdict(score_each(s), [1.0] * len(s), scorer.thresholds) for s in alone]


def test_e5_embeds_in_chunks_that_stay_in_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    engine = e5.embedder()
    sentences = [f"Review number {i} says the strap broke." for i in range(2 * e5.CHUNK + 3)]
    whole = engine.query(sentences)
    sizes: list[int] = []

    class Counting:
        def query(self, texts: list[str]) -> object:
            sizes.append(len(texts))
            return engine.query(texts)

    monkeypatch.setattr(e5, "embedder", Counting)
    chunked = e5.embed(sentences)
    assert sizes == [e5.CHUNK, e5.CHUNK, 3]
    assert chunked.shape == (len(sentences), 384)
    np.testing.assert_allclose(chunked, whole, atol=1e-6)


def test_verdict_rule() -> None:
    t = Thresholds(clear=0.2, neutral=0.05, full=0.5)
    assert verdict([0.6, 0.5], [1, 1], t) == (0.55, "positive", 1.0)
    assert verdict([0.6, -0.5], [1, 1], t)[1] == "mixed"
    assert verdict([0.6, -0.5], [9, 1], t)[1] == "positive"  # one side under MIXED_SHARE
    assert verdict([0.01], [1], t)[1] == "neutral"
    sentiment, label, confidence = verdict([-0.25], [1], t)
    assert sentiment == -0.25
    assert label == "negative" and confidence == round(0.35 + 0.65 * 0.5, 4)
