"""Helpers for importer tests: the sample exports and a way to parse any file."""

from __future__ import annotations

import gzip
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from console.importers import ContactRow, EventRecord, Record, Reject, detect_format, iter_records

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
IMPORT_TIME = 1_750_000_000_000_000


def parse(path: Path, fmt: str | None = None, region: str = "US") -> list[Record]:
    return list(iter_records(path, fmt or detect_format(path), region=region, import_time_us=IMPORT_TIME))


def events(records: list[Record]) -> list[EventRecord]:
    return [r for r in records if isinstance(r, EventRecord)]


def rejects(records: list[Record]) -> list[Reject]:
    return [r for r in records if isinstance(r, Reject)]


def contacts(records: list[Record]) -> list[ContactRow]:
    return [r for r in records if isinstance(r, ContactRow)]


@pytest.fixture
def sample() -> Callable[[str], Path]:
    if not SAMPLES.is_dir():
        pytest.skip("sample exports missing")

    def get(name: str) -> Path:
        return SAMPLES / name

    return get


@pytest.fixture
def write(tmp_path: Path) -> Callable[..., Path]:
    """Write bytes or text to a file in tmp_path (gzip-compressed when ``gz``)."""

    def make(name: str, content: bytes | str, gz: bool = False) -> Path:
        data = content.encode() if isinstance(content, str) else content
        path = tmp_path / name
        path.write_bytes(gzip.compress(data) if gz else data)
        return path

    return make


@pytest.fixture
def gzipped(tmp_path: Path) -> Callable[[Path], Path]:
    def make(source: Path) -> Path:
        target = tmp_path / (source.name + ".gz")
        with source.open("rb") as src, gzip.open(target, "wb") as dst:
            shutil.copyfileobj(src, dst)
        return target

    return make
