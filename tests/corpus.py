"""The bad/awkward CSV corpus (tests/data/csv_corpus) and the exact outcome each file must produce."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

CORPUS = Path(__file__).resolve().parent / "data" / "csv_corpus"


def corpus_cases() -> list[tuple[str, dict[str, Any]]]:
    expected: dict[str, dict[str, Any]] = json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))
    assert len(expected) >= 25
    return sorted(expected.items())
