"""Every annotation file is valid and the corpus meets the numbers of its issue."""

import json

import pytest

from conftest import ROOT
from sitrep_ie.data.annotations import read_export
from sitrep_ie.data.stats import corpus_stats
from sitrep_ie.events.ontology import Ontology
from sitrep_ie.events.quantities import default_config, parse_number

SPLITS = ("train", "dev", "test")


@pytest.fixture(scope="module")
def docs(labels):
    # strict import: span text matches, labels known, no overlaps, offsets in range (any problem raises)
    return {s: read_export(ROOT / "annotations" / f"{s}.json", labels)[0] for s in SPLITS}


@pytest.fixture(scope="module")
def gold():
    rows = [json.loads(x) for x in (ROOT / "annotations" / "gold_events.jsonl").read_text().splitlines() if x.strip()]
    return {r["report_id"]: r for r in rows}


def test_exports_are_label_studio_shaped(docs):
    for s in SPLITS:
        for task in json.loads((ROOT / "annotations" / f"{s}.json").read_text()):
            assert isinstance(task["id"], int) and task["data"]["text"]
            for ann in task["annotations"]:
                ids = [r["id"] for r in ann["result"]]
                assert len(ids) == len(set(ids)), f"region ids must be unique (task {task['id']})"
                assert all(r["from_name"] == "label" and r["to_name"] == "text" for r in ann["result"])


def test_no_report_in_two_splits_and_no_duplicated_texts(docs):
    seen = {}
    for s in SPLITS:
        for d in docs[s]:
            key = " ".join(d.text.lower().split())
            assert key not in seen, f"{d.report_id} ({s}) duplicates {seen[key]}"
            seen[key] = f"{d.report_id} ({s})"
    ids = [d.report_id for s in SPLITS for d in docs[s]]
    assert len(ids) == len(set(ids))


def test_gold_events_are_valid_and_grounded(docs, gold):
    onto = Ontology.from_yaml(ROOT / "configs" / "ontology.yaml")
    cfg = default_config()
    for s in SPLITS:
        for d in docs[s]:
            row = gold[d.report_id]
            assert row["split"] == s
            qvalues = {parse_number(d.text[x.start:x.end], cfg) for x in d.spans if x.label == "QUANTITY"}
            surfaces = {(x.label, d.text[x.start:x.end]) for x in d.spans}
            for ev in row["events"]:
                assert ev["type"] in onto.names
                for q in ev["quantities"]:
                    assert q["value"] in qvalues, f"{d.report_id}: gold quantity {q['value']} has no QUANTITY span"
                    assert q["unit"] is None or ("UNIT", q["unit"]) in surfaces
                for a in ev["actors"]:
                    assert ("ACTOR", a) in surfaces, f"{d.report_id}: actor {a!r}"
                for p in ev["places"]:
                    assert ("PLACE", p["name"]) in surfaces, f"{d.report_id}: place {p['name']!r}"


def test_test_split_has_gold_for_every_report(docs, gold):
    assert all(d.report_id in gold for d in docs["test"])


def test_corpus_meets_its_numbers():
    st = corpus_stats(ROOT)
    assert st["reports"]["total"] >= 300
    assert st["reports"]["test"] >= 70 and st["reports"]["dev"] > 0
    assert len(st["styles"]) >= 8 and min(st["styles"].values()) >= 20
    assert len(st["countries"]) >= 5
    assert st["distinct_places"] >= 250
    assert min(st["events"].get(t, 0) for t in Ontology.from_yaml(ROOT / "configs" / "ontology.yaml").names) >= 30
    assert st["unseen_place_share"] >= 0.30
    assert st["reports_without_events"] >= 2
    assert 80 <= st["words_per_report"]["min"] and st["words_per_report"]["max"] <= 300
