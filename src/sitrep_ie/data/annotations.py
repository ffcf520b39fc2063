"""Read Label Studio JSON exports into documents with character spans.

Which annotation of a task is used (the documented rule):
  1. a non-cancelled annotation marked ``ground_truth``; if several, the most recently updated;
  2. else the most recently updated non-cancelled annotation (``updated_at``, then ``id``);
  3. drafts and predictions are never training data; a task with only cancelled annotations,
     drafts or predictions is skipped and counted.

Every region is checked (offsets, label, text) and trimmed of edge whitespace. A problem raises
a coded :class:`~sitrep_ie.errors.AnnotationError` naming the file, task and offsets, or, with
``lenient=True``, skips that task and counts it under its error code. Nothing is dropped silently:
:class:`ImportReport` counts what was read, used and skipped, and why.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence, Any, Iterable

from ..errors import (
    GoldEventsError,
    AnnotationError,
    AnnotationStructureError,
    BadOffsetsError,
    DuplicateTaskError,
    MalformedExportError,
    MissingTextError,
    OverlapError,
    SpanOutOfRangeError,
    SpanTextMismatchError,
    UnknownLabelError,
)
from .labels import LabelSet


@dataclass(frozen=True, order=True)
class Span:
    start: int
    end: int
    label: str


@dataclass
class Document:
    """One annotated report: its text, spans and the task's other data fields."""

    task_id: Any
    text: str
    spans: list[Span]
    meta: dict[str, Any] = field(default_factory=dict)
    annotation_id: Any = None

    @property
    def report_id(self) -> str:
        return str(self.meta.get("report_id", self.task_id))


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
    results_not_labels: int = 0
    drafts_ignored: int = 0
    predictions_ignored: int = 0
    problems: list[str] = field(default_factory=list)

    def merge(self, other: ImportReport) -> None:
        self.files += other.files
        for name in ("tasks_read", "tasks_used", "regions_used", "regions_trimmed", "regions_deduplicated",
                     "regions_utf16_fixed", "results_not_labels", "drafts_ignored", "predictions_ignored"):
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
            f"non-span results ignored {self.results_not_labels}; drafts ignored {self.drafts_ignored}; "
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


def parse_regions(text: str, results: Iterable[Any], labels: LabelSet, task_id: Any, file: str | None,
                  report: ImportReport) -> list[Span]:
    """Validate, trim and sort the span regions of one annotation."""
    known = set(labels.names)
    spans: list[Span] = []
    for region in results:
        if not isinstance(region, dict):
            raise AnnotationStructureError(f"region {region!r} is not an object", file=file, task_id=task_id)
        if region.get("type") != "labels":
            report.results_not_labels += 1
            continue
        value = region.get("value")
        if not isinstance(value, dict):
            raise AnnotationStructureError(f"region {region.get('id')!r} has no 'value' object", file=file, task_id=task_id)
        start, end = value.get("start"), value.get("end")
        rid = region.get("id")
        if not isinstance(start, int) or not isinstance(end, int) or isinstance(start, bool) or isinstance(end, bool):
            raise BadOffsetsError(f"region {rid!r} has missing or non-integer offsets start={start!r} end={end!r}", file=file, task_id=task_id)
        if start >= end:
            raise BadOffsetsError(f"region {rid!r} has swapped or empty offsets start={start} end={end}", file=file, task_id=task_id)
        if start < 0 or end > len(text):
            raise SpanOutOfRangeError(f"region {rid!r} [{start}:{end}] lies outside the text of length {len(text)}", file=file, task_id=task_id)
        labs = value.get("labels")
        if not isinstance(labs, list) or len(labs) != 1:
            raise AnnotationStructureError(f"region {rid!r} [{start}:{end}] must carry exactly one label, has {labs!r}", file=file, task_id=task_id)
        label = labs[0]
        if label not in known:
            raise UnknownLabelError(f"unknown label {label!r} at [{start}:{end}] (known: {', '.join(labels.names)})", file=file, task_id=task_id)
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
        s, e = start, end
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if s == e:
            raise AnnotationStructureError(f"region {rid!r} [{start}:{end}] holds only whitespace", file=file, task_id=task_id)
        if (s, e) != (start, end):
            report.regions_trimmed += 1
        spans.append(Span(s, e, label))
    spans.sort()
    unique: list[Span] = []
    for sp in spans:
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


def parse_task(task: Any, labels: LabelSet, file: str | None, report: ImportReport) -> Document | None:
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
    spans = parse_regions(text, results, labels, tid, file, report)
    meta = {k: v for k, v in data.items() if k != "text"}
    return Document(tid, text, spans, meta, ann.get("id"))


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
               seen: set[Any] | None = None) -> tuple[list[Document], ImportReport]:
    """Parse already-loaded tasks (an export list)."""
    report = ImportReport(files=[file] if file else [])
    seen = set() if seen is None else seen
    docs: list[Document] = []
    for task in tasks:
        report.tasks_read += 1
        try:
            tid = task.get("id") if isinstance(task, dict) else None
            if tid is not None and tid in seen:
                raise DuplicateTaskError(f"task id {tid!r} occurs more than once", file=file, task_id=tid)
            doc = parse_task(task, labels, file, report)
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
    return docs, report


def read_export(paths: str | Path | Iterable[str | Path], labels: LabelSet, *, lenient: bool = False) -> tuple[list[Document], ImportReport]:
    """Read one or more Label Studio JSON exports.

    Args:
        paths: export file(s).
        labels: the label set regions must use.
        lenient: skip and count rejected tasks instead of raising.

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
        d, r = read_tasks(tasks, labels, file=str(p), lenient=lenient, seen=seen)
        docs += d
        total.merge(r)
    return docs, total


def spans_to_bio(units: Sequence[tuple[int, int]], spans: Iterable[Any]) -> list[str]:
    """IOB2 tags of text units (tokens or words, as character offsets) from labelled character spans.

    A unit belongs to a span it overlaps; zero-width units (special tokens) stay "O".

    Example:
        >>> spans_to_bio([(0, 2), (3, 8), (9, 11)], [Span(3, 11, "UNIT")])
        ['O', 'B-UNIT', 'I-UNIT']
    """
    tags = ["O"] * len(units)
    j = 0
    for sp in sorted(spans, key=lambda x: (x.start, x.end)):
        first = True
        while j < len(units) and units[j][1] <= sp.start:
            j += 1
        k = j
        while k < len(units) and units[k][0] < sp.end:
            if units[k][1] > units[k][0]:
                tags[k] = ("B-" if first else "I-") + sp.label
                first = False
            k += 1
    return tags


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
