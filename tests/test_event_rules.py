"""Each rule of the event layer, one row: a report that needs it, and what it must give.

``test_rule`` checks the row with the shipped configs. ``test_rule_is_load_bearing`` switches the
rule off (its cue words or its pattern removed) and checks that the same row then fails, so no rule
can be deleted with every test still passing.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import re
from typing import Any, Callable

import pytest

from sitrep_ie.config import read_yaml, resource_path
from sitrep_ie.data.corpus import parse_body
from sitrep_ie.events import pipeline
from sitrep_ie.events.lexicon import Lexicon
from sitrep_ie.events.ontology import Ontology
from sitrep_ie.events.pipeline import EventLayer
from sitrep_ie.schema import Entity

CODES = {"Q": "QUANTITY", "U": "UNIT", "P": "PLACE", "A": "ACTOR"}
NEVER = re.compile(r"(?!x)x")
REF = dt.date(2019, 3, 6)


def _events(marked: str, layer: EventLayer, ref: dt.date | None = REF) -> list[dict[str, Any]]:
    text, spans = parse_body(marked, CODES, "rule")
    ents = [Entity(a, b, lab, text[a:b], 0.9) for a, b, lab in spans]
    return [e.to_dict() for e in layer.assemble(text, ents, reference_date=ref)]


def _summary(events: list[dict[str, Any]]) -> list[tuple]:
    return [(e["type"], e["date"], e["actors"], [(p["name"], p["admin"]) for p in e["places"]],
             [(q["value"], q["unit"]) for q in e["quantities"]]) for e in events]


def _lexicon_without(section: str, key: str, keep: str = "zzzz") -> Callable[[EventLayer], EventLayer]:
    def off(layer: EventLayer) -> EventLayer:
        words = copy.deepcopy(layer.lexicon.words)
        words[section][key] = [keep]  # a list must not be empty: a cue nobody writes switches the rule off
        return EventLayer(layer.ontology, layer.normalisation, Lexicon.from_dict(words))
    return off


def _pattern_off(attr: str) -> Callable[[EventLayer], EventLayer]:
    def off(layer: EventLayer) -> EventLayer:
        lex = Lexicon.from_dict(copy.deepcopy(layer.lexicon.words))
        object.__setattr__(lex, attr, NEVER)
        return EventLayer(layer.ontology, layer.normalisation, lex)
    return off


def _no_victim_nouns(layer: EventLayer) -> EventLayer:
    data = read_yaml(resource_path("ontology.yaml"))
    for spec in data["types"].values():
        spec.pop("victim_nouns", None)
    return EventLayer(Ontology.from_dict(data), layer.normalisation, layer.lexicon)


def _no_dateline_place(layer: EventLayer, monkeypatch: pytest.MonkeyPatch) -> EventLayer:
    real = pipeline.report_dates
    monkeypatch.setattr(pipeline, "report_dates", lambda *a: dataclasses.replace(real(*a), dateline_place=None))
    return layer


# (rule, marked report, reference date, expected events, how to switch the rule off)
RULES = [
    ("part of a total stays with the total",
     "[[WFP|A]] delivered food to [[300|Q]] [[families|U]] in [[Raqqa|P]], including [[120|Q]] [[returnee families|U]].", None,
     [("aid_delivery", None, ["WFP"], [("Raqqa", None)], [(300, "families"), (120, "returnee families")])],
     _pattern_off("subset")),
    ("a unit carries to a later number",
     "Monitors recorded [[nine|Q]] [[ceasefire violations|U]]: [[four|Q]] in [[Homs|P]], [[five|Q]] in [[Hama|P]].", None,
     [("ceasefire_violation", None, [], [("Homs", None), ("Hama", None)],
       [(9, "ceasefire violations"), (4, "ceasefire violations"), (5, "ceasefire violations")])],
     _pattern_off("ellipsis_after")),
    ("an admin parent is shared by a list of places",
     "[[Two|Q]] [[settlements|U]], [[Kafr Nabudah|P]] and [[Tell Hawash|P]] in [[Hama province|P]], signed accession agreements.", None,
     [("reconciliation", None, [], [("Kafr Nabudah", "Hama province"), ("Tell Hawash", "Hama province")], [(2, "settlements")])],
     _pattern_off("list_gap")),
    ("a leading region frames later places",
     "In [[Daraa province|P]], [[38|Q]] [[fighters|U]] laid down their arms in [[al-Sanamayn|P]].", None,
     [("reconciliation", None, [], [("al-Sanamayn", "Daraa province")], [(38, "fighters")])],
     _pattern_off("framing")),
    ("a negated attack is no event",
     "No [[Militants|A]] shelled [[Idlib|P]] this week; no violations were recorded.", None,
     [],
     _lexicon_without("events", "negation")),
    ("victims are not actors",
     "[[Militants|A]] attacked a [[WFP|A]] convoy near [[Aleppo|P]].", None,
     [("ceasefire_violation", None, ["Militants"], [("Aleppo", None)], [])],
     _no_victim_nouns),
    ("a running total takes the report date",
     "Since 1 March, a total of [[1,200|Q]] [[families|U]] returned to [[Raqqa|P]].", REF,
     [("refugee_return", "2019-03-06", [], [("Raqqa", None)], [(1200, "families")])],
     _pattern_off("total")),
    ("the past 24 hours take the report date",
     "In the past 24 hours, [[sappers|A]] cleared [[12|Q]] [[mines|U]] in [[Homs|P]].", REF,
     [("demining", "2019-03-06", ["sappers"], [("Homs", None)], [(12, "mines")])],
     _pattern_off("past_day")),
    ("a word may stand between a number and its unit",
     "The [[SARC|A]] convoy brought [[31|Q]] more [[trucks|U]] of flour to [[Douma|P]].", None,
     [("aid_delivery", None, ["SARC"], [("Douma", None)], [(31, "trucks")])],
     _lexicon_without("quantities", "unit_gap_words")),
    ("the dateline place is no event place",
     "[[ALEPPO|P]], March 4 (TASS) - [[Sappers|A]] cleared [[12|Q]] [[mines|U]] in [[Hama|P]].", REF,
     [("demining", "2019-03-04", ["Sappers"], [("Hama", None)], [(12, "mines")])],
     _no_dateline_place),
    ("a clause ends at ', where'",
     "[[WFP|A]] delivered [[20|Q]] [[tonnes|U]] of food to [[Douma|P]], where [[militants|A]] shelled [[3|Q]] [[houses|U]].", None,
     [("aid_delivery", None, ["WFP"], [("Douma", None)], [(20, "tonnes")]),
      ("ceasefire_violation", None, ["militants"], [("Douma", None)], [(3, "houses")])],
     _lexicon_without("segment", "clause_after_comma")),
]


@pytest.mark.parametrize("rule,marked,ref,expected,off", RULES, ids=[r[0] for r in RULES])
def test_rule(rule, marked, ref, expected, off):
    assert _summary(_events(marked, EventLayer(), ref)) == expected


@pytest.mark.parametrize("rule,marked,ref,expected,off", RULES, ids=[r[0] for r in RULES])
def test_rule_is_load_bearing(rule, marked, ref, expected, off, monkeypatch):
    layer = off(EventLayer(), monkeypatch) if off is _no_dateline_place else off(EventLayer())
    assert _summary(_events(marked, layer, ref)) != expected, f"switching off '{rule}' changes nothing: the row does not test it"
