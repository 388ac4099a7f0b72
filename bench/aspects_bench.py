"""Aspect detection against the hand-labelled sentences, and the cost of aspects + evidence per review.

- precision and recall of aspect detection on tests/data/aspects/labelled.jsonl (micro, over sentence-aspect
  pairs), on each half (the vocabulary was tuned looking at `dev` errors only) and in all;
- µs per review of `analyse` (aspects + evidence) on demo reviews (internal/adapters/sources/demo.py), with VADER's
  sentence scorer and with review scores only, against VADER scoring the same reviews in the same run.

    python bench/aspects_bench.py --write docs/aspects.md      # figures into docs/aspects.md
    python bench/aspects_bench.py --errors dev                 # what the vocabulary gets wrong on dev
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.report import write_section  # noqa: E402
from internal.domain.corpus import aspects_of  # noqa: E402
from internal.domain.findings import analyse  # noqa: E402
from internal.domain.models import Review, ReviewScore  # noqa: E402
from internal.domain.sentences import split_sentences  # noqa: E402

LABELLED = REPO / "tests/data/aspects/labelled.jsonl"
# Demo products: each outcome the demo source offers, and ids whose hash picks the profile.
DEMO_PRODUCTS = ["pos-a", "neg-a", "mixed-a", "weak-a", "many-a", *(f"demo-{i:03d}" for i in range(60))]


@dataclass(frozen=True)
class Labelled:
    id: str
    split: str
    text: str
    aspects: frozenset[str]


@dataclass(frozen=True)
class Detection:
    sentences: int
    true_pos: int
    false_pos: int
    false_neg: int

    @property
    def precision(self) -> float:
        found = self.true_pos + self.false_pos
        return self.true_pos / found if found else 1.0

    @property
    def recall(self) -> float:
        wanted = self.true_pos + self.false_neg
        return self.true_pos / wanted if wanted else 1.0


def load_labelled(path: Path = LABELLED) -> list[Labelled]:
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [Labelled(r["id"], r["split"], r["text"], frozenset(r["aspects"])) for r in rows]


def detection(rows: Iterable[Labelled]) -> Detection:
    """Micro precision and recall over (sentence, aspect) pairs."""
    n = tp = fp = fn = 0
    for row in rows:
        found = set(aspects_of(row.text))
        n, tp, fp, fn = (
            n + 1,
            tp + len(found & row.aspects),
            fp + len(found - row.aspects),
            fn + len(row.aspects - found),
        )
    return Detection(n, tp, fp, fn)


def _errors(rows: Iterable[Labelled]) -> None:
    for row in rows:
        found = set(aspects_of(row.text))
        if found != row.aspects:
            print(f"{row.id}  +{sorted(found - row.aspects)} -{sorted(row.aspects - found)}  {row.text}")


async def _demo_reviews() -> list[list[Review]]:
    from internal.adapters.sources.demo import DemoSource

    source = DemoSource()
    products = []
    for product in DEMO_PRODUCTS:
        reviews, cursor = [], None
        while True:
            page = await source.fetch_page(product, cursor)
            reviews += page.reviews
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
        if reviews:
            products.append(reviews)
    return products


def distinct(products: Sequence[Sequence[Review]]) -> list[list[Review]]:
    """The demo reviews with a number in every sentence, so that no two sentences repeat: the demo draws its
    sentences from a few dozen, which the per-product caches would score and parse once; real reviews seldom
    repeat, so this is their cost. VADER ignores the numbers."""
    out = []
    for product in products:
        reviews = []
        for n, review in enumerate(product):
            text = " ".join(f"{s} ({n}.{i})" for i, s in enumerate(split_sentences(review.text)))
            reviews.append(dataclasses.replace(review, text=text))
        out.append(reviews)
    return out


def _best_of(runs: int, work: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.process_time()
        work()
        best = min(best, time.process_time() - start)
    return best


def timing(products: Sequence[Sequence[Review]], runs: int = 3) -> dict[str, float]:
    """CPU µs per review, best of `runs`: VADER scoring the reviews, then analyse with and without its sentence
    scorer. A fresh analyser each run: no cache survives from one run to the next."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    from internal.adapters.scorers.vader import VaderScorer

    scorer = VaderScorer()
    reviews = sum(len(p) for p in products)
    scores: list[list[ReviewScore]] = []
    vader = _best_of(runs, lambda: scores.__setitem__(slice(None), [scorer._score_all(p) for p in products]))

    def with_sentences() -> None:
        polarity = SentimentIntensityAnalyzer().polarity_scores
        for p, s in zip(products, scores, strict=True):
            analyse(p, s, lambda text: float(polarity(text)["compound"]))

    def review_scores_only() -> None:
        for p, s in zip(products, scores, strict=True):
            analyse(p, s)

    return {
        "reviews": reviews,
        "products": len(products),
        "vader": 1e6 * vader / reviews,
        "sentences": 1e6 * _best_of(runs, with_sentences) / reviews,
        "reviews_only": 1e6 * _best_of(runs, review_scores_only) / reviews,
    }


def report(rows: Sequence[Labelled], cost: dict[str, float]) -> str:
    lines = ["| sentences | pairs labelled | precision | recall |", "|---|---|---|---|"]
    for name in ("dev", "test", "all"):
        part = [r for r in rows if name in ("all", r.split)]
        d = detection(part)
        lines.append(f"| {name}: {d.sentences} | {d.true_pos + d.false_neg} | {d.precision:.3f} | {d.recall:.3f} |")
    lines += [
        "",
        f"Cost on {int(cost['reviews'])} demo reviews of {int(cost['products'])} products (CPU µs per review, best"
        " of 3, one core, same run). *As generated*: the demo draws its sentences from a few dozen, so the"
        " per-product caches parse and score most of them once; *distinct*: every sentence made unique (a number"
        " appended), the cost for real reviews, which seldom repeat.",
        "",
        "| step | as generated | distinct |",
        "|---|---|---|",
    ]
    for key, step in (
        ("vader", "VADER scoring the reviews (the baseline: what scoring costs today)"),
        ("sentences", "aspects + evidence, sentences scored by VADER"),
        ("reviews_only", "aspects + evidence, review scores only (no sentence scorer)"),
    ):
        lines.append(f"| {step} | {cost[key]:.0f} | {cost['distinct_' + key]:.0f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--write", type=Path, help="put the figures into this markdown file (between markers)")
    parser.add_argument("--errors", choices=["dev", "test", "all"], help="list the misdetected sentences")
    args = parser.parse_args()
    rows = load_labelled()
    if args.errors:
        _errors(r for r in rows if args.errors in ("all", r.split))
        return
    products = asyncio.run(_demo_reviews())
    cost = timing(products)
    cost |= {f"distinct_{k}": v for k, v in timing(distinct(products)).items()}
    text = report(rows, cost)
    print(text)
    if args.write:
        write_section(args.write, "aspects-bench", "Figures", text)


if __name__ == "__main__":
    main()
