"""Use cases: one function per user action, the only way the front ends change anything.

Every service function takes an :class:`~console.services.context.AppContext` first, opens its own
transaction through ``ctx.store``, checks the rules (``console.domain``), writes its audit entry, and returns a
typed result (frozen dataclass) wrapped in an :class:`~console.services.base.Outcome` with the
:class:`~console.store.changes.Change` it made (Anki's ``OpChanges``). Reads return typed read models.
``commands/`` and ``ui/`` call only services and read models; neither opens a Session nor imports ORM models.

* ``dnd``: set or lift DND (one contact, those sharing an address; the result is ready for bulk changes)
* ``reviews``: submit, update, approve, reject, ask for more information; the queue
* ``opt_outs``: confirm or dismiss a possible opt-out; the queue
* ``locations``: add a location, connect or disconnect channels (admin once an admin exists)
* ``agents``: add an agent (the first-admin rule); the list; who is acting
* ``contacts``: add or edit a contact (a new address applies the events kept for it)
* ``imports`` / ``exports``: run an import batch; write a suppression list
* ``audit``: verify the chain; the log of entries not about one contact
* ``reads``: status, check, history and the contact list page
* ``demo``, ``database``: demo data; the schema revision
"""
