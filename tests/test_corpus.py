"""Every annotation file is valid, its events derive from the exports alone, and the corpus meets
the numbers of its issue (Corpus v2)."""

import json

import pytest

from conftest import ROOT
from sitrep_ie.data.annotations import read_export
from sitrep_ie.data.corpus import load_sources, source_events
from sitrep_ie.data.gold import gold_records, load_gold_events
from sitrep_ie.data.labels import read_event_types
from sitrep_ie.data.stats import corpus_stats
from sitrep_ie.events.quantities import default_config, parse_number

SPLITS = ("train", "dev", "test")
SOURCES = sorted((ROOT / "annotations" / "source").glob("*.txt"))


@pytest.fixture(scope="module")
def event_types():
    return read_event_types(ROOT / "configs" / "ontology.yaml")


@pytest.fixture(scope="module")
def docs(labels, event_types):
    # strict import of every split: span text matches, labels known, no overlaps, offsets in range, and every
    # trigger, relation and per-region field valid (E011-E019 raise) and forming events
    return {s: read_export(ROOT / "annotations" / f"{s}.json", labels, event_types=event_types)[0] for s in SPLITS}


@pytest.fixture(scope="module")
def gold():
    return load_gold_events(ROOT / "annotations" / "gold_events.jsonl")


@pytest.fixture(scope="module")
def stats():
    return corpus_stats(ROOT)


def test_exports_are_label_studio_shaped(docs):
    for s in SPLITS:
        for task in json.loads((ROOT / "annotations" / f"{s}.json").read_text()):
            assert isinstance(task["id"], int) and task["data"]["text"]
            assert {"report_id", "style", "country", "reference_date", "structures"} <= set(task["data"])
            for ann in task["annotations"]:
                regions = [r for r in ann["result"] if r["type"] == "labels"]
                ids = [r["id"] for r in regions]
                assert len(ids) == len(set(ids)), f"region ids must be unique (task {task['id']})"
                assert all(r["from_name"] in ("label", "trigger") and r["to_name"] == "text" for r in regions)
                known = set(ids)
                for r in ann["result"]:
                    if r["type"] == "relation":
                        assert r["from_id"] in known and r["to_id"] in known and r["direction"] == "right"
                    elif r["type"] != "labels":
                        assert r["id"] in known and r["from_name"] in ("event_date", "value", "approx")


def test_every_report_has_its_events_as_triggers(docs):
    for s in SPLITS:
        for d in docs[s]:
            assert d.triggers or not d.relations, d.report_id


def test_derived_gold_equals_the_source_event_lines(docs, gold):
    """Each report's events derived from its export alone == its `event:` lines == its gold_events.jsonl row."""
    records, problems = load_sources(SOURCES)
    assert not problems, problems[:5]
    by_id = {d.report_id: (s, d) for s in SPLITS for d in docs[s]}
    assert set(by_id) == {r.report_id for r in records} == set(gold), "exports, sources and gold hold the same reports"
    for rec in records:
        split, doc = by_id[rec.report_id]
        derived = gold_records(doc)
        assert derived == source_events(rec), rec.report_id
        row = gold[rec.report_id]
        assert row["events"] == derived and row["split"] == split == rec.meta["split"]
        assert (row["task_id"], row["reference_date"]) == (doc.task_id, rec.meta["reference_date"])


def test_gold_quantities_are_grounded(docs, gold):
    cfg = default_config()
    for s in SPLITS:
        for d in docs[s]:
            qvalues = {parse_number(d.text[x.start:x.end], cfg) for x in d.spans if x.label == "QUANTITY"}
            for ev in gold[d.report_id]["events"]:
                for q in ev["quantities"]:
                    assert q["value"] in qvalues, f"{d.report_id}: gold quantity {q['value']} has no QUANTITY span"


def test_no_report_in_two_splits_and_no_duplicated_texts(docs):
    seen = {}
    for s in SPLITS:
        for d in docs[s]:
            key = " ".join(d.text.lower().split())
            assert key not in seen, f"{d.report_id} ({s}) duplicates {seen[key]}"
            seen[key] = f"{d.report_id} ({s})"
    ids = [d.report_id for s in SPLITS for d in docs[s]]
    assert len(ids) == len(set(ids))


def test_corpus_size_and_splits(stats):
    r = stats["reports"]
    assert r["total"] >= 520, r
    assert r["dev"] >= 80 and r["test"] >= 120, r


@pytest.mark.parametrize("split", ["dev", "test"])
def test_held_out_splits_carry_structures(stats, split):
    assert stats["splits"][split]["structures_share"] >= 0.40, stats["splits"][split]["reports_with_structures"]


def test_unseen_test_places_countries_and_types(stats, event_types):
    assert stats["unseen_place_share"] >= 0.30
    assert len(stats["countries_with_min_reports"]) >= 8, stats["countries"]
    assert len(event_types) == 10
    train = stats["splits"]["train"]
    assert all(train["events_per_type"].get(t, 0) > 0 and train["triggers"].get(t, 0) > 0 for t in event_types), train["events_per_type"]


def test_corpus_keeps_its_v1_qualities(stats):
    assert len(stats["styles"]) >= 8 and min(stats["styles"].values()) >= 20
    assert stats["distinct_places"] >= 250
    assert stats["reports_without_events"] >= 2
    assert 80 <= stats["words_per_report"]["min"] and stats["words_per_report"]["max"] <= 300
