"""Hand features of the layer's pair and merge scorers: distance, order, clause, cues, position, word shape."""

from __future__ import annotations

import bisect
from collections import Counter
from functools import lru_cache
from typing import Sequence

import numpy as np

from ...schema import unit_lemma
from ..pipeline import EventLayer
from .context import QUOTE, ROLES, Context, following_table, header_of, memo, number_of, window


@lru_cache(maxsize=1 << 16)  # asked for every word of every report: most words recur
def word_shape(text: str) -> tuple[float, float, float]:
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
            *word_shape(c.text),
            float(c.quantity is not None and c.quantity.unit is not None))


def _table_column(ctx: Context, j: int) -> str | None:
    """The header cell over candidate j when it stands in a table row under a header line (None otherwise)."""
    span = header_of(ctx, j)
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
    counts = memo(ctx, ("actor_counts", 0), lambda: Counter(c.key() for c in ctx.candidates if c.role == "actor"))
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
    cand = memo(ctx, ("candidate", j), lambda: _candidate_features(ctx, j, layer))
    # crude: a quote opened before the trigger
    quoted = memo(ctx, ("quoted", i), lambda: float(bool(QUOTE.search(text[max(0, t.start - 300):t.start]))))
    negated = memo(ctx, ("negated", cs), lambda: float(bool(ctx.doc.sentences) and bool(
        layer.lexicon.negation.search(text[ctx.doc.sentences[cs].start:ctx.doc.sentences[cs].end]))))
    et = layer.ontology.get(t.type)
    # how many candidates of the same role stand nearer the trigger, on this side and on both: the nearest actor
    # before a verb is its doer far more often than the one before it
    dists = memo(ctx, ("role_distances", i), lambda: _role_distances(ctx, i))
    d = abs(c.start - t.start)
    side = bisect.bisect_left(dists.get((c.role, c.start < t.start), []), d)
    both = side + bisect.bisect_left(dists.get((c.role, c.start >= t.start), []), d)
    # "the command said its teams had dismantled": the possessive hands the verb to the actor named before it
    possessive = memo(ctx, ("possessive", i), lambda: float(bool(layer.lexicon.possessive_before.search(text[max(0, t.start - 50):t.start]))))
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
        *(memo(ctx, ("actor_salience", j), lambda: _actor_salience(ctx, j)) if c.role == "actor" else (0.0, 0.0)),
        # a row of the table that follows the trigger's sentence, and whether its column is headed by a noun of
        # the trigger's type ("Food sets" under "handed out 650 food sets", "Patients" under "examined 57 patients")
        float((table := following_table(ctx, ts)) is not None and table[0] <= cs <= table[1]),
        float(et is not None and bool(column := memo(ctx, ("column", j), lambda: _table_column(ctx, j))) and et.hints_unit(unit_lemma(column))),
        # "They also removed three IEDs": the trigger's subject refers back, so its doer is an actor named before its sentence
        float(c.role == "actor" and cs < ts and memo(ctx, ("back_reference", i), lambda: _refers_back(ctx, i, layer))),
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


N_MERGE = 13  # merge_features per trigger pair
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
    quoted_b = bool(sent_b and QUOTE.search(text[max(0, sent_b.start - 1):sent_b.end]))
    between_same = ctx.trigger_index().same_type_rank(b) - ctx.trigger_index().same_type_rank(a) - 1
    f = [
        min(abs(sb - sa), 6) / 6, float(sa == sb), float(sa == 0), float(bool(qa & qb)), float(bool(qa) and bool(qb) and not (qa & qb)),
        float(not qa or not qb), float(bool(pa & pb)), float(quoted_b), min(between_same, 2) / 2,
        float(ctx.doc.text[ctx.triggers[a].start:ctx.triggers[a].end].lower()[:4] == ctx.doc.text[ctx.triggers[b].start:ctx.triggers[b].end].lower()[:4]),
        float(bool(places_a) and bool(places_b) and not places_a & places_b),
        *_similarities(ctx, a, b, sa, sb),
    ]
    return np.asarray(f, dtype=np.float32)


def _cosine(u: np.ndarray, v: np.ndarray) -> float:
    return float(u @ v / (np.linalg.norm(u) * np.linalg.norm(v) + 1e-9))


def _similarities(ctx: Context, a: int, b: int, sa: int, sb: int) -> tuple[float, float]:
    """How alike the encoder reads the two triggers and their two sentences (0 without encoder states)."""
    if ctx.vectors is None or ctx.encoded is None or not ctx.doc.sentences:
        return 0.0, 0.0
    sents = memo(ctx, ("sentence_vectors", 0), lambda: ctx.encoded.span_means([(s.start, s.end) for s in ctx.doc.sentences]))
    return _cosine(ctx.trigger_vec(a), ctx.trigger_vec(b)), _cosine(sents[sa], sents[sb])
