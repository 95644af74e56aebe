""""Save consent report..." in the window: where it asks, what it writes (HTML or PDF), what it says."""

from __future__ import annotations

from pathlib import Path

import pytest

from PySide6.QtWidgets import QWidget

from console.ui.main_window import MainWindow
from console.ui.report_action import HTML_FILTER, PDF_FILTER, chosen_format, default_name
from tests.ui.conftest import OFFSCREEN_NOISE, People, settle
from tests.ui.test_main_window import select


class Asked:
    """Stands in for the file dialog: records what it was asked and answers ``answer``."""

    def __init__(self, answer: str, chosen: str = HTML_FILTER) -> None:
        self.answer, self.chosen = answer, chosen
        self.calls: list[tuple[str, str, str]] = []

    def __call__(self, _parent: QWidget | None, title: str, start: str, filters: str) -> tuple[str, str]:
        self.calls.append((title, start, filters))
        return self.answer, self.chosen


def save(qtbot, window: MainWindow, asked: Asked) -> None:
    window.insight.reports.ask_path = asked
    window.insight.report.trigger()
    settle(qtbot, window.tasks, 20_000)


def test_the_file_menu_saves_the_selected_contact_s_report_as_html(
        qtbot, window: MainWindow, people: People, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "Documents").mkdir()
    select(qtbot, window, people.stopped)
    out = tmp_path / "cara.html"
    asked = Asked(str(out))
    save(qtbot, window, asked)
    title, start, filters = asked.calls[0]
    assert title == "Save consent report of Cara Diaz"
    assert start == str(tmp_path / "Documents" / f"consent-report-cara-diaz-{people.stopped}.html")
    assert filters == f"{HTML_FILTER};;{PDF_FILTER}"
    page = out.read_text(encoding="utf-8")
    assert "Consent record: Cara Diaz" in page and "Audit verification: intact" in page
    assert window.messages.level == "info"
    assert window.messages.text.startswith(f"Consent report of Cara Diaz saved as HTML: {out} (")
    file_menu = window.menuBar().actions()[0].menu()
    assert window.insight.report in file_menu.actions()


def test_a_pdf_by_its_extension_or_by_the_filter_chosen(
        qtbot, window: MainWindow, people: People, tmp_path: Path) -> None:
    select(qtbot, window, people.bounced)
    save(qtbot, window, Asked(str(tmp_path / "bo.PDF")))
    assert (tmp_path / "bo.PDF").read_bytes().startswith(b"%PDF")
    save(qtbot, window, Asked(str(tmp_path / "bo-again"), PDF_FILTER))
    assert (tmp_path / "bo-again.pdf").read_bytes().startswith(b"%PDF")
    assert "saved as PDF" in window.messages.text and str(tmp_path / "bo-again.pdf") in window.messages.text


def test_a_file_that_cannot_be_written_is_an_error_message_and_cancel_writes_nothing(
        qtbot, window: MainWindow, people: People, tmp_path: Path) -> None:
    select(qtbot, window, people.clear)
    save(qtbot, window, Asked(str(tmp_path / "missing" / "ann.html")))
    assert window.messages.level == "error" and "cannot write" in window.messages.text
    window.messages.close_message()
    save(qtbot, window, Asked(""))  # the agent cancelled the file dialog
    assert not window.messages.isVisible() and list(tmp_path.glob("*.html")) == []


@pytest.mark.qt_log_ignore(OFFSCREEN_NOISE, r"does not support raise\(\)", r"does not support grabbing")  # menus
def test_history_and_the_list_s_context_menu_offer_the_report(
        qtbot, window: MainWindow, people: People, tmp_path: Path) -> None:
    select(qtbot, window, people.manual)
    asked = Asked(str(tmp_path / "eli.html"))
    window.insight.reports.ask_path = asked
    window.tabs.setCurrentWidget(window.history)
    window.history.at.report_button.click()
    settle(qtbot, window.tasks, 20_000)
    assert (tmp_path / "eli.html").exists() and asked.calls[0][0] == "Save consent report of Eli Novak"
    window.table.selectAll()  # a multi-selection: the report is of the row right-clicked, not of the one shown
    settle(qtbot, window.tasks)
    row = next(r for r in range(window.model.rowCount()) if window.model.contact_id(r) == people.bounced)
    window._context_menu(window.table.visualRect(window.model.index(row, 0)).center())
    menu = window.context_menu
    assert menu is not None
    [report] = [a for a in menu.actions() if a.objectName() == "menu_report"]
    asked.answer = str(tmp_path / "bo.html")
    report.trigger()
    settle(qtbot, window.tasks, 20_000)
    menu.close()
    assert asked.calls[-1][0] == "Save consent report of Bo Chen" and (tmp_path / "bo.html").exists()


def test_no_contact_shown_says_to_select_one(qtbot, window: MainWindow, people: People) -> None:
    asked = Asked("unused.html")
    window.insight.reports.ask_path = asked
    window.insight.report.trigger()
    assert asked.calls == [] and "Select a contact first" in window.messages.text


def test_file_names_and_formats() -> None:
    assert default_name("<b>Zoë O'Brien</b>", 7) == "consent-report-b-zo-o-brien-b-7.html"
    assert default_name("***", 7) == "consent-report-7.html"
    assert chosen_format(Path("/x/r.htm"), PDF_FILTER) == (Path("/x/r.htm"), "html")
    assert chosen_format(Path("/x/r"), HTML_FILTER) == (Path("/x/r.html"), "html")
