"""GeoJSON (RFC 7946): one Feature per event place, the event's fields as its properties.

A place the gazetteer does not know keeps its Feature with ``geometry: null`` (RFC 7946 §3.2 allows
"unlocated" features), so that counts made from the file match the CSV; an event without places
gives one such Feature with ``place: null``. Coordinates are [longitude, latitude] (§3.1.1), WGS 84,
no "crs" member (§4).
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any, Iterable, Sequence

from . import event_id


def features(source: str, events: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The Features of one report's events (``Event.to_dict()`` records, in order).

    Example:
        >>> ev = {"type": "demining", "date": "2017-11-02", "actors": [], "quantities": [], "confidence": 0.9,
        ...       "evidence": [{"text": "...", "start": 0, "end": 3}],
        ...       "places": [{"name": "Homs", "admin": None, "start": 0, "end": 4, "geo": {"lat": 34.7, "lon": 36.7}}]}
        >>> features("r.txt", [ev])[0]["geometry"]
        {'type': 'Point', 'coordinates': [36.7, 34.7]}
    """
    out = []
    for i, ev in enumerate(events):
        props = {k: v for k, v in ev.items() if k != "places"}
        props.update(event_id=event_id(source, i), source=source)
        for p in ev.get("places") or [None]:
            geo = (p or {}).get("geo")
            geometry = {"type": "Point", "coordinates": [geo["lon"], geo["lat"]]} if geo else None
            out.append({"type": "Feature", "geometry": geometry, "properties": {**props, "place": p}})
    return out


def feature_collection(reports: Iterable[tuple[str, Sequence[dict[str, Any]]]]) -> dict[str, Any]:
    """A FeatureCollection of every (source, events) pair."""
    return {"type": "FeatureCollection", "features": [f for source, events in reports for f in features(source, events)]}


def dumps(collection: dict[str, Any]) -> str:
    """The collection as UTF-8 JSON text (RFC 7946 §1: no other encoding)."""
    return json.dumps(collection, ensure_ascii=False)


@lru_cache(maxsize=1)
def geojson_schema() -> dict[str, Any]:
    """A JSON Schema of the RFC 7946 subset these exports use (FeatureCollection of Point/null Features)."""
    return json.loads(resources.files("sitrep_ie").joinpath("resources/geojson.schema.json").read_text(encoding="utf-8"))
