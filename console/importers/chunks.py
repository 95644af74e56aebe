"""Records in chunks, parsed on a helper thread while the caller stores the previous chunk."""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Iterator

from console.importers.base import Record


class ChunkReader:
    """Parses records on a helper thread while the caller writes the previous chunk to the database.

    The database driver releases the GIL while SQLite works, so parsing and writing overlap. Errors raised
    while parsing are raised again in the caller; leaving the ``with`` block stops the helper thread.
    """

    def __init__(self, records: Iterator[Record], size: int) -> None:
        self._records = records
        self._size = size
        self._queue: queue.Queue[list[Record] | BaseException | None] = queue.Queue(maxsize=2)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._produce, name="import-parser", daemon=True)

    def __enter__(self) -> Iterator[list[Record]]:
        self._thread.start()
        return self._consume()

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        while self._thread.is_alive():
            with contextlib.suppress(queue.Empty):
                self._queue.get(timeout=0.05)
        self._thread.join()

    def _put(self, item: list[Record] | BaseException | None) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _produce(self) -> None:
        try:
            chunk: list[Record] = []
            for record in self._records:
                chunk.append(record)
                if len(chunk) >= self._size:
                    if not self._put(chunk):
                        return
                    chunk = []
            if chunk and not self._put(chunk):
                return
            self._put(None)
        except BaseException as exc:  # handed to the consumer, which raises it
            self._put(exc)
        finally:
            close = getattr(self._records, "close", None)
            if close is not None:
                close()

    def _consume(self) -> Iterator[list[Record]]:
        while True:
            item = self._queue.get()
            if item is None:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
