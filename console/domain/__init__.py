"""The rules of DND: pure Python, no Qt and no SQL."""
