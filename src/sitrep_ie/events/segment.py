"""Sentence and clause boundaries with character offsets.

Field reports break lines for bullets and headers, abbreviate freely ("Nov. 2", "U.N.") and end
datelines with "/TASS/." - so sentences end at a line break, or at . ! ? followed by space and an
upper-case letter, a digit or a quote, unless the period closes a known abbreviation or a
single initial.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..schema import trim_span
from .lexicon import Lexicon

_END = re.compile(r"[.!?]+[\"')\]]*(?=\s+[\"'(\[]?[A-Z0-9\u0400-\u04FF\u0600-\u06FF*•-])")


@dataclass(frozen=True)
class Segment:
    start: int
    end: int

    def text(self, doc: str) -> str:
        return doc[self.start : self.end]


def sentences(text: str, lex: Lexicon) -> list[Segment]:
    """Sentence segments of ``text`` (never empty, never overlapping, in order).

    >>> from sitrep_ie.events.lexicon import default_lexicon
    >>> t = "ALEPPO, Nov. 2. /TASS/. Sappers cleared 12 mines. Aid arrived.\\n- 3 trucks"
    >>> [s.text(t) for s in sentences(t, default_lexicon())]
    ['ALEPPO, Nov. 2. /TASS/.', 'Sappers cleared 12 mines.', 'Aid arrived.', '- 3 trucks']
    """
    out: list[Segment] = []
    for line in re.finditer(r"[^\n]+", text):
        a = line.start()
        for m in _END.finditer(text, line.start(), line.end()):
            cut = m.end()
            before = text[a:m.start()]
            word = re.search(r"([A-Za-z.]+)$", before)
            if word:
                w = word.group(1).lower().rstrip(".")
                if w in lex.abbreviations or (len(w) == 1 and w.isalpha()):
                    continue
            s, e = trim_span(text, a, cut)
            if e > s:
                out.append(Segment(s, e))
            a = cut
        s, e = trim_span(text, a, line.end())
        if e > s:
            out.append(Segment(s, e))
    return out


def clauses(text: str, sentence: Segment, lex: Lexicon) -> list[Segment]:
    """Clauses of a sentence: split at ';', the lexicon's conjunctions and ', and' before a new subject."""
    out = []
    a = sentence.start
    for m in lex.clause.finditer(text, sentence.start, sentence.end):
        s, e = trim_span(text, a, m.start())
        if e > s:
            out.append(Segment(s, e))
        a = m.end()
    s, e = trim_span(text, a, sentence.end)
    if e > s:
        out.append(Segment(s, e))
    return out or [sentence]
