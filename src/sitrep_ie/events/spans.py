"""The tagger's spans mended by the annotation rules: no clock times as numbers (H3), halves of one UNIT or number
joined, the first word of a place's name ("Rural Homs"), and ACTOR bounds (GUIDELINES: ACTOR, H5, H6).

The encoder is uncased, so where a name ends is the part of an ACTOR span it gets wrong most often
(dev: 30 of 456 predicted ACTOR spans overlap an annotated one with other bounds, and each such span
is a missed and a false argument at once). Case and the lexicon's party words settle most of them:

- "UNHCR-supported" is UNHCR; a name never ends in "of", "the" or "and";
- H5: after an organisation (an acronym, or two capitalised words), member nouns stay outside:
  "MAG clearance" is MAG, "Islamic State fighters" is Islamic State;
- H6: a lone nationality or side word with a party noun after it is the whole party: "Armed men";
- a capitalised word beside a name continues it ("Aamin Ambulance", "Joint Crisis Coordination Centre"),
  unless it is a title, a day, a function word or a country (``name_breaks``).

Each rule was counted on the tagger's train and dev spans: 50 spans more match their annotation
exactly, none less (``refine_actors`` over `Extractor.tag_full`, against the annotated ACTOR spans).

Example:
    >>> from sitrep_ie.events.lexicon import default_lexicon
    >>> t = "UNMAS-contracted teams and Armed men met Aamin Ambulance crews."
    >>> [(e.text) for e in refine_actors(t, [Entity(0, 16, "ACTOR", "UNMAS-contracted", 0.9), Entity(27, 32, "ACTOR", "Armed", 0.9),
    ...                                     Entity(41, 46, "ACTOR", "Aamin", 0.9)], default_lexicon())]
    ['UNMAS', 'Armed men', 'Aamin Ambulance']
"""

from __future__ import annotations

import dataclasses
import re
from typing import Sequence, TypeVar

from ..schema import Entity
from .lexicon import Lexicon
from .quantities import GROUPED_NUMBER

_ACRONYM = re.compile(r"[A-Z][A-Z0-9]+(?:-[A-Z0-9]+)*$")
_WORD = re.compile(r"\S+")
_NEXT_NAME = re.compile(r" ([A-Z][\w-]*)")
_PREVIOUS_NAME = re.compile(r"(?:^|(?<=[\s(]))([A-Z][\w-]*) $")


def _continues(word: str, lex: Lexicon) -> bool:
    """Can this capitalised word beside a name be part of it?"""
    return word.lower() not in lex.name_breaks and not _ACRONYM.match(word)


def actor_bounds(text: str, start: int, end: int, lex: Lexicon, free: bytes | bytearray) -> tuple[int, int]:
    """The bounds of the ACTOR span ``text[start:end]`` by the rules above; ``free[k]`` is non-zero when character
    k is in no other tagged span (a name never grows into one: "the" tagged alone would swallow a name after it)."""
    s, e = start, end
    while (m := re.search(r"\s+(\S+)$", text[s:e])) and m.group(1).lower() in lex.dangling_words:
        e = s + m.start()
    if (m := lex.support_suffix.search(text[s:e])) and _ACRONYM.match(text[s:s + m.start()]):
        e = s + m.start()
    words = list(_WORD.finditer(text[s:e]))
    k = len(words)
    while k > 1 and words[k - 1].group()[0].islower():
        k -= 1
    head = [w.group() for w in words[:k]]
    if k < len(words):
        organisation = (len(head) == 1 and bool(_ACRONYM.match(head[0])) and head[0] not in lex.country_acronyms) or \
            (sum(w[0].isupper() for w in head) >= 2 and head[0].lower() not in lex.party_modifiers)
        if organisation and (words[k].group().lower() in lex.member_nouns or len(head) == 1):
            e = s + words[k - 1].end()
    if len(words) == 1 and words[0].group().lower() in lex.party_modifiers:
        if (m := re.match(r" (\w+)", text[e:])) and m.group(1).lower() in lex.party_nouns and all(free[e:e + m.end()]):
            e += m.end()
    while (m := _NEXT_NAME.match(text, e)) and _continues(m.group(1), lex) and all(free[e:m.end()]):
        e = m.end()
    while (m := _PREVIOUS_NAME.search(text, max(0, s - 40), s)) and _continues(m.group(1), lex) and all(free[m.start():s]):
        s = m.start()
    return s, e


def refine_actors(text: str, entities: Sequence[Entity], lex: Lexicon) -> list[Entity]:
    """The entities (the tagger's: never overlapping) with each ACTOR span's bounds mended (``actor_bounds``),
    after joining the two halves of a name cut at a joiner word. A span never grows into another tagged span, so
    the spans stay apart and in order; other labels pass as they are."""
    if not any(e.label == "ACTOR" for e in entities):
        return list(entities)
    free = bytearray(b"\x01") * len(text)  # one byte a character: this runs on every tagged report
    for e in entities:
        free[e.start:e.end] = bytes(e.end - e.start)
    ordered = sorted(entities, key=lambda x: (x.start, x.end))
    # halves of one name the tagger cut at "of the": "International Mine Action Centre of the" + "Russian Armed Forces"
    joined: list[Entity] = []
    for e in ordered:
        last = joined[-1] if joined else None
        if last is not None and last.label == e.label == "ACTOR" and text[last.end:e.start] == " " \
                and len(last.text.split()) > 1 and last.text.split()[-1].lower() in lex.name_joiners:
            joined[-1] = Entity(last.start, e.end, "ACTOR", text[last.start:e.end], max(last.score, e.score))
        else:
            joined.append(e)
    out: list[Entity] = []
    for e in joined:
        if e.label != "ACTOR":
            out.append(e)
            continue
        free[e.start:e.end] = b"\x01" * (e.end - e.start)  # a span may grow back over its own trimmed words
        s, t = actor_bounds(text, e.start, e.end, lex, free)
        free[e.start:e.end] = bytes(e.end - e.start)
        out.append(Entity(s, t, "ACTOR", text[s:t], e.score))
    return out


_CLOCK = re.compile(r"(?<![\d.:])\d{1,2}:\d{2}(?![\d:])")


def drop_clock_times(text: str, entities: Sequence[Entity]) -> list[Entity]:
    """The tagger's spans without the numbers of clock times ("09:37", "at 14:00"; GUIDELINES H3).

    >>> t = "422 hectares; at 09:37"
    >>> [e.text for e in drop_clock_times(t, [Entity(0, 3, "QUANTITY", "422", 0.9), Entity(20, 22, "QUANTITY", "37", 0.9)])]
    ['422']
    """
    if ":" not in text:
        return list(entities)
    clocks = [(m.start(), m.end()) for m in _CLOCK.finditer(text)]
    return [e for e in entities if e.label != "QUANTITY" or not any(a < e.end and e.start < b for a, b in clocks)]


def drop_day_lists(text: str, entities: Sequence[Entity], lex: Lexicon) -> list[Entity]:
    """The tagger's spans without the QUANTITY spans that are days of a month named after them, alone or in a list
    ("on 4, 8, 14 and 24 November": 4, 8 and 14 are days, not counts; "between 3 and 8 March").

    >>> from sitrep_ie.events.lexicon import default_lexicon
    >>> t = "entered five times: on 4, 8 and 14 November"
    >>> [e.text for e in drop_day_lists(t, [Entity(8, 12, "QUANTITY", "five", 0.9), Entity(23, 24, "QUANTITY", "4", 0.9)], default_lexicon())]
    ['five']
    """
    return [e for e in entities if not (e.label == "QUANTITY" and e.text.isdigit() and 1 <= int(e.text) <= 31
                                         and lex.days_to_month.match(text, e.end))]


# numbers that a comma and a space part: never one number, which groups its digits by a comma with no space (H2)
_LISTED_NUMBERS = re.compile(r"\d[\d.,]*(?:, \d[\d.,]*)+")
_YEAR = re.compile(r"(?:19|20)\d\d")


def split_listed_numbers(text: str, entities: Sequence[Entity], lex: Lexicon) -> list[Entity]:
    """The tagger's spans with a QUANTITY drawn over numbers that a comma and a space part cut into one span per
    number, less a first number that is the day of a month before it ("On November 5, 422 hectares": the span
    "5, 422" read as no number, and its event was lost) and the year that may follow that day ("November 5, 2017").

    >>> from sitrep_ie.events.lexicon import default_lexicon
    >>> t = "On November 5, 422 hectares"
    >>> [e.text for e in split_listed_numbers(t, [Entity(12, 18, "QUANTITY", "5, 422", 0.9)], default_lexicon())]
    ['422']
    """
    out: list[Entity] = []
    for e in entities:
        if e.label != "QUANTITY" or not _LISTED_NUMBERS.fullmatch(e.text):
            out.append(e)
            continue
        at, dated = e.start, False
        for k, part in enumerate(e.text.split(", ")):
            s = text.index(part, at)
            at = s + len(part)
            if k == 0 and lex.month_before.search(text, max(0, s - 20), s):
                dated = True
            elif not (k == 1 and dated and _YEAR.fullmatch(part)):
                out.append(Entity(s, at, "QUANTITY", part, e.score))
    return out


# a unit abbreviation that a dot and a space may part from the rest of its unit ("sq. m"); a longer word before
# ". ", or a capital after it, ends a sentence ("40 mines. Teams", "12 ha. Mines")
_ABBREVIATION = re.compile(r"[a-z]{1,3}$")


def join_halves(text: str, entities: Sequence[Entity]) -> list[Entity]:
    """The tagger's spans with the halves of one UNIT or one number joined: two UNIT spans one space or an
    abbreviation's dot apart ("PMN-2" + "mines", "unaccompanied" + "boys", "sq" + "m", "sq. " + "m") and a number
    grouped by a space ("482" + "115").

    The annotation never puts two such spans one space apart (train and dev: 159 pairs of UNIT or QUANTITY spans
    side by side, every one table cells apart by tabs or several spaces), so a single space means one span cut in
    two; a quantity took the first half as its unit ("54 PMN-2"), or read two numbers. A number is joined when the two
    halves make one grouped in thousands (``quantities.GROUPED_NUMBER``, GUIDELINES H2).

    >>> t = "removed 54 PMN-2 mines and 482 115 m2"
    >>> [e.text for e in join_halves(t, [Entity(8, 10, "QUANTITY", "54", 1.0), Entity(11, 16, "UNIT", "PMN-2", 0.9),
    ...                                   Entity(17, 22, "UNIT", "mines", 0.8), Entity(27, 30, "QUANTITY", "482", 1.0),
    ...                                   Entity(31, 34, "QUANTITY", "115", 1.0), Entity(35, 37, "UNIT", "m2", 1.0)])]
    ['54', 'PMN-2 mines', '482 115', 'm2']
    """
    out: list[Entity] = []
    for e in sorted(entities, key=lambda x: (x.start, x.end)):
        last = out[-1] if out else None
        gap = text[last.end:e.start] if last is not None else ""
        if last is not None and last.label == e.label and (
                (e.label == "UNIT" and (gap in (" ", ".") or (gap == ". " and _ABBREVIATION.match(last.text) and e.text[:1].islower()))) or
                (e.label == "QUANTITY" and gap == " " and GROUPED_NUMBER.match(text[last.start:e.end]))):
            out[-1] = Entity(last.start, e.end, e.label, text[last.start:e.end], min(last.score, e.score))
        else:
            out.append(e)
    return out


_ABBREVIATED_REST = re.compile(r"\.\s?[a-z]{1,2}\b")


def abbreviated_units(text: str, entities: Sequence[Entity]) -> list[Entity]:
    """UNIT spans that stop at an abbreviation's dot grown over the short rest the tagger left out ("sq" of
    "sq.m" -> "sq.m"; "sq" + "m", both tagged, is ``join_halves``), unless another span starts there.

    >>> t = "37 million sq.m of land"
    >>> [e.text for e in abbreviated_units(t, [Entity(0, 10, "QUANTITY", "37 million", 1.0), Entity(11, 13, "UNIT", "sq", 0.9)])]
    ['37 million', 'sq.m']
    """
    out = sorted(entities, key=lambda x: (x.start, x.end))
    for k, e in enumerate(out):
        m = _ABBREVIATED_REST.match(text, e.end) if e.label == "UNIT" and _ABBREVIATION.match(e.text) else None
        if m is not None and (k + 1 == len(out) or out[k + 1].start >= m.end()):
            out[k] = Entity(e.start, m.end(), "UNIT", text[e.start:m.end()], e.score)
    return out


def name_prefixes(text: str, entities: Sequence[Entity], lex: Lexicon) -> list[Entity]:
    """PLACE spans grown over the capitalised word that starts their name (``name_prefixes``: "Rural" of "Rural
    Homs", which the tagger left out of the name as it does "rural" of "rural Homs"), unless another span holds it."""
    out: list[Entity] = []
    for e in sorted(entities, key=lambda x: (x.start, x.end)):
        m = lex.place_prefix.search(text, max(0, e.start - 40), e.start) if e.label == "PLACE" else None
        if m is not None and (not out or out[-1].end <= m.start()):
            e = Entity(m.start(), e.end, "PLACE", text[m.start():e.end], e.score)
        out.append(e)
    return out


def refine_spans(text: str, entities: Sequence[Entity], lex: Lexicon) -> list[Entity]:
    """The tagger's spans as the Extractor gives them: clock times dropped (``drop_clock_times``), numbers parted by
    a comma and a space split (``split_listed_numbers``), then days dropped (``drop_day_lists``: after the split, which
    may cut one span "4, 8, 14" into days), halves joined (``join_halves``, ``abbreviated_units``), place names' first
    words restored (``name_prefixes``), ACTOR bounds mended (``refine_actors``)."""
    spans = drop_day_lists(text, split_listed_numbers(text, drop_clock_times(text, entities), lex), lex)
    return refine_actors(text, name_prefixes(text, abbreviated_units(text, join_halves(text, spans)), lex), lex)


T = TypeVar("T")


def refine_tagged(texts: Sequence[str], tagged: Sequence[T], lex: Lexicon) -> list[T]:
    """The tagger's results (``Tagged``: any dataclass with ``entities``) with their spans refined (``refine_spans``):
    what the Extractor gives and what the event layer is fitted and tuned on."""
    return [dataclasses.replace(tg, entities=refine_spans(t, tg.entities, lex)) for t, tg in zip(texts, tagged)]  # type: ignore[type-var]


__all__ = ["abbreviated_units", "actor_bounds", "drop_clock_times", "drop_day_lists", "join_halves", "name_prefixes", "refine_actors",
           "refine_spans", "refine_tagged", "split_listed_numbers"]
