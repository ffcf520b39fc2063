import pytest

from sitrep_ie.data.document import Document, Span
from sitrep_ie.evaluation.metrics import (COUNTED, argument_scores, bootstrap_intervals, entity_scores, event_scores, event_tuples,
                                          report_counts, word_bio)
from sitrep_ie.schema import Entity



@pytest.mark.parametrize(
    "text, spans, tags",
    [
        ("cleared 2,931 mines", [Span(8, 13, "QUANTITY")], ["O", "B-QUANTITY", "I-QUANTITY", "I-QUANTITY", "O"]),
        ("in Deir ez-Zor.", [Span(3, 14, "PLACE")], ["O", "B-PLACE", "I-PLACE", "I-PLACE", "I-PLACE", "O"]),
        ("no tags here", [], ["O", "O", "O"]),
    ],
)
def test_word_bio(text, spans, tags):
    assert word_bio(text, spans) == tags


def test_entity_scores_are_strict():
    doc = Document(1, "Russian military doctors treated 26 people", [Span(0, 24, "ACTOR"), Span(33, 35, "QUANTITY"), Span(36, 42, "UNIT")])
    exact = [Entity(s.start, s.end, s.label, "", 1.0) for s in doc.spans]
    partial = [Entity(8, 24, "ACTOR", "", 1.0), Entity(33, 35, "QUANTITY", "", 1.0)]
    assert entity_scores([doc], [exact])["micro"]["f1"] == 1.0
    s = entity_scores([doc], [partial])
    assert s["ACTOR"]["f1"] == 0.0 and s["QUANTITY"]["f1"] == 1.0 and s["UNIT"]["recall"] == 0.0


GOLD = [{"type": "aid_delivery", "date": "2017-11-02", "actors": ["Russian military"],
         "places": [{"name": "Kafr Nan settlement", "admin": "Homs province"}],
         "quantities": [{"value": 1.7, "unit": "tonnes", "approx": None}, {"value": 300, "upper": 400, "unit": "families", "approx": "range"}]}]


def test_event_tuples_normalise_each_role():
    t = event_tuples("d1", GOLD)
    assert set(t) == {("d1", "aid_delivery", "quantity", "1.7 tonne"), ("d1", "aid_delivery", "quantity", "300 family"),
                      ("d1", "aid_delivery", "quantity", "400 family"), ("d1", "aid_delivery", "place", "kafr nan"),
                      ("d1", "aid_delivery", "actor", "russian military"), ("d1", "aid_delivery", "date", "2017-11-02")}


@pytest.mark.parametrize(
    "pred, overall_f1, type_f1",
    [
        (GOLD, 1.0, 1.0),
        ([], 0.0, 0.0),
        ([dict(GOLD[0], type="medical_aid")], 0.0, 0.0),
        ([dict(GOLD[0], date=None, actors=[])], 2 * (4 / 4) * (4 / 6) / (1 + 4 / 6), 1.0),
    ],
)
def test_argument_scores(pred, overall_f1, type_f1):
    s = argument_scores({"d1": GOLD}, {"d1": pred})
    assert s["overall"]["f1"] == pytest.approx(overall_f1)
    assert s["event_type"]["f1"] == pytest.approx(type_f1)


def _ev(type_, value, place, actor=None):
    return {"type": type_, "date": None, "actors": [actor] if actor else [], "places": [{"name": place, "admin": None}],
            "quantities": [{"value": value, "unit": "mines", "approx": None}]}


SPLIT_GOLD = {"r1": [_ev("demining", 12, "Homs", "MAG"), _ev("casualties", 2, "Homs")],
              "r2": [_ev("aid_delivery", 40, "Idlib")],
              "r3": [_ev("demining", 5, "Raqqa", "HALO")]}


@pytest.mark.parametrize("pred", [
    SPLIT_GOLD,  # all right
    {},  # nothing predicted
    {"r1": [_ev("demining", 12, "Homs", "DDG")], "r3": [_ev("demining", 5, "Raqqa", "HALO"), _ev("demining", 9, "Tabqa")]},  # wrong actor, an extra event
    {"r1": [_ev("casualties", 12, "Homs")], "r2": [_ev("aid_delivery", 40, "Idlib"), _ev("aid_delivery", 40, "Idlib")],
     "r9": [_ev("demining", 1, "Nowhere")]},  # wrong type, a duplicate, a report without gold (not scored)
])
def test_per_report_counts_add_up_to_the_scores(pred):
    counts = report_counts(SPLIT_GOLD, pred).sum(axis=0)
    args, events = argument_scores(SPLIT_GOLD, pred), event_scores(SPLIT_GOLD, pred)
    expected = [events["overall"]] + [args[r] for r in ("quantity", "place", "actor", "date", "overall", "event_type")]
    assert len(expected) == len(COUNTED)
    for (right, n_pred, n_gold), score in zip(counts, expected):
        f1 = 2 * right / (n_pred + n_gold) if n_pred + n_gold else 0.0
        assert (n_pred, n_gold) == (score["predicted"], score["support"])
        assert f1 == pytest.approx(score["f1"])


def test_bootstrap_intervals_hold_the_figure_and_narrow_with_more_reports():
    pred = {"r1": [_ev("demining", 12, "Homs", "DDG")], "r2": [_ev("aid_delivery", 40, "Idlib")], "r3": [_ev("demining", 9, "Raqqa")]}
    small = bootstrap_intervals(SPLIT_GOLD, pred, seed=1)
    assert small == bootstrap_intervals(SPLIT_GOLD, pred, seed=1)  # a seeded figure: the same run gives the same interval
    assert set(small) == set(COUNTED)
    point = event_scores(SPLIT_GOLD, pred)["overall"]["f1"]
    assert small["events"][0] <= point <= small["events"][1] and small["events"][0] < small["events"][1]
    # the same mix of reports, twenty times as many: a narrower interval around the same figure
    many_gold = {f"{k}-{n}": v for n in range(20) for k, v in SPLIT_GOLD.items()}
    many_pred = {f"{k}-{n}": v for n in range(20) for k, v in pred.items()}
    big = bootstrap_intervals(many_gold, many_pred, seed=1)
    assert big["events"][1] - big["events"][0] < (small["events"][1] - small["events"][0]) / 2
    assert big["events"][0] <= point <= big["events"][1]
    assert bootstrap_intervals(SPLIT_GOLD, SPLIT_GOLD)["argument overall"] == [1.0, 1.0]


CAUSE_TEXT = "Sappers cleared 5 mines in Homs and Hama on 3 May."
CAUSE_TAGS = [Entity(0, 7, "ACTOR", "Sappers", 1.0), Entity(27, 31, "PLACE", "Homs", 1.0), Entity(36, 40, "PLACE", "Hama", 1.0)]


def _cause_ev(type_: str, actors=(), places=(), quantities=(), date=None) -> dict:
    return {"type": type_, "actors": list(actors), "places": [{"name": p} for p in places],
            "quantities": [{"value": v, "unit": u} for v, u in quantities], "date": date}


@pytest.mark.parametrize("case,gold,pred,causes", [
    ("nothing predicted: every gold tuple's event was missed",
     [_cause_ev("demining", ["Sappers"], ["Homs"])], [], {("actor", "event missed"): 1, ("place", "event missed"): 1}),
    ("an actor no span holds was not tagged; a tagged place was not linked",
     [_cause_ev("demining", ["Engineers"], ["Homs"])], [_cause_ev("demining")],
     {("actor", "not tagged"): 1, ("place", "tagged, not linked"): 1}),
    ("the same number with another unit, on both sides",
     [_cause_ev("demining", quantities=[(5, "mines")])], [_cause_ev("demining", quantities=[(5, None)])], {("quantity", "unit differs"): 2}),
    ("a place handed to the event is linked wrongly",
     [_cause_ev("demining", places=["Homs"])], [_cause_ev("demining", places=["Homs", "Hama"])], {("place", "linked wrongly"): 1}),
    ("an event of a type gold lacks",
     [_cause_ev("demining", places=["Homs"])], [_cause_ev("demining", places=["Homs"]), _cause_ev("displacement", places=["Hama"])],
     {("place", "event type not in gold"): 1}),
    ("dates of a type both sides have",
     [_cause_ev("demining", places=["Homs"], date="2017-05-03")], [_cause_ev("demining", places=["Homs"], date="2017-05-04")],
     {("date", "date differs"): 2}),
])
def test_argument_errors_are_sorted_by_cause(case, gold, pred, causes):
    from sitrep_ie.evaluation.error_report import argument_causes

    assert dict(argument_causes(CAUSE_TEXT, CAUSE_TAGS, gold, pred)) == causes, case


def test_error_report_and_eval_on_tiny_model(tiny_model, labels, tmp_path):
    import json

    from conftest import ROOT
    from sitrep_ie.data.annotations import read_export
    from sitrep_ie.evaluation.error_report import render
    from sitrep_ie.data.gold import load_gold_events
    from sitrep_ie.evaluation.evaluate import evaluate
    from sitrep_ie.extractor import Extractor

    docs, _ = read_export(ROOT / "annotations" / "test.json", labels)
    docs = docs[:4]
    gold = load_gold_events(ROOT / "annotations" / "gold_events.jsonl", "test")
    ex = Extractor(tiny_model)
    result, tagged, events = evaluate(ex, docs, gold)
    assert set(result.arguments) == {"quantity", "place", "actor", "date", "overall", "event_type"}
    md = render(result, docs, tagged, events, gold)
    assert all(f"## {d.report_id} " in md for d in docs)
    assert "| role |" in md and "❌" in md  # a few-step model misses things, and the report says so
    json.dumps(result.to_dict())


def test_gold_tags_score_the_assembler_alone(tiny_model, labels):
    from conftest import ROOT
    from sitrep_ie.data.annotations import read_export
    from sitrep_ie.data.gold import load_gold_events
    from sitrep_ie.evaluation.evaluate import evaluate
    from sitrep_ie.extractor import Extractor

    from sitrep_ie.evaluation.metrics import argument_scores

    docs = read_export(ROOT / "annotations" / "dev.json", labels)[0][:5]
    gold = load_gold_events(ROOT / "annotations" / "gold_events.jsonl")
    ex = Extractor(tiny_model)
    result, tagged, events = evaluate(ex, docs, gold, gold_tags=True)
    assert result.entities["micro"]["f1"] == 1.0
    assert [len(t) for t in tagged] == [len(d.spans) for d in docs]
    # the events scored are the event layer's on the annotated spans and triggers, whatever the model would tag
    from sitrep_ie.data.labels import trigger_label
    from sitrep_ie.schema import Entity

    full = ex.tag_full([d.text for d in docs])
    direct = [ex.assemble(d.text, t + [Entity(g.start, g.end, trigger_label(g.type), d.text[g.start:g.end], 1.0) for g in d.triggers],
                          reference_date=d.meta.get("reference_date"), tagged=f, triggers_given=True) for d, t, f in zip(docs, tagged, full)]
    assert [[e.to_dict() for e in x] for x in events] == [[e.to_dict() for e in x] for x in direct]
    # the annotated triggers are the triggers: the trigger head does not decide them again
    for d, evs in zip(docs, events):
        annotated = {(g.start, g.end, g.type) for g in d.triggers}
        assert {(e.trigger.start, e.trigger.end, e.type) for e in evs if e.trigger} <= annotated
    pred = {d.report_id: [e.to_dict() for e in x] for d, x in zip(docs, direct)}
    assert result.arguments == argument_scores({d.report_id: gold[d.report_id]["events"] for d in docs}, pred)


def test_eval_on_annotated_spans_keeps_its_own_figures_and_plot(tiny_model, tmp_path):
    import json

    import yaml

    from conftest import ROOT
    from sitrep_ie.cli import main

    tasks = json.loads((ROOT / "annotations" / "dev.json").read_text())
    (tmp_path / "dev.json").write_text(json.dumps(tasks[:3]))
    cfg = tmp_path / "train.yaml"
    cfg.write_text(yaml.safe_dump({"dev_files": [str(tmp_path / "dev.json")], "gold_events": str(ROOT / "annotations" / "gold_events.jsonl"),
                                   "labels": str(ROOT / "configs" / "labels.yaml")}))
    plot = str(tmp_path / "reliability-{split}.png")
    for extra in ([], ["--gold-tags"]):
        assert main(["eval", "--config", str(cfg), "--split", "dev", "--model", str(tiny_model), "--plot", plot, *extra]) == 0
    assert (tiny_model / "eval-dev.json").is_file() and (tiny_model / "eval-dev-gold-tags.json").is_file()
    assert (tmp_path / "reliability-dev.png").is_file() and (tmp_path / "reliability-dev-gold-tags.png").is_file()
