"""Shared builders for the geo/export/view tests (no model needed)."""

from __future__ import annotations

from typing import Any

from sitrep_ie.geo import resolve as resolve_module
from sitrep_ie.schema import Event, Mention, Place, Quantity

HOSTILE = ('<script>alert("x")</script> "><img src=x onerror=alert(1)> \' onmouseover=\'alert(2) '
           '<svg/onload=alert(3)> &amp; </textarea><iframe src="javascript:alert(4)">')

REPORT = ("HOMS /Syria/, November 2. Russian sappers cleared 275 explosive devices in Talbiseh in Homs province. "
          "Militants shelled Kafr Nan, killing 3 civilians. " + HOSTILE + " Aid reached Qwzxvbb.")


def acceptance_off(monkeypatch: Any) -> None:
    """The rule scorer's pick alone: the acceptance model (which withholds weak picks) switched off."""
    monkeypatch.setattr(resolve_module, "acceptance", lambda: None)


def span(text: str, needle: str, after: int = 0) -> tuple[int, int]:
    s = text.index(needle, after)
    return s, s + len(needle)


def sample_events(text: str = REPORT) -> list[Event]:
    """Three events over REPORT: demining (Talbiseh in Homs province), casualties (Kafr Nan), aid (unknown place)."""
    t1 = span(text, "cleared")
    q1 = span(text, "275")
    u1 = span(text, "explosive devices")
    p1 = span(text, "Talbiseh")
    a1 = span(text, "Homs province")
    act = span(text, "Russian sappers")
    e1 = Event(type="demining", date="2017-11-02", date_precision="day", actors=[Mention(text[act[0]:act[1]], *act)],
               places=[Place("Talbiseh", *p1, admin="Homs province", admin_span=a1)],
               quantities=[Quantity(275, *q1, text="275", unit="explosive devices", unit_span=u1, unit_lemma="explosive device")],
               evidence=[Mention(text[q1[0] - 30:a1[1]], q1[0] - 30, a1[1])], confidence=0.91, trigger=Mention("cleared", *t1),
               model_version="test")
    t2 = span(text, "shelled")
    p2 = span(text, "Kafr Nan")
    q2 = span(text, "3 civilians")
    s2 = span(text, "Militants shelled Kafr Nan, killing 3 civilians.")
    e2 = Event(type="casualties", date=None, places=[Place("Kafr Nan", *p2)],
               quantities=[Quantity(3, q2[0], q2[0] + 1, text="3", unit="civilians", unit_span=(q2[0] + 2, q2[1]))],
               evidence=[Mention(text[s2[0]:s2[1]], *s2)], confidence=0.7, trigger=Mention("shelled", *t2))
    h = span(text, HOSTILE)
    p3 = span(text, "Qwzxvbb")
    e3 = Event(type="aid_delivery", date=None, actors=[Mention(HOSTILE, *h)], places=[Place(HOSTILE, *h), Place("Qwzxvbb", *p3)],
               evidence=[Mention(text[h[0]:p3[1]], h[0], p3[1])], confidence=0.4)
    return [e1, e2, e3]


def sample_entities(text: str = REPORT) -> list[dict]:
    ents = []
    for needle, label in (("Russian sappers", "ACTOR"), ("275", "QUANTITY"), ("explosive devices", "UNIT"), ("Talbiseh", "PLACE"),
                          ("Homs province", "PLACE"), ("Kafr Nan", "PLACE"), ("3", "QUANTITY"), ("civilians", "UNIT"),
                          (HOSTILE, "PLACE"), ("Qwzxvbb", "PLACE")):
        s, e = span(text, needle, text.index("Russian") if needle in ("3",) else 0)
        ents.append({"start": s, "end": e, "label": label, "text": text[s:e], "score": 0.9})
    return ents
