"""The annotated report: its text, entity spans, typed triggers, relations and per-region fields.

Every reader of annotations (the Label Studio import, gold derivation, training, evaluation) shares these
types; :func:`spans_to_bio` turns a report's spans into the IOB2 tags of its tokens or words.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence


@dataclass(frozen=True, order=True)
class Span:
    start: int
    end: int
    label: str


@dataclass(frozen=True, order=True)
class Trigger:
    """A trigger region: the words that state an event happened, typed with an ontology type."""

    start: int
    end: int
    type: str
    id: str


@dataclass(frozen=True)
class Relation:
    """A directed, labelled relation between two regions (ids), e.g. trigger -place-> PLACE."""

    from_id: str
    to_id: str
    label: str


@dataclass
class Document:
    """One annotated report: its text, spans and the task's other data fields.

    ``spans`` are the entity regions (what the tagger trains on). ``triggers``, ``relations``,
    ``regions`` (region id -> its Span or Trigger) and ``values`` (region id -> per-region fields:
    ``event_date`` str|None, ``value`` number, ``approx`` str|None) carry the events.
    """

    task_id: Any
    text: str
    spans: list[Span]
    meta: dict[str, Any] = field(default_factory=dict)
    annotation_id: Any = None
    triggers: list[Trigger] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)
    regions: dict[str, Span | Trigger] = field(default_factory=dict)
    values: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def report_id(self) -> str:
        return str(self.meta.get("report_id", self.task_id))

    @property
    def reference_date(self) -> dt.date | None:
        """The report's publication date from the task data (None when absent or not ISO)."""
        raw = self.meta.get("reference_date")
        try:
            return dt.date.fromisoformat(raw) if isinstance(raw, str) else None
        except ValueError:
            return None

    def surface(self, region: Span | Trigger) -> str:
        return self.text[region.start:region.end]


def describe(reg: Span | Trigger, text: str) -> str:
    """A region as error messages name it: its kind and its text ("trigger (demining) 'cleared'", "PLACE 'Homs'")."""
    what = f"trigger ({reg.type})" if isinstance(reg, Trigger) else reg.label
    return f"{what} {text[reg.start:reg.end]!r}"


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
