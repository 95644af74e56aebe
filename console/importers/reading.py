"""Streaming a file in binary: gzip by magic bytes, byte counting for progress, bounded lines."""

from __future__ import annotations

import codecs
import gzip
import io
import os
import stat
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

from console.importers.errors import FileMissing, FileReadError, NotAFile, UnreadableFile

CHUNK = 1 << 20
#: A line (one record) longer than this is rejected without being held in memory.
MAX_LINE = 16 << 20
GZIP_MAGIC = b"\x1f\x8b"


class ByteCounter:
    """Bytes of the file on disk (compressed, for gzip) read so far, for a progress bar.

    Written by the parsing thread; a GUI thread may read ``bytes_read`` and ``total`` at any time.
    """

    __slots__ = ("bytes_read", "total")

    def __init__(self) -> None:
        self.bytes_read = 0
        self.total = 0

    @property
    def fraction(self) -> float:
        return min(1.0, self.bytes_read / self.total) if self.total else 0.0


class ProgressReader(io.RawIOBase):
    """A raw binary file that adds every byte it reads to a ``ByteCounter``."""

    def __init__(self, raw: BinaryIO, counter: ByteCounter) -> None:
        self._raw = raw
        self.counter = counter

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        count = self._raw.readinto(buffer)  # type: ignore[attr-defined]
        if count:
            self.counter.bytes_read += count
        return int(count or 0)

    def close(self) -> None:
        self._raw.close()
        super().close()


def check_regular_file(path: Path) -> None:
    """Raise a file-level error unless ``path`` names an existing regular file."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise FileMissing(path, "file not found") from None
    except OSError as exc:
        raise UnreadableFile(path, f"cannot read the file ({exc.strerror or exc})") from None
    if stat.S_ISDIR(mode):
        raise NotAFile(path, "is a directory, not a file")
    if not stat.S_ISREG(mode):
        raise NotAFile(path, "is not a regular file")


@contextmanager
def open_stream(path: Path, counter: ByteCounter | None = None) -> Iterator[BinaryIO]:
    """The file's content as a binary stream, decompressed when it starts with the gzip magic bytes."""
    check_regular_file(path)
    counter = counter if counter is not None else ByteCounter()
    try:
        raw = open(path, "rb", buffering=0)  # noqa: SIM115 - closed below
    except OSError as exc:
        raise UnreadableFile(path, f"cannot open the file ({exc.strerror or exc})") from None
    counter.bytes_read = 0
    counter.total = os.fstat(raw.fileno()).st_size
    with raw:
        magic = raw.read(2)
        raw.seek(0)
        stream: BinaryIO = io.BufferedReader(ProgressReader(raw, counter), CHUNK)
        if magic == GZIP_MAGIC:
            stream = _WholeReads(gzip.GzipFile(fileobj=stream, mode="rb"))  # type: ignore[assignment]
        codec = utf16_codec(_peek(stream))
        if codec is not None:
            stream = _Utf16AsUtf8(stream, codec)  # type: ignore[assignment]
        yield stream


def is_compressed(stream: BinaryIO) -> bool:
    """Whether ``stream`` (from ``open_stream``) decompresses a gzip file."""
    source: object = stream._source if isinstance(stream, _Utf16AsUtf8) else stream
    return isinstance(source, _WholeReads)


def _peek(stream: Any) -> bytes:
    try:
        return bytes(stream.peek(4096)[:4096])
    except (OSError, EOFError, zlib.error):
        return b""  # a broken gzip file: reading it says so


def utf16_codec(head: bytes) -> str | None:
    """``utf-16`` (with a byte-order mark), ``utf-16-le`` or ``-be`` (text with a zero byte in every pair), or None."""
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "utf-16"
    pairs = len(head) // 2
    if pairs < 4:
        return None
    even, odd = head[0 : pairs * 2 : 2], head[1 : pairs * 2 : 2]
    for zeros, other, codec in ((odd, even, "utf-16-le"), (even, odd, "utf-16-be")):
        if zeros.count(0) >= pairs * 0.9 and other.count(0) <= pairs * 0.02:
            return codec
    return None


class _Pulled:
    """A binary stream over pieces of bytes, whose ``read(n)`` returns ``n`` bytes until the end.

    A failure comes after every byte read before it: the read that meets it returns what it has, and the next
    read raises it. So a truncated gzip file keeps all its complete lines.
    """

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._error: BaseException | None = None
        self._ended = False

    def _pull(self) -> bytes:
        raise NotImplementedError

    def read(self, size: int = -1) -> bytes:
        buffer = self._buffer
        while not self._ended and self._error is None and (size < 0 or len(buffer) < size):
            try:
                piece = self._pull()
            except (OSError, EOFError, zlib.error) as exc:
                self._error = exc
                break
            if piece:
                buffer += piece
            else:
                self._ended = True
        if not buffer and self._error is not None:
            error, self._error = self._error, None
            self._ended = True
            raise error
        count = len(buffer) if size < 0 else min(size, len(buffer))
        data = bytes(buffer[:count])
        del buffer[:count]
        return data

    def close(self) -> None:
        pass


class _WholeReads(_Pulled):
    """A gzip file read a block at a time (``read1``), so a truncated one gives every byte before the cut."""

    def __init__(self, gz: gzip.GzipFile) -> None:
        super().__init__()
        self._gz = gz

    def _pull(self) -> bytes:
        return self._gz.read1(CHUNK)

    def peek(self, size: int) -> bytes:
        return self._gz.peek(size)

    def close(self) -> None:
        self._gz.close()


class _Utf16AsUtf8(_Pulled):
    """A UTF-16 text file (Excel's "Unicode text", some Windows tools) read as UTF-8, like every other export."""

    def __init__(self, source: BinaryIO, codec: str) -> None:
        super().__init__()
        self._source = source
        self._decoder = codecs.getincrementaldecoder(codec)("replace")

    def _pull(self) -> bytes:
        while True:
            data = self._source.read(CHUNK)
            text = self._decoder.decode(data, final=not data)
            if text or not data:
                return text.encode("utf-8")


def read_chunk(stream: BinaryIO, path: Path, size: int = CHUNK) -> bytes:
    """Up to ``size`` bytes; failures (corrupt or truncated gzip, I/O errors) raise ``FileReadError``."""
    try:
        return stream.read(size)
    except EOFError:
        raise FileReadError(path, "the file ended unexpectedly (truncated or changed during the import)") from None
    except (OSError, zlib.error) as exc:
        problem = str(exc) if isinstance(exc, gzip.BadGzipFile | zlib.error) else exc.strerror or str(exc)
        raise FileReadError(path, f"cannot read the file ({problem})") from None


def read_head(path: Path, size: int = 1 << 16) -> bytes:
    """The first ``size`` bytes of the (decompressed) content."""
    with open_stream(path) as stream:
        try:
            return read_chunk(stream, path, size)
        except FileReadError as exc:
            raise UnreadableFile(path, exc.problem) from None


def iter_lines(stream: BinaryIO, path: Path, max_line: int = MAX_LINE) -> Iterator[tuple[int, bytes]]:
    """Physical lines as ``(number, bytes)`` without their end of line, read in large chunks.

    A line longer than ``max_line`` bytes is yielded as ``(number, TOO_LONG + first bytes)`` and skipped
    without being held in memory; a read failure ends the iteration with ``(number, READ_FAILED + message +
    NUL + the incomplete last line)``. What is a line and what is too long never depends on where chunks fall.
    """
    number = 0
    carry = b""
    skipping = False
    while True:
        try:
            chunk = read_chunk(stream, path)
        except FileReadError as exc:
            if carry or skipping:
                number += 1
            tail = b"" if skipping else carry[:PREVIEW]
            yield number or 1, READ_FAILED + exc.problem.encode() + b"\x00" + tail
            return
        if not chunk:
            break
        if skipping:
            end = chunk.find(b"\n")
            if end < 0:
                continue
            chunk = chunk[end + 1 :]
            skipping = False
        if carry:
            first = chunk.find(b"\n")
            if first >= 0 and len(carry) + first > max_line:  # the line that ends in this chunk is too long
                number += 1
                yield number, TOO_LONG + carry[:PREVIEW]
                carry, chunk = b"", chunk[first + 1 :]
        parts = (carry + chunk).split(b"\n") if carry else chunk.split(b"\n")
        carry = parts.pop()
        for part in parts:
            number += 1
            yield number, part
        if len(carry) > max_line:
            number += 1
            yield number, TOO_LONG + carry[:PREVIEW]
            carry = b""
            skipping = True
    if carry and not skipping:
        yield number + 1, carry


#: Markers of lines that are not data (never valid JSON or CSV starts).
TOO_LONG = b"\x00too-long\x00"
READ_FAILED = b"\x00read-failed\x00"
PREVIEW = 10_000


def line_problem(data: bytes) -> tuple[str, bytes] | None:
    """``(problem, raw bytes)`` of a marker line or of a line holding a NUL byte, or None for a data line."""
    if b"\x00" not in data:
        return None
    if data.startswith(TOO_LONG):
        return f"line longer than {MAX_LINE // (1 << 20)} MB, not read", data[len(TOO_LONG) :]
    if data.startswith(READ_FAILED):
        problem, _, tail = data[len(READ_FAILED) :].partition(b"\x00")
        return problem.decode("utf-8", "replace"), tail
    return "a NUL byte in the line (damaged file?)", data.replace(b"\x00", "\ufffd".encode())
