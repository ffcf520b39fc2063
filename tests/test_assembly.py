"""The rule-based parts of the event layer on hand-built spans (no model): quantities, dates, designators."""

import datetime as dt

import pytest

from sitrep_ie.data.corpus import parse_body
from sitrep_ie.events.arguments import split_designator
from sitrep_ie.events.dates import event_date, report_dates
from sitrep_ie.events.lexicon import default_lexicon
from sitrep_ie.events.quantities import build_quantities, default_config
from sitrep_ie.events.segment import sentences
from sitrep_ie.schema import Entity

CFG, LEX = default_config(), default_lexicon()
CODES = {"Q": "QUANTITY", "U": "UNIT", "P": "PLACE", "A": "ACTOR"}


def mark(marked: str) -> tuple[str, list[Entity]]:
    """'[[275|Q]] [[mines|U]]' -> plain text and entities (the corpus authoring markup, its own parser)."""
    text, spans = parse_body(marked, CODES, "test")
    return text, [Entity(a, b, lab, text[a:b], 0.9) for a, b, lab in spans]


@pytest.mark.parametrize(
    "marked, expected",
    [
        ("between [[300|Q]] and [[400|Q]] [[families|U]] returned", [(300, 400, "families", "range")]),
        ("[[300|Q]]-[[400|Q]] [[people|U]] fled", [(300, 400, "people", "range")]),
        ("more than [[1,200|Q]] [[tonnes|U]] of flour", [(1200, None, "tonnes", "more than")]),
        ("about [[thirty-six|Q]] [[trucks|U]]", [(36, None, "trucks", "about")]),
        ("[[1.5 million|Q]] [[people|U]]", [(1_500_000, None, "people", None)]),
        ("[[ten|Q]] [[members|U]] of [[illegal armed groups|A]]", [(10, None, "members", None)]),
        # a measure unit joined to its number is split off ("41,700m2"); an ordinal is no such thing
        ("cleared [[41,700m2|Q]] of land", [(41700, None, "m2", None)]),
        ("about [[0,93km2|Q]] released", [(0.93, None, "km2", "about")]),
        ("on the [[4th|Q]] day", []),
        # plain words between a number and its unit (the annotation tags the head noun alone)
        ("screened [[530|Q]] returnee [[children|U]]", [(530, None, "children", None)]),
        ("[[6,870|Q]] South Sudanese [[refugees|U]] left", [(6870, None, "refugees", None)]),
        # ... unless a break word ends the number's phrase
        ("destroyed [[40|Q]] and defused [[12|Q]] [[mines|U]]", [(40, None, None, None), (12, None, "mines", None)]),
        ("[[two|Q]] needed emergency [[surgery|U]]", [(2, None, None, None)]),
        # a number without a UNIT of its own has none, whatever unit an earlier number had (GUIDELINES 4.4: "wounding
        # [[seven|Q]]"; on train 53 of 62 annotated breakdowns such as "612 from Zaatari camp" have no unit)
        ("killing [[seven|Q]] [[civilians|U]] and wounding [[23|Q]], police said", [(7, None, "civilians", None), (23, None, None, None)]),
        ("[[nine|Q]] [[violations|U]]: [[four|Q]] in Homs; [[five|Q]]; and more", [(9, None, "violations", None), (4, None, None, None),
                                                                            (5, None, None, None)]),
        ("[[1,032|Q]] [[refugees|U]] returned: [[612|Q]] from Zaatari camp and [[148|Q]] from Azraq camp",
         [(1032, None, "refugees", None), (612, None, None, None), (148, None, None, None)]),
        # a name between a number and its counted noun modifies the noun
        ("[[Eleven|Q]] [[UN|A]] [[trucks|U]] crossed", [(11, None, "trucks", None)]),
        ("[[12|Q]] [[al-Shabaab|A]] [[fighters|U]] surrendered to the [[army|A]]", [(12, None, "fighters", None)]),
        ("[[12|Q]] fighters of [[al-Shabaab|A]] and [[40|Q]] [[civilians|U]]", [(12, None, None, None), (40, None, "civilians", None)]),
        # sub-counts name their noun after "of the" or "of them for" (GUIDELINES 4.4)
        ("moved [[1,260|Q]] of the [[deportees|U]] on", [(1260, None, "deportees", None)]),
        ("[[420|Q]] [[consultations|U]], [[150|Q]] of them for [[children|U]]", [(420, None, "consultations", None), (150, None, "children", None)]),
        # a table row's label is its number's unit; the next row's label is not
        ("Item\tNumber\n[[Anti-personnel mines|U]]\t[[48|Q]]\n[[Anti-tank mines|U]]\t[[31|Q]]\n",
         [(48, None, "Anti-personnel mines", None), (31, None, "Anti-tank mines", None)]),
        ("[[UNICEF|A]]   [[children|U]] vaccinated   [[1,107|Q]]", [(1107, None, "children", None)]),
        ("District   Area   Items\n[[Xieng|P]]   [[512,300|Q]] [[m2|U]]   [[1,208|Q]]", [(512300, None, "m2", None), (1208, None, None, None)]),
        # a number in a table column takes the UNIT tagged in the column's header, every row down to the total
        ("Site   [[Submunitions|U]] destroyed   Area cleared ([[m2|U]])\n[[Kafra|P]]   [[46|Q]]   [[18,300|Q]]\nTotal   [[71|Q]]   [[33,870|Q]]",
         [(46, None, "Submunitions", None), (18300, None, "m2", None), (71, None, "Submunitions", None), (33870, None, "m2", None)]),
        # ... only where header and row line up cell for cell, and only under the table's first line
        ("Site   [[Submunitions|U]] destroyed\n[[Kafra|P]]   [[46|Q]]   [[18,300|Q]]", [(46, None, None, None), (18300, None, None, None)]),
        ("Cleared [[12|Q]] [[mines|U]] at two sites.\n[[Kafra|P]]   [[46|Q]]", [(12, None, "mines", None), (46, None, None, None)]),
        # a number joined by a hyphen to its counted noun: "a 12-truck convoy" counts 12 trucks; "one-off" counts nothing
        ("WFP sent a [[12-truck|Q]] convoy", [(12, None, "truck", None)]),
        ("a [[nine-truck|Q]] convoy", [(9, None, "truck", None)]),
        ("paid [[one-off|Q]] grants during a [[five-day|Q]] campaign", []),
        # a bare scale word after a vague one is a vague amount (H11), not 100; "a hundred" is 100 (H2)
        ("Several [[hundred|Q]] [[refugees|U]] left Arsal", []),
        ("a few [[thousand|Q]] [[people|U]] fled", []),
        ("[[a hundred|Q]] [[tents|U]] arrived", [(100, None, "tents", None)]),
    ],
)
def test_quantities(marked, expected):
    text, ents = mark(marked)
    got = [(q.value, q.upper, q.unit, q.approx) for q, _ in build_quantities(text, ents, CFG, LEX)]
    assert got == expected


def test_dateline_dates_and_un_header_does_not_date():
    # a wire dateline dates the report's events and its place is marked (no event place); a UN header's date line does not
    text, ents = mark("[[ALEPPO|P]], March 4 (TASS) - Sappers cleared [[12|Q]] [[mines|U]] in [[Hanano|P]].")
    rd = report_dates(text, dt.date(2019, 3, 5), LEX)
    assert rd.dateline_place == (0, 6)
    assert event_date(text, sentences(text, LEX)[0], rd, LEX)[:2] == ("2019-03-04", "day")
    text, ents = mark("OCHA Flash Update\ndate 2021-03-14\n- [[WFP|A]] delivered [[40|Q]] [[tonnes|U]] of food to [[Marib|P]].")
    rd = report_dates(text, dt.date(2021, 3, 14), LEX)
    assert rd.dateline_place is None
    assert event_date(text, sentences(text, LEX)[-1], rd, LEX)[0] is None


@pytest.mark.parametrize("name, base, designator", [("Homs province", "Homs", "province"), ("Rukban camp", "Rukban", "camp"),
                                                    ("Eastern Ghouta", "Eastern Ghouta", None), ("Camp", "Camp", None)])
def test_designators(name, base, designator):
    assert split_designator(name, CFG) == (base, designator)


@pytest.mark.parametrize(
    "text, parts",
    [
        ("Aid reached Madaya. Shelling hit Foaa.", ["Aid reached Madaya.", "Shelling hit Foaa."]),
        # typographic quotes and dashes open a sentence as plain ones do (a quote's places stayed in the sentence before)
        ("Aid reached Madaya. “Shelling hit Foaa,” he said.", ["Aid reached Madaya.", "“Shelling hit Foaa,” he said."]),
        ("“Aid reached Madaya.” Shelling hit Foaa.", ["“Aid reached Madaya.”", "Shelling hit Foaa."]),
        ("Aid reached Renk. – Malaria cases rose in Malakal.", ["Aid reached Renk.", "– Malaria cases rose in Malakal."]),
        ("Aid reached Renk. ● Malaria cases rose in Malakal.", ["Aid reached Renk.", "● Malaria cases rose in Malakal."]),
        ("Teams cleared 3.5 hectares near Sirte.", ["Teams cleared 3.5 hectares near Sirte."]),
    ],
)
def test_sentence_ends(text, parts):
    assert [s.text(text) for s in sentences(text, LEX)] == parts


@pytest.mark.parametrize(
    "marked, pairs",
    [
        ("Shelling hit [[Kharkiv|P]]'s [[Saltivka|P]] area.", [("Saltivka", "Kharkiv")]),  # a possessive names the parent
        ("Shelling hit [[Kharkiv|P]]’s [[Saltivka|P]] area.", [("Saltivka", "Kharkiv")]),
        ("Shelling hit [[Saltivka|P]] in [[Kharkiv region|P]].", [("Saltivka", "Kharkiv region")]),
        ("Shelling hit [[Saltivka|P]] and [[Kharkiv|P]].", []),
    ],
)
def test_admin_parents(marked, pairs):
    from sitrep_ie.events.arguments import admin_parents

    text, ents = mark(marked)
    places = [e for e in ents if e.label == "PLACE"]
    assert [(places[k].text, places[v].text) for k, v in sorted(admin_parents(text, places, CFG, LEX).items())] == pairs
