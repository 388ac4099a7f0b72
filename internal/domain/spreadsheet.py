"""Cells a spreadsheet opens safely: every CSV this service writes (the results, the overview) goes through here."""

from __future__ import annotations

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> str:
    """Spreadsheets run cells starting with = + - @ as formulas (CSV injection); a leading ' makes them text."""
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_START):
        # Plain negative numbers are data, not formulas: leave "-0.25" alone so it stays a number.
        try:
            float(text)
        except ValueError:
            return "'" + text
    return text
