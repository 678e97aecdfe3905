"""Opening a landed document as a bounded stream of its decompressed bytes.

A gzip file is decompressed while it is read; the decompressed size is capped (AHW_MAX_DOCUMENT_BYTES),
so a gzip bomb or a junk file fails fast with one line instead of filling memory or disk. JSON and XML
snapshot documents are read whole, but only up to a smaller cap.
"""

from __future__ import annotations

import gzip
import io
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from orchestration.parsing.documents import DocumentContext, DocumentError

GZIP_MAGIC = b"\x1f\x8b"

#: Something that opens the document's decompressed bytes from the start (called once per pass).
Opener = Callable[[], BinaryIO]


class CappedReader(io.RawIOBase):
    """Reads a binary stream and raises DocumentError once more than ``limit`` bytes came out of it.

    Also turns gzip corruption (truncated stream, bad CRC, junk after the magic bytes) into a
    DocumentError that names the problem and the offset reached.
    """

    def __init__(self, raw: BinaryIO, limit: int, context: DocumentContext, what: str):
        super().__init__()
        self._raw = raw
        self._limit = limit
        self._context = context
        self._what = what
        self.count = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        want = self._limit + 1 - self.count if size is None or size < 0 else min(size, self._limit + 1 - self.count)
        try:
            data = self._raw.read(max(want, 1))
        except (EOFError, gzip.BadGzipFile, zlib.error, OSError) as exc:
            raise DocumentError.for_context(
                self._context,
                f"{self._what}: truncated or corrupt gzip after {self.count} decompressed bytes ({exc})",
            ) from None
        self.count += len(data)
        if self.count > self._limit:
            raise DocumentError.for_context(
                self._context,
                f"{self._what} is larger than {self._limit} bytes once decompressed (limit "
                "AHW_MAX_DOCUMENT_BYTES); refused without reading further (a gzip bomb or the wrong file?)",
            )
        return data

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._raw.close()
        super().close()


def file_opener(
    path: Path | str, limit: int, context: DocumentContext, open_raw: Callable[[Path], BinaryIO] | None = None
) -> Opener:
    """An opener of the file at ``path``: gunzipped when it starts with the gzip magic bytes.

    ``open_raw`` opens the file's bytes as received (the landing's decrypting reader for encrypted
    files); default: the file itself. Nothing is read twice and nothing needs to seek.
    """
    p = Path(path)

    def open_document() -> BinaryIO:
        opened = open_raw(p) if open_raw is not None else p.open("rb")
        raw = opened if isinstance(opened, io.BufferedReader) else io.BufferedReader(opened)  # type: ignore[arg-type]
        compressed = raw.peek(2)[:2] == GZIP_MAGIC
        inner: BinaryIO = gzip.GzipFile(fileobj=raw, mode="rb") if compressed else raw  # type: ignore[assignment]
        return io.BufferedReader(CappedReader(inner, limit, context, p.name), buffer_size=1 << 20)

    return open_document


def bytes_opener(data: bytes, limit: int, context: DocumentContext) -> Opener:
    """An opener of in-memory bytes (tests, small documents), gunzipped when they are gzip."""

    def open_document() -> BinaryIO:
        inner: BinaryIO = io.BytesIO(data)
        if data[:2] == GZIP_MAGIC:
            inner = gzip.GzipFile(fileobj=inner, mode="rb")  # type: ignore[assignment]
        return io.BufferedReader(CappedReader(inner, limit, context, "document"), buffer_size=1 << 20)

    return open_document


def read_whole(opener: Opener, limit: int, context: DocumentContext) -> bytes:
    """The whole decompressed document, refused when larger than ``limit`` (JSON/XML snapshots)."""
    with opener() as stream:
        data = stream.read(limit + 1)
    if len(data) > limit:
        raise DocumentError.for_context(
            context,
            f"document is larger than {limit} bytes; snapshot reports (JSON/XML) are read whole and are "
            "never this large (limit AHW_MAX_SNAPSHOT_BYTES): refused",
        )
    return data
