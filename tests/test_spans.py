"""The tagger's spans mended by the annotation rules (events/spans.py): one row per rule, each with a case it must leave alone."""

from __future__ import annotations

import pytest

from sitrep_ie.events.lexicon import default_lexicon
from sitrep_ie.events.spans import (abbreviated_units, drop_clock_times, drop_day_lists, join_halves, name_prefixes, refine_actors,
                                    refine_spans, split_listed_numbers)
from sitrep_ie.schema import Entity

LEX = default_lexicon()


def _spans(text: str, *marked: tuple[str, str]) -> list[Entity]:
    out, at = [], 0
    for span, label in marked:
        a = text.index(span, at)
        out.append(Entity(a, a + len(span), label, span, 0.9))
        at = a + len(span)
    return out


@pytest.mark.parametrize("case,text,tagged,actors", [
    ("an acronym's '-supported' is outside", "UNHCR-supported centres opened.", [("UNHCR-supported", "ACTOR")], ["UNHCR"]),
    ("a party's own '-backed' stays (H6)", "Turkish-backed fighters shelled it.", [("Turkish-backed fighters", "ACTOR")], ["Turkish-backed fighters"]),
    ("a name never ends in 'of'", "The Ministry of Interior of the Government said.", [("Ministry of Interior of", "ACTOR")], ["Ministry of Interior"]),
    ("H5: member noun after an acronym", "MAG clearance teams worked.", [("MAG clearance", "ACTOR")], ["MAG"]),
    ("H5: member noun after a two-word name", "Islamic State fighters fled.", [("Islamic State fighters", "ACTOR")], ["Islamic State"]),
    ("a state's acronym is a nationality (H6)", "US forces struck.", [("US forces", "ACTOR")], ["US forces"]),
    ("H6: a lone nationality word is no organisation", "Syrian army engineers cleared it.", [("Syrian army engineers", "ACTOR")],
     ["Syrian army engineers"]),
    ("H6: a lone party word takes its noun", "Armed men attacked.", [("Armed", "ACTOR")], ["Armed men"]),
    ("but not a noun that is no party", "Armed convoys passed.", [("Armed", "ACTOR")], ["Armed"]),
    ("a capitalised word after a name continues it", "Volunteers of Aamin Ambulance came.", [("Aamin", "ACTOR")], ["Aamin Ambulance"]),
    ("and one before it", "The Joint Crisis Coordination Centre said.", [("Crisis Coordination Centre", "ACTOR")],
     ["Joint Crisis Coordination Centre"]),
    ("a rank is no part of a name", "Major General Igor Konashenkov said.", [("Igor Konashenkov", "ACTOR")], ["Igor Konashenkov"]),
    ("nor a country after an agency", "WFP Ethiopia delivered food.", [("WFP", "ACTOR")], ["WFP"]),
    ("a name never grows into another span", "UNHCR Damascus staff", [("UNHCR", "ACTOR"), ("Damascus", "PLACE")], ["UNHCR"]),
    ("halves cut at 'of the' join", "the International Mine Action Centre of the Russian Armed Forces cleared",
     [("International Mine Action Centre of the", "ACTOR"), ("Russian Armed Forces", "ACTOR")],
     ["International Mine Action Centre of the Russian Armed Forces"]),
    ("but 'and' starts another name", "the Interior Ministry and Free Fields Foundation cleared",
     [("Interior Ministry and", "ACTOR"), ("Free Fields Foundation", "ACTOR")], ["Interior Ministry", "Free Fields Foundation"]),
])
def test_actor_bounds(case, text, tagged, actors):
    out = refine_actors(text, _spans(text, *tagged), LEX)
    assert [e.text for e in out if e.label == "ACTOR"] == actors, case
    assert all(text[e.start:e.end] == e.text for e in out), case


def test_other_labels_pass_unchanged():
    text = "WFP trucks reached Douma."
    ents = _spans(text, ("WFP", "ACTOR"), ("trucks", "UNIT"), ("Douma", "PLACE"))
    assert refine_actors(text, ents, LEX)[1:] == ents[1:]


@pytest.mark.parametrize("case,text,tagged,expected", [
    ("a UNIT cut at a space joins", "removed 54 PMN-2 mines", [("54", "QUANTITY"), ("PMN-2", "UNIT"), ("mines", "UNIT")],
     [("54", "QUANTITY"), ("PMN-2 mines", "UNIT")]),
    ("a modifier cut off its noun joins", "640 unaccompanied boys", [("640", "QUANTITY"), ("unaccompanied", "UNIT"), ("boys", "UNIT")],
     [("640", "QUANTITY"), ("unaccompanied boys", "UNIT")]),
    ("table cells stay apart", "Mines   UXO", [("Mines", "UNIT"), ("UXO", "UNIT")], [("Mines", "UNIT"), ("UXO", "UNIT")]),
    ("a number grouped by a space joins (H2)", "distributed 70 522 rations", [("70", "QUANTITY"), ("522", "QUANTITY"), ("rations", "UNIT")],
     [("70 522", "QUANTITY"), ("rations", "UNIT")]),
    ("but two numbers stay two", "between 12 1500 and", [("12", "QUANTITY"), ("1500", "QUANTITY")], [("12", "QUANTITY"), ("1500", "QUANTITY")]),
    ("other labels stay apart", "in Central Darfur", [("Central", "PLACE"), ("Darfur", "PLACE")], [("Central", "PLACE"), ("Darfur", "PLACE")]),
    ("a UNIT cut at an abbreviation's dot joins", "37 million sq.m", [("37 million", "QUANTITY"), ("sq", "UNIT"), ("m", "UNIT")],
     [("37 million", "QUANTITY"), ("sq.m", "UNIT")]),
    ("or at its dot and a space", "4,500 sq. m of land", [("4,500", "QUANTITY"), ("sq", "UNIT"), ("m", "UNIT")],
     [("4,500", "QUANTITY"), ("sq. m", "UNIT")]),
    ("but not at a sentence's end", "40 mines. Teams", [("mines", "UNIT"), ("Teams", "UNIT")], [("mines", "UNIT"), ("Teams", "UNIT")]),
    ("nor after an abbreviation", "12 ha. Mines", [("ha", "UNIT"), ("Mines", "UNIT")], [("ha", "UNIT"), ("Mines", "UNIT")]),
])
def test_join_halves(case, text, tagged, expected):
    out = join_halves(text, _spans(text, *tagged))
    assert [(e.text, e.label) for e in out] == expected, case
    assert all(text[e.start:e.end] == e.text for e in out), case


@pytest.mark.parametrize("case,text,tagged,expected", [
    ("the rest after the dot joins", "37 million sq.m of land", [("37 million", "QUANTITY"), ("sq", "UNIT")], ["37 million", "sq.m"]),
    ("after a dot and a space too", "12 sq. km of fields", [("12", "QUANTITY"), ("sq", "UNIT")], ["12", "sq. km"]),
    ("a word is no abbreviation", "40 mines. in", [("40", "QUANTITY"), ("mines", "UNIT")], ["40", "mines"]),
    ("a capital starts a sentence", "5 km. In Homs", [("5", "QUANTITY"), ("km", "UNIT"), ("Homs", "PLACE")], ["5", "km", "Homs"]),
    ("a tagged span keeps its place", "3 cu.m water", [("3", "QUANTITY"), ("cu", "UNIT"), ("m", "QUANTITY")], ["3", "cu", "m"]),
])
def test_abbreviated_units(case, text, tagged, expected):
    out = abbreviated_units(text, _spans(text, *tagged))
    assert [e.text for e in out] == expected, case
    assert all(text[e.start:e.end] == e.text for e in out), case


def test_the_extractor_path_joins_before_mending_actors():
    text = "UNHCR-supported teams removed 54 PMN-2 mines"
    out = refine_spans(text, _spans(text, ("UNHCR-supported", "ACTOR"), ("54", "QUANTITY"), ("PMN-2", "UNIT"), ("mines", "UNIT")), LEX)
    assert [e.text for e in out] == ["UNHCR", "54", "PMN-2 mines"]


def test_the_extractor_path_completes_abbreviated_units():
    text = "Teams cleared 37 million sq.m of land"
    out = refine_spans(text, _spans(text, ("37 million", "QUANTITY"), ("sq", "UNIT")), LEX)
    assert [e.text for e in out] == ["37 million", "sq.m"]


@pytest.mark.parametrize("case,text,tagged,expected", [
    ("a clock time is no number (H3)", "Published: 03.07.2018, 09:37", [("37", "QUANTITY")], []),
    ("nor a time in a sentence", "at about 14:00 on 8 June", [("14:00", "QUANTITY")], []),
    ("but a ratio of counts is left alone", "a 3:1 ratio of 120 boys", [("120", "QUANTITY"), ("boys", "UNIT")],
     [("120", "QUANTITY"), ("boys", "UNIT")]),
])
def test_drop_clock_times(case, text, tagged, expected):
    out = drop_clock_times(text, _spans(text, *tagged))
    assert [(e.text, e.label) for e in out] == expected, case
    assert all(text[e.start:e.end] == e.text for e in out), case


@pytest.mark.parametrize("case,text,tagged,places", [
    ("a name's first word the tagger left out", "Shelling hit Rural Homs.", [("Homs", "PLACE")], ["Rural Homs"]),
    ("a tagged name stays as it is", "Shelling hit Rural Damascus.", [("Rural Damascus", "PLACE")], ["Rural Damascus"]),
    ("in lower case it describes the place", "Families moved to rural Homs.", [("Homs", "PLACE")], ["Homs"]),
    ("inside another span it stays there", "the Ministry of Rural Damascus", [("Ministry of Rural", "ACTOR"), ("Damascus", "PLACE")],
     ["Damascus"]),
])
def test_place_name_prefixes(case, text, tagged, places):
    out = name_prefixes(text, _spans(text, *tagged), LEX)
    assert [e.text for e in out if e.label == "PLACE"] == places, case
    assert all(text[e.start:e.end] == e.text for e in out), case


@pytest.mark.parametrize("case,text,tagged,expected", [
    ("a day after its month is no count", "On November 5, 422 hectares were cleared", [("5, 422", "QUANTITY"), ("hectares", "UNIT")],
     [("422", "QUANTITY"), ("hectares", "UNIT")]),
    ("an abbreviated month too", "On Nov. 5, 422 hectares", [("5, 422", "QUANTITY")], [("422", "QUANTITY")]),
    ("nor the year after that day", "On November 5, 2017, 422 hectares", [("5, 2017, 422", "QUANTITY")], [("422", "QUANTITY")]),
    ("a year-like count without a day stays", "cleared 12, 2019 and 40 mines", [("12, 2019", "QUANTITY")],
     [("12", "QUANTITY"), ("2019", "QUANTITY")]),
    ("two counts in a list stay two", "killed 12, 14 and 9 soldiers", [("12, 14", "QUANTITY")], [("12", "QUANTITY"), ("14", "QUANTITY")]),
    ("a number grouped by commas is one", "On November 5 1,422 hectares", [("1,422", "QUANTITY")], [("1,422", "QUANTITY")]),
    ("a decimal comma is one number", "cleared 1,8 ha", [("1,8", "QUANTITY")], [("1,8", "QUANTITY")]),
    ("a unit is no number", "May 5, 2 km", [("5, 2 km", "UNIT")], [("5, 2 km", "UNIT")]),
])
def test_split_listed_numbers(case, text, tagged, expected):
    out = split_listed_numbers(text, _spans(text, *tagged), LEX)
    assert [(e.text, e.label) for e in out] == expected, case
    assert all(text[e.start:e.end] == e.text for e in out), case


def test_the_extractor_path_splits_listed_numbers():
    text = "On November 5, 422 hectares were cleared"
    out = refine_spans(text, _spans(text, ("5, 422", "QUANTITY"), ("hectares", "UNIT")), LEX)
    assert [e.text for e in out] == ["422", "hectares"]


@pytest.mark.parametrize("case,text,tagged,expected", [
    ("days listed before their month", "entered five times: on 4, 8, 14 and 24 November",
     [("five", "QUANTITY"), ("times", "UNIT"), ("4", "QUANTITY"), ("8", "QUANTITY"), ("14", "QUANTITY")], ["five", "times"]),
    ("a range of days", "between 3 and 8 March", [("3", "QUANTITY")], []),
    ("a day with a dash", "from 3-8 March", [("3", "QUANTITY")], []),
    ("a count before a month-like verb stays", "5 may die and 12 were hurt", [("5", "QUANTITY"), ("12", "QUANTITY")], ["5", "12"]),
    ("a count stays", "killed 12 and wounded 30 in March", [("12", "QUANTITY"), ("30", "QUANTITY")], ["12", "30"]),
    ("no day is above 31", "40 November recruits", [("40", "QUANTITY")], ["40"]),
])
def test_drop_day_lists(case, text, tagged, expected):
    out = drop_day_lists(text, _spans(text, *tagged), LEX)
    assert [e.text for e in out] == expected, case


@pytest.mark.parametrize("tagged", [("4", "8"), ("4, 8",)])
def test_the_extractor_path_drops_day_lists(tagged):
    text = "The ICRC entered Dammaj on 4, 8 and 14 November."
    out = refine_spans(text, _spans(text, ("ICRC", "ACTOR"), ("Dammaj", "PLACE"), *((t, "QUANTITY") for t in tagged)), LEX)
    assert [e.text for e in out] == ["ICRC", "Dammaj"], tagged
