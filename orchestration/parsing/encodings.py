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
When a single- or double-byte encoding (cp1252, cp932) was chosen -- by the catalogue, the download's
charset or ``--encoding`` alike -- and the whole document is valid UTF-8 with non-ASCII text, it is
refused before anything is parsed: such bytes decode without an error into mojibake (``Ã¤`` for
``ä``), and real cp1252/cp932 text with non-ASCII characters is practically never valid UTF-8 (its
accented letters and kana are single bytes or lead bytes UTF-8 does not allow there). The message
shows the text both ways and says to declare the encoding the bytes have.

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
    "utf-32": "utf-32",
    "utf-32le": "utf-32-le",
    "utf-32be": "utf-32-be",
}

#: Byte-order marks and the codec they declare (longest first: the UTF-32 LE mark starts like UTF-16's).
BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
#: Codecs that decode any UTF-8 byte sequence without an error into other characters (mojibake).
UNICODE_CODECS = frozenset({"utf-8", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"})

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
) -> Iterator[str]:
    """Decode ``stream`` incrementally; DocumentError with the encoding and byte offset on bad bytes.

    ``skip`` bytes (a byte-order mark) are read and dropped first; offsets count from the start of
    the (decompressed) document.
    """
    decoder = codecs.getincrementaldecoder(codec)("strict")
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
        if text:
            yield text
        if not chunk:
            return


def utf8_sample(stream: BinaryIO, *, skip: int = 0, chunk_bytes: int = 1 << 20) -> str | None:
    """A few characters around the first non-ASCII text of a document that is valid UTF-8 as a whole.

    None when the document is not valid UTF-8 (it stops at the first invalid sequence, which in real
    cp1252/cp932 text comes with the first accented letter or kana) or is plain ASCII (then every
    ASCII-compatible encoding reads it the same).
    """
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    sample: str | None = None
    if skip:
        stream.read(skip)
    while True:
        chunk = stream.read(chunk_bytes)
        try:
            text = decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError:
            return None
        if sample is None and not chunk.isascii():
            at = next((i for i, ch in enumerate(text) if ord(ch) > 127), None)
            if at is not None:  # the field (of its line) the first non-ASCII character is in
                start, end = text.rfind("\n", 0, at) + 1, text.find("\n", at)
                fields = text[start : end if end >= 0 else len(text)].split("\t")
                sample = next(f for f in fields if not f.isascii()).strip()[:60]
        if not chunk:
            return sample


def refuse_utf8_read_as(
    stream: BinaryIO, codec: str, source: str | None, context: DocumentContext, *, skip: int = 0
) -> None:
    """DocumentError when ``codec`` is a legacy encoding and the document is valid UTF-8 with non-ASCII text.

    Whoever declared ``codec`` (``source``: the catalogue, the download's charset, ``--encoding``), such
    a document would load as mojibake without any error (breaker8 F10: ``beschädigt`` -> ``beschÃ¤digt``).
    """
    if codec in UNICODE_CODECS:
        return
    sample = utf8_sample(stream, skip=skip)
    if sample is None:
        return
    garbled = sample.encode("utf-8").decode(codec, errors="replace")
    who = {"catalogue": "the catalogue's usual encoding", "download charset": "the encoding the "
           "download's charset declares", "import option": "the encoding --encoding declares"}.get(
        source or "", f"the encoding ({source})")  # fmt: skip
    raise DocumentError.for_context(
        context,
        f"the document is valid UTF-8 with non-ASCII text, but {who} is {codec}: read as "
        f"{codec}, {sample!r} would load as {garbled!r} (mojibake). Refused rather than load it garbled; the bytes "
        "are kept in landing. Declare the encoding they have (ahw import-report --encoding utf8)",
    )


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
            if len(line) > max_line:
                raise DocumentError.for_context(
                    context,
                    f"line {number} is {len(line)} characters long, above the limit of {max_line}: not a "
                    "tab-separated report (a binary file, or a gzip bomb?)",
                )
            yield line[:-1] if line.endswith("\r") else line
        if len(rest) > max_line:
            raise DocumentError.for_context(
                context,
                f"line {number + 1} is longer than {max_line} characters without a line break: not a "
                "tab-separated report (a binary file, or a gzip bomb?)",
            )
    if rest:
        yield rest[:-1] if rest.endswith("\r") else rest
