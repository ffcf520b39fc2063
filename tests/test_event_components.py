"""The rule components the learned event layer reads, one row per rule: a marked report, the component
that implements the rule called on it directly, and the exact output it must give.

These rows replace the rule assembler's end-to-end table (the former tests/test_event_rules.py): each
guarantee now sits on the shared component that keeps it -

* quantities (``quantities.build_quantities``): a word may stand between a number and its unit (``lexicon.unit_gap``);
  a part of a total is marked by ``lexicon.subset`` before its number (the learned layer's feature);
* admin parents (``arguments.admin_parents``): one parent for a list of places (``lexicon.list_gap``),
  a leading region frames later places (``lexicon.framing``);
* dates (``dates.report_dates`` / ``dates.event_date``): running totals and "the past 24 hours" take
  the report date (``lexicon.total``, ``lexicon.past_day``); the dateline place is found
  (``ReportDates.dateline_place``) and is no event place;
* segmentation (``segment.clauses``): ", where" starts a clause;
* the features the learned layer reads: the negation cue of a sentence (``lexicon.negation``) and
  the victim nouns of a type (``EventType.is_victim``).

``test_component`` checks each row with the shipped configs. ``test_component_is_load_bearing``
switches the row's cue off (its words replaced by a word nobody writes, its pattern made never to
match, the victim nouns removed, the dateline place cleared) and checks the same row then gives a
different output, so no cue can be deleted with every test still passing.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest

from sitrep_ie.config import read_yaml, resource_path
from sitrep_ie.data.corpus import parse_body
from sitrep_ie.events.arguments import admin_parents
from sitrep_ie.events.dates import ReportDates, event_date, report_dates
from sitrep_ie.events.learned.features import SUBSET_CHARS, VICTIM_CHARS
from sitrep_ie.events.lexicon import Lexicon, default_lexicon
from sitrep_ie.events.ontology import Ontology, default_ontology
from sitrep_ie.events.quantities import NormalisationConfig, build_quantities, default_config
from sitrep_ie.events.segment import clauses, sentences
from sitrep_ie.schema import Entity

CODES = {"Q": "QUANTITY", "U": "UNIT", "P": "PLACE", "A": "ACTOR"}
NEVER = re.compile(r"(?!x)x")
REF = dt.date(2019, 3, 6)


@dataclasses.dataclass(frozen=True)
class Parts:
    """The configs the components read, and the report-date reader (replaced to clear the dateline place)."""

    ontology: Ontology
    normalisation: NormalisationConfig
    lexicon: Lexicon
    read_dates: Callable[[str, dt.date | None, Lexicon], ReportDates] = report_dates


Probe = Callable[[str, list[Entity], Parts, dt.date | None], Any]
Off = Callable[[Parts], Parts]


def shipped() -> Parts:
    return Parts(default_ontology(), default_config(), default_lexicon())


def mark(marked: str) -> tuple[str, list[Entity]]:
    """'[[12|Q]] [[mines|U]]' -> plain text and its entities, sorted by start."""
    text, spans = parse_body(marked, CODES, "rule")
    return text, sorted((Entity(a, b, lab, text[a:b], 0.9) for a, b, lab in spans), key=lambda e: (e.start, e.end))


# --- probes: call one component and summarise its output -------------------------------------------

def quantities(text: str, ents: list[Entity], parts: Parts, ref: dt.date | None) -> list[tuple[float, str | None]]:
    """(value, unit) of each quantity ``build_quantities`` pairs."""
    return [(q.value, q.unit) for q, _ in build_quantities(text, ents, parts.normalisation, parts.lexicon)]


def parts_of_total(text: str, ents: list[Entity], parts: Parts, ref: dt.date | None) -> list[tuple[float, str | None, bool]]:
    """(value, unit, is a part of a total): the subset cue just before each number, as the learned layer reads it."""
    lex = parts.lexicon
    return [(q.value, q.unit, bool(lex.subset.search(text[max(0, q.start - SUBSET_CHARS):q.start])))
            for q, _ in build_quantities(text, ents, parts.normalisation, lex)]


def admin(text: str, ents: list[Entity], parts: Parts, ref: dt.date | None) -> list[tuple[str, str]]:
    """(place, admin parent) pairs ``admin_parents`` finds, read per sentence as the learned layer does."""
    out: list[tuple[str, str]] = []
    for sent in sentences(text, parts.lexicon):
        places = [e for e in ents if e.label == "PLACE" and sent.start <= e.start < sent.end]
        parent_of = admin_parents(text, places, parts.normalisation, parts.lexicon, sent.start)
        out += [(places[k].text, places[v].text) for k, v in sorted(parent_of.items())]
    return out


def dates(text: str, ents: list[Entity], parts: Parts, ref: dt.date | None) -> list[tuple[str | None, str | None]]:
    """(date, precision) ``event_date`` gives each sentence."""
    rd = parts.read_dates(text, ref, parts.lexicon)
    return [event_date(text, s, rd, parts.lexicon)[:2] for s in sentences(text, parts.lexicon)]


def dateline(text: str, ents: list[Entity], parts: Parts, ref: dt.date | None) -> tuple[str | None, list[str], list[tuple[str | None, str | None]]]:
    """(dateline place, the PLACE spans outside it, each sentence's date)."""
    dl = parts.read_dates(text, ref, parts.lexicon).dateline_place
    places = [e.text for e in ents if e.label == "PLACE" and not (dl and dl[0] <= e.start < dl[1])]
    return (text[dl[0]:dl[1]] if dl else None), places, dates(text, ents, parts, ref)


def clause_texts(text: str, ents: list[Entity], parts: Parts, ref: dt.date | None) -> list[list[str]]:
    """The clauses of each sentence, as text."""
    lex = parts.lexicon
    return [[c.text(text) for c in clauses(text, s, lex)] for s in sentences(text, lex)]


def negated(text: str, ents: list[Entity], parts: Parts, ref: dt.date | None) -> list[bool]:
    """Does the negation cue fire in each sentence (the learned layer's ``negated`` feature)?"""
    lex = parts.lexicon
    return [bool(lex.negation.search(s.text(text))) for s in sentences(text, lex)]


def victims(event_type: str) -> Probe:
    """(actor, is a victim of ``event_type``) for each ACTOR span (the learned layer's victim feature)."""
    def probe(text: str, ents: list[Entity], parts: Parts, ref: dt.date | None) -> list[tuple[str, bool]]:
        et = parts.ontology[event_type]
        return [(e.text, et.is_victim(text[e.end:e.end + VICTIM_CHARS])) for e in ents if e.label == "ACTOR"]
    return probe


# --- switches: the same configs with one cue off -----------------------------------------------------

def lexicon_without(section: str, key: str, keep: str = "zzzz") -> Off:
    def off(parts: Parts) -> Parts:
        words = copy.deepcopy(parts.lexicon.words)
        words[section][key] = [keep]  # a list must not be empty: a cue nobody writes switches the rule off
        return dataclasses.replace(parts, lexicon=Lexicon.from_dict(words))
    return off


def pattern_off(attr: str) -> Off:
    def off(parts: Parts) -> Parts:
        lex = Lexicon.from_dict(copy.deepcopy(parts.lexicon.words))  # a fresh lexicon: patterns are cached per lexicon
        object.__setattr__(lex, attr, NEVER)
        return dataclasses.replace(parts, lexicon=lex)
    return off


def no_victim_nouns(parts: Parts) -> Parts:
    data = read_yaml(resource_path("ontology.yaml"))
    for spec in data["types"].values():
        spec.pop("victim_nouns", None)
    return dataclasses.replace(parts, ontology=Ontology.from_dict(data))


def no_dateline_place(parts: Parts) -> Parts:
    def read(text: str, ref: dt.date | None, lex: Lexicon) -> ReportDates:
        return dataclasses.replace(report_dates(text, ref, lex), dateline_place=None)
    return dataclasses.replace(parts, read_dates=read)


# (rule, marked report, reference date, component probe, expected output, how to switch the rule off)
ROWS: list[tuple[str, str, dt.date | None, Probe, Any, Off]] = [
    ("part of a total is marked as such",
     "[[WFP|A]] delivered food to [[300|Q]] [[families|U]] in [[Raqqa|P]], including [[120|Q]] [[returnee families|U]].", None,
     parts_of_total, [(300, "families", False), (120, "returnee families", True)],
     pattern_off("subset")),
    ("an admin parent is shared by a list of places",
     "[[Two|Q]] [[settlements|U]], [[Kafr Nabudah|P]] and [[Tell Hawash|P]] in [[Hama province|P]], signed accession agreements.", None,
     admin, [("Kafr Nabudah", "Hama province"), ("Tell Hawash", "Hama province")],
     pattern_off("list_gap")),
    ("a leading region frames later places",
     "In [[Daraa province|P]], [[38|Q]] [[fighters|U]] laid down their arms in [[al-Sanamayn|P]].", None,
     admin, [("al-Sanamayn", "Daraa province")],
     pattern_off("framing")),
    ("a negated sentence is marked",
     "No [[Militants|A]] shelled [[Idlib|P]] this week; no violations were recorded. [[Militants|A]] shelled [[Hama|P]] on Monday.", None,
     negated, [True, False],
     lexicon_without("events", "negation")),
    ("victims are not actors",
     "[[Militants|A]] attacked a [[WFP|A]] convoy near [[Aleppo|P]].", None,
     victims("ceasefire_violation"), [("Militants", False), ("WFP", True)],
     no_victim_nouns),
    ("a running total takes the report date",
     "Since 1 March, a total of [[1,200|Q]] [[families|U]] returned to [[Raqqa|P]].", REF,
     dates, [("2019-03-06", "day")],
     pattern_off("total")),
    ("the past 24 hours take the report date",
     "In the past 24 hours, [[sappers|A]] cleared [[12|Q]] [[mines|U]] in [[Homs|P]].", REF,
     dates, [("2019-03-06", "day")],
     pattern_off("past_day")),
    ("a word may stand between a number and its unit",
     "The [[SARC|A]] convoy brought [[31|Q]] more [[trucks|U]] of flour to [[Douma|P]].", None,
     quantities, [(31, "trucks")],
     lexicon_without("quantities", "unit_gap_words")),
    ("the dateline place is no event place",
     "[[ALEPPO|P]], March 4 (TASS) - [[Sappers|A]] cleared [[12|Q]] [[mines|U]] in [[Hama|P]].", REF,
     dateline, ("ALEPPO", ["Hama"], [("2019-03-04", "day")]),
     no_dateline_place),
    ("a clause ends at ', where'",
     "[[WFP|A]] delivered [[20|Q]] [[tonnes|U]] of food to [[Douma|P]], where [[militants|A]] shelled [[3|Q]] [[houses|U]].", None,
     clause_texts, [["WFP delivered 20 tonnes of food to Douma", "militants shelled 3 houses."]],
     lexicon_without("segment", "clause_after_comma")),
]
IDS = [r[0] for r in ROWS]


def run(marked: str, probe: Probe, parts: Parts, ref: dt.date | None) -> Any:
    text, ents = mark(marked)
    return probe(text, ents, parts, ref)


@pytest.mark.parametrize("rule,marked,ref,probe,expected,off", ROWS, ids=IDS)
def test_component(rule: str, marked: str, ref: dt.date | None, probe: Probe, expected: Any, off: Off) -> None:
    assert run(marked, probe, shipped(), ref) == expected


@pytest.mark.parametrize("rule,marked,ref,probe,expected,off", ROWS, ids=IDS)
def test_component_is_load_bearing(rule: str, marked: str, ref: dt.date | None, probe: Probe, expected: Any, off: Off) -> None:
    assert expected, f"'{rule}' expects nothing: switching it off could not show anything"
    got = run(marked, probe, off(shipped()), ref)
    assert got != expected, f"switching off '{rule}' changes nothing: the row does not test it"
