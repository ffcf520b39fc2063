"""The authoring check reads a quantity's value the way extraction reads its Q span (tools/build_corpus.py --check)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sitrep_ie.data.corpus import check_record, parse_file, short_codes

REPORT = """@@@ report t-001
style: demining_ngo
country: Ukraine
split: train
reference_date: 2023-05-02
structures: decimal_comma
---
[[HALO Trust|A]] teams [[cleared|T]] [[{q}|Q]] [[ha|U]] near [[Izium|P]].
---
event: {{"type": "demining", "date": null, "actors": ["HALO Trust"], "places": [{{"name": "Izium", "admin": null}}], "quantities": [{{"value": {v}, "unit": "ha", "approx": null}}], "trigger": "cleared"}}
"""


@pytest.mark.parametrize("q,v,ok", [
    ("1,8", 1.8, True),        # decimal comma, no number in words anywhere in the report
    ("1,8", 18, False),
    ("1,800", 1800, True),     # thousands separator
    ("12.5", 12.5, True),
    ("12.5", 125, False),
])
def test_value_must_read_from_a_q_span(tmp_path: Path, q: str, v: float, ok: bool) -> None:
    path = tmp_path / "src.txt"
    path.write_text(REPORT.format(q=q, v=v), encoding="utf-8")
    (rec,) = parse_file(path, short_codes())
    problems = [p for p in check_record(rec, {"demining"}) if "reads as" in p]
    assert (not problems) == ok, problems


LINKED = """@@@ report t-002
style: un_ocha
country: Ethiopia
split: train
reference_date: 2019-02-27
structures: bullets
---
{body}
---
event: {{"type": "medical_aid", "date": null, "actors": ["MSF"], "places": [{{"name": "Gedeb", "admin": null}}], "quantities": [{{"value": 410, "unit": "children", "approx": null}}], "trigger": "treated"}}
"""


@pytest.mark.parametrize("body, where", [
    # the bullet row just before is nearer in characters; the argument is the mention in the trigger's sentence
    ("Vaccinations by site:\n- [[Gedeb|P]]: [[14,300|Q]] [[children|U]]\n[[MSF|A]] teams [[treated|T]] [[410|Q]] [[children|U]] "
     "for severe acute malnutrition at two stabilisation centres in [[Gedeb|P]].", "sentence"),
    ("In [[Gedeb|P]], fuel ran short. [[MSF|A]] teams [[treated|T]] [[410|Q]] [[children|U]] for severe acute malnutrition "
     "at two stabilisation centres of the district of [[Gedeb|P]].", "sentence"),
    # no mention in the trigger's sentence: the nearest one elsewhere, as before
    ("Fuel ran short in [[Gedeb|P]]. [[MSF|A]] teams [[treated|T]] [[410|Q]] [[children|U]] for severe acute malnutrition.", "before"),
])
def test_an_argument_links_to_its_mention_in_the_trigger_sentence(tmp_path: Path, body: str, where: str) -> None:
    from sitrep_ie.data.corpus import link_events

    path = tmp_path / "src.txt"
    path.write_text(LINKED.format(body=body), encoding="utf-8")
    (rec,) = parse_file(path, short_codes())
    linked = link_events(rec)
    assert not linked.problems
    (place,) = [b for a, b, role in linked.relations if role == "place"]
    (unit,) = [b for a, b, role in linked.relations if role == "unit"]
    trigger = rec.text.index("treated")
    assert rec.text[place[0]:place[1]] == "Gedeb"
    assert (place[0] > trigger) == (where == "sentence")  # each body names Gedeb in the trigger's sentence only after "treated"
    assert unit[0] > trigger  # "children" of 410, not of the row's 14,300


@pytest.mark.parametrize("before, body, written", [
    (None, "[\n]\n", True),         # a first build writes every export
    ("[\n]\n", "[\n]\n", False),    # the same content: the file and its time stay, so make retrains nothing
    ("[\n]\n", "[\n{}\n]\n", True),  # new content is written
])
def test_exports_are_written_only_when_their_content_changes(tmp_path: Path, before: str | None, body: str, written: bool) -> None:
    import os

    from sitrep_ie.data.corpus import write_if_changed

    path = tmp_path / "train.json"
    if before is not None:
        path.write_text(before, encoding="utf-8")
        os.utime(path, (1_000_000, 1_000_000))
    assert write_if_changed(path, body) is written
    assert path.read_text(encoding="utf-8") == body
    assert (path.stat().st_mtime == 1_000_000) is (not written)


GAP = """@@@ report t-003
style: un_agency
country: Somalia
split: train
reference_date: 2023-09-20
---
{body}
---
"""


@pytest.mark.parametrize("body, flagged", [
    ("[[312|Q]] Somali [[refugees|U]] came home.", ["Somali"]),
    ("[[9,842|Q]]\tSouth Sudanese [[returnees|U]] crossed back.", ["South Sudanese"]),  # a table row's tab
    ("[[640|Q]] displaced [[children|U]] and [[12|Q]] wounded [[patients|U]].", ["displaced", "wounded"]),
    ("[[312|Q]] [[Somali refugees|U]] came home.", []),
    ("[[40|Q]] more [[families|U]] and [[6|Q]] new [[pumps|U]].", []),  # describing words stay outside
    ("[[58|Q]] of them [[displaced|U]] and [[7|Q]] [[children|U]].", []),  # a gap that only contains a classifier
    ("[[3|Q]] somali [[refugees|U]].", []),  # case-sensitive: a nationality is capitalised
    ("[[12|Q]] Syrian [[Red Crescent|A]] volunteers.", []),  # not between a QUANTITY and a UNIT
])
def test_a_classifying_word_belongs_in_the_unit(tmp_path: Path, body: str, flagged: list[str]) -> None:
    from sitrep_ie.data.corpus import unit_gaps

    path = tmp_path / "src.txt"
    path.write_text(GAP.format(body=body + " " + "word " * 80), encoding="utf-8")
    (rec,) = parse_file(path, short_codes())
    problems = unit_gaps(rec, ["Somali", "South Sudanese", "displaced", "wounded", "Syrian"])
    assert [p.split("'")[1] for p in problems] == flagged, problems
