"""GeminiScorer through the real google-genai client against a loopback fake generateContent endpoint."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from internal.adapters.scorers.base import PermanentScorerError, ScorerError
from internal.adapters.scorers.gemini import GeminiScorer
from internal.domain.models import Review
from internal.platform.config import Settings
from internal.platform.stack.proc import free_port
from tests.fakes.gemini import FakeGemini
from tests.fakes.server import serve_app


@pytest.fixture
def fake() -> Iterator[tuple[FakeGemini, str]]:
    api = FakeGemini()
    with serve_app(api.app) as url:
        yield api, url


def _scorer(url: str, **kw: object) -> GeminiScorer:
    return GeminiScorer(api_key="test-key", base_url=url, initial_delay=0.05, **kw)  # type: ignore[arg-type]


def _reviews(*texts: str) -> list[Review]:
    return [Review(review_id=f"r{i}", text=t) for i, t in enumerate(texts)]


def _sent(api: FakeGemini) -> list[list[str]]:
    """The review texts of every request, in the order the fake saw them."""
    return [[r["text"] for r in json.loads(body["contents"][-1]["parts"][0]["text"])] for _, body in api.requests]


async def test_scores_come_back_in_order_with_the_schema_requested(fake: tuple[FakeGemini, str]) -> None:
    api, url = fake
    scores = await _scorer(url).score(
        _reviews("I love it, great kettle", "Broken and awful", "A kettle", "", "good, bad")
    )
    assert [s.review_id for s in scores] == ["r0", "r1", "r2", "r3", "r4"]
    assert [s.label for s in scores] == ["positive", "negative", "neutral", "neutral", "mixed"]
    assert scores[0].sentiment > 0.5 and scores[1].sentiment < -0.5 and {s.scorer for s in scores} == {"gemini"}
    assert scores[3].confidence == 0.0  # blank: never sent, no evidence
    path, body = api.requests[0]
    assert path == "/v1/models/gemini-2.5-flash:generateContent"
    config = body["generationConfig"]
    assert config["responseMimeType"] == "application/json" and config["temperature"] == 0.0
    assert set(config["responseSchema"]["properties"]) == {"reviews"}
    assert _sent(api) == [["I love it, great kettle", "Broken and awful", "A kettle", "good, bad"]]


async def test_many_reviews_go_twenty_per_request(fake: tuple[FakeGemini, str]) -> None:
    api, url = fake
    reviews = [Review(review_id=f"id-{i:02d}", text=f"review {i} is {'good' if i % 2 else 'bad'}") for i in range(45)]
    scores = await _scorer(url).score(reviews)
    assert sorted(len(texts) for texts in _sent(api)) == [5, 20, 20]
    assert [s.review_id for s in scores] == [r.review_id for r in reviews]
    assert [s.label for s in scores] == ["positive" if i % 2 else "negative" for i in range(45)]


async def test_unparseable_reply_gives_weak_neutral_scores(fake: tuple[FakeGemini, str]) -> None:
    api, url = fake
    for reply in ("invalid_json", "no_candidates"):
        api.reply = reply
        scores = await _scorer(url).score(_reviews("great", "awful"))
        assert [(s.label, s.sentiment, s.confidence) for s in scores] == [("neutral", 0.0, 0.0)] * 2, reply


async def test_reviews_missing_from_the_reply_are_weak(fake: tuple[FakeGemini, str]) -> None:
    api, url = fake
    api.reply = "partial"  # the fake answers only every other index
    scores = await _scorer(url).score(_reviews("great", "awful", "love it", "terrible"))
    assert [s.label for s in scores] == ["positive", "neutral", "positive", "neutral"]
    assert [s.confidence == 0.0 for s in scores] == [False, True, False, True]


async def test_429_is_retried_by_the_client_then_succeeds(fake: tuple[FakeGemini, str]) -> None:
    api, url = fake
    api.fail_429 = 2
    scores = await _scorer(url, attempts=3).score(_reviews("great"))
    assert scores[0].label == "positive" and api.calls == 3


async def test_429_after_the_clients_retries_is_transient_with_retry_after(fake: tuple[FakeGemini, str]) -> None:
    api, url = fake
    api.fail_429, api.retry_delay = 100, "17s"
    with pytest.raises(ScorerError) as caught:
        await _scorer(url, attempts=2).score(_reviews("great"))
    assert not isinstance(caught.value, PermanentScorerError)
    assert caught.value.retry_after == 17.0 and api.calls == 2


@pytest.mark.parametrize("status", [401, 400])
async def test_rejected_key_is_permanent(fake: tuple[FakeGemini, str], status: int) -> None:
    api, url = fake
    api.bad_key_status = status  # type: ignore[assignment]
    scorer = GeminiScorer(api_key="wrong", base_url=url, initial_delay=0.05)
    with pytest.raises(PermanentScorerError, match="credentials rejected by gemini"):
        await scorer.score(_reviews("great"))
    assert api.calls == 1  # 4xx is not retried


async def test_unknown_model_is_permanent(fake: tuple[FakeGemini, str]) -> None:
    api, url = fake
    api.models = {"gemini-2.5-flash"}
    with pytest.raises(PermanentScorerError, match="404"):
        await _scorer(url, model="gemini-9-ultra").score(_reviews("great"))


async def test_unreachable_endpoint_is_transient() -> None:
    with pytest.raises(ScorerError, match="unreachable"):
        await _scorer(f"http://127.0.0.1:{free_port()}", attempts=1).score(_reviews("great"))


async def test_summarize_samples_trims_and_keeps_three_sentences(fake: tuple[FakeGemini, str]) -> None:
    api, url = fake
    reviews = [Review(review_id=f"r{i}", text=("great " if i % 3 else "awful ") + "x" * 800) for i in range(120)]
    summary = await _scorer(url).summarize("Kettle 3000", reviews)
    assert summary is not None
    assert summary.startswith("Customers of Kettle 3000 are mostly happy")
    assert summary.endswith("The rest are neutral.")  # the fourth sentence is cut
    _, body = api.requests[-1]
    sent = json.loads(body["contents"][-1]["parts"][0]["text"])
    assert sent["product"] == "Kettle 3000" and len(sent["reviews"]) == 50
    assert max(len(t) for t in sent["reviews"]) == 500
    assert set(body["generationConfig"]["responseSchema"]["properties"]) == {"summary"}


async def test_summarize_returns_none_when_unusable(fake: tuple[FakeGemini, str]) -> None:
    api, url = fake
    scorer = _scorer(url)
    assert await scorer.summarize("Kettle", []) is None
    assert api.calls == 0
    api.reply = "invalid_json"
    assert await scorer.summarize("Kettle", _reviews("great")) is None


def test_from_settings_needs_the_api_key() -> None:
    with pytest.raises(ValueError, match="SCORER=gemini needs GEMINI_API_KEY"):
        GeminiScorer.from_settings(Settings(gemini_api_key=None).gemini)
    scorer = GeminiScorer.from_settings(
        Settings(gemini_api_key=SecretStr("k"), gemini_base_url="http://127.0.0.1:1").gemini
    )
    assert scorer.name == "gemini"


async def test_from_settings_talks_to_the_configured_base_url(fake: tuple[FakeGemini, str]) -> None:
    api, url = fake
    settings = Settings(gemini_api_key=SecretStr("test-key"), gemini_base_url=url, gemini_model="gemini-2.5-pro")
    scores = await GeminiScorer.from_settings(settings.gemini).score(_reviews("great"))
    assert scores[0].label == "positive"
    assert api.requests[0][0] == "/v1/models/gemini-2.5-pro:generateContent"
