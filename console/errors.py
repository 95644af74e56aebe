"""Errors a user can act on. Anything else is a bug and goes to the crash dialog."""

from __future__ import annotations


class UserError(Exception):
    """Bad usage or unusable input: one clear line, exit code 2."""

    exit_code = 2


class NotFound(UserError):
    pass


class Refused(UserError):
    """The rules forbid the action: exit code 1, with the rule's reason."""

    exit_code = 1


class StoreUnavailable(UserError):
    """The database cannot be opened, reached or written."""


class SchemaTooNew(UserError):
    """The database was written by a newer DND Console; it is never altered."""


class Conflict(Refused):
    """Someone else changed the same thing a moment ago."""


class AuditDamaged(StoreUnavailable):
    """The audit chain's head, key or anchor is missing or damaged: named in one line, nothing is written."""
