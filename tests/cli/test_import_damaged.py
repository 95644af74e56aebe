"""``import`` of damaged files and of values the database cannot hold: every good record lands, only the bad
part is rejected (with its file, line and raw text), the same on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

from console.store.limits import ADDRESS, CONTACT_EXTERNAL_ID, CONTACT_NAME, key_limit

from .clitools import CliRunner, sql, write


def rejects(db_url: str) -> list[tuple[str, int, str, str]]:
    rows = sql(db_url, "SELECT file, line, error, raw FROM import_rejects ORDER BY file, line")
    return [(Path(f).name, n, e, r) for f, n, e, r in rows]


def unsubscribes(path: Path, addresses: list[str]) -> Path:
    lines = ["address,tag,created_at"]
    lines += [f'{a},*,"Fri, 01 Mar 2024 12:{n:02d}:00 GMT"' for n, a in enumerate(addresses)]
    return write(path, "\n".join(lines) + "\n")


def mailgun_line(ident: str, recipient: str, second: int) -> str:
    item = {"id": ident, "timestamp": 1709287200 + second, "event": "complained", "recipient": recipient}
    return json.dumps({"event-data": item})


def test_over_long_values_reject_their_record_and_the_rest_lands(cli: CliRunner, tmp_path: Path, db_url: str) -> None:
    """RULES.md: every record lands in one outcome; PostgreSQL's column sizes never fail a whole chunk."""
    long_email = "a" * 60 + "@" + ".".join(["d" * 60] * 5) + ".com"  # a plausible address, over 320 characters
    assert len(long_email) > ADDRESS
    name_over = "N" * (CONTACT_NAME + 1)
    contacts = write(
        tmp_path / "contacts.csv",
        "name,email,external_id\n"
        "Ann Lee,ann@example.com,\n"
        f"{name_over},long.name@example.com,\n"
        f"Bo Chen,bo@example.com,{'x' * (CONTACT_EXTERNAL_ID + 1)}\n"
        "Cara Diaz,cara@example.com,c-1\n",
    )
    unsubs = unsubscribes(tmp_path / "unsubscribes.csv", ["ann@example.com", long_email, "cara@example.com"])
    events = write(
        tmp_path / "events.jsonl",
        "\n".join(
            [
                mailgun_line("k" * (key_limit("mailgun") + 5), "bo@example.com", 1),
                mailgun_line("fine-1", "bo@example.com", 2),
                mailgun_line("fine-2", long_email, 3),
                mailgun_line("fine-3", "dev@example.com", 4),
            ]
        )
        + "\n",
    )
    for _ in range(2):  # the same on a second run: nothing blocks, the repeats are duplicates
        result = cli("import", contacts, unsubs, events, "--json")
        assert result.code == 1, str(result)
    summary = result.json
    # A Mailgun id of any length is kept: its key is a digest when id, time, event and recipient are too long.
    assert summary["duplicates"] == 5 and summary["rejected"] == 2
    assert summary["contacts"]["unchanged"] == 2 and summary["contacts"]["rejected"] == 2
    found = {(name, line): error for name, line, error, _ in rejects(db_url)}
    assert found[("contacts.csv", 3)].startswith("name too long")
    assert found[("contacts.csv", 4)].startswith("external id too long")
    assert found[("unsubscribes.csv", 3)].startswith("address too long")
    assert ("events.jsonl", 1) not in found
    assert found[("events.jsonl", 3)].startswith("address too long")
    for ref in ("ann@example.com", "cara@example.com"):
        [row] = cli.ok("status", ref, "--json").json["contacts"]
        assert row["channels"]["email"]["dnd"] is True, ref
    suppressed = cli.ok("export", "suppressions", "--channel", "email").stdout
    assert "bo@example.com" in suppressed and "dev@example.com" in suppressed  # unmatched triggers are kept
