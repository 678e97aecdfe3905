"""The landing area: report documents as received, stored once per content, buyer data encrypted.

Layout (relative to the landing root, ``Settings.landing_dir``)::

    <report_type_key>/<account>/<marketplace_id>/<report_id>.<ext>[.gz][.fernet]
    <report_type_key>/<account>/<marketplace_id>/<report_id>.meta.json
    .content/<content address>.json

``ext`` is the report type's format (``tsv``, ``json``, ``xml``); ``.gz`` is appended when the
bytes are gzip-compressed as downloaded; ``.fernet`` when the file is encrypted. Files are written
atomically (temporary file in the same folder, fsync, then an exclusive hard link / rename), and an
existing document is never replaced: the same content for a report id returns the existing file,
different content for the same report id is an error.

Content addressing: every report id gets its metadata JSON, but a document byte-identical to one
already landed for the same report type, account and marketplace is not stored again: its metadata
names the stored file (``stored_file``) and the report it duplicates (``duplicate_of``); re-running a
day lands no new bytes when Amazon serves the same documents. The index entry under ``.content/`` is
named by a keyed hash (HMAC with a key derived from AHW_LANDING_KEY) of (report type, account,
marketplace, SHA-256 of the document), so its name cannot be confirmed from buyer data without the key.

Buyer data: flat files (orders, seller feedback, returns) hold buyer addresses, e-mails and comments;
they are encrypted at rest in Fernet frames (``orchestration.warehouse.encryption``; streaming, memory
bounded by one frame). JSON and XML seller performance snapshots hold no buyer data and stay plain.
``sha256`` and ``bytes`` in the metadata are those of the document as received (before encryption).
:meth:`Landing.purge` deletes buyer-data documents whose document date (end of the requested window,
or the landing day for imports) is older than the retention (AHW_LANDING_RETENTION_DAYS); their
metadata stays, marked ``purged_at``, and what raw loaded from them stays.

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
import io
import json
import os
import re
import tempfile
import threading
import uuid
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import BinaryIO, Literal

from orchestration.catalogue import MARKETPLACES
from orchestration.config import DEVELOPMENT_LANDING_KEY
from orchestration.parsing.encodings import UnknownCharset, resolve_encoding
from orchestration.spapi.report_types import REPORT_TYPES
from orchestration.spapi.report_types import report_type as lookup_report_type
from orchestration.warehouse.encryption import DecryptionError, LandingCipher

GZIP_MAGIC = b"\x1f\x8b"
ENCRYPTED_SUFFIX = ".fernet"
_SAFE_COMPONENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+ -]*$")
_CHUNK = 1 << 20


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

    """``path`` is the stored file (shared by byte-identical documents); ``sha256`` and ``bytes`` are of the
    document as received (before encryption)."""

    @property
    def is_gzip(self) -> bool:
        return self.path.name.removesuffix(ENCRYPTED_SUFFIX).endswith(".gz")

    @property
    def is_encrypted(self) -> bool:
        return self.path.name.endswith(ENCRYPTED_SUFFIX)


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    value = value.astimezone(UTC) if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return value.isoformat().replace("+00:00", "Z")


def _check_component(value: str, what: str) -> str:
    if not value or not _SAFE_COMPONENT.match(value) or ".." in value:
        raise LandingError(f"{what} {value!r} cannot be used in a landing path")
    return value


def holds_buyer_data(report_type) -> bool:
    """Flat files (orders, seller feedback, returns) carry buyer names, addresses, e-mails and comments."""
    return not report_type.is_snapshot


@dataclass(frozen=True)
class PurgeResult:
    """What :meth:`Landing.purge` deleted: stored files, their bytes, and the report ids they served."""

    files: list[str] = field(default_factory=list)
    bytes: int = 0
    reports: int = 0


class Landing:
    """The landing area under ``root``; ``key`` is AHW_LANDING_KEY (None: the sandbox's development key)."""

    def __init__(self, root: Path | str, key: str | bytes | None = None):
        self.root = Path(root)
        self._cipher = LandingCipher(key or DEVELOPMENT_LANDING_KEY)
        self._key_checked = False
        self._key_lock = threading.Lock()

    def check_key(self) -> None:
        """Refuse a key other than the one this landing's documents were written with.

        Why: the content index is keyed by AHW_LANDING_KEY, so under another key nothing already landed
        is found again (every document would be stored a second time, encrypted differently) and the
        earlier files could not be read. The first write leaves ``.content/key-check`` (a token sealed
        with the key); later writes must open it. Raises LandingError in one line."""
        with self._key_lock:  # the extraction threads share one Landing
            if self._key_checked:
                return
            check = self.root / ".content" / "key-check"
            if not check.exists():
                check.parent.mkdir(parents=True, exist_ok=True)
                tmp = check.with_name(f"key-check.{uuid.uuid4().hex}.tmp")
                tmp.write_bytes(self._cipher.seal(b"ahw landing key check"))
                try:
                    os.link(tmp, check)  # created only if absent: a second writer keeps the first one's check
                except FileExistsError:
                    pass
                finally:
                    tmp.unlink(missing_ok=True)
            if not self._cipher.opens(check.read_bytes()):
                raise LandingError(
                    f"AHW_LANDING_KEY is not the key the documents under {self.root} were encrypted with: set the "
                    "key they were written with (to change keys, move that landing folder aside first)"
                )
            self._key_checked = True

    # -- paths -------------------------------------------------------------------------------
    def document_path(self, meta: LandingMeta, *, compressed: bool, encrypted: bool = False) -> Path:
        rt = lookup_report_type(meta.report_type)
        folder = (
            self.root
            / rt.key
            / _check_component(meta.account_id, "account")
            / _check_component(meta.marketplace_id, "marketplace id")
        )
        report_id = _check_component(meta.report_id, "report id")
        suffix = f"{'.gz' if compressed else ''}{ENCRYPTED_SUFFIX if encrypted else ''}"
        return folder / f"{report_id}.{rt.format}{suffix}"

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

    def _index_path(self, rt, account_id: str, marketplace_id: str, sha: str) -> Path:
        return self.root / ".content" / f"{self._cipher.content_address(rt.key, account_id, marketplace_id, sha)}.json"

    # -- write -------------------------------------------------------------------------------
    def save(self, content: bytes, meta: LandingMeta) -> LandedDocument:
        """Land ``content`` as received (encrypted when it holds buyer data); once per content, never overwrites."""
        rt = self._check_meta(meta)
        compressed = meta.compression == "GZIP" or (meta.compression is None and content[:2] == GZIP_MAGIC)
        sha = hashlib.sha256(content).hexdigest()
        head = _head(content, compressed)
        return self._land(meta, rt, sha, len(content), compressed, head, lambda: io.BytesIO(content))

    def save_file(self, source: Path | str, meta: LandingMeta) -> LandedDocument:
        """Land the file at ``source`` as received, streamed in chunks (a large file never sits in memory)."""
        src = Path(source)
        rt = self._check_meta(meta)
        digest = hashlib.sha256()
        with src.open("rb") as fh:
            first = fh.read(64 * 1024)
            digest.update(first)
            for chunk in iter(lambda: fh.read(_CHUNK), b""):
                digest.update(chunk)
        compressed = meta.compression == "GZIP" or (meta.compression is None and first[:2] == GZIP_MAGIC)
        return self._land(
            meta, rt, digest.hexdigest(), src.stat().st_size, compressed, _head(first, compressed),
            lambda: src.open("rb"),
        )  # fmt: skip

    def _land(
        self, meta: LandingMeta, rt, sha: str, size: int, compressed: bool, head: bytes, source: Callable[[], BinaryIO]
    ) -> LandedDocument:
        self.check_key()
        meta_path = self.meta_path(meta)
        earlier = self._earlier_landing(meta_path, sha)
        if earlier is not None:
            return LandedDocument(path=earlier, meta_path=meta_path, sha256=sha, bytes=size)
        index = self._index_path(rt, meta.account_id, meta.marketplace_id, sha)
        stored, duplicate_of = self._indexed(index)
        if stored is None:
            encrypted = holds_buyer_data(rt)
            stored = self._path_for(meta, compressed, encrypted)
            stored.parent.mkdir(parents=True, exist_ok=True)
            with source() as fh:
                chunks = iter(lambda: fh.read(_CHUNK), b"")
                try:
                    self._link_new(stored, self._cipher.encrypt(chunks) if encrypted else chunks)
                except FileExistsError:  # a concurrent writer of the same report, or a crash before its metadata
                    self._same_or_conflict(stored, sha)
            self._write_index(index, stored, meta.report_id)
            duplicate_of = None
        self._write_meta(meta, rt, stored, sha, size, compressed, head, duplicate_of)
        return LandedDocument(path=stored, meta_path=meta_path, sha256=sha, bytes=size)

    def _earlier_landing(self, meta_path: Path, sha: str) -> Path | None:
        """The stored file of this report id when it was landed before with the same content; LandingError when the
        content differs; None when it was never landed or its file has been purged."""
        if not meta_path.exists():
            return None
        info = json.loads(meta_path.read_text())
        stored = self._stored_file(meta_path, info)
        if info.get("sha256") != sha:
            raise LandingError(
                f"{stored} already holds report {info.get('report_id')} with different content (sha256 "
                f"{str(info.get('sha256'))[:12]}..., new {sha[:12]}...); landed documents are never rewritten"
            )
        return stored if stored.exists() else None

    def _stored_file(self, meta_path: Path, info: dict) -> Path:
        return self.root / info["stored_file"] if info.get("stored_file") else meta_path.parent / info["file"]

    def _indexed(self, index: Path) -> tuple[Path | None, str | None]:
        """(stored file, its report id) of a byte-identical document landed before, if still there."""
        try:
            entry = json.loads(index.read_text())
        except FileNotFoundError:
            return None, None
        stored = self.root / entry["stored_file"]
        return (stored, entry["report_id"]) if stored.exists() else (None, None)

    def _write_index(self, index: Path, stored: Path, report_id: str) -> None:
        index.parent.mkdir(parents=True, exist_ok=True)
        entry = json.dumps({"stored_file": self.relative(stored), "report_id": report_id}).encode()
        self._replace(index, entry)

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

    def _path_for(self, meta: LandingMeta, compressed: bool, encrypted: bool) -> Path:
        path = self.document_path(meta, compressed=compressed, encrypted=encrypted)
        # Another name of the same report (compressed vs not) would be a second version: refuse.
        for other_compressed in (True, False):
            for other_encrypted in (True, False):
                other = self.document_path(meta, compressed=other_compressed, encrypted=other_encrypted)
                if other != path and other.exists():
                    raise LandingError(
                        f"{other} already holds report {meta.report_id}; refusing to land another copy next to it"
                    )
        return path

    def _write_meta(
        self, meta: LandingMeta, rt, path: Path, sha: str, size: int, compressed: bool, head: bytes,
        duplicate_of: str | None,
    ) -> None:  # fmt: skip
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
        landed_at = datetime.now(UTC)
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
            "stored_file": self.relative(path),
            "duplicate_of": duplicate_of,
            "encryption": "fernet-frames-v1" if path.name.endswith(ENCRYPTED_SUFFIX) else None,
            "document_date": _document_date(meta.data_end_time, landed_at).isoformat(),
            "landed_at": _iso(landed_at),
            "purged_at": None,
        }
        meta_path = self.meta_path(meta)
        meta_bytes = (json.dumps(document, indent=2, sort_keys=True) + "\n").encode()
        if meta_path.exists():  # landed before and purged since: the document is stored again
            self._replace(meta_path, meta_bytes)
        else:
            with contextlib.suppress(FileExistsError):  # a concurrent writer landed it first
                self._link_new(meta_path, meta_bytes)

    def _same_or_conflict(self, path: Path, sha: str) -> None:
        existing = self._plain_sha256(path)
        if existing != sha:
            raise LandingError(
                f"{path} already exists with different content (sha256 {existing[:12]}..., new "
                f"{sha[:12]}...); landed documents are never rewritten"
            )

    @staticmethod
    def _link_new(path: Path, content: bytes | Iterable[bytes]) -> None:
        """Create ``path`` with ``content`` (bytes or chunks) atomically; FileExistsError if it exists."""
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                for chunk in [content] if isinstance(content, bytes) else content:
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

    @staticmethod
    def _replace(path: Path, content: bytes) -> None:
        """Write ``path`` atomically, replacing it (metadata and index entries only; never a document)."""
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(content)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)

    # -- read --------------------------------------------------------------------------------
    def open_plain(self, path: Path | str) -> BinaryIO:
        """The stored file as received (decrypted when encrypted, still gzip when it was), as a stream.

        Raises LandingError naming the file when it cannot be opened; reading raises DecryptionError
        (wrong key, altered or truncated file).
        """
        p = Path(path)
        try:
            raw = p.open("rb")
        except OSError as exc:
            raise LandingError(f"cannot read landed document {p}: {exc}") from None
        if not p.name.endswith(ENCRYPTED_SUFFIX):
            return raw
        try:
            return self._cipher.open(raw, str(p))
        except DecryptionError as exc:
            raise LandingError(str(exc)) from None

    def _plain_sha256(self, path: Path) -> str:
        digest = hashlib.sha256()
        try:
            with self.open_plain(path) as fh:
                for chunk in iter(lambda: fh.read(_CHUNK), b""):
                    digest.update(chunk)
        except DecryptionError as exc:
            raise LandingError(str(exc)) from None
        return digest.hexdigest()

    def read(self, landed: LandedDocument | Path | str) -> bytes:
        """The document's decompressed bytes; LandingError naming the file when it is corrupt."""
        path = landed.path if isinstance(landed, LandedDocument) else Path(landed)
        try:
            with self.open_plain(path) as fh:
                content = fh.read()
        except DecryptionError as exc:
            raise LandingError(str(exc)) from None
        if isinstance(landed, LandedDocument):
            actual = hashlib.sha256(content).hexdigest()
            if actual != landed.sha256:
                raise LandingError(f"{path} changed since it was landed (sha256 {actual[:12]}...)")
        if content[:2] == GZIP_MAGIC:
            return decompress(content, path)
        return content

    def verify(self, landed: LandedDocument) -> None:
        """LandingError naming the file when it is missing, purged or changed since it was landed (chunked hash)."""
        if not landed.path.exists():
            raise LandingError(
                f"{landed.path} is not in landing (purged after AHW_LANDING_RETENTION_DAYS, or removed); "
                "request the report again"
            )
        actual = self._plain_sha256(landed.path)
        if actual != landed.sha256:
            raise LandingError(f"{landed.path} changed since it was landed (sha256 {actual[:12]}...)")

    def opener(self, landed: LandedDocument, limit: int, context):
        """An opener of the landed document as a bounded, decrypted, gunzipped stream (``parsing.streams``)."""
        from orchestration.parsing.streams import file_opener

        return file_opener(landed.path, limit, context, open_raw=self.open_plain)

    def load_meta(self, landed: LandedDocument) -> dict:
        return json.loads(landed.meta_path.read_text())

    # -- retention ---------------------------------------------------------------------------
    def purge(self, before: date, *, report_types: Iterable | None = None, dry_run: bool = False) -> PurgeResult:
        """Delete stored buyer-data documents (orders, feedback, returns) whose document date is before ``before``.

        A stored file serving several report ids (content addressing) goes when the newest of them is
        due. Their metadata stays, marked ``purged_at``; raw keeps every row loaded from them. Snapshot
        reports (no buyer data) are kept. ``report_types``: only these (default all); ``dry_run``: only
        say what would go.
        """
        served: dict[Path, list[tuple[Path, dict]]] = {}
        for rt in report_types if report_types is not None else REPORT_TYPES.values():
            folder = self.root / rt.key
            if not holds_buyer_data(rt) or not folder.is_dir():
                continue
            for meta_path in sorted(folder.rglob("*.meta.json")):
                info = json.loads(meta_path.read_text())
                if not info.get("purged_at"):
                    served.setdefault(self._stored_file(meta_path, info), []).append((meta_path, info))
        files, size, reports = [], 0, 0
        now = _iso(datetime.now(UTC))
        for stored, entries in sorted(served.items()):
            newest = max(_info_date(info) for _, info in entries)
            if newest >= before:
                continue
            files.append(self.relative(stored))
            reports += len(entries)
            with contextlib.suppress(FileNotFoundError):
                size += stored.stat().st_size
            if dry_run:
                continue
            for _, info in entries:
                rt = lookup_report_type(info["report_type"])
                index = self._index_path(rt, info["account_id"], info["marketplace_id"], info["sha256"])
                with contextlib.suppress(FileNotFoundError):
                    index.unlink()
            with contextlib.suppress(FileNotFoundError):
                stored.unlink()
            for meta_path, info in entries:
                self._replace(
                    meta_path, (json.dumps({**info, "purged_at": now}, indent=2, sort_keys=True) + "\n").encode()
                )
        return PurgeResult(files=files, bytes=size, reports=reports)


def _document_date(data_end_time: datetime | None, landed_at: datetime) -> date:
    """The day a document's data ends (its window's last instant), else the day it was landed (imports)."""
    if data_end_time is None:
        return landed_at.date()
    end = data_end_time.astimezone(UTC) if data_end_time.tzinfo else data_end_time
    return end.date()


def _info_date(info: dict) -> date:
    if info.get("document_date"):
        return date.fromisoformat(info["document_date"])
    moment = info.get("data_end_time") or info["landed_at"]
    return datetime.fromisoformat(moment.replace("Z", "+00:00")).date()


def decompress(content: bytes, path: Path | str = "<bytes>") -> bytes:
    """gunzip with an error that names the file when the stream is truncated or corrupt."""
    try:
        return gzip.decompress(content)
    except (EOFError, gzip.BadGzipFile, zlib.error, OSError) as exc:
        raise LandingError(f"{path}: truncated or corrupt gzip ({exc})") from None
