"""The records sitrep-ie returns: tagged entities and assembled events.

``to_dict()`` gives the JSON shape of SPEC.md; ``resources/event.schema.json`` is its JSON Schema,
shipped with the package and checked in the tests.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any


@dataclass(frozen=True)
class Entity:
    """A tagged span of the input text."""

    start: int
    end: int
    label: str
    text: str
    score: float

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "label": self.label, "text": self.text, "score": round(self.score, 4)}


@dataclass
class Mention:
    """A piece of text an event value was read from."""

    text: str
    start: int
    end: int

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "start": self.start, "end": self.end}


@dataclass
class Place:
    name: str
    start: int
    end: int
    admin: str | None = None
    admin_span: tuple[int, int] | None = None
    designator: str | None = None
    geo: dict[str, Any] | None = None  # issue 13: filled by sitrep_ie.geo.geocode_events (None: not resolved)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "admin": self.admin,
            "designator": self.designator,
            "start": self.start,
            "end": self.end,
            "admin_span": list(self.admin_span) if self.admin_span else None,
            "geo": self.geo,
        }


@dataclass
class Quantity:
    value: float
    start: int
    end: int
    text: str
    unit: str | None = None
    unit_span: tuple[int, int] | None = None
    unit_lemma: str | None = None
    approx: str | None = None
    upper: float | None = None
    upper_span: tuple[int, int] | None = None
    normalized: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "value": json_number(self.value),
            "upper": json_number(self.upper) if self.upper is not None else None,
            "unit": self.unit,
            "unit_lemma": self.unit_lemma,
            "approx": self.approx,
            "normalized": self.normalized,
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "unit_span": list(self.unit_span) if self.unit_span else None,
            "upper_span": list(self.upper_span) if self.upper_span else None,
        }


@dataclass
class Event:
    """One event record (SPEC.md): what happened, who, where, when, how much, and from where in the text."""

    type: str
    date: str | None
    actors: list[Mention] = field(default_factory=list)
    places: list[Place] = field(default_factory=list)
    quantities: list[Quantity] = field(default_factory=list)
    evidence: list[Mention] = field(default_factory=list)
    confidence: float = 0.0
    date_precision: str | None = None
    date_span: tuple[int, int] | None = None
    trigger: Mention | None = None
    model_version: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "date": self.date,
            "date_precision": self.date_precision,
            "date_span": list(self.date_span) if self.date_span else None,
            "actors": [a.text for a in self.actors],
            "actor_spans": [[a.start, a.end] for a in self.actors],
            "places": [p.to_dict() for p in self.places],
            "quantities": [q.to_dict() for q in self.quantities],
            "trigger": self.trigger.to_dict() if self.trigger else None,
            "evidence": [e.to_dict() for e in self.evidence],
            "confidence": round(self.confidence, 4),
            "model_version": self.model_version,
        }


def trim_span(text: str, start: int, end: int, also: str = "") -> tuple[int, int]:
    """``(start, end)`` without the white space, and the characters of ``also``, at its edges (an empty span stays
    empty).

    >>> trim_span("  Aleppo ", 0, 9), trim_span("5, 422 ha", 1, 6, also=",;:")
    ((2, 8), (3, 6))
    """
    while start < end and (text[start].isspace() or text[start] in also):
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in also):
        end -= 1
    return start, end


def json_number(v: float) -> int | float:
    """A number as JSON should show it: 4 for 4.0, 1.7 for 1.7.

    >>> json_number(4.0), json_number(1.7)
    (4, 1.7)
    """
    return int(v) if float(v).is_integer() and abs(v) < 2**53 else float(v)


@lru_cache(maxsize=1)
def event_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of ``Event.to_dict()``."""
    return json.loads(resources.files("sitrep_ie").joinpath("resources/event.schema.json").read_text(encoding="utf-8"))


@lru_cache(maxsize=4096)
def unit_lemma(unit: str) -> str:
    """The ``unit_lemma`` of a quantity: lower-case singular form ("explosive devices" -> "explosive device").

    >>> unit_lemma("Explosive Devices")
    'explosive device'
    """
    import inflection  # Rails' inflector rules; imports in milliseconds (inflect takes ~1.5 s)

    words = unit.lower().split()
    if not words:
        return ""
    last = words[-1]
    if last.isalpha() and len(last) > 2:
        last = inflection.singularize(last)
    return " ".join(words[:-1] + [last])
