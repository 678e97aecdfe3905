"""The landing area: report documents exactly as received, plus a metadata JSON, never rewritten.

Layout (relative to the landing root, ``Settings.landing_dir``)::

    <report_type_key>/<account>/<marketplace_id>/<report_id>.<ext>[.gz]
    <report_type_key>/<account>/<marketplace_id>/<report_id>.meta.json

``ext`` is the report type's format (``tsv``, ``json``, ``xml``); ``.gz`` is appended when the
bytes are gzip-compressed as downloaded. Files are written atomically (temporary file in the same
folder, fsync, then an exclusive hard link / rename), and an existing file is never replaced: the
same content returns the existing file, different content for the same report id is an error.

The metadata holds only facts about the document (ids, window, timestamps, status, size, hash,
compression, source, the charset the download's ``Content-Type`` or ``ahw import-report
--encoding`` declared, and the encoding the document is decoded with and what decided it -- the
parsers apply the same rule, ``orchestration.parsing.encodings.resolve_encoding``); there is no
free-form field, so no URL (pre-signed download URLs carry
signatures), token or secret can end up in it. Documents are read back as streams
(``orchestration.parsing.streams``) after :meth:`Landing.verify` checked their hash.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import json
import os
import re
import tempfile
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO, Literal

from orchestration.catalogue import MARKETPLACES
from orchestration.parsing.encodings import UnknownCharset, resolve_encoding
from orchestration.spapi.report_types import report_type as lookup_report_type

GZIP_MAGIC = b"\x1f\x8b"
_SAFE_COMPONENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+ -]*$")


class LandingError(Exception):
    """A landing file cannot be written or read (conflict, corruption); names the file."""


@dataclass(frozen=True)
class LandingMeta:
    report_id: str
    report_type: str
    """Amazon's reportType (a short key is accepted and normalized to the name)."""
    account_id: str
    marketplace_id: str
    data_start_time: datetime | None = None
    """Requested window start (None for snapshot reports and imports)."""
    data_end_time: datetime | None = None
    requested_at: datetime | None = None
    completed_at: datetime | None = None
    processing_status: str | None = None
    compression: Literal["GZIP"] | None = None
    """``GZIP`` when the bytes are gzip as downloaded; None: detected from the bytes."""
    source: Literal["sp-api", "import"] = "sp-api"
    report_type_key: str | None = None
    """Optional; derived from ``report_type`` and checked against it when given."""
    format: str | None = None
    """Optional; derived from ``report_type`` and checked against it when given."""
    content_type: str | None = None
    """The download's ``Content-Type`` header, e.g. ``text/plain; charset=Cp1252`` (None for imports)."""
    charset: str | None = None
    """The charset declared for the document (from ``content_type``, or ``ahw import-report --encoding``)."""


def _head(content: bytes, compressed: bool) -> bytes:
    """The first decompressed bytes of a document (enough for a byte-order mark or an XML declaration)."""
    if not compressed:
        return content[:512]
    try:
        return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(content[: 64 * 1024], 512)
    except zlib.error:
        return b""  # corrupt gzip: the parser says so, with the file's name


@dataclass(frozen=True)
class LandedDocument:
    path: Path
    meta_path: Path
    sha256: str
    bytes: int

    @property
    def is_gzip(self) -> bool:
        return self.path.name.endswith(".gz")


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    value = value.astimezone(UTC) if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return value.isoformat().replace("+00:00", "Z")


def _check_component(value: str, what: str) -> str:
    if not value or not _SAFE_COMPONENT.match(value) or ".." in value:
        raise LandingError(f"{what} {value!r} cannot be used in a landing path")
    return value


class Landing:
    def __init__(self, root: Path | str):
        self.root = Path(root)

    # -- paths -------------------------------------------------------------------------------
    def document_path(self, meta: LandingMeta, *, compressed: bool) -> Path:
        rt = lookup_report_type(meta.report_type)
        folder = (
            self.root
            / rt.key
            / _check_component(meta.account_id, "account")
            / _check_component(meta.marketplace_id, "marketplace id")
        )
        report_id = _check_component(meta.report_id, "report id")
        return folder / f"{report_id}.{rt.format}{'.gz' if compressed else ''}"

    def meta_path(self, meta: LandingMeta) -> Path:
        doc = self.document_path(meta, compressed=False)
        return doc.with_name(f"{_check_component(meta.report_id, 'report id')}.meta.json")

    def relative(self, path: Path | str) -> str:
        """Path relative to the landing root, POSIX style (the ``landing_file`` column)."""
        p = Path(path)
        try:
            return p.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            raise LandingError(f"{p} is not under the landing root {self.root}") from None

    # -- write -------------------------------------------------------------------------------
    def save(self, content: bytes, meta: LandingMeta) -> LandedDocument:
        """Land ``content`` exactly as received; idempotent for identical content, never overwrites."""
        rt = self._check_meta(meta)
        compressed = meta.compression == "GZIP" or (meta.compression is None and content[:2] == GZIP_MAGIC)
        path = self._path_for(meta, compressed)
        sha = hashlib.sha256(content).hexdigest()
        path.parent.mkdir(parents=True, exist_ok=True)
        self._write_once(path, content, sha)
        self._write_meta(meta, rt, path, sha, len(content), compressed, _head(content, compressed))
        return LandedDocument(path=path, meta_path=self.meta_path(meta), sha256=sha, bytes=len(content))

    def _check_meta(self, meta: LandingMeta):
        rt = lookup_report_type(meta.report_type)
        if meta.report_type_key not in (None, rt.key) or meta.format not in (None, rt.format):
            raise LandingError(
                f"metadata of report {meta.report_id} is inconsistent: {rt.name} has key {rt.key} and format "
                f"{rt.format}, got {meta.report_type_key!r} / {meta.format!r}"
            )
        if meta.compression not in (None, "GZIP"):
            raise LandingError(f"unsupported compression {meta.compression!r}")
        return rt

    def _path_for(self, meta: LandingMeta, compressed: bool) -> Path:
        path = self.document_path(meta, compressed=compressed)
        # Another name of the same report (compressed vs not) would be a second version: refuse.
        other = self.document_path(meta, compressed=not compressed)
        if other.exists():
            raise LandingError(
                f"{other} already holds report {meta.report_id}; refusing to land a "
                f"{'compressed' if compressed else 'plain'} copy next to it"
            )
        return path

    def _write_meta(
        self, meta: LandingMeta, rt, path: Path, sha: str, size: int, compressed: bool, head: bytes
    ) -> None:
        mp = MARKETPLACES.get(meta.marketplace_id)
        try:
            encoding, encoding_source, _ = resolve_encoding(
                rt.format,
                head,
                meta.charset,
                "import option" if meta.source == "import" else "download charset",
                mp.flat_file_encoding if mp else None,
            )
        except UnknownCharset:
            encoding, encoding_source = None, None  # the parser refuses it, naming the charset
        document = {
            "report_id": meta.report_id,
            "report_type": rt.name,
            "account_id": meta.account_id,
            "marketplace_id": meta.marketplace_id,
            "data_start_time": _iso(meta.data_start_time),
            "data_end_time": _iso(meta.data_end_time),
            "requested_at": _iso(meta.requested_at),
            "completed_at": _iso(meta.completed_at),
            "processing_status": meta.processing_status,
            "bytes": size,
            "sha256": sha,
            "compression": "GZIP" if compressed else None,
            "source": meta.source,
            "content_type": meta.content_type,
            "charset": meta.charset,
            "encoding": encoding,
            "encoding_source": encoding_source,
            "file": path.name,
            "landed_at": _iso(datetime.now(UTC)),
        }
        meta_path = self.meta_path(meta)
        if not meta_path.exists():
            meta_bytes = (json.dumps(document, indent=2, sort_keys=True) + "\n").encode()
            with contextlib.suppress(FileExistsError):  # a concurrent writer landed it first
                self._link_new(meta_path, meta_bytes)

    def save_file(self, source: Path | str, meta: LandingMeta) -> LandedDocument:
        """Land the file at ``source`` as received, streamed in chunks (a large file never sits in memory)."""
        src = Path(source)
        rt = self._check_meta(meta)
        digest = hashlib.sha256()
        with src.open("rb") as fh:
            head = fh.read(2)
            fh.seek(0)
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
        sha, size = digest.hexdigest(), src.stat().st_size
        compressed = meta.compression == "GZIP" or (meta.compression is None and head == GZIP_MAGIC)
        path = self._path_for(meta, compressed)
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            self._same_or_conflict(path, sha)
        else:
            try:
                with src.open("rb") as fh:
                    self._link_new(path, fh)
            except FileExistsError:
                self._same_or_conflict(path, sha)
        with src.open("rb") as fh:
            head = _head(fh.read(64 * 1024), compressed)
        self._write_meta(meta, rt, path, sha, size, compressed, head)
        return LandedDocument(path=path, meta_path=self.meta_path(meta), sha256=sha, bytes=size)

    def _write_once(self, path: Path, content: bytes, sha: str) -> None:
        if path.exists():
            self._same_or_conflict(path, sha)
            return
        try:
            self._link_new(path, content)
        except FileExistsError:
            self._same_or_conflict(path, sha)

    @staticmethod
    def _same_or_conflict(path: Path, sha: str) -> None:
        digest = hashlib.sha256()
        with path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
        existing = digest.hexdigest()
        if existing != sha:
            raise LandingError(
                f"{path} already exists with different content (sha256 {existing[:12]}..., new "
                f"{sha[:12]}...); landed documents are never rewritten"
            )

    @staticmethod
    def _link_new(path: Path, content: bytes | BinaryIO) -> None:
        """Create ``path`` with ``content`` (bytes or a stream) atomically; FileExistsError if it exists."""
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                if isinstance(content, bytes):
                    fh.write(content)
                else:
                    for chunk in iter(lambda: content.read(1 << 20), b""):
                        fh.write(chunk)
                fh.flush()
                os.fsync(fh.fileno())
            try:
                os.link(tmp, path)  # atomic and exclusive: fails when path exists
            except (AttributeError, NotImplementedError, PermissionError):
                if path.exists():
                    raise FileExistsError(path) from None
                os.replace(tmp, path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)

    # -- read --------------------------------------------------------------------------------
    def read(self, landed: LandedDocument | Path | str) -> bytes:
        """The document's decompressed bytes; LandingError naming the file when it is corrupt."""
        path = landed.path if isinstance(landed, LandedDocument) else Path(landed)
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise LandingError(f"cannot read landed document {path}: {exc}") from None
        if isinstance(landed, LandedDocument):
            actual = hashlib.sha256(content).hexdigest()
            if actual != landed.sha256:
                raise LandingError(f"{path} changed since it was landed (sha256 {actual[:12]}...)")
        if path.name.endswith(".gz") or content[:2] == GZIP_MAGIC:
            return decompress(content, path)
        return content

    def verify(self, landed: LandedDocument) -> None:
        """LandingError naming the file when it is missing or changed since it was landed (chunked hash)."""
        digest = hashlib.sha256()
        try:
            with landed.path.open("rb") as fh:
                for chunk in iter(lambda: fh.read(1 << 20), b""):
                    digest.update(chunk)
        except OSError as exc:
            raise LandingError(f"cannot read landed document {landed.path}: {exc}") from None
        if digest.hexdigest() != landed.sha256:
            raise LandingError(f"{landed.path} changed since it was landed (sha256 {digest.hexdigest()[:12]}...)")

    def opener(self, landed: LandedDocument, limit: int, context):
        """An opener of the landed document as a bounded, gunzipped stream (``orchestration.parsing.streams``)."""
        from orchestration.parsing.streams import file_opener

        return file_opener(landed.path, limit, context)

    def load_meta(self, landed: LandedDocument) -> dict:
        return json.loads(landed.meta_path.read_text())


def decompress(content: bytes, path: Path | str = "<bytes>") -> bytes:
    """gunzip with an error that names the file when the stream is truncated or corrupt."""
    try:
        return gzip.decompress(content)
    except (EOFError, gzip.BadGzipFile, zlib.error, OSError) as exc:
        raise LandingError(f"{path}: truncated or corrupt gzip ({exc})") from None
