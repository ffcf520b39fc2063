"""What flows through a batch run: reports in, per-report results out, and the resume key.

Example:
    >>> r = Report("r1", "Sappers cleared 12 mines.", "2017-11-02", source="in.jsonl:1")
    >>> len(r.input_sha)
    64
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from ..errors import SitrepError


@dataclass(frozen=True)
class Report:
    """One accepted report. ``source`` says where it was read (file, or file:line) for messages."""

    id: str
    text: str
    reference_date: str | None = None
    source: str = ""
    input_sha: str = field(init=False)

    def __post_init__(self) -> None:
        # The reference date changes the events' dates, so it belongs to the input that is keyed.
        digest = hashlib.sha256((self.reference_date or "").encode() + b"\0" + self.text.encode("utf-8")).hexdigest()
        object.__setattr__(self, "input_sha", digest)

    def to_row(self) -> dict[str, Any]:
        """The columns a Ray dataset carries for this report."""
        return {"id": self.id, "text": self.text, "reference_date": self.reference_date, "input_sha": self.input_sha}


@dataclass(frozen=True)
class Failure:
    """A report that was rejected or failed, with the coded reason (never dropped silently)."""

    id: str | None
    source: str
    code: str
    reason: str

    @classmethod
    def of(cls, error: SitrepError, report_id: str | None, source: str) -> "Failure":
        return cls(report_id, source, error.code, error.message)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "source": self.source, "code": self.code, "reason": self.reason}


@dataclass(frozen=True)
class Result:
    """The outcome of one report: its events as ``Event.to_dict()`` records, or a failure."""

    report_id: str
    input_sha: str
    model_version: str
    events: list[dict[str, Any]] | None
    failure: Failure | None = None

    def key(self) -> tuple[str, str, str]:
        return done_key(self.report_id, self.input_sha, self.model_version)

    def to_wire(self) -> dict[str, Any]:
        """A flat row for a Ray dataset: nested events as JSON text keep the Arrow schema fixed."""
        f = self.failure
        return {"id": self.report_id, "input_sha": self.input_sha, "model_version": self.model_version,
                "events_json": json.dumps(self.events, ensure_ascii=False) if self.events is not None else None,
                "error_code": f.code if f else None, "error_reason": f.reason if f else None,
                "source": f.source if f else None}

    @classmethod
    def from_wire(cls, row: dict[str, Any]) -> "Result":
        failure = (Failure(row["id"], row["source"] or "", row["error_code"], row["error_reason"])
                   if row.get("error_code") else None)
        events = json.loads(row["events_json"]) if row.get("events_json") is not None else None
        return cls(row["id"], row["input_sha"], row["model_version"], events, failure)


def done_key(report_id: str, input_sha: str, model_version: str) -> tuple[str, str, str]:
    """What makes a report done: same id, same text and reference date, same model version."""
    return (report_id, input_sha, model_version)
