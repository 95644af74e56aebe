"""Starting the window when the database cannot be reached: a message that offers to retry."""

from __future__ import annotations

from pathlib import Path

from console.errors import StoreUnavailable
from console.store.db import Store
from console.ui.app import DatabaseProblem, open_store


class Answers(DatabaseProblem):
    def __init__(self, *answers: bool) -> None:
        self.answers = list(answers)
        self.asked: list[str] = []

    def ask(self, message: str) -> bool:
        self.asked.append(message)
        return self.answers.pop(0)


def test_an_unreachable_database_offers_retry_until_it_opens(tmp_path: Path) -> None:
    attempts: list[int] = []

    def open_once() -> Store:
        attempts.append(1)
        if len(attempts) < 3:
            raise StoreUnavailable("cannot open the database postgresql+psycopg://agent:***@db/test: refused")
        return Store(f"sqlite:///{tmp_path / 'ok.db'}")

    problem = Answers(True, True)
    store = open_store(open_once, problem)
    assert store is not None and len(attempts) == 3
    assert all("***" in m and "refused" in m for m in problem.asked)
    store.dispose()


def test_giving_up_returns_nothing() -> None:
    def open_once() -> Store:
        raise StoreUnavailable("unreachable")

    assert open_store(open_once, Answers(False)) is None
