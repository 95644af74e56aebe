"""Damaged files keep every complete record: what the readers give for each kind of damage."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from pathlib import Path

from .conftest import events, parse, rejects

Write = Callable[..., Path]
HEADER = "address,code,error,created_at\n"


def bounce(n: int, error: str = "No such mailbox") -> str:
    return f"user{n}@example.com,550,{error},2024-03-01T10:{n % 60:02d}:00Z\n"


def test_a_truncated_gzip_csv_keeps_every_complete_row(write: Write) -> None:
    text = HEADER + "".join(bounce(n) for n in range(5_000))
    packed = gzip.compress(text.encode())
    path = write("bounces.csv.gz", packed[: len(packed) // 2])
    records = parse(path, "mailgun-bounces")
    kept = events(records)
    [cut] = rejects(records)
    assert [r.line for r in kept] == list(range(2, len(kept) + 2)) and len(kept) > 1_000
    assert cut.line == len(kept) + 2 and "ended unexpectedly" in cut.error
    assert text.splitlines()[cut.line - 1].startswith(cut.raw)  # the cut row as far as it could be read


def test_a_quoted_value_over_the_line_limit_rejects_only_its_first_line(write: Write) -> None:
    body = "\n".join(f"line {n}" for n in range(150))  # a legitimate-looking value, but over 100 lines
    text = HEADER + bounce(0) + bounce(1, f'"{body}"') + bounce(2)
    records = parse(write("bounces.csv", text), "mailgun-bounces")
    assert rejects(records)[0].line == 3 and "more than 100 lines" in rejects(records)[0].error
    assert [e.line for e in events(records)] == [2, 3 + 150]  # the value's lines are read as rows (rejected)


def test_multi_line_values_next_to_an_unbalanced_quote(write: Write) -> None:
    text = HEADER + bounce(0, '"one\ntwo, three"') + bounce(1, '"broken') + bounce(2) + bounce(3, '"four\nfive"')
    records = parse(write("bounces.csv", text), "mailgun-bounces")
    assert [(e.line, e.event.address) for e in events(records)] == [
        (2, "user0@example.com"),
        (5, "user2@example.com"),
        (6, "user3@example.com"),
    ]
    [broken] = rejects(records)
    assert broken.line == 4 and broken.error.startswith("unbalanced quote") and broken.raw == bounce(1, '"broken')[:-1]


def test_a_utf16_gzip_export_is_read(write: Write) -> None:
    text = HEADER + bounce(0) + bounce(1, "Boîte inconnue")
    records = parse(write("bounces.csv.gz", text.encode("utf-16"), gz=True))
    assert [e.line for e in events(records)] == [2, 3] and not rejects(records)
