"""The report this project started from gives exactly its six expected events (../shared/seed/)."""

import json
import os
from pathlib import Path

import pytest

from conftest import ROOT
from sitrep_ie.evaluation.metrics import match_events

SEED = ROOT.parent / "shared" / "seed" / "expected.jsonl"
MODEL = Path(os.environ.get("SITREP_IE_TEST_MODEL") or ROOT / "models" / "default")  # make test-slow points it at its fresh model


@pytest.fixture(scope="module")
def seed_events():
    if not SEED.is_file():
        pytest.skip(f"no seed report at {SEED}")
    if not (MODEL / "sitrep_ie.json").is_file():
        pytest.skip("no trained default model (make train; make test-slow trains one and runs these checks on it)")
    from sitrep_ie import Extractor

    gold = json.loads(SEED.read_text(encoding="utf-8").splitlines()[0])
    got = [e.to_dict() for e in Extractor(MODEL).extract(gold["text"], reference_date=gold["reference_date"])]
    return gold["events"], got


def test_seed_gives_exactly_the_expected_events(seed_events):
    gold, got = seed_events
    pairs = match_events(gold, got)
    missed = [gold[i]["type"] for i in range(len(gold)) if i not in {g for g, _ in pairs}]
    extra = [(got[j]["type"], got[j]["trigger"]["text"] if got[j]["trigger"] else None) for j in range(len(got)) if j not in {p for _, p in pairs}]
    assert not missed and not extra, f"missed {missed}; extra {extra}"


def test_seed_events_are_dated_by_the_header(seed_events):
    _, got = seed_events
    assert {e["date"] for e in got} == {"2017-11-02"}


def test_seed_zone_number_is_no_quantity(seed_events):
    _, got = seed_events
    assert 2 not in [q["value"] for e in got for q in e["quantities"]]


def test_seed_deir_ez_zor_is_one_place(seed_events):
    # "the Syrian city of Deir ez-Zor": the tagger also marks "Syrian city", which names no place (lexicon generic_nouns)
    _, got = seed_events
    names = [p["name"] for e in got for p in e["places"]]
    assert "Deir ez-Zor" in names and not any(n.startswith("-") or n.endswith("zone") for n in names)
