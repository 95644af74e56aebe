"""Parse throughput of the importers: N synthetic Mailgun JSONL events and N Twilio CSV rows.

Usage: python benchmarks/bench_parse.py [N] [--gzip]
"""

from __future__ import annotations

import csv
import gzip
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from console.domain.events import now_us
from console.importers import detect_format, iter_records

_MAILGUN_KINDS = [
    ("delivered", None, None, 50),
    ("opened", None, None, 20),
    ("clicked", None, None, 8),
    ("accepted", None, None, 10),
    ("failed", "temporary", "generic", 4),
    ("failed", "permanent", "bounce", 3),
    ("failed", "permanent", "suppress-bounce", 2),
    ("unsubscribed", None, None, 1),
    ("complained", None, None, 1),
    ("failed", "permanent", "old", 1),
]
_TWILIO_KINDS = [
    ("outbound-api", "delivered", "", "Your appointment is tomorrow", 70),
    ("outbound-api", "undelivered", "30003", "Reminder", 5),
    ("outbound-api", "undelivered", "30007", "Promo", 5),
    ("outbound-api", "failed", "21610", "Hello", 2),
    ("inbound", "received", "", "Thanks!", 10),
    ("inbound", "received", "", "STOP", 4),
    ("inbound", "received", "", "please stop texting me", 2),
    ("inbound", "received", "", "Start", 2),
]


def _pick(rng: random.Random, table: list[tuple[object, ...]]) -> tuple[object, ...]:
    return rng.choices(table, weights=[int(str(row[-1])) for row in table])[0]


def write_mailgun(out: IO[bytes], n: int, rng: random.Random) -> None:
    base = 1_709_287_200.0
    for i in range(n):
        event, severity, reason, _ = _pick(rng, _MAILGUN_KINDS)  # type: ignore[misc]
        item: dict[str, object] = {
            "event": event,
            "id": f"{i:022d}",
            "timestamp": round(base + i * 0.37, 6),
            "log-level": "info",
            "recipient": f"user{rng.randrange(200_000)}@example.com",
            "recipient-domain": "example.com",
            "message": {"headers": {"message-id": f"{i}.AAA@mg.example.com", "subject": "Hello"}},
            "delivery-status": {"code": 250, "message": "OK", "attempt-no": 1, "description": ""},
            "flags": {"is-routed": False, "is-authenticated": True},
            "tags": [],
            "user-variables": {},
        }
        if severity:
            item["severity"] = severity
            item["reason"] = reason
        out.write(orjson.dumps(item) + b"\n")


def write_twilio(out: IO[bytes], n: int, rng: random.Random) -> None:
    header = "From,To,Body,Status,SentDate,ApiVersion,NumSegments,ErrorCode,AccountSid,Sid,Direction,"
    header += "Price,PriceUnit"
    out.write(header.encode() + b"\n")
    rows = []
    for i in range(n):
        direction, status, code, body, _ = _pick(rng, _TWILIO_KINDS)  # type: ignore[misc]
        customer = f"+1415{rng.randrange(10_000_000):07d}"
        ours = "+14155559000"
        sender, to = (customer, ours) if direction == "inbound" else (ours, customer)
        sent = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(1_709_287_200 + i))
        rows.append(
            [
                sender,
                to,
                body,
                status,
                sent,
                "2010-04-01",
                "1",
                code,
                "AC" + "a" * 32,
                f"SM{i:032x}",
                direction,
                "-0.0079",
                "USD",
            ]
        )
        if len(rows) == 10_000:
            out.write(_csv_text(rows))
            rows.clear()
    out.write(_csv_text(rows))


def _csv_text(rows: list[list[str]]) -> bytes:
    import io

    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue().encode()


def measure(path: Path) -> tuple[int, int, float]:
    fmt = detect_format(path)
    start = time.perf_counter()
    events = rejects = 0
    for record in iter_records(path, fmt, import_time_us=now_us()):  # dates are checked against it
        if type(record).__name__ == "Reject":
            rejects += 1
        else:
            events += 1
    return events, rejects, time.perf_counter() - start


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 1_000_000
    compress = "--gzip" in sys.argv
    rng = random.Random(7)
    writers: list[tuple[str, Callable[[IO[bytes], int, random.Random], None]]] = [
        ("mailgun-events.jsonl", write_mailgun),
        ("twilio-messages.csv", write_twilio),
    ]
    with tempfile.TemporaryDirectory() as folder:
        for name, writer in writers:
            path = Path(folder) / (name + (".gz" if compress else ""))
            with gzip.open(path, "wb", compresslevel=1) if compress else open(path, "wb") as out:
                writer(out, n, rng)
            events, rejects, seconds = measure(path)
            size = path.stat().st_size / 1e6
            print(
                f"{name:24s} {events + rejects:>9,d} records ({rejects} rejects) {size:7.1f} MB "
                f"in {seconds:5.2f} s = {(events + rejects) / seconds:>9,.0f} records/s"
            )


if __name__ == "__main__":
    main()
