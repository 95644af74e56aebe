"""Inbound SMS classification: opt-out and opt-in keywords, possible opt-outs."""

from __future__ import annotations

import re
import string
import tomllib
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from functools import cache

from console.resources import resource


class Inbound(StrEnum):
    OPT_OUT = "opt_out"
    OPT_IN = "opt_in"
    POSSIBLE_OPT_OUT = "possible_opt_out"
    HELP = "help"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Keywords:
    opt_out: frozenset[str]
    opt_in: frozenset[str]
    possible_opt_out: re.Pattern[str]


@cache
def keywords() -> Keywords:
    data = tomllib.loads(resource("rules", "keywords.toml").read_text("utf-8"))
    phrases = sorted((p.lower() for p in data["possible_opt_out"]), key=len, reverse=True)
    pattern = re.compile(r"(?<![\w'])(?:" + "|".join(re.escape(p) for p in phrases) + r")(?![\w'])")
    return Keywords(
        frozenset(w.upper() for w in data["opt_out"]),
        frozenset(w.upper() for w in data["opt_in"]),
        pattern,
    )


_TRIM = string.whitespace + string.punctuation + "“”‘’¡¿…"
#: Unicode categories stripped around an opt-out body: punctuation, separators, symbols (emoji), controls and
#: format characters (zero-width spaces). Generous on purpose: doubt falls on the side of DND.
_LOOSE_EDGE = ("P", "Z", "S", "C")


def normalize_body(body: str) -> str:
    """The body as an opt-out keyword would read it: compatibility forms folded (NFKC: fullwidth letters,
    ligatures), case folded, surrounding punctuation, spaces, symbols and invisible characters removed; upper case."""
    text = unicodedata.normalize("NFKC", body).casefold()
    start, end = 0, len(text)
    while start < end and unicodedata.category(text[start])[0] in _LOOSE_EDGE:
        start += 1
    while end > start and unicodedata.category(text[end - 1])[0] in _LOOSE_EDGE:
        end -= 1
    return text[start:end].upper()


def strict_word(body: str) -> str | None:
    """The body as an opt-in keyword would read it: white space and ASCII punctuation trimmed, then plain ASCII
    letters only (any case), else None: ``ſtart``, ``ﬅart`` or fullwidth ``ＳＴＡＲＴ`` are no opt-in."""
    word = body.strip().strip(_TRIM)
    return word.upper() if word.isascii() and word.isalpha() else None


def _fold_quotes(text: str) -> str:
    return text.replace("’", "'").replace("‘", "'")


def classify_body(body: str) -> tuple[Inbound, str | None]:
    """Classify an inbound message body. Returns the class and the keyword (for keyword matches).

    RULES.md "Automatic triggers": opt-out keywords match generously, opt-in keywords strictly.
    """
    words = keywords()
    word = normalize_body(body)
    if word in words.opt_out:
        return Inbound.OPT_OUT, word
    strict = strict_word(body)
    if strict is not None and strict in words.opt_in:
        return Inbound.OPT_IN, strict
    text = " ".join(_fold_quotes(unicodedata.normalize("NFKC", body)).casefold().split())
    if len(text.split()) > 1 and words.possible_opt_out.search(text):
        return Inbound.POSSIBLE_OPT_OUT, None
    return Inbound.OTHER, None


def classify_inbound(body: str | None, opt_out_type: str | None = None) -> tuple[Inbound, str | None]:
    """Classify an inbound SMS, honouring Twilio's ``OptOutType`` tag where the export has it."""
    tag = (opt_out_type or "").strip().upper()
    text = body or ""
    if tag == "STOP":
        word = normalize_body(text)
        return Inbound.OPT_OUT, word if word in keywords().opt_out else "STOP"
    if tag == "HELP":
        return Inbound.HELP, None
    # START (Twilio also tags UNSTOP and YES) lifts only on the product's own opt-in words; otherwise
    # the body is classified as usual, as it is when no tag is present.
    return classify_body(text)
