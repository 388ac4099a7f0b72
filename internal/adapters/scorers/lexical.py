"""The lexical scorer: VADER's sentence scores plus a ridge-fit weight per word and word pair, learnt from
human-rated tweets, movie-review and NYT snippets (scripts/build_scorer_models.py; figures in docs/scorers.md).

Same cost class as VADER (one VADER pass and a dictionary look-up per term), no dependency beyond VADER: the
weights live in models/lexical.json, rebuilt by the script from the pinned vaderSentiment sdist.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from itertools import pairwise
from typing import Any

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from internal.adapters.scorers.sentence_model import MODELS, SentenceModelScorer, load_payload, thresholds_of

WEIGHTS = MODELS / "lexical.json"
_TOKEN = re.compile(r"[a-z0-9']+|[!?]")


def terms(text: str) -> set[str]:
    """Lower-cased words, `!`/`?`, and adjacent pairs ("not good" is not "good")."""
    words = _TOKEN.findall(text.lower())
    return {*words, *(f"{a} {b}" for a, b in pairwise(words))}


def vader_features(analyzer: SentimentIntensityAnalyzer, text: str) -> list[float]:
    p = analyzer.polarity_scores(text)
    return [float(p["compound"]), float(p["pos"]), float(p["neg"])]


class LexicalModel:
    """bias + VADER features · w + the terms' tf-idf vector (L2-normalised) · their weights, times `scale`."""

    def __init__(self, payload: Mapping[str, Any]) -> None:
        self.bias = float(payload["bias"])
        self.vader = [float(w) for w in payload["vader"]]
        self.scale = float(payload["scale"])
        # term -> (weight, idf)
        self.terms: dict[str, tuple[float, float]] = {t: (float(w), float(i)) for t, (w, i) in payload["terms"].items()}
        self._analyzer = SentimentIntensityAnalyzer()

    def raw(self, text: str, features: Sequence[float] | None = None) -> float:
        """The fit's own output (before `scale`); `features` may be passed when already computed."""
        f = vader_features(self._analyzer, text) if features is None else features
        value = self.bias + sum(w * x for w, x in zip(self.vader, f, strict=True))
        known = [self.terms[t] for t in terms(text) if t in self.terms]
        if known:
            norm = math.sqrt(sum(idf * idf for _, idf in known))
            value += sum(w * idf for w, idf in known) / norm
        return value

    def predict(self, text: str) -> float:
        return max(-1.0, min(1.0, self.scale * self.raw(text)))


class LexicalScorer(SentenceModelScorer):
    inline_batch = 8

    def __init__(self, name: str = "lexical") -> None:
        self.name = name
        payload = load_payload(WEIGHTS)
        self.thresholds = thresholds_of(payload)
        self._model = LexicalModel(payload)

    def sentence_scores(self, sentences: Sequence[str]) -> list[float]:
        return [self._model.predict(s) for s in sentences]

    def score_sentence(self, text: str) -> float:
        """One sentence, -1..1: the same model the review scores come from (a product's findings weigh with it)."""
        return self._model.predict(text)
