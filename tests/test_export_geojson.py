"""GeoJSON export, validated against an RFC 7946 schema (issue 13)."""

from __future__ import annotations

import copy
import json

import jsonschema
import pytest
from _geo_helpers import REPORT, sample_events

from sitrep_ie.export.geojson import dumps, feature_collection, geojson_schema
from sitrep_ie.geo import geocode_events


@pytest.fixture(scope="module")
def collection() -> dict:
    events = sample_events()
    geocode_events(events, REPORT)
    return json.loads(dumps(feature_collection([("r.txt", [e.to_dict() for e in events]), ("empty.txt", [])])))


def test_valid_rfc7946(collection: dict) -> None:
    jsonschema.Draft202012Validator.check_schema(geojson_schema())
    jsonschema.Draft202012Validator(geojson_schema()).validate(collection)


def test_one_feature_per_event_place_lon_lat_order(collection: dict) -> None:
    feats = collection["features"]
    assert [f["properties"]["event_id"] for f in feats] == ["r.txt#1", "r.txt#2", "r.txt#3", "r.txt#3"]
    talbiseh = feats[0]
    lon, lat = talbiseh["geometry"]["coordinates"]
    geo = talbiseh["properties"]["place"]["geo"]
    assert (lon, lat) == (geo["lon"], geo["lat"]) and 36 < lon < 37.5 and 34 < lat < 35.5
    assert talbiseh["properties"]["type"] == "demining" and talbiseh["properties"]["quantities"][0]["value"] == 275
    assert feats[3]["geometry"] is None and feats[3]["properties"]["place"]["name"] == "Qwzxvbb"


@pytest.mark.parametrize("breakage", [
    lambda c: c["features"][0]["geometry"].update(coordinates=[c["features"][0]["geometry"]["coordinates"][1], 200.0]),
    lambda c: c.update(crs={"type": "name"}),
    lambda c: c["features"][0].update(type="Point"),
    lambda c: c["features"][0]["geometry"].update(coordinates=[36.0]),
    lambda c: c.update(type="Feature"),
])
def test_schema_rejects_invalid_geojson(collection: dict, breakage) -> None:
    bad = copy.deepcopy(collection)
    breakage(bad)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(geojson_schema()).validate(bad)
