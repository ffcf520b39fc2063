"""The account of a batch run: what was read, what gave events, what failed and why.

Counts describe the INPUT against the OUTPUT after the run, so an interrupted run that is re-run
ends with the same counts as one uninterrupted run; ``skipped_done`` and ``processed`` say how the
work was split between the runs.

Example:
    >>> s = Summary(engine="local", output="out/events", output_format="parquet", model_version="v1")
    >>> s.reports_read
    0
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .records import Failure

SHOWN_FAILURES = 10  # failures printed; the JSON file lists them all


@dataclass
class Summary:
    """Counters of one run (see module doc); ``to_dict()`` is what the summary JSON file holds."""

    engine: str
    output: str
    output_format: str
    model_version: str
    workers: int | None = None
    reports_read: int = 0
    reports_done: int = 0
    reports_with_events: int = 0
    events: int = 0
    reports_failed: int = 0
    skipped_done: int = 0
    processed: int = 0
    duplicate_results_dropped: int = 0
    parts_written: int = 0
    words_processed: int = 0
    seconds: float = 0.0
    first_event_s: float | None = None
    interrupted: bool = False
    failures: list[dict[str, Any]] = field(default_factory=list)

    def fail(self, failure: Failure) -> None:
        self.reports_failed += 1
        self.failures.append(failure.to_dict())

    def done(self, n_events: int) -> None:
        self.reports_done += 1
        self.events += n_events
        self.reports_with_events += n_events > 0

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["failures_by_code"] = dict(sorted(Counter(f["code"] for f in self.failures).items()))
        d["reports_per_s"] = round(self.processed / self.seconds, 2) if self.seconds else None
        d["words_per_s"] = round(self.words_processed / self.seconds, 1) if self.seconds else None
        return d

    def text(self) -> str:
        """A few lines for the terminal."""
        d = self.to_dict()
        lines = [f"{'INTERRUPTED - re-run the same command to resume. ' if self.interrupted else ''}"
                 f"{self.reports_read} reports read: {self.reports_done} done ({self.skipped_done} already in the output, "
                 f"{self.processed} processed now), {self.reports_failed} failed; {self.reports_with_events} with events, "
                 f"{self.events} events; model {self.model_version}; engine {self.engine}; {self.seconds:.1f} s"
                 + (f", {d['reports_per_s']} reports/s" if d["reports_per_s"] else "")]
        if self.failures:
            lines.append("failures by code: " + ", ".join(f"{k} x{v}" for k, v in d["failures_by_code"].items()))
            for f in self.failures[:SHOWN_FAILURES]:
                lines.append(f"  {f['code']} {f['id'] if f['id'] is not None else '-'} ({f['source']}): {f['reason']}")
            if len(self.failures) > SHOWN_FAILURES:
                lines.append(f"  ... {len(self.failures) - SHOWN_FAILURES} more in the summary file")
        return "\n".join(lines)


def summary_path(output: str | Path) -> Path:
    """``<OUTPUT stem>.summary.json`` beside the OUTPUT folder (out/events.parquet -> out/events.summary.json)."""
    output = Path(output)
    return output.with_name(f"{output.stem or output.name}.summary.json")


def write_summary(summary: Summary) -> Path:
    """Write the summary JSON beside the output (atomically) and return its path."""
    target = summary_path(summary.output)
    tmp = target.with_name(f".tmp-{target.name}")
    tmp.write_text(json.dumps(summary.to_dict(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(target)
    return target
