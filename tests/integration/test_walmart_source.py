"""WalmartSource against a fake Walmart API on 127.0.0.1 that verifies signatures the way the real one does."""

from __future__ import annotations

import base64
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from internal.adapters.sources.base import CredentialsRejected, PermanentSourceError, ProductNotFound, SourceError
from internal.adapters.sources.walmart import WalmartSource, canonical_string
from internal.domain.models import Review
from internal.platform.config import Settings
from internal.platform.stack.proc import free_port
from tests.fakes.server import serve_app
from tests.fakes.walmart import FakeWalmart

CONSUMER = "consumer-1234"


@dataclass
class Api:
    fake: FakeWalmart
    url: str


def _pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


@pytest.fixture(scope="module")
def key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def key_path(key: rsa.RSAPrivateKey, tmp_path: Path) -> Path:
    path = tmp_path / "walmart_private_key.pem"
    path.write_bytes(_pem(key))
    return path


@pytest.fixture(scope="module")
def api(key: rsa.RSAPrivateKey) -> Iterator[Api]:
    fake = FakeWalmart(key.public_key(), CONSUMER)
    with serve_app(fake.app) as url:
        yield Api(fake, url)


def _settings(**values: Any) -> Settings:
    return Settings(_env_file=None, review_source="walmart", **values)


@pytest_asyncio.fixture
async def source(api: Api, key_path: Path) -> AsyncIterator[WalmartSource]:
    src = WalmartSource.from_settings(
        _settings(walmart_base_url=api.url, wm_consumer_id=CONSUMER, wm_private_key_path=key_path).walmart
    )
    yield src
    await src.aclose()


async def _all_pages(source: WalmartSource, item_id: str) -> tuple[list[list[Review]], list[str | None]]:
    pages, cursors, cursor = [], [], None
    while True:
        page = await source.fetch_page(item_id, cursor)
        pages.append(page.reviews)
        cursor = page.next_cursor
        cursors.append(cursor)
        if cursor is None:
            return pages, cursors


async def test_reads_every_page_with_metadata_and_string_numbers(api: Api, source: WalmartSource) -> None:
    pages, cursors = await _all_pages(source, "100")
    assert [len(p) for p in pages] == [10, 10, 5] and cursors == ["2", "3", None]
    assert api.fake.requests["/reviews/100"] == 3
    reviews = [r for p in pages for r in p]
    assert len({r.review_id for r in reviews}) == 25
    first = reviews[0]
    assert first.text == "Title 0. Review number 0 says it works well."
    assert first.rating == 1.0 and first.date == "2024-01-01" and first.source == "walmart"
    assert reviews[1].review_id == "900001"  # the API's own id when it sends one
    assert reviews[0].review_id.startswith("sha256:")  # a content hash otherwise

    page = await source.fetch_page("100", None)
    assert page.meta is not None
    assert (page.meta.name, page.meta.price, page.meta.currency) == ("Fake item 100", 19.99, "USD")
    assert page.meta.url == "https://www.walmart.com/ip/100"
    assert (page.meta.rating_average, page.meta.rating_count) == (4.2, 25)
    assert page.reviews[0].review_id == first.review_id  # content ids are stable across fetches


async def test_product_without_reviews_is_one_empty_page(api: Api, source: WalmartSource) -> None:
    api.fake.catalog["200"] = 0
    page = await source.fetch_page("200", None)
    assert page.reviews == [] and page.next_cursor is None
    assert page.meta is not None and page.meta.rating_count == 0


async def test_every_request_is_signed_afresh(key: rsa.RSAPrivateKey) -> None:
    ticks = iter([1_700_000_000.0, 1_700_000_000.5])
    src = WalmartSource(CONSUMER, _pem(key), clock=lambda: next(ticks))
    try:
        first, second = src.signed_headers(), src.signed_headers()
    finally:
        await src.aclose()
    assert (first["WM_CONSUMER.INTIMESTAMP"], second["WM_CONSUMER.INTIMESTAMP"]) == ("1700000000000", "1700000000500")
    signed = {k: v for k, v in first.items() if k != "WM_SEC.AUTH_SIGNATURE"}
    assert canonical_string(signed) == f"{CONSUMER}\n1700000000000\n1\n"
    key.public_key().verify(
        base64.b64decode(first["WM_SEC.AUTH_SIGNATURE"]),
        canonical_string(signed).encode(),
        padding.PKCS1v15(),
        hashes.SHA256(),
    )
    assert first["WM_SEC.AUTH_SIGNATURE"] != second["WM_SEC.AUTH_SIGNATURE"]


async def test_wrong_key_is_rejected_credentials(api: Api) -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    src = WalmartSource(CONSUMER, _pem(other), base_url=api.url)
    try:
        with pytest.raises(CredentialsRejected, match="credentials rejected by walmart"):
            await src.fetch_page("100", None)
    finally:
        await src.aclose()
    assert api.fake.rejections[-1] == "bad signature"


async def test_stale_timestamp_is_rejected(api: Api, key: rsa.RSAPrivateKey) -> None:
    src = WalmartSource(CONSUMER, _pem(key), base_url=api.url, clock=lambda: time.time() - 200)
    try:
        with pytest.raises(CredentialsRejected):
            await src.fetch_page("100", None)
    finally:
        await src.aclose()
    assert api.fake.rejections[-1] == "stale timestamp"


async def test_unknown_item_is_product_not_found(source: WalmartSource) -> None:
    with pytest.raises(ProductNotFound, match="product not found: missing-1"):
        await source.fetch_page("missing-1", None)


async def test_throttling_carries_retry_after(source: WalmartSource) -> None:
    with pytest.raises(SourceError, match="HTTP 429") as seconds:
        await source.fetch_page("throttle-1", None)
    assert seconds.value.retry_after == 7.0
    with pytest.raises(SourceError) as date:
        await source.fetch_page("throttle-date-1", None)
    assert date.value.retry_after is not None and 20 < date.value.retry_after <= 30


async def test_server_errors_are_transient_and_retry_succeeds(api: Api, source: WalmartSource) -> None:
    with pytest.raises(SourceError, match="HTTP 500") as boom:
        await source.fetch_page("boom-1", None)
    assert boom.value.retry_after is None
    with pytest.raises(SourceError, match="HTTP 503"):
        await source.fetch_page("flaky-1", None)
    assert len((await source.fetch_page("flaky-1", None)).reviews) == 10
    assert api.fake.requests["/reviews/flaky-1"] == 2


@pytest.mark.parametrize(
    ("item_id", "message"),
    [
        ("garbled-1", "not valid JSON"),
        ("list-1", "expected a JSON object"),
        ("badnext-1", "cannot read a page number"),
    ],
)
async def test_malformed_replies_are_source_errors(source: WalmartSource, item_id: str, message: str) -> None:
    with pytest.raises(SourceError, match=message):
        await source.fetch_page(item_id, None)


async def test_network_failure_is_a_source_error(key: rsa.RSAPrivateKey) -> None:
    src = WalmartSource(CONSUMER, _pem(key), base_url=f"http://127.0.0.1:{free_port()}")
    try:
        with pytest.raises(SourceError, match="request failed"):
            await src.fetch_page("100", None)
    finally:
        await src.aclose()


async def test_bad_cursor_is_permanent(source: WalmartSource) -> None:
    with pytest.raises(PermanentSourceError, match="bad cursor"):
        await source.fetch_page("100", "next")


def test_from_settings_names_what_is_missing(tmp_path: Path, key: rsa.RSAPrivateKey) -> None:
    with pytest.raises(ValueError, match="REVIEW_SOURCE=walmart needs WM_CONSUMER_ID"):
        WalmartSource.from_settings(_settings().walmart)
    with pytest.raises(ValueError, match="needs WM_PRIVATE_KEY_PATH"):
        WalmartSource.from_settings(_settings(wm_consumer_id=CONSUMER).walmart)
    with pytest.raises(ValueError, match="WM_PRIVATE_KEY_PATH: cannot read"):
        WalmartSource.from_settings(
            _settings(wm_consumer_id=CONSUMER, wm_private_key_path=tmp_path / "nope.pem").walmart
        )
    junk = tmp_path / "junk.pem"
    junk.write_text("-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n")
    with pytest.raises(ValueError, match="not a readable"):
        WalmartSource.from_settings(_settings(wm_consumer_id=CONSUMER, wm_private_key_path=junk).walmart)


async def test_accepts_the_bare_base64_der_key_walmart_prints(api: Api, key: rsa.RSAPrivateKey) -> None:
    der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    src = WalmartSource(CONSUMER, base64.b64encode(der), base_url=api.url)
    try:
        assert len((await src.fetch_page("100", None)).reviews) == 10
    finally:
        await src.aclose()
