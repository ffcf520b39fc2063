"""Regression floors of the rule event layer, with the annotated spans as tags, over train and dev.

No model: the annotated entities go straight into the rules, so these figures move only when the
rules, their configs or the gold move. Floors: the values measured when corpus v2 landed, minus
half a point, over the reports of corpus v2 (the top-ups of train, v3 onwards, are left out: new reports
must not move a regression floor). (Test is never used here: rules are tuned on train and dev only.)
"""

import datetime as dt
import re

import pytest

from conftest import ROOT
from sitrep_ie.data.annotations import load_gold_events, read_export
from sitrep_ie.evaluation.metrics import argument_scores
from sitrep_ie.events.pipeline import EventLayer
from sitrep_ie.schema import Entity

TOP_UP = re.compile(r"v[3-9]")  # train top-ups after corpus v2 have ids v3*, v4*, v5* ...
FLOORS = {"quantity": 0.8269, "place": 0.7782, "actor": 0.7652, "date": 0.8095, "overall": 0.7957, "event_type": 0.8960}


@pytest.fixture(scope="module")
def scores(labels):
    docs = [d for s in ("train", "dev") for d in read_export(ROOT / "annotations" / f"{s}.json", labels)[0]
            if not TOP_UP.match(d.report_id)]
    gold = load_gold_events(ROOT / "annotations" / "gold_events.jsonl")
    layer = EventLayer()
    pred = {}
    for d in docs:
        ents = [Entity(s.start, s.end, s.label, d.text[s.start:s.end], 1.0) for s in d.spans]
        ref = d.meta.get("reference_date")
        pred[d.report_id] = [e.to_dict() for e in layer.assemble(d.text, ents, reference_date=dt.date.fromisoformat(ref) if ref else None)]
    return argument_scores({d.report_id: gold[d.report_id]["events"] for d in docs}, pred)


@pytest.mark.parametrize("role", sorted(FLOORS))
def test_rule_layer_floor(scores, role):
    assert scores[role]["f1"] >= FLOORS[role] - 0.005, f"{role} F1 {scores[role]['f1']:.4f} fell below {FLOORS[role] - 0.005:.4f}"
