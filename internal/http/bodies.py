"""The body of a create request (a job's or a schedule's): a multipart CSV upload or a JSON product list, read
with the checks every create makes. The routes of internal/jobs/ and internal/schedules/ both read theirs here."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, BinaryIO, TypeVar

from fastapi import Request
from pydantic import BaseModel, ValidationError
from starlette.datastructures import UploadFile

from internal.domain.errors import ServiceError, validation_error
from internal.http.disk import require_space
from internal.http.schemas import JobOptions, ProductIn
from internal.platform.config import Settings

# Browsers and curl label CSVs in many ways; what we refuse are types that are clearly something else. A part
# with no type at all is taken as a CSV too (the content decides).
_CSV_TYPE_PREFIXES = ("text/", "application/csv", "application/vnd.ms-excel", "application/octet-stream")
# The discriminator tags of a product item (schemas.ProductItem): not part of any field path a client wrote.
_ITEM_TAGS = ("object", "id")
M = TypeVar("M", bound=BaseModel)


def create_body_schema(json_model: str, **fields: str) -> dict[str, Any]:
    """The requestBody of a create route that reads its own body: a multipart CSV upload (with these extra text
    fields) or the JSON model named."""
    properties: dict[str, Any] = {
        "file": {"type": "string", "format": "binary", "description": "the CSV"},
        "options": {"type": "string", "description": "JobOptions as a JSON string"},
        **{name: {"type": "string", "description": text} for name, text in fields.items()},
    }
    return {
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {"schema": {"type": "object", "required": ["file"], "properties": properties}},
                "application/json": {"schema": {"$ref": f"#/components/schemas/{json_model}"}},
            },
        }
    }


async def _capped_body(request: Request, limit: int) -> bytes:
    """The body, refused with 413 as soon as it passes the limit (a chunked body has no length to check first)."""
    parts, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ServiceError(f"the request is larger than the limit of {limit:,} bytes", status=413, code="too_large")
        parts.append(chunk)
    return b"".join(parts)


@dataclass
class CreateBody:
    """A create request's body: a multipart CSV upload (`stream` set) or raw JSON (`json` set)."""

    stream: BinaryIO | None = None
    filename: str | None = None
    options: JobOptions = field(default_factory=JobOptions)
    # The multipart form's other text fields (a schedule's `every`, `cron`, `name`).
    fields: dict[str, str] = field(default_factory=dict)
    json: bytes | None = None


async def _read_multipart(request: Request) -> CreateBody:
    form = await request.form(max_files=1, max_fields=5)
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        raise ServiceError("send the CSV in a multipart field named 'file'", status=422, code="missing_file")
    content_type = (upload.content_type or "").split(";")[0].strip().lower()
    if content_type and not content_type.startswith(_CSV_TYPE_PREFIXES):
        raise ServiceError(
            f"the 'file' part is {content_type!r}: expected a CSV (text/csv)", status=415, code="unsupported_media_type"
        )
    raw_options = form.get("options")
    options = JobOptions()
    if isinstance(raw_options, str) and raw_options.strip():
        try:
            options = JobOptions.model_validate_json(raw_options)
        except ValidationError as err:
            raise validation_error("invalid_options", "invalid 'options' field", err, prefix="options") from None
    fields = {k: v for k, v in form.items() if isinstance(v, str) and k not in ("file", "options")}
    return CreateBody(upload.file, upload.filename, options, fields)


async def read_create_body(request: Request, settings: Settings) -> CreateBody:
    """The size, space, length and content-type checks every create (job or schedule) makes, then the body."""
    limit = settings.max_upload_bytes
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > limit:
        raise ServiceError(f"the upload is larger than the limit of {limit:,} bytes", status=413, code="too_large")
    require_space(settings)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "multipart/form-data":
        if length is None:
            # A chunked multipart body is spooled whole before we see it: without a length, nothing caps it.
            raise ServiceError("send the upload with a Content-Length header", status=411, code="length_required")
        return await _read_multipart(request)
    if content_type == "application/json":
        return CreateBody(json=await _capped_body(request, limit))
    raise ServiceError(
        "send multipart/form-data with a 'file' field, or application/json", status=415, code="unsupported_media_type"
    )


def product_dict(item: ProductIn | str) -> dict[str, Any]:
    # A bare id is a product with only an id; an object keeps its extra fields (extra columns, in order).
    return (item if isinstance(item, ProductIn) else ProductIn(product_id=item)).model_dump()


def parse_json(model: type[M], raw: bytes) -> M:
    try:
        return model.model_validate_json(raw)
    except ValidationError as err:
        raise validation_error("invalid_request", "invalid JSON body", err, drop=_ITEM_TAGS) from None
