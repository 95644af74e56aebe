"""Where the files of `resources/` live, in a checkout and in an installed wheel."""

from __future__ import annotations

from functools import cache
from pathlib import Path


@cache
def resources_dir() -> Path:
    here = Path(__file__).resolve().parent
    for candidate in (here.parent / "resources", here / "_resources"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("the resources folder of DND Console is missing")


def resource(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)
