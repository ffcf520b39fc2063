"""Exports of event records (issue 13): ACLED-like CSV, GeoJSON and a self-contained HTML view.

All exporters take events as ``Event.to_dict()`` records with the report they came from, so that
they work on saved JSON lines as well as on fresh extractions:

  csv      ``write_csv(out, [(source, events), ...])``: one row per event place (ACLED-like columns)
  geojson  ``feature_collection([(source, events), ...])``: one Feature per event place (RFC 7946)
  html     ``write_view(reports, out_path)``: highlighted report, event cards, offline SVG map
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any

import yaml


@lru_cache(maxsize=1)
def settings() -> dict[str, Any]:
    """The word lists of ``resources/export.yaml``."""
    return yaml.safe_load(resources.files("sitrep_ie").joinpath("resources/export.yaml").read_text(encoding="utf-8"))


def event_id(source: str, index: int) -> str:
    """A stable id for the index-th event (0-based) of a report: ``<source>#<n>`` with n from 1.

    Example:
        >>> event_id("reports/a.txt", 0)
        'reports/a.txt#1'
    """
    return f"{source}#{index + 1}"
