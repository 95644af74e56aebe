"""Property: the streaming scanner finds the same records of an ``items`` array as loading the document whole,
objects and non-objects alike (issue 9: non-object elements were dropped uncounted), whatever the read sizes."""

from __future__ import annotations

import io
from pathlib import Path

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from console.importers.jsonscan import NOT_OBJECT, Scan, iter_elements

_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=8),
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=8,
)


class _Trickle(io.RawIOBase):
    """A stream that hands out at most ``step`` bytes per read, so elements straddle buffer boundaries."""

    def __init__(self, data: bytes, step: int) -> None:
        self._data = data
        self._step = step

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        piece, self._data = self._data[: self._step], self._data[self._step :]
        return piece


@settings(max_examples=300, deadline=None)
@given(st.lists(_VALUES, max_size=8), st.booleans(), st.integers(1, 64), st.booleans())
def test_streamed_records_match_the_loaded_document(
    items: list[object], wrapped: bool, step: int, indent: bool
) -> None:
    document = {"paging": {"items": [1]}, "items": items, "total_count": len(items)} if wrapped else items
    data = orjson.dumps(document, option=orjson.OPT_INDENT_2 if indent else 0)
    scan = Scan()
    stream = _Trickle(data, step)
    found = list(iter_elements(stream, Path("page.json"), frozenset({"items"}), scan))  # type: ignore[arg-type]
    assert scan.complete
    expected = [(n, isinstance(item, dict)) for n, item in enumerate(items, start=1)]
    assert [(e.index, e.problem is None) for e in found] == expected
    for element, item in zip(found, items, strict=True):
        if isinstance(item, dict):
            assert orjson.loads(element.data) == item
        else:
            assert element.problem == NOT_OBJECT
