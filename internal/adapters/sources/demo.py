"""The demo source: deterministic synthetic reviews, so demos and tests run offline and repeatably.

The product id picks the profile, so a CSV can ask for each outcome (see PROFILES); any other id gets a profile
derived from its hash. The same id always yields the same reviews, ids, ratings and pages.
"""

from __future__ import annotations

import asyncio
import hashlib
import random
from dataclasses import dataclass

from internal.adapters.sources.base import ProductNotFound, SourceError
from internal.domain.models import ProductMeta, Review, ReviewPage
from internal.domain.options import DEMO_SOURCE

# prefix -> (review count, mood); mood steers the phrase mix.
PROFILES: dict[str, tuple[int, str]] = {
    "none-": (0, "positive"),  # no reviews at all
    "few-": (3, "positive"),  # fewer than the policy wants, and no more pages
    "sparse-": (60, "positive"),  # 2 reviews on page 1, more later: the feedback loop must read on
    "many-": (400, "positive"),  # hundreds across many pages
    "pos-": (40, "positive"),
    "neg-": (40, "negative"),
    "mixed-": (40, "mixed"),
    "weak-": (12, "weak"),  # stays untrustworthy whatever is retried
    "slow-": (25, "positive"),  # each page takes a while (tests pause/cancel mid-job)
    "flaky-": (25, "positive"),  # every page fails once before it succeeds
}

_PRAISE = [
    "Absolutely love this {p}, works perfectly.",
    "Great quality and fast shipping, highly recommend!",
    "Best {p} I have owned, excellent value.",
    "Fantastic, does exactly what it promises.",
    "Very happy with it. Sturdy, well made and easy to use.",
    "Five stars, my family loves it.",
]
_COMPLAINTS = [
    "Terrible {p}, broke after two days.",
    "Awful quality, waste of money. Do not buy.",
    "Stopped working within a week and support was useless.",
    "Disappointed: cheap plastic and it arrived damaged.",
    "Worst purchase this year, returning it.",
    "Horrible experience, the {p} is flimsy and poorly made.",
]
_MIXED = [
    "Love the design but the battery dies by noon.",
    "Great price, although the instructions were confusing and it feels cheap.",
    "Works well, but shipping was terribly slow and the box was crushed.",
    "The {p} is nice, yet the app is buggy and annoying.",
]
_NEUTRAL = ["It is a {p}.", "Arrived on Tuesday.", "ok", "Does the job I guess.", "Bought it for my office."]
_SARCASTIC = ["Oh great, another {p} that lasts exactly one day. Just perfect.", "Wow, so useful. Not."]
_FILLER = [
    "I compared it with three other models before buying.",
    "The packaging was plain cardboard.",
    "My previous one lasted about two years.",
    "I use it mostly on weekends.",
]


@dataclass(frozen=True)
class _Plan:
    count: int
    mood: str
    first_page: int | None  # a smaller first page for the sparse profile


def _rng(*parts: object) -> random.Random:
    digest = hashlib.blake2b(":".join(map(str, parts)).encode(), digest_size=8).digest()
    return random.Random(int.from_bytes(digest, "big"))


def _plan(seed: int, product_id: str) -> _Plan:
    for prefix, (count, mood) in PROFILES.items():
        if product_id.startswith(prefix):
            return _Plan(count, mood, 2 if prefix == "sparse-" else None)
    rng = _rng(seed, "plan", product_id)
    mood = rng.choices(["positive", "negative", "mixed", "weak"], weights=[55, 20, 20, 5])[0]
    count = rng.choice([0, 3, rng.randint(6, 30), rng.randint(30, 120)])
    return _Plan(count, mood, None)


def _review(seed: int, product_id: str, index: int, mood: str) -> Review:
    rng = _rng(seed, product_id, index)
    noun = rng.choice(["product", "gadget", "item", "device"])
    if mood == "weak":
        kind = rng.choices(["mixed", "neutral", "praise", "complaint"], weights=[45, 35, 10, 10])[0]
    else:
        weights = {
            "positive": [70, 8, 10, 8, 4],
            "negative": [8, 70, 10, 8, 4],
            "mixed": [25, 25, 40, 6, 4],
        }[mood]
        kind = rng.choices(["praise", "complaint", "mixed", "neutral", "sarcastic"], weights=weights)[0]
    pool = {"praise": _PRAISE, "complaint": _COMPLAINTS, "mixed": _MIXED, "neutral": _NEUTRAL, "sarcastic": _SARCASTIC}[
        kind
    ]
    text = rng.choice(pool).format(p=noun)
    if rng.random() < 0.08:  # the occasional essay, well over 2 KB
        body = [text] + [rng.choice(_FILLER + pool).format(p=noun) for _ in range(rng.randint(40, 60))]
        text = " ".join(body)
    honest = {"praise": 5, "complaint": 1, "mixed": 3, "neutral": 3, "sarcastic": 1}[kind]
    if mood == "weak":
        rating = float(rng.choice([1, 5]))  # stars that contradict the lukewarm text
    elif rng.random() < 0.85:
        rating = float(max(1, min(5, honest + rng.choice([-1, 0, 0, 1]))))
    else:
        rating = float(rng.randint(1, 5))
    day = 1 + index % 28
    return Review(
        review_id=f"{product_id}-r{index}",
        text=text,
        rating=rating,
        date=f"2026-{1 + index % 12:02d}-{day:02d}",
        source=DEMO_SOURCE,
    )


class DemoSource:
    name: str = DEMO_SOURCE

    def __init__(self, seed: int = 0, latency_s: float = 0.0, failure_rate: float = 0.0, page_size: int = 20) -> None:
        self.seed = seed
        self.latency_s = latency_s
        self.failure_rate = failure_rate
        self.page_size = page_size
        self._failed_once: set[tuple[str, str | None]] = set()

    async def fetch_page(self, product_id: str, cursor: str | None) -> ReviewPage:
        if product_id.startswith("notfound-"):
            raise ProductNotFound(product_id)
        page = int(cursor) if cursor else 1
        if page < 1:
            raise SourceError(f"bad cursor {cursor!r}")
        delay = self.latency_s + (0.3 if product_id.startswith("slow-") else 0.0)
        if delay:
            await asyncio.sleep(delay)
        if product_id.startswith("flaky-") and (product_id, cursor) not in self._failed_once:
            self._failed_once.add((product_id, cursor))
            raise SourceError(f"demo source: simulated 503 for {product_id} page {page}")
        if self.failure_rate and random.random() < self.failure_rate:
            raise SourceError("demo source: simulated transient failure")
        plan = _plan(self.seed, product_id)
        first = plan.first_page or self.page_size
        start = 0 if page == 1 else first + (page - 2) * self.page_size
        end = min(plan.count, first if page == 1 else start + self.page_size)
        reviews = [_review(self.seed, product_id, i, plan.mood) for i in range(start, end)]
        meta = self._meta(product_id, plan) if page == 1 else None
        return ReviewPage(reviews=reviews, meta=meta, next_cursor=str(page + 1) if end < plan.count else None)

    def _meta(self, product_id: str, plan: _Plan) -> ProductMeta:
        rng = _rng(self.seed, "meta", product_id)
        ratings = [_review(self.seed, product_id, i, plan.mood).rating or 0.0 for i in range(min(plan.count, 200))]
        return ProductMeta(
            name=f"Demo {product_id}",
            price=round(rng.uniform(5, 500), 2),
            currency="USD",
            url=f"https://demo.example/products/{product_id}",
            rating_average=round(sum(ratings) / len(ratings), 2) if ratings else None,
            rating_count=plan.count,
        )
