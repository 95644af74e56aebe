"""The errors a user can act on: one tree, rooted at :class:`ConsoleError`. Anything else is a bug.

* :class:`InvalidInput`: bad usage or unusable input (an unknown channel, a malformed address, a missing file).
* :class:`NotFound`: the contact, review, location... named does not exist.
* :class:`Refused`: the rules forbid the action; the message is the rule's reason.
* :class:`Conflict`: someone else changed the same thing a moment ago (a kind of refusal: nothing was written).
* :class:`Unavailable`: the user's environment stands in the way (the database is locked or busy, the connection was
  lost, the disk is full, a permission is missing); ``retryable`` says whether trying again may help.
* :class:`SchemaTooNew`: the database was written by a newer DND Console; it is never altered.

Driver errors are sorted into :class:`Unavailable` (the environment) or re-raised (our bug) once, at the store
boundary (``console.store.errors``). How an error ends a command (its exit code) is decided by the command line
alone (``console.commands.support``); the window shows the message.
"""

from __future__ import annotations


class ConsoleError(Exception):
    """An error the user can act on: its message is one clear line."""


#: The old name of the root, still caught (and raised) across the code base.
UserError = ConsoleError


class InvalidInput(ConsoleError):
    """Bad usage or unusable input."""


class NotFound(ConsoleError):
    """What was named does not exist."""


class Refused(ConsoleError):
    """The rules forbid the action; the message gives the rule's reason."""


class Conflict(Refused):
    """Someone else changed the same thing a moment ago; nothing was written."""


class Unavailable(ConsoleError):
    """The database cannot be opened, reached or written because of the environment, not because of a bug."""

    def __init__(self, message: str, *, retryable: bool = False) -> None:
        super().__init__(message)
        #: True when trying again in a moment may succeed (locked, busy, connection lost).
        self.retryable = retryable


#: The old name of :class:`Unavailable`.
StoreUnavailable = Unavailable


class SchemaTooNew(Unavailable):
    """The database was written by a newer DND Console; it is never altered."""


class AuditDamaged(Unavailable):
    """The audit chain's head, key or anchor is missing or damaged: named in one line, nothing is written."""


class WriterNeeded(Unavailable):
    """A login set up with ``db grant`` tried to write: the command line hands the command to the team's writer
    (``dnd-console serve``, see cli.main); anywhere else (the window) it is this one line."""

    def __init__(self, store: object) -> None:
        super().__init__(
            "this login may not write the database itself: its changes go through the team's writer, "
            "and the window does not hand this one over (the command line does)"
        )
        #: The opened store whose database the writer serves (a console.store.db.Store).
        self.store = store
