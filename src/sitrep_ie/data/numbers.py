"""Readings of a QUANTITY span's text as a number, for the corpus converter and the importer.

The event layer has its own normaliser (events/quantities.py); this small reader only has to say
which numbers a tagged span can stand for, so that an event quantity ``{"value": 1.8}`` can be tied
to the span "1,8" and a quantity region without a per-region ``value`` still gets one.

Example:
    >>> sorted(readings("1,800")), sorted(readings("1,8")), readings("thirty-six"), readings("1.5 million")
    ([1.8, 1800], [1.8], {36}, {1500000})
    >>> readings("241 790"), readings("a dozen"), readings("two hundred and fifty"), readings("12km")
    ({241790}, {12}, {250}, set())
"""

from __future__ import annotations

import re

_UNITS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen".split())}
_TENS = {w: 10 * (i + 2) for i, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split())}
_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000, "mln": 1_000_000,
           "bn": 1_000_000_000, "k": 1_000, "m": 1_000_000}
_EXTRA = {"a": 1, "an": 1, "single": 1}


def whole(v: int | float) -> int | float:
    """A number as the exports write it: 4.0 as 4, any other number unchanged.

    >>> whole(4.0), whole(1.5), whole(7)
    (4, 1.5, 7)
    """
    return int(v) if float(v).is_integer() else v


def _tidy(v: float) -> int | float:
    return int(v) if float(v).is_integer() else round(v, 10)


def _digit_readings(tok: str) -> set[int | float]:
    tok = tok.replace("\u00a0", "").replace("\u202f", "").replace(" ", "").replace("'", "")
    if not re.fullmatch(r"[\d.,]+", tok) or not re.search(r"\d", tok):
        return set()
    out: set[int | float] = set()
    if re.fullmatch(r"\d{1,3}([,.]\d{3})+", tok):  # thousands separators, either way
        out.add(int(re.sub(r"[,.]", "", tok)))
    if re.fullmatch(r"\d{1,3}(,\d{3})*(\.\d+)?|\d+(\.\d+)?", tok):
        out.add(_tidy(float(tok.replace(",", ""))))
    if re.fullmatch(r"\d{1,3}(\.\d{3})*(,\d+)?|\d+(,\d+)?", tok):  # decimal comma
        out.add(_tidy(float(tok.replace(".", "").replace(",", "."))))
    return out


def _words(tokens: list[str]) -> int | float | None:
    total, current, seen = 0.0, 0.0, False
    for t in tokens:
        if t in ("and", "-"):
            continue
        if t in _UNITS:
            current += _UNITS[t]
        elif t in _TENS:
            current += _TENS[t]
        elif t in _EXTRA:
            current += _EXTRA[t]
        elif t in ("hundred", "dozen"):
            current = (current or 1) * (100 if t == "hundred" else 12)
        elif t in _SCALES:
            total += (current or 1) * _SCALES[t]
            current = 0
        else:
            return None
        seen = True
    return _tidy(total + current) if seen else None


def readings(text: str) -> set[int | float]:
    """Every number the span text can be read as (empty when it cannot be read)."""
    t = text.strip().lower().replace("\u2013", "-")
    t = re.sub(r"(?<=\d)[ \u00a0\u202f](?=\d{3}(?!\d))", "", t)  # "241 790"
    t = re.sub(r"(?<=\d)(?=[a-z])", " ", t)  # "12km", "5k"
    toks = [x for x in re.split(r"[\s-]+", t) if x]
    if not toks:
        return set()
    if len(toks) == 1 or all(x in _SCALES for x in toks[1:]):
        heads = _digit_readings(toks[0])
        if heads:
            scale = 1
            for x in toks[1:]:
                scale *= _SCALES[x]
            return {_tidy(h * scale) for h in heads}
    w = _words(toks)
    return {w} if w is not None else set()


def read_number(text: str) -> int | float | None:
    """The number a span reads as when it reads as exactly one, else None."""
    r = readings(text)
    return next(iter(r)) if len(r) == 1 else None
