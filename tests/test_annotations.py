import json

import pytest

from conftest import make_task
from sitrep_ie.data.annotations import read_export, read_tasks, select_annotation
from sitrep_ie.errors import (AnnotationStructureError, BadOffsetsError, DuplicateTaskError, MalformedExportError,
                              MissingTextError, OverlapError, SpanOutOfRangeError, SpanTextMismatchError, UnknownLabelError)

TEXT = "Sappers cleared 275 explosive devices in Deir ez-Zor."


def spans(doc):
    return [(s.start, s.end, s.label, doc.text[s.start:s.end]) for s in doc.spans]


def test_reads_a_clean_task(labels):
    task = make_task(TEXT, [(16, 19, "QUANTITY"), (20, 37, "UNIT"), (41, 52, "PLACE")])
    docs, rep = read_tasks([task], labels)
    assert spans(docs[0]) == [(16, 19, "QUANTITY", "275"), (20, 37, "UNIT", "explosive devices"), (41, 52, "PLACE", "Deir ez-Zor")]
    assert (rep.tasks_read, rep.tasks_used, rep.regions_used) == (1, 1, 3)


def test_edge_whitespace_is_trimmed_and_counted(labels):
    task = make_task(TEXT, [(15, 20, "QUANTITY")])
    docs, rep = read_tasks([task], labels)
    assert spans(docs[0]) == [(16, 19, "QUANTITY", "275")]
    assert rep.regions_trimmed == 1


@pytest.mark.parametrize(
    "anns, expected",
    [
        # ground truth wins over a newer annotation
        ([{"id": 1, "updated_at": "2024-01-02", "ground_truth": True}, {"id": 2, "updated_at": "2024-03-01"}], 1),
        # otherwise the most recently updated
        ([{"id": 1, "updated_at": "2024-01-02"}, {"id": 2, "updated_at": "2024-03-01"}], 2),
        # cancelled ones never count, even as ground truth
        ([{"id": 1, "updated_at": "2024-05-02", "was_cancelled": True, "ground_truth": True}, {"id": 2, "updated_at": "2024-03-01"}], 2),
        ([{"id": 1, "was_cancelled": True}], None),
        ([], None),
    ],
)
def test_annotation_selection_rule(anns, expected):
    for a in anns:
        a.setdefault("result", [])
    chosen = select_annotation({"id": 9, "annotations": anns})
    assert (chosen or {}).get("id") == expected


def test_skipped_tasks_are_counted_with_reasons(labels):
    cancelled = make_task(TEXT, [], tid=1, was_cancelled=True)
    drafts_only = {"id": 2, "data": {"text": TEXT}, "annotations": [], "drafts": [{"id": 5, "result": []}],
                   "predictions": [{"id": 6, "result": []}]}
    docs, rep = read_tasks([cancelled, drafts_only], labels)
    assert docs == []
    assert rep.tasks_read == 2 and rep.tasks_used == 0
    assert sum(rep.skipped.values()) == 2
    assert rep.drafts_ignored == 1 and rep.predictions_ignored == 1
    assert "skipped 2" in rep.summary()


def test_non_span_results_and_duplicate_regions(labels):
    task = make_task(TEXT, [(16, 19, "QUANTITY"), (16, 19, "QUANTITY")])
    task["annotations"][0]["result"].append({"id": "c1", "type": "choices", "value": {"choices": ["ok"]}})
    docs, rep = read_tasks([task], labels)
    assert len(docs[0].spans) == 1
    assert rep.regions_deduplicated == 1 and rep.results_not_labels == 1


def test_utf16_offsets_from_the_browser_are_converted(labels):
    text = "\U0001F6A8 ALERT: 12 mines found"
    task = make_task(text, [])
    # Label Studio counts the emoji as two UTF-16 units
    task["annotations"][0]["result"] = [{"id": "a", "type": "labels", "from_name": "label", "to_name": "text",
                                         "value": {"start": 10, "end": 12, "text": "12", "labels": ["QUANTITY"]}}]
    docs, rep = read_tasks([task], labels)
    assert spans(docs[0]) == [(9, 11, "QUANTITY", "12")]
    assert rep.regions_utf16_fixed == 1


def _region(task, **value):
    task["annotations"][0]["result"][0]["value"].update(value)
    return task


@pytest.mark.parametrize(
    "mutate, error, fragment",
    [
        (lambda t: _region(t, labels=["QTY"]), UnknownLabelError, "E003: unknown label 'QTY'"),
        (lambda t: _region(t, text="276"), SpanTextMismatchError, "E004"),
        (lambda t: _region(t, start=50, end=90), SpanOutOfRangeError, "E005"),
        (lambda t: _region(t, start=19, end=16), BadOffsetsError, "swapped"),
        (lambda t: _region(t, start=None), BadOffsetsError, "missing"),
        (lambda t: _region(t, labels=["QUANTITY", "UNIT"]), AnnotationStructureError, "exactly one label"),
        (lambda t: (t["data"].pop("text"), t)[1], MissingTextError, "E002"),
        (lambda t: (t["annotations"][0].pop("result"), t)[1], AnnotationStructureError, "E009"),
    ],
)
def test_each_bad_region_raises_a_coded_error_naming_the_task(labels, mutate, error, fragment):
    task = mutate(make_task(TEXT, [(16, 19, "QUANTITY")], tid=17))
    with pytest.raises(error) as exc:
        read_tasks([task], labels, file="x.json")
    assert fragment in str(exc.value)
    assert "task 17" in str(exc.value) and "x.json" in str(exc.value)


def test_overlapping_spans_are_rejected_with_both_offsets(labels):
    task = make_task(TEXT, [(16, 37, "UNIT"), (20, 29, "UNIT")], tid=3)
    with pytest.raises(OverlapError, match=r"\[16:37\].*\[20:29\]"):
        read_tasks([task], labels)


def test_text_edited_after_annotating_is_caught(labels):
    task = make_task(TEXT, [(41, 52, "PLACE")], tid=4)
    task["data"]["text"] = TEXT.replace("Sappers", "Army sappers")
    with pytest.raises(SpanTextMismatchError, match="edited"):
        read_tasks([task], labels)


def test_duplicate_task_ids(labels):
    with pytest.raises(DuplicateTaskError, match="task 1"):
        read_tasks([make_task(TEXT, []), make_task(TEXT, [])], labels)


def test_lenient_mode_skips_and_counts_by_code(labels):
    good = make_task(TEXT, [(16, 19, "QUANTITY")], tid=1)
    bad = _region(make_task(TEXT, [(16, 19, "QUANTITY")], tid=2), labels=["QTY"])
    docs, rep = read_tasks([good, bad], labels, lenient=True)
    assert [d.task_id for d in docs] == [1]
    assert rep.skipped == {"E003 UnknownLabelError": 1}
    assert "task 2" in rep.problems[0]


@pytest.mark.parametrize("content, fragment", [("[{\"id\": 1, \"data\": {", "truncated"), ("42", "expected a list"), ("", "line 1")])
def test_malformed_files(tmp_path, labels, content, fragment):
    p = tmp_path / "export.json"
    p.write_text(content)
    with pytest.raises(MalformedExportError) as exc:
        read_export(p, labels)
    assert fragment in str(exc.value) and str(p) in str(exc.value)


def test_read_export_reads_several_files(tmp_path, labels):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(json.dumps([make_task(TEXT, [], tid=1)]))
    b.write_text(json.dumps([make_task(TEXT, [], tid=2)]))
    docs, rep = read_export([a, b], labels)
    assert len(docs) == 2 and rep.files == [str(a), str(b)]


# --- triggers, relations and per-region fields --------------------------------------------------

from conftest import EVENT_TEXT, make_event_task  # noqa: E402
from sitrep_ie.data.gold import derive_events, gold_records  # noqa: E402
from sitrep_ie.errors import (AdminCycleError, AmbiguousRelationError, BadEventDateError, MissingRegionError,  # noqa: E402
                              RegionValueError, RelationLabelError, RestatementError, SharedQuantityError,
                              UnknownEventTypeError)


def _rel(a, b, label, **kw):
    return {"from_id": a, "to_id": b, "type": "relation", "direction": "right", "labels": [label], **kw}


def _reg(rid, word, label, control="label", nth=0):
    s = -1
    for _ in range(nth + 1):
        s = EVENT_TEXT.index(word, s + 1)
    return {"id": rid, "from_name": control, "to_name": "text", "type": "labels",
            "value": {"start": s, "end": s + len(word), "text": word, "labels": [label]}}


def _trig(rid, word, typ):
    return _reg(rid, word, typ, "trigger")


def _date(rid, text):
    return {"id": rid, "from_name": "event_date", "to_name": "text", "type": "textarea", "value": {"start": 8, "end": 15, "text": [text]}}


def test_reads_triggers_relations_and_fields_and_derives_the_event(labels, event_types):
    docs, rep = read_tasks([make_event_task()], labels, event_types=event_types)
    doc = docs[0]
    assert [(doc.surface(t), t.type, t.id) for t in doc.triggers] == [("cleared", "demining", "t"), ("removed", "demining", "m")]
    assert [(r.from_id, r.to_id, r.label) for r in doc.relations][:2] == [("t", "a", "actor"), ("t", "q", "quantity")]
    assert doc.values == {"t": {"event_date": "2020-03-02"}, "q": {"value": 12, "approx": "about"}}
    assert len(doc.spans) == 6  # entity spans only: training sees no triggers
    assert (rep.triggers_used, rep.relations_used, rep.region_values_used) == (2, 6, 3)
    (ev,) = derive_events(doc)
    assert ev.record() == {"type": "demining", "date": "2020-03-02", "actors": ["Sappers"],
                           "places": [{"name": "Kafr Shams", "admin": "Daraa province"}],
                           "quantities": [{"value": 12, "unit": "mines", "approx": "about"}]}
    assert (doc.surface(ev.trigger), [doc.surface(m) for m in ev.mentions]) == ("cleared", ["removed"])
    assert [doc.surface(s) for s in ev.actor_spans + ev.place_spans + ev.quantity_spans] == ["Sappers", "Kafr Shams", "12"]


def test_arguments_of_a_mention_belong_to_its_event_and_empty_date_is_null(labels, event_types):
    task = make_event_task(drop=("t->a",), extra=[_rel("m", "s", "actor"), _rel("m", "a", "actor")])
    task["annotations"][0]["result"][8]["value"]["text"] = [" "]
    (ev,) = gold_records(read_tasks([task], labels, event_types=event_types)[0][0])
    assert ev["actors"] == ["the ministry", "Sappers"] and ev["date"] is None


def test_left_and_undirected_relations(labels, event_types):
    task = make_event_task(drop=("t->a", "p->d"), extra=[_rel("a", "t", "actor", direction="left"), _rel("p", "d", "admin", direction="left"),
                                                         _rel("u", "q", "unit", direction="bi")])
    task["annotations"][0]["result"] = [r for r in task["annotations"][0]["result"] if r.get("from_id") != "q"]
    (ev,) = gold_records(read_tasks([task], labels, event_types=event_types)[0][0])
    # left: the arrow points from to_id to from_id, so Daraa province's parent is Kafr Shams
    assert ev["actors"] == ["Sappers"] and ev["places"] == [{"name": "Kafr Shams", "admin": None}]
    assert ev["quantities"][0]["unit"] == "mines"


def test_an_unreadable_quantity_without_value_and_a_readable_one(labels, event_types):
    docs, _ = read_tasks([make_event_task(drop=("q.value", "q.approx"))], labels, event_types=event_types)
    assert gold_records(docs[0])[0]["quantities"] == [{"value": 12, "unit": "mines", "approx": None}]  # read from "12"
    task = make_event_task(drop=("q.value", "q->u", "t->q"), extra=[_reg("q2", "Twelve", "QUANTITY"), _rel("m", "q2", "quantity")])
    assert gold_records(read_tasks([task], labels, event_types=event_types)[0][0])[0]["quantities"][0]["value"] == 12
    task = make_event_task(drop=("q.value", "q->u", "t->q"), extra=[_reg("q2", "Twelve mines", "QUANTITY"), _rel("m", "q2", "quantity")])
    with pytest.raises(RegionValueError, match="no per-region value"):
        read_tasks([task], labels, event_types=event_types)


# One row per importer error of the event layer: (code, error, change to the good task, region id the error names, fragment).
EVENT_ERRORS = [
    ("E011", MissingRegionError, dict(extra=[_rel("t", "zz", "actor")]), "zz", "lacks"),
    ("E011", MissingRegionError, dict(extra=[_date("zz", "2020-03-02")]), "zz", "per-region field 'event_date'"),
    ("E012", RelationLabelError, dict(extra=[_rel("p", "a", "actor")]), "p", "'actor' relation goes from a trigger -> a ACTOR, not from a PLACE"),
    ("E012", RelationLabelError, dict(extra=[_rel("t", "a", "causes")]), "t", "unknown relation label 'causes'"),
    ("E012", RelationLabelError, dict(extra=[{**_rel("t", "s", "actor"), "labels": []}]), "t", "exactly one label"),
    ("E013", UnknownEventTypeError, dict(extra=[_trig("x", "said", "press_release")]), "x", "'press_release', which configs/ontology.yaml lacks"),
    ("E014", AdminCycleError, dict(extra=[_rel("d", "p", "admin")]), "p", "cycle: 'Kafr Shams' -> 'Daraa province' -> 'Kafr Shams'"),
    ("E015", SharedQuantityError, dict(extra=[_trig("x", "said", "casualties"), _rel("x", "q", "quantity")]), "q", "quantity of two events"),
    ("E016", BadEventDateError, dict(drop=("t.event_date",), extra=[_date("t", "2 March 2020")]), "t", "not a date YYYY-MM-DD"),
    ("E016", BadEventDateError, dict(drop=("t.event_date",), extra=[_date("t", "2020-02-30")]), "t", "2020-02-30"),
    ("E017", RegionValueError, dict(extra=[_date("a", "2020-03-02")]), "a", "event_date is on ACTOR 'Sappers'; it belongs on a trigger"),
    ("E017", RegionValueError, dict(drop=("q.value",), extra=[{"id": "q", "from_name": "value", "to_name": "text", "type": "number",
                                                              "value": {"start": 16, "end": 18, "number": "12"}}]), "q", "finite JSON number"),
    ("E018", RestatementError, dict(extra=[_rel("t", "m", "same_as")]), "t", "cycle"),
    ("E018", RestatementError, dict(extra=[_trig("x", "said", "demining"), _rel("m", "x", "same_as")]), "m", "restates 2 triggers"),
    ("E018", RestatementError, dict(extra=[_trig("x", "said", "casualties"), _rel("x", "t", "same_as")]), "x", "restates a demining event"),
    ("E019", AmbiguousRelationError, dict(extra=[_reg("u2", "mines", "UNIT", nth=1), _rel("q", "u2", "unit")]), "q", "2 units"),
]


@pytest.mark.parametrize("code, error, change, region, fragment", EVENT_ERRORS, ids=[f"{r[0]}-{i}" for i, r in enumerate(EVENT_ERRORS)])
def test_each_event_error_is_coded_and_names_file_task_and_region(labels, event_types, code, error, change, region, fragment):
    task = make_event_task(tid=23, **change)
    with pytest.raises(error) as exc:
        read_tasks([task], labels, file="x.json", event_types=event_types)
    msg = str(exc.value)
    assert msg.startswith(f"{code}: ") and fragment in msg, msg
    assert "task 23" in msg and "x.json" in msg and f"region {region!r}" in msg, msg
    assert exc.value.region == region


def test_lenient_mode_skips_and_counts_event_errors_by_code(labels, event_types):
    tasks = [make_event_task(tid=i + 1, **row[2]) for i, row in enumerate(EVENT_ERRORS)] + [make_event_task(tid=99)]
    docs, rep = read_tasks(tasks, labels, lenient=True, event_types=event_types)
    assert [d.task_id for d in docs] == [99]
    want = {}
    for code, error, *_ in EVENT_ERRORS:
        key = f"{code} {error.__name__}"
        want[key] = want.get(key, 0) + 1
    assert dict(rep.skipped) == want
    assert rep.tasks_used == 1 and rep.triggers_used == 2 and rep.relations_used == 6
    assert len(rep.problems) == len(EVENT_ERRORS) and all("region " in p for p in rep.problems)
    assert "skipped 2: E011 MissingRegionError" in rep.summary()


def test_without_event_types_any_trigger_type_is_read(labels):
    task = make_event_task(extra=[_trig("x", "said", "press_release")])
    docs, _ = read_tasks([task], labels)
    assert [t.type for t in docs[0].triggers] == ["demining", "demining", "press_release"]
