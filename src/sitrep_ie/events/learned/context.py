"""Reports prepared for the event layer: trigger and candidate spans, sentences, clauses and tables, encoder states
and the window of sentences a trigger reads."""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from ...data.labels import event_type_of
from ...schema import Entity, Quantity, unit_lemma
from ..arguments import admin_parents
from ..lexicon import Lexicon
from ..pipeline import EventLayer, _Doc, segment
from ..quantities import build_quantities, normalise_measure
from ..segment import has_cells, header_cell


ROLES = ("actor", "place", "quantity")
ROLE_OF_LABEL = {"ACTOR": "actor", "PLACE": "place", "QUANTITY": "quantity"}
QUOTE = re.compile(r"[\"“”«»]")
PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")  # a blank line, spaces on it or not


@dataclass(frozen=True)
class TriggerSpan:
    """A trigger the tagger found (or the annotation holds): its span, event type and score."""

    start: int
    end: int
    type: str
    score: float = 1.0


@dataclass(frozen=True)
class Candidate:
    """A possible argument: an ACTOR or PLACE span, or a quantity (with its unit and range)."""

    role: str
    start: int
    end: int
    text: str
    quantity: Quantity | None = None

    def key(self) -> tuple[str, str]:
        """What makes two mentions the same argument value (a restated "275 devices" is one quantity)."""
        if self.quantity is not None:
            q = self.quantity
            return ("quantity", f"{q.value:g}|{q.upper or ''}|{unit_lemma(q.unit) if q.unit else ''}")
        return (self.role, self.text.lower())


def number_of(key: tuple[str, str]) -> str:
    """A quantity's ``Candidate.key`` without its unit: the number (and upper bound) alone.

    >>> number_of(("quantity", "29||civilian"))
    '29|'
    """
    return key[1].rsplit("|", 1)[0]


class TriggerIndex:
    """The triggers of a report sorted by position, overall and per type: the pair features ask, for
    every (trigger, candidate) pair, how many triggers lie between and how near the next one is; a scan
    of all triggers per pair made long reports quadratic."""

    def __init__(self, triggers: Sequence[TriggerSpan]) -> None:
        self.triggers = triggers
        self.by_start = sorted((t.start, k) for k, t in enumerate(triggers))
        self.starts = [a for a, _ in self.by_start]
        self.by_type: dict[str, list[int]] = {}
        for k, t in enumerate(triggers):
            self.by_type.setdefault(t.type, []).append(k)
        self.type_starts = {ty: sorted(triggers[k].start for k in ks) for ty, ks in self.by_type.items()}
        self.rank = {k: r for ks in self.by_type.values() for r, k in enumerate(ks)}

    def between(self, lo: int, hi: int, i: int, type: str | None = None) -> int:
        """Triggers other than ``i`` (of ``type``, when given) that start strictly inside (lo, hi)."""
        starts = self.starts if type is None else self.type_starts.get(type, [])
        n = bisect.bisect_left(starts, hi) - bisect.bisect_right(starts, lo)
        t = self.triggers[i]
        return n - int(lo < t.start < hi and (type is None or t.type == type))

    def nearest_other(self, pos: int, i: int) -> int:
        """Distance from ``pos`` to the nearest start of a trigger other than ``i`` (10**9 when none)."""
        best = 10**9
        at = bisect.bisect_left(self.by_start, (pos, -1))
        for step, stop in ((-1, -1), (1, len(self.by_start))):
            k = at - 1 if step < 0 else at
            while k != stop:
                start, idx = self.by_start[k]
                if idx != i:
                    best = min(best, abs(start - pos))
                    break
                k += step
        return best

    def same_type_rank(self, k: int) -> int:
        """How many triggers of trigger ``k``'s type come before it (in trigger order)."""
        return self.rank[k]


@dataclass
class Context:
    """One report prepared for linking: segments, candidates, triggers and span vectors."""

    doc: _Doc
    triggers: list[TriggerSpan]
    candidates: list[Candidate]
    admin_of: dict[int, int]  # candidate index of a place -> candidate index of its parent
    vectors: np.ndarray | None  # (triggers + candidates, hidden) span representations
    sentence_of: list[int] = field(default_factory=list)  # per trigger, then per candidate
    clause_of: list[int] = field(default_factory=list)
    cache: dict[tuple[str, int], Any] = field(default_factory=dict)  # per-candidate / per-sentence feature parts
    encoded: EncoderStates | None = None  # for the words between trigger and candidate
    coordinated: dict[int, list[int]] = field(default_factory=dict)  # place -> the places listed with it ("A, B and C")
    new_facts: set[int] = field(default_factory=set)  # triggers whose sentence says "also" before them

    def trigger_vec(self, i: int) -> np.ndarray | None:
        return None if self.vectors is None else self.vectors[i]

    def sentence_keys(self, s: int) -> set[tuple[str, str]]:
        """Keys (role, value) of the candidates in sentence ``s``; indexed once per report, as the merge
        features and the place rule ask for every sentence of every trigger."""
        return memo(self, ("sentence_keys", 0), self._index_sentence_keys).get(s, set())

    def _index_sentence_keys(self) -> dict[int, set[tuple[str, str]]]:
        index: dict[int, set[tuple[str, str]]] = {}
        for j, c in enumerate(self.candidates):
            index.setdefault(self.sentence_of[len(self.triggers) + j], set()).add(c.key())
        return index

    def trigger_index(self) -> TriggerIndex:
        return memo(self, ("trigger_index", 0), lambda: TriggerIndex(self.triggers))

    def cand_vec(self, j: int) -> np.ndarray | None:
        return None if self.vectors is None else self.vectors[len(self.triggers) + j]


def split_tags(entities: Sequence[Entity]) -> tuple[list[Entity], list[TriggerSpan]]:
    """The tagger's spans parted into entities and typed triggers (its ``EVT_<TYPE>`` labels).

    >>> split_tags([Entity(0, 7, "ACTOR", "Sappers", 0.9), Entity(8, 15, "EVT_DEMINING", "cleared", 0.8)])[1]
    [TriggerSpan(start=8, end=15, type='demining', score=0.8)]
    """
    ents, trigs = [], []
    for e in entities:
        t = event_type_of(e.label)
        if t is None:
            ents.append(e)
        else:
            trigs.append(TriggerSpan(e.start, e.end, t, e.score))
    return ents, trigs


SPAN_BLOCK = 8192  # tokens per prefix sum in ``EncoderStates.span_means``


class EncoderStates:
    """A report's encoder output (token offsets, last hidden states) and the means of spans over it.

    Tokens are sorted and disjoint: a span's tokens are one run, so prefix sums give every mean at once.
    The sums restart every SPAN_BLOCK tokens (a float64 prefix sum over a whole megabyte report took
    seconds in memory traffic alone) and the last block's sums are kept: the trigger head, the candidates
    and the words between pairs all ask for the same block of a report (it cost a third of linking).
    """

    def __init__(self, offsets: np.ndarray, hidden: np.ndarray) -> None:
        self.hidden = hidden
        self.kept = np.flatnonzero(offsets[:, 1] > offsets[:, 0]) if len(offsets) else np.zeros(0, dtype=np.int64)
        self.starts, self.ends = offsets[self.kept, 0], offsets[self.kept, 1]
        self._block: tuple[int, np.ndarray] | None = None

    @classmethod
    def of(cls, offsets: np.ndarray | None, hidden: np.ndarray | None) -> EncoderStates | None:
        """The states, or None for a model exported without hidden states."""
        return None if offsets is None or hidden is None else cls(offsets, hidden)

    def _prefix_sums(self, k: int) -> np.ndarray:
        if self._block is None or self._block[0] != k:
            lo = k * SPAN_BLOCK
            self._block = (k, np.vstack([np.zeros((1, self.hidden.shape[1]), dtype=np.float64),
                                         np.cumsum(self.hidden[self.kept[lo:lo + SPAN_BLOCK]], axis=0, dtype=np.float64)]))
        return self._block[1]

    def span_means(self, spans: Sequence[tuple[int, int]]) -> np.ndarray:
        """Mean of the hidden states of the tokens that overlap each span (zeros when none does)."""
        hidden, kept = self.hidden, self.kept
        out = np.zeros((len(spans), hidden.shape[1]), dtype=np.float32)
        if not len(spans) or not len(kept):
            return out
        a = np.asarray([x for x, _ in spans])
        b = np.asarray([y for _, y in spans])
        first = np.searchsorted(self.ends, a, side="right")  # first token ending after the span starts
        stop = np.searchsorted(self.starts, b, side="left")  # first token starting at or after the span ends
        n = stop - first
        has = n > 0
        block = first // SPAN_BLOCK
        within = has & (stop <= (block + 1) * SPAN_BLOCK)  # a span across a block border is averaged directly
        idx = np.flatnonzero(within)
        idx = idx[np.argsort(block[idx], kind="stable")]  # spans grouped by block (index arrays: a mask per block was quadratic)
        bounds = np.searchsorted(block[idx], np.arange(int(block.max(initial=0)) + 2))
        for k in range(len(bounds) - 1):
            sel = idx[bounds[k]:bounds[k + 1]]
            if not len(sel):
                continue
            lo = k * SPAN_BLOCK
            csum = self._prefix_sums(k)
            out[sel] = ((csum[stop[sel] - lo] - csum[first[sel] - lo]) / n[sel, None]).astype(np.float32)
        for k in np.flatnonzero(has & ~within):
            out[k] = hidden[kept[first[k]:stop[k]]].mean(axis=0, dtype=np.float64).astype(np.float32)
        return out


def span_vectors(spans: Sequence[tuple[int, int]], offsets: np.ndarray, hidden: np.ndarray) -> np.ndarray:
    """Mean of the hidden states of the tokens that overlap each span (zeros when none does)."""
    return EncoderStates(offsets, hidden).span_means(spans)


def prepare(text: str, entities: Sequence[Entity], triggers: Sequence[TriggerSpan], layer: EventLayer,
            reference_date: dt.date | None, states: EncoderStates | None = None) -> Context:
    """Segment the report and collect candidates, admin parents and span vectors."""
    ents = sorted((e for e in entities if e.label in ROLE_OF_LABEL or e.label == "UNIT"), key=lambda e: (e.start, e.end))
    doc = segment(text, layer.lexicon, reference_date)
    cands: list[Candidate] = []
    for q, used in build_quantities(text, ents, layer.normalisation, layer.lexicon):
        cands.append(Candidate("quantity", q.start, q.end, q.text, q))
    agency = doc.dates.dateline_agency or (0, 0)
    for e in ents:
        if e.label == "ACTOR" and agency[0] <= e.start < agency[1]:
            continue  # the news agency a dateline names relays the report and does nothing in it (GUIDELINES H7)
        if e.label == "ACTOR" or (e.label == "PLACE" and not layer.lexicon.generic_place.match(e.text)):
            cands.append(Candidate(ROLE_OF_LABEL[e.label], e.start, e.end, e.text))
    cands.sort(key=lambda c: (c.start, c.end))
    admin_of: dict[int, int] = {}
    lists: list[list[int]] = []
    cand_starts = [c.start for c in cands]
    for sent in doc.sentences:  # parents are read within a sentence
        lo, hi = bisect.bisect_left(cand_starts, sent.start), bisect.bisect_left(cand_starts, sent.end)
        places = [j for j in range(lo, hi) if cands[j].role == "place"]
        place_ents = [Entity(cands[j].start, cands[j].end, "PLACE", cands[j].text, 1.0) for j in places]
        admin_of.update({places[k]: places[v] for k, v in admin_parents(text, place_ents, layer.normalisation, layer.lexicon, sent.start).items()})
        lists.extend(coordinated_places(text, cands, places, layer.lexicon))
    vectors = None if states is None else states.span_means([(t.start, t.end) for t in triggers] + [(c.start, c.end) for c in cands])
    parents = set(admin_of.values())
    starts = [s.start for s in doc.sentences]
    ctx = Context(doc, list(triggers), cands, admin_of, vectors, encoded=states,
                  coordinated={j: [k for k in group if k != j and k not in parents] for group in lists for j in group})
    cstarts = [c.start for _, c in doc.clauses]
    for pos in [t.start for t in triggers] + [c.start for c in cands]:
        ctx.sentence_of.append(max(0, bisect.bisect_right(starts, pos) - 1))
        ctx.clause_of.append(max(0, bisect.bisect_right(cstarts, pos) - 1))
    if starts:  # the words between a trigger's sentence start and the trigger
        ctx.new_facts = {i for i, t in enumerate(triggers) if layer.lexicon.new_fact.search(text, starts[ctx.sentence_of[i]], t.start)}
    _units_from_headers(ctx, [e for e in ents if e.label == "UNIT"], layer)
    return ctx


def _units_from_headers(ctx: Context, units: Sequence[Entity], layer: EventLayer) -> None:
    """A number in a table row without a unit of its own takes the unit tagged in its column's header
    ("Settlement   shellings" over "Tell Sikkin   7": 7 shellings)."""
    for j, c in enumerate(ctx.candidates):
        q = c.quantity
        if q is None or q.unit is not None or (column := header_of(ctx, j)) is None:
            continue
        unit = next((u for u in units if column[0] <= u.start and u.end <= column[1]), None)
        if unit is not None:
            ctx.candidates[j] = dataclasses.replace(c, quantity=dataclasses.replace(
                q, unit=unit.text, unit_span=(unit.start, unit.end), unit_lemma=unit_lemma(unit.text),
                normalized=normalise_measure(q.value, unit.text, layer.normalisation, q.upper)))


REACH_SENTENCES = 25  # how far (in sentences) a trigger looks for a doer its own sentences do not name
# a table starting at most this many sentences after a trigger's is read with it (train: 331 -> 37 annotated
# arguments outside every window)
TABLE_REACH = 3
REACH_ACTORS = 4  # at most this many such doers (distinct values, each by its mention nearest the trigger)


def window(ctx: Context, i: int) -> list[int]:
    """Candidates a trigger may take: those in its sentence and the neighbouring ones, and the actors named
    further off (up to ``REACH_SENTENCES``) whom those sentences do not name.

    The far actors are the doers a report names once for many events: the operator in a demining summary's
    heading whose site table follows, the agency a sitrep's paragraph opens with (dev: 25 of 341 annotated
    actors lay outside every mention's sentences, 15 of them demining operators)."""
    return memo(ctx, ("window", i), lambda: _window(ctx, i))


def _table_index(ctx: Context) -> tuple[dict[int, tuple[int, int]], dict[int, tuple[int, int]]]:
    """Per sentence: the table (or ":" list) it is in, and the one that follows it within ``TABLE_REACH``
    sentences; built once per report, as the pair features ask for every pair."""
    inside: dict[int, tuple[int, int]] = {}
    after: dict[int, tuple[int, int]] = {}
    for first, last in ctx.doc.tables:
        inside.update(dict.fromkeys(range(first, last + 1), (first, last)))
        for s in range(max(0, first - TABLE_REACH), first):
            after.setdefault(s, (first, last))  # the nearest table after a sentence wins
    return inside, after


def table_of(ctx: Context, s: int) -> tuple[int, int] | None:
    """The table (or ":" list) sentence ``s`` is in."""
    return memo(ctx, ("tables", 0), lambda: _table_index(ctx))[0].get(s)


def following_table(ctx: Context, s: int) -> tuple[int, int] | None:
    """The table (or ":" list) that follows sentence ``s`` within ``TABLE_REACH`` sentences (its lead sentence
    states the event its rows break down: "4,960 IDPs returned ... Returns by district:"), unless ``s`` is in one."""
    inside, after = memo(ctx, ("tables", 0), lambda: _table_index(ctx))
    return None if s in inside else after.get(s)


def _window(ctx: Context, i: int) -> list[int]:
    s, n = ctx.sentence_of[i], len(ctx.triggers)
    # candidates are in text order, so their sentences never decrease: bisect their part of the list in place
    # (a slice of it per call was a copy of every candidate, per trigger and per mention)
    lo, hi = bisect.bisect_left(ctx.sentence_of, s - 1, lo=n) - n, bisect.bisect_right(ctx.sentence_of, s + 1, lo=n) - n
    near = list(range(lo, hi))
    table = following_table(ctx, s)
    if table:
        t_lo, t_hi = bisect.bisect_left(ctx.sentence_of, table[0], lo=n) - n, bisect.bisect_right(ctx.sentence_of, table[1], lo=n) - n
        near = sorted(set(near) | set(range(t_lo, t_hi)))
    named = {ctx.candidates[j].key() for j in near if ctx.candidates[j].role == "actor"}
    near_set = set(near)
    start = ctx.triggers[i].start
    far: dict[tuple[str, str], tuple[int, int]] = {}  # actor value -> (distance, candidate) of its nearest mention
    for j in range(bisect.bisect_left(ctx.sentence_of, s - REACH_SENTENCES, lo=n) - n,
                   bisect.bisect_right(ctx.sentence_of, s + REACH_SENTENCES, lo=n) - n):
        c = ctx.candidates[j]
        if c.role != "actor" or j in near_set or c.key() in named:
            continue
        d = abs(c.start - start)
        if c.key() not in far or d < far[c.key()][0]:
            far[c.key()] = (d, j)
    return sorted(near + [j for _, j in sorted(far.values())[:REACH_ACTORS]])


def memo(ctx: Context, key: tuple[str, int], make: Any) -> Any:
    """``make()`` the first time ``key`` is asked for in this report, the kept value after."""
    if key not in ctx.cache:
        ctx.cache[key] = make()
    return ctx.cache[key]


def header_of(ctx: Context, j: int) -> tuple[int, int] | None:
    """The span of the header cell over candidate j when it stands in a table row under a header line."""
    cs = ctx.sentence_of[len(ctx.triggers) + j]
    table = table_of(ctx, cs)
    if table is None or table[0] == cs:
        return None
    header = ctx.doc.sentences[table[0]]
    # a header names columns; a first line with numbers is a row, and a list has no columns
    if any(ch.isdigit() for ch in header.text(ctx.doc.text)) or not has_cells(ctx.doc.text, header):
        return None
    return header_cell(ctx.doc.text, header, ctx.candidates[j].start)


def coordinated_places(text: str, cands: Sequence[Candidate], places: Sequence[int], lex: Lexicon) -> list[list[int]]:
    """The lists of two or more places (``places``: indices of ``cands``, one sentence, in text order) that stand
    side by side ("in Nihm, Majzar and Sirwah", "between Doboj and Zepce"). A list is joined by a word: names apart
    by commas alone are a place and its parent as often as a list ("Yarmouk camp, Damascus")."""
    groups: list[list[int]] = []
    joined: list[bool] = []
    for prev, j in zip([None, *places], places):
        gap = text[cands[prev].end:cands[j].start] if prev is not None else ""
        if prev is not None and lex.list_gap.fullmatch(gap):
            groups[-1].append(j)
            joined[-1] = joined[-1] or bool(gap.strip(" ,\n\t"))
        else:
            groups.append([j])
            joined.append(False)
    return [g for g, w in zip(groups, joined) if w]
