"""Readers of batch inputs: a folder of .txt files, a JSONL file, or a Parquet file or dataset.

Every reader yields, in input order, either an accepted :class:`Report` or a :class:`Failure`
that says which row and why: a bad row never stops the run and never disappears.

Example:
    >>> from sitrep_ie.batch.config import BatchConfig
    >>> for item in read_reports("reports.jsonl", BatchConfig.load()):  # doctest: +SKIP
    ...     print(item)
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any, Iterator, Union

from ..errors import (BadReportIdError, BatchInputError, DuplicateReportError, MissingReportTextError,
                      ReportTooLargeError, SitrepError, UnreadableReportError)
from .config import BatchConfig
from .records import Failure, Report

Item = Union[Report, Failure]
JSONL_SUFFIXES = (".jsonl", ".ndjson")
PARQUET_SUFFIX = ".parquet"


def detect_kind(path: Path) -> str:
    """``text``, ``jsonl`` or ``parquet``; a folder holding .parquet files and no .txt is a Parquet dataset."""
    if not path.exists():
        raise BatchInputError(f"input {path} does not exist")
    if path.is_file():
        if path.suffix.lower() in JSONL_SUFFIXES:
            return "jsonl"
        if path.suffix.lower() == PARQUET_SUFFIX:
            return "parquet"
        raise BatchInputError(f"input {path}: expected a folder of .txt files, a .jsonl file or a .parquet file/dataset")
    has_parquet = next(path.rglob(f"*{PARQUET_SUFFIX}"), None) is not None
    has_text = next(path.rglob("*.txt"), None) is not None
    return "parquet" if has_parquet and not has_text else "text"


class _Validator:
    """Turns raw (id, text, date) values into a Report or a coded Failure; remembers ids for duplicates."""

    def __init__(self, cfg: BatchConfig) -> None:
        self.cfg = cfg
        self.seen: dict[str, str] = {}

    def __call__(self, raw_id: Any, raw_text: Any, raw_date: Any, source: str, *, has_text: bool = True) -> Item:
        report_id = raw_id if isinstance(raw_id, str) else str(raw_id) if isinstance(raw_id, int) and not isinstance(raw_id, bool) else None
        try:
            if report_id is None or not report_id.strip():
                raise BadReportIdError(f"{self.cfg.id_field} is {_show(raw_id)}; it must be a non-empty string or an integer")
            if report_id in self.seen:
                raise DuplicateReportError(f"id {report_id!r} was already read at {self.seen[report_id]}; only the first is kept")
            self.seen[report_id] = source
            text = self._text(raw_text, has_text)
            return Report(report_id, text, self._date(raw_date), source)
        except SitrepError as exc:
            return Failure.of(exc, report_id, source)

    def _text(self, raw: Any, has_text: bool) -> str:
        if not has_text or raw is None:
            raise MissingReportTextError(f"no {self.cfg.text_field!r} value")
        if not isinstance(raw, str):
            raise MissingReportTextError(f"{self.cfg.text_field} has type {type(raw).__name__}, not str: {_show(raw)}")
        try:
            raw.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise UnreadableReportError(f"text is not valid Unicode (lone surrogate at offset {exc.start})") from None
        if len(raw) > self.cfg.max_chars:
            raise ReportTooLargeError(f"text has {len(raw):,} characters, over the limit of {self.cfg.max_chars:,} "
                                      "(max_chars; a report this long is most likely several reports or a file dump)")
        return raw

    def _date(self, raw: Any) -> str | None:
        if raw is None or raw == "":
            return None
        if isinstance(raw, dt.datetime):
            return raw.date().isoformat()
        if isinstance(raw, dt.date):
            return raw.isoformat()
        try:
            return dt.date.fromisoformat(str(raw)).isoformat()
        except ValueError:
            raise UnreadableReportError(f"{self.cfg.date_field} {_show(raw)} is not a YYYY-MM-DD date") from None


def _show(value: Any) -> str:
    return repr(value)[:60]


def read_text_folder(folder: Path, cfg: BatchConfig) -> Iterator[Item]:
    """One report per file matching ``text_glob``; the id is the path below ``folder`` without ``.txt``."""
    check = _Validator(cfg)
    for path in sorted(folder.glob(cfg.text_glob)):
        rel = path.relative_to(folder).as_posix()
        report_id = rel[:-4] if rel.endswith(".txt") else rel
        try:
            if not path.is_file():
                raise UnreadableReportError(f"{rel} is not a regular file")
            text = path.read_bytes().decode("utf-8")
        except UnicodeDecodeError as exc:
            yield Failure.of(UnreadableReportError(f"{rel} is not UTF-8 text (byte {exc.start}: {exc.reason})"), report_id, str(path))
            continue
        except OSError as exc:
            yield Failure.of(UnreadableReportError(f"cannot read {rel}: {exc.strerror or exc}"), report_id, str(path))
            continue
        except SitrepError as exc:
            yield Failure.of(exc, report_id, str(path))
            continue
        yield check(report_id, text, None, str(path))


def read_jsonl(path: Path, cfg: BatchConfig) -> Iterator[Item]:
    """One report per non-blank line: an object with id, text and optionally reference_date."""
    check = _Validator(cfg)
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise BatchInputError(f"cannot open {path}: {exc.strerror or exc}") from None
    with handle:
        for n, raw in enumerate(handle, 1):
            source = f"{path}:{n}"
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                yield Failure.of(UnreadableReportError(f"line {n} is not UTF-8 (byte {exc.start}: {exc.reason})"), None, source)
                continue
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                yield Failure.of(UnreadableReportError(f"line {n} is not JSON ({exc.msg} at column {exc.colno})"), None, source)
                continue
            if not isinstance(row, dict):
                yield Failure.of(UnreadableReportError(f"line {n} is a JSON {type(row).__name__}, not an object"), None, source)
                continue
            yield check(row.get(cfg.id_field), row.get(cfg.text_field), row.get(cfg.date_field), source,
                        has_text=cfg.text_field in row)


def read_parquet(path: Path, cfg: BatchConfig) -> Iterator[Item]:
    """One report per row of a Parquet file or dataset folder, read in record batches (never all at once)."""
    import pyarrow as pa
    import pyarrow.dataset as pads

    try:
        dataset = pads.dataset(str(path), format="parquet")
        names = set(dataset.schema.names)
    except Exception as exc:  # pyarrow raises ArrowInvalid, OSError and others for a damaged dataset
        raise BatchInputError(f"cannot read Parquet {path}: {exc}") from None
    missing = [c for c in (cfg.id_field, cfg.text_field) if c not in names]
    if missing:
        raise BatchInputError(f"Parquet {path} has no column {', '.join(map(repr, missing))} (columns: {', '.join(sorted(names))})")
    columns = [cfg.id_field, cfg.text_field] + ([cfg.date_field] if cfg.date_field in names else [])
    check = _Validator(cfg)
    n = 0
    try:
        batches = dataset.to_batches(columns=columns)
        for batch in batches:
            data = batch.to_pydict()
            dates = data.get(cfg.date_field) or [None] * batch.num_rows
            for rid, text, date in zip(data[cfg.id_field], data[cfg.text_field], dates):
                yield check(rid, text, date, f"{path}:row {n}")
                n += 1
    except (OSError, pa.ArrowException) as exc:
        raise BatchInputError(f"Parquet {path} became unreadable after row {n}: {exc}") from None


READERS = {"text": read_text_folder, "jsonl": read_jsonl, "parquet": read_parquet}


def read_reports(path: str | Path, cfg: BatchConfig) -> Iterator[Item]:
    """Reports and failures of any supported input, in input order.

    Example:
        >>> from sitrep_ie.batch.config import BatchConfig
        >>> items = list(read_reports("reports/samples", BatchConfig.load()))  # doctest: +SKIP
    """
    path = Path(path)
    return READERS[detect_kind(path)](path, cfg)
