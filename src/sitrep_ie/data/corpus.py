"""The corpus authoring format (annotations/AUTHORING.md): the one parser of its inline markup.

The sources (annotations/source/*.txt) mark entities and triggers inline. This module checks them
strictly and writes, per split, the JSON a Label Studio server exports (annotations/<split>.json)
plus the gold events (annotations/gold_events.jsonl). ``tools/build_corpus.py`` is its command line:

    python tools/build_corpus.py --check annotations/source/briefings.txt
    python tools/build_corpus.py            # convert every source file

Example:
    >>> text, spans = parse_body("[[Sappers|A]] cleared [[12|Q]] mines", {"A": "ACTOR", "Q": "QUANTITY"}, "example")
    >>> text, spans
    ('Sappers cleared 12 mines', [(0, 7, 'ACTOR'), (16, 18, 'QUANTITY')])
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import hashlib
import json
import re
import sys
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from ..config import read_yaml
from ..errors import AnnotationError
from .annotations import read_tasks
from .gold import gold_records
from .labels import (APPROX_FIELD, DATE_FIELD, FROM_NAME, TRIGGER_NAME, VALUE_FIELD, LabelSet, field_result, read_event_types,
                     region_result, relation_result)
from .numbers import readings

ROOT = Path(".")  # the repository: sources, configs and outputs are found relative to it
SPAN_RE = re.compile(r"\[\[([^\[\]|]+)\|([A-Z]+)\]\]")
HEADER_KEYS = {"style", "country", "split", "reference_date"}
OPTIONAL_HEADER_KEYS = {"structures"}
TRIGGER_CODE = "T"  # trigger spans: typed by the event line that names them (AUTHORING.md)
EVENT_KEYS = {"type", "date", "actors", "places", "quantities"}
OPTIONAL_EVENT_KEYS = {"trigger", "mentions"}
SPLITS = ("train", "dev", "test")
MIN_WORDS, MAX_WORDS = 80, 300


def short_codes(root: Path = ROOT) -> dict[str, str]:
    """Authoring code -> label name ("Q" -> "QUANTITY"), from the label set."""
    return {lab.short: lab.name for lab in LabelSet.from_yaml(root / "configs" / "labels.yaml").labels}


def _event_types(root: Path = ROOT) -> set[str]:
    return set(read_event_types(root / "configs" / "ontology.yaml"))


@dataclass
class Record:
    report_id: str
    source: str
    line: int
    meta: dict[str, str]
    text: str = ""
    spans: list[tuple[int, int, str]] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)
    triggers: list[tuple[int, int]] = field(default_factory=list)


class SourceError(ValueError):
    pass


Spot = tuple[int, int]  # a span's (start, end)


def _where(rec: Record) -> str:
    """Where a record is, for messages: source file, line and report id."""
    return f"{rec.source}:{rec.line} ({rec.report_id})"



def parse_body(body: str, codes: dict[str, str], where: str) -> tuple[str, list[tuple[int, int, str]]]:
    """Strip the inline markup, returning plain text and (start, end, label) spans."""
    out: list[str] = []
    spans: list[tuple[int, int, str]] = []
    pos = 0
    length = 0
    for m in SPAN_RE.finditer(body):
        chunk = body[pos : m.start()]
        out.append(chunk)
        length += len(chunk)
        surface, code = m.group(1), m.group(2)
        if code not in codes and code != TRIGGER_CODE:
            raise SourceError(f"{where}: unknown label code {code!r} on span {surface!r}")
        if surface != surface.strip():
            raise SourceError(f"{where}: span {surface!r} has spaces at its edges")
        spans.append((length, length + len(surface), codes.get(code, TRIGGER_CODE)))
        out.append(surface)
        length += len(surface)
        pos = m.end()
    out.append(body[pos:])
    text = "".join(out)
    for bad in ("[[", "]]", "|"):
        if bad in text:
            i = text.index(bad)
            raise SourceError(f"{where}: stray {bad!r} near {text[max(0, i - 30):i + 30]!r} (broken markup?)")
    return text, spans


def parse_file(path: Path, codes: dict[str, str]) -> list[Record]:
    lines = path.read_text(encoding="utf-8").split("\n")
    starts = [i for i, ln in enumerate(lines) if ln.startswith("@@@ report ")]
    if not starts:
        raise SourceError(f"{path}: no '@@@ report' records")
    records = []
    for k, s in enumerate(starts):
        e = starts[k + 1] if k + 1 < len(starts) else len(lines)
        block = lines[s:e]
        rid = block[0][len("@@@ report ") :].strip()
        where = f"{path.name}:{s + 1} ({rid})"
        try:
            sep1 = block.index("---", 1)
            sep2 = block.index("---", sep1 + 1)
        except ValueError:
            raise SourceError(f"{where}: a record needs two '---' separator lines") from None
        meta = {}
        for ln in block[1:sep1]:
            if not ln.strip():
                continue
            key, _, val = ln.partition(":")
            meta[key.strip()] = val.strip()
        if not HEADER_KEYS <= set(meta) <= HEADER_KEYS | OPTIONAL_HEADER_KEYS:
            raise SourceError(f"{where}: header keys {sorted(meta)} must be {sorted(HEADER_KEYS)} [+ {sorted(OPTIONAL_HEADER_KEYS)}]")
        if meta["split"] not in SPLITS:
            raise SourceError(f"{where}: split {meta['split']!r} not one of {SPLITS}")
        dt.date.fromisoformat(meta["reference_date"])
        body = "\n".join(block[sep1 + 1 : sep2]).strip("\n")
        text, spans = parse_body(body, codes, where)
        rec = Record(rid, path.name, s + 1, meta, text, [sp for sp in spans if sp[2] != TRIGGER_CODE],
                     triggers=[(a, b) for a, b, lab in spans if lab == TRIGGER_CODE])
        for j, ln in enumerate(block[sep2 + 1 :], start=s + sep2 + 2):
            if not ln.strip():
                continue
            if not ln.startswith("event:"):
                raise SourceError(f"{path.name}:{j} ({rid}): expected 'event: {{json}}', got {ln[:60]!r}")
            try:
                rec.events.append(json.loads(ln[len("event:") :]))
            except json.JSONDecodeError as exc:
                raise SourceError(f"{path.name}:{j} ({rid}): bad event JSON: {exc}") from None
        records.append(rec)
    return records


def check_record(rec: Record, types: set[str]) -> list[str]:
    """Return every problem of one record (empty list when it is clean)."""
    where = _where(rec)
    problems = []
    words = len(rec.text.split())
    if not MIN_WORDS <= words <= MAX_WORDS:
        problems.append(f"{where}: {words} words, outside {MIN_WORDS}-{MAX_WORDS}")
    surfaces: dict[str, set[str]] = {}
    for s, e, lab in rec.spans:
        surfaces.setdefault(lab, set()).add(rec.text[s:e])
    qtexts = surfaces.get("QUANTITY", set())
    for n, ev in enumerate(rec.events, 1):
        w = f"{where} event {n}"
        if not EVENT_KEYS <= set(ev) <= EVENT_KEYS | OPTIONAL_EVENT_KEYS:
            problems.append(f"{w}: keys {sorted(ev)} must be type, date, actors, places, quantities [, trigger, mentions]")
            continue
        if ev["type"] not in types:
            problems.append(f"{w}: unknown type {ev['type']!r}")
        if ev["date"] is not None:
            try:
                dt.date.fromisoformat(ev["date"])
            except (TypeError, ValueError):
                problems.append(f"{w}: bad date {ev['date']!r}")
        for a in ev["actors"]:
            if a not in surfaces.get("ACTOR", set()):
                problems.append(f"{w}: actor {a!r} is not the text of an A span")
        for p in ev["places"]:
            if not isinstance(p, dict) or set(p) != {"name", "admin"}:
                problems.append(f"{w}: place {p!r} must be {{name, admin}}")
                continue
            if p["name"] not in surfaces.get("PLACE", set()):
                problems.append(f"{w}: place {p['name']!r} is not the text of a P span")
            if p["admin"] is not None and p["admin"] not in rec.text:
                problems.append(f"{w}: admin {p['admin']!r} does not occur in the text")
        for q in ev["quantities"]:
            if not isinstance(q, dict) or not {"value", "unit", "approx"} <= set(q) <= {"value", "unit", "approx", "upper"}:
                problems.append(f"{w}: quantity {q!r} must be {{value, unit, approx[, upper]}}")
                continue
            if not isinstance(q["value"], (int, float)) or isinstance(q["value"], bool):
                problems.append(f"{w}: quantity value {q['value']!r} is not a number")
                continue
            if q["unit"] is not None and q["unit"] not in surfaces.get("UNIT", set()):
                problems.append(f"{w}: unit {q['unit']!r} is not the text of a U span")
            if "upper" in q and q.get("approx") != "range":
                problems.append(f"{w}: a quantity with 'upper' needs approx 'range'")
            if not qtexts:
                problems.append(f"{w}: quantity {q['value']} but the report has no Q span")
            else:
                v = q["value"]
                # every reading of each Q span counts ("1,8" is 1.8 with a decimal comma); spans in words are not checked here
                if not any(v in readings(t) for t in qtexts) and not any(not re.search(r"\d", t) or re.search(r"[a-z]", t, re.I) for t in qtexts):
                    problems.append(f"{w}: no Q span reads as {v}")
    return problems


def unit_gaps(rec: Record, classifiers: Iterable[str]) -> list[str]:
    """Problems where a word that classifies the counted people stands between a QUANTITY and the UNIT right after it.

    Example:
        >>> rec = Record("t-001", "t.txt", 1, {}, "312 Somali refugees", [(0, 3, "QUANTITY"), (11, 19, "UNIT")])
        >>> unit_gaps(rec, ["Somali"])
        ["t.txt:1 (t-001): 'Somali' between 312 and its unit 'refugees' belongs in the UNIT span (annotations/conventions.yaml)"]
    """
    words = set(classifiers)
    spans = sorted(rec.spans)
    problems = []
    for (qs, qe, ql), (us, ue, ul) in zip(spans, spans[1:]):
        gap = " ".join(rec.text[qe:us].split())
        if ql == "QUANTITY" and ul == "UNIT" and gap in words:
            problems.append(f"{_where(rec)}: {gap!r} between {rec.text[qs:qe]} and its unit {rec.text[us:ue]!r} belongs in the UNIT span "
                            "(annotations/conventions.yaml)")
    return problems


def resolve_triggers(rec: Record) -> tuple[list[list[tuple[int, int]]], list[str]]:
    """The trigger span of each event (first) and its restating mentions, with the problems found.

    An event names its trigger by the text of a T span, or "text#k" for the k-th T span with that
    text; without "#k", events take same-text triggers in text order. Every T span is used once.
    """
    where = _where(rec)
    by_text: dict[str, list[tuple[int, int]]] = {}
    for s, e in rec.triggers:
        by_text.setdefault(rec.text[s:e], []).append((s, e))
    used: set[tuple[int, int]] = set()
    out: list[list[tuple[int, int]]] = []
    problems: list[str] = []
    need = bool(rec.triggers) or bool(structures(rec.meta))
    for n, ev in enumerate(rec.events, 1):
        refs = ([ev["trigger"]] if "trigger" in ev else []) + list(ev.get("mentions", []))
        if not refs:
            if need:
                problems.append(f"{where} event {n}: no 'trigger' (every event of a report with T spans needs one)")
            out.append([])
            continue
        spans: list[tuple[int, int]] = []
        for ref in refs:
            text, _, k = str(ref).rpartition("#") if re.search(r"#\d+$", str(ref)) else (str(ref), "", "")
            cands = by_text.get(text, [])
            if k:
                pick = cands[int(k) - 1] if 0 < int(k) <= len(cands) else None
            else:
                pick = next((c for c in cands if c not in used), None)
            if pick is None or pick in used:
                problems.append(f"{where} event {n}: trigger {ref!r} is not an unused T span")
                continue
            used.add(pick)
            spans.append(pick)
        out.append(spans)
    for s, e in rec.triggers:
        if (s, e) not in used:
            problems.append(f"{where}: T span {rec.text[s:e]!r} at {s} is no event's trigger or mention")
    return out, problems


def _gap(a: tuple[int, int], b: tuple[int, int]) -> int:
    """Characters between two spans (0 when they touch or overlap)."""
    return max(0, b[0] - a[1], a[0] - b[1])


@dataclass
class Linked:
    """What the converter adds to a record's entity spans: triggers, relations and per-region fields."""

    triggers: list[tuple[int, int, str]] = field(default_factory=list)          # (start, end, event type)
    relations: list[tuple[tuple[int, int], tuple[int, int], str]] = field(default_factory=list)  # from span, to span, label
    fields: list[tuple[tuple[int, int], str, Any]] = field(default_factory=list)  # span, field name, value
    problems: list[str] = field(default_factory=list)


# where a sentence ends, roughly: end punctuation before a capital or a digit, or a line break. Only used to
# prefer an argument's mention in its trigger's sentence, so a split missed or made too many costs nothing
_SENTENCE_END = re.compile(r"[.!?][\"'”’)]*\s+(?=[\"'“(\[]?[A-Z0-9])|\n")


@dataclass
class _Linking:
    """What linking one record's events shares: its spans by label, quantity readings, and who owns what."""

    rec: Record
    out: Linked = field(default_factory=Linked)
    by_label: dict[str, list[Spot]] = field(default_factory=dict)
    reads: dict[Spot, set[int | float]] = field(default_factory=dict)
    owner: dict[Spot, int] = field(default_factory=dict)              # QUANTITY span -> event number
    admin_of: dict[Spot, Spot | None] = field(default_factory=dict)    # PLACE span -> the admin parent it was given
    breaks: list[int] = field(default_factory=list)                   # where each sentence ends (_SENTENCE_END)

    def with_text(self, label: str, text: str) -> list[Spot]:
        """The spans of ``label`` whose text is ``text``, in text order."""
        return [sp for sp in self.by_label.get(label, []) if self.rec.text[sp[0]:sp[1]] == text]

    def sentence(self, pos: int) -> int:
        return bisect.bisect_right(self.breaks, pos)

    def distance(self, a: Spot, b: Spot) -> tuple[bool, int]:
        """Another sentence first, then the characters between: a mention in the same sentence beats a nearer
        one in the bullet row or sentence before it (on corpus v8, 99 of 17,773 argument links had taken such a
        mention)."""
        return self.sentence(a[0]) != self.sentence(b[0]), _gap(a, b)

    def nearest(self, cands: list[Spot], ts: list[Spot]) -> tuple[Spot, Spot] | None:
        """The candidate nearest to any of an event's trigger spans, with that trigger span (ties: earlier trigger, candidate)."""
        best = min(((self.distance(c, t), i, j, c, t) for j, c in enumerate(cands) for i, t in enumerate(ts)), default=None)
        return (best[3], best[4]) if best else None

    def closest(self, cands: Iterable[Spot], anchor: Spot) -> Spot | None:
        """The candidate nearest to ``anchor`` (a tie goes to the one after it), or None."""
        return min(cands, key=lambda x: (self.distance(x, anchor), x[0] < anchor[0]), default=None)


def link_events(rec: Record) -> Linked:
    """Tie each event line to regions: its trigger (typed), same_as from its mentions, and relations
    to the nearest span with each argument's text, one in the same sentence first (to the trigger, else
    to a mention: the relation starts at whichever of them is nearer). A quantity goes to the nearest
    QUANTITY span that reads as its value and is no other event's; its unit to the nearest UNIT span
    with that text, its upper end to the nearest other QUANTITY span that reads as it; an admin parent
    to the nearest other PLACE span with its text, never contradicting the parent another event gave
    that place. "Nearest" is ``_Linking.distance``."""
    lk = _Linking(rec, breaks=[m.end() for m in _SENTENCE_END.finditer(rec.text)])
    for s, e, lab in rec.spans:
        lk.by_label.setdefault(lab, []).append((s, e))
    lk.reads = {sp: readings(rec.text[sp[0]:sp[1]]) for sp in lk.by_label.get("QUANTITY", [])}
    trig_spans, _ = resolve_triggers(rec)
    typed: dict[Spot, str] = {}
    for n, (ev, ts) in enumerate(zip(rec.events, trig_spans), 1):
        w = f"{_where(rec)} event {n}"
        if not ts:
            lk.out.problems.append(f"{w}: no trigger, so the event cannot be annotated in Label Studio")
            continue
        for t in ts:
            typed[t] = ev["type"]
        if ev.get("date") is not None:
            lk.out.fields.append((ts[0], DATE_FIELD, ev["date"]))
        for m in ts[1:]:
            lk.out.relations.append((m, ts[0], "same_as"))
        _link_actors(lk, w, ev["actors"], ts)
        _link_places(lk, w, ev["places"], ts)
        used_here: set[Spot] = set()
        for q in ev["quantities"]:
            _link_quantity(lk, w, n, q, ts, used_here)
    lk.out.triggers = [(s, e, typed[(s, e)]) for s, e in rec.triggers if (s, e) in typed]
    return lk.out


def _link_actors(lk: _Linking, w: str, actors: list[str], ts: list[Spot]) -> None:
    """Relate the event to the nearest ACTOR span with each actor's text."""
    for a in actors:
        got = lk.nearest(lk.with_text("ACTOR", a), ts)
        if got is None:
            lk.out.problems.append(f"{w}: actor {a!r} is not the text of an A span")
            continue
        lk.out.relations.append((got[1], got[0], "actor"))


def _link_places(lk: _Linking, w: str, places: list[dict[str, Any]], ts: list[Spot]) -> None:
    """Relate the event to the nearest PLACE span of each place that can take its admin parent, and that parent."""
    for p in places:
        name, admin = p["name"], p["admin"]
        admins = lk.with_text("PLACE", admin) if admin is not None else []
        if admin is not None and not admins:
            lk.out.problems.append(f"{w}: admin {admin!r} of {name!r} is not the text of a P span (an admin parent is a PLACE region)")
            continue
        options = []
        for c in lk.with_text("PLACE", name):
            parent = lk.closest((x for x in admins if x != c), c)
            if admin is not None and parent is None:
                continue
            if c in lk.admin_of and lk.admin_of[c] != parent:
                continue  # another event gave this place span another parent
            options.append((min(lk.distance(c, t) for t in ts), c, parent))
        if not options:
            lk.out.problems.append(f"{w}: no P span {name!r} can take admin {admin!r} (another event gives it another parent)")
            continue
        _, c, parent = min(options)
        got = lk.nearest([c], ts)
        lk.out.relations.append((got[1], c, "place"))
        if c not in lk.admin_of:
            lk.admin_of[c] = parent
            if parent is not None:
                lk.out.relations.append((c, parent, "admin"))


def _link_quantity(lk: _Linking, w: str, n: int, q: dict[str, Any], ts: list[Spot], used_here: set[Spot]) -> None:
    """Relate event ``n`` to the nearest free QUANTITY span reading as the value, with its fields, unit and upper end."""
    free = [sp for sp, r in lk.reads.items() if q["value"] in r and lk.owner.get(sp, n) == n and sp not in used_here]
    got = lk.nearest(free, ts)
    if got is None:
        lk.out.problems.append(f"{w}: no free Q span reads as {q['value']} (a quantity belongs to one event)")
        return
    qs, t = got
    lk.owner[qs] = n
    used_here.add(qs)
    lk.out.relations.append((t, qs, "quantity"))
    lk.out.fields.append((qs, VALUE_FIELD, q["value"]))
    if q.get("approx") is not None:
        lk.out.fields.append((qs, APPROX_FIELD, q["approx"]))
    if q["unit"] is not None:
        u = lk.closest(lk.with_text("UNIT", q["unit"]), qs)
        if u is None:
            lk.out.problems.append(f"{w}: unit {q['unit']!r} is not the text of a U span")
            return
        lk.out.relations.append((qs, u, "unit"))
    if "upper" in q:
        ups = [sp for sp, r in lk.reads.items() if q["upper"] in r and sp != qs and lk.owner.get(sp, n) == n and sp not in used_here]
        up = lk.closest(ups, qs)
        if up is None:
            lk.out.problems.append(f"{w}: no free Q span reads as the upper end {q['upper']}")
            return
        lk.owner[up] = n
        used_here.add(up)
        lk.out.relations.append((qs, up, "upper"))
        lk.out.fields.append((up, VALUE_FIELD, q["upper"]))


def corpus_checks(records: list[Record]) -> list[str]:
    problems = []
    seen_ids: dict[str, str] = {}
    seen_text: dict[str, str] = {}
    for r in records:
        if r.report_id in seen_ids:
            problems.append(f"duplicate report id {r.report_id} ({seen_ids[r.report_id]}, {r.source})")
        seen_ids[r.report_id] = r.source
        key = " ".join(r.text.lower().split())
        if key in seen_text:
            problems.append(f"duplicate text: {r.report_id} and {seen_text[key]}")
        seen_text[key] = r.report_id
    return problems


def task_id(report_id: str) -> int:
    return 1_000_000 + zlib.crc32(report_id.encode()) % 9_000_000


def region_id(report_id: str, start: int, end: int) -> str:
    return hashlib.sha1(f"{report_id}:{start}:{end}".encode()).hexdigest()[:10]


def structures(meta: dict[str, str]) -> list[str]:
    """The report structures a record's header declares (annotations/structures.yaml)."""
    return [x.strip() for x in meta.get("structures", "").split(",") if x.strip()]


def to_export(rec: Record, linked: Linked | None = None) -> dict:
    """One task as Label Studio's JSON export writes it (one submitted annotation): entity and
    trigger regions, per-region fields (event_date, value, approx) and relations."""
    tid = task_id(rec.report_id)
    linked = linked if linked is not None else link_events(rec)
    ref = dt.datetime.fromisoformat(rec.meta["reference_date"]).replace(tzinfo=dt.timezone.utc)
    created = (ref + dt.timedelta(days=30)).isoformat().replace("+00:00", "Z")
    updated = (ref + dt.timedelta(days=30, minutes=7)).isoformat().replace("+00:00", "Z")
    regions, result = _export_result(rec, linked)
    return {
        "id": tid,
        "data": _export_data(rec),
        "annotations": [_export_annotation(rec, tid, result, len(regions), created, updated)],
        "drafts": [],
        "predictions": [],
        "meta": {},
        "created_at": created,
        "updated_at": updated,
        "inner_id": None,
        "total_annotations": 1,
        "cancelled_annotations": 0,
        "total_predictions": 0,
        "comment_count": 0,
        "unresolved_comment_count": 0,
        "last_comment_updated_at": None,
        "project": 1,
        "updated_by": 1,
        "comment_authors": [],
    }


def _export_result(rec: Record, linked: Linked) -> tuple[list[dict], list[dict]]:
    """The regions (entities and triggers, in text order) and the whole result: regions, fields, relations."""

    def rid(span: tuple[int, int]) -> str:
        return region_id(rec.report_id, span[0], span[1])

    regions = sorted([region_result(rid((s, e)), FROM_NAME, rec.text, s, e, lab, origin="manual") for s, e, lab in rec.spans] +
                     [region_result(rid((s, e)), TRIGGER_NAME, rec.text, s, e, typ, origin="manual") for s, e, typ in linked.triggers],
                     key=lambda r: r["value"]["start"])
    fields = [field_result(rid(span), span, name, val, origin="manual") for span, name, val in linked.fields]
    relations = [relation_result(rid(a), rid(b), lab) for a, b, lab in linked.relations]
    return regions, regions + fields + relations


def _export_data(rec: Record) -> dict:
    """The task's data: the text and the report's header fields."""
    return {
        "text": rec.text,
        "report_id": rec.report_id,
        "style": rec.meta["style"],
        "country": rec.meta["country"],
        "reference_date": rec.meta["reference_date"],
        "structures": structures(rec.meta),
    }


def _export_annotation(rec: Record, tid: int, result: list[dict], n_regions: int, created: str, updated: str) -> dict:
    """The one submitted annotation of a task, with the bookkeeping fields Label Studio exports."""
    return {
        "id": tid,
        "completed_by": 1,
        "result": result,
        "was_cancelled": False,
        "ground_truth": False,
        "created_at": created,
        "updated_at": updated,
        "draft_created_at": None,
        "lead_time": 60.0 + n_regions * 4.5,
        "prediction": {},
        "result_count": len(result),
        "unique_id": hashlib.sha1(f"ann:{rec.report_id}".encode()).hexdigest()[:32],
        "import_id": None,
        "last_action": None,
        "bulk_created": False,
        "task": tid,
        "project": 1,
        "updated_by": 1,
        "parent_prediction": None,
        "parent_annotation": None,
        "last_created_by": None,
    }


def load_sources(paths: list[Path]) -> tuple[list[Record], list[str]]:
    codes, types = short_codes(), _event_types()
    records: list[Record] = []
    problems: list[str] = []
    for p in paths:
        try:
            records.extend(parse_file(p, codes))
        except SourceError as exc:
            problems.append(str(exc))
    known = set(read_yaml(ROOT / "annotations" / "structures.yaml"))
    classifiers = (read_yaml(ROOT / "annotations" / "conventions.yaml") or {}).get("unit_classifiers", [])
    for r in records:
        problems.extend(check_record(r, types))
        problems.extend(unit_gaps(r, classifiers))
        problems.extend(resolve_triggers(r)[1])
        for x in structures(r.meta):
            if x not in known:
                problems.append(f"{_where(r)}: unknown structure {x!r} (annotations/structures.yaml)")
    problems.extend(corpus_checks(records))
    return records, problems


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("files", nargs="*", type=Path, help="source files (default: annotations/source/*.txt)")
    ap.add_argument("--check", action="store_true", help="only check, write nothing")
    ap.add_argument("--out", type=Path, default=ROOT / "annotations", help="output folder")
    args = ap.parse_args(argv)
    paths = args.files or sorted((ROOT / "annotations" / "source").glob("*.txt"))
    records, problems = load_sources(paths)
    for p in problems:
        print("ERROR", p, file=sys.stderr)
    by_split = {s: [r for r in records if r.meta["split"] == s] for s in SPLITS}
    n_events = sum(len(r.events) for r in records)
    print(
        f"{len(records)} reports ({', '.join(f'{s} {len(v)}' for s, v in by_split.items())}), "
        f"{sum(len(r.spans) for r in records)} spans, {n_events} events, {len(problems)} problems"
    )
    if problems:
        return 1
    ids = [task_id(r.report_id) for r in records]
    if len(set(ids)) != len(ids):
        print("ERROR task id collision; rename a report", file=sys.stderr)
        return 1
    exports, gold, problems = build(records)
    for p in problems:
        print("ERROR", p, file=sys.stderr)
    n_rel = sum(1 for ts in exports.values() for t in ts for r in t["annotations"][0]["result"] if r["type"] == "relation")
    print(f"{n_rel} relations; gold derived from the exports: {len(problems)} problems")
    if problems:
        return 1
    if args.check:
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    # one task per line: a JSON list as Label Studio exports it, compact enough to keep in git, diffable per report
    files = {f"{split}.json": "[\n" + ",\n".join(json.dumps(t, ensure_ascii=False) for t in tasks) + "\n]\n" for split, tasks in exports.items()}
    files["gold_events.jsonl"] = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in gold)
    changed = [name for name, body in files.items() if write_if_changed(args.out / name, body)]
    print(f"wrote {', '.join(changed) or 'nothing'} in {args.out}/ ({len(files) - len(changed)} of {len(files)} files unchanged, left as they were)")
    return 0


def write_if_changed(path: Path, body: str) -> bool:
    """Write ``body`` to ``path`` unless the file already holds it; True when written. An unchanged export
    keeps its time, so make does not retrain a model on the same data after a change to the build code."""
    if path.is_file() and path.read_text(encoding="utf-8") == body:
        return False
    path.write_text(body, encoding="utf-8")
    return True


def source_events(rec: Record) -> list[dict]:
    """The event lines of a record in the gold record shape (type, date, actors, places, quantities)."""
    return [{k: ev[k] for k in ("type", "date", "actors", "places", "quantities")} for ev in rec.events]


def build(records: list[Record], root: Path = ROOT) -> tuple[dict[str, list[dict]], list[dict], list[str]]:
    """Exports per split, the gold rows derived FROM those exports, and the problems found.

    Every task is read back with the strict importer and its events derived from the annotation
    alone; a report whose derived events differ from its event lines is a problem.
    """
    labels = LabelSet.from_yaml(root / "configs" / "labels.yaml")
    types = _event_types(root)
    problems: list[str] = []
    exports: dict[str, list[dict]] = {s: [] for s in SPLITS}
    gold: list[dict] = []
    for rec in sorted(records, key=lambda r: r.report_id):
        linked = link_events(rec)
        problems += linked.problems
        task = to_export(rec, linked)
        exports[rec.meta["split"]].append(task)
        where = _where(rec)
        try:
            docs, _ = read_tasks([task], labels, file=f"{rec.meta['split']}.json", event_types=types)
            derived = gold_records(docs[0])
        except AnnotationError as exc:
            problems.append(f"{where}: the export does not import: {exc}")
            continue
        want = source_events(rec)
        if derived != want:
            problems.append(f"{where}: events derived from the export differ from the event lines:\n    derived {derived}\n    source  {want}")
        gold.append({"report_id": rec.report_id, "task_id": task["id"], "split": rec.meta["split"],
                     "reference_date": rec.meta["reference_date"], "events": derived})
    return exports, gold, problems


if __name__ == "__main__":
    sys.exit(main())
