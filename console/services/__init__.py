"""Use cases: one function per user action, the only way the front ends change anything.

Every service function takes an :class:`~console.services.context.AppContext` first, opens its own
transaction through ``ctx.store``, checks the rules, writes its audit entry, and returns a typed result
(frozen dataclass) plus, for writes, the :class:`~console.store.changes.Change` it made. ``commands/`` and
``ui/`` call only services and typed read models; neither opens a Session nor imports ORM models.
"""
