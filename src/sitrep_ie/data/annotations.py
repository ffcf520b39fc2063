"""Read Label Studio JSON exports into documents with character spans, triggers and relations.

Which annotation of a task is used (the documented rule):
  1. a non-cancelled annotation marked ``ground_truth``; if several, the most recently updated;
  2. else the most recently updated non-cancelled annotation (``updated_at``, then ``id``);
  3. drafts and predictions are never training data; a task with only cancelled annotations,
     drafts or predictions is skipped and counted.

Every region is checked (offsets, label, text) and trimmed of edge whitespace. Entity regions
(control ``label``) become :attr:`Document.spans`, exactly what training reads; trigger regions
(control ``trigger``, one label per ontology type) become :attr:`Document.triggers`; relations
and per-region fields (``event_date`` on triggers, ``value`` and ``approx`` on quantities) become
:attr:`Document.relations` and :attr:`Document.values`, keyed by region id. Relations are checked
against :data:`~sitrep_ie.data.labels.RELATIONS` and the events they form against the SPEC (a
quantity belongs to one event, admin parents form no cycle, ...). A problem raises a coded
:class:`~sitrep_ie.errors.AnnotationError` naming the file, task and offsets or region id, or,
with ``lenient=True``, skips that task and counts it under its error code. Nothing is dropped
silently: :class:`ImportReport` counts what was read, used and skipped, and why.

The document types live in :mod:`.document`; the gold event records the relations form, and the checks of
that structure run here on every task, in :mod:`.gold`.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Collection, Iterable

from ..errors import (
    AnnotationError,
    AnnotationStructureError,
    BadEventDateError,
    BadOffsetsError,
    DuplicateTaskError,
    MalformedExportError,
    MissingRegionError,
    MissingTextError,
    OverlapError,
    RegionValueError,
    RelationLabelError,
    SpanOutOfRangeError,
    SpanTextMismatchError,
    UnknownEventTypeError,
    UnknownLabelError,
)
from ..schema import trim_span
from .document import Document, Relation, Span, Trigger, describe
from .gold import event_structure
from .labels import APPROX_FIELD, DATE_FIELD, RELATIONS, TRIGGER, TRIGGER_NAME, VALUE_FIELD, LabelSet
from .numbers import whole


@dataclass
class ImportReport:
    """What an import read, used and skipped (and why)."""

    files: list[str] = field(default_factory=list)
    tasks_read: int = 0
    tasks_used: int = 0
    skipped: Counter = field(default_factory=Counter)
    regions_used: int = 0
    regions_trimmed: int = 0
    regions_deduplicated: int = 0
    regions_utf16_fixed: int = 0
    triggers_used: int = 0
    relations_used: int = 0
    relations_deduplicated: int = 0
    region_values_used: int = 0
    results_not_labels: int = 0
    drafts_ignored: int = 0
    predictions_ignored: int = 0
    problems: list[str] = field(default_factory=list)

    _COUNTS = ("tasks_read", "tasks_used", "regions_used", "regions_trimmed", "regions_deduplicated", "regions_utf16_fixed",
               "triggers_used", "relations_used", "relations_deduplicated", "region_values_used", "results_not_labels",
               "drafts_ignored", "predictions_ignored")

    def merge(self, other: ImportReport) -> None:
        self.files += other.files
        for name in self._COUNTS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.skipped.update(other.skipped)
        self.problems += other.problems

    def summary(self) -> str:
        skipped = sum(self.skipped.values())
        lines = [f"tasks read {self.tasks_read}, used {self.tasks_used}, skipped {skipped}"]
        for reason, n in sorted(self.skipped.items()):
            lines.append(f"  skipped {n}: {reason}")
        lines.append(
            f"regions used {self.regions_used} (trimmed {self.regions_trimmed}, duplicates merged "
            f"{self.regions_deduplicated}, UTF-16 offsets converted {self.regions_utf16_fixed}); "
            f"triggers {self.triggers_used}, relations {self.relations_used} (duplicates merged "
            f"{self.relations_deduplicated}), per-region values {self.region_values_used}; "
            f"other results ignored {self.results_not_labels}; drafts ignored {self.drafts_ignored}; "
            f"predictions ignored {self.predictions_ignored}"
        )
        lines += [f"  problem: {p}" for p in self.problems[:20]]
        if len(self.problems) > 20:
            lines.append(f"  ... {len(self.problems) - 20} more problems")
        return "\n".join(lines)


def _timestamp(ann: dict[str, Any]) -> tuple[str, str]:
    return (str(ann.get("updated_at") or ann.get("created_at") or ""), str(ann.get("id") or ""))


def select_annotation(task: dict[str, Any]) -> dict[str, Any] | None:
    """Pick the annotation of a task that is used, by the rule in the module docstring."""
    anns = task.get("annotations") or []
    if not isinstance(anns, list):
        raise AnnotationStructureError("'annotations' is not a list", task_id=task.get("id"))
    live = [a for a in anns if isinstance(a, dict) and not a.get("was_cancelled", False)]
    if not live:
        return None
    truth = [a for a in live if a.get("ground_truth")]
    return max(truth or live, key=_timestamp)


def _utf16_to_py(text: str, offset: int) -> int:
    """Label Studio's front end counts offsets in UTF-16 code units (JavaScript strings)."""
    units = 0
    for i, ch in enumerate(text):
        if units >= offset:
            return i
        units += 2 if ord(ch) > 0xFFFF else 1
    return len(text)


def _checked_span(text: str, region: dict[str, Any], task_id: Any, file: str | None,
                  report: ImportReport) -> tuple[int, int, str]:
    """Offsets (trimmed, UTF-16 fixed) and the one label of a span region."""
    value = region.get("value")
    rid = region.get("id")
    if not isinstance(value, dict):
        raise AnnotationStructureError(f"region {rid!r} has no 'value' object", file=file, task_id=task_id)
    start, end = value.get("start"), value.get("end")
    if not isinstance(start, int) or not isinstance(end, int) or isinstance(start, bool) or isinstance(end, bool):
        raise BadOffsetsError(f"region {rid!r} has missing or non-integer offsets start={start!r} end={end!r}", file=file, task_id=task_id)
    if start >= end:
        raise BadOffsetsError(f"region {rid!r} has swapped or empty offsets start={start} end={end}", file=file, task_id=task_id)
    if start < 0 or end > len(text):
        raise SpanOutOfRangeError(f"region {rid!r} [{start}:{end}] lies outside the text of length {len(text)}", file=file, task_id=task_id)
    labs = value.get("labels")
    if not isinstance(labs, list) or len(labs) != 1:
        raise AnnotationStructureError(f"region {rid!r} [{start}:{end}] must carry exactly one label, has {labs!r}", file=file, task_id=task_id)
    claimed = value.get("text")
    if claimed is not None and text[start:end] != claimed:
        s16, e16 = _utf16_to_py(text, start), _utf16_to_py(text, end)
        if text[s16:e16] == claimed:
            start, end = s16, e16
            report.regions_utf16_fixed += 1
        else:
            raise SpanTextMismatchError(
                f"region {rid!r} [{start}:{end}] says {claimed!r} but the text there is {text[start:end]!r} (text edited after annotating?)",
                file=file, task_id=task_id,
            )
    s, e = trim_span(text, start, end)
    if s == e:
        raise AnnotationStructureError(f"region {rid!r} [{start}:{end}] holds only whitespace", file=file, task_id=task_id)
    if (s, e) != (start, end):
        report.regions_trimmed += 1
    return s, e, labs[0]


@dataclass
class _Parsed:
    spans: list[Span]
    triggers: list[Trigger]
    relations: list[Relation]
    regions: dict[str, Span | Trigger]
    values: dict[str, dict[str, Any]]


def parse_regions(text: str, results: Iterable[Any], labels: LabelSet, task_id: Any, file: str | None,
                  report: ImportReport) -> list[Span]:
    """Validate, trim and sort the entity span regions of one annotation."""
    return parse_annotation(text, results, labels, task_id, file, report).spans


def _field_text(value: dict[str, Any]) -> list[str]:
    t = value.get("text")
    if isinstance(t, str):
        t = [t]
    if not isinstance(t, list) or not all(isinstance(x, str) for x in t):
        return None  # type: ignore[return-value]
    return [x.strip() for x in t if x.strip()]


ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass
class _Results:
    """One annotation's results sorted by kind, before the checks across regions."""

    spans: list[Span] = field(default_factory=list)
    triggers: list[Trigger] = field(default_factory=list)
    by_id: dict[str, Span | Trigger] = field(default_factory=dict)
    relations: list[dict[str, Any]] = field(default_factory=list)
    fields: list[dict[str, Any]] = field(default_factory=list)


def parse_annotation(text: str, results: Iterable[Any], labels: LabelSet, task_id: Any, file: str | None,
                     report: ImportReport, event_types: Collection[str] | None = None) -> _Parsed:
    """Entity spans, triggers, relations and per-region fields of one annotation, each checked.

    ``event_types``: the ontology's types a trigger may carry (None: not checked).
    """
    got = _collect_results(text, results, labels, task_id, file, report, event_types)
    spans = _unique_spans(got.spans, text, task_id, file, report)
    triggers = _unique_triggers(got.triggers, got.by_id, report)
    _check_no_overlap(spans, triggers, text, task_id, file)
    relations = _parse_relations(got.relations, got.by_id, task_id, file, report)
    values = _parse_fields(got.fields, got.by_id, text, task_id, file, report)
    # one id per region: duplicates merged above are known by the first id seen
    canon: dict[Span | Trigger, str] = {}
    for key, reg in got.by_id.items():
        canon.setdefault(reg, reg.id if isinstance(reg, Trigger) else key)
    regions = {cid: reg for reg, cid in canon.items()}
    rels = _canonical_relations(relations, canon, got.by_id, report)
    merged = _canonical_values(values, canon, got.by_id, task_id, file)
    return _Parsed(spans, triggers, rels, regions, merged)


def _collect_results(text: str, results: Iterable[Any], labels: LabelSet, task_id: Any, file: str | None,
                     report: ImportReport, event_types: Collection[str] | None) -> _Results:
    """Sort the results into regions, relations and per-region fields, checking each region in order."""
    known = set(labels.names)
    got = _Results()
    for region in results:
        if not isinstance(region, dict):
            raise AnnotationStructureError(f"region {region!r} is not an object", file=file, task_id=task_id)
        kind = region.get("type")
        if kind == "relation":
            got.relations.append(region)
            continue
        if region.get("from_name") in (DATE_FIELD, VALUE_FIELD, APPROX_FIELD):
            got.fields.append(region)
            continue
        if kind != "labels":
            report.results_not_labels += 1
            continue
        reg = _labelled_region(text, region, labels, known, task_id, file, report, event_types)
        if isinstance(reg, Trigger):
            got.triggers.append(reg)
        else:
            got.spans.append(reg)
        rid = region.get("id")
        if rid is not None:
            key = str(rid)
            if key in got.by_id and got.by_id[key] != reg:
                raise AnnotationStructureError(f"two different regions share the id {key!r}", file=file, task_id=task_id, region=key)
            got.by_id[key] = reg
    return got


def _labelled_region(text: str, region: dict[str, Any], labels: LabelSet, known: set[str], task_id: Any,
                     file: str | None, report: ImportReport, event_types: Collection[str] | None) -> Span | Trigger:
    """A checked labels region as a Trigger (control ``trigger``, typed) or an entity Span (known label)."""
    s, e, label = _checked_span(text, region, task_id, file, report)
    rid = region.get("id")
    if region.get("from_name") == TRIGGER_NAME:
        if event_types is not None and label not in event_types:
            raise UnknownEventTypeError(
                f"trigger {text[s:e]!r} [{s}:{e}] has event type {label!r}, which configs/ontology.yaml lacks "
                f"(types: {', '.join(sorted(event_types))})", file=file, task_id=task_id, region=rid)
        return Trigger(s, e, label, str(rid))
    if label not in known:
        raise UnknownLabelError(f"unknown label {label!r} at [{s}:{e}] (known: {', '.join(labels.names)})", file=file, task_id=task_id)
    return Span(s, e, label)


def _unique_spans(spans: list[Span], text: str, task_id: Any, file: str | None, report: ImportReport) -> list[Span]:
    """The entity spans sorted, exact duplicates merged (counted); overlapping ones raise E007."""
    unique: list[Span] = []
    for sp in sorted(spans):
        if unique and unique[-1] == sp:
            report.regions_deduplicated += 1
            continue
        if unique and sp.start < unique[-1].end:
            prev = unique[-1]
            raise OverlapError(
                f"spans overlap: {prev.label} [{prev.start}:{prev.end}] {text[prev.start:prev.end]!r} and "
                f"{sp.label} [{sp.start}:{sp.end}] {text[sp.start:sp.end]!r}",
                file=file, task_id=task_id,
            )
        unique.append(sp)
    return unique


def _unique_triggers(triggers: list[Trigger], by_id: dict[str, Span | Trigger], report: ImportReport) -> list[Trigger]:
    """The triggers sorted; duplicates (same offsets and type) collapse into the first, and ``by_id`` points to it."""
    first_at: dict[tuple[int, int, str], Trigger] = {}
    kept: list[Trigger] = []
    for t in sorted(triggers):
        k = (t.start, t.end, t.type)
        if k in first_at:
            report.regions_deduplicated += 1
            continue
        first_at[k] = t
        kept.append(t)
    for key, reg in list(by_id.items()):
        if isinstance(reg, Trigger):
            by_id[key] = first_at[(reg.start, reg.end, reg.type)]
    return kept


def _check_no_overlap(spans: list[Span], triggers: list[Trigger], text: str, task_id: Any, file: str | None) -> None:
    """No trigger overlaps an entity span or another trigger (E007)."""
    occupied = sorted([(sp.start, sp.end, sp.label) for sp in spans] + [(t.start, t.end, f"trigger {t.type}") for t in triggers])
    for a, b in zip(occupied, occupied[1:]):
        if b[0] < a[1]:
            raise OverlapError(
                f"spans overlap: {a[2]} [{a[0]}:{a[1]}] {text[a[0]:a[1]]!r} and {b[2]} [{b[0]}:{b[1]}] {text[b[0]:b[1]]!r}",
                file=file, task_id=task_id)


def _canonical_relations(relations: list[Relation], canon: dict[Span | Trigger, str], by_id: dict[str, Span | Trigger],
                         report: ImportReport) -> list[Relation]:
    """The relations between canonical region ids; those that became equal are merged (counted)."""
    rels: list[Relation] = []
    for r in relations:
        c = Relation(canon[by_id[r.from_id]], canon[by_id[r.to_id]], r.label)
        if c in rels:
            report.relations_deduplicated += 1
        else:
            rels.append(c)
    return rels


def _canonical_values(values: dict[str, dict[str, Any]], canon: dict[Span | Trigger, str], by_id: dict[str, Span | Trigger],
                      task_id: Any, file: str | None) -> dict[str, dict[str, Any]]:
    """The per-region fields by canonical region id; merged regions must not disagree (E017)."""
    merged: dict[str, dict[str, Any]] = {}
    for key, fv in values.items():
        slot = merged.setdefault(canon[by_id[key]], {})
        for name, v in fv.items():
            _set_value(slot, name, v, task_id, file, key)
    return merged


def _set_value(slot: dict[str, Any], name: str, value: Any, task_id: Any, file: str | None, region: str) -> None:
    """Record one per-region field; a second, different value for it raises RegionValueError."""
    if name in slot and slot[name] != value:
        raise RegionValueError(f"region has two different {name} values {slot[name]!r} and {value!r}", file=file, task_id=task_id, region=region)
    slot[name] = value


def _kind(reg: Span | Trigger) -> str:
    return TRIGGER if isinstance(reg, Trigger) else reg.label




def _parse_relations(raw: list[dict[str, Any]], by_id: dict[str, Span | Trigger], task_id: Any, file: str | None,
                     report: ImportReport) -> list[Relation]:
    """The relations, each between existing regions of the kinds its label joins (E011, E012), duplicates merged."""
    out: list[Relation] = []
    seen: set[Relation] = set()
    for r in raw:
        a, b = r.get("from_id"), r.get("to_id")
        for end in (a, b):
            if end is None or str(end) not in by_id:
                raise MissingRegionError(f"relation {a!r} -> {b!r} {r.get('labels')!r} names region {end!r}, which the annotation lacks",
                                         file=file, task_id=task_id, region=end)
        a, b = str(a), str(b)
        labs = r.get("labels")
        if not isinstance(labs, list) or len(labs) != 1:
            raise RelationLabelError(f"relation {a!r} -> {b!r} must carry exactly one label (one of {', '.join(RELATIONS)}), has {labs!r}",
                                     file=file, task_id=task_id, region=a)
        label = labs[0]
        if label not in RELATIONS:
            raise RelationLabelError(f"unknown relation label {label!r} on {a!r} -> {b!r} (known: {', '.join(RELATIONS)})",
                                     file=file, task_id=task_id, region=a)
        want = RELATIONS[label]
        direction = r.get("direction", "right")
        pairs = {"right": [(a, b)], "left": [(b, a)], "bi": [(a, b), (b, a)]}.get(direction)
        if pairs is None:
            raise AnnotationStructureError(f"relation {a!r} -> {b!r} has direction {direction!r} (right, left or bi)",
                                           file=file, task_id=task_id, region=a)
        fits = [(x, y) for x, y in pairs if x != y and (_kind(by_id[x]), _kind(by_id[y])) == want]
        if len(fits) != 1:
            x, y = pairs[0]
            want_txt = " -> ".join("a trigger" if k == TRIGGER else f"a {k}" for k in want)
            raise RelationLabelError(
                f"a {label!r} relation goes from {want_txt}, not from {_kind_text(by_id[x])} "
                f"(region {x!r}) to {_kind_text(by_id[y])} (region {y!r})" + (" (undirected and ambiguous)" if len(fits) > 1 else ""),
                file=file, task_id=task_id, region=x)
        rel = Relation(fits[0][0], fits[0][1], label)
        if rel in seen:
            report.relations_deduplicated += 1
            continue
        seen.add(rel)
        out.append(rel)
    return out


def _kind_text(reg: Span | Trigger) -> str:
    return f"a trigger ({reg.type})" if isinstance(reg, Trigger) else f"a {reg.label}"


def _parse_fields(fields: list[dict[str, Any]], by_id: dict[str, Span | Trigger], text: str, task_id: Any,
                  file: str | None, report: ImportReport) -> dict[str, dict[str, Any]]:
    """The per-region fields by region id, each checked against the region it sits on."""
    values: dict[str, dict[str, Any]] = {}
    for f in fields:
        name, rid = f.get("from_name"), f.get("id")
        if rid is None or str(rid) not in by_id:
            raise MissingRegionError(f"per-region field {name!r} belongs to region {rid!r}, which the annotation lacks",
                                     file=file, task_id=task_id, region=rid)
        rid = str(rid)
        reg = by_id[rid]
        value = f.get("value")
        if not isinstance(value, dict):
            raise AnnotationStructureError(f"per-region field {name!r} has no 'value' object", file=file, task_id=task_id, region=rid)
        if name == DATE_FIELD:
            got = _date_field(value, reg, text, task_id, file, rid)
        else:
            got = _quantity_field(name, value, reg, text, task_id, file, rid)
        _set_value(values.setdefault(rid, {}), name, got, task_id, file, rid)
        report.region_values_used += 1
    return values


def _date_field(value: dict[str, Any], reg: Span | Trigger, text: str, task_id: Any, file: str | None, rid: str) -> str | None:
    """The ``event_date`` of a trigger: one ISO date YYYY-MM-DD, or None when empty (E016, E017)."""
    if not isinstance(reg, Trigger):
        raise RegionValueError(f"event_date is on {describe(reg, text)}; it belongs on a trigger", file=file, task_id=task_id, region=rid)
    texts = _field_text(value)
    if texts is None or len(set(texts)) > 1:
        raise BadEventDateError(f"event_date of trigger {text[reg.start:reg.end]!r} must be one ISO date or empty, is {value.get('text')!r}",
                                file=file, task_id=task_id, region=rid)
    got = texts[0] if texts else None
    if got is not None:
        try:
            ok = bool(ISO_DATE.fullmatch(got)) and dt.date.fromisoformat(got) is not None
        except ValueError:
            ok = False
        if not ok:
            raise BadEventDateError(f"event_date {got!r} of trigger {text[reg.start:reg.end]!r} is not a date YYYY-MM-DD",
                                    file=file, task_id=task_id, region=rid)
    return got


def _quantity_field(name: Any, value: dict[str, Any], reg: Span | Trigger, text: str, task_id: Any, file: str | None,
                    rid: str) -> Any:
    """The ``value`` (a finite number) or ``approx`` (one text or None) of a QUANTITY region (E017)."""
    if isinstance(reg, Trigger) or reg.label != RELATIONS["quantity"][1]:
        raise RegionValueError(f"{name} is on {describe(reg, text)}; it belongs on a {RELATIONS['quantity'][1]}",
                               file=file, task_id=task_id, region=rid)
    if name == VALUE_FIELD:
        got = value.get("number")
        if not isinstance(got, (int, float)) or isinstance(got, bool) or not math.isfinite(got):
            raise RegionValueError(f"value of {describe(reg, text)} must be a finite JSON number, is {got!r}",
                                   file=file, task_id=task_id, region=rid)
        return whole(got)
    texts = _field_text(value)
    if texts is None or len(set(texts)) > 1:
        raise RegionValueError(f"approx of {describe(reg, text)} must be one text or empty, is {value.get('text')!r}",
                               file=file, task_id=task_id, region=rid)
    return texts[0] if texts else None




def parse_task(task: Any, labels: LabelSet, file: str | None, report: ImportReport,
               event_types: Collection[str] | None = None) -> Document | None:
    """One exported task -> Document, or None when it has no usable annotation (counted)."""
    if not isinstance(task, dict):
        raise AnnotationStructureError(f"task is a {type(task).__name__}, not an object", file=file)
    tid = task.get("id")
    data = task.get("data")
    if not isinstance(data, dict) or not isinstance(data.get("text"), str):
        raise MissingTextError("task has no data.text string", file=file, task_id=tid)
    report.drafts_ignored += len(task.get("drafts") or [])
    report.predictions_ignored += len(task.get("predictions") or [])
    ann = select_annotation(task)
    if ann is None:
        anns = task.get("annotations") or []
        report.skipped["only cancelled annotations" if anns else "no submitted annotation (drafts/predictions only or unlabeled)"] += 1
        return None
    results = ann.get("result")
    if not isinstance(results, list):
        raise AnnotationStructureError(f"annotation {ann.get('id')!r} has no 'result' list", file=file, task_id=tid)
    text = data["text"]
    got = parse_annotation(text, results, labels, tid, file, report, event_types)
    meta = {k: v for k, v in data.items() if k != "text"}
    doc = Document(tid, text, got.spans, meta, ann.get("id"), got.triggers, got.relations, got.regions, got.values)
    event_structure(doc, file)  # the relations form events (E014, E015, E017, E018, E019)
    return doc


def load_tasks(path: str | Path) -> list[Any]:
    """The raw task list of an export file (E001 when the file is not a JSON list)."""
    path = Path(path)
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise MalformedExportError(f"cannot read export: {exc.strerror}", file=str(path)) from None
    except UnicodeDecodeError as exc:
        raise MalformedExportError(f"export is not UTF-8 ({exc.reason} at byte {exc.start})", file=str(path)) from None
    try:
        tasks = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise MalformedExportError(f"invalid or truncated JSON at line {exc.lineno} column {exc.colno}: {exc.msg}", file=str(path)) from None
    if isinstance(tasks, dict):
        tasks = [tasks]
    if not isinstance(tasks, list):
        raise MalformedExportError(f"expected a list of tasks, got {type(tasks).__name__}", file=str(path))
    return tasks


def read_tasks(tasks: list[Any], labels: LabelSet, *, file: str | None = None, lenient: bool = False,
               seen: set[Any] | None = None, event_types: Collection[str] | None = None) -> tuple[list[Document], ImportReport]:
    """Parse already-loaded tasks (an export list); ``event_types``: the types a trigger may carry (None: any)."""
    report = ImportReport(files=[file] if file else [])
    seen = set() if seen is None else seen
    docs: list[Document] = []
    for task in tasks:
        report.tasks_read += 1
        try:
            tid = task.get("id") if isinstance(task, dict) else None
            if tid is not None and tid in seen:
                raise DuplicateTaskError(f"task id {tid!r} occurs more than once", file=file, task_id=tid)
            doc = parse_task(task, labels, file, report, event_types)
            if tid is not None:
                seen.add(tid)
        except AnnotationError as exc:
            if not lenient:
                raise
            report.skipped[f"{exc.code} {type(exc).__name__}"] += 1
            report.problems.append(str(exc))
            continue
        if doc is not None:
            docs.append(doc)
            report.tasks_used += 1
            report.regions_used += len(doc.spans)
            report.triggers_used += len(doc.triggers)
            report.relations_used += len(doc.relations)
    return docs, report


def read_export(paths: str | Path | Iterable[str | Path], labels: LabelSet, *, lenient: bool = False,
                event_types: Collection[str] | None = None) -> tuple[list[Document], ImportReport]:
    """Read one or more Label Studio JSON exports.

    Args:
        paths: export file(s).
        labels: the label set regions must use.
        lenient: skip and count rejected tasks instead of raising.
        event_types: the ontology's types (:func:`~sitrep_ie.data.labels.read_event_types`) a trigger
            may carry; None accepts any (training reads only the entity spans).

    Returns:
        The documents and an :class:`ImportReport`.

    Example:
        >>> docs, report = read_export("annotations/train.json", LabelSet.from_yaml("configs/labels.yaml"))  # doctest: +SKIP
        >>> print(report.summary())  # doctest: +SKIP
    """
    if isinstance(paths, (str, Path)):
        paths = [paths]
    total = ImportReport()
    docs: list[Document] = []
    seen: set[Any] = set()
    for p in paths:
        try:
            tasks = load_tasks(p)
        except MalformedExportError as exc:
            if not lenient:
                raise
            total.files.append(str(p))
            total.skipped[f"{exc.code} {type(exc).__name__}"] += 1  # the whole file
            total.problems.append(str(exc))
            continue
        d, r = read_tasks(tasks, labels, file=str(p), lenient=lenient, seen=seen, event_types=event_types)
        docs += d
        total.merge(r)
    return docs, total
