"""The one base class of every error the service answers a caller with.

Each error says what the API answers for it: an HTTP `status`, a stable machine `code` (clients branch on it, so a
code is never renamed, only added), a `message` for people and optional `details` (and response `headers`, such as
Retry-After). internal/http/error_responses.py maps this class once; the command line prints `message`. Each
subclass lives next to what raises it (the job store's JobNotFound, the intake's CsvIntakeError, …); this module
is pure so that every layer can subclass it without importing upward.

`str(err)` stays the error's own sentence: activities that let one escape hand Temporal the class name and that
sentence, exactly as before this class existed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

# How many problems a validation message spells out; all of them are in `details`.
_SUMMARY_PROBLEMS = 5


class ServiceError(Exception):
    """A refusal or failure the caller is told about. Subclasses set `status` and `code`; a one-off refusal (a
    route's "send a Content-Length") raises this class itself with both given."""

    status: int = 500
    code: str = "internal_error"

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        details: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status
        if code is not None:
            self.code = code
        self.details = details
        self.headers: dict[str, str] = dict(headers or {})

    def __reduce__(self) -> tuple[Any, ...]:
        # Subclasses take other arguments than (message,): rebuild from the fields, not by calling __init__.
        return (_rebuild, (type(self), self.args, self.__dict__))


def _rebuild(kind: type[ServiceError], args: tuple[Any, ...], fields: dict[str, Any]) -> ServiceError:
    err = kind.__new__(kind)
    err.args = args
    err.__dict__.update(fields)
    return err


class _Validated(Protocol):
    """A pydantic ValidationError, as far as a message needs it."""

    def errors(self) -> Sequence[Any]: ...


def problems(errors: Sequence[Any], *, drop: tuple[str, ...] = ()) -> list[dict[str, str]]:
    """pydantic errors as [{field, message}], the field a dotted path (`products.3.product_id`)."""
    return [
        {
            "field": ".".join(str(p) for p in err["loc"] if p not in drop),
            "message": str(err["msg"]).removeprefix("Value error, "),
        }
        for err in errors
    ]


def summary(found: Sequence[dict[str, str]]) -> str:
    text = "; ".join(f"{p['field'] or '(body)'}: {p['message']}" for p in found[:_SUMMARY_PROBLEMS])
    more = len(found) - _SUMMARY_PROBLEMS
    return text + (f" (and {more} more)" if more > 0 else "")


def validation_error(
    code: str, what: str, err: _Validated, *, prefix: str = "", drop: tuple[str, ...] = ()
) -> ServiceError:
    """A 422 whose message carries the reasons (field: why), not only its details."""
    found = problems(err.errors(), drop=drop)
    for p in found:
        p["field"] = ".".join(x for x in (prefix, p["field"]) if x)
    return ServiceError(f"{what} — {summary(found)}", status=422, code=code, details=found)
