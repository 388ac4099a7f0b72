"""The reference to one product row that workflows pass around (never the row's cells or reviews)."""

from __future__ import annotations

from dataclasses import dataclass


# No slots, and these two field names: the record is serialised into recorded workflow histories (page_rows).
@dataclass(frozen=True)
class RowRef:
    row_num: int
    product_id: str
