"""Event typing: which ontology type a quantity belongs to, and mentions that are events on their own.

Scores come from the ontology (``scoring:``): a trigger in the quantity's clause (else its
sentence), weighted by nearness, plus a unit hint when the counted noun names the type; the
priority breaks near ties. A standalone mention ("militants shelled the village") makes an event
without a quantity unless it is negated or is the counted noun itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

from ..schema import Entity, Quantity
from .lexicon import Lexicon
from .ontology import EventType, Ontology
from .segment import Segment


@dataclass
class TypedQuantity:
    """A quantity with the entities it was read from, its clause and sentence, and its event type."""

    quantity: Quantity
    entities: list[Entity]
    clause: int
    sentence: int
    type: EventType | None = None
    type_score: float = 0.0
    trigger: tuple[int, int] | None = None
    margin: float = 1.0


def type_quantity(q: TypedQuantity, text: str, clause: Segment, sentence: Segment, onto: Ontology) -> None:
    """Give a quantity the type whose triggers (nearest first) and unit hints weigh most (in place)."""
    sc = onto.scoring
    scores: list[tuple[float, EventType, tuple[int, int] | None]] = []
    lemma = q.quantity.unit_lemma or ""
    for et in onto.types:
        score = sc.unit_hint if lemma and et.hints_unit(lemma) else 0.0
        best, trig = 0.0, None
        for seg, weight in ((clause, sc.clause_trigger), (sentence, sc.sentence_trigger)):
            for m in et.trigger_matches(text[seg.start:seg.end]):
                a, b = seg.start + m.start(), seg.start + m.end()
                if q.quantity.start <= a < q.quantity.end or (q.quantity.unit_span and q.quantity.unit_span[0] <= a < q.quantity.unit_span[1]):
                    continue  # the counted noun itself is scored as a unit hint
                s = weight + sc.proximity / (1.0 + abs(a - q.quantity.start) / sc.proximity_chars)
                if s > best:
                    best, trig = s, (a, b)
            if best:
                break
        score += best
        if score > 0:
            scores.append((score + sc.priority_weight * et.priority, et, trig))
    if not scores:
        return
    scores.sort(key=lambda x: x[0], reverse=True)
    top = scores[0]
    if top[0] < sc.min_score:
        return
    second = scores[1][0] if len(scores) > 1 else 0.0
    q.type, q.type_score, q.trigger = top[1], top[0], top[2]
    q.margin = top[0] / (top[0] + second) if top[0] + second else 1.0




def standalone_mentions(clause_text: str, et: EventType, lex: Lexicon, unit_spans: Sequence[tuple[int, int]], offset: int) -> tuple[int, int] | None:
    """The span of the first mention in a clause that makes a ``et`` event on its own, if any.

    Example:
        >>> from sitrep_ie.events.lexicon import default_lexicon
        >>> from sitrep_ie.events.ontology import default_ontology
        >>> et = default_ontology()["ceasefire_violation"]
        >>> standalone_mentions("Militants shelled Kafr Zita", et, default_lexicon(), [], 0)
        (10, 17)
        >>> standalone_mentions("No village was shelled", et, default_lexicon(), [], 0) is None
        True
    """
    for m in et.standalone_matches(clause_text):
        pre = re.split(r"[,;:]", clause_text[max(0, m.start() - 30):m.start()])[-1]
        if lex.negation.search(pre):
            continue
        if any(u[0] <= offset + m.start() < u[1] for u in unit_spans):
            continue  # "12 shells were cleared": the counted noun, not an attack
        return offset + m.start(), offset + m.end()
    return None
