"""A JSON product list goes through the same intake as an uploaded CSV (same checks, same row numbering): it is
written out as a CSV first, and what the intake says about rows and columns is said back about product fields."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence

from internal.domain.errors import ServiceError
from internal.intake import CsvIntakeError

# The fixed columns, in this order; a product's other fields follow as extra columns in order of appearance.
PRODUCT_COLUMNS = ("product_id", "name", "url", "source")


class ProductListError(ServiceError):
    """The intake refused a JSON product list: the CsvIntakeError restated with the client's field path
    (`products.3.product_id`) instead of CSV rows and columns."""

    def __init__(self, code: str, field: str, message: str) -> None:
        super().__init__(
            f"{field}: {message}",
            status=413 if code == "too_large" else 422,
            code=code,
            details={"field": field, "code": code},
        )
        self.field = field


def products_csv(products: Sequence[Mapping[str, object]]) -> tuple[bytes, list[str]]:
    """The CSV for a list of products (each a mapping with at least `product_id`) and its columns (to name a field
    when the intake refuses something)."""
    columns: dict[str, None] = dict.fromkeys(PRODUCT_COLUMNS)
    for item in products:
        columns.update(dict.fromkeys(item))
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(columns)
    for item in products:
        writer.writerow(["" if item.get(c) is None else str(item.get(c)) for c in columns])
    return buf.getvalue().encode(), list(columns)


def product_list_error(err: CsvIntakeError, columns: list[str]) -> ProductListError:
    """The intake speaks of CSV rows and columns; a JSON client sent `products[i].field`."""
    field = "products"
    if err.row is not None and err.row > 1:  # row 1 is the header made of every field name
        field += f".{err.row - 2}"
        if err.column is not None and 0 < err.column <= len(columns):
            field += f".{columns[err.column - 1]}"
    message = err.message.replace("The header (row 1)", "The set of product fields")
    if err.row is not None and err.row > 1:
        message = message.replace(f"Row {err.row}", "This product").replace(f"row {err.row}", "this product")
    return ProductListError(err.code, field, message)
