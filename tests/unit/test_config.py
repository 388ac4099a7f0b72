from __future__ import annotations

from pathlib import Path

import pytest

from internal.platform.config import Settings, SettingsError, load_settings


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in (
        "DATABASE_URL",
        "TEMPORAL_HOST_PORT",
        "API_PORT",
        "API_TOKEN",
        "REVIEW_SOURCE",
        "DATA_DIR",
        "SCORER",
        "SCORER_CHAIN",
        "UPLOAD_STORAGE",
        "S3_BUCKET",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env from the repo


def test_defaults_are_the_documented_ones() -> None:
    s = load_settings()
    assert (s.api_host, s.api_port, s.temporal_task_queue, s.temporal_namespace) == (
        "127.0.0.1",
        8080,
        "review-enrichment",
        "default",
    )
    assert s.embedded_temporal and s.embedded_postgres
    assert s.temporal_address == "127.0.0.1:7233"
    assert (s.review_source, s.scorer, s.upload_storage) == ("demo", None, "local")
    assert s.scorers_in_chain == ["lexical", "e5"]  # DEFAULT_SCORER_CHAIN: neither SCORER nor SCORER_CHAIN set


@pytest.mark.parametrize("value", ["channel", "temporal"])
def test_the_retired_enricher_variable_stops_the_process(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    # Ignoring it would let a user believe the old in-process pipeline still runs their jobs.
    monkeypatch.setenv("ENRICHER", value)
    with pytest.raises(SettingsError) as err:
        load_settings()
    assert "ENRICHER: is no longer read" in str(err.value)
    assert "remove ENRICHER" in str(err.value)


def test_an_empty_enricher_variable_is_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENRICHER", "")
    assert load_settings().enricher is None


def test_bad_database_url_names_the_variable_and_hides_the_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "mysql://user:hunter2@db/x")
    with pytest.raises(SettingsError) as err:
        load_settings()
    assert "DATABASE_URL" in str(err.value)
    assert "postgresql://" in str(err.value)
    assert "hunter2" not in str(err.value)


def test_bad_port_and_host_port_say_which_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("API_PORT", "99999")
    monkeypatch.setenv("TEMPORAL_HOST_PORT", "localhost")
    with pytest.raises(SettingsError) as err:
        load_settings()
    text = str(err.value)
    assert "API_PORT" in text and "TEMPORAL_HOST_PORT" in text and "host:port" in text


def test_external_services_switch_off_embedding(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:p@db.example:5432/app")
    monkeypatch.setenv("TEMPORAL_HOST_PORT", "temporal.example:7233")
    s = load_settings()
    assert not s.embedded_postgres and not s.embedded_temporal
    assert s.temporal_address == "temporal.example:7233"


def test_dotenv_is_read_and_secrets_stay_secret(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("API_TOKEN=s3cret\nREVIEW_SOURCE=file\n")
    s = load_settings()
    assert s.review_source == "file"
    assert s.api_token is not None and s.api_token.get_secret_value() == "s3cret"
    assert "s3cret" not in repr(s)


def test_unknown_choice_is_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCORER", "magic")
    with pytest.raises(SettingsError, match="SCORER"):
        load_settings()


def test_settings_can_be_built_explicitly() -> None:
    s = Settings(data_dir=Path("/tmp/x"), _env_file=None)
    assert s.data_dir == Path("/tmp/x")


def test_jobs_default_to_the_configured_source_and_chain(monkeypatch: pytest.MonkeyPatch) -> None:
    day = 24 * 3600
    assert load_settings().job_defaults() == {
        "source": "demo",
        "scorer_chain": ["lexical", "e5"],
        "review_max_age": day,
    }
    monkeypatch.setenv("REVIEW_SOURCE", "walmart")
    monkeypatch.setenv("SCORER", "gemini")
    s = load_settings()
    assert s.job_defaults() == {"source": "walmart", "scorer_chain": ["gemini"], "review_max_age": day}
    assert s.configured_sources == ["demo", "walmart"] and s.configured_scorers == ["e5", "gemini", "lexical", "vader"]
    monkeypatch.setenv("SCORER_CHAIN", " vader, comprehend ,gemini")
    s = load_settings()
    assert s.scorers_in_chain == ["vader", "comprehend", "gemini"]
    assert s.configured_scorers == ["comprehend", "e5", "gemini", "lexical", "vader"]


def test_unknown_scorer_in_the_chain_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCORER_CHAIN", "vader,bert")
    with pytest.raises(SettingsError, match="SCORER_CHAIN names unknown scorer\\(s\\) bert"):
        load_settings()


def test_s3_uploads_need_a_bucket(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UPLOAD_STORAGE", "s3")
    with pytest.raises(SettingsError, match="UPLOAD_STORAGE=s3 needs S3_BUCKET"):
        load_settings()
    monkeypatch.setenv("S3_BUCKET", "uploads")
    assert load_settings().s3_bucket == "uploads"


def test_an_empty_api_token_means_no_token(monkeypatch: pytest.MonkeyPatch) -> None:
    # Otherwise "Authorization: Bearer " would match it, and a public API_HOST would be accepted.
    monkeypatch.setenv("API_TOKEN", "  ")
    assert load_settings().api_token is None


@pytest.mark.parametrize(("value", "seconds"), [("0", 0), ("90", 90), ("90s", 90), ("15m", 900), ("1h30m", 5400)])
def test_review_max_age_takes_seconds_or_a_duration(monkeypatch: pytest.MonkeyPatch, value: str, seconds: int) -> None:
    monkeypatch.setenv("REVIEW_MAX_AGE", value)
    assert load_settings().review_max_age == seconds


def test_a_bad_review_max_age_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REVIEW_MAX_AGE", "a day")
    with pytest.raises(SettingsError, match="REVIEW_MAX_AGE: 'a day' is not a duration"):
        load_settings()
