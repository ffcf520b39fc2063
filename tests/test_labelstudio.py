"""The annotation round trip against a real Label Studio server (started here, always stopped).

An initialised data directory is kept as a template (first start runs the migrations, ~40 s);
each test server starts from a copy of it in a few seconds.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest

from conftest import ROOT
from sitrep_ie.data.annotations import read_export
from sitrep_ie.data.gold import derive_events
from sitrep_ie.data.labels import LabelSet, read_event_types
from sitrep_ie.data.labelstudio import (LabelStudioConfig, LabelStudioServer, config_labels, config_scheme, connect, ensure_project,
                                        export_annotated, free_port, merge_pulled, push)
from sitrep_ie.errors import BadTokenError, LabelConfigMismatchError, RejectedTasksError, ServerUnreachableError

pytestmark = pytest.mark.labelstudio
EXE = ROOT / ".venv-ls" / "bin" / "label-studio"
TEMPLATE = ROOT / ".labelstudio" / "template"


@pytest.fixture(scope="session")
def template_dir() -> Path:
    if not EXE.is_file():
        pytest.fail(f"Label Studio is not installed at {EXE}: run `make install-labelstudio` (make test does)")
    if not (TEMPLATE / "label_studio.sqlite3").is_file():
        shutil.rmtree(TEMPLATE, ignore_errors=True)
        cfg = LabelStudioConfig(port=free_port(), data_dir=str(TEMPLATE), executable=str(EXE))
        with LabelStudioServer(cfg, log=lambda *_: None):
            pass
    return TEMPLATE


@pytest.fixture()
def server(template_dir, tmp_path):
    data = tmp_path / "ls-data"
    shutil.copytree(template_dir, data, ignore=shutil.ignore_patterns("server.pid", "server.log"))
    cfg = LabelStudioConfig(port=free_port(), data_dir=str(data), executable=str(EXE),
                            corpus_files=[str(tmp_path / "corpus.json")], held_out_files=[str(tmp_path / "heldout.json")],
                            inbox=str(tmp_path / "inbox"), pulled_file=str(tmp_path / "pulled.json"),
                            ontology=str(ROOT / "configs" / "ontology.yaml"))
    srv = LabelStudioServer(cfg)
    t0 = time.time()
    srv.start()
    srv.start_seconds = time.time() - t0
    try:
        yield srv
    finally:
        srv.stop()
    assert srv.proc.poll() is not None, "the server must be stopped"


def _corpus(tmp_path: Path, n: int = 3) -> list[dict]:
    tasks = json.loads((ROOT / "annotations" / "train.json").read_text())[:n]
    (tmp_path / "corpus.json").write_text(json.dumps(tasks))
    (tmp_path / "heldout.json").write_text("[]")
    return tasks


INBOX = [
    ("inbox-a", "Syrian army sappers cleared 40 mines near the village of Kafr Nabudah on Monday."),
    ("inbox-b", "UNHCR said 300 refugees returned to Daraa from Jordan through the Nassib crossing this week."),
    ("inbox-c", "Shelling hit Avdiivka overnight; two civilians were killed and five wounded, the regional governor said."),
]


def test_round_trip(server, tmp_path, labels, tiny_model):
    from sitrep_ie.config import TrainConfig
    from sitrep_ie.extractor import Extractor
    from sitrep_ie.model.train import train

    cfg = server.cfg
    corpus = _corpus(tmp_path)
    client = connect(cfg)
    ex = Extractor(tiny_model)
    first = push(client, cfg, labels, corpus=corpus, inbox=INBOX, extractor=ex, top_n=2)
    assert (first.corpus_imported, first.inbox_imported, first.inbox_not_selected) == (3, 2, 1)
    project = ensure_project(client, cfg.project_title, labels)
    assert config_labels(project.label_config) == labels.names

    tasks = list(client.tasks.list(project=project.id, fields="all"))
    assert len(tasks) == 5
    inbox_tasks = sorted((t for t in tasks if str(t.data.get("report_id", "")).startswith("inbox-")), key=lambda t: t.data["rank"])
    unc = [t.data["uncertainty"] for t in inbox_tasks]
    scored = sorted((u for _, _, u in ex.annotate_many([t for _, t in INBOX])), reverse=True)
    assert unc == pytest.approx([round(u, 4) for u in scored[:2]])  # most uncertain first
    preds = list(client.predictions.list(task=inbox_tasks[0].id))
    assert preds and preds[0].model_version == ex.model_version
    assert all("score" in r for r in preds[0].result if r.get("from_name") == "label")
    assert {r["value"]["labels"][0] for r in preds[0].result if r.get("from_name") == "label"} <= set(labels.names)

    # re-running never duplicates: only the report active learning left out comes in now
    again = push(client, cfg, labels, corpus=corpus, inbox=INBOX, extractor=ex)
    assert (again.corpus_imported, again.corpus_present, again.inbox_imported, again.inbox_present) == (0, 3, 1, 2)
    assert len(list(client.tasks.list(project=project.id))) == 6

    # an annotator labels one inbox report
    target = inbox_tasks[0]
    text = target.data["text"]
    want = [(m, m + len(w), lab) for w, lab in (("40", "QUANTITY"), ("mines", "UNIT"), ("Kafr Nabudah", "PLACE"),
                                                ("Syrian army sappers", "ACTOR")) if (m := text.find(w)) >= 0]
    result = [{"id": f"h{i}", "from_name": "label", "to_name": "text", "type": "labels",
               "value": {"start": s, "end": e, "text": text[s:e], "labels": [lab]}} for i, (s, e, lab) in enumerate(want)]
    client.annotations.create(id=target.id, result=result, lead_time=12.5)

    t0 = time.time()
    summary = merge_pulled(export_annotated(client, project.id), labels, cfg)
    pull_seconds = time.time() - t0
    assert (summary.added, summary.updated, summary.same_as_corpus) == (1, 0, 3), summary.text()
    docs, rep = read_export(cfg.pulled_file, labels)
    assert len(docs) == 1 and docs[0].text == text
    assert [(s.start, s.end, s.label) for s in docs[0].spans] == sorted(want)

    before = Path(cfg.pulled_file).stat().st_mtime_ns
    rerun = merge_pulled(export_annotated(client, project.id), labels, cfg)
    assert (rerun.added, rerun.updated, rerun.unchanged) == (0, 0, 1)
    assert Path(cfg.pulled_file).stat().st_mtime_ns == before

    # training accepts what was pulled
    work = tmp_path / "train"
    (work / "configs").mkdir(parents=True)
    for f in ("labels.yaml", "ontology.yaml", "normalisation.yaml"):
        shutil.copy(ROOT / "configs" / f, work / "configs" / f)
    shutil.copy(cfg.pulled_file, work / "pulled.json")
    out = train(TrainConfig(train_files=["pulled.json"], dev_files=[], test_files=[], max_steps=1, augment_copies=0,
                            export_onnx=False), root=work, log=lambda *a: None)
    assert out.metadata["training"]["train_reports"] == 1
    print(f"\nserver start {server.start_seconds:.1f} s, pull {pull_seconds:.2f} s; {summary.text()}")


def test_clear_errors(server, tmp_path, labels):
    cfg = server.cfg
    with pytest.raises(BadTokenError, match="rejected the API token"):
        connect(LabelStudioConfig(**{**cfg.__dict__, "token": "0" * 40}))
    with pytest.raises(ServerUnreachableError, match="no Label Studio server"):
        connect(LabelStudioConfig(**{**cfg.__dict__, "port": free_port()}))
    client = connect(cfg)
    ensure_project(client, "mismatch", labels)
    with pytest.raises(LabelConfigMismatchError, match=r"\['ACTOR', 'PLACE', 'QUANTITY', 'UNIT'\].*\['PLACE', 'QTY'\]"):
        ensure_project(client, "mismatch", LabelSet.from_names(["QTY", "PLACE"]))
    # trigger labels (the ontology's types) are part of the check
    types = read_event_types(ROOT / "configs" / "ontology.yaml")
    ensure_project(client, "events", labels, types)
    fewer = {k: v for k, v in types.items() if k != "displacement"}
    with pytest.raises(LabelConfigMismatchError, match=r"trigger labels \[.*'displacement'.*\] but configs have \[(?!.*displacement)"):
        ensure_project(client, "events", labels, fewer)
    with pytest.raises(LabelConfigMismatchError, match="trigger labels"):
        ensure_project(client, "mismatch", labels, types)  # a project without triggers
    bad = {"id": 77, "data": {"text": "12 mines"}, "annotations": [{"id": 1, "result": [
        {"id": "x", "type": "labels", "from_name": "label", "to_name": "text",
         "value": {"start": 0, "end": 2, "text": "12", "labels": ["QTY"]}}]}]}
    _corpus(tmp_path, 0)
    with pytest.raises(RejectedTasksError, match="task 77"):
        merge_pulled([bad], labels, cfg)


class FakeExtractor:
    """Stands in for the Extractor (push only calls these): entities and events of one known text."""

    model_version = "fake-1"

    def __init__(self, entities, events):
        self.entities, self.events = entities, events

    def annotate_many(self, texts):
        return [(self.entities, self.events, 0.25) for _ in texts]


EVENT_TEXT = "Sappers cleared 12 mines in Kafr Shams (Daraa province) on Monday. Between 300 and 400 families returned."


def _at(word, nth=0, text=EVENT_TEXT):
    i = -1
    for _ in range(nth + 1):
        i = text.index(word, i + 1)
    return i, i + len(word)


def test_events_round_trip(server, tmp_path, labels):
    """Triggers, relations and per-region fields survive push, annotation in the server, export and pull:
    the importer derives exactly the annotated events."""
    from sitrep_ie.schema import Entity, Event, Mention, Place, Quantity

    cfg = server.cfg
    corpus = _corpus(tmp_path)
    assert any(r["type"] == "relation" for t in corpus for r in t["annotations"][0]["result"])
    client = connect(cfg)
    ents = [Entity(*_at(w), lab, w, 0.9) for w, lab in (("Sappers", "ACTOR"), ("12", "QUANTITY"), ("mines", "UNIT"),
                                                         ("Kafr Shams", "PLACE"), ("Daraa province", "PLACE"))]
    ev = Event("demining", "2020-03-02", actors=[Mention("Sappers", *_at("Sappers"))],
               places=[Place("Kafr Shams", *_at("Kafr Shams"), admin="Daraa province", admin_span=_at("Daraa province"))],
               quantities=[Quantity(12.0, *_at("12"), "12", unit="mines", unit_span=_at("mines"), approx="about")],
               trigger=Mention("cleared", *_at("cleared")))
    summary = push(client, cfg, labels, corpus=corpus, inbox=[("inbox-ev", EVENT_TEXT)], extractor=FakeExtractor(ents, [ev]))
    assert (summary.corpus_imported, summary.inbox_imported) == (3, 1)
    project = ensure_project(client, cfg.project_title, labels, cfg.event_types())
    scheme = config_scheme(project.label_config)
    assert scheme["trigger labels"] == sorted(cfg.event_types()) and "same_as" in scheme["relations"]
    assert scheme["per-region fields"] == ["approx", "event_date", "value"]

    # the pre-annotation carries the event: trigger region, relations, date and value
    task = next(t for t in client.tasks.list(project=project.id, fields="all") if t.data.get("report_id") == "inbox-ev")
    pred = list(client.predictions.list(task=task.id))[0].result
    trig = [r for r in pred if r.get("from_name") == "trigger"]
    assert [(r["value"]["text"], r["value"]["labels"]) for r in trig] == [("cleared", ["demining"])]
    assert sorted(r["labels"][0] for r in pred if r.get("type") == "relation") == ["actor", "admin", "place", "quantity", "unit"]
    assert {(r["from_name"], json.dumps(r["value"].get("text") or r["value"].get("number"))) for r in pred
            if r.get("from_name") in ("event_date", "value", "approx")} == {("event_date", '["2020-03-02"]'), ("value", "12"),
                                                                            ("approx", '["about"]')}

    # an annotator annotates the report: a demining event with a restating mention and a range
    def region(rid, word, label, control="label", nth=0):
        s, e = _at(word, nth)
        return {"id": rid, "from_name": control, "to_name": "text", "type": "labels",
                "value": {"start": s, "end": e, "text": word, "labels": [label]}}

    def rel(a, b, label):
        return {"from_id": a, "to_id": b, "type": "relation", "direction": "right", "labels": [label]}

    def field(rid, word, name, value):
        s, e = _at(word)
        return {"id": rid, "from_name": name, "to_name": "text", "type": "number" if name == "value" else "textarea",
                "value": {"start": s, "end": e, **({"number": value} if name == "value" else {"text": [value]})}}

    result = [region("a1", "Sappers", "ACTOR"), region("t1", "cleared", "demining", "trigger"), region("q1", "12", "QUANTITY"),
              region("u1", "mines", "UNIT"), region("p1", "Kafr Shams", "PLACE"), region("p2", "Daraa province", "PLACE"),
              region("t2", "returned", "refugee_return", "trigger"), region("q2", "300", "QUANTITY"), region("q3", "400", "QUANTITY"),
              region("u2", "families", "UNIT"),
              field("t1", "cleared", "event_date", "2020-03-02"), field("q1", "12", "value", 12),
              field("q2", "300", "value", 300), field("q2", "300", "approx", "range"), field("q3", "400", "value", 400),
              rel("t1", "a1", "actor"), rel("t1", "q1", "quantity"), rel("q1", "u1", "unit"), rel("t1", "p1", "place"),
              rel("p1", "p2", "admin"), rel("t2", "q2", "quantity"), rel("q2", "q3", "upper"), rel("q2", "u2", "unit")]
    client.annotations.create(id=task.id, result=result, lead_time=30.0)

    pulled = merge_pulled(export_annotated(client, project.id), labels, cfg)
    # the corpus tasks came back with their relations and fields unchanged
    assert (pulled.added, pulled.updated, pulled.same_as_corpus) == (1, 0, 3), pulled.text()
    docs, rep = read_export(cfg.pulled_file, labels, event_types=cfg.event_types())
    assert rep.relations_used == 8 and rep.triggers_used == 2
    assert docs[0].values == {"t1": {"event_date": "2020-03-02"}, "q1": {"value": 12}, "q2": {"value": 300, "approx": "range"},
                              "q3": {"value": 400}}
    got = derive_events(docs[0])
    assert [e.record() for e in got] == [
        {"type": "demining", "date": "2020-03-02", "actors": ["Sappers"], "places": [{"name": "Kafr Shams", "admin": "Daraa province"}],
         "quantities": [{"value": 12, "unit": "mines", "approx": None}]},
        {"type": "refugee_return", "date": None, "actors": [], "places": [],
         "quantities": [{"value": 300, "unit": "families", "approx": "range", "upper": 400}]},
    ]
    assert [(EVENT_TEXT[e.trigger.start:e.trigger.end], e.trigger.id) for e in got] == [("cleared", "t1"), ("returned", "t2")]

    # an edit of the relations alone is an update, not "unchanged"
    result[-1] = rel("q2", "u2", "unit")
    result.append(rel("t2", "p1", "place"))
    client.annotations.create(id=task.id, result=result, lead_time=5.0, ground_truth=True)
    again = merge_pulled(export_annotated(client, project.id), labels, cfg)
    assert (again.added, again.updated) == (0, 1), again.text()
    docs, _ = read_export(cfg.pulled_file, labels, event_types=cfg.event_types())
    assert derive_events(docs[0])[1].record()["places"] == [{"name": "Kafr Shams", "admin": "Daraa province"}]


def test_prediction_accepted_as_is_imports_and_derives_the_extracted_event(labels):
    """No server needed: the pre-annotation of an inbox report, taken as an annotation, gives back the event."""
    from sitrep_ie.data.annotations import read_tasks
    from sitrep_ie.data.labelstudio import prediction_result
    from sitrep_ie.schema import Entity, Event, Mention, Place, Quantity

    words = (("Sappers", "ACTOR"), ("12", "QUANTITY"), ("mines", "UNIT"), ("Kafr Shams", "PLACE"), ("Daraa province", "PLACE"),
             ("300", "QUANTITY"), ("400", "QUANTITY"), ("families", "UNIT"))
    ents = [Entity(*_at(w), lab, w, 0.8) for w, lab in words]
    clear = Event("demining", "2020-03-02", actors=[Mention("Sappers", *_at("Sappers"))],
                  places=[Place("Kafr Shams", *_at("Kafr Shams"), admin="Daraa province", admin_span=_at("Daraa province"))],
                  quantities=[Quantity(12.0, *_at("12"), "12", unit="mines", unit_span=_at("mines"))],
                  trigger=Mention("cleared", *_at("cleared")))
    back = Event("refugee_return", None, quantities=[Quantity(300.0, *_at("300"), "300", unit="families", unit_span=_at("families"),
                                                              approx="range", upper=400.0, upper_span=_at("400"))],
                 trigger=Mention("returned", *_at("returned")))
    # a second event on the same trigger span and a quantity already taken are left out
    dup = Event("casualties", None, quantities=[Quantity(12.0, *_at("12"), "12")], trigger=Mention("cleared", *_at("cleared")))
    steal = Event("casualties", None, quantities=[Quantity(12.0, *_at("12"), "12")], trigger=Mention("Monday", *_at("Monday")))
    tagged_trigger = Entity(*_at("returned"), "EVT_REFUGEE_RETURN", "returned", 0.7)  # a tagger that also tags triggers
    result = prediction_result(EVENT_TEXT, ents + [tagged_trigger], [clear, back, dup, steal], entity_labels=labels.names)
    task = {"id": 5, "data": {"text": EVENT_TEXT}, "annotations": [{"id": 1, "result": result}]}
    docs, rep = read_tasks([task], labels, event_types=read_event_types(ROOT / "configs" / "ontology.yaml"))
    got = [e.record() for e in derive_events(docs[0])]
    assert got == [
        {"type": "demining", "date": "2020-03-02", "actors": ["Sappers"], "places": [{"name": "Kafr Shams", "admin": "Daraa province"}],
         "quantities": [{"value": 12, "unit": "mines", "approx": None}]},
        {"type": "casualties", "date": None, "actors": [], "places": [], "quantities": []},
        {"type": "refugee_return", "date": None, "actors": [], "places": [],
         "quantities": [{"value": 300, "unit": "families", "approx": "range", "upper": 400}]},
    ]
    assert len({r["id"] for r in result if r["type"] == "labels"}) == len(ents) + 3
