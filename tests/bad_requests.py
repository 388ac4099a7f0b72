"""The bad-request corpus: every route, each request with the exact status and error code it must get.

Paths, params and headers may name the jobs the corpus server prepares: {done} (completed), {cancelled} (cancelled
before it started), {paused}, {fresh} (a signed-URL job with nothing uploaded), {unknown} (a well-formed id of no
job), {sched_live} (an hourly schedule), {sched_deleted} (a deleted schedule), and signed upload tokens for them:
{tok_done}, {tok_cancelled}, {tok_fresh}, {tok_expired}, {tok_unknown}.
Every request carries the server's bearer token unless `auth` says otherwise.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any, Final

TOKEN: Final = "corpus-token"
MAX_UPLOAD: Final = 64 * 1024
_DEFAULT_AUTH: Final = f"Bearer {TOKEN}"
_NO_BODY: Final = object()


@dataclass(frozen=True)
class Bad:
    name: str
    method: str
    path: str
    status: int
    code: str
    json: Any = _NO_BODY
    content: bytes | None = None
    content_type: str | None = None
    files: dict[str, tuple[str, bytes, str]] | None = None
    data: dict[str, str] | None = None
    params: dict[str, str] = field(default_factory=dict)
    auth: str | bytes | None = _DEFAULT_AUTH
    headers: dict[str, str] = field(default_factory=dict)
    chunked: bool = False

    @property
    def has_json(self) -> bool:
        return self.json is not _NO_BODY


J = "/api/v1/jobs"
SC = "/api/v1/schedules"


def upload(name: str, data: bytes, status: int, code: str, *, ctype: str = "text/csv", fname: str = "p.csv") -> Bad:
    return Bad(name, "POST", J, status, code, files={"file": (fname, data, ctype)})


def options(name: str, raw: str, code: str = "invalid_options") -> Bad:
    return Bad(
        name, "POST", J, 422, code, files={"file": ("p.csv", b"product_id\nx1\n", "text/csv")}, data={"options": raw}
    )


def body(name: str, obj: Any, status: int = 422, code: str = "invalid_request", path: str = J) -> Bad:
    return Bad(name, "POST", path, status, code, json=obj)


def raw(
    name: str, content: bytes, ctype: str | None, status: int, code: str, method: str = "POST", path: str = J
) -> Bad:
    return Bad(name, method, path, status, code, content=content, content_type=ctype)


def cursor(*parts: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(parts)).encode()).decode()


def products(*items: Any, **opts: Any) -> dict[str, Any]:
    return {"products": list(items), **({"options": opts} if opts else {})}


def form(**fields: str) -> bytes:
    """A multipart body of plain text fields only (boundary `zz`)."""
    parts = [f'--zz\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n' for k, v in fields.items()]
    return ("".join(parts) + "--zz--\r\n").encode()


_BIG_CSV = b"product_id\n" + b"x" * (MAX_UPLOAD + 10)
_MULTI = "multipart/form-data; boundary=zz"

CASES: Final[list[Bad]] = [
    # ---- POST /api/v1/jobs: content types and multipart framing ----------------------------------------------------
    raw("jobs-no-content-type", b"product_id\nx\n", None, 415, "unsupported_media_type"),
    raw("jobs-text-plain", b"product_id\nx\n", "text/plain", 415, "unsupported_media_type"),
    raw("jobs-xml", b"<products/>", "application/xml", 415, "unsupported_media_type"),
    raw("jobs-form-urlencoded", b"file=x", "application/x-www-form-urlencoded", 415, "unsupported_media_type"),
    raw("multipart-no-boundary", b"--zz\r\n", "multipart/form-data", 400, "bad_request"),
    raw("multipart-garbage", b"this is not multipart at all", _MULTI, 400, "bad_request"),
    raw(
        "multipart-unterminated-headers",
        b'--zz\r\nContent-Disposition: form-data; name="file"',
        _MULTI,
        422,
        "missing_file",
    ),
    Bad(
        "multipart-chunked", "POST", J, 411, "length_required", content=b"--zz--\r\n", content_type=_MULTI, chunked=True
    ),
    raw("multipart-only-options", form(options="{}"), _MULTI, 422, "missing_file"),
    Bad(
        "multipart-file-misnamed",
        "POST",
        J,
        422,
        "missing_file",
        files={"upload": ("p.csv", b"product_id\nx\n", "text/csv")},
    ),
    raw("multipart-file-as-text-field", form(file="product_id\nx\n"), _MULTI, 422, "missing_file"),
    Bad(
        "multipart-two-files",
        "POST",
        J,
        400,
        "bad_request",
        content=b'--zz\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\nproduct_id\n1\r\n'
        b'--zz\r\nContent-Disposition: form-data; name="file2"; filename="b.csv"\r\n\r\nproduct_id\n2\r\n--zz--\r\n',
        content_type=_MULTI,
    ),
    raw("multipart-too-many-fields", form(**{f"f{i}": "x" for i in range(8)}), _MULTI, 400, "bad_request"),
    # ---- POST /api/v1/jobs: the file part ----------------------------------------------------------------------------
    upload("file-image-png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 415, "unsupported_media_type", ctype="image/png"),
    upload("file-application-pdf", b"%PDF-1.4", 415, "unsupported_media_type", ctype="application/pdf"),
    upload("file-application-zip", b"PK\x03\x04", 415, "unsupported_media_type", ctype="application/zip"),
    upload("file-application-json", b'{"a": 1}', 415, "unsupported_media_type", ctype="application/json"),
    upload("file-pdf-bytes-as-csv", b"%PDF-1.4\n%\xe2\xe3", 415, "binary_file"),
    upload(
        "file-xlsx-bytes-as-octet", b"PK\x03\x04" + b"\0" * 40, 415, "binary_file", ctype="application/octet-stream"
    ),
    upload("file-gzip-bytes", b"\x1f\x8b\x08\0\0\0\0\0", 415, "binary_file"),
    upload("file-nul-in-row", b"product_id\nab\0cd\n", 415, "binary_file"),
    upload("file-empty", b"", 422, "empty_file"),
    upload("file-whitespace-only", b"\n \n\t\n", 422, "empty_file"),
    upload("file-header-only", b"product_id,name\n", 422, "no_data_rows"),
    upload("file-header-then-blank-lines", b"product_id\n\n\n", 422, "no_data_rows"),
    upload("file-no-id-column", b"name,price\nx,1\n", 422, "no_id_column"),
    upload("file-duplicate-header", b"product_id,name,Name\n1,a,b\n", 422, "duplicate_header"),
    upload("file-empty-header-cell", b"product_id,,name\n1,2,3\n", 422, "empty_header"),
    upload("file-utf16", "product_id\nx\n".encode("utf-16"), 422, "not_utf8"),
    upload("file-latin1", b"product_id,name\n1,caf\xe9\n", 422, "not_utf8"),
    upload("file-unclosed-quote", b'product_id,name\n1,"open\n2,b\n', 422, "unclosed_quote"),
    upload(
        "file-too-many-columns",
        b",".join(b"product_id" if i == 0 else b"c%d" % i for i in range(300)) + b"\n1\n",
        422,
        "too_many_columns",
    ),
    upload("file-over-the-limit", _BIG_CSV, 413, "too_large"),
    # ---- POST /api/v1/jobs: the multipart options field ------------------------------------------------------------
    options("options-not-json", "{window: 2"),
    options("options-array", "[]"),
    options("options-window-zero", '{"window": 0}'),
    options("options-window-bool", '{"window": true}'),
    options("options-window-string", '{"window": "5"}'),
    options("options-unknown-key", '{"colour": "red"}'),
    options("options-policy-bool", '{"policy": {"min_reviews": true}}'),
    options("options-scorer-unconfigured", '{"scorer_chain": ["gemini"]}'),
    options("options-source-unconfigured", '{"source": "walmart"}'),
    options("options-source-unknown", '{"source": "ftp"}'),
    # ---- POST /api/v1/jobs: JSON bodies ----------------------------------------------------------------------------
    raw("json-syntax-error", b'{"products": [', "application/json", 422, "invalid_request"),
    raw("json-empty-body", b"", "application/json", 422, "invalid_request"),
    raw("json-not-utf8", b'{"products": ["caf\xe9"]}', "application/json", 422, "invalid_request"),
    raw(
        "json-deeply-nested",
        b'{"products": ' + b"[" * 5000 + b"]" * 5000 + b"}",
        "application/json",
        422,
        "invalid_request",
    ),
    raw("json-over-the-limit", b'{"products": ["' + b"x" * MAX_UPLOAD + b'"]}', "application/json", 413, "too_large"),
    Bad(
        "json-chunked-over-the-limit",
        "POST",
        J,
        413,
        "too_large",
        content=b'{"products": ["' + b"y" * MAX_UPLOAD + b'"]}',
        content_type="application/json",
        chunked=True,
    ),
    body("json-top-level-array", ["x1"]),
    body("json-top-level-string", "x1"),
    raw("json-null", b"null", "application/json", 422, "invalid_request"),
    body("json-no-products", {}),
    body("json-products-empty", products()),
    body("json-products-string", {"products": "x1"}),
    body("json-products-object", {"products": {"product_id": "x1"}}),
    body("json-product-int", products(1)),
    body("json-product-null", products(None)),
    body("json-product-bool", products(True)),
    body("json-product-list", products(["x1"])),
    body("json-product-no-id", products({"name": "x"})),
    body("json-product-id-int", products({"product_id": 5})),
    body("json-product-id-null", products({"product_id": None})),
    body("json-product-id-huge-string", products("x" * 5000)),
    body("json-product-id-huge-object", products({"product_id": "y" * 1001})),
    body("json-product-id-nul", products("a\u0000b")),
    body("json-product-object-id-nul", products({"product_id": "a\u0000b"})),
    body("json-product-name-nul", products({"product_id": "a", "name": "x\u0000"})),
    body("json-product-extra-nul", products({"product_id": "a", "shelf": "\u0000"})),
    body("json-product-extra-key-nul", products({"product_id": "a", "sh\u0000elf": "1"})),
    body("json-product-name-huge", products({"product_id": "a", "name": "n" * 10_001})),
    body("json-product-name-int", products({"product_id": "a", "name": 7})),
    body(
        "json-product-too-many-fields",
        products({"product_id": "a", **{f"f{i}": "v" for i in range(250)}}),
        422,
        "too_many_columns",
    ),
    body("json-extra-top-level-key", {"products": ["x1"], "priority": "high"}),
    body("json-options-string", {"products": ["x1"], "options": "window=2"}),
    body("json-window-bool", products("x1", window=True)),
    body("json-window-string", products("x1", window="5")),
    body("json-window-float", products("x1", window=1.5)),
    body("json-window-zero", products("x1", window=0)),
    body("json-window-negative", products("x1", window=-3)),
    body("json-window-huge", products("x1", window=10**30)),
    body("json-window-over-max", products("x1", window=1001)),
    body("json-max-retries-zero", products("x1", max_retries=0)),
    body("json-pages-per-attempt-bool", products("x1", pages_per_attempt=False)),
    body("json-policy-not-object", products("x1", policy=3)),
    body("json-policy-min-reviews-zero", products("x1", policy={"min_reviews": 0})),
    body("json-policy-ci-width-string", products("x1", policy={"max_ci_width": "wide"})),
    body("json-policy-share-over-one", products("x1", policy={"max_uncertain_share": 1.5})),
    body("json-policy-agreement-bool", products("x1", policy={"min_agreement": True})),
    body("json-policy-unknown-key", products("x1", policy={"strictness": 1})),
    body("json-scorer-chain-empty", products("x1", scorer_chain=[])),
    body("json-scorer-chain-unknown", products("x1", scorer_chain=["gpt"])),
    body("json-scorer-chain-too-long", products("x1", scorer_chain=["vader"] * 4)),
    body("json-scorer-chain-string", products("x1", scorer_chain="vader")),
    body("json-scorer-unconfigured", products("x1", scorer_chain=["comprehend"]), 422, "invalid_options"),
    body("json-source-unknown", products("x1", source="ftp")),
    body("json-source-unconfigured", products("x1", source="http"), 422, "invalid_options"),
    Bad(
        "json-idempotency-key-too-long",
        "POST",
        J,
        422,
        "invalid_request",
        json=products("x1"),
        headers={"Idempotency-Key": "k" * 201},
    ),
    # ---- GET /api/v1/jobs -------------------------------------------------------------------------------------------
    Bad("list-limit-zero", "GET", J, 422, "invalid_request", params={"limit": "0"}),
    Bad("list-limit-over-max", "GET", J, 422, "invalid_request", params={"limit": "201"}),
    Bad("list-limit-negative", "GET", J, 422, "invalid_request", params={"limit": "-1"}),
    Bad("list-limit-word", "GET", J, 422, "invalid_request", params={"limit": "ten"}),
    Bad("list-limit-float", "GET", J, 422, "invalid_request", params={"limit": "2.5"}),
    Bad("list-status-unknown", "GET", J, 422, "invalid_request", params={"status": "done"}),
    Bad("list-cursor-garbage", "GET", J, 422, "invalid_cursor", params={"cursor": "%%%not-base64"}),
    Bad("list-cursor-too-long", "GET", J, 422, "invalid_request", params={"cursor": "A" * 501}),
    Bad(
        "list-cursor-not-a-list",
        "GET",
        J,
        422,
        "invalid_cursor",
        params={"cursor": base64.urlsafe_b64encode(b"1").decode()},
    ),
    Bad("list-cursor-one-part", "GET", J, 422, "invalid_cursor", params={"cursor": cursor("x")}),
    Bad("list-cursor-bad-date", "GET", J, 422, "invalid_cursor", params={"cursor": cursor("yesterday", "abc")}),
    Bad(
        "list-cursor-year-one",
        "GET",
        J,
        422,
        "invalid_cursor",
        params={"cursor": cursor("0001-01-01T00:00:00+01:00", "a")},
    ),
    Bad(
        "list-cursor-year-9999",
        "GET",
        J,
        422,
        "invalid_cursor",
        params={"cursor": cursor("9999-12-31T23:59:59-01:00", "a")},
    ),
    Bad(
        "list-cursor-nul-id",
        "GET",
        J,
        422,
        "invalid_cursor",
        params={"cursor": cursor("2024-01-01T00:00:00+00:00", "a\u0000")},
    ),
    Bad(
        "list-cursor-int-id", "GET", J, 422, "invalid_cursor", params={"cursor": cursor("2024-01-01T00:00:00+00:00", 7)}
    ),
    # ---- GET one job, its progress and its results -----------------------------------------------------------------
    Bad("job-unknown", "GET", J + "/{unknown}", 404, "job_not_found"),
    Bad("job-nul", "GET", J + "/a%00b", 404, "job_not_found"),
    Bad("job-too-long", "GET", J + "/" + "a" * 65, 404, "job_not_found"),
    Bad("job-unicode", "GET", J + "/caf%C3%A9", 404, "job_not_found"),
    Bad("job-space", "GET", J + "/a%20b", 404, "job_not_found"),
    Bad("job-dot", "GET", J + "/a.b", 404, "job_not_found"),
    Bad("job-quote", "GET", J + "/a'--", 404, "job_not_found"),
    Bad("progress-unknown", "GET", J + "/{unknown}/progress", 404, "job_not_found"),
    Bad("progress-nul", "GET", J + "/%00/progress", 404, "job_not_found"),
    Bad("progress-percent-sign", "GET", J + "/100%25/progress", 404, "job_not_found"),
    Bad("results-unknown", "GET", J + "/{unknown}/results", 404, "job_not_found"),
    Bad("results-nul", "GET", J + "/a%00/results", 404, "job_not_found"),
    Bad("results-after-negative", "GET", J + "/{done}/results", 422, "invalid_request", params={"after": "-1"}),
    Bad("results-after-huge", "GET", J + "/{done}/results", 422, "invalid_request", params={"after": str(2**31)}),
    Bad("results-after-word", "GET", J + "/{done}/results", 422, "invalid_request", params={"after": "first"}),
    Bad("results-limit-zero", "GET", J + "/{done}/results", 422, "invalid_request", params={"limit": "0"}),
    Bad("results-limit-over-max", "GET", J + "/{done}/results", 422, "invalid_request", params={"limit": "1001"}),
    Bad("results-format-xml", "GET", J + "/{done}/results", 422, "invalid_request", params={"format": "xml"}),
    Bad(
        "results-format-csv-unknown-job",
        "GET",
        J + "/{unknown}/results",
        404,
        "job_not_found",
        params={"format": "csv"},
    ),
    # ---- transitions that are not allowed --------------------------------------------------------------------------
    Bad("cancel-cancelled", "POST", J + "/{cancelled}/cancel", 409, "invalid_transition"),
    Bad("cancel-completed", "POST", J + "/{done}/cancel", 409, "invalid_transition"),
    Bad("cancel-unknown", "POST", J + "/{unknown}/cancel", 404, "job_not_found"),
    Bad("cancel-nul", "POST", J + "/a%00/cancel", 404, "job_not_found"),
    Bad("pause-completed", "POST", J + "/{done}/pause", 409, "invalid_transition"),
    Bad("pause-paused", "POST", J + "/{paused}/pause", 409, "invalid_transition"),
    Bad("pause-not-started", "POST", J + "/{fresh}/pause", 409, "invalid_transition"),
    Bad("pause-cancelled", "POST", J + "/{cancelled}/pause", 409, "invalid_transition"),
    Bad("pause-unknown", "POST", J + "/{unknown}/pause", 404, "job_not_found"),
    Bad("resume-completed", "POST", J + "/{done}/resume", 409, "invalid_transition"),
    Bad("resume-not-started", "POST", J + "/{fresh}/resume", 409, "invalid_transition"),
    Bad("resume-cancelled", "POST", J + "/{cancelled}/resume", 409, "invalid_transition"),
    Bad("resume-unknown", "POST", J + "/{unknown}/resume", 404, "job_not_found"),
    Bad("start-completed", "POST", J + "/{done}/start", 409, "already_started"),
    Bad("start-paused", "POST", J + "/{paused}/start", 409, "already_started"),
    Bad("start-cancelled", "POST", J + "/{cancelled}/start", 409, "invalid_transition"),
    Bad("start-nothing-uploaded", "POST", J + "/{fresh}/start", 409, "no_upload"),
    Bad("start-unknown", "POST", J + "/{unknown}/start", 404, "job_not_found"),
    Bad("start-nul", "POST", J + "/%00/start", 404, "job_not_found"),
    # ---- POST /api/v1/enrichment-signed-url ------------------------------------------------------------------------
    raw(
        "signed-json-syntax-error",
        b'{"filename": ',
        "application/json",
        422,
        "invalid_request",
        path="/api/v1/enrichment-signed-url",
    ),
    body("signed-array", ["a.csv"], path="/api/v1/enrichment-signed-url"),
    body("signed-extra-field", {"filename": "a.csv", "bucket": "b"}, path="/api/v1/enrichment-signed-url"),
    body("signed-filename-too-long", {"filename": "f" * 256}, path="/api/v1/enrichment-signed-url"),
    body("signed-filename-nul", {"filename": "a\u0000.csv"}, path="/api/v1/enrichment-signed-url"),
    body("signed-filename-int", {"filename": 3}, path="/api/v1/enrichment-signed-url"),
    body("signed-window-zero", {"options": {"window": 0}}, path="/api/v1/enrichment-signed-url"),
    body("signed-window-bool", {"options": {"window": True}}, path="/api/v1/enrichment-signed-url"),
    body(
        "signed-scorer-unconfigured",
        {"options": {"scorer_chain": ["gemini"]}},
        422,
        "invalid_options",
        path="/api/v1/enrichment-signed-url",
    ),
    # ---- PUT /api/v1/uploads/{job_id} (authorised by its signed token, not the API token) ----------------------------
    Bad(
        "put-no-token", "PUT", "/api/v1/uploads/{fresh}", 422, "invalid_request", content=b"product_id\nx\n", auth=None
    ),
    Bad(
        "put-malformed-token",
        "PUT",
        "/api/v1/uploads/{fresh}",
        403,
        "invalid_upload_token",
        params={"token": "abc"},
        content=b"x",
        auth=None,
    ),
    Bad(
        "put-empty-token",
        "PUT",
        "/api/v1/uploads/{fresh}",
        403,
        "invalid_upload_token",
        params={"token": ""},
        content=b"x",
        auth=None,
    ),
    Bad(
        "put-superscript-token",
        "PUT",
        "/api/v1/uploads/{fresh}",
        403,
        "invalid_upload_token",
        params={"token": "²³.abc"},
        content=b"x",
        auth=None,
    ),
    Bad(
        "put-non-ascii-mac",
        "PUT",
        "/api/v1/uploads/{fresh}",
        403,
        "invalid_upload_token",
        params={"token": "9999999999.é"},
        content=b"x",
        auth=None,
    ),
    Bad(
        "put-wrong-mac",
        "PUT",
        "/api/v1/uploads/{fresh}",
        403,
        "invalid_upload_token",
        params={"token": "9999999999.AAAA"},
        content=b"x",
        auth=None,
    ),
    Bad(
        "put-other-jobs-token",
        "PUT",
        "/api/v1/uploads/{fresh}",
        403,
        "invalid_upload_token",
        params={"token": "{tok_done}"},
        content=b"x",
        auth=None,
    ),
    Bad(
        "put-expired-token",
        "PUT",
        "/api/v1/uploads/{fresh}",
        403,
        "invalid_upload_token",
        params={"token": "{tok_expired}"},
        content=b"x",
        auth=None,
    ),
    Bad(
        "put-token-too-long",
        "PUT",
        "/api/v1/uploads/{fresh}",
        422,
        "invalid_request",
        params={"token": "1" * 201},
        content=b"x",
        auth=None,
    ),
    Bad(
        "put-completed-job",
        "PUT",
        "/api/v1/uploads/{done}",
        409,
        "already_started",
        params={"token": "{tok_done}"},
        content=b"product_id\nx\n",
        auth=None,
    ),
    Bad(
        "put-cancelled-job",
        "PUT",
        "/api/v1/uploads/{cancelled}",
        409,
        "invalid_transition",
        params={"token": "{tok_cancelled}"},
        content=b"product_id\nx\n",
        auth=None,
    ),
    Bad(
        "put-unknown-job",
        "PUT",
        "/api/v1/uploads/{unknown}",
        404,
        "job_not_found",
        params={"token": "{tok_unknown}"},
        content=b"x",
        auth=None,
    ),
    Bad(
        "put-nul-job",
        "PUT",
        "/api/v1/uploads/a%00",
        404,
        "job_not_found",
        params={"token": "{tok_fresh}"},
        content=b"x",
        auth=None,
    ),
    Bad(
        "put-over-the-limit",
        "PUT",
        "/api/v1/uploads/{fresh}",
        413,
        "too_large",
        params={"token": "{tok_fresh}"},
        content=_BIG_CSV,
        auth=None,
    ),
    # ---- tokens (API_TOKEN is set on the corpus server) --------------------------------------------------------------
    Bad("auth-missing", "GET", J, 401, "unauthorized", auth=None),
    Bad("auth-basic-scheme", "GET", J, 401, "unauthorized", auth="Basic Y29ycHVzOnRva2Vu"),
    Bad("auth-token-scheme", "GET", J, 401, "unauthorized", auth=f"Token {TOKEN}"),
    Bad("auth-wrong-token", "GET", J, 401, "unauthorized", auth="Bearer wrong"),
    Bad("auth-lowercase-scheme-wrong-token", "GET", J, 401, "unauthorized", auth="bearer wrong"),
    Bad("auth-bearer-alone", "GET", J, 401, "unauthorized", auth="Bearer"),
    Bad("auth-token-prefix", "GET", J, 401, "unauthorized", auth=f"Bearer {TOKEN[:-1]}"),
    Bad("auth-token-suffix", "GET", J, 401, "unauthorized", auth=f"Bearer {TOKEN}x"),
    Bad("auth-double-space", "GET", J, 401, "unauthorized", auth=f"Bearer  {TOKEN}"),
    Bad("auth-bare-token", "GET", J, 401, "unauthorized", auth=TOKEN),
    Bad("auth-non-ascii", "GET", J, 401, "unauthorized", auth="Bearer tök€n".encode()),
    Bad("auth-latin1", "GET", J, 401, "unauthorized", auth="Bearer corpus-tök".encode("latin-1")),
    Bad("auth-create-without-token", "POST", J, 401, "unauthorized", json=products("x1"), auth=None),
    Bad("auth-cancel-without-token", "POST", J + "/{paused}/cancel", 401, "unauthorized", auth=None),
    Bad("auth-results-wrong-token", "GET", J + "/{done}/results", 401, "unauthorized", auth="Bearer nope"),
    Bad(
        "auth-signed-url-without-token",
        "POST",
        "/api/v1/enrichment-signed-url",
        401,
        "unauthorized",
        json={},
        auth=None,
    ),
    Bad("auth-start-without-token", "POST", J + "/{fresh}/start", 401, "unauthorized", auth=None),
    # ---- /api/v1/schedules ----------------------------------------------------------------------------------------
    body("schedule-no-timing", products("x1"), 422, "invalid_schedule", path=SC),
    body("schedule-both-timings", {**products("x1"), "every": "1h", "cron": "0 6 * * *"}, 422, "invalid_schedule", SC),
    body("schedule-every-words", {**products("x1"), "every": "hourly"}, 422, "invalid_schedule", SC),
    body("schedule-every-zero", {**products("x1"), "every": "0s"}, 422, "invalid_schedule", SC),
    body("schedule-every-too-long", {**products("x1"), "every": "400d"}, 422, "invalid_schedule", SC),
    body("schedule-every-number", {**products("x1"), "every": 60}, 422, "invalid_request", SC),
    body("schedule-every-huge-string", {**products("x1"), "every": "1" * 41 + "s"}, 422, "invalid_request", SC),
    body("schedule-cron-refused", {**products("x1"), "cron": "61 25 * * *"}, 422, "invalid_schedule", SC),
    body("schedule-cron-nul", {**products("x1"), "cron": "0 6 * * *\u0000"}, 422, "invalid_schedule", SC),
    body("schedule-name-nul", {**products("x1"), "every": "1h", "name": "a\u0000"}, 422, "invalid_request", SC),
    body("schedule-unknown-field", {**products("x1"), "every": "1h", "at": "6am"}, 422, "invalid_request", SC),
    body("schedule-no-products", {"products": [], "every": "1h"}, 422, "invalid_request", SC),
    body("schedule-bad-option", {**products("x1", window=0), "every": "1h"}, 422, "invalid_request", SC),
    body("schedule-unconfigured-source", {**products("x1", source="file"), "every": "1h"}, 422, "invalid_options", SC),
    body("schedule-product-nul-id", {**products("a\u0000"), "every": "1h"}, 422, "invalid_request", SC),
    body(
        "schedule-duplicate-fields",
        {"products": [{"product_id": "a", "PRODUCT_ID": "b"}], "every": "1h"},
        422,
        "duplicate_header",
        SC,
    ),
    raw("schedule-text-plain", b"product_id\nx\n", "text/plain", 415, "unsupported_media_type", path=SC),
    Bad(
        "schedule-csv-no-id-column",
        "POST",
        SC,
        422,
        "no_id_column",
        files={"file": ("p.csv", b"name\nx\n", "text/csv")},
        data={"every": "1h"},
    ),
    Bad(
        "schedule-csv-no-timing",
        "POST",
        SC,
        422,
        "invalid_schedule",
        files={"file": ("p.csv", b"product_id\nx\n", "text/csv")},
    ),
    Bad(
        "schedule-csv-bad-options",
        "POST",
        SC,
        422,
        "invalid_options",
        files={"file": ("p.csv", b"product_id\nx\n", "text/csv")},
        data={"every": "1h", "options": "{"},
    ),
    Bad(
        "schedule-csv-unknown-field",
        "POST",
        SC,
        422,
        "invalid_request",
        files={"file": ("p.csv", b"product_id\nx\n", "text/csv")},
        data={"every": "1h", "when": "now"},
    ),
    Bad(
        "schedule-csv-image",
        "POST",
        SC,
        415,
        "unsupported_media_type",
        files={"file": ("p.png", b"\x89PNG", "image/png")},
        data={"every": "1h"},
    ),
    Bad("schedule-unknown", "GET", SC + "/{unknown}", 404, "schedule_not_found"),
    Bad("schedule-bad-id", "GET", SC + "/not%20an%20id", 404, "schedule_not_found"),
    Bad("schedule-id-too-long", "GET", SC + "/" + "a" * 65, 404, "schedule_not_found"),
    Bad("schedule-pause-unknown", "POST", SC + "/{unknown}/pause", 404, "schedule_not_found"),
    Bad("schedule-resume-unknown", "POST", SC + "/{unknown}/resume", 404, "schedule_not_found"),
    Bad("schedule-trigger-unknown", "POST", SC + "/{unknown}/trigger", 404, "schedule_not_found"),
    Bad("schedule-delete-unknown", "DELETE", SC + "/{unknown}", 404, "schedule_not_found"),
    Bad("schedule-pause-deleted", "POST", SC + "/{sched_deleted}/pause", 409, "schedule_deleted"),
    Bad("schedule-resume-deleted", "POST", SC + "/{sched_deleted}/resume", 409, "schedule_deleted"),
    Bad("schedule-trigger-deleted", "POST", SC + "/{sched_deleted}/trigger", 409, "schedule_deleted"),
    Bad("schedule-delete-deleted", "DELETE", SC + "/{sched_deleted}", 409, "schedule_deleted"),
    Bad("schedule-list-limit-zero", "GET", SC, 422, "invalid_request", params={"limit": "0"}),
    Bad("schedule-list-limit-word", "GET", SC, 422, "invalid_request", params={"limit": "all"}),
    Bad("auth-schedules-without-token", "GET", SC, 401, "unauthorized", auth=None),
    Bad(
        "auth-schedule-create-without-token",
        "POST",
        SC,
        401,
        "unauthorized",
        json={**products("x1"), "every": "1h"},
        auth=None,
    ),
    Bad("method-put-schedule", "PUT", SC + "/{sched_live}", 405, "method_not_allowed"),
    Bad("method-get-schedule-pause", "GET", SC + "/{sched_live}/pause", 405, "method_not_allowed"),
    # ---- routes and methods ---------------------------------------------------------------------------------------
    Bad("route-unknown", "GET", "/api/v1/nothing", 404, "not_found"),
    Bad("route-v2", "GET", "/api/v2/jobs", 404, "not_found"),
    Bad("method-delete-jobs", "DELETE", J, 405, "method_not_allowed"),
    Bad("method-put-jobs", "PUT", J, 405, "method_not_allowed"),
    Bad("method-patch-job", "PATCH", J + "/{done}", 405, "method_not_allowed"),
    Bad("method-get-cancel", "GET", J + "/{done}/cancel", 405, "method_not_allowed"),
    Bad("method-post-healthz", "POST", "/healthz", 405, "method_not_allowed"),
    Bad("method-get-upload", "GET", "/api/v1/uploads/{fresh}", 405, "method_not_allowed"),
]
