"""Text encodings: decode a document by what Amazon declares, never by a guess.

Order of authority (the first that applies decides, and the load log records which):
1. a byte-order mark at the start of the document (a UTF-8 BOM is a declaration: ``bom``);
2. the charset the download declares in its ``Content-Type`` (Amazon sends ``text/plain;
   charset=Cp1252`` for EU flat files, ``charset=utf8`` for NA, Shift_JIS / Windows-31J for JP), or
   the one ``ahw import-report --encoding`` declares;
3. JSON: UTF-8 (RFC 8259: JSON exchanged between systems is UTF-8); XML: its own declaration;
4. flat files: the marketplace's ``flat_file_encoding`` in the catalogue.
A document that does not decode in the chosen encoding is refused with the encoding and the byte
offset of the first bad sequence (decoding is incremental, so the offset is exact at any size).
When only the catalogue names a single- or double-byte encoding (cp1252, cp932) and the whole
document turns out to be valid UTF-8 with non-ASCII text, it is refused too: such bytes would
decode without an error into mojibake (``Ã©`` for ``é``), and real cp1252/cp932 text with non-ASCII
characters is practically never valid UTF-8; the message says to declare the encoding.

Amazon names charsets the Java way (``Cp1252``, ``UTF8``, ``MS932``); :func:`python_codec` maps them.
Shift_JIS is read as cp932 (Windows-31J), the superset Japanese Windows software writes: plain
shift_jis fails on NEC/IBM extension characters such as ① and maps ～ differently.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from typing import BinaryIO

from orchestration.parsing.documents import DocumentContext, DocumentError

#: Amazon's (Java) charset names and the common aliases -> Python codec.
_CHARSETS = {
    "utf8": "utf-8",
    "utf-8": "utf-8",
    "cp1252": "cp1252",
    "windows-1252": "cp1252",
    # WHATWG and every browser read a latin-1 declaration as windows-1252, its superset.
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "iso8859_1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "windows-31j": "cp932",
    "ms932": "cp932",
    "cp932": "cp932",
    "euc-jp": "euc_jp",
    "utf-16": "utf-16",
    "utf-16le": "utf-16-le",
    "utf-16be": "utf-16-be",
}

#: Byte-order marks and the codec they declare (longest first: the UTF-32 LE mark starts like UTF-16's).
BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

_JAVA_CP = re.compile(r"^(?:cp|ibm|windows-?)(\d{3,4})$")


def python_codec(charset: str) -> str:
    """Amazon's / IANA's charset name -> the Python codec; ValueError naming it when unknown."""
    name = charset.strip().strip("\"'").lower()
    if name in _CHARSETS:
        return _CHARSETS[name]
    match = _JAVA_CP.match(name)
    candidate = f"cp{match.group(1)}" if match else name
    try:
        return codecs.lookup(candidate).name
    except LookupError:
        raise ValueError(f"unknown charset {charset!r}") from None


def charset_of_content_type(content_type: str | None) -> str | None:
    """``text/plain; charset=Cp1252`` -> ``Cp1252``; None when the header names no charset."""
    if not content_type:
        return None
    match = re.search(r"charset\s*=\s*\"?([^\";\s]+)", content_type, re.IGNORECASE)
    return match.group(1) if match else None


def sniff_bom(head: bytes) -> tuple[str, int] | None:
    """(codec, length) of the byte-order mark ``head`` starts with, else None."""
    for bom, codec in BOMS:
        if head.startswith(bom):
            return codec, len(bom)
    return None


_XML_DECLARED = re.compile(rb"^\s*<\?xml[^>]*encoding\s*=\s*[\"']([A-Za-z0-9._\-]+)[\"']")


class UnknownCharset(ValueError):
    """A declared charset (or an XML declaration's encoding) that maps to no codec; the message names it."""


def resolve_encoding(
    document_format: str,
    head: bytes,
    declared: str | None,
    declared_by: str = "download charset",
    catalogue_encoding: str | None = None,
) -> tuple[str | None, str | None, int]:
    """(codec, what decided it, bytes of byte-order mark to skip), by the order of authority above.

    ``document_format`` is the report's (tsv, json, xml), ``head`` the first decompressed bytes (a few
    hundred are enough), ``catalogue_encoding`` the marketplace's ``flat_file_encoding`` (None when the
    marketplace is not in the catalogue: a flat file then has no encoding, ``(None, None, 0)``).
    Raises UnknownCharset. Used by the parsers and by landing (which records it in the metadata).
    """
    bom = sniff_bom(head[:4])
    if bom is not None:
        return bom[0], "bom", bom[1]
    if declared:
        try:
            return python_codec(declared), declared_by, 0
        except ValueError:
            raise UnknownCharset(f"the {declared_by} declares charset {declared!r}, which is unknown") from None
    if document_format == "json":
        return "utf-8", "json default", 0  # RFC 8259: JSON exchanged between systems is UTF-8
    if document_format == "xml":
        match = _XML_DECLARED.match(head[:200])
        if not match:
            return "utf-8", "xml default", 0  # XML 1.0: without a declaration or BOM, UTF-8
        try:
            return python_codec(match.group(1).decode()), "xml declaration", 0
        except ValueError:
            raise UnknownCharset(f"the XML declares encoding {match.group(1)!r}, which is unknown") from None
    if catalogue_encoding is None:
        return None, None, 0
    return python_codec(catalogue_encoding), "catalogue", 0


def iter_text(
    stream: BinaryIO,
    codec: str,
    context: DocumentContext,
    *,
    skip: int = 0,
    chunk_bytes: int = 1 << 20,
    refuse_utf8: bool = False,
) -> Iterator[str]:
    """Decode ``stream`` incrementally; DocumentError with the encoding and byte offset on bad bytes.

    ``skip`` bytes (a byte-order mark) are read and dropped first; offsets count from the start of
    the (decompressed) document. ``refuse_utf8``: raise at the end when the document is valid UTF-8
    with non-ASCII bytes (see the module docstring; set when only the catalogue chose ``codec``).
    """
    decoder = codecs.getincrementaldecoder(codec)("strict")
    utf8 = codecs.getincrementaldecoder("utf-8")("strict") if refuse_utf8 and codec != "utf-8" else None
    non_ascii = False
    consumed = 0
    if skip:
        stream.read(skip)
        consumed = skip
    while True:
        chunk = stream.read(chunk_bytes)
        pending = decoder.getstate()[0]
        try:
            text = decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError as exc:
            offset = consumed - len(pending) + exc.start
            bad = exc.object[exc.start : exc.start + 4].hex(" ")
            raise DocumentError.for_context(
                context,
                f"the document does not decode as {codec}: byte offset {offset} (bytes {bad}) {exc.reason}; "
                "the bytes are kept in landing; if the document is in another encoding, declare it "
                "(ahw import-report --encoding)",
            ) from None
        consumed += len(chunk)
        if utf8 is not None:
            try:
                utf8.decode(chunk, final=not chunk)
                non_ascii = non_ascii or not chunk.isascii()
            except UnicodeDecodeError:
                utf8 = None  # not UTF-8: the declared single-byte reading stands
        if utf8 is not None and not chunk and non_ascii:
            raise DocumentError.for_context(
                context,
                f"the document is valid UTF-8 with non-ASCII text, but nothing declares its encoding and the "
                f"marketplace's usual encoding is {codec}: reading it as {codec} would garble every accented "
                "character. Declare the encoding (ahw import-report --encoding utf8, or the real one)",
            )
        if text:
            yield text
        if not chunk:
            return


#: Longest line a flat file may have, in characters: real rows are a few kB; without a bound a file
#: with no line breaks (a gzip bomb of zeros, a binary file) would be held whole in memory.
MAX_LINE_CHARS = 1 << 20


def iter_lines(chunks: Iterator[str], context: DocumentContext, max_line: int = MAX_LINE_CHARS) -> Iterator[str]:
    """Lines of decoded text: only ``\\n`` ends a line and a trailing ``\\r`` is dropped (CRLF).

    ``str.splitlines`` would also split on ``\\x0b``, ``\\x1c``, ``\\u2028`` ..., which occur inside
    free-text comments. A line longer than ``max_line`` characters refuses the document.
    """
    rest = ""
    number = 0
    for text in chunks:
        text = rest + text
        lines = text.split("\n")
        rest = lines.pop()
        for line in lines:
            number += 1
            yield line[:-1] if line.endswith("\r") else line
        if len(rest) > max_line:
            raise DocumentError.for_context(
                context,
                f"line {number + 1} is longer than {max_line} characters without a line break: not a "
                "tab-separated report (a binary file, or a gzip bomb?)",
            )
    if rest:
        yield rest[:-1] if rest.endswith("\r") else rest
