"""The one piece of work both engines share: a list of reports through ``Extractor.extract_many``.

Example:
    >>> from sitrep_ie import Extractor
    >>> results = extract_reports(Extractor("models/default"), reports)  # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any, Sequence

from ..errors import ExtractionFailedError, ModelError
from .records import Failure, Report, Result


def extract_reports(extractor: Any, reports: Sequence[Report]) -> list[Result]:
    """Events of each report, in order; a report that makes extraction raise becomes an E607 failure.

    The whole list goes through one ``extract_many`` call (its thread pool spreads the windows over
    the cores). Only if that call raises are the reports retried one by one, to find the culprit
    without failing the others. A broken model (E1xx) is not a report's fault and stops the run.

    Args:
        extractor: a ``sitrep_ie.Extractor``.
        reports: accepted reports.

    Returns:
        One :class:`Result` per report.
    """
    if not reports:
        return []
    try:
        events = extractor.extract_many([r.text for r in reports], reference_dates=[r.reference_date for r in reports])
    except ModelError:
        raise
    except Exception:  # noqa: BLE001 - any report-level error; isolated below
        return [_one(extractor, r) for r in reports]
    version = extractor.model_version
    return [Result(r.id, r.input_sha, version, [e.to_dict() for e in evs]) for r, evs in zip(reports, events)]


def _one(extractor: Any, report: Report) -> Result:
    try:
        events = extractor.extract_many([report.text], reference_dates=[report.reference_date])[0]
    except ModelError:
        raise
    except Exception as exc:  # noqa: BLE001 - recorded with its type and message, never swallowed
        err = ExtractionFailedError(f"{type(exc).__name__}: {exc}")
        return Result(report.id, report.input_sha, extractor.model_version, None, Failure.of(err, report.id, report.source))
    return Result(report.id, report.input_sha, extractor.model_version, [e.to_dict() for e in events])
