"""``dnd-console review ...`` in-process through console.cli.main, with its exit codes and JSON shapes."""

from __future__ import annotations

import pytest

from .conftest import ADMIN, BUSINESS, REVIEWER, SUBMITTER, VIDEO, Cli

LIST_KEYS = {"id", "contact_id", "contact", "channel", "state", "submitted_by", "submitted_at", "decided_by",
             "decided_at", "reason", "relationship_numbers", "evidence"}


def submit_sms(cli: Cli, *extra: str, actor: str = SUBMITTER) -> int:
    run = cli("review", "submit", "1", "--channel", "sms", "--evidence", VIDEO, "--relationship-number",
              "(415) 555-9000", *extra, "--json", actor=actor)
    assert run.code == 0, run
    assert run.json["state"] == "pending"
    return int(run.json["id"])


def test_submit_prints_id_and_state_and_list_has_the_contract_shape(cli: Cli) -> None:
    review_id = submit_sms(cli, "--note", "recorded at the desk")
    run = cli("review", "list", "--json")
    assert run.code == 0
    [item] = run.json["reviews"]
    assert set(item) == LIST_KEYS
    assert item["id"] == review_id and item["contact"] == "Ann Lee" and item["channel"] == "sms"
    assert item["relationship_numbers"] == [BUSINESS]
    assert item["evidence"] == [{"url": "https://evidence.example.com/optin.mp4", "kind": "video", "note": None}]
    assert item["submitted_at"].endswith("Z") and item["decided_at"] is None


@pytest.mark.parametrize("bad", ["JaVaScRiPt:alert(1)", "   javascript:alert(1)", "data:text/html,x",
                                 "file:///etc/passwd", "ftp://example.com/v", "https://", "https:///path"])
def test_bad_links_are_refused_with_the_reason(cli: Cli, bad: str) -> None:
    run = cli("review", "submit", "1", "--channel", "email", "--evidence", bad)
    assert run.code == 2 and "evidence link" in run.stderr and "Traceback" not in run.stderr
    assert cli("review", "list", "--json").json == {"reviews": []}


def test_submit_needs_evidence(cli: Cli) -> None:
    run = cli("review", "submit", "1", "--channel", "email")
    assert run.code == 2 and "--evidence" in run.stderr


def test_sms_without_relationship_number_is_refused(cli: Cli) -> None:
    run = cli("review", "submit", "1", "--channel", "sms", "--evidence", VIDEO)
    assert run.code == 1 and "relationship number" in run.stderr


def test_submitting_for_a_channel_that_is_not_dnd_is_refused(cli: Cli) -> None:
    run = cli("review", "submit", "1", "--channel", "call", "--evidence", VIDEO)
    assert run.code == 1 and "not DND" in run.stderr


def test_own_submission_refused(cli: Cli) -> None:
    # On PostgreSQL the database user acts whatever DND_CONSOLE_ACTOR says: it submitted, so it is refused too.
    review_id = submit_sms(cli)
    run = cli("review", "approve", review_id, actor=SUBMITTER)
    assert run.code == 1 and "four-eyes" in run.stderr
    assert cli("status", "1", "--json").json["contacts"][0]["channels"]["sms"]["dnd"] is True


def test_unknown_review_and_state(cli: Cli) -> None:
    assert cli("review", "approve", "42", actor=REVIEWER).code == 2
    assert cli("review", "list", "--state", "done").code == 2


def test_approve_lifts_and_history_names_the_review_and_approver(sqlite_cli: Cli) -> None:
    review_id = submit_sms(sqlite_cli)
    run = sqlite_cli("review", "approve", review_id, "--note", "video is clear", "--json", actor=REVIEWER)
    assert run.code == 0 and run.json == {"id": review_id, "state": "approved"}
    sms = sqlite_cli("status", "1", "--json").json["contacts"][0]["channels"]["sms"]
    assert sms["dnd"] is False
    last = sqlite_cli("history", "1", "--json").json[-1]
    assert (last["source"], last["reason"], last["actor"]) == ("review", "review.approved", REVIEWER)
    assert last["detail"]["review"] == str(review_id) and last["detail"]["approved_by"] == REVIEWER
    assert last["before"]["kind"] == "permanent" and last["after"]["dnd"] is False
    item = sqlite_cli("review", "list", "--state", "approved", "--json").json["reviews"][0]
    assert item["decided_by"] == REVIEWER and item["decided_at"].endswith("Z")
    assert sqlite_cli("audit", "verify").code == 0


def test_non_reviewer_cannot_approve(sqlite_cli: Cli) -> None:
    review_id = submit_sms(sqlite_cli)
    run = sqlite_cli("review", "approve", review_id, actor="bo.agent")
    assert run.code == 1 and "only a reviewer or an admin" in run.stderr


def test_reject_with_and_without_reason(sqlite_cli: Cli) -> None:
    review_id = submit_sms(sqlite_cli)
    run = sqlite_cli("review", "reject", review_id, actor=REVIEWER)
    assert run.code == 1 and "needs a reason" in run.stderr
    run = sqlite_cli("review", "reject", review_id, "--reason", "different number", "--json", actor=REVIEWER)
    assert run.code == 0 and run.json["state"] == "rejected"
    item = sqlite_cli("review", "list", "--json").json["reviews"][0]
    assert item["reason"] == "different number" and item["decided_by"] == REVIEWER
    assert sqlite_cli("status", "1", "--json").json["contacts"][0]["channels"]["sms"]["dnd"] is True
    run = sqlite_cli("review", "approve", review_id, actor=ADMIN)
    assert run.code == 1 and "only on a pending review" in run.stderr


def test_needs_info_then_update_then_approve(sqlite_cli: Cli) -> None:
    review_id = submit_sms(sqlite_cli)
    run = sqlite_cli("review", "needs-info", review_id, actor=REVIEWER)
    assert run.code == 1 and "needs a reason" in run.stderr
    assert sqlite_cli("review", "needs-info", review_id, "--reason", "show the number", actor=REVIEWER).code == 0
    assert sqlite_cli("review", "list", "--state", "needs_info", "--json").json["reviews"][0]["id"] == review_id
    screenshot = "screenshot=https://evidence.example.com/n.png"
    run = sqlite_cli("review", "update", review_id, "--evidence", screenshot, "--relationship-number", "+14155559001",
                     "--note", "number on the screenshot", "--json")
    assert run.code == 0 and run.json == {"id": review_id, "state": "pending"}
    run = sqlite_cli("review", "approve", review_id, "--evidence", "https://evidence.example.com/form.pdf",
                     actor=REVIEWER)
    assert run.code == 0, run
    item = sqlite_cli("review", "list", "--json").json["reviews"][0]
    assert item["state"] == "approved" and len(item["evidence"]) == 3
    assert item["relationship_numbers"] == [BUSINESS, "+14155559001"]
    shown = sqlite_cli("review", "show", review_id, "--json").json
    assert [step["to"] for step in shown["history"]] == ["pending", "needs_info", "pending", "approved"]
    assert sqlite_cli("audit", "verify").code == 0


def test_update_refuses_bad_links(sqlite_cli: Cli) -> None:
    review_id = submit_sms(sqlite_cli)
    run = sqlite_cli("review", "update", review_id, "--evidence", "  JAVASCRIPT:alert(1)")
    assert run.code == 2 and "javascript:" in run.stderr


def test_agents_add_reviewer_then_review(sqlite_cli: Cli) -> None:
    assert sqlite_cli("agents", "add", "new.reviewer", "--role", "reviewer", actor=ADMIN).code == 0
    review_id = submit_sms(sqlite_cli)
    assert sqlite_cli("review", "approve", review_id, actor="new.reviewer").code == 0


def test_help_documents_kind_equals_url(sqlite_cli: Cli) -> None:
    run = sqlite_cli("review", "submit", "--help")
    assert run.code == 0 and "KIND=URL" in run.stdout and "video" in run.stdout
