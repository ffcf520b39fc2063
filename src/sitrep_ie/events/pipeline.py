"""Assemble tagged entities into event records (SPEC.md): the rule event layer.

Pure functions of (text, entities, ontology, normalisation, lexicon, reference date): no model.
The stages, each a function below:
  1. ``segment``: sentences and their clauses (segment.py);
  2. ``type_quantities``: each QUANTITY paired with its unit, range and qualifier (quantities.py)
     and given the ontology type its triggers and unit hints score highest (classify.py); a part
     of a total ("including five children") takes the type of the whole;
  3. ``draft_events``: quantities of one type in one clause form one event; a clause with a
     standalone mention (an attack) and no quantity of that type still gives one;
  4. ``fill_arguments``: actors of the clause (else the sentence's subject, else the previous
     sentence's doer when the sentence opens with a pronoun), places with admin parents minus the
     dateline place, the date by the rules of dates.py, evidence and confidence.

:class:`EventLayer` holds the three configs and runs the stages; :func:`assemble` is the same as a
function.
"""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from ..config import resource_path
from ..schema import Entity, Event, Mention
from .arguments import SpanIndex, actors_in, places_in
from .classify import TypedQuantity, standalone_mentions, type_quantity
from .dates import ReportDates, event_date, report_dates
from .lexicon import Lexicon, default_lexicon
from .ontology import EventType, Ontology, default_ontology
from .quantities import NormalisationConfig, build_quantities, default_config
from .segment import Segment, clauses, sentences

#: the config files an event layer reads, by role (also their names in a model directory).
CONFIG_FILES = {"ontology": "ontology.yaml", "normalisation": "normalisation.yaml", "lexicon": "lexicon.yaml"}


@dataclass
class _Draft:
    type: EventType
    sentence: int
    clause: int
    quantities: list[TypedQuantity] = field(default_factory=list)
    trigger: tuple[int, int] | None = None
    margin: float = 1.0


@dataclass
class _Doc:
    """One report as the stages see it."""

    text: str
    sentences: list[Segment]
    clauses: list[tuple[int, Segment]]  # (sentence index, clause), in text order
    spans: SpanIndex
    dates: ReportDates


def segment(text: str, entities: Sequence[Entity], lex: Lexicon, reference_date: dt.date | None) -> _Doc:
    """Stage 1: sentences, clauses, the entity index and the report's dates."""
    sents = sentences(text, lex)
    flat = [(si, c) for si, s in enumerate(sents) for c in clauses(text, s, lex)]
    ents = sorted(entities, key=lambda e: (e.start, e.end))
    return _Doc(text, sents, flat, SpanIndex(ents), report_dates(text, reference_date, lex))


def type_quantities(doc: _Doc, cfg: NormalisationConfig, onto: Ontology, lex: Lexicon) -> list[TypedQuantity]:
    """Stage 2: quantities with units and values, each typed (untyped ones are dropped)."""
    out: list[TypedQuantity] = []
    previous: TypedQuantity | None = None
    sent_starts = [s.start for s in doc.sentences]
    clause_starts = [c.start for _, c in doc.clauses]
    for q, used in build_quantities(doc.text, doc.spans.ents, cfg, lex):
        si = max(0, bisect.bisect_right(sent_starts, q.start) - 1)
        ci = max(0, bisect.bisect_right(clause_starts, q.start) - 1)
        item = TypedQuantity(q, used, ci, si)
        before = doc.text[max(doc.sentences[si].start, q.start - 30):q.start]
        if previous is not None and previous.sentence == si and lex.subset.search(before):
            # "26 people, including five children": the part belongs to the event of the whole
            item.type, item.clause, item.trigger, item.margin = previous.type, previous.clause, previous.trigger, previous.margin
        else:
            type_quantity(item, doc.text, doc.clauses[ci][1], doc.sentences[si], onto)
        if item.type is not None:
            out.append(item)
            previous = item
    return out


def draft_events(doc: _Doc, quantities: list[TypedQuantity], onto: Ontology, lex: Lexicon) -> list[_Draft]:
    """Stage 3: one draft per (clause, type), from quantities and standalone mentions, in text order."""
    drafts: dict[tuple[int, str], _Draft] = {}
    for item in quantities:
        assert item.type is not None
        d = drafts.get((item.clause, item.type.name))
        if d is None:
            d = drafts[(item.clause, item.type.name)] = _Draft(item.type, item.sentence, item.clause, trigger=item.trigger, margin=item.margin)
        d.quantities.append(item)
        d.margin = min(d.margin, item.margin)
    unit_spans: dict[int, list[tuple[int, int]]] = {}
    for item in quantities:
        if item.quantity.unit_span:
            unit_spans.setdefault(item.clause, []).append(item.quantity.unit_span)
    for ci, (si, seg) in enumerate(doc.clauses):
        for et in onto.types:
            if not et.standalone or (ci, et.name) in drafts:
                continue
            span = standalone_mentions(doc.text[seg.start:seg.end], et, lex, unit_spans.get(ci, []), seg.start)
            if span is not None:
                drafts[(ci, et.name)] = _Draft(et, si, ci, trigger=span, margin=0.6)
    return sorted(drafts.values(), key=lambda d: (d.clause, d.quantities[0].quantity.start if d.quantities else (d.trigger or (0, 0))[0]))


def fill_arguments(doc: _Doc, drafts: list[_Draft], cfg: NormalisationConfig, lex: Lexicon, model_version: str | None) -> list[Event]:
    """Stage 4: actors, places, date, evidence and confidence of each draft."""
    text, spans = doc.text, doc.spans
    events: list[Event] = []
    prev_actors: list[Entity] = []
    prev_sentence = -1
    sentence_actors: dict[int, list[Entity]] = {}
    skip = doc.dates.dateline_place
    for d in drafts:
        sent = doc.sentences[d.sentence]
        clause = doc.clauses[d.clause][1]
        actors = actors_in(text, clause, spans, lex)
        if not actors:
            if d.sentence not in sentence_actors:
                sentence_actors[d.sentence] = actors_in(text, sent, spans, lex)
            actors = [a for a in sentence_actors[d.sentence] if a.start < clause.start][:1]
        if not actors and not spans.within(sent, "ACTOR"):
            if prev_actors and d.sentence == prev_sentence + 1 and lex.carry_subject.match(text[sent.start:sent.end]):
                actors = prev_actors
        # units that name counted people ("40 militants") are not actors of the event
        unit_spans = [q.quantity.unit_span for q in d.quantities if q.quantity.unit_span]
        actors = [a for a in actors if not any(u[0] <= a.start < u[1] for u in unit_spans) and not d.type.is_victim(text[a.end:a.end + 30])]
        places = places_in(text, clause, spans, cfg, lex, skip) or places_in(text, sent, spans, cfg, lex, skip)
        date, precision, dspan = event_date(text, sent, doc.dates, lex)
        used_scores = [e.score for q in d.quantities for e in q.entities] + [a.score for a in actors]
        tag_conf = sum(used_scores) / len(used_scores) if used_scores else 0.7
        events.append(Event(
            type=d.type.name, date=date, date_precision=precision, date_span=dspan if date else None,
            actors=[Mention(a.text, a.start, a.end) for a in actors], places=places,
            quantities=[q.quantity for q in d.quantities],
            evidence=[Mention(text[clause.start:clause.end], clause.start, clause.end)],
            confidence=max(0.0, min(1.0, tag_conf * (0.5 + 0.5 * d.margin))),
            trigger=Mention(text[d.trigger[0]:d.trigger[1]], d.trigger[0], d.trigger[1]) if d.trigger else None,
            model_version=model_version,
        ))
        if actors:
            prev_actors = actors
            prev_sentence = d.sentence
        elif d.sentence != prev_sentence:
            prev_sentence = d.sentence if prev_actors else prev_sentence
    return events


class EventLayer:
    """The configs of the event layer and the stages that use them.

    Args:
        ontology: event types (default: the packaged ontology.yaml).
        normalisation: quantity and place settings (default: the packaged normalisation.yaml).
        lexicon: English cue words (default: the packaged lexicon.yaml).

    Example:
        >>> layer = EventLayer()
        >>> t = "Sappers cleared 12 mines in Aleppo."
        >>> ents = [Entity(16, 18, "QUANTITY", "12", 1.0), Entity(19, 24, "UNIT", "mines", 1.0), Entity(28, 34, "PLACE", "Aleppo", 1.0)]
        >>> [(e.type, e.places[0].name) for e in layer.assemble(t, ents)]
        [('demining', 'Aleppo')]
    """

    def __init__(self, ontology: Ontology | None = None, normalisation: NormalisationConfig | None = None,
                 lexicon: Lexicon | None = None) -> None:
        self.ontology = ontology or default_ontology()
        self.normalisation = normalisation or default_config()
        self.lexicon = lexicon or default_lexicon()

    @classmethod
    def from_files(cls, ontology: str | Path | None = None, normalisation: str | Path | None = None,
                   lexicon: str | Path | None = None) -> EventLayer:
        """Load the configs from files; a path left out is the packaged default."""
        return cls(Ontology.from_yaml(ontology or resource_path(CONFIG_FILES["ontology"])),
                   NormalisationConfig.from_yaml(normalisation or resource_path(CONFIG_FILES["normalisation"])),
                   Lexicon.from_yaml(lexicon or resource_path(CONFIG_FILES["lexicon"])))

    def assemble(self, text: str, entities: Sequence[Entity], *, reference_date: dt.date | None = None,
                 model_version: str | None = None) -> list[Event]:
        """Event records of one report from its tagged entities, in text order."""
        doc = segment(text, entities, self.lexicon, reference_date)
        if not doc.sentences:
            return []
        quantities = type_quantities(doc, self.normalisation, self.ontology, self.lexicon)
        drafts = draft_events(doc, quantities, self.ontology, self.lexicon)
        return fill_arguments(doc, drafts, self.normalisation, self.lexicon, model_version)


def assemble(text: str, entities: Sequence[Entity], ontology: Ontology, cfg: NormalisationConfig, *,
             lexicon: Lexicon | None = None, reference_date: dt.date | None = None, model_version: str | None = None) -> list[Event]:
    """Event records of one report from its tagged entities (see :class:`EventLayer`)."""
    return EventLayer(ontology, cfg, lexicon).assemble(text, entities, reference_date=reference_date, model_version=model_version)
