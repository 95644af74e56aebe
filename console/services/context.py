"""The composition root's pieces: settings declared once, and the context every service receives."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import ClassVar

from console.store.db import DB_ENV, Store

REGION_ENV = "DND_CONSOLE_REGION"
ACTOR_ENV = "DND_CONSOLE_ACTOR"
WORKERS_ENV = "DND_CONSOLE_IMPORT_WORKERS"


@dataclass(frozen=True, slots=True)
class Settings:
    """Every setting of the console, with its default; built once (``cli.py``) and handed to every front end."""

    #: SQLAlchemy URL; None means the SQLite file in the user data folder.
    db_url: str | None = None
    #: Default region for national phone numbers.
    region: str = "US"
    #: Who is acting on SQLite (claimed); None means the login name. On PostgreSQL the database user acts.
    actor: str | None = None
    #: Parsing processes for one big plain export; None means one per core, at most 4.
    import_workers: int | None = None
    #: Seconds between polls of the change feed when the database cannot push.
    poll_interval: float = 2.0

    @classmethod
    def from_env(cls, db_url: str | None = None, region: str | None = None) -> Settings:
        """Explicit values win; then the ``DND_CONSOLE_*`` environment; then the defaults."""
        workers = os.environ.get(WORKERS_ENV, "").strip()
        return cls(
            db_url=db_url or os.environ.get(DB_ENV) or None,
            region=(region or os.environ.get(REGION_ENV) or "US").upper(),
            actor=os.environ.get(ACTOR_ENV, "").strip() or None,
            import_workers=int(workers) if workers.isdigit() and int(workers) > 0 else None,
        )

    def with_db(self, db_url: str | None) -> Settings:
        return replace(self, db_url=db_url)


def open_store(url: str | None) -> Store:
    """Open (and migrate) the database at ``url``: the default opener (tests wrap ``Store`` here)."""
    return Store(url)


@dataclass(slots=True)
class AppContext:
    """What a service needs: the settings and the store (opened, and migrated, on first use).

    ``opener`` opens the store from the database URL (a front end or a test may wrap it); ``store`` hands an
    already opened one (the window opens it itself, asking to retry while it cannot).
    """

    settings: Settings
    _store: Store | None = field(default=None, repr=False)
    opener: Callable[[str | None], Store] = field(default=lambda url: open_store(url), repr=False)

    @classmethod
    def with_store(cls, store: Store, settings: Settings | None = None) -> AppContext:
        """A context on an opened store; its settings' URL is the store's."""
        return cls((settings or Settings()).with_db(store.url), store)

    #: Stores a long-running process lends, by URL, to the commands it runs (the team writer, services/team.py);
    #: a context on a lent store uses it and never closes it.
    shared: ClassVar[dict[str, Store]] = {}

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = self.shared.get(self.settings.db_url or "") or self.opener(self.settings.db_url)
        return self._store

    @property
    def region(self) -> str:
        return self.settings.region

    def close(self) -> None:
        if self._store is not None:
            if self._store is not self.shared.get(self._store.url):
                self._store.dispose()
            self._store = None
