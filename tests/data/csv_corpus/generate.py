"""Writes the awkward-CSV corpus and its manifest, expected.json.

The files themselves are committed; this script is where each one is spelled out byte by byte next to the
outcome it must produce, so the bytes that matter (BOMs, CR/LF, Latin-1, NUL) are visible in review. Edit a
case here and run `python tests/data/csv_corpus/generate.py`; tests/unit/test_intake.py fails if the files
and this script disagree.

Manifest, per file: `{"error": {"code", "row", "column"}}` for a rejected upload, or `{"delimiter",
"id_column", "rows": [...], "blank_rows_skipped"}`. A row's `status` is `pending`, `invalid` (with
`reason_contains`) or `duplicate` — the later occurrences of a product id among rows that are not invalid,
as the database decides after intake (the intake itself reports them as valid rows). Optional keys are checked
when present: per file `header`, `header_row`, `had_bom`; per row `column`, `name`, `url`, `data`, `note_contains`
(an echoed cell truncated: the row's note, which its reason in the results ends with); per error
`message_contains`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
BOM = b"\xef\xbb\xbf"


def ok(
    delimiter: str,
    id_column: str,
    rows: list[dict[str, Any]],
    blank: int = 0,
    **extra: Any,
) -> dict[str, Any]:
    return {
        "delimiter": delimiter,
        "id_column": id_column,
        "rows": rows,
        "blank_rows_skipped": blank,
        **extra,
    }


def error(code: str, row: int | None = None, column: int | None = None, **extra: Any) -> dict[str, Any]:
    return {"error": {"code": code, "row": row, "column": column, **extra}}


def pending(row: int, product_id: str, **extra: Any) -> dict[str, Any]:
    return {"row": row, "product_id": product_id, "status": "pending", **extra}


def invalid(row: int, reason: str, product_id: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"row": row, "product_id": product_id, "status": "invalid", "reason_contains": reason, **extra}


def duplicate(row: int, product_id: str, of: int) -> dict[str, Any]:
    return {"row": row, "product_id": product_id, "status": "duplicate", "reason_contains": f"row {of}"}


def utf16(text: str) -> bytes:
    return b"\xff\xfe" + text.encode("utf-16-le")


CASES: dict[str, tuple[bytes, dict[str, Any]]] = {
    "01_bom_crlf.csv": (
        BOM + b"product_id,name\r\nA1,Alpha\r\nB2,Beta\r\n",
        ok(",", "product_id", [pending(2, "A1"), pending(3, "B2")], had_bom=True),
    ),
    "02_semicolon.csv": (
        b"product_id;name;price\nA1;Alpha;1,50\nB2;Beta;2,00\n",
        ok(";", "product_id", [pending(2, "A1"), pending(3, "B2")]),
    ),
    "03_tab.csv": (
        b"sku\tname\nA1\tAlpha, the first\nB2\tBeta\n",
        ok("\t", "sku", [pending(2, "A1", name="Alpha, the first"), pending(3, "B2")]),
    ),
    "04_pipe.csv": (
        b"item_id|name|note\nA1|Alpha|x\nB2|Beta|y\n",
        ok("|", "item_id", [pending(2, "A1"), pending(3, "B2")]),
    ),
    "05_quoted_commas.csv": (
        b'product_id,name\nA1,"Alpha, deluxe"\n"B,2","Beta"\n',
        ok(",", "product_id", [pending(2, "A1", name="Alpha, deluxe"), pending(3, "B,2")]),
    ),
    "06_quoted_newlines.csv": (
        b'product_id,name\nA1,"line one\nline two"\nB2,Beta\n',
        ok(",", "product_id", [pending(2, "A1", name="line one\nline two"), pending(3, "B2")]),
    ),
    "07_escaped_quotes.csv": (
        b'product_id,name\nA1,"The ""best"" one"\nB2,"say ""hi"""\n',
        ok(",", "product_id", [pending(2, "A1", name='The "best" one'), pending(3, "B2", name='say "hi"')]),
    ),
    "08_header_only.csv": (b"product_id,name\n", ok(",", "product_id", [])),
    "09_empty.csv": (b"", error("empty_file")),
    "10_whitespace_only.csv": (b"  \r\n\t\n \n", error("empty_file")),
    "11_no_id_column.csv": (
        b"name,price\nAlpha,1\n",
        error("no_id_column", 1, message_contains="product_id, item_id, sku or id"),
    ),
    "12_uppercase_sku.csv": (b"SKU,Name\nA1,Alpha\n", ok(",", "SKU", [pending(2, "A1", name="Alpha")])),
    "13_item_id_beats_id.csv": (
        b"id,item_id,name\n1,A1,Alpha\n2,B2,Beta\n",
        ok(",", "item_id", [pending(2, "A1"), pending(3, "B2")]),
    ),
    "14_duplicate_headers.csv": (b"product_id,name,Name\nA1,x,y\n", error("duplicate_header", 1, 3)),
    "15_empty_ids.csv": (
        b"product_id,name\nA1,Alpha\n,Nameless\nB2,Beta\n",
        ok(
            ",",
            "product_id",
            [pending(2, "A1"), invalid(3, "product id is empty", column=1), pending(4, "B2")],
        ),
    ),
    "16_whitespace_ids.csv": (
        b"product_id,name\n  A1  ,Alpha\n   ,Blank\n\t,Tab\n",
        ok(
            ",",
            "product_id",
            [
                pending(2, "A1", data={"product_id": "  A1  ", "name": "Alpha"}),
                invalid(3, "empty"),
                invalid(4, "empty"),
            ],
        ),
    ),
    "17_short_rows.csv": (
        b"product_id,name,url\nA1\nB2,Beta\nC3,Gamma,http://x\n",
        ok(
            ",",
            "product_id",
            [
                pending(2, "A1", data={"product_id": "A1", "name": "", "url": ""}),
                pending(3, "B2"),
                pending(4, "C3", url="http://x"),
            ],
        ),
    ),
    "18_long_rows.csv": (
        b"product_id,name\nA1,Alpha,surprise\nB2,Beta\n",
        ok(",", "product_id", [invalid(2, "3 cells but the header has 2", "A1", column=3), pending(3, "B2")]),
    ),
    "19_trailing_delimiters.csv": (
        b"product_id,name,\nA1,Alpha,\nB2,Beta,,\n",
        ok(",", "product_id", [pending(2, "A1"), pending(3, "B2")], header=["product_id", "name"]),
    ),
    "20_blank_lines.csv": (
        b"product_id,name\nA1,Alpha\n\n\nB2,Beta\n\n",
        ok(",", "product_id", [pending(2, "A1"), pending(5, "B2")], blank=3),
    ),
    "21_latin1.csv": (b"product_id,name\nA1,Alpha\nB2,Caf\xe9 cr\xe8me\n", error("not_utf8", 3, 2)),
    # The NUL sits in row 2, column 2; the error says so rather than only "binary".
    "22_nul_bytes.csv": (b"product_id,name\nA1,Al\x00pha\n", error("binary_file", 2, 2)),
    # A column the service only echoes (description) is truncated, never a reason to refuse the row.
    "23_very_long_field.csv": (
        b"product_id,description\nA1," + b"x" * 10_001 + b"\nB2,short\n",
        ok(
            ",",
            "product_id",
            [
                pending(2, "A1", note_contains="'description' truncated to 10,000 characters (it had 10,001"),
                pending(3, "B2"),
            ],
        ),
    ),
    "24_id_too_long.csv": (
        b"product_id,name\n" + b"P" * 201 + b",Long\nB2,Beta\n",
        ok(",", "product_id", [invalid(2, "201 characters", column=1), pending(3, "B2")]),
    ),
    "25_extra_columns.csv": (
        b"product_id,name,category,warehouse,notes\nA1,Alpha,toys,W1,fragile\n",
        ok(
            ",",
            "product_id",
            [
                pending(
                    2,
                    "A1",
                    data={
                        "product_id": "A1",
                        "name": "Alpha",
                        "category": "toys",
                        "warehouse": "W1",
                        "notes": "fragile",
                    },
                )
            ],
        ),
    ),
    "26_single_column.csv": (
        b"product_id\nA1\nB2\nA1\n",
        ok(",", "product_id", [pending(2, "A1"), pending(3, "B2"), duplicate(4, "A1", 2)]),
    ),
    "27_unicode_ids.csv": (
        "product_id,name\n商品-一,Tea\n😀-42,Smile\nÅngström,Unit\n".encode(),
        ok(",", "product_id", [pending(2, "商品-一"), pending(3, "😀-42"), pending(4, "Ångström")]),
    ),
    "28_duplicates.csv": (
        b"product_id,name\nA1,first\nB2,other\nA1,second\n A1 ,third\nB2,again\n",
        ok(
            ",",
            "product_id",
            [
                pending(2, "A1"),
                pending(3, "B2"),
                duplicate(4, "A1", 2),
                duplicate(5, "A1", 2),
                duplicate(6, "B2", 3),
            ],
        ),
    ),
    "29_control_chars_in_id.csv": (
        b"product_id,name\nA\x071,Bell\nB2,Beta\n",
        ok(",", "product_id", [invalid(2, "control characters", column=1), pending(3, "B2")]),
    ),
    "30_delimiter_only_row.csv": (
        b"product_id,name\n,\nA1,Alpha\n",
        ok(",", "product_id", [invalid(2, "empty"), pending(3, "A1")]),
    ),
    "31_empty_header_cell.csv": (b"product_id,,name\nA1,x,y\n", error("empty_header", 1, 2)),
    "32_bom_semicolon_crlf_quoted.csv": (
        BOM + b'"Product_ID";"Name"\r\n"A1";"Alpha; the first"\r\n"B2";"Beta"\r\n',
        ok(";", "Product_ID", [pending(2, "A1", name="Alpha; the first"), pending(3, "B2")], had_bom=True),
    ),
    "33_lone_cr.csv": (
        b"product_id,name\rA1,Alpha\rB2,Beta\r",
        ok(",", "product_id", [pending(2, "A1", name="Alpha"), pending(3, "B2", name="Beta")]),
    ),
    "34_invalid_utf8_in_header.csv": (b"product_id,n\xffme\nA1,x\n", error("not_utf8", 1, 2)),
    "35_mixed_duplicate_of_invalid.csv": (
        b"id,name\n,empty\nA1,x\n,empty again\nA1,y\n",
        ok(",", "id", [invalid(2, "empty"), pending(3, "A1"), invalid(4, "empty"), duplicate(5, "A1", 3)]),
    ),
    # Blank lines before the header are skipped; the numbers still match the spreadsheet (header on row 3).
    "36_leading_blank_lines.csv": (
        b"\n\r\nproduct_id,name\nA1,Alpha\n",
        ok(",", "product_id", [pending(4, "A1")], blank=2, header_row=3),
    ),
    # Without the check the csv module would swallow rows 3-4 into row 2's name and report one row.
    "37_unclosed_quote.csv": (
        b'product_id,name\nA1,"Alpha\nB2,Beta\nC3,Gamma\n',
        error("unclosed_quote", 2, 2),
    ),
    "38_utf16_bom.csv": (
        utf16("product_id,name\r\nA1,Alpha\r\n"),
        error("not_utf8", message_contains="UTF-16"),
    ),
    "39_xlsx_renamed.csv": (
        b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00[Content_Types].xml\x00\x00",
        error("binary_file", message_contains="xlsx"),
    ),
    "40_truncated_utf8_at_eof.csv": (b"product_id,name\nA1,caf\xc3", error("not_utf8", 2, 2)),
    "41_no_trailing_newline.csv": (
        b"product_id,name\nA1,Alpha\nB2,Beta",
        ok(",", "product_id", [pending(2, "A1"), pending(3, "B2", name="Beta")]),
    ),
    "42_header_looks_like_data.csv": (
        b"12345,Blue widget,https://example.com/p/12345\n67890,Red widget,https://example.com/p/67890\n",
        error("missing_header", 1),
    ),
    # Spreadsheets export `a,b,,` for formatted but empty columns: no names there, so they are not columns.
    "43_trailing_empty_header_cells.csv": (
        b"product_id,name,,\nA1,Alpha,,\nB2,Beta,,oops\nC3,Gamma, ,\t\n",
        ok(
            ",",
            "product_id",
            [pending(2, "A1"), invalid(3, "4 cells but the header has 2", "B2", column=4), pending(4, "C3")],
            header=["product_id", "name"],
        ),
    ),
    "44_mixed_line_endings.csv": (
        b"product_id,name\r\nA1,Alpha\nB2,Beta\r\nC3,Gamma\r",
        ok(
            ",",
            "product_id",
            [pending(2, "A1"), pending(3, "B2", name="Beta"), pending(4, "C3", name="Gamma")],
        ),
    ),
    # Decimal commas and "Last, First" names in a semicolon file: the header decides the delimiter.
    "45_semicolon_commas_in_values.csv": (
        b"sku;name;price\nA1;Smith, John;1,50\nB2;Doe, Jane;2,75\nC3;Roe, Max;3,00\n",
        ok(";", "sku", [pending(2, "A1", name="Smith, John"), pending(3, "B2"), pending(4, "C3")]),
    ),
    # Joiners in emoji and an NBSP inside an id are not control characters; Unicode spaces around are trimmed.
    "46_unicode_whitespace_and_joiners.csv": (
        "product_id,name\n👩\u200d💻-7,coder\n商品１２３,fullwidth\ne\u0301clair,combining\n"
        "🇫🇷-wine,flag\nA\u00a0B,nbsp inside\n\u00a0A9\u00a0,nbsp around\n"
        "\u3000Z9\u3000,ideographic\n".encode(),
        ok(
            ",",
            "product_id",
            [
                pending(2, "👩\u200d💻-7"),
                pending(3, "商品１２３"),
                pending(4, "e\u0301clair"),
                pending(5, "🇫🇷-wine"),
                pending(6, "A\u00a0B"),
                pending(7, "A9"),
                pending(8, "Z9"),
            ],
        ),
    ),
    "47_near_miss_id_header.csv": (
        b"Product ID,Name\nA1,x\n",
        error("no_id_column", 1, message_contains="rename it to product_id"),
    ),
    "48_nul_in_later_row.csv": (
        b"product_id,name\nA1,Alpha\nB2,Beta\nC3,Ga\x00mma\n",
        error("binary_file", 4, 2),
    ),
    # A line holding only spaces or a tab has no delimiter: it reads as an empty line, not as a row.
    "49_whitespace_only_lines.csv": (
        b"product_id,name\nA1,x\n   \n\t\nB2,y\n",
        ok(",", "product_id", [pending(2, "A1"), pending(5, "B2")], blank=2),
    ),
    "50_crlf_inside_quotes.csv": (
        b'product_id,notes\r\nA1,"line one\r\nline two"\r\nB2,plain\r\n',
        ok(
            ",",
            "product_id",
            [pending(2, "A1", data={"product_id": "A1", "notes": "line one\r\nline two"}), pending(3, "B2")],
        ),
    ),
    "51_header_whitespace_and_case.csv": (
        b" Item_ID ; NAME ; Url \nA1;Alpha;http://a\n",
        ok(
            ";",
            "Item_ID",
            [pending(2, "A1", name="Alpha", url="http://a")],
            header=["Item_ID", "NAME", "Url"],
        ),
    ),
    # Only rows that are not invalid take part in duplicate detection; ids compare exactly after trimming.
    "52_duplicate_after_invalid_row.csv": (
        b"product_id,name\nB2,first,unexpected\nA1,x\nB2,second\n A1 ,y\na1,z\nB2,third\n",
        ok(
            ",",
            "product_id",
            [
                invalid(2, "3 cells but the header has 2", "B2", column=3),
                pending(3, "A1"),
                pending(4, "B2"),
                duplicate(5, "A1", 3),
                pending(6, "a1"),
                duplicate(7, "B2", 4),
            ],
        ),
    ),
    "53_fields_at_the_limits.csv": (
        b"product_id,description\n" + b"P" * 200 + b"," + b"d" * 10_000 + b"\nB2," + b"d" * 10_001 + b"\n",
        ok(",", "product_id", [pending(2, "P" * 200), pending(3, "B2", note_contains="it had 10,001")]),
    ),
    "54_quoted_empty_ids.csv": (
        b'product_id,name\n"",x\n"  ",y\n""\nA1,z\n',
        ok(",", "product_id", [invalid(2, "empty"), invalid(3, "empty"), pending(5, "A1")], blank=1),
    ),
    "55_duplicate_header_ignoring_case.csv": (b"SKU,name, sku \nA1,x,y\n", error("duplicate_header", 1, 3)),
    "56_newline_inside_id.csv": (
        b'product_id,name\n"A\n1",x\nB2,y\n',
        ok(",", "product_id", [invalid(2, "U+000A", column=1), pending(3, "B2")]),
    ),
    "57_header_then_blank_lines.csv": (b"product_id\n\n\n", ok(",", "product_id", [], blank=2)),
    "58_bom_only.csv": (BOM + b"\r\n", error("empty_file")),
    "59_all_empty_header.csv": (b",,\nA1,x,y\n", error("missing_header", 1)),
    "60_double_bom.csv": (BOM + BOM + b"product_id,name\nA1,x\n", ok(",", "product_id", [pending(2, "A1")])),
    # Quotes inside an unquoted value are kept; text after a closing quote is kept too (as spreadsheets do).
    "61_stray_quotes.csv": (
        b'product_id,name\nA1,5" screen\nB2,"12"" ruler"\nC3,"Big" deal\n',
        ok(
            ",",
            "product_id",
            [
                pending(2, "A1", name='5" screen'),
                pending(3, "B2", name='12" ruler'),
                pending(4, "C3", name="Big deal"),
            ],
        ),
    ),
    # "First of product_id, item_id, sku, id" is an order of preference, not of position.
    "62_product_id_preferred_over_sku.csv": (
        b"sku,product_id,name\nS-1,A1,Alpha\n",
        ok(",", "product_id", [pending(2, "A1")]),
    ),
    "63_pipe_quoted_pipes.csv": (
        b'item_id|name\n"A|1"|"x|y"\nB2|z\n',
        ok("|", "item_id", [pending(2, "A|1", name="x|y"), pending(3, "B2")]),
    ),
    # The empty line inside the quotes belongs to the value; the one after the record is a blank row.
    "64_multiline_with_blank_inside.csv": (
        b'product_id,notes\nA1,"one\n\ntwo"\n\nB2,x\n',
        ok(
            ",",
            "product_id",
            [pending(2, "A1", data={"product_id": "A1", "notes": "one\n\ntwo"}), pending(4, "B2")],
            blank=1,
        ),
    ),
    "65_tab_with_commas_and_quotes.csv": (
        b'sku\tname\tprice\n"A1"\t"Alpha, ""best"""\t1,5\nB2\tBeta, plain\t2,5\n',
        ok("\t", "sku", [pending(2, "A1", name='Alpha, "best"'), pending(3, "B2", name="Beta, plain")]),
    ),
    # A column the service uses (name, url, source) over the limit still makes the row invalid, row and column named;
    # a long echoed cell in the same row is truncated all the same (nothing stored is longer than the limit).
    "66_long_used_column.csv": (
        b"product_id,name,notes\nA1," + b"n" * 10_001 + b"," + b"x" * 10_001 + b"\nB2,ok,fine\n",
        ok(
            ",",
            "product_id",
            [
                invalid(
                    2, "column 'name' is 10,001 characters long", "A1", column=2, note_contains="'notes' truncated"
                ),
                pending(3, "B2"),
            ],
        ),
    ),
}


def render() -> dict[str, bytes]:
    """Every file of the corpus, manifest included, as it should be on disk."""
    files = {name: data for name, (data, _) in CASES.items()}
    manifest = {name: expected for name, (_, expected) in CASES.items()}
    files["expected.json"] = (json.dumps(manifest, indent=1, ensure_ascii=False) + "\n").encode()
    return files


def main() -> int:
    for name, data in render().items():
        (HERE / name).write_bytes(data)
    print(f"wrote {len(CASES)} files and expected.json to {HERE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
