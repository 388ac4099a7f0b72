"""The demo review source and the VADER scorer."""

from __future__ import annotations

import pytest

from internal.adapters.scorers.vader import VaderScorer
from internal.adapters.sources.base import ProductNotFound, SourceError
from internal.adapters.sources.demo import DemoSource
from internal.domain.models import Review
from internal.domain.sentences import split_sentences


async def _all_pages(source: DemoSource, product_id: str) -> list[list[str]]:
    pages, cursor = [], None
    while True:
        page = await source.fetch_page(product_id, cursor)
        pages.append([r.review_id for r in page.reviews])
        cursor = page.next_cursor
        if cursor is None:
            return pages


async def test_demo_source_is_deterministic_and_pages_chain_to_the_end() -> None:
    a, b = DemoSource(), DemoSource()
    assert await _all_pages(a, "many-1") == await _all_pages(b, "many-1")
    pages = await _all_pages(a, "many-1")
    ids = [i for p in pages for i in p]
    assert len(ids) == 400 and len(set(ids)) == 400 and len(pages) == 20
    first = await a.fetch_page("many-1", None)
    assert first.meta is not None and first.meta.url and first.meta.price
    assert first.reviews[0].text == (await b.fetch_page("many-1", None)).reviews[0].text


async def test_demo_profiles() -> None:
    src = DemoSource()
    assert (await src.fetch_page("none-1", None)).reviews == []
    few = await src.fetch_page("few-1", None)
    assert len(few.reviews) == 3 and few.next_cursor is None
    sparse = await src.fetch_page("sparse-1", None)
    assert len(sparse.reviews) == 2 and sparse.next_cursor == "2"
    assert len((await src.fetch_page("sparse-1", "2")).reviews) == 20
    with pytest.raises(ProductNotFound, match="product not found"):
        await src.fetch_page("notfound-1", None)
    with pytest.raises(SourceError):
        await src.fetch_page("flaky-1", None)
    assert len((await src.fetch_page("flaky-1", None)).reviews) == 20  # second try works


async def test_demo_has_long_reviews_and_ratings() -> None:
    reviews = [r for p in range(1, 21) for r in (await DemoSource().fetch_page("many-2", str(p))).reviews]
    assert any(len(r.text) > 2000 for r in reviews)
    assert all(r.rating is not None and 1 <= r.rating <= 5 for r in reviews)


def _r(text: str) -> Review:
    return Review(review_id=text[:10], text=text)


async def test_vader_labels_clear_cases() -> None:
    scorer = VaderScorer()
    pos, neg, mixed, neutral = await scorer.score(
        [
            _r("Absolutely love it, works perfectly and the quality is excellent!"),
            _r("Terrible, broke after two days. Awful waste of money."),
            _r("I love the gorgeous screen, it is fantastic. But the battery is terrible and awful, I hate it."),
            _r("It arrived on Tuesday."),
        ]
    )
    assert pos.label == "positive" and pos.sentiment > 0.5
    assert neg.label == "negative" and neg.sentiment < -0.5
    assert mixed.label == "mixed" and mixed.confidence < pos.confidence
    assert neutral.label == "neutral"
    assert all(-1 <= s.sentiment <= 1 and 0 <= s.confidence <= 1 and s.scorer == "vader" for s in (pos, neg))


async def test_vader_long_text_goes_sentence_by_sentence() -> None:
    text = " ".join(["The packaging was plain cardboard."] * 60 + ["I absolutely love it!"])
    assert len(split_sentences(text)) == 61
    scores = await VaderScorer().score([_r(text)] * 10)  # above the inline batch: runs in a thread
    assert len(scores) == 10 and scores[0].sentiment > 0
