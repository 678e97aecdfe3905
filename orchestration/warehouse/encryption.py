"""Encryption at rest of landed documents that hold buyer data, in Fernet frames read as a stream.

Amazon's Data Protection Policy asks developers to encrypt buyer PII at rest. A Fernet token
(``cryptography``) authenticates one whole message, so a multi-gigabyte document as one token would
have to sit in memory twice to be written or read. A landed document is therefore a sequence of
frames, each one Fernet token of at most :data:`FRAME_BYTES` of the document::

    b"AHWF1\\n"                                   magic and format version
    repeat: 4-byte big-endian length, token      token = Fernet(key).encrypt(header + chunk)
    header = 8-byte big-endian frame number, 1 byte: 1 on the last frame, else 0

The frame number and the last-frame flag are inside the authenticated plaintext, so frames that are
dropped, reordered, repeated or cut off are refused, as is any altered byte or a wrong key. Memory
while writing or reading is a few frames, whatever the document's size.

The key is ``AHW_LANDING_KEY`` (a Fernet key: 32 random bytes, URL-safe base64; make one with
``python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"``). It is
required in live mode; sandbox mode, whose buyers are invented, uses ``orchestration.config.DEVELOPMENT_LANDING_KEY``.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import struct
from collections.abc import Iterable, Iterator
from typing import BinaryIO

from cryptography.fernet import Fernet, InvalidToken

MAGIC = b"AHWF1\n"
#: Plaintext bytes per frame: large enough that the ~40% of Fernet overhead (base64, IV, HMAC) is paid
#: on few frames, small enough that a frame in memory (plain + token) stays a few MiB.
FRAME_BYTES = 1 << 20
_HEADER = struct.Struct(">QB")
_LENGTH = struct.Struct(">I")


class DecryptionError(Exception):
    """An encrypted landed document cannot be read: wrong AHW_LANDING_KEY, altered or truncated file."""


class LandingCipher:
    """Fernet frames with the landing key, and keyed names for content addressing.

    ``key``: a Fernet key (URL-safe base64 of 32 bytes); ValueError when it is not one.
    """

    def __init__(self, key: str | bytes):
        self._fernet = Fernet(key)
        raw = key.encode() if isinstance(key, str) else key
        # A separate key for names, derived from the landing key, so content addresses reveal nothing
        # about the plaintext to someone without the key (a plain hash of a document could be
        # confirmed by anyone able to rebuild the document from buyer data).
        self._name_key = hashlib.sha256(b"ahw landing content address\0" + raw).digest()

    def seal(self, data: bytes) -> bytes:
        """``data`` as one Fernet token (the landing's key check)."""
        return self._fernet.encrypt(data)

    def opens(self, token: bytes) -> bool:
        """Whether ``token`` was sealed with this key."""
        try:
            self._fernet.decrypt(token)
        except InvalidToken:
            return False
        return True

    def content_address(self, *parts: str) -> str:
        """Keyed name (HMAC-SHA256, hex) of a document's identity, e.g. (report type, account, marketplace, sha256)."""
        return hmac.new(self._name_key, "\0".join(parts).encode(), hashlib.sha256).hexdigest()

    def encrypt(self, chunks: Iterable[bytes]) -> Iterator[bytes]:
        """The encrypted file as a stream of byte strings (magic, then one frame per FRAME_BYTES of input)."""
        yield MAGIC
        number, pending = 0, None
        for chunk in _rechunk(chunks):
            if pending is not None:
                yield self._frame(number, pending, last=False)
                number += 1
            pending = chunk
        yield self._frame(number, pending or b"", last=True)

    def _frame(self, number: int, chunk: bytes, *, last: bool) -> bytes:
        token = self._fernet.encrypt(_HEADER.pack(number, 1 if last else 0) + chunk)
        return _LENGTH.pack(len(token)) + token

    def open(self, raw: BinaryIO, name: str) -> io.BufferedReader:
        """A buffered stream of the plaintext of the encrypted file ``raw`` (``name`` goes into errors)."""
        return io.BufferedReader(_DecryptingReader(raw, self._fernet, name), buffer_size=FRAME_BYTES)


def _rechunk(chunks: Iterable[bytes]) -> Iterator[bytes]:
    buffer = bytearray()
    for chunk in chunks:
        buffer += chunk
        while len(buffer) >= FRAME_BYTES:
            yield bytes(buffer[:FRAME_BYTES])
            del buffer[:FRAME_BYTES]
    if buffer:
        yield bytes(buffer)


def is_encrypted(head: bytes) -> bool:
    return head.startswith(MAGIC)


class _DecryptingReader(io.RawIOBase):
    def __init__(self, raw: BinaryIO, fernet: Fernet, name: str):
        super().__init__()
        self._raw, self._fernet, self._name = raw, fernet, name
        self._plain = b""
        self._offset = 0
        self._next = 0
        self._done = False
        if raw.read(len(MAGIC)) != MAGIC:
            raw.close()
            raise DecryptionError(f"{name} is not an encrypted landing file (no {MAGIC[:-1].decode()} header)")

    def readable(self) -> bool:
        return True

    def _fill(self) -> None:
        length = self._raw.read(_LENGTH.size)
        if len(length) < _LENGTH.size:
            raise DecryptionError(f"{self._name} ends after frame {self._next} without its last frame (truncated)")
        token = self._raw.read(_LENGTH.unpack(length)[0])
        try:
            plain = self._fernet.decrypt(token)
        except InvalidToken:
            raise DecryptionError(
                f"{self._name}: frame {self._next} does not decrypt with AHW_LANDING_KEY (a different key, or the "
                "file was altered or cut); set the key the file was landed with"
            ) from None
        number, last = _HEADER.unpack_from(plain)
        if number != self._next:
            raise DecryptionError(f"{self._name}: frame {number} found where frame {self._next} belongs (altered)")
        self._next += 1
        self._plain, self._offset = plain[_HEADER.size :], 0
        if last:
            self._done = True
            if self._raw.read(1):
                raise DecryptionError(f"{self._name} has data after its last frame (altered)")

    def readinto(self, buffer) -> int:
        while self._offset >= len(self._plain):
            if self._done:
                return 0
            self._fill()
        n = min(len(buffer), len(self._plain) - self._offset)
        buffer[:n] = self._plain[self._offset : self._offset + n]
        self._offset += n
        return n

    def close(self) -> None:
        self._raw.close()
        super().close()
