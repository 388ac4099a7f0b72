"""Byte-level guard between the uploaded stream and the text decoder that feeds the csv reader.

Problems visible in the raw bytes (invalid UTF-8, NUL bytes, the size and line-length limits) are not
raised where they are found: the decoder reads ahead, so the csv reader is still some rows behind at that
moment and the row number would be wrong. Instead the source stops right before the offending byte and
appends a NUL sentinel. The record that ends with the sentinel is the one holding the problem, which gives
the error an exact row and column. A NUL can never reach the reader any other way, because a NUL in the
upload is itself such a problem.

At a clean end of file the same sentinel is appended on a line of its own, so the last record the reader
yields is exactly `[SENTINEL]`. If the sentinel lands inside a longer field instead, a quote was opened and
never closed: the csv module would otherwise silently swallow the rest of the file into that one field.
"""

from __future__ import annotations

import codecs
import io
from dataclasses import dataclass
from typing import BinaryIO, Final, Literal

SENTINEL: Final = "\x00"
_SENTINEL_BYTES: Final = b"\x00"
# Upper bound on one read; the line-length check relies on a chunk never being longer than the line limit.
MAX_CHUNK: Final = 64 * 1024

ByteProblemCode = Literal["not_utf8", "binary_file", "too_large", "line_too_long"]


@dataclass(frozen=True, slots=True)
class ByteProblem:
    code: ByteProblemCode
    offset: int  # absolute byte offset in the upload, BOM included
    detail: str


class CheckedSource(io.BufferedIOBase):
    """Serves `prefix` (the bytes already sampled), then the rest of `stream`, checking every byte."""

    def __init__(
        self,
        stream: BinaryIO,
        *,
        prefix: bytes,
        offset: int,
        max_bytes: int,
        max_line_bytes: int,
    ) -> None:
        super().__init__()
        self._stream = stream
        self._prefix = prefix
        self._offset = offset
        self._max_bytes = max_bytes
        self._max_line_bytes = max(max_line_bytes, MAX_CHUNK)
        self._line_bytes = 0
        self._carry = b""  # the start of a UTF-8 character split across two reads
        self._last = b"\n"  # an empty body needs no newline before the end sentinel
        self._finished = False
        # Read by the row loop: once `ended` is set, the sentinel is on its way and records must be inspected.
        self.ended = False
        self.problem: ByteProblem | None = None

    @property
    def name(self) -> str:
        # TextIOWrapper's protocol wants one; it only shows up in reprs.
        return "<upload>"

    def readable(self) -> bool:
        return True

    def read1(self, size: int | None = -1, /) -> bytes:
        if self._finished or size == 0:
            return b""
        size = MAX_CHUNK if size is None or size < 0 else min(size, MAX_CHUNK)
        data = self._take(size)
        return self._check(data) if data else self._end_of_stream()

    def read(self, size: int | None = -1, /) -> bytes:
        if size is not None and size >= 0:
            return self.read1(size)
        parts = []
        while chunk := self.read1(MAX_CHUNK):
            parts.append(chunk)
        return b"".join(parts)

    def _take(self, size: int) -> bytes:
        if self._prefix:
            data, self._prefix = self._prefix[:size], self._prefix[size:]
            return data
        return self._stream.read(size) or b""

    def _check(self, data: bytes) -> bytes:
        start = self._offset
        cut = len(data)
        problem: ByteProblem | None = None

        if start + cut > self._max_bytes:
            cut = self._max_bytes - start
            problem = ByteProblem("too_large", self._max_bytes, "")
        nul = data.find(b"\x00", 0, cut)
        if nul >= 0:
            cut, problem = nul, ByteProblem("binary_file", start + nul, "NUL byte")
        bad = self._utf8_error(data, start)
        if bad is not None and bad.offset - start < cut:
            cut, problem = bad.offset - start, bad
        long_line = self._line_error(data, start, max(cut, 0))
        if long_line is not None:
            cut, problem = long_line.offset - start, long_line

        if problem is None:
            self._offset += len(data)
            self._last = data[-1:]
            return data
        return self._trip(problem, data[: max(cut, 0)])

    def _utf8_error(self, data: bytes, start: int) -> ByteProblem | None:
        buf = self._carry + data if self._carry else data
        try:
            _, consumed = codecs.utf_8_decode(buf, "strict", False)
        except UnicodeDecodeError as exc:
            offset = start - len(self._carry) + exc.start
            return ByteProblem("not_utf8", offset, f"byte 0x{buf[exc.start]:02X}: {exc.reason}")
        self._carry = buf[consumed:]
        return None

    def _line_error(self, data: bytes, start: int, end: int) -> ByteProblem | None:
        first = _first_eol(data, end)
        if first < 0:
            if self._line_bytes + end > self._max_line_bytes:
                return ByteProblem("line_too_long", start + self._max_line_bytes - self._line_bytes, "")
            self._line_bytes += end
            return None
        if self._line_bytes + first > self._max_line_bytes:
            return ByteProblem("line_too_long", start + self._max_line_bytes - self._line_bytes, "")
        # Lines wholly inside this chunk are shorter than the chunk, hence than the limit.
        self._line_bytes = end - 1 - max(data.rfind(b"\n", 0, end), data.rfind(b"\r", 0, end))
        return None

    def _end_of_stream(self) -> bytes:
        if self._carry:
            problem = ByteProblem(
                "not_utf8",
                self._offset - len(self._carry),
                f"the file ends in the middle of a character (0x{self._carry[0]:02X})",
            )
            return self._trip(problem, b"")
        self._finished = True
        self.ended = True
        return _SENTINEL_BYTES if self._last in (b"\n", b"\r") else b"\n" + _SENTINEL_BYTES

    def _trip(self, problem: ByteProblem, head: bytes) -> bytes:
        self._finished = True
        self.ended = True
        self.problem = problem
        return head + _SENTINEL_BYTES


def _first_eol(data: bytes, end: int) -> int:
    lf = data.find(b"\n", 0, end)
    cr = data.find(b"\r", 0, end)
    if lf < 0 or (0 <= cr < lf):
        return cr
    return lf
