"""The batch output: a folder of part files plus a done-index, committed part by part.

Layout of OUTPUT (a dataset folder that pyarrow, DuckDB, Spark or pandas read as one table;
they skip names starting with ``_`` or ``.``)::

    part-00000.parquet      one row per event (or part-00000.jsonl)
    _index/part-00000.json  the reports of that part: id, input sha, model version, events

A part is committed in two atomic renames: its data file, then its index file. The index file is
the commit mark: on the next run a data file without one (a crash between the renames) is deleted,
and the reports of every indexed part are skipped. So a run can be killed at any moment and re-run
without losing or duplicating a report.

Example:
    >>> store = PartStore("out/events", "parquet")  # doctest: +SKIP
    >>> done = store.open()                            # doctest: +SKIP
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any, Iterable

from ..errors import BatchOutputError
from .records import Result, done_key

INDEX_DIR = "_index"
SUFFIX = {"parquet": ".parquet", "jsonl": ".jsonl"}
PART_RE = re.compile(r"^part-(\d{5,})\.(parquet|jsonl)$")
KEY_COLUMNS = ("report_id", "input_sha256", "model_version", "event_index")
# Scalar event fields get typed Parquet columns; every other field of Event.to_dict() is stored as JSON
# text, so fields added to the event record later never change the schema of earlier parts.
SCALAR_FIELDS = {"type": "string", "date": "string", "date_precision": "string", "confidence": "float64"}
LIST_FIELDS = ("actors",)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _atomic_write(target: Path, write: Any) -> None:
    """``write(tmp_path)``, flush to disk, rename over ``target``: readers see all of it or nothing."""
    tmp = target.with_name(f".tmp-{target.name}")
    write(tmp)
    with open(tmp, "rb+") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, target)
    _fsync_dir(target.parent)


def event_rows(result: Result) -> list[dict[str, Any]]:
    """The output rows of one report: one per event, key columns first, then the event's fields."""
    return [{"report_id": result.report_id, "input_sha256": result.input_sha, "model_version": result.model_version,
             "event_index": i, **{k: v for k, v in ev.items() if k != "model_version"}}
            for i, ev in enumerate(result.events or [])]


def _parquet_table(rows: list[dict[str, Any]]) -> Any:
    import pyarrow as pa

    fields: list[Any] = [pa.field("report_id", pa.string()), pa.field("input_sha256", pa.string()),
                         pa.field("model_version", pa.string()), pa.field("event_index", pa.int32())]
    columns: dict[str, list[Any]] = {f.name: [r[f.name] for r in rows] for f in fields}
    event_keys = [k for k in rows[0] if k not in KEY_COLUMNS]
    for k in event_keys:
        values = [r.get(k) for r in rows]
        if k in SCALAR_FIELDS:
            fields.append(pa.field(k, pa.type_for_alias(SCALAR_FIELDS[k])))
        elif k in LIST_FIELDS:
            fields.append(pa.field(k, pa.list_(pa.string())))
        else:
            fields.append(pa.field(k, pa.string(), metadata={"encoding": "json"}))
            values = [None if v is None else json.dumps(v, ensure_ascii=False) for v in values]
        columns[k] = values
    schema = pa.schema(fields)
    return pa.table({f.name: pa.array(columns[f.name], type=f.type) for f in fields}, schema=schema)


def _write_rows(path: Path, fmt: str, rows: list[dict[str, Any]]) -> None:
    if fmt == "jsonl":
        with open(path, "w", encoding="utf-8") as fh:
            for r in rows:
                fh.write(json.dumps(r, ensure_ascii=False) + "\n")
        return
    import pyarrow.parquet as pq

    pq.write_table(_parquet_table(rows), path)


class PartStore:
    """Commit results part by part into OUTPUT; know which reports are already done.

    Args:
        root: the OUTPUT folder (created if missing).
        fmt: ``parquet`` or ``jsonl``.
    """

    def __init__(self, root: str | Path, fmt: str) -> None:
        self.root = Path(root)
        self.fmt = fmt
        self.index = self.root / INDEX_DIR
        self.next_part = 0

    def open(self) -> dict[tuple[str, str, str], int]:
        """Prepare OUTPUT for writing; return the done reports (key -> number of events).

        Removes leftovers of an interrupted run: temporary files and data parts that were never indexed.
        """
        if self.root.exists() and not self.root.is_dir():
            raise BatchOutputError(f"output {self.root} exists and is not a folder")
        if self.root.is_dir() and any(self.root.iterdir()) and not self.index.is_dir():
            raise BatchOutputError(f"output {self.root} is not empty and holds no {INDEX_DIR}/: it is not a sitrep-ie batch "
                                   "output, so nothing is written there; choose another OUTPUT")
        try:
            self.index.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise BatchOutputError(f"cannot create {self.index}: {exc.strerror or exc}") from None
        done: dict[tuple[str, str, str], int] = {}
        indexed: set[str] = set()
        numbers = [-1]
        for f in sorted(self.index.glob("part-*.json")):
            entry = self._read_index(f)
            if entry.get("format") != self.fmt:
                raise BatchOutputError(f"output {self.root} holds {entry.get('format')} parts; this run writes {self.fmt}: "
                                       "use the same format to resume, or another OUTPUT")
            indexed.add(entry["file"])
            numbers.append(int(entry["part"]))
            for report_id, sha, version, n_events in entry["reports"]:
                done[done_key(report_id, sha, version)] = n_events
        for f in list(self.root.iterdir()) + list(self.index.iterdir()):
            if f.name.startswith(".tmp-"):
                f.unlink()
            elif PART_RE.match(f.name) and f.parent == self.root and f.name not in indexed:
                f.unlink()  # written but never committed: its reports are not in `done`, so they run again
        self.next_part = max(numbers) + 1
        return done

    def _read_index(self, f: Path) -> dict[str, Any]:
        try:
            entry = json.loads(f.read_text(encoding="utf-8"))
            if not isinstance(entry, dict) or not {"part", "file", "format", "reports"} <= set(entry):
                raise ValueError("missing keys")
            return entry
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise BatchOutputError(f"index file {f} is damaged ({exc}); delete it and its part file to recompute "
                                   "those reports") from None

    def commit(self, results: Iterable[Result]) -> int:
        """Write one part: its events (if any), then its index entry. Returns the part number."""
        results = list(results)
        part = self.next_part
        name = f"part-{part:05d}{SUFFIX[self.fmt]}"
        rows = [row for r in results for row in event_rows(r)]
        try:
            if rows:
                _atomic_write(self.root / name, lambda p: _write_rows(p, self.fmt, rows))
            entry = {"part": part, "file": name if rows else None, "format": self.fmt, "events": len(rows),
                     "reports": [[r.report_id, r.input_sha, r.model_version, len(r.events or [])] for r in results]}
            _atomic_write(self.index / f"part-{part:05d}.json",
                          lambda p: p.write_text(json.dumps(entry, ensure_ascii=False), encoding="utf-8"))
        except OSError as exc:
            raise BatchOutputError(f"cannot write part {part} to {self.root}: {exc.strerror or exc}") from None
        self.next_part += 1
        return part


def read_events(root: str | Path) -> dict[str, list[dict[str, Any]]]:
    """Read a batch output back: report id -> its events as ``Event.to_dict()`` records, in order.

    Example:
        >>> events = read_events("out/events")  # doctest: +SKIP
        >>> events["r1"][0]["type"]              # doctest: +SKIP
        'demining'
    """
    root = Path(root)
    out: dict[str, list[dict[str, Any]]] = {}
    for f in sorted(root.iterdir()):
        if not PART_RE.match(f.name):
            continue
        for row in _read_rows(f):
            ev = {k: v for k, v in row.items() if k not in KEY_COLUMNS}
            ev["model_version"] = row["model_version"]
            out.setdefault(row["report_id"], []).append((row["event_index"], ev))  # type: ignore[arg-type]
    return {k: [ev for _, ev in sorted(v, key=lambda x: x[0])] for k, v in out.items()}  # type: ignore[misc]


def _read_rows(f: Path) -> list[dict[str, Any]]:
    if f.suffix == ".jsonl":
        return [json.loads(line) for line in f.read_text(encoding="utf-8").splitlines() if line]
    import pyarrow.parquet as pq

    table = pq.read_table(f)
    json_cols = {fld.name for fld in table.schema if fld.metadata and fld.metadata.get(b"encoding") == b"json"}
    return [{k: (json.loads(v) if k in json_cols and v is not None else v) for k, v in row.items()} for row in table.to_pylist()]
