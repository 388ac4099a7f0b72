"""Scorer accuracy against people, and CPU per review: VADER, the lexical scorer, e5, and the chain lexical → e5.

    python bench/scorers_bench.py --write docs/scorers.md

On the human-rated sets of Hutto & Gilbert (scripts/hutto_data.py, from the pinned vaderSentiment sdist; the
first run downloads it through pip into .data/hutto/): Pearson r between each scorer's sentiment and the people's
mean rating, per snippet for each set, and for the held-out Amazon set also per review (its snippets grouped back
by review id; the people's figure is the mean of the review's snippet ratings). Tweets, movies and NYT are what
the models were fit on (in-sample: the build script's leave-one-set-out figures are the fair ones there); Amazon
was never fit on. All in one run, so the VADER baseline is measured beside the others on the same machine.

The chain is what the feedback loop does once a product escalates: the lexical scorer scores everything, and e5
rescores the reviews the lexical scorer was unsure of (confidence below UNCERTAIN_CONFIDENCE, or neutral or
mixed: the rule internal/enrichment/review_store.py applies). CPU is process time (one thread) per Amazon review, each
review scored on its own.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer  # noqa: E402

from bench.report import write_section  # noqa: E402
from internal.adapters.scorers.e5 import E5Scorer, embedder  # noqa: E402
from internal.adapters.scorers.lexical import LexicalScorer  # noqa: E402
from internal.adapters.scorers.vader import VaderScorer  # noqa: E402
from internal.domain.models import Label  # noqa: E402
from internal.domain.sentences import split_sentences  # noqa: E402
from internal.enrichment.activities import UNCERTAIN_CONFIDENCE  # noqa: E402
from scripts import hutto_data  # noqa: E402
from scripts.build_scorer_models import pearson  # noqa: E402

Verdict = tuple[float, Label, float]
UNSURE_LABELS = ("neutral", "mixed")


def plain_vader() -> Callable[[Sequence[str]], list[Verdict]]:
    """VADER as the issue's baseline: compound per sentence, the plain mean over a text's sentences."""
    analyzer = SentimentIntensityAnalyzer()

    def score(texts: Sequence[str]) -> list[Verdict]:
        out: list[Verdict] = []
        for text in texts:
            c = [analyzer.polarity_scores(s)["compound"] for s in split_sentences(text)]
            out.append((sum(c) / len(c), "neutral", 0.0))
        return out

    return score


def unsure(v: Verdict) -> bool:
    return v[2] < UNCERTAIN_CONFIDENCE or v[1] in UNSURE_LABELS


def per_review(
    score: Callable[[Sequence[str]], list[Verdict]], texts: Sequence[str]
) -> tuple[list[Verdict], list[float]]:
    """Each review scored on its own, with its CPU seconds (the chain's cost adds e5's for the unsure ones)."""
    verdicts, seconds = [], []
    for text in texts:
        start = time.process_time()
        verdicts += score([text])
        seconds.append(time.process_time() - start)
    return verdicts, seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    # e5 costs ~30 ms a sentence: all ~20k training snippets would add ~10 CPU minutes for in-sample figures,
    # which say little (the build script's leave-one-set-out figures are the fair ones). Amazon is always whole.
    parser.add_argument("--limit", type=int, default=500, help="first N snippets per training set (0: all)")
    parser.add_argument("--write", type=Path, help="write the figures into this markdown file (docs/scorers.md)")
    args = parser.parse_args()

    sets = {n: hutto_data.load(n) for n in hutto_data.SETS}
    if args.limit:
        sets = {n: d if n == hutto_data.HELD_OUT else d[: args.limit] for n, d in sets.items()}
    reviews = hutto_data.by_review(sets[hutto_data.HELD_OUT])
    embedder()  # the engine loads once per process: not a per-review cost
    lexical, e5, vader = LexicalScorer(), E5Scorer(), VaderScorer()
    scorers: dict[str, Callable[[Sequence[str]], list[Verdict]]] = {
        "VADER (plain: mean of sentence compounds)": plain_vader(),
        "`vader` scorer as shipped (length-weighted)": lambda texts: [vader.score_text(t) for t in texts],
        "`lexical`": lexical.score_texts,
        "`e5`": e5.score_texts,
    }
    rows: list[str] = []
    figures: dict[str, dict[str, float]] = {}
    verdicts: dict[str, dict[str, list[Verdict]]] = {}
    seconds: dict[str, list[float]] = {}
    for name, score in scorers.items():
        verdicts[name] = {n: score([s.text for s in d]) for n, d in sets.items()}
        verdicts[name]["reviews"], seconds[name] = per_review(score, [text for _, _, text in reviews])
        figures[name] = {"ms": 1000 * sum(seconds[name]) / len(reviews)}
    # The chain: e5's verdict wherever the lexical scorer was unsure; e5's cost only for those.
    chain = "chain `lexical,e5` (e5 for unsure reviews)"
    verdicts[chain] = {}
    lex, e5_name = "`lexical`", "`e5`"
    for part in [*sets, "reviews"]:
        verdicts[chain][part] = [
            e if unsure(v) else v for v, e in zip(verdicts[lex][part], verdicts[e5_name][part], strict=True)
        ]
    escalated = [i for i, v in enumerate(verdicts[lex]["reviews"]) if unsure(v)]
    figures[chain] = {"ms": figures[lex]["ms"] + 1000 * sum(seconds[e5_name][i] for i in escalated) / len(reviews)}

    people = {n: [s.rating for s in d] for n, d in sets.items()}
    people["reviews"] = [rating for _, rating, _ in reviews]
    columns = [*hutto_data.TRAIN, hutto_data.HELD_OUT, "reviews"]
    for name, v in verdicts.items():
        figures[name].update({c: pearson(people[c], [x[0] for x in v[c]]) for c in columns})
        rows.append(
            f"| {name} | " + " | ".join(f"{figures[name][c]:.3f}" for c in columns) + f" | {figures[name]['ms']:.2f} |"
        )
    share = len(escalated) / len(reviews)
    counts = " · ".join(f"{n} {len(d):,}" for n, d in sets.items())
    text = "\n".join(
        [
            "| scorer | tweets (fit) | movies (fit) | NYT (fit) | **Amazon sentences** | **Amazon reviews** "
            "| CPU ms / review |",
            "|---|---|---|---|---|---|---|",
            *rows,
            "",
            f"Snippets: {counts}; Amazon reviews: {len(reviews)}. The chain sent {len(escalated)} of {len(reviews)} "
            f"Amazon reviews ({share:.0%}) to e5 (lexical confidence < {UNCERTAIN_CONFIDENCE} or neutral/mixed).",
            f"`make bench-scorers` ({f'first {args.limit:,} snippets of each training set' if args.limit else 'all'}"
            f"; Amazon whole), {time.strftime('%Y-%m-%d')}, one thread, on this machine's 2 shared cores.",
        ]
    )
    print(text)
    if args.write:
        write_section(args.write, "scorers-bench", "Measured", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
