"""100,000 contacts in one bulk change on SQLite, against a raw UPDATE of the same rows.

    dnd-console demo --contacts 100000 --db sqlite:////tmp/bulk100k.db     (once, ~10 s)
    python benchmarks/bench_bulk.py [--db sqlite:////tmp/bulk100k.db] [--contacts 100000]

Each run copies the database first, so the demo data stays as built. Prints the bulk change's time, its rate
and the ratio to a raw ``UPDATE channel_states`` of the same contacts measured in the same run.
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import tempfile
import time
from pathlib import Path

from console.domain.channels import Channel
from console.services.bulk import bulk_set
from console.services.context import AppContext, Settings
from console.store.db import Store


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default="sqlite:////tmp/bulk100k.db")
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the bulk change")
    args = parser.parse_args()
    source = Path(args.db.removeprefix("sqlite:///"))
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "bench.db"
        shutil.copyfile(source, copy)
        for sidecar in (".key", ".anchor"):  # the audit's sealing key and anchor live beside the database
            if Path(f"{source}{sidecar}").exists():
                shutil.copyfile(f"{source}{sidecar}", f"{copy}{sidecar}")
        raw = sqlite3.connect(copy)
        emails = [
            e
            for (e,) in raw.execute(
                "SELECT email FROM contacts WHERE email IS NOT NULL AND location_id ="
                " (SELECT id FROM locations WHERE name = 'Default') ORDER BY id LIMIT ?",
                (args.contacts,),
            )
        ]
        raw.close()
        file = Path(tmp) / "refs.txt"
        file.write_text("\n".join(emails) + "\n")
        store = Store(f"sqlite:///{copy}")
        ctx = AppContext.with_store(store, Settings(actor="bench"))
        started, cpu_started = time.perf_counter(), time.process_time()
        refs = file.read_text().splitlines()
        if args.profile:
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            result = profiler.runcall(bulk_set, ctx, refs, [Channel.WHATSAPP], True, "benchmark").result
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
        else:
            result = bulk_set(ctx, refs, [Channel.WHATSAPP], True, "benchmark").result
        bulk_s, bulk_cpu = time.perf_counter() - started, time.process_time() - cpu_started
        store.dispose()
        raw = sqlite3.connect(copy)
        started = time.perf_counter()
        raw.execute(
            "UPDATE channel_states SET dnd = 1, version = version + 1 WHERE channel = 'whatsapp' AND contact_id IN"
            " (SELECT id FROM contacts WHERE email IN (SELECT value FROM json_each(?)))",
            (__import__("json").dumps(emails),),
        )
        raw.commit()
        raw_s = time.perf_counter() - started
        raw.close()
    shape = result.as_dict()
    print(
        f"bulk set of {len(emails)} emails: {shape['contacts']} contacts, {shape['changed']} changed,"
        f" {shape['unchanged']} unchanged, {len(result.preview.refused)} refused in {bulk_s:.2f} s"
        f" (cpu {bulk_cpu:.2f} s)"
        f" ({len(emails) / bulk_s:,.0f} contacts/s); raw UPDATE of the same rows {raw_s:.2f} s;"
        f" ratio {bulk_s / raw_s:.1f}x"
    )


if __name__ == "__main__":
    main()
