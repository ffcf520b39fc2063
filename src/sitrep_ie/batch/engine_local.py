"""Local engine: this process, ``Extractor.extract_many`` and its thread pool; no Ray needed.

Example:
    >>> from sitrep_ie import Extractor
    >>> for result in run_local(Extractor("models/default"), reports, chunk=64):  # doctest: +SKIP
    ...     print(result.report_id, len(result.events or []))
"""

from __future__ import annotations

from typing import Any, Iterable, Iterator

from .records import Report, Result
from .work import extract_reports


def run_local(extractor: Any, reports: Iterable[Report], *, chunk: int) -> Iterator[Result]:
    """Results in input order, ``chunk`` reports per ``extract_many`` call.

    A chunk is what the thread pool shares out; a few dozen reports keep both cores busy while the
    first results still come back within seconds.
    """
    buf: list[Report] = []
    for report in reports:
        buf.append(report)
        if len(buf) >= chunk:
            yield from extract_reports(extractor, buf)
            buf = []
    yield from extract_reports(extractor, buf)
