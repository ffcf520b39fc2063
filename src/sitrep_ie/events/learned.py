"""The learned event layer: triggers from the tagger, arguments linked by a classifier, restatements merged.

Triggers come from a trigger head over words (the encoder's vector, the ontology's cues for the word
and its sentence, the tagger's own ``EVT_<TYPE>`` guess: same forward pass as the entities). For
each trigger, every ACTOR, PLACE and quantity within its sentence and the neighbouring ones is a
candidate argument.
A small network scores each (trigger, candidate) pair from the encoder's span representations
(mean of the last hidden states over the trigger, the candidate and the words between them) and hand
features: distance, order, same clause, same-role rivals nearer the trigger, triggers in between,
speaker, possessive, agent and reference-point cues, dateline and headline position, word shape.
Decoding keeps the constraints: a quantity goes to the one trigger that scores it highest (and
only above the threshold); actors and places may be shared. A second scorer says whether two
triggers of one type state the same fact (headline, lead, quote): those become one event that
keeps every evidence span, unless the two mentions were linked to different numbers or doers; two
verbs of one operation in a sentence join (``join_operations``).
Dates, units, qualifiers and admin parents stay rules (dates.py, quantities.py, arguments.py). The
event's confidence is the probability, from a logistic model over ``event_features`` fitted on dev
by training, that the event is right.

Weights live in the model directory (``event_layer.npz`` + ``event_layer.json``); inference is
numpy only.
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ..data.labels import event_type_of
from ..errors import ModelCorruptError, ModelIncompatibleError
from ..schema import Entity, Event, Mention, Place, Quantity, unit_lemma
from .arguments import admin_parents, split_designator
from .dates import event_date
from .lexicon import Lexicon
from .pipeline import EventLayer, _Doc, segment
from .quantities import build_quantities, normalise_measure
from .segment import has_cells, header_cell, sentences

MARGIN = 0.15  # a link this close to the threshold counts as undecided (active learning)
WEIGHTS_FILE = "event_layer.npz"
SETTINGS_FILE = "event_layer.json"
FEATURE_VERSION = 13  # bump when pair, merge or trigger features change: a layer fitted on others is refused (E103)
ROLES = ("actor", "place", "quantity")
ROLE_OF_LABEL = {"ACTOR": "actor", "PLACE": "place", "QUANTITY": "quantity"}
_QUOTE = re.compile(r"[\"“”«»]")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")  # a blank line, spaces on it or not


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
        return _once(self, ("sentence_keys", 0), self._index_sentence_keys).get(s, set())

    def _index_sentence_keys(self) -> dict[int, set[tuple[str, str]]]:
        index: dict[int, set[tuple[str, str]]] = {}
        for j, c in enumerate(self.candidates):
            index.setdefault(self.sentence_of[len(self.triggers) + j], set()).add(c.key())
        return index

    def trigger_index(self) -> TriggerIndex:
        return _once(self, ("trigger_index", 0), lambda: TriggerIndex(self.triggers))

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
        if q is None or q.unit is not None or (column := _header_of(ctx, j)) is None:
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
    return _once(ctx, ("window", i), lambda: _window(ctx, i))


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
    return _once(ctx, ("tables", 0), lambda: _table_index(ctx))[0].get(s)


def following_table(ctx: Context, s: int) -> tuple[int, int] | None:
    """The table (or ":" list) that follows sentence ``s`` within ``TABLE_REACH`` sentences (its lead sentence
    states the event its rows break down: "4,960 IDPs returned ... Returns by district:"), unless ``s`` is in one."""
    inside, after = _once(ctx, ("tables", 0), lambda: _table_index(ctx))
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


@lru_cache(maxsize=1 << 16)  # asked for every word of every report: most words recur
def _shape(text: str) -> tuple[float, float, float]:
    words = text.split()
    return (float(bool(words) and all(w[:1].isupper() for w in words if w[:1].isalpha())),
            float(text.isupper() and any(ch.isalpha() for ch in text)), float(any(ch.isdigit() for ch in text)))


N_HAND = 41
# characters read beside a candidate for a cue: before a number for a subset cue ("including"), after an
# actor for a victim noun ("a WFP convoy was hit"); the component tests read the same windows
SUBSET_CHARS = 30
VICTIM_CHARS = 30
NAMED_LABELS = ("PLACE", "ACTOR")  # spans that are names: a letterless one is a tagging slip
# feature rows built and scored at once: the matrices of a long report (a pair row holds three encoder
# vectors) would otherwise take hundreds of MB, and time grew faster than the report
ROWS_AT_ONCE = 2048


def _candidate_features(ctx: Context, j: int, layer: EventLayer) -> tuple[float, ...]:
    """The pair features that depend on the candidate alone (computed once per candidate)."""
    c = ctx.candidates[j]
    text = ctx.doc.text
    lex = layer.lexicon
    dl = ctx.doc.dates.dateline_place
    return (float(bool(lex.speaker_after.match(text[c.end:c.end + 40]))),
            float(bool(lex.not_doer_before.search(text[max(0, c.start - 40):c.start]))),
            float(dl is not None and dl[0] <= c.start < dl[1]), float(ctx.sentence_of[len(ctx.triggers) + j] == 0),
            float(j in ctx.admin_of.values()), float(j in ctx.admin_of),
            float(bool(lex.subset.search(text[max(0, c.start - SUBSET_CHARS):c.start]))),
            *_shape(c.text),
            float(c.quantity is not None and c.quantity.unit is not None))


def _once(ctx: Context, key: tuple[str, int], make: Any) -> Any:
    """``make()`` the first time ``key`` is asked for in this report, the kept value after."""
    if key not in ctx.cache:
        ctx.cache[key] = make()
    return ctx.cache[key]


def _header_of(ctx: Context, j: int) -> tuple[int, int] | None:
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


def _table_column(ctx: Context, j: int) -> str | None:
    """The header cell over candidate j when it stands in a table row under a header line (None otherwise)."""
    span = _header_of(ctx, j)
    return None if span is None else ctx.doc.text[span[0]:span[1]]


def _refers_back(ctx: Context, i: int, layer: EventLayer) -> bool:
    """Is trigger i's subject a back-reference ("they", "the teams") with no actor named before it in its sentence?"""
    t = ctx.triggers[i]
    sent = ctx.doc.sentences[ctx.sentence_of[i]]
    if not layer.lexicon.back_reference.search(ctx.doc.text, sent.start, t.start):
        return False
    n, s = len(ctx.triggers), ctx.sentence_of[i]
    lo, hi = bisect.bisect_left(ctx.sentence_of, s, lo=n) - n, bisect.bisect_right(ctx.sentence_of, s, lo=n) - n
    return not any(c.role == "actor" and c.start < t.start for c in ctx.candidates[lo:hi])


def _role_distances(ctx: Context, i: int) -> dict[tuple[str, bool], list[int]]:
    """Sorted distances from trigger i to the candidates of its window, by (role, candidate before the trigger)."""
    t = ctx.triggers[i]
    out: dict[tuple[str, bool], list[int]] = {}
    for j in window(ctx, i):
        c = ctx.candidates[j]
        out.setdefault((c.role, c.start < t.start), []).append(abs(c.start - t.start))
    for v in out.values():
        v.sort()
    return out


def _actor_salience(ctx: Context, j: int) -> tuple[float, float]:
    """How often the report names actor j's value, and whether it names no other actor (then it is the doer
    of most of the report's events)."""
    counts = _once(ctx, ("actor_counts", 0), lambda: Counter(c.key() for c in ctx.candidates if c.role == "actor"))
    return min(counts[ctx.candidates[j].key()], 5) / 5, float(len(counts) == 1)


def hand_features(ctx: Context, i: int, j: int, layer: EventLayer) -> np.ndarray:
    """The hand features of the pair (trigger i, candidate j); N_HAND values, roughly in [-1, 1].
    Candidate-only and sentence-only parts are computed once per report (``ctx.cache``)."""
    t, c = ctx.triggers[i], ctx.candidates[j]
    n = len(ctx.triggers)
    text = ctx.doc.text
    ts, cs = ctx.sentence_of[i], ctx.sentence_of[n + j]
    dist = (c.start - t.start) / 100.0
    lo, hi = min(t.start, c.start), max(t.end, c.end)
    index = ctx.trigger_index()
    n_between = index.between(lo, hi, i)
    same_type_between = index.between(lo, hi, i, t.type)
    near = index.nearest_other(c.start, i) < abs(t.start - c.start)  # is another trigger nearer to this candidate than trigger i?
    cand = _once(ctx, ("candidate", j), lambda: _candidate_features(ctx, j, layer))
    # crude: a quote opened before the trigger
    quoted = _once(ctx, ("quoted", i), lambda: float(bool(_QUOTE.search(text[max(0, t.start - 300):t.start]))))
    negated = _once(ctx, ("negated", cs), lambda: float(bool(ctx.doc.sentences) and bool(
        layer.lexicon.negation.search(text[ctx.doc.sentences[cs].start:ctx.doc.sentences[cs].end]))))
    et = layer.ontology.get(t.type)
    # how many candidates of the same role stand nearer the trigger, on this side and on both: the nearest actor
    # before a verb is its doer far more often than the one before it
    dists = _once(ctx, ("role_distances", i), lambda: _role_distances(ctx, i))
    d = abs(c.start - t.start)
    side = bisect.bisect_left(dists.get((c.role, c.start < t.start), []), d)
    both = side + bisect.bisect_left(dists.get((c.role, c.start >= t.start), []), d)
    # "the command said its teams had dismantled": the possessive hands the verb to the actor named before it
    possessive = _once(ctx, ("possessive", i), lambda: float(bool(layer.lexicon.possessive_before.search(text[max(0, t.start - 50):t.start]))))
    f = [
        float(c.role == "actor"), float(c.role == "place"), float(c.role == "quantity"),
        max(-3.0, min(dist, 3.0)) / 3, min(abs(dist), 3.0) / 3, float(abs(c.start - t.start) < 30), float(abs(c.start - t.start) < 80),
        float(c.start < t.start),
        float(ts == cs), float(cs == ts - 1), float(cs == ts + 1),
        float(ctx.clause_of[i] == ctx.clause_of[n + j]),
        min(n_between, 3) / 3, min(same_type_between, 2) / 2, float(near),
        *cand,
        float(et is not None and c.quantity is not None and bool(c.quantity.unit) and et.hints_unit(unit_lemma(c.quantity.unit or ""))),
        quoted, negated,
        float(et is not None and c.role == "actor" and et.is_victim(text[c.end:c.end + VICTIM_CHARS])),
        min(side, 3) / 3, min(both, 3) / 3,
        float(possessive and c.role == "actor" and c.start < t.start),
        float(c.role == "actor" and bool(layer.lexicon.agent_before.search(text[max(0, c.start - 20):c.start]))),
        # a far actor (``window``): how far, and how much the report is about it
        float(abs(cs - ts) > 1), min(abs(cs - ts), 10) / 10,
        *(_once(ctx, ("actor_salience", j), lambda: _actor_salience(ctx, j)) if c.role == "actor" else (0.0, 0.0)),
        # a row of the table that follows the trigger's sentence, and whether its column is headed by a noun of
        # the trigger's type ("Food sets" under "handed out 650 food sets", "Patients" under "examined 57 patients")
        float((table := following_table(ctx, ts)) is not None and table[0] <= cs <= table[1]),
        float(et is not None and bool(column := _once(ctx, ("column", j), lambda: _table_column(ctx, j))) and et.hints_unit(unit_lemma(column))),
        # "They also removed three IEDs": the trigger's subject refers back, so its doer is an actor named before its sentence
        float(c.role == "actor" and cs < ts and _once(ctx, ("back_reference", i), lambda: _refers_back(ctx, i, layer))),
    ]
    assert len(f) == N_HAND
    return np.asarray(f, dtype=np.float32)


def pair_matrix(ctx: Context, pairs: Sequence[tuple[int, int]], layer: EventLayer, types: Sequence[str]) -> np.ndarray:
    """Feature rows of (trigger, candidate) pairs: hand features, type one-hot x role, span vectors."""
    rows = []
    for i, j in pairs:
        h = hand_features(ctx, i, j, layer)
        onehot = np.zeros(len(types) * 3, dtype=np.float32)
        if ctx.triggers[i].type in types:
            onehot[types.index(ctx.triggers[i].type) * 3 + ROLES.index(ctx.candidates[j].role)] = 1.0
        parts = [h, onehot]
        if ctx.vectors is not None:
            tv, cv = ctx.trigger_vec(i), ctx.cand_vec(j)
            parts += [tv, cv, tv * cv]
        rows.append(np.concatenate(parts))
    if not rows:
        return np.zeros((0, 0), dtype=np.float32)
    x = np.stack(rows)
    if ctx.encoded is not None:
        # the words between trigger and candidate ("operated by", "said its teams"): what a parse would read
        gaps = []
        for i, j in pairs:
            t, c = ctx.triggers[i], ctx.candidates[j]
            lo, hi = min(t.end, c.end), max(t.start, c.start)
            gaps.append((lo, hi) if lo < hi else (lo, lo))
        x = np.hstack([x, ctx.encoded.span_means(gaps)])
    return x


N_MERGE = 11  # merge_features per trigger pair
MERGE_CONFLICT_ROLES = ("quantity", "actor")  # roles whose values, stated by two mentions and differing, keep them two facts
# the merge features the veto in ``merge_scores`` reads (their positions in ``merge_features``)
OTHER_NUMBERS, SHARED_NAMES, OTHER_PLACES = 4, 6, 10


def merge_features(ctx: Context, a: int, b: int) -> np.ndarray:
    """Do triggers a < b (same type) state the same fact? Features from their sentences alone."""
    text = ctx.doc.text
    sa, sb = ctx.sentence_of[a], ctx.sentence_of[b]
    ka, kb = ctx.sentence_keys(sa), ctx.sentence_keys(sb)
    # numbers by value alone: a headline words the unit its own way ("kills 29 civilians" / "29 people were killed")
    qa, qb = {number_of(k) for k in ka if k[0] == "quantity"}, {number_of(k) for k in kb if k[0] == "quantity"}
    pa, pb = {k for k in ka if k[0] != "quantity"}, {k for k in kb if k[0] != "quantity"}
    places_a, places_b = {k for k in pa if k[0] == "place"}, {k for k in pb if k[0] == "place"}
    sent_b = ctx.doc.sentences[sb] if ctx.doc.sentences else None
    quoted_b = bool(sent_b and _QUOTE.search(text[max(0, sent_b.start - 1):sent_b.end]))
    between_same = ctx.trigger_index().same_type_rank(b) - ctx.trigger_index().same_type_rank(a) - 1
    f = [
        min(abs(sb - sa), 6) / 6, float(sa == sb), float(sa == 0), float(bool(qa & qb)), float(bool(qa) and bool(qb) and not (qa & qb)),
        float(not qa or not qb), float(bool(pa & pb)), float(quoted_b), min(between_same, 2) / 2,
        float(ctx.doc.text[ctx.triggers[a].start:ctx.triggers[a].end].lower()[:4] == ctx.doc.text[ctx.triggers[b].start:ctx.triggers[b].end].lower()[:4]),
        float(bool(places_a) and bool(places_b) and not places_a & places_b),
    ]
    return np.asarray(f, dtype=np.float32)


@dataclass
class Mlp:
    """A one-hidden-layer network (numpy forward): relu(x W1 + b1) W2 + b2, then a sigmoid (one output:
    a probability per row) or a softmax (several outputs: a distribution over classes per row)."""

    w1: np.ndarray
    b1: np.ndarray
    w2: np.ndarray
    b2: np.ndarray
    mean: np.ndarray
    scale: np.ndarray

    def __post_init__(self) -> None:
        # weights decayed towards zero by the L2 penalty land on float32 subnormals, which the CPU multiplies
        # some thirty times slower than normal numbers (measured: 0.67 s against 0.02 s for one report set's
        # link rows); flushed to zero, every output changes by less than 1e-30
        for name in ("w1", "b1", "w2", "b2", "mean", "scale"):
            a = np.asarray(getattr(self, name))
            if a.dtype.kind == "f":
                a = np.where(np.abs(a) < np.finfo(a.dtype).tiny, np.zeros((), a.dtype), a)
            setattr(self, name, a)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        if len(x) == 0:
            return np.zeros((0,) if self.w2.shape[1] == 1 else (0, self.w2.shape[1]), dtype=np.float32)
        if len(x) > ROWS_AT_ONCE:
            return np.concatenate([self(x[a:a + ROWS_AT_ONCE]) for a in range(0, len(x), ROWS_AT_ONCE)])
        z = np.maximum(((x - self.mean) / self.scale) @ self.w1 + self.b1, 0.0) @ self.w2 + self.b2
        if z.shape[1] == 1:
            return 1.0 / (1.0 + np.exp(-np.clip(z.ravel(), -60.0, 60.0)))
        z = np.exp(z - z.max(axis=1, keepdims=True))
        return z / z.sum(axis=1, keepdims=True)


@dataclass
class Logistic:
    """A logistic model over standardised features (numpy forward)."""

    coef: np.ndarray
    intercept: np.ndarray
    mean: np.ndarray
    scale: np.ndarray

    def __call__(self, x: np.ndarray) -> np.ndarray:
        z = ((np.atleast_2d(x) - self.mean) / self.scale) @ self.coef + self.intercept
        return 1.0 / (1.0 + np.exp(-np.clip(z, -60.0, 60.0)))


@dataclass
class LinkerWeights:
    """Everything the learned layer needs besides the configs: networks, thresholds, calibration."""

    types: list[str]
    link: Mlp
    merge: Mlp
    link_threshold: float = 0.5
    merge_threshold: float = 0.5
    calibration_x: np.ndarray = field(default_factory=lambda: np.array([0.0, 1.0]))
    calibration_y: np.ndarray = field(default_factory=lambda: np.array([0.0, 1.0]))
    info: dict[str, Any] = field(default_factory=dict)
    trigger: Mlp | None = None  # the trigger head over words (None: the tagger's EVT_ spans serve as they are)
    role_thresholds: dict[str, float] = field(default_factory=dict)  # per role, tuned on dev; link_threshold for the rest
    confidence: Logistic | None = None  # P(event right) from event_features, fitted on dev (None: calibrated raw score)
    trigger_threshold: float | None = None  # P(some trigger) a word needs (None: the likeliest class decides); tuned on dev
    min_confidence: float = 0.0  # events the confidence model gives less are dropped (chosen per fit: trainer.confidence_floor)
    span_floors: dict[str, float] = field(default_factory=dict)  # entity label -> tagger score a span needs to be a candidate; tuned on dev
    rescue_threshold: float | None = None  # trigger_threshold in a sentence with a quantity the head gave no trigger (``rescue_triggers``); tuned on dev

    def threshold(self, role: str) -> float:
        """The link probability a candidate of ``role`` needs to become an argument."""
        return self.role_thresholds.get(role, self.link_threshold)

    def credible(self, entities: Sequence[Entity]) -> list[Entity]:
        """The tagged spans the layer reads: those the tagger is sure enough of (``span_floors``). The tagger
        over-tags ACTOR (dev precision 0.82, recall 0.90), and its unsure spans are mostly the wrong ones. A place or
        an actor without a letter names nothing: the "1" of "Aleppo (1)" in a count by province is a number."""
        return [e for e in entities if e.score >= self.span_floors.get(e.label, 0.0)
                and (e.label not in NAMED_LABELS or any(ch.isalpha() for ch in e.text))]

    def calibrate(self, raw: float) -> float:
        return float(np.interp(raw, self.calibration_x, self.calibration_y))

    def to_disk(self, path: Path) -> None:
        nets = [("link", self.link), ("merge", self.merge)] + ([("trigger", self.trigger)] if self.trigger else [])
        arrays = {f"{name}_{k}": getattr(m, k) for name, m in nets for k in ("w1", "b1", "w2", "b2", "mean", "scale")}
        if self.confidence is not None:
            arrays.update({f"confidence_{k}": getattr(self.confidence, k) for k in ("coef", "intercept", "mean", "scale")})
        np.savez(path / WEIGHTS_FILE, calibration_x=self.calibration_x, calibration_y=self.calibration_y, **arrays)
        (path / SETTINGS_FILE).write_text(json.dumps({"types": self.types, "link_threshold": self.link_threshold,
                                                      "role_thresholds": self.role_thresholds, "merge_threshold": self.merge_threshold,
                                                      "trigger_threshold": self.trigger_threshold, "rescue_threshold": self.rescue_threshold,
                                                      "min_confidence": self.min_confidence,
                                                      "span_floors": self.span_floors, "features": FEATURE_VERSION, "info": self.info},
                                                     indent=2) + "\n")

    @classmethod
    def from_disk(cls, path: Path) -> LinkerWeights:
        try:
            settings = json.loads((path / SETTINGS_FILE).read_text(encoding="utf-8"))
            with np.load(path / WEIGHTS_FILE) as z:
                arrays = {k: z[k] for k in z.files}
            names = ("link", "merge") + (("trigger",) if "trigger_w1" in arrays else ())
            nets = {name: Mlp(*(arrays[f"{name}_{k}"] for k in ("w1", "b1", "w2", "b2", "mean", "scale"))) for name in names}
            if settings.get("features", 1) != FEATURE_VERSION:
                raise ModelIncompatibleError(f"the event layer in {path} was fitted on features of version {settings.get('features', 1)}, "
                                             f"this sitrep-ie computes version {FEATURE_VERSION}; retrain with `make train`")
            return cls(list(settings["types"]), nets["link"], nets["merge"], float(settings["link_threshold"]),
                       float(settings["merge_threshold"]), arrays["calibration_x"], arrays["calibration_y"], settings.get("info", {}),
                       nets.get("trigger"), {str(k): float(v) for k, v in settings.get("role_thresholds", {}).items()},
                       Logistic(*(arrays[f"confidence_{k}"] for k in ("coef", "intercept", "mean", "scale")))
                       if "confidence_coef" in arrays else None,
                       None if settings.get("trigger_threshold") is None else float(settings["trigger_threshold"]),
                       float(settings.get("min_confidence", 0.0)),
                       {str(k): float(v) for k, v in settings.get("span_floors", {}).items()},
                       None if settings.get("rescue_threshold") is None else float(settings["rescue_threshold"]))
        except (OSError, KeyError, ValueError, TypeError, json.JSONDecodeError) as exc:
            raise ModelCorruptError(f"the event layer files in {path} are missing or damaged ({exc}); retrain with `make train`") from None

    @staticmethod
    def present(path: Path) -> bool:
        """Does the model directory carry a learned event layer? Half of one is damage (E102), not absence."""
        have = [(path / f).is_file() for f in (WEIGHTS_FILE, SETTINGS_FILE)]
        if any(have) and not all(have):
            missing = [f for f, h in zip((WEIGHTS_FILE, SETTINGS_FILE), have) if not h]
            raise ModelCorruptError(f"{path} has half an event layer ({', '.join(missing)} missing); retrain with `make train`")
        return all(have)


_WORD = re.compile(r"\w+(?:[-'’]\w+)*|[^\w\s]")


def words_of(text: str) -> list[tuple[int, int]]:
    """Word spans as the trigger head sees them (hyphenated and apostrophe words are one word)."""
    return [(m.start(), m.end()) for m in _WORD.finditer(text)]


def trigger_features(text: str, entities: Sequence[Entity], tagged: Sequence[TriggerSpan], words: Sequence[tuple[int, int]],
                     states: EncoderStates, layer: EventLayer) -> np.ndarray:
    """Per word: its encoder vector, then its ``word_cues``."""
    return _trigger_rows(words, states, word_cues(text, entities, tagged, words, layer))


def _trigger_rows(words: Sequence[tuple[int, int]], states: EncoderStates, cues: np.ndarray) -> np.ndarray:
    """The trigger head's rows of ``words``: encoder vectors beside their ``word_cues``."""
    return np.concatenate([states.span_means(words), cues], axis=1)


def word_cues(text: str, entities: Sequence[Entity], tagged: Sequence[TriggerSpan], words: Sequence[tuple[int, int]],
              layer: EventLayer) -> np.ndarray:
    """Per word, what the trigger head reads besides the encoder vector: the ontology's trigger and standalone
    cues per type, whether it lies inside a tagged name (a trigger word inside "Center for Reconciliation" is
    none), the tagger's own trigger guess, its shape, and its sentence's cues and units (``sentence_context``)."""
    types = layer.ontology.names
    guess = np.zeros((len(words), len(types)), dtype=np.float32)
    inside = np.zeros((len(words), 1), dtype=np.float32)
    starts = np.asarray([a for a, _ in words])
    ends = np.asarray([b for _, b in words])
    # words are sorted and disjoint, so the words a span touches are one run (found by bisection, not a scan per span)
    for t in tagged:
        if t.type in types:
            guess[np.searchsorted(ends, t.start, side="right"):np.searchsorted(starts, t.end, side="left"), types.index(t.type)] = t.score
    for e in entities:
        inside[np.searchsorted(starts, e.start, side="left"):np.searchsorted(starts, e.end, side="left"), 0] = 1.0
    cues = np.zeros((len(words), 2 * len(types) + 3), dtype=np.float32)
    at = {a: k for k, (a, _) in enumerate(words)}
    # one pass of each type's patterns over the text (not one per word): a trigger stem marks the word
    # it lies in; a standalone mention marks each word whose next 15 characters hold it, unless that
    # stretch holds an exclusion
    for i, et in enumerate(layer.ontology.types):
        for m in et.trigger_matches(text):
            k = at.get(m.start())
            if k is not None and m.end() <= words[k][1]:
                cues[k, i] = 1.0
        for m in et.standalone_cues(text):
            k = int(np.searchsorted(starts, m.start(), side="right")) - 1
            while k >= 0 and words[k][1] + 15 >= m.end():
                a, b = words[k]
                if not et.excluded(text[a:b + 15]):
                    cues[k, len(types) + i] = 1.0
                k -= 1
    for k, (a, b) in enumerate(words):
        cues[k, -3:] = _shape(text[a:b])
    return np.concatenate([cues, inside, guess, sentence_context(text, entities, words, cues[:, :2 * len(types)], layer)], axis=1)


def sentence_context(text: str, entities: Sequence[Entity], words: Sequence[tuple[int, int]], cues: np.ndarray,
                     layer: EventLayer) -> np.ndarray:
    """Per word, what its sentence says of each type: any trigger or standalone cue of the type, and any
    tagged unit the type hints ("2,340 consultations" makes "recorded" a medical event, not an attack).
    Measured on dev (5 seeds of the whole layer): typing and finding triggers with the sentence in view
    lifts event F1 by about two points."""
    types = layer.ontology.types
    sents = sentences(text, layer.lexicon)
    out = np.zeros((len(words), 3 * len(types)), dtype=np.float32)
    if not sents or not len(words):
        return out
    starts = np.asarray([a for a, _ in words])
    sent_starts = np.asarray([s.start for s in sents])
    sid = np.searchsorted(sent_starts, starts, side="right") - 1
    units = sorted((e.start, e.text.lower()) for e in entities if e.label == "UNIT")
    unit_starts = [start for start, _ in units]
    # words are in text order, so a sentence's words are one run of rows (sid never decreases)
    ks, first = np.unique(sid, return_index=True)
    for k, a, b in zip(ks, first, [*first[1:], len(words)]):
        out[a:b, :2 * len(types)] = cues[a:b].max(axis=0)
        hi = sents[k + 1].start if k + 1 < len(sents) else len(text) + 1
        lo = sents[k].start if k >= 0 else hi  # words before the first sentence: no units
        inside = [u for _, u in units[bisect.bisect_left(unit_starts, lo):bisect.bisect_left(unit_starts, hi)]]
        for i, et in enumerate(types):
            if any(et.hints_unit(u) for u in inside):
                out[a:b, 2 * len(types) + i] = 1.0
    return out


def decode_triggers(words: Sequence[tuple[int, int]], probs: np.ndarray, types: Sequence[str],
                    min_trigger: float | None = None) -> list[TriggerSpan]:
    """Trigger spans from per-word class probabilities (class 0: no trigger): adjacent words of one type join.
    A word is a trigger when its most likely class is one (``min_trigger`` None), or when the classes
    other than "no trigger" together reach ``min_trigger`` (then of the likeliest type).

    >>> p = np.array([[0.9, 0.1, 0.0], [0.2, 0.7, 0.1], [0.3, 0.6, 0.1], [0.65, 0.2, 0.15]])
    >>> decode_triggers([(0, 3), (4, 9), (10, 14), (15, 18)], p, ["demining", "aid_delivery"])
    [TriggerSpan(start=4, end=14, type='demining', score=0.7)]
    >>> [(t.start, t.end) for t in decode_triggers([(0, 3), (4, 9), (10, 14), (15, 18)], p, ["demining", "aid_delivery"], 0.3)]
    [(4, 18)]
    """
    out: list[TriggerSpan] = []
    prev = -2
    for k, (a, b) in enumerate(words):
        if min_trigger is None:
            c = int(probs[k].argmax())
        else:
            c = 1 + int(probs[k][1:].argmax()) if 1.0 - float(probs[k][0]) >= min_trigger else 0
        if c == 0:
            continue
        ty, p = types[c - 1], float(probs[k][c])
        if out and out[-1].type == ty and prev == k - 1:
            last = out[-1]
            out[-1] = TriggerSpan(last.start, b, ty, max(last.score, p))
        else:
            out.append(TriggerSpan(a, b, ty, p))
        prev = k
    return out


def rescue_triggers(words: Sequence[tuple[int, int]], probs: np.ndarray, types: Sequence[str], found: Sequence[TriggerSpan],
                    sentence_spans: Sequence[tuple[int, int]], quantity_starts: Sequence[int], threshold: float) -> list[TriggerSpan]:
    """Triggers of the sentences that hold a tagged quantity but none of ``found``: there a word is a trigger when
    its classes other than "no trigger" together reach ``threshold`` (``decode_triggers``). A number the head
    left without an event is most often an event stated in words the head half-believes ("shelling forced about
    3,000 people to leave": "forced" 0.34).

    >>> p = np.array([[0.9, 0.1, 0.0], [0.6, 0.4, 0.0], [0.95, 0.05, 0.0], [0.2, 0.0, 0.8]])
    >>> words = [(0, 4), (5, 11), (12, 15), (17, 22)]
    >>> rescue_triggers(words, p, ["displacement", "demining"], [], [(0, 16), (17, 30)], [12], 0.3)
    [TriggerSpan(start=5, end=11, type='displacement', score=0.4)]
    >>> rescue_triggers(words, p, ["displacement", "demining"], [TriggerSpan(0, 4, "demining")], [(0, 16)], [12], 0.3)
    []
    """
    starts = [a for a, _ in words]
    # sorted starts, so each sentence asks by bisection (a scan of every trigger per sentence grew with the square
    # of a long report)
    triggered, numbers = sorted(t.start for t in found), sorted(quantity_starts)

    def holds(xs: list[int], lo: int, hi: int) -> bool:
        k = bisect.bisect_left(xs, lo)
        return k < len(xs) and xs[k] < hi

    out: list[TriggerSpan] = []
    for lo, hi in sentence_spans:
        if holds(triggered, lo, hi) or not holds(numbers, lo, hi):
            continue
        a, b = bisect.bisect_left(starts, lo), bisect.bisect_left(starts, hi)
        out += decode_triggers(words[a:b], probs[a:b], types, threshold)
    return out


@dataclass
class Draft:
    """An event being decoded: its trigger mentions (indices) and linked candidates with their scores."""

    mentions: list[int]
    args: dict[int, float] = field(default_factory=dict)


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


def share_listed_places(ctx: Context, drafts: list[Draft]) -> list[Draft]:
    """A place listed with an event's place is the event's place too: the linker scores each name on its
    own and drops some names of a list, which the annotation never separates (dev, annotated spans: 30 places
    tagged but not linked, later names of lists among them)."""
    for d in drafts:
        for j, p in list(d.args.items()):
            for k in ctx.coordinated.get(j, ()):
                d.args.setdefault(k, p)
    return drafts


def link(ctx: Context, layer: EventLayer, weights: LinkerWeights) -> dict[tuple[int, int], float]:
    """Probability that candidate j is an argument of trigger i, for every pair in a trigger's window."""
    pairs = [(i, j) for i in range(len(ctx.triggers)) for j in window(ctx, i)]
    probs = [p for a in range(0, len(pairs), ROWS_AT_ONCE)
             for p in weights.link(pair_matrix(ctx, pairs[a:a + ROWS_AT_ONCE], layer, weights.types))]
    return dict(zip(pairs, map(float, probs)))


def _differ(a: set[Any] | None, b: set[Any] | None) -> bool:
    """Both state values of a role and share none ("5 mines in A" / "7 shells in B"): two facts."""
    return bool(a and b and not a & b)


def _conflict_key(c: Candidate) -> str:
    """What two mentions must share not to state two facts: a number by its value alone (a headline drops the
    unit: "kills five" / "killing five people"), a name as written."""
    return f"{c.quantity.value:g}" if c.quantity is not None else c.text.lower()


def decode(ctx: Context, scores: dict[tuple[int, int], float], merge_probs: dict[tuple[int, int], float], weights: LinkerWeights) -> list[Draft]:
    """Events from pair scores: quantities to their best trigger, shared actors and places, mentions merged
    (table-driven cases in tests/test_learned.py)."""
    n = len(ctx.triggers)
    clusters: list[list[int]] = []
    cluster_of_head: dict[int, int] = {}
    earlier: dict[int, list[int]] = {}  # trigger -> the triggers it has a merge score with
    for a, b in merge_probs:
        if ctx.triggers[a].type == ctx.triggers[b].type:  # types never merge, whatever the scores say
            earlier.setdefault(b, []).append(a)
    by_cand: dict[int, list[tuple[float, int]]] = {}
    for (i, j), p in scores.items():
        if p >= weights.threshold(ctx.candidates[j].role):
            by_cand.setdefault(j, []).append((p, i))
    # what each mention states on its own: two mentions that give different numbers (or name different
    # doers) are two facts however alike their sentences ("WHO flew 29 tonnes...; the UNICEF convoy brought eight trucks")
    own: dict[tuple[int, str], set[str]] = {}
    for j, hits in by_cand.items():
        c = ctx.candidates[j]
        if c.role in MERGE_CONFLICT_ROLES:
            for _, i in (hits if c.role != "quantity" else [max(hits)]):
                own.setdefault((i, c.role), set()).add(_conflict_key(c))
    cluster_keys: list[dict[str, set[str]]] = []
    for i in range(n):
        best, best_p = None, weights.merge_threshold
        for c in sorted(cluster_of_head[a] for a in earlier.get(i, ()) if a in cluster_of_head):
            p = merge_probs[(clusters[c][0], i)]
            if p > best_p and not any(_differ(own.get((i, r)), cluster_keys[c].get(r)) for r in MERGE_CONFLICT_ROLES):
                best, best_p = c, p
        if best is None:
            cluster_of_head[i] = len(clusters)
            clusters.append([i])
            cluster_keys.append({})
            best = len(clusters) - 1
        else:
            clusters[best].append(i)
        for r in MERGE_CONFLICT_ROLES:
            cluster_keys[best].setdefault(r, set()).update(own.get((i, r), ()))
    owner = {i: c for c, members in enumerate(clusters) for i in members}
    drafts = [Draft(members) for members in clusters]
    for j, hits in by_cand.items():
        if ctx.candidates[j].role == "quantity":
            p, i = max(hits)  # a quantity belongs to one event
            d = drafts[owner[i]]
            d.args[j] = max(d.args.get(j, 0.0), p)
        else:
            for p, i in hits:
                d = drafts[owner[i]]
                d.args[j] = max(d.args.get(j, 0.0), p)
    return keep_places_in_mentions(ctx, share_listed_places(ctx, join_operations(ctx, drafts)))


def keep_places_in_mentions(ctx: Context, drafts: list[Draft]) -> list[Draft]:
    """A place belongs to an event only when one of the event's mention sentences names it (GUIDELINES
    4.3: a place named only in another sentence does not carry over, except the rows of a table that breaks
    the event down); the linker's window spans the neighbouring sentences for actors ("They also ...") and
    would otherwise hand places across."""
    for d in drafts:
        sents = {ctx.sentence_of[i] for i in d.mentions}
        sents |= {k for s in list(sents) if (table := following_table(ctx, s)) for k in range(table[0], table[1] + 1)}
        named = set().union(*(ctx.sentence_keys(s) for s in sents))
        for j in [j for j in d.args if ctx.candidates[j].role == "place" and ctx.candidates[j].key() not in named]:
            del d.args[j]
    return drafts


def join_operations(ctx: Context, drafts: list[Draft]) -> list[Draft]:
    """Drafts of one type are one fact when their triggers share a sentence ("removed 1,412 hazards and
    cleared 26,700 m2") or they hold the same quantity ("275 devices" in the lead and again in the
    quote), unless their places or their actors differ ("5 mines in A and 7 in B"). The annotation
    marks one trigger per fact, so the merge network never saw two verbs of one fact
    (table-driven cases in tests/test_learned.py)."""
    role_keys: dict[int, dict[str, set[tuple[str, str]]]] = {}  # id(draft) -> role -> values, kept as drafts join

    def keys(d: Draft, role: str) -> set[tuple[str, str]]:
        if id(d) not in role_keys:
            role_keys[id(d)] = {r: arg_keys(ctx, d, r) for r in ROLES}
        return role_keys[id(d)][role]

    def anchors(d: Draft) -> set[tuple[str, object]]:  # what makes two drafts of one type one fact
        return {("sentence", ctx.sentence_of[i]) for i in d.mentions} | {("value", k) for k in keys(d, "quantity")}

    out: list[Draft] = []
    # (type, anchor) -> drafts kept: a draft is checked against those sharing an anchor, not all (linear in long reports)
    by_anchor: dict[tuple[str, tuple[str, object]], list[Draft]] = {}
    filed: set[tuple[tuple[str, tuple[str, object]], int]] = set()
    for d in drafts:
        ty = ctx.triggers[d.mentions[0]].type
        new = anchors(d)
        into = next((o for a in sorted(new, key=str) for o in by_anchor.get((ty, a), ())
                     if not any(_differ(keys(o, r), keys(d, r)) for r in ("place", "actor"))), None)
        if into is None:
            out.append(d)
            into = d
        else:
            into.mentions += d.mentions  # sorted once at the end: a growing event is not re-sorted at every join
            for j, p in d.args.items():
                into.args[j] = max(into.args.get(j, 0.0), p)
            for r in ROLES:
                keys(into, r).update(keys(d, r))
        for a in new:  # the anchors of ``into`` grow by d's
            if ((ty, a), id(into)) not in filed:
                filed.add(((ty, a), id(into)))
                by_anchor.setdefault((ty, a), []).append(into)
    for d in out:
        d.mentions.sort()
    return out


def arg_keys(ctx: Context, d: Draft, role: str | None = None) -> set[tuple[str, str]]:
    """The values (``Candidate.key``) a draft holds, of one role or of all."""
    return {ctx.candidates[j].key() for j in d.args if role is None or ctx.candidates[j].role == role}


class Peers:
    """The decoded drafts of a report indexed by type and by argument value, so that each event's
    features find its same-type twins without a scan of every draft (quadratic in long reports)."""

    def __init__(self, ctx: Context, drafts: Sequence[Draft]) -> None:
        self.ctx = ctx
        self.count: dict[str, int] = {}
        self.with_key: dict[tuple[str, tuple[str, str]], list[int]] = {}  # (type, value) -> ids of drafts
        for d in drafts:
            ty = ctx.triggers[d.mentions[0]].type
            self.count[ty] = self.count.get(ty, 0) + 1
            for k in arg_keys(ctx, d):
                self.with_key.setdefault((ty, k), []).append(id(d))
        self.per_sentence: dict[int, int] = {}
        for k in range(len(ctx.triggers)):
            self.per_sentence[ctx.sentence_of[k]] = self.per_sentence.get(ctx.sentence_of[k], 0) + 1

    def twins(self, d: Draft) -> tuple[int, int]:
        """Other drafts of d's type (d one of the drafts indexed), and how many of them (at most
        ``MERGE_REACH`` + 1 counted) share a value with d."""
        ty = self.ctx.triggers[d.mentions[0]].type
        shared: set[int] = set()
        for k in sorted(arg_keys(self.ctx, d)):  # in a fixed order: the count stops early, and a set's order follows the hash seed
            shared.update(o for o in self.with_key.get((ty, k), ()) if o != id(d))
            if len(shared) > MERGE_REACH:
                break
        return self.count[ty] - 1, len(shared)


def near_misses(ctx: Context, d: Draft, scores: dict[tuple[int, int], float] | None, claimed: set[int]) -> list[float]:
    """Per role, the likeliest candidate that the event's mentions scored but that no event took: a value
    just below its threshold is often one the event lacks."""
    best = dict.fromkeys(ROLES, 0.0)
    if scores:
        for i in d.mentions:
            for j in window(ctx, i):
                role = ctx.candidates[j].role
                if j not in claimed and (p := scores.get((i, j), 0.0)) > best[role]:
                    best[role] = p
    return [best[r] for r in ROLES]


def bracket_partners(ctx: Context) -> dict[int, int]:
    """Actor candidates written as a name and its bracketed abbreviation ("Danish Demining Group (DDG)"), each
    to the other: when one names an event's doer, so does the other, and GUIDELINES 4.2 lists both."""
    return _once(ctx, ("bracket_partners", 0), lambda: _index_bracket_partners(ctx))


def _index_bracket_partners(ctx: Context) -> dict[int, int]:
    text = ctx.doc.text
    actors = sorted((j for j, c in enumerate(ctx.candidates) if c.role == "actor"), key=lambda j: ctx.candidates[j].start)
    out: dict[int, int] = {}
    for a, b in zip(actors, actors[1:]):
        first, second = ctx.candidates[a], ctx.candidates[b]
        if text[first.end:second.start].strip() == "(" and text[second.end:second.end + 3].lstrip().startswith(")"):
            out[a], out[b] = b, a
    return out


def event_features(ctx: Context, d: Draft, layer: EventLayer, types: Sequence[str], peers: Peers,
                   misses: Sequence[float]) -> list[float]:
    """What the confidence model reads of one decoded event: how sure the trigger head and the links
    were, how many values of each role it holds, whether its words agree with its type (a trigger cue
    of the type, a unit the type hints), how many mentions and rival triggers it has, whether another
    event of its type shares a value with it (a restatement left unmerged), and its type. ``peers``:
    the report's drafts, d among them."""
    text = ctx.doc.text
    twins, shared = peers.twins(d)
    head = ctx.triggers[d.mentions[0]]
    et = layer.ontology[head.type]
    arg_p = list(d.args.values()) or [0.0]
    roles = [ctx.candidates[j].role for j in d.args]
    units = [c.quantity.unit for j in d.args if (c := ctx.candidates[j]).quantity is not None and c.quantity.unit]
    sent_i = ctx.sentence_of[d.mentions[0]]
    sent = ctx.doc.sentences[sent_i]
    rivals = peers.per_sentence.get(sent_i, 0) - sum(1 for i in set(d.mentions) if ctx.sentence_of[i] == sent_i)
    return [head.score, max(ctx.triggers[i].score for i in d.mentions), float(np.mean(arg_p)), min(arg_p), max(arg_p),
            *(float(np.log1p(roles.count(r))) for r in ROLES), float(np.log1p(len(d.mentions) - 1)),
            float(bool(et.trigger_matches(text[head.start:head.end]))), float(bool(et.standalone_cues(text[sent.start:sent.end]))),
            float(any(et.hints_unit(unit_lemma(u)) for u in units)), float(np.log1p(rivals)),
            float(any(ch.isdigit() for ch in text[sent.start:sent.end])), float(np.log1p(twins)), float(np.log1p(shared)),
            float(sent_i == 0), float(bool(_QUOTE.search(text[sent.start:head.start]))), *misses, *(float(head.type == t) for t in types)]


def to_events(ctx: Context, drafts: list[Draft], layer: EventLayer, weights: LinkerWeights, model_version: str | None,
              features: list[list[float]] | None = None, scores: dict[tuple[int, int], float] | None = None) -> list[Event]:
    """Event records of decoded drafts: one value per argument key, dates by rule, calibrated confidence
    (``features``: a list that receives each event's ``event_features``, for fitting the confidence model;
    ``scores``: the link probabilities, whose near misses the confidence model reads)."""
    text = ctx.doc.text
    events = []
    stated: list[tuple[int, bool]] = []  # per event: the sentence of its first mention, whether it states its own day
    peers = Peers(ctx, drafts)
    claimed = {j for d in drafts for j in d.args}
    partners = bracket_partners(ctx)
    for d in drafts:
        if all(planned(ctx, i, layer) for i in d.mentions):
            continue  # linked all the same: its numbers belong to the plan, not to an event beside it
        head = ctx.triggers[d.mentions[0]]
        seen: set[tuple[str, str]] = set()
        actors, places, quantities = [], [], []
        for j in sorted(set(d.args) | {partners[j] for j in d.args if j in partners}, key=lambda j: ctx.candidates[j].start):
            c = ctx.candidates[j]
            if c.key() in seen:
                continue  # a restated value ("As many as 275 ... have been cleared") counts once
            seen.add(c.key())
            if c.role == "actor":
                actors.append(Mention(c.text, c.start, c.end))
            elif c.role == "place":
                parent = ctx.candidates[ctx.admin_of[j]] if j in ctx.admin_of else None
                places.append(Place(name=c.text, start=c.start, end=c.end, admin=parent.text if parent else None,
                                    admin_span=(parent.start, parent.end) if parent else None,
                                    designator=split_designator(c.text, layer.normalisation)[1]))
            elif c.quantity is not None:
                quantities.append(c.quantity)
        date, precision, dspan = draft_date(ctx, d, layer)
        if weights.confidence is not None or features is not None:
            feats = event_features(ctx, d, layer, weights.types, peers, near_misses(ctx, d, scores, claimed))
        if weights.confidence is not None:
            confidence = float(weights.confidence(np.asarray(feats, dtype=np.float64))[0])
        else:
            arg_p = list(d.args.values())
            confidence = weights.calibrate(head.score * (float(np.mean(arg_p)) if arg_p else 0.5))
        if confidence < weights.min_confidence:
            continue
        if features is not None:  # one row per event returned, in their order
            features.append(feats)
        # one span per sentence: two verbs of one fact in one sentence ("discovered, seized and defused") are one piece of evidence
        evidence = [Mention(text[s.start:s.end], s.start, s.end)
                    for s in (ctx.doc.sentences[k] for k in dict.fromkeys(ctx.sentence_of[i] for i in d.mentions))]
        events.append(Event(
            type=head.type, date=date, date_precision=precision, date_span=dspan if date else None,
            actors=actors, places=places, quantities=quantities, evidence=evidence,
            confidence=confidence, trigger=Mention(text[head.start:head.end], head.start, head.end),
            model_version=model_version,
        ))
        stated.append((ctx.sentence_of[d.mentions[0]], states_own_day(ctx, date, dspan)))
    carry_to_outcomes(ctx, events, stated, layer)
    return events


def carry_to_outcomes(ctx: Context, events: list[Event], stated: Sequence[tuple[int, bool]], layer: EventLayer) -> None:
    """An event of a type that is the outcome of another (``outcome_of`` in the ontology: the dead and wounded of
    an attack) takes the date and places of that event, stated in its sentence or the one before in the same paragraph
    (the next bullet counts: "• Strikes hit Batbu and Taqad.\n• The strikes killed 46 civilians."), when it states
    none of its own (GUIDELINES 4.6: "Shelling hit Horlivka on Monday. Two civilians were killed."). In one sentence
    the two share their actors too (``share_actors``)."""
    text, sents = ctx.doc.text, ctx.doc.sentences
    causes = {c for t in layer.ontology.types for c in t.outcome_of}
    by_sentence: dict[int, list[int]] = {}  # sentence -> the events of a cause type stated there (no scan per outcome)
    for j, other in enumerate(events):
        if other.type in causes:
            by_sentence.setdefault(stated[j][0], []).append(j)

    def at(j: int) -> int:
        return events[j].trigger.start if events[j].trigger else 0

    for k, ev in enumerate(events):
        et = layer.ontology.get(ev.type)
        if et is None or not et.outcome_of:
            continue
        s, own_day = stated[k]
        reach = [s] + ([s - 1] if s > 0 and not _PARAGRAPH_BREAK.search(text, sents[s - 1].start, sents[s].start) else [])
        # the nearest before it, else one in its own sentence after it
        sources = [j for r in reach for j in by_sentence.get(r, ()) if events[j].type in et.outcome_of]
        if not sources:
            continue
        before = [j for j in sources if at(j) < at(k)]
        src = max(before, key=at) if before else min(sources, key=at)
        if not ev.places:
            ev.places = [dataclasses.replace(p) for p in events[src].places]
        if stated[src][0] == s:  # GUIDELINES 4.6: the attacker its sentence names is an actor of both events
            share_actors(ev, events[src])
        if not own_day and stated[src][1]:
            ev.date, ev.date_precision, ev.date_span = events[src].date, events[src].date_precision, events[src].date_span


def share_actors(outcome: Event, cause: Event) -> None:
    """An attack and its dead stated in one sentence have one attacker: when only one of the two events was
    linked to it (the doer sits nearer one verb: "clan militias clashed ...; four people killed"), the other
    takes it. Two events that each have actors keep their own. Measured on the corpus-v8 model 20261204T161224Z-642a8d:
    dev actor F1 0.870 -> 0.873 (4 more actors, 3 right), train 0.926 -> 0.928 (11 more, 10 right).

    >>> from sitrep_ie.schema import Event, Mention
    >>> attack = Event("ceasefire_violation", None, actors=[Mention("Militants", 0, 9)])
    >>> dead = Event("casualties", None)
    >>> share_actors(dead, attack); [a.text for a in dead.actors]
    ['Militants']
    """
    if not outcome.actors and cause.actors:
        outcome.actors = [dataclasses.replace(a) for a in cause.actors]
    elif not cause.actors and outcome.actors:
        cause.actors = [dataclasses.replace(a) for a in outcome.actors]


PLAN_CHARS = 80  # how far before a trigger its plan cue may start ("is expected to gradually begin to hand over")


def planned(ctx: Context, i: int, layer: EventLayer) -> bool:
    """Whether trigger i is a plan ("WFP will deliver", "the planned evacuation"): planned, promised or
    conditional actions make no event (GUIDELINES 4), and the corpus marks no trigger after such a cue."""
    t = ctx.triggers[i]
    lo = max(t.start - PLAN_CHARS, ctx.doc.sentences[ctx.sentence_of[i]].start)
    return bool(layer.lexicon.plan_before.search(ctx.doc.text[lo:t.start]))


ANAPHORA_REACH = 3  # sentences back that "the same day" looks for the day it means


def states_own_day(ctx: Context, date: str | None, span: tuple[int, int] | None) -> bool:
    """Whether a date was read from the event's own words, not given by the report's header or dateline."""
    return date is not None and span is not None and span not in (ctx.doc.dates.header, ctx.doc.dates.dateline)


def _period(date: tuple[str | None, str | None, tuple[int, int] | None]) -> bool:
    """Is this ``event_date`` result a period its sentence states (no day, but a precision)?"""
    return date[0] is None and date[1] is not None


def draft_date(ctx: Context, d: Draft, layer: EventLayer) -> tuple[str | None, str | None, tuple[int, int] | None]:
    """The date of a fact by rule: the first mention whose sentence states its own day (a headline gives
    the report's date, the lead restating it says "on Monday"), else the first period a mention states, else
    what the first mention's sentence gives."""
    first = None
    for i in d.mentions:
        k = ctx.sentence_of[i]
        sent = ctx.doc.sentences[k]
        trig = ctx.triggers[i]
        # the sentences a "the same day" may point back to, nearest first
        before = ctx.doc.sentences[max(0, k - ANAPHORA_REACH):k][::-1]
        got = event_date(ctx.doc.text, sent, ctx.doc.dates, layer.lexicon, (trig.start, trig.end), before)
        if states_own_day(ctx, got[0], got[2]):
            return got
        if first is None or (_period(got) and not _period(first)):
            # a headline gives the report's date by default; the lead restating it, a period ("this week")
            first = got
    return first if first is not None else (None, None, None)


MERGE_REACH = 16  # same-type triggers a mention is compared with, before it and at the start of the report (corpus: at most 7 a type)


def merge_pairs(ctx: Context) -> list[tuple[int, int]]:
    """Trigger pairs (a < b) of one type that may state one fact: b against the ``MERGE_REACH`` same-type
    triggers before it and the first ``MERGE_REACH`` of the report (headline and lead). Every pair in a
    report of up to ``MERGE_REACH`` triggers a type; linear, not quadratic, in longer ones."""
    pairs = []
    for members in ctx.trigger_index().by_type.values():
        for r, b in enumerate(members):
            reach = set(members[max(0, r - MERGE_REACH):r]) | set(members[:min(r, MERGE_REACH)])
            pairs += [(a, b) for a in sorted(reach)]
    return sorted(pairs, key=lambda p: (p[1], p[0]))


def merge_scores(ctx: Context, weights: LinkerWeights) -> dict[tuple[int, int], float]:
    pairs = merge_pairs(ctx)
    if not pairs:
        return {}
    feats = np.stack([merge_features(ctx, a, b) for a, b in pairs])
    probs = weights.merge(feats)
    # a veto the network cannot learn from restatements alone: two mentions whose sentences give
    # different numbers AND different places state two facts ("1.7 tonnes to Kafr Nan" / "36 trucks to Talbiseh")
    probs = np.where((feats[:, OTHER_NUMBERS] > 0) & (feats[:, SHARED_NAMES] == 0) & (feats[:, OTHER_PLACES] > 0), 0.0, probs)
    # nor can it learn the words that announce a new fact in a later sentence ("They also repaired ...")
    said_new = np.asarray([b in ctx.new_facts and ctx.sentence_of[a] != ctx.sentence_of[b] for a, b in pairs])
    probs = np.where(said_new, 0.0, probs)
    return dict(zip(pairs, map(float, probs)))


class LearnedEventLayer:
    """The learned layer over an :class:`EventLayer`'s configs (dates, units, admin rules, lexicon).

    Example:
        >>> layer = LearnedEventLayer(EventLayer(), LinkerWeights.from_disk(Path("models/default")))  # doctest: +SKIP
    """

    def __init__(self, configs: EventLayer, weights: LinkerWeights) -> None:
        self.configs = configs
        self.weights = weights

    def find_triggers(self, text: str, entities: Sequence[Entity], tagged: Sequence[TriggerSpan],
                      states: EncoderStates | None) -> list[TriggerSpan]:
        """The event triggers of a report: the trigger head's over the tagger's guesses, when the model has one."""
        if self.weights.trigger is None or states is None:
            return sorted(tagged, key=lambda t: (t.start, t.end))
        words = words_of(text)
        if not words:
            return []
        # the encoder vectors, most of a row, are built a block of words at a time: a long report's whole
        # feature matrix took 1.7 KB a word (130 MB for 400 KB of text)
        cues = word_cues(text, entities, tagged, words, self.configs)
        probs = np.concatenate([self.weights.trigger(_trigger_rows(words[a:a + ROWS_AT_ONCE], states, cues[a:a + ROWS_AT_ONCE]))
                                for a in range(0, len(words), ROWS_AT_ONCE)])
        found = decode_triggers(words, probs, self.weights.types, self.weights.trigger_threshold)
        if self.weights.rescue_threshold is None:
            return found
        spans = [(x.start, x.end) for x in sentences(text, self.configs.lexicon)]
        quantities = [e.start for e in entities if e.label == "QUANTITY"]
        return sorted(found + rescue_triggers(words, probs, self.weights.types, found, spans, quantities, self.weights.rescue_threshold),
                      key=lambda t: (t.start, t.end))

    def assemble(self, text: str, entities: Sequence[Entity], triggers: Sequence[TriggerSpan], *, offsets: np.ndarray | None = None,
                 hidden: np.ndarray | None = None, reference_date: dt.date | None = None, model_version: str | None = None,
                 triggers_given: bool = False) -> list[Event]:
        """Event records of one report from its tagged entities and triggers, in text order."""
        return self.assemble_with_uncertainty(text, entities, triggers, offsets=offsets, hidden=hidden, reference_date=reference_date,
                                              model_version=model_version, triggers_given=triggers_given)[0]

    def assemble_with_uncertainty(self, text: str, entities: Sequence[Entity], triggers: Sequence[TriggerSpan], *,
                                  offsets: np.ndarray | None = None, hidden: np.ndarray | None = None,
                                  reference_date: dt.date | None = None, model_version: str | None = None,
                                  triggers_given: bool = False) -> tuple[list[Event], float | None]:
        """Events, and how unsure the layer is of them (for active learning; None without events).

        ``triggers_given``: the triggers are final (annotated ones, when scoring the layer on the annotated
        spans), so the trigger head does not decide them again.

        The uncertainty is the mean of two shares: 1 - the events' calibrated confidence, and the
        links whose probability lies within ``MARGIN`` of the threshold (the decisions a small
        change would flip).
        """
        # a trigger of a type the ontology lacks (configs replaced after training) can make no event record
        states = EncoderStates.of(offsets, hidden)
        found = sorted(triggers, key=lambda t: (t.start, t.end)) if triggers_given else self.find_triggers(text, entities, triggers, states)
        triggers = [t for t in found if t.type in self.configs.ontology]
        if not triggers:
            return [], None
        # the trigger head read every tagged span as a cue in training; the floors decide which are arguments
        ctx = prepare(text, self.weights.credible(entities), triggers, self.configs, reference_date, states)
        if not ctx.doc.sentences:
            return [], None
        scores = link(ctx, self.configs, self.weights)
        drafts = decode(ctx, scores, merge_scores(ctx, self.weights), self.weights)
        events = sorted(to_events(ctx, drafts, self.configs, self.weights, model_version, scores=scores), key=lambda e: e.trigger.start if e.trigger else 0)
        if not events:
            return events, None
        unsure = float(np.mean([abs(p - self.weights.threshold(ctx.candidates[j].role)) < MARGIN for (_, j), p in scores.items()])) \
            if scores else 0.0
        return events, 0.5 * float(np.mean([1.0 - e.confidence for e in events])) + 0.5 * unsure


__all__ = ["LearnedEventLayer", "split_tags", "LinkerWeights", "Mlp", "TriggerSpan", "Candidate", "Context", "prepare", "window",
           "pair_matrix", "merge_features", "EncoderStates", "span_vectors", "link", "decode", "to_events", "merge_scores", "trigger_features",
           "decode_triggers", "words_of"]
