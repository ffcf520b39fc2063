"""ACLED-like CSV: one row per event place (an event without places gives one row without location).

Columns follow ACLED's names where they mean the same thing; ``quantities`` and ``geo_precision``
are sitrep-ie's own. ``fatalities`` is the number of people killed that a casualties event states
(its quantities followed by a death word of ``resources/export.yaml``), blank when none is stated.
"""

from __future__ import annotations

import csv
import re
from functools import lru_cache
from typing import Any, Iterable, Sequence, TextIO

from . import event_id, settings

COLUMNS = ["event_id", "event_date", "time_precision", "event_type", "actor1", "actor2", "country", "admin1", "admin2",
           "location", "latitude", "longitude", "geo_precision", "quantities", "fatalities", "source", "notes", "confidence",
           "model_version"]


@lru_cache(maxsize=1)
def _death_words() -> re.Pattern[str]:
    words = sorted(settings()["fatality_words"], key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(re.escape(w) for w in words) + r")\b", re.I)


def format_quantities(quantities: Sequence[dict[str, Any]]) -> str:
    """"~26 people; 1.7 tonnes; 300-400 families": value, range, qualifier mark and unit as written.

    Example:
        >>> format_quantities([{"value": 26, "upper": None, "unit": "people", "approx": "about"}])
        '~26 people'
    """
    return "; ".join(
        f"{'~' if q.get('approx') and q['approx'] != 'range' else ''}{q['value']}"
        f"{('-' + str(q['upper'])) if q.get('upper') is not None else ''}{(' ' + q['unit']) if q.get('unit') else ''}"
        for q in quantities)


def fatalities(event: dict[str, Any]) -> int | None:
    """People killed according to a casualties event, or None when it states no death count.

    Example:
        >>> fatalities({"type": "casualties", "evidence": [{"text": "9 people were killed", "start": 0, "end": 20}],
        ...             "quantities": [{"value": 9, "unit": "people", "end": 8}]})
        9
    """
    if event.get("type") != "casualties":
        return None
    window = int(settings()["fatality_window"])
    total, found = 0.0, False
    for q in event.get("quantities") or ():
        after = ""
        for ev in event.get("evidence") or ():
            if ev["start"] <= q["end"] <= ev["end"]:
                after = ev["text"][q["end"] - ev["start"]:q["end"] - ev["start"] + window]
                break
        if _death_words().search(q.get("unit") or "") or _death_words().search(after.split(";")[0]):
            total += q["value"]
            found = True
    return int(total) if found and float(total).is_integer() else (total if found else None)


def rows(source: str, events: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The CSV rows of one report's events (``Event.to_dict()`` records, in order)."""
    tp = settings()["time_precision"]
    out = []
    for i, ev in enumerate(events):
        base = {
            "event_id": event_id(source, i), "event_date": ev.get("date") or "",
            "time_precision": tp.get(ev.get("date_precision") or "", "") if ev.get("date") else "",
            "event_type": ev["type"], "actor1": ev["actors"][0] if ev.get("actors") else "",
            "actor2": "; ".join(ev.get("actors", [])[1:]), "quantities": format_quantities(ev.get("quantities") or ()),
            "fatalities": "" if (f := fatalities(ev)) is None else f, "source": source,
            "notes": " | ".join(" ".join(e["text"].split()) for e in ev.get("evidence") or ()),
            "confidence": ev.get("confidence", ""), "model_version": ev.get("model_version") or "",
        }
        places = ev.get("places") or [None]
        for p in places:
            geo = (p or {}).get("geo") or {}
            out.append({**base, "country": _country_name(geo.get("country_code")), "admin1": geo.get("admin1") or (p or {}).get("admin") or "",
                        "admin2": geo.get("admin2") or "", "location": (p or {}).get("name", ""),
                        "latitude": geo.get("lat", ""), "longitude": geo.get("lon", ""), "geo_precision": geo.get("precision", "")})
    return out


def _country_name(cc: str | None) -> str:
    if not cc:
        return ""
    from ..geo.gazetteer import Gazetteer  # only reached when a place was geocoded: the gazetteer is open already

    names = {r.country_code: r.name for r in Gazetteer.default().countries()}
    return names.get(cc, cc)


def write_csv(out: TextIO, reports: Iterable[tuple[str, Sequence[dict[str, Any]]]]) -> int:
    """Write the header and the rows of every (source, events) pair; returns the number of rows.

    Example:
        >>> import io; buf = io.StringIO()
        >>> write_csv(buf, [("r.txt", [{"type": "demining", "date": None, "actors": [], "places": [], "quantities": [],
        ...                             "evidence": [{"text": "x", "start": 0, "end": 1}], "confidence": 0.5}])])
        1
        >>> buf.getvalue().splitlines()[0].split(",")[:3]
        ['event_id', 'event_date', 'time_precision']
    """
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    n = 0
    for source, events in reports:
        for row in rows(source, events):
            writer.writerow(row)
            n += 1
    return n
