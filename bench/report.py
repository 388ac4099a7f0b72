"""Writes one benchmark's section of docs/performance.md between its markers, leaving the others as they are."""

from __future__ import annotations

from pathlib import Path


def write_section(path: Path, name: str, heading: str, text: str) -> None:
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    block = f"{begin}\n{text}\n{end}"
    body = path.read_text() if path.exists() else "# Performance\n"
    if begin in body:
        head, rest = body.split(begin, 1)
        body = head + block + rest.split(end, 1)[1]
    else:
        body = body.rstrip() + f"\n\n## {heading}\n\n{block}\n"
    path.write_text(body)
