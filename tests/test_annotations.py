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
