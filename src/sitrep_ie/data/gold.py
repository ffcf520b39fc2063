"""Gold event records derived from an annotated report: triggers, their restating mentions and the
arguments their relations name (the rows of annotations/gold_events.jsonl), and those rows read back.

The structure the relations must form (one event per restatement chain, one target per single relation, no
admin cycles, a quantity in one event with a value) is checked here, for the import and for derivation alike.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import (
    AdminCycleError,
    AmbiguousRelationError,
    GoldEventsError,
    RegionValueError,
    RestatementError,
    SharedQuantityError,
)
from .document import Document, Span, Trigger, describe
from .labels import APPROX_FIELD, DATE_FIELD, VALUE_FIELD
from .numbers import read_number


@dataclass
class DerivedEvent:
    """An event read from the annotation: a trigger, its restating mentions and their arguments."""

    type: str
    date: str | None
    actors: list[str]
    places: list[dict[str, Any]]
    quantities: list[dict[str, Any]]
    trigger: Trigger
    mentions: list[Trigger] = field(default_factory=list)
    actor_spans: list[Span] = field(default_factory=list)
    place_spans: list[Span] = field(default_factory=list)
    quantity_spans: list[Span] = field(default_factory=list)

    def record(self) -> dict[str, Any]:
        """The gold event record: {type, date, actors, places[{name, admin}], quantities[{value, unit, approx[, upper]}]}."""
        return {"type": self.type, "date": self.date, "actors": list(self.actors), "places": [dict(p) for p in self.places],
                "quantities": [dict(q) for q in self.quantities]}


def event_structure(doc: Document, file: str | None = None) -> tuple[dict[str, str], dict[str, dict[str, list[str]]]]:
    """Check the events the relations form. Returns (trigger id -> its event's trigger id, outgoing relations by region id)."""
    out: dict[str, dict[str, list[str]]] = {}
    for r in doc.relations:
        out.setdefault(r.from_id, {}).setdefault(r.label, []).append(r.to_id)
    head = {t.id: _restated(doc, t, out, file) for t in doc.triggers}
    _check_single_targets(doc, out, file)
    _check_admin_cycles(doc, out, file)
    _check_quantities(doc, out, head, file)
    return head, out


def _restated(doc: Document, t: Trigger, out: dict[str, dict[str, list[str]]], file: str | None) -> str:
    """The trigger a mention leads to through ``same_as``: one, of its type, restating nothing (E018)."""
    text, tid = doc.text, doc.task_id
    chain = [t.id]
    cur = t.id
    while True:
        nxt = out.get(cur, {}).get("same_as", [])
        if len(nxt) > 1:
            raise RestatementError(f"trigger {text[t.start:t.end]!r} restates {len(nxt)} triggers ({', '.join(map(repr, nxt))}); "
                                   "a mention restates one event", file=file, task_id=tid, region=cur)
        if not nxt:
            break
        cur = nxt[0]
        if cur in chain:
            raise RestatementError(f"same_as relations form a cycle through trigger {text[t.start:t.end]!r}", file=file, task_id=tid, region=t.id)
        chain.append(cur)
    root = doc.regions[cur]
    if root.type != t.type:  # type: ignore[union-attr]
        raise RestatementError(f"trigger {text[t.start:t.end]!r} ({t.type}) restates a {root.type} event ({text[root.start:root.end]!r}); "  # type: ignore[union-attr]
                               "a mention has its event's type", file=file, task_id=tid, region=t.id)
    return cur


def _check_single_targets(doc: Document, out: dict[str, dict[str, list[str]]], file: str | None) -> None:
    """A region has at most one admin parent, one unit and one upper end (E019)."""
    for rid, rels in out.items():
        for lab in ("admin", "unit", "upper"):
            targets = dict.fromkeys(rels.get(lab, []))
            if len(targets) > 1:
                what = {"admin": "admin parents", "unit": "units", "upper": "upper ends"}[lab]
                names = ", ".join(repr(doc.surface(doc.regions[x])) for x in targets)
                raise AmbiguousRelationError(f"{describe(doc.regions[rid], doc.text)} has {len(targets)} {what}: {names}",
                                             file=file, task_id=doc.task_id, region=rid)


def _check_admin_cycles(doc: Document, out: dict[str, dict[str, list[str]]], file: str | None) -> None:
    """Following admin parents from any place never comes back to a place already passed (E014)."""
    for rid in out:
        seen = [rid]
        cur = rid
        while out.get(cur, {}).get("admin"):
            cur = out[cur]["admin"][0]
            if cur in seen:
                names = " -> ".join(repr(doc.surface(doc.regions[x])) for x in seen + [cur])
                raise AdminCycleError(f"admin relations form a cycle: {names}", file=file, task_id=doc.task_id, region=rid)
            seen.append(cur)


def _check_quantities(doc: Document, out: dict[str, dict[str, list[str]]], head: dict[str, str], file: str | None) -> None:
    """A quantity belongs to one event (E015), and it and its upper end have a number (E017)."""
    tid = doc.task_id
    owner: dict[Span, tuple[str, str]] = {}
    for t in doc.triggers:
        for q in out.get(t.id, {}).get("quantity", []):
            span = doc.regions[q]
            prev = owner.get(span)  # type: ignore[arg-type]
            if prev is not None and prev[0] != head[t.id]:
                first = doc.regions[prev[0]]
                raise SharedQuantityError(
                    f"QUANTITY {doc.surface(span)!r} [{span.start}:{span.end}] is a quantity of two events: "
                    f"{doc.surface(first)!r} ({first.type}) and {doc.surface(doc.regions[head[t.id]])!r} ({t.type}); "  # type: ignore[union-attr]
                    "a quantity belongs to one event", file=file, task_id=tid, region=q)
            owner[span] = (head[t.id], q)  # type: ignore[index]
            for x in [q] + out.get(q, {}).get("upper", []):
                if _number(doc, x) is None:
                    raise RegionValueError(f"QUANTITY {doc.surface(doc.regions[x])!r} has no per-region value and its text does not "
                                           "read as one number", file=file, task_id=tid, region=x)


def _field(doc: Document, rid: str, name: str) -> Any:
    return doc.values.get(rid, {}).get(name)


def _number(doc: Document, rid: str) -> int | float | None:
    v = _field(doc, rid, VALUE_FIELD)
    return v if v is not None else read_number(doc.surface(doc.regions[rid]))


def derive_events(doc: Document, file: str | None = None) -> list[DerivedEvent]:
    """The gold events of a document, from its triggers, relations and per-region fields alone.

    One event per trigger that restates nothing (``same_as`` leads the mentions to it), in the
    text order of those triggers. Its type is the trigger's label and its date the trigger's
    ``event_date`` (empty: null). Arguments are the regions related from the trigger or any of its
    mentions, in the order of the relations: ``actor`` -> the ACTOR's text; ``place`` -> the
    PLACE's text with the text of its ``admin`` parent (or null); ``quantity`` -> the per-region
    ``value`` (else the number the span reads as), the text of its ``unit`` (or null), ``approx``
    (or null) and, with an ``upper`` relation, the upper end's value. Equal actors and places
    are listed once.

    Raises the importer's coded errors (E014, E015, E017, E018, E019) on a document whose
    relations do not form events.

    Example:
        >>> from sitrep_ie.data.document import Relation
        >>> text = "Sappers cleared 12 mines in Kafr Shams."
        >>> regs = {"a": Span(0, 7, "ACTOR"), "t": Trigger(8, 15, "demining", "t"), "q": Span(16, 18, "QUANTITY"),
        ...         "u": Span(19, 24, "UNIT"), "p": Span(28, 38, "PLACE")}
        >>> doc = Document(1, text, [r for r in regs.values() if isinstance(r, Span)], triggers=[regs["t"]], regions=regs,
        ...                relations=[Relation("t", "a", "actor"), Relation("t", "q", "quantity"), Relation("q", "u", "unit"),
        ...                           Relation("t", "p", "place")], values={"t": {"event_date": "2017-11-02"}})
        >>> derive_events(doc)[0].record()
        {'type': 'demining', 'date': '2017-11-02', 'actors': ['Sappers'], 'places': [{'name': 'Kafr Shams', 'admin': None}], 'quantities': [{'value': 12, 'unit': 'mines', 'approx': None}]}
    """
    head, out = event_structure(doc, file)
    groups: dict[str, list[Trigger]] = {}
    for t in doc.triggers:
        groups.setdefault(head[t.id], []).append(t)
    order = {id(t): i for i, t in enumerate(doc.triggers)}
    rel_order = {(r.from_id, r.to_id, r.label): i for i, r in enumerate(doc.relations)}
    return [_derive_event(doc, out, hid, groups[hid], rel_order) for hid in sorted(groups, key=lambda h: order[id(doc.regions[h])])]


def _derive_event(doc: Document, out: dict[str, dict[str, list[str]]], hid: str, members: list[Trigger],
                  rel_order: dict[tuple[str, str, str], int]) -> DerivedEvent:
    """One event: its trigger ``hid``, its mentions and the arguments related from any of them, in relation order."""
    trig: Trigger = doc.regions[hid]  # type: ignore[assignment]
    member_ids = {t.id for t in members}
    rels = sorted((r for r in doc.relations if r.from_id in member_ids and r.label in ("actor", "place", "quantity")), key=lambda r: rel_order[(r.from_id, r.to_id, r.label)])
    ev = DerivedEvent(trig.type, _field(doc, hid, DATE_FIELD), [], [], [], trig, [t for t in members if t != trig])
    seen_q: set[Span] = set()
    for r in rels:
        reg = doc.regions[r.to_id]
        if r.label == "actor":
            if doc.surface(reg) not in ev.actors:
                ev.actors.append(doc.surface(reg))
                ev.actor_spans.append(reg)
        elif r.label == "place":
            place = _place_record(doc, out, r.to_id)
            if place not in ev.places:
                ev.places.append(place)
                ev.place_spans.append(reg)
        elif r.label == "quantity" and reg not in seen_q:
            seen_q.add(reg)
            ev.quantities.append(_quantity_record(doc, out, r.to_id))
            ev.quantity_spans.append(reg)
    return ev


def _place_record(doc: Document, out: dict[str, dict[str, list[str]]], rid: str) -> dict[str, Any]:
    """A gold place: the PLACE's text and the text of its admin parent (or None)."""
    parent = _outgoing(out, rid, "admin")
    return {"name": doc.surface(doc.regions[rid]), "admin": doc.surface(doc.regions[parent]) if parent else None}


def _quantity_record(doc: Document, out: dict[str, dict[str, list[str]]], rid: str) -> dict[str, Any]:
    """A gold quantity: value, unit text (or None), approx (or None) and, with an upper relation, upper."""
    unit = _outgoing(out, rid, "unit")
    upper = _outgoing(out, rid, "upper")
    q: dict[str, Any] = {"value": _number(doc, rid), "unit": doc.surface(doc.regions[unit]) if unit else None,
                         "approx": _field(doc, rid, APPROX_FIELD)}
    if upper:
        q["upper"] = _number(doc, upper)
    return q


def _outgoing(out: dict[str, dict[str, list[str]]], rid: str, label: str) -> str | None:
    """The target of a region's (one) relation with this label."""
    got = out.get(rid, {}).get(label)
    return got[0] if got else None


def gold_records(doc: Document, file: str | None = None) -> list[dict[str, Any]]:
    """The gold event records of a document (the ``events`` of its gold_events.jsonl row)."""
    return [e.record() for e in derive_events(doc, file)]


def load_gold_events(path: str | Path, split: str | None = None) -> dict[str, dict[str, Any]]:
    """Gold rows by report id: {"events": [...], "reference_date": ..., "split": ...}."""
    rows = {}
    with Path(path).open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise GoldEventsError(f"{path}:{n}: gold events line is not JSON ({exc.msg})") from None
            if split is None or row.get("split") == split:
                rows[row["report_id"]] = row
    return rows
