"""ACLED-like CSV export (issue 13)."""

from __future__ import annotations

import csv
import io

import pytest
from _geo_helpers import HOSTILE, REPORT, sample_events

from sitrep_ie.export.csv import COLUMNS, fatalities, rows, write_csv
from sitrep_ie.geo import geocode_events

ACLED_LIKE = ["event_id", "event_date", "time_precision", "event_type", "actor1", "actor2", "country", "admin1", "admin2", "location",
              "latitude", "longitude", "geo_precision", "quantities", "fatalities", "source", "notes", "confidence", "model_version"]


@pytest.fixture(scope="module")
def records() -> list[dict]:
    events = sample_events()
    geocode_events(events, REPORT)
    return [e.to_dict() for e in events]


def test_columns_are_the_issue_columns() -> None:
    assert COLUMNS == ACLED_LIKE


def test_one_row_per_event_place(records: list[dict]) -> None:
    out = rows("r.txt", records)
    assert [r["event_id"] for r in out] == ["r.txt#1", "r.txt#2", "r.txt#3", "r.txt#3"]
    talbiseh = out[0]
    assert (talbiseh["location"], talbiseh["country"], talbiseh["admin1"], talbiseh["geo_precision"]) == ("Talbiseh", "Syria", "Homs", "settlement")
    assert 34.5 < talbiseh["latitude"] < 35 and talbiseh["event_date"] == "2017-11-02" and talbiseh["time_precision"] == 1
    assert talbiseh["actor1"] == "Russian sappers" and talbiseh["quantities"] == "275 explosive devices"
    assert talbiseh["notes"].endswith("Homs province") and talbiseh["confidence"] == 0.91 and talbiseh["model_version"] == "test"
    unknown = out[3]
    assert (unknown["location"], unknown["latitude"], unknown["longitude"], unknown["country"]) == ("Qwzxvbb", "", "", "")


def test_event_without_places_still_gives_a_row() -> None:
    ev = {"type": "demining", "date": None, "actors": [], "places": [], "quantities": [], "confidence": 0.5,
          "evidence": [{"text": "12 mines cleared", "start": 0, "end": 16}]}
    (row,) = rows("r.txt", [ev])
    assert row["location"] == "" and row["event_type"] == "demining"


@pytest.mark.parametrize("text,unit,want", [
    ("3 civilians were killed", "civilians", 3),
    ("3 people died of wounds", "people", 3),
    ("3 dead", "dead", 3),
    ("3 civilians were wounded", "civilians", None),
    ("3 civilians were wounded; 2 killed later", "civilians", None),  # the death word belongs to the next figure
])
def test_fatalities(text: str, unit: str, want: int | None) -> None:
    ev = {"type": "casualties", "quantities": [{"value": 3, "unit": unit, "start": 0, "end": 1}],
          "evidence": [{"text": text, "start": 0, "end": len(text)}]}
    assert fatalities(ev) == want
    assert fatalities({**ev, "type": "demining"}) is None


def test_written_csv_round_trips_hostile_text(records: list[dict]) -> None:
    buf = io.StringIO()
    assert write_csv(buf, [("r,\"x\".txt", records)]) == 4
    back = list(csv.DictReader(io.StringIO(buf.getvalue())))
    assert back[2]["location"] == HOSTILE and back[2]["source"] == "r,\"x\".txt" and list(back[0]) == ACLED_LIKE
