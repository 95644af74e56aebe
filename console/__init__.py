"""DND Console: per-channel Do Not Disturb for support agents."""

__version__ = "0.1.0"
