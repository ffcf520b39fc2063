"""The trigger head: word features, typed trigger decoding and the rescue of sentences holding a number."""

from __future__ import annotations

import bisect
import re
from typing import Sequence

import numpy as np

from ...schema import Entity
from ..pipeline import EventLayer
from ..segment import sentences
from .context import EncoderStates, TriggerSpan
from .features import word_shape


_WORD = re.compile(r"\w+(?:[-'’]\w+)*|[^\w\s]")


def words_of(text: str) -> list[tuple[int, int]]:
    """Word spans as the trigger head sees them (hyphenated and apostrophe words are one word)."""
    return [(m.start(), m.end()) for m in _WORD.finditer(text)]


def trigger_features(text: str, entities: Sequence[Entity], tagged: Sequence[TriggerSpan], words: Sequence[tuple[int, int]],
                     states: EncoderStates, layer: EventLayer) -> np.ndarray:
    """Per word: its encoder vector, then its ``word_cues``."""
    return trigger_head_rows(words, states, word_cues(text, entities, tagged, words, layer))


def trigger_head_rows(words: Sequence[tuple[int, int]], states: EncoderStates, cues: np.ndarray) -> np.ndarray:
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
        cues[k, -3:] = word_shape(text[a:b])
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
    """Trigger spans from per-word class probabilities (class 0: no trigger): adjacent trigger words join into one
    trigger, of the type their probabilities favour together ("delivered humanitarian aid" is one delivery, not a
    delivery and a medical "aid"). A word is a trigger when its most likely class is one (``min_trigger`` None), or
    when the classes other than "no trigger" together reach ``min_trigger``.

    >>> p = np.array([[0.9, 0.1, 0.0], [0.2, 0.7, 0.1], [0.3, 0.6, 0.1], [0.65, 0.2, 0.15]])
    >>> decode_triggers([(0, 3), (4, 9), (10, 14), (15, 18)], p, ["demining", "aid_delivery"])
    [TriggerSpan(start=4, end=14, type='demining', score=0.7)]
    >>> [(t.start, t.end) for t in decode_triggers([(0, 3), (4, 9), (10, 14), (15, 18)], p, ["demining", "aid_delivery"], 0.3)]
    [(4, 18)]
    >>> q = np.array([[0.1, 0.8, 0.1], [0.3, 0.2, 0.5]])
    >>> decode_triggers([(0, 9), (10, 13)], q, ["aid_delivery", "medical_aid"])
    [TriggerSpan(start=0, end=13, type='aid_delivery', score=0.8)]
    """
    runs: list[list[int]] = []
    for k in range(len(words)):
        if min_trigger is None:
            on = int(probs[k].argmax()) != 0
        else:
            on = 1.0 - float(probs[k][0]) >= min_trigger
        if not on:
            continue
        if runs and runs[-1][-1] == k - 1:
            runs[-1].append(k)
        else:
            runs.append([k])
    out: list[TriggerSpan] = []
    for run in runs:
        c = 1 + int(probs[run, 1:].sum(axis=0).argmax())
        out.append(TriggerSpan(words[run[0]][0], words[run[-1]][1], types[c - 1], float(probs[run, c].max())))
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
