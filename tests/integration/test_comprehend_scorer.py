"""ComprehendScorer through real boto3 against a loopback fake that speaks JSON 1.1 and enforces AWS's limits."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from internal.adapters.scorers.base import PermanentScorerError, ScorerError
from internal.adapters.scorers.comprehend import ComprehendScorer, fit_bytes
from internal.domain.models import Review
from internal.platform.config import Settings
from internal.platform.stack.proc import free_port
from tests.fakes.comprehend import FAIL_MARKER, FakeComprehend
from tests.fakes.server import serve_app

KEY = "AKIDFAKECOMPREHEND"


@pytest.fixture(autouse=True)
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    # Only what the test sets may reach boto3: no profile, config file or instance metadata from this machine.
    nowhere = tmp_path_factory.mktemp("aws") / "none"
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(nowhere))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(nowhere))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "fake-secret")
    monkeypatch.setenv("AWS_REGION", "us-east-1")


@pytest.fixture
def fake() -> Iterator[tuple[FakeComprehend, str]]:
    api = FakeComprehend(access_keys={KEY})
    with serve_app(api.app) as url:
        yield api, url


def _reviews(*texts: str) -> list[Review]:
    return [Review(review_id=f"r{i}", text=t) for i, t in enumerate(texts)]


async def test_scores_map_onto_our_scale_in_order(fake: tuple[FakeComprehend, str]) -> None:
    api, url = fake
    scores = await ComprehendScorer(endpoint_url=url).score(
        _reviews("Great product, I love it", "Terrible. Broken on day one", "It is a kettle", "   ", "good but broken")
    )
    assert [s.review_id for s in scores] == ["r0", "r1", "r2", "r3", "r4"]
    assert [s.label for s in scores] == ["positive", "negative", "neutral", "neutral", "mixed"]
    assert {s.scorer for s in scores} == {"comprehend"}
    assert scores[0].sentiment > 0.5 and scores[1].sentiment < -0.5 and scores[2].sentiment == 0.0
    assert scores[0].confidence == pytest.approx(0.9) and scores[4].confidence == pytest.approx(0.5)
    # The blank review is never sent (Comprehend rejects empty documents) and carries no confidence.
    assert scores[3].confidence == 0.0
    assert api.requests == [
        ["Great product, I love it", "Terrible. Broken on day one", "It is a kettle", "good but broken"]
    ]


async def test_sixty_reviews_go_in_batches_of_25(fake: tuple[FakeComprehend, str]) -> None:
    api, url = fake
    reviews = [Review(review_id=f"id-{i:02d}", text=f"review {i} is {'good' if i % 2 else 'bad'}") for i in range(60)]
    scores = await ComprehendScorer(endpoint_url=url).score(reviews)
    assert [len(r) for r in api.requests] == [25, 25, 10]
    assert [s.review_id for s in scores] == [r.review_id for r in reviews]
    assert [s.label for s in scores[:4]] == ["negative", "positive", "negative", "positive"]


async def test_long_texts_are_cut_to_5000_bytes(fake: tuple[FakeComprehend, str]) -> None:
    api, url = fake
    accents = "é" * 3000  # 6,000 bytes, 2 per character
    sentences = "".join(f"Sentence number {i} says this is a good kettle. " for i in range(200))
    scores = await ComprehendScorer(endpoint_url=url).score(_reviews(accents, sentences))
    assert [s.label for s in scores] == ["neutral", "positive"]
    sent_accents, sent_sentences = api.requests[0]
    assert sent_accents == "é" * 2499  # the 2,500th would reach 5,000 bytes; half of it is never sent
    assert len(sent_sentences.encode("utf-8")) < 5000
    assert sent_sentences.endswith("good kettle.") and sentences.startswith(sent_sentences)


def test_fit_bytes_never_splits_a_character_and_prefers_a_late_sentence_end() -> None:
    assert fit_bytes("short", 5000) == "short"
    emoji = "😀" * 10  # 4 bytes each
    assert fit_bytes(emoji, 10) == "😀😀"
    assert fit_bytes("ab😀", 5) == "ab"
    # A sentence end near the limit wins; one that would throw most of the text away does not.
    assert fit_bytes("One two. Three four five", 20) == "One two. Three four "
    assert fit_bytes("Aaaa aaaa aaaa. Bbbb bbbb", 20) == "Aaaa aaaa aaaa."


async def test_only_failed_documents_are_retried(fake: tuple[FakeComprehend, str]) -> None:
    api, url = fake
    reviews = _reviews(*[f"good {i}" for i in range(30)])
    reviews[3] = Review(review_id="r3", text=f"great {FAIL_MARKER}")
    reviews[27] = Review(review_id="r27", text=f"awful {FAIL_MARKER}")
    scores = await ComprehendScorer(endpoint_url=url, document_retry_delay=0).score(reviews)
    assert [len(r) for r in api.requests] == [25, 1, 5, 1]
    assert api.requests[1] == [f"great {FAIL_MARKER}"] and api.requests[3] == [f"awful {FAIL_MARKER}"]
    assert [s.review_id for s in scores] == [r.review_id for r in reviews]
    assert (scores[3].label, scores[27].label) == ("positive", "negative")


async def test_documents_that_keep_failing_raise_a_transient_error(fake: tuple[FakeComprehend, str]) -> None:
    api, url = fake
    api.fail_times = 100
    scorer = ComprehendScorer(endpoint_url=url, document_attempts=3, document_retry_delay=0)
    with pytest.raises(ScorerError, match="1 document"):
        await scorer.score(_reviews("good", f"bad {FAIL_MARKER}"))
    assert api.requests == [["good", f"bad {FAIL_MARKER}"], [f"bad {FAIL_MARKER}"], [f"bad {FAIL_MARKER}"]]


async def test_one_throttle_is_absorbed_by_botocore(fake: tuple[FakeComprehend, str]) -> None:
    api, url = fake
    api.throttle = 1
    scores = await ComprehendScorer(endpoint_url=url, max_attempts=2).score(_reviews("good"))
    assert scores[0].label == "positive" and api.calls == 2


@pytest.mark.parametrize("code", ["ThrottlingException", "TooManyRequestsException"])
async def test_persistent_throttling_is_a_transient_error(fake: tuple[FakeComprehend, str], code: str) -> None:
    api, url = fake
    api.throttle, api.throttle_code = 100, code
    with pytest.raises(ScorerError, match="throttled") as caught:
        await ComprehendScorer(endpoint_url=url, max_attempts=2).score(_reviews("good"))
    assert not isinstance(caught.value, PermanentScorerError)
    assert api.calls == 2  # botocore tried once more, then left the backoff to Temporal


async def test_rejected_credentials_are_permanent(
    fake: tuple[FakeComprehend, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    api, url = fake
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDWRONG")
    with pytest.raises(PermanentScorerError, match="credentials rejected by comprehend"):
        await ComprehendScorer(endpoint_url=url).score(_reviews("good"))
    assert api.calls == 1


async def test_unsupported_language_is_permanent(fake: tuple[FakeComprehend, str]) -> None:
    api, url = fake
    api.languages = {"es"}
    with pytest.raises(PermanentScorerError, match="UnsupportedLanguageException"):
        await ComprehendScorer(endpoint_url=url).score(_reviews("good"))
    with pytest.raises(ValueError, match="'xx'"):
        ComprehendScorer(language="xx")


async def test_unreachable_endpoint_is_transient() -> None:
    scorer = ComprehendScorer(endpoint_url=f"http://127.0.0.1:{free_port()}", max_attempts=1)
    with pytest.raises(ScorerError, match="unreachable"):
        await scorer.score(_reviews("good"))


async def test_from_settings_uses_the_standard_aws_variables(
    fake: tuple[FakeComprehend, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    api, url = fake
    monkeypatch.setenv("AWS_ENDPOINT_URL", url)
    scorer = ComprehendScorer.from_settings(Settings(comprehend_language="en").comprehend)
    assert scorer.name == "comprehend"
    assert (await scorer.score(_reviews("love it")))[0].label == "positive"
    assert api.requests == [["love it"]]
    with pytest.raises(ValueError, match="COMPREHEND_LANGUAGE"):
        ComprehendScorer.from_settings(Settings(comprehend_language="xx").comprehend)
    monkeypatch.delenv("AWS_REGION")
    with pytest.raises(ValueError, match="SCORER=comprehend needs AWS_REGION"):
        ComprehendScorer.from_settings(Settings().comprehend)
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    with pytest.raises(ValueError, match="AWS_ACCESS_KEY_ID"):
        ComprehendScorer.from_settings(Settings().comprehend)
