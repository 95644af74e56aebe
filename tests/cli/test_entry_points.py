"""The installed entry points, in real processes: ``python -m console`` and the ``dnd-console`` script."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(sys.executable).with_name("dnd-console")


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=120, env=env,
                          check=False)


def dnd_console() -> str:
    found = SCRIPT if SCRIPT.is_file() else shutil.which("dnd-console")
    if not found:
        pytest.skip("the dnd-console script is not installed")
    return str(found)


def test_python_m_console_help() -> None:
    result = run(sys.executable, "-m", "console", "--help")
    assert result.returncode == 0, result.stderr
    for command in ("status", "check", "set", "history", "import", "audit", "agents", "locations", "demo"):
        assert command in result.stdout


def test_dnd_console_script_status_json(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'entry.db'}"
    added = run(dnd_console(), "--db", url, "contacts", "add", "--name", "Ann Lee", "--email", "Ann@Example.com",
                "--phone", "(415) 555-0100", "--json")
    assert added.returncode == 0, added.stderr
    cid = json.loads(added.stdout)["id"]
    assert run(dnd_console(), "--db", url, "set", "ann@example.com", "--channel", "sms", "--on").returncode == 0
    status = run(dnd_console(), "--db", url, "status", "+14155550100", "--json")
    assert status.returncode == 0, status.stderr
    [row] = json.loads(status.stdout)["contacts"]
    assert (row["id"], row["email"], row["phone"], row["status"]) == (cid, "ann@example.com", "+14155550100",
                                                                      "partial")
    assert row["channels"]["sms"]["kind"] == "manual"
    blocked = run(dnd_console(), "--db", url, "check", str(cid), "--channel", "sms", "--json")
    assert blocked.returncode == 1
    assert json.loads(blocked.stdout) == {"allowed": False, "reason": "manual", "kind": "manual"}


def test_dnd_console_script_user_error_is_one_line(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'entry.db'}"
    for args in (["status", "42"], ["check", "1", "--channel", "fax"]):
        result = run(dnd_console(), "--db", url, *args)
        assert result.returncode == 2, (args, result.stderr)
        assert "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
