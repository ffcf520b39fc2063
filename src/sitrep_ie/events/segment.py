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

# typographic quotes, dashes and bullets open a sentence as their plain forms do (UN releases print “ and –)
_END = re.compile(r"[.!?]+[\"'”’)\]]*(?=\s+[\"'“‘(\[]?[A-Z0-9\u0400-\u04FF\u0600-\u06FF*•●▪■◦–—-])")


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


# a table row: cells apart by a tab or three spaces ("Khanke camp         96          431")
CELL_GAP = re.compile(r"\S(?:\t| {3,})\S")


def has_cells(text: str, seg: Segment) -> bool:
    """Does the segment hold cells apart by wide gaps (a table line)?"""
    return bool(CELL_GAP.search(text, seg.start, seg.end))


def table_blocks(text: str, sents: list[Segment]) -> list[tuple[int, int]]:
    """(first, last) sentence indices of each table: two or more lines in a row, each one whole sentence
    whose cells stand apart by wide gaps. The header line, when there is one, is the first.

    >>> t = "Returns by district:\\nDistrict     Returnees\\nCeel Dheer   2,140\\nWabxo        415\\nNo more."
    >>> from sitrep_ie.events.lexicon import default_lexicon
    >>> table_blocks(t, sentences(t, default_lexicon()))
    [(1, 3)]
    """
    out: list[tuple[int, int]] = []
    run: list[int] = []
    for k, s in enumerate(sents):
        line_end = text.find("\n", s.end)
        whole_line = not text[text.rfind("\n", 0, s.start) + 1:s.start].strip() and not text[s.end:line_end if line_end >= 0 else len(text)].strip()
        if whole_line and has_cells(text, s):
            if run and run[-1] != k - 1:
                run = []
            run.append(k)
            if len(run) == 2:
                out.append((run[0], k))
            elif len(run) > 2:
                out[-1] = (run[0], k)
        else:
            run = []
    return out


_BULLET = re.compile(r"[ \t]*(?:[•●▪■◦*\-–]|\d+[.)])\s+")


def list_blocks(text: str, sents: list[Segment]) -> list[tuple[int, int]]:
    """(first, last) sentence indices of each list that a line ending in ":" introduces: two or more bullet
    lines right after it ("Figures for the week:\\n• 64 cluster submunitions destroyed\\n• 11 hectares surveyed").
    Such a list breaks an event down as a table does.

    >>> t = "Teams cleared farmland. Figures:\\n• 64 items destroyed\\n• 11 hectares surveyed\\nThen rain."
    >>> from sitrep_ie.events.lexicon import default_lexicon
    >>> list_blocks(t, sentences(t, default_lexicon()))
    [(2, 3)]
    """
    out: list[tuple[int, int]] = []
    k = 0
    while k < len(sents):
        if not text[sents[k].start:sents[k].end].endswith(":"):
            k += 1
            continue
        j = k + 1
        while j < len(sents) and (m := _BULLET.match(text, text.rfind("\n", 0, sents[j].start) + 1)) and sents[j].start <= m.end():
            j += 1
        if j - k > 2:
            out.append((k + 1, j - 1))
        k = max(j, k + 1)
    return out


def header_cell(text: str, header: Segment, pos: int) -> tuple[int, int]:
    """The span of the header cell above the character at ``pos`` (a later line of the table): the cell whose
    column is the last to start at or before ``pos``'s column.

    >>> t = "District      Returnees\\nWabxo         415"
    >>> a, b = header_cell(t, Segment(0, 23), t.index("415")); t[a:b]
    'Returnees'
    """
    col = pos - (text.rfind("\n", 0, pos) + 1)
    line_start = text.rfind("\n", 0, header.start) + 1
    best = (header.start, header.start)
    for m in re.finditer(r"\S+(?: \S+)*", text[header.start:header.end]):
        if header.start + m.start() - line_start <= col + 1 or best[0] == best[1]:
            best = (header.start + m.start(), header.start + m.end())
    return best
