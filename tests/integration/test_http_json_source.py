"""HttpJsonSource against a fake reviews API on 127.0.0.1, in both preset dialects and every paging style."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from internal.adapters.sources.base import CredentialsRejected, ProductNotFound, SourceError
from internal.adapters.sources.http_json import PRESETS, HttpJsonSource, load_mapping, lookup
from internal.domain.models import ReviewPage
from internal.platform.config import Settings
from tests.fakes.reviews_api import API_KEY, FakeReviewsApi
from tests.fakes.server import serve_app

REPO = Path(__file__).resolve().parents[2]
BV_PATH = (
    "/bv/data/reviews.json?apiversion=5.4&passkey={key}&Filter=ProductId:{{product_id}}&Limit=100&Offset={{offset}}"
)
SIMPLE_PATH = "/v1/products/{product_id}/reviews"


@dataclass
class Api:
    fake: FakeReviewsApi
    url: str

    def bv(self, key: str = API_KEY) -> str:
        return self.url + BV_PATH.format(key=key)


@pytest.fixture(scope="module")
def api() -> Iterator[Api]:
    fake = FakeReviewsApi()
    with serve_app(fake.app) as url:
        yield Api(fake, url)


@pytest.fixture
async def simple(api: Api) -> AsyncIterator[HttpJsonSource]:
    src = HttpJsonSource(api.url + SIMPLE_PATH + "?cursor={cursor}", "simple", headers={"X-Api-Key": API_KEY})
    yield src
    await src.aclose()


async def _all_pages(source: HttpJsonSource, product_id: str) -> list[ReviewPage]:
    pages, cursor = [], None
    while True:
        page = await source.fetch_page(product_id, cursor)
        pages.append(page)
        cursor = page.next_cursor
        if cursor is None:
            return pages


async def test_simple_preset_pages_by_cursor_with_metadata(api: Api, simple: HttpJsonSource) -> None:
    pages = await _all_pages(simple, "p-1")
    assert [len(p.reviews) for p in pages] == [5, 5, 2]
    assert [p.next_cursor for p in pages] == ["5", "10", None]
    assert api.fake.requests["p-1"] == 3
    reviews = [r for p in pages for r in p.reviews]
    assert reviews[1].review_id == "s-1" and reviews[0].review_id.startswith("sha256:")
    assert len({r.review_id for r in reviews}) == 12
    assert (reviews[0].rating, reviews[0].date, reviews[0].source) == (1.0, "2025-03-01", "http")
    assert reviews[0].text == "Simple review 0: great value."
    meta = pages[0].meta
    assert meta is not None and (meta.name, meta.price, meta.currency, meta.url) == ("Product p-1", 12.5, "EUR", None)


async def test_bazaarvoice_preset_pages_by_offset_and_stops_at_total(api: Api) -> None:
    source = HttpJsonSource(api.bv(), "bazaarvoice")
    try:
        api.fake.catalog["bv-250"] = 250
        pages = await _all_pages(source, "bv-250")
        assert [len(p.reviews) for p in pages] == [100, 100, 50]
        assert [p.next_cursor for p in pages] == ["2", "3", None]
        first = pages[0].reviews[0]
        assert (first.review_id, first.text, first.rating) == ("bv-bv-250-0", "Title 0. Review 0 of bv-250.", 1.0)
        # TotalResults is the product's review count, whatever page it came with: results compare it with the
        # number scored (reviews_available).
        assert [p.meta.rating_count if p.meta else None for p in pages] == [250, 250, 250]
        assert pages[0].meta is not None and pages[0].meta.name is None
        api.fake.catalog["bv-200"] = 200
        assert len(await _all_pages(source, "bv-200")) == 2
        assert api.fake.requests["bv-200"] == 2  # TotalResults spares the request for an empty page
    finally:
        await source.aclose()


@pytest.mark.parametrize(("page_size", "requests"), [(None, 4), (5, 3)])
async def test_page_until_empty(api: Api, page_size: int | None, requests: int) -> None:
    mapping: dict[str, Any] = {"reviews": "data", "text": "text", "rating": "stars", "page_size": page_size}
    source = HttpJsonSource(api.url + SIMPLE_PATH + "?page={page}", mapping, headers={"X-Api-Key": API_KEY})
    product = f"pages-{page_size}"
    try:
        pages = await _all_pages(source, product)
    finally:
        await source.aclose()
    assert sum(len(p.reviews) for p in pages) == 12
    assert api.fake.requests[product] == requests


async def test_wrong_key_is_rejected_credentials(api: Api) -> None:
    for source in (
        HttpJsonSource(api.url + SIMPLE_PATH + "?cursor={cursor}", "simple", headers={"X-Api-Key": "nope"}),
        HttpJsonSource(api.bv("nope"), "bazaarvoice"),
    ):
        try:
            with pytest.raises(CredentialsRejected, match="credentials rejected by http"):
                await source.fetch_page("p-2", None)
        finally:
            await source.aclose()


async def test_unknown_product_is_product_not_found(simple: HttpJsonSource) -> None:
    with pytest.raises(ProductNotFound, match="product not found: missing-1"):
        await simple.fetch_page("missing-1", None)


@pytest.mark.parametrize(
    ("product", "message", "retry_after"),
    [("throttle-1", "HTTP 429", 3.0), ("boom-1", "HTTP 502", None), ("garbled-1", "not valid JSON", None)],
)
async def test_transient_failures(
    simple: HttpJsonSource, product: str, message: str, retry_after: float | None
) -> None:
    with pytest.raises(SourceError, match=message) as err:
        await simple.fetch_page(product, None)
    assert err.value.retry_after == retry_after


async def test_timeout_is_a_source_error(api: Api) -> None:
    source = HttpJsonSource(
        api.url + SIMPLE_PATH + "?cursor={cursor}", "simple", headers={"X-Api-Key": API_KEY}, timeout=0.2
    )
    try:
        with pytest.raises(SourceError, match="timed out"):
            await source.fetch_page("slow-1", None)
    finally:
        await source.aclose()


async def test_mapping_that_does_not_fit_the_reply_names_the_path(api: Api) -> None:
    source = HttpJsonSource(
        api.url + SIMPLE_PATH + "?cursor={cursor}",
        {"reviews": "items", "text": "body", "next_cursor": "next"},
        headers={"X-Api-Key": API_KEY},
    )
    try:
        with pytest.raises(SourceError, match=r"no 'items' in the reply \(it has: data, next, product\)"):
            await source.fetch_page("p-3", None)
    finally:
        await source.aclose()


@pytest.mark.parametrize(
    ("template", "mapping", "message"),
    [
        ("http://x/{product_id}?p={page}", '{"reviews": "data"}', "text: Field required"),
        ("http://x/{product_id}?p={page}", '{"reviews": "data", "text": "t", "stars": "s"}', "stars: Extra inputs"),
        ("http://x/{product_id}?p={page}", '{"reviews": "data", "text": "a..b"}', "not a dotted path"),
        ("http://x/{product_id}?p={page}", "{reviews: data}", "neither a preset .* nor valid JSON"),
        ("http://x/{product_id}?p={page}", "@/nonexistent/mapping.json", "cannot read /nonexistent/mapping.json"),
        ("http://x/{product_id}", '{"reviews": "d", "text": "t", "next_cursor": "n", "next_page": "p"}', "not both"),
        ("http://x/reviews?p={page}", "simple", "must contain {product_id}"),
        ("http://x/{product_id}?p={page}", "simple", "must contain {cursor}"),
        ("http://x/{product_id}?c={cursor}", '{"reviews": "d", "text": "t"}', "no next_cursor path"),
        ("http://x/{product_id}?o={offset}", '{"reviews": "d", "text": "t"}', "needs page_size"),
        ("http://x/{product}?p={page}", "simple", "unknown placeholder"),
    ],
)
def test_bad_configuration_is_a_clear_error(template: str, mapping: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        HttpJsonSource(template, mapping)


def _settings(**values: Any) -> Settings:
    return Settings(_env_file=None, review_source="http", **values)


async def test_from_settings(api: Api, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="REVIEW_SOURCE=http needs REVIEWS_HTTP_URL"):
        HttpJsonSource.from_settings(_settings().reviews_http)
    with pytest.raises(ValueError, match="needs REVIEWS_HTTP_MAPPING"):
        HttpJsonSource.from_settings(_settings(reviews_http_url="http://x/{product_id}").reviews_http)
    with pytest.raises(ValueError, match="REVIEWS_HTTP_HEADERS must be a JSON object") as err:
        HttpJsonSource.from_settings(
            _settings(
                reviews_http_url="http://x/{product_id}?c={cursor}",
                reviews_http_mapping="simple",
                reviews_http_headers=SecretStr("X-Api-Key: sekrit"),
            ).reviews_http
        )
    assert "sekrit" not in str(err.value)

    mapping_file = tmp_path / "mapping.json"
    mapping_file.write_text(json.dumps(PRESETS["simple"]))
    source = HttpJsonSource.from_settings(
        _settings(
            reviews_http_url=api.url + SIMPLE_PATH + "?cursor={cursor}",
            reviews_http_mapping=f"@{mapping_file}",
            reviews_http_headers=SecretStr(json.dumps({"X-Api-Key": API_KEY})),
        ).reviews_http
    )
    try:
        assert len((await source.fetch_page("p-4", None)).reviews) == 5
    finally:
        await source.aclose()


def test_documented_presets_are_the_shipped_ones() -> None:
    docs = (REPO / "docs" / "sources.md").read_text()
    for name, preset in PRESETS.items():
        block = re.search(rf"<!-- preset: {name} -->\s*```json\n(.*?)```", docs, re.S)
        assert block is not None, f"docs/sources.md does not show the {name!r} preset"
        assert json.loads(block.group(1)) == preset
        load_mapping(name)


def test_lookup_follows_dotted_paths() -> None:
    data = {"a": {"b": [{"c": 1}, {"c": "2"}]}}
    assert lookup(data, "a.b.1.c") == "2"
    assert lookup(data, "a.b.5.c") is None and lookup(data, "a.x", default="d") == "d"
    assert lookup(data, "") is data
