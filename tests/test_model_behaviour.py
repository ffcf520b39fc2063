"""What the trained default model must do with the structures real reports are built from.

These run the model `make train` publishes (skipped without one; `make test-slow` trains one and
runs them on it); texts are written for this test, not taken from the corpus.
"""

import os
from pathlib import Path

import pytest

from conftest import ROOT

MODEL = Path(os.environ.get("SITREP_IE_TEST_MODEL") or ROOT / "models" / "default")  # make test-slow points it at its fresh model


@pytest.fixture(scope="module")
def extractor():
    if not (MODEL / "sitrep_ie.json").is_file():
        pytest.skip("no trained default model (make train; make test-slow trains one and runs these checks on it)")
    from sitrep_ie import Extractor

    ex = Extractor(MODEL)
    if ex.learned is None:
        pytest.skip("the default model has no learned event layer")
    return ex


def _events(ex, text):
    return [e.to_dict() for e in ex.extract(text, reference_date="2023-03-03")]


def test_a_restated_fact_is_one_event(extractor):
    text = ("KYIV, March 3. Deminers of the State Emergency Service cleared 140 mines near Izium in the past 24 hours, "
            "the service said.\n\n\"Over the past day our teams cleared 140 mines around Izium,\" the statement reads.")
    evs = [e for e in _events(extractor, text) if e["type"] == "demining"]
    assert len(evs) == 1, evs
    assert [q["value"] for q in evs[0]["quantities"]] == [140] and len(evs[0]["evidence"]) == 2


def test_a_sentence_without_a_number_gives_the_event_and_its_places(extractor):
    text = ("DAMASCUS, March 3. Syrian army sappers carried out mine clearance in Arbil, Duma and Jasim. "
            "They removed 40 mines and cleared 12 hectares of farmland.")
    evs = [e for e in _events(extractor, text) if e["type"] == "demining"]
    assert evs, "no demining event"
    places = {p["name"] for e in evs for p in e["places"]}
    assert {"Arbil", "Duma", "Jasim"} <= places, places


def test_a_trigger_word_inside_a_name_makes_no_event(extractor):
    text = ("The Russian Center for Reconciliation of the opposing sides and the Mine Action Centre held a meeting in "
            "Hmeimim on Friday to discuss the coming weeks.")
    assert _events(extractor, text) == []


def test_no_span_runs_across_a_line_break(extractor):
    # a headline ending in a place, then the dateline: the tagger reads them as one name without split_lines
    text = ("Convoy brings flour to families in eastern Ghouta\n\nBEIRUT, March 3 - A convoy of 40 trucks of the Syrian "
            "Arab Red Crescent reached Douma on Friday with flour for 20,000 people, the UN said.")
    ents = extractor.tag(text)
    assert ents and not [e.text for e in ents if "\n" in e.text]
    places = {p["name"] for e in _events(extractor, text) for p in e["places"]}
    assert "\n" not in "".join(places)


def test_no_span_starts_with_a_possessive(extractor):
    # the tagger opens an ACTOR on "'s" in "Ministry's International Demining Center" without drop_possessive
    text = ("HMEIMIM, March 14. /TASS/. Sappers of the Russian Defense Ministry's International Demining Center have "
            "cleared 312 explosive devices in al-Qaryatayn, Homs province, over the past week.")
    ents = extractor.tag(text)
    assert ents and not [e.text for e in ents if e.text[:1] in "'’"]



@pytest.mark.parametrize("text,actor", [
    ("UNICEF-supported teams vaccinated 2,000 children in Bookh.", "UNICEF"),
    ("Islamic State fighters shelled Hawija on Monday, killing two civilians.", "Islamic State"),
])
def test_actor_spans_keep_to_the_annotation_rules(extractor, text, actor):
    # the extractor mends the tagger's ACTOR bounds (events/spans.py) in what it tags and in its events
    assert actor in [e.text for e in extractor.tag(text) if e.label == "ACTOR"]
    assert any(actor in ev["actors"] for ev in _events(extractor, text))
