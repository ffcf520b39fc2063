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
from sitrep_ie.errors import BadTokenError, LabelConfigMismatchError, RejectedTasksError, ServerUnreachableError
from sitrep_ie.data.labels import LabelSet
from sitrep_ie.data.labelstudio import (LabelStudioConfig, LabelStudioServer, config_labels, connect, ensure_project, export_annotated,
                                   free_port, merge_pulled, push)

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
                            inbox=str(tmp_path / "inbox"), pulled_file=str(tmp_path / "pulled.json"))
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
    scored = sorted(ex.tag_with_uncertainty([t for _, t in INBOX]), key=lambda x: -x[1])
    assert unc == pytest.approx([round(u, 4) for _, u in scored[:2]])  # most uncertain first
    preds = list(client.predictions.list(task=inbox_tasks[0].id))
    assert preds and preds[0].model_version == ex.model_version
    assert all("score" in r for r in preds[0].result)

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
    bad = {"id": 77, "data": {"text": "12 mines"}, "annotations": [{"id": 1, "result": [
        {"id": "x", "type": "labels", "from_name": "label", "to_name": "text",
         "value": {"start": 0, "end": 2, "text": "12", "labels": ["QTY"]}}]}]}
    _corpus(tmp_path, 0)
    with pytest.raises(RejectedTasksError, match="task 77"):
        merge_pulled([bad], labels, cfg)
