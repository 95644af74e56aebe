"""A small real database with one contact per interesting state, and an isolated QSettings."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from PySide6.QtCore import QSettings

from console.domain.channels import Channel, DndKind
from console.domain.events import Effect, Event, to_us
from console.services.context import AppContext, Settings
from console.store.actions import set_dnd
from console.store.contacts import add_contact
from console.store.db import Store
from console.store.ledger import record_events
from console.store.locations import get_location
from console.store.models import Contact
from console.ui.contact_model import ContactTableModel
from console.ui.contact_panel import ContactPanel
from console.ui.crash import CrashReporter
from console.ui.import_worker import import_pool
from console.ui.main_window import MainWindow
from console.ui.taskman import TaskManager

MARCH_1 = to_us(datetime(2024, 3, 1, 10, 0, tzinfo=UTC))


@dataclass(frozen=True)
class People:
    """Contact ids of the fixture database, by what their DND looks like."""

    clear: int  # no DND at all
    bounced: int  # email temporary (bounce)
    stopped: int  # sms permanent (replied STOP on 1 Mar 2024)
    spammer: int  # email spam (complained)
    manual: int  # facebook manual, set by an agent
    texting: int  # sms temporary (30003)


def _event(key: str, channel: Channel, kind: DndKind, reason: str, address: str, **detail: str) -> Event:
    source = "mailgun" if channel == Channel.EMAIL else "twilio"
    return Event(source=source, key=key, at_us=MARCH_1, channel=channel, effect=Effect.SET, kind=kind,
                 reason=reason, address=address, detail=dict(detail))


def fill(store: Store) -> People:
    with store.write() as session:
        loc = get_location(session, None).id
        ids = [
            add_contact(session, loc, name, email, phone).id
            for name, email, phone in [
                ("Ann Lee", "ann@example.com", "+14155550100"),
                ("Bo Chen", "bo@example.com", "+14155550101"),
                ("Cara Diaz", "cara@example.com", "(415) 555-0102"),
                ("Dev Patel", "dev@example.com", "+14155550103"),
                ("Eli Novak", "eli@example.com", "+14155550104"),
                ("Fay Ortiz", "fay@example.com", "+14155550105"),
            ]
        ]
        record_events(session, loc, [
            _event("b1", Channel.EMAIL, DndKind.TEMPORARY, "email.bounce", "bo@example.com"),
            _event("s1", Channel.SMS, DndKind.PERMANENT, "sms.opt_out_keyword", "+14155550102", keyword="STOP"),
            _event("c1", Channel.EMAIL, DndKind.SPAM, "email.complained", "dev@example.com"),
            _event("t1", Channel.SMS, DndKind.TEMPORARY, "sms.error_30003", "+14155550105"),
        ], "tester")
        eli = session.get(Contact, ids[4])
        assert eli is not None
        set_dnd(session, eli, [Channel.FACEBOOK], True, "tester")
    return People(clear=ids[0], bounced=ids[1], stopped=ids[2], spammer=ids[3], manual=ids[4], texting=ids[5])


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store(f"sqlite:///{tmp_path / 't.db'}")
    yield opened
    opened.dispose()


@pytest.fixture
def people(store: Store) -> People:
    return fill(store)


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def location_id(store: Store) -> int:
    with store.read() as session:
        return get_location(session, None).id


#: The offscreen platform used by the tests cannot do this; it is not a warning about our code.
OFFSCREEN_NOISE = r"This plugin does not support propagateSizeHints\(\)"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/ui/" in str(item.path).replace("\\", "/"):
            item.add_marker(pytest.mark.qt_log_ignore(OFFSCREEN_NOISE))


# -- opt-in reviews

ADMIN, REVIEWER, SUBMITTER = "admin", "rita.reviewer", "ana.agent"
BUSINESS = "+14155559000"
VIDEO = "https://evidence.example.com/optin.mp4"


@pytest.fixture
def team(store: Store, people: People) -> People:
    """The fixture contacts, plus an admin, a reviewer and an agent in the agents table."""
    from console.store.identity import add_agent

    with store.write() as session:
        add_agent(session, ADMIN, ADMIN, "admin")
        add_agent(session, ADMIN, REVIEWER, "reviewer")
        add_agent(session, ADMIN, SUBMITTER, "agent")
    return people


def submit(store: Store, contact_id: int, channel: Channel = Channel.SMS, actor: str = SUBMITTER,
           evidence: tuple[str, ...] = (VIDEO,)) -> int:
    """A pending review of a locked channel; its id."""
    from console.store.reviews import submit_review

    numbers = [BUSINESS] if channel == Channel.SMS else []
    with store.write() as session:
        return submit_review(session, contact_id, channel, actor, list(evidence), numbers, "Signed the form").id


@pytest.fixture
def crashes() -> CrashReporter:
    return CrashReporter()


@pytest.fixture
def tasks_as(store: Store, crashes: CrashReporter) -> Iterator[Callable[[str | None], TaskManager]]:
    """Database workers for widgets tested on their own, acting as someone (None: the environment's actor,
    ``tester``); bugs they meet go to ``crashes``."""
    started: list[TaskManager] = []

    def start(actor: str | None = None) -> TaskManager:
        settings = replace(Settings.from_env(db_url=store.url), actor=actor) if actor else Settings.from_env()
        manager = TaskManager(AppContext.with_store(store, settings))
        manager.problems.crashes = crashes
        started.append(manager)
        return manager

    yield start
    for manager in started:
        manager.shutdown()
    assert crashes.shown == [], crashes.shown[0]


@pytest.fixture
def tasks(tasks_as: Callable[[str | None], TaskManager]) -> TaskManager:
    return tasks_as(None)


@pytest.fixture
def panel(qtbot, tasks: TaskManager, people: People) -> ContactPanel:
    """The contact panel alone, shown, over the people of the ``people`` fixture."""
    widget = ContactPanel(tasks)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def show(qtbot, panel: ContactPanel, contact_id: int) -> None:
    """Show a contact in the panel and wait until it is read."""
    with qtbot.waitSignal(panel.loaded):
        panel.show_contact(contact_id)


def settle(qtbot, tasks: TaskManager, timeout: int = 5000) -> None:
    """Wait until the worker has answered everything asked of it (answers may ask for more: wait again)."""
    qtbot.waitUntil(lambda: tasks.pending == 0, timeout=timeout)


def rows_of(qtbot, model: ContactTableModel, column: int = 0) -> list[str]:
    """The model's rows as shown once every page is loaded (asking for a row loads its page)."""
    settle(qtbot, model.tasks)
    for row in range(model.rowCount()):
        model.index(row, column).data()
    settle(qtbot, model.tasks)
    return [model.index(r, column).data() for r in range(model.rowCount())]


def open_window(qtbot, store: Store, settings: QSettings, crashes: CrashReporter | None = None) -> MainWindow:
    """The window, shown, once it has its locations, its first list and its reviews."""
    win = MainWindow(store, settings, crashes or CrashReporter())
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    qtbot.waitUntil(lambda: bool(win.locations), timeout=5000)
    settle(qtbot, win.tasks)
    return win


@pytest.fixture
def window(qtbot, store: Store, people: People, settings: QSettings, crashes: CrashReporter) -> Iterator[MainWindow]:
    win = open_window(qtbot, store, settings, crashes)
    yield win
    win.close()
    import_pool().waitForDone()
    assert crashes.shown == [], crashes.shown[0]
