"""Assemble tagged entities into event records (SPEC.md).

Pure functions of (text, entities, ontology, normalisation settings, reference date): no model.
Steps, per sentence and clause:
  1. quantities: each QUANTITY paired with the UNIT after it, ranges joined, qualifiers read,
     values and measures normalised (normalise.py);
  2. typing: each quantity gets the ontology type whose unit hints and nearby triggers score
     highest; quantities of one type in one clause form one event; a clause with a standalone
     trigger (an attack) and no quantity of that type still gives an event;
  3. arguments: actors of the clause (else the sentence's subject, else the previous sentence's
     doer when the subject is a pronoun), minus speakers and recorders; places of the clause (else
     the sentence) with admin parents, minus the dateline place; the date by dates.py rules;
  4. provenance: every value keeps its character span; evidence is the clause.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Sequence

from .dates import ReportDates, is_running_total, mentions_past_day, report_dates, sentence_date
from .normalise import NormalisationConfig, find_qualifier, normalise_measure, parse_number, unit_lemma
from .ontology import EventType, Ontology
from .schema import Entity, Event, Mention, Place, Quantity
from .segment import Segment, clauses, sentences

_SPEAKER_AFTER = re.compile(
    r"^(?:,[^,.;]{1,60},)?\W{0,3}(?:\w+\s+){0,2}?(?:said|says|stated|reported|reports|announced|told|noted|added|explained|confirmed|"
    r"recorded|registered|documented|monitored|verified|warned|estimated|according)\b", re.I)
_SPEAKER_BEFORE = re.compile(r"(?:that|which|whom|loyal\s+to|affiliated\s+with|controlled\s+by|held\s+by|according\s+to|cited|quoted|reported\s+by|recorded\s+by|registered\s+by|"
                             r"spokesperson\s+for|spokesman\s+for|press\s+service\s+of)\s+(?:the\s+)?$", re.I)
_CARRY_SUBJECT = re.compile(
    r"^\W{0,3}(?:it|they|he|she|its|their|also|in\s+addition|additionally|moreover|furthermore|besides|"
    r"the\s+(?:team|teams|center|centre|unit|units|mission|organisation|organization|agency|ministry|group|sappers|"
    r"engineers|specialists|servicemen|personnel|staff|volunteers|doctors|medics|convoy|crews?|deminers|"
    r"society|committee|department|service|authorities|forces|military|troops))\b", re.I)
_GAP_UNIT = re.compile(r"^[\s\-–]*(?:of\s+(?:them|which|whom|these)\s*,?\s*(?:were\s+|are\s+)?)?(?:(?:of|more|additional|other|new|extra|tonnes?|tons?)\s+){0,2}[\s\-–]*$", re.I)
_ELLIPSIS_AFTER = re.compile(r"^(?:\s+(?:in|on|at|from|near|around|across|each|more)\b|\s*[,;:)]|\s*$)", re.I)
_RANGE_GAP = re.compile(r"^\s*(?:-|–|—|to|and|or)\s*$", re.I)
_SUBSET = re.compile(r"(?:including|incl\.|among\s+them|among\s+whom|of\s+them|of\s+whom|of\s+which|mostly|mainly|of\s+these)\s*(?:some|about|at\s+least|nearly|more\s+than)?\s*$", re.I)
_NEGATION = re.compile(r"\b(?:no|not|none|zero|without|never|nor)\b", re.I)
_ADMIN_GAP = re.compile(r"^\s*(?:,|,?\s*in(?:\s+the)?|,?\s*of(?:\s+the)?|\(|,?\s*in\s+the\s+\w+\s+of)\s*$", re.I)


@dataclass
class _Q:
    quantity: Quantity
    entities: list[Entity]
    clause: int
    sentence: int
    type: EventType | None = None
    type_score: float = 0.0
    trigger: tuple[int, int] | None = None
    margin: float = 1.0


@dataclass
class _Draft:
    type: EventType
    sentence: int
    clause: int
    quantities: list[_Q] = field(default_factory=list)
    trigger: tuple[int, int] | None = None
    margin: float = 1.0


def _index(starts: list[int], pos: int) -> int:
    """Index of the segment (given by its sorted starts) that holds ``pos``, or the one before it."""
    return max(0, bisect.bisect_right(starts, pos) - 1)


class _Spans:
    """Entities sorted by start, selectable by segment in O(log n) (long reports stay linear overall)."""

    def __init__(self, ents: Sequence[Entity]) -> None:
        self.ents = list(ents)
        self.starts = [e.start for e in self.ents]

    def within(self, seg: Segment, label: str | None = None) -> list[Entity]:
        a = bisect.bisect_left(self.starts, seg.start)
        b = bisect.bisect_left(self.starts, seg.end)
        return [e for e in self.ents[a:b] if label is None or e.label == label]


def build_quantities(text: str, ents: Sequence[Entity], cfg: NormalisationConfig) -> list[tuple[Quantity, list[Entity]]]:
    """Pair QUANTITY spans with units, join ranges, read qualifiers and values."""
    out: list[tuple[Quantity, list[Entity]]] = []
    prev_unit: Entity | None = None
    i = 0
    ents = list(ents)
    while i < len(ents):
        e = ents[i]
        if e.label != "QUANTITY":
            i += 1
            continue
        value = parse_number(e.text, cfg)
        if value is None:
            i += 1
            continue
        used = [e]
        upper = upper_span = None
        j = i + 1
        if j < len(ents) and ents[j].label == "QUANTITY" and _RANGE_GAP.match(text[e.end:ents[j].start]):
            v2 = parse_number(ents[j].text, cfg)
            if v2 is not None and v2 >= value:
                upper, upper_span = v2, (ents[j].start, ents[j].end)
                used.append(ents[j])
                j += 1
        last_end = used[-1].end
        unit = None
        if j < len(ents) and ents[j].label == "UNIT" and _GAP_UNIT.match(text[last_end:ents[j].start]) and ents[j].start - last_end <= 30:
            unit = ents[j]
            used.append(unit)
            j += 1
        sent_start = text.rfind("\n", 0, e.start) + 1
        before = text[max(sent_start, e.start - 60):e.start]
        if unit is None and out and prev_unit is not None and _ELLIPSIS_AFTER.match(text[last_end:last_end + 12]):
            prev_q = out[-1][0]
            if prev_q.start >= sent_start and e.start - prev_q.end < 200 and not re.search(r"[.!?]\s", text[prev_q.end:e.start]):
                unit = prev_unit  # "nine violations: four in Homs, five in Hama"
        approx = "range" if upper is not None else find_qualifier(before, cfg)
        if upper is None and re.search(r"\bbetween\s*$", before, re.I):
            approx = "range"
        q = Quantity(
            value=value, start=e.start, end=e.end, text=e.text,
            unit=unit.text if unit else None,
            unit_span=(unit.start, unit.end) if unit else None,
            unit_lemma=unit_lemma(unit.text) if unit else None,
            approx=approx, upper=upper, upper_span=upper_span,
            normalized=normalise_measure(value, unit.text, cfg, upper) if unit else None,
        )
        out.append((q, used))
        prev_unit = unit
        i = j
    return out


def _type_quantity(q: _Q, text: str, clause: Segment, sentence: Segment, onto: Ontology) -> None:
    """Give a quantity the type whose triggers (nearest first) and unit hints weigh most."""
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


def _actors_for(text: str, seg: Segment, spans: _Spans) -> list[Entity]:
    out = []
    for e in spans.within(seg, "ACTOR"):
        after = text[e.end:min(seg.end, e.end + 40)]
        before = text[max(seg.start, e.start - 40):e.start]
        if _SPEAKER_AFTER.match(after) or _SPEAKER_BEFORE.search(before):
            continue
        out.append(e)
    return out


def _admin_link(text: str, child: Entity, parent: Entity, cfg: NormalisationConfig) -> bool:
    """Does ``parent`` name the administrative unit of ``child``?

    "Talbiseh in Homs province", "Kafr Nan settlement in Homs province", "Hays, Hodeidah governorate",
    "Maan, in the province of Hama", "the Hanano district of Aleppo", "Tawila (North Darfur)".
    """
    gap = text[child.end:parent.start]
    child_designator = split_designator(child.text, cfg)[1]
    low = gap.lower().lstrip()
    for d in cfg.designators:
        if low.startswith(d + " ") or low.startswith(d + ","):
            gap, child_designator = gap.lstrip()[len(d):], d
            break
    if not _ADMIN_GAP.match(gap):
        return False
    gap_words = set(re.findall(r"[a-z-]+", gap.lower()))
    parent_designator = split_designator(parent.text, cfg)[1]
    follows = text[parent.end:parent.end + 25].lower().lstrip(" )")
    return (parent_designator in cfg.admin_designators
            or any(follows.startswith(w) for w in cfg.admin_designators)
            or bool(gap_words & cfg.admin_designators)
            or gap.strip().startswith("(")
            or (child_designator is not None and "of" in gap_words))


def _places_for(text: str, seg: Segment, spans: _Spans, cfg: NormalisationConfig, skip: tuple[int, int] | None) -> list[Place]:
    """The places of a clause or sentence, each with its admin parent; parents are not event places."""
    cands = [e for e in spans.within(seg, "PLACE") if not (skip and skip[0] <= e.start < skip[1])]
    admin_of: dict[int, int] = {}
    for k in range(len(cands) - 1):
        if _admin_link(text, cands[k], cands[k + 1], cfg):
            admin_of[k] = k + 1
            # "Kafr Nabudah and Tell Hawash in the province of Hama": the parent covers the whole list
            j = k - 1
            while j >= 0 and j not in admin_of and re.fullmatch(r"\s*(?:,|and|,\s*and|or)\s*", text[cands[j].end:cands[j + 1].start]):
                admin_of[j] = k + 1
                j -= 1
    # "In Daraa province, 38 fighters ... in al-Sanamayn": a leading region frames the specific places after it
    for k, e in enumerate(cands):
        designator = split_designator(e.text, cfg)[1] or next((w for w in cfg.admin_designators if text[e.end:e.end + 20].lower().lstrip().startswith(w)), None)
        if designator not in cfg.admin_designators or k in admin_of or k in admin_of.values():
            continue
        later = [j for j in range(k + 1, len(cands)) if j not in admin_of and split_designator(cands[j].text, cfg)[1] not in cfg.admin_designators]
        if later and re.search(r"(?:^|\b(?:in|across|of))\s+(?:the\s+(?:\w+\s+)?(?:of\s+)?)?$", text[max(seg.start, e.start - 25):e.start], re.I):
            for j in later:
                admin_of[j] = k
    parents = set(admin_of.values())
    places = []
    for k, e in enumerate(cands):
        if k in parents and k not in admin_of:
            continue
        parent = cands[admin_of[k]] if k in admin_of else None
        places.append(Place(name=e.text, start=e.start, end=e.end, admin=parent.text if parent else None,
                            admin_span=(parent.start, parent.end) if parent else None, designator=split_designator(e.text, cfg)[1]))
    return places


def split_designator(name: str, cfg: NormalisationConfig) -> tuple[str, str | None]:
    """("Homs province") -> ("Homs", "province"); a name without designator comes back unchanged."""
    low = name.lower()
    for d in cfg.designators:
        if low.endswith(" " + d) and len(name) > len(d) + 1:
            return name[: -len(d) - 1].rstrip(), d
    return name, None


def _date_for(text: str, sent: Segment, rd: ReportDates) -> tuple[str | None, str | None, tuple[int, int] | None]:
    """(date, precision, span): the sentence's own day, else the report date for past-24-hour and
    running-total sentences, else null for a period, else the report date in dateline and bulletin reports."""
    start = max(sent.start, rd.dateline[1]) if rd.dateline and rd.dateline[0] < sent.end else sent.start
    own = sentence_date(text, start, sent.end, rd.report_date) if start < sent.end else None
    sentence = text[sent.start:sent.end]
    if rd.report_date is not None and re.match(r"\W*since\b", sentence, re.I) and is_running_total(sentence):
        return rd.report_date.isoformat(), "day", rd.dateline or rd.header  # "Since 1 March, a total of ..."
    if own is not None and own.date is not None:
        return own.date.isoformat(), own.precision, (own.start, own.end)
    if rd.report_date is not None and (mentions_past_day(sentence) or is_running_total(sentence)):
        return rd.report_date.isoformat(), "day", rd.dateline or rd.header
    if own is not None:
        return None, own.precision, None
    if rd.report_date is not None and (rd.has_dateline or rd.past_day_bulletin):
        return rd.report_date.isoformat(), "day", rd.dateline or rd.header
    return None, None, None


def assemble(text: str, entities: Sequence[Entity], ontology: Ontology, cfg: NormalisationConfig, *,
             reference_date: dt.date | None = None, model_version: str | None = None) -> list[Event]:
    """Event records of one report from its tagged entities.

    Args:
        text: the report.
        entities: tagged spans, sorted by start.
        ontology: event types.
        cfg: normalisation settings.
        reference_date: the report's publication date (resolves datelines without a year, weekdays).
        model_version: stamped on every event for provenance.

    Example:
        >>> from sitrep_ie.schema import Entity
        >>> t = "Sappers cleared 12 mines in Aleppo."
        >>> ents = [Entity(16, 18, "QUANTITY", "12", 1.0), Entity(19, 24, "UNIT", "mines", 1.0), Entity(28, 34, "PLACE", "Aleppo", 1.0)]
        >>> [e.type for e in assemble(t, ents, default_ontology(), default_normalisation())]
        ['demining']
    """
    ents = sorted(entities, key=lambda e: (e.start, e.end))
    rd = report_dates(text, reference_date)
    sents = sentences(text)
    if not sents:
        return []
    clause_list: list[list[Segment]] = [clauses(text, s) for s in sents]
    flat: list[tuple[int, Segment]] = [(si, c) for si, cs in enumerate(clause_list) for c in cs]
    sent_starts = [s.start for s in sents]
    clause_starts = [c.start for _, c in flat]
    spans = _Spans(ents)

    qs: list[_Q] = []
    previous: _Q | None = None
    for q, used in build_quantities(text, ents, cfg):
        si = _index(sent_starts, q.start)
        ci = _index(clause_starts, q.start)
        item = _Q(q, used, ci, si)
        if previous is not None and previous.sentence == si and _SUBSET.search(text[max(sents[si].start, q.start - 30):q.start]):
            # "26 people, including five children": the part belongs to the event of the whole
            item.type, item.clause, item.trigger, item.margin = previous.type, previous.clause, previous.trigger, previous.margin
        else:
            _type_quantity(item, text, flat[ci][1], sents[si], ontology)
        if item.type is not None:
            qs.append(item)
            previous = item

    drafts: dict[tuple[int, str], _Draft] = {}
    for item in qs:
        assert item.type is not None
        key = (item.clause, item.type.name)
        d = drafts.get(key)
        if d is None:
            d = drafts[key] = _Draft(item.type, item.sentence, item.clause, trigger=item.trigger, margin=item.margin)
        d.quantities.append(item)
        d.margin = min(d.margin, item.margin)
    unit_spans_by_clause: dict[int, list[tuple[int, int]]] = {}
    for item in qs:
        if item.quantity.unit_span:
            unit_spans_by_clause.setdefault(item.clause, []).append(item.quantity.unit_span)
    for ci, (si, seg) in enumerate(flat):
        ctext = text[seg.start:seg.end]
        for et in ontology.types:
            if not et.standalone or (ci, et.name) in drafts:
                continue
            for m in et.standalone_matches(ctext):
                pre = re.split(r"[,;:]", ctext[max(0, m.start() - 30):m.start()])[-1]
                if _NEGATION.search(pre):
                    continue
                if any(u[0] <= seg.start + m.start() < u[1] for u in unit_spans_by_clause.get(ci, [])):
                    continue  # "12 shells were cleared": the counted noun, not an attack
                drafts[(ci, et.name)] = _Draft(et, si, ci, trigger=(seg.start + m.start(), seg.start + m.end()), margin=0.6)
                break

    events: list[Event] = []
    prev_actors: list[Entity] = []
    prev_sentence = -1
    ordered = sorted(drafts.values(), key=lambda d: (d.clause, (d.quantities[0].quantity.start if d.quantities else (d.trigger or (0, 0))[0])))
    sentence_actor_cache: dict[int, list[Entity]] = {}
    for d in ordered:
        sent = sents[d.sentence]
        clause = flat[d.clause][1]
        actors = _actors_for(text, clause, spans)
        if not actors:
            if d.sentence not in sentence_actor_cache:
                sentence_actor_cache[d.sentence] = _actors_for(text, sent, spans)
            actors = [a for a in sentence_actor_cache[d.sentence] if a.start < clause.start][:1]
        if not actors and not spans.within(sent, "ACTOR"):
            if prev_actors and d.sentence == prev_sentence + 1 and _CARRY_SUBJECT.match(text[sent.start:sent.end]):
                actors = prev_actors
        # units that name counted people ("40 militants") are not actors of the event
        unit_spans = [q.quantity.unit_span for q in d.quantities if q.quantity.unit_span]
        actors = [a for a in actors if not any(u[0] <= a.start < u[1] for u in unit_spans) and not d.type.is_victim(text[a.end:a.end + 30])]
        places = _places_for(text, clause, spans, cfg, rd.dateline_place)
        if not places:
            places = _places_for(text, sent, spans, cfg, rd.dateline_place)
        date, precision, dspan = _date_for(text, sent, rd)
        quantities = [q.quantity for q in d.quantities]
        used_scores = [e.score for q in d.quantities for e in q.entities] + [a.score for a in actors]
        tag_conf = sum(used_scores) / len(used_scores) if used_scores else 0.7
        ev = Event(
            type=d.type.name,
            date=date,
            date_precision=precision,
            date_span=dspan if date else None,
            actors=[Mention(a.text, a.start, a.end) for a in actors],
            places=places,
            quantities=quantities,
            evidence=[Mention(text[clause.start:clause.end], clause.start, clause.end)],
            confidence=max(0.0, min(1.0, tag_conf * (0.5 + 0.5 * d.margin))),
            trigger=Mention(text[d.trigger[0]:d.trigger[1]], d.trigger[0], d.trigger[1]) if d.trigger else None,
            model_version=model_version,
        )
        events.append(ev)
        if actors:
            prev_actors = actors
            prev_sentence = d.sentence
        elif d.sentence != prev_sentence:
            prev_sentence = d.sentence if prev_actors else prev_sentence
    return events


def default_ontology() -> Ontology:
    from pathlib import Path

    return Ontology.from_yaml(Path(__file__).resolve().parents[2] / "configs" / "ontology.yaml")


def default_normalisation() -> NormalisationConfig:
    from .normalise import default_config

    return default_config()
