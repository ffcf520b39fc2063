"""geocode_events on event records, the JSON Schema of geo, laziness and hostile reports (issue 13)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from _geo_helpers import HOSTILE, REPORT, sample_events

from sitrep_ie.geo import geocode_events
from sitrep_ie.schema import Event, Mention, Place, event_schema

ROOT = Path(__file__).resolve().parent.parent


def test_places_get_geo_and_unknown_ones_stay_null() -> None:
    events = sample_events()
    geocode_events(events, REPORT)
    talbiseh = events[0].places[0]
    assert talbiseh.geo is not None and talbiseh.geo["geonames_id"] == 163779 and talbiseh.geo["admin1"] == "Homs"
    hostile, unknown = events[2].places
    assert hostile.geo is None and unknown.geo is None
    assert (hostile.name, unknown.name) == (HOSTILE, "Qwzxvbb")  # kept as written


def test_records_with_geo_match_the_event_schema() -> None:
    events = sample_events()
    geocode_events(events, REPORT)
    validator = jsonschema.Draft202012Validator(event_schema())
    for ev in events:
        validator.validate(ev.to_dict())
    d = events[0].to_dict()["places"][0]["geo"]
    bad = dict(d, precision="street")
    with pytest.raises(jsonschema.ValidationError):
        validator.validate({**events[0].to_dict(), "places": [{**events[0].to_dict()["places"][0], "geo": bad}]})


def test_events_without_places_do_not_open_the_gazetteer() -> None:
    code = ("import sitrep_ie\nfrom sitrep_ie.geo import geocode_events\nfrom sitrep_ie.geo.gazetteer import loaded\n"
            "from sitrep_ie.schema import Event, Mention\n"
            "geocode_events([Event(type='demining', date=None, evidence=[Mention('x', 0, 1)])], 'x')\n"
            "print(loaded())\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"}).stdout
    assert out.strip() == "False"


def test_a_report_with_5000_places() -> None:
    text = " ".join(f"Village{i:04d}" for i in range(5000))
    places = [Place(f"Village{i:04d}", i * 12, i * 12 + 11) for i in range(4998)] + [Place("Homs", 0, 4), Place("Aleppo", 0, 6)]
    ev = Event(type="aid_delivery", date=None, places=places, evidence=[Mention(text[:10], 0, 10)])
    geocode_events([ev], text)
    assert sum(p.geo is not None for p in ev.places) >= 2 and ev.places[-1].geo["id"] == "gn:170063"


@pytest.mark.parametrize("name", ["x" * 10_000, "-" * 10_000, "'’‘", "…", "Palmyra تدمر", "Пальміра", HOSTILE])
def test_hostile_place_names(name: str) -> None:
    ev = Event(type="demining", date=None, places=[Place(name, 0, len(name)), Place("Aleppo", 0, 6)], evidence=[Mention("x", 0, 1)])
    geocode_events([ev], name)
    assert ev.places[1].geo is not None and ev.places[1].geo["country_code"] == "SY"
    json.dumps(ev.to_dict())  # still serialisable


@pytest.mark.parametrize("text,name,precision,admin1", [
    ("Shelling hit Latamneh in the province of Hama on Monday.", "Hama", "admin1", "Hama"),
    ("Mortars fell on Aleppo and Hama provinces overnight.", "Hama", "admin1", "Hama"),
    ("Mortars fell on Hama overnight.", "Hama", "settlement", "Hama"),  # a bare name is the city
    ("Sappers cleared fields in Odeska oblast.", "Odeska oblast", "admin1", "Odesa"),  # Ukrainian adjectival form
])
def test_the_context_designates_a_province(text: str, name: str, precision: str, admin1: str) -> None:
    start = text.index(name)
    ev = Event(type="ceasefire_violation", date=None, places=[Place(name, start, start + len(name))])
    geocode_events([ev], text)
    geo = ev.places[0].geo
    assert geo is not None and (geo["precision"], geo["admin1"]) == (precision, admin1)
