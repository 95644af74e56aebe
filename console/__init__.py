"""DND Console: per-channel Do Not Disturb for support agents."""

import logging

__version__ = "0.1.0"

# Nothing is printed by a library logger unless the program configures logging (console.logs does, for the
# front ends); without this, Python's last-resort handler would print warnings on stderr.
logging.getLogger("console").addHandler(logging.NullHandler())
