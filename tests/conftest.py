"""Shared fixtures. The tiny model is trained once per session, for real, on a few reports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sitrep_ie.data.labels import LabelSet

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def labels() -> LabelSet:
    return LabelSet.from_yaml(ROOT / "configs" / "labels.yaml")


def make_task(text: str, regions: list[tuple[int, int, str]], tid: int = 1, **ann_extra: object) -> dict:
    """A task as Label Studio exports it, with one submitted annotation."""
    result = [
        {"id": f"r{tid}-{i}", "from_name": "label", "to_name": "text", "type": "labels",
         "value": {"start": s, "end": e, "text": text[s:e], "labels": [lab]}}
        for i, (s, e, lab) in enumerate(regions)
    ]
    ann = {"id": tid * 10, "completed_by": 1, "result": result, "was_cancelled": False, "ground_truth": False,
           "created_at": "2024-01-01T10:00:00Z", "updated_at": "2024-01-01T10:00:00Z", "lead_time": 10.0}
    ann.update(ann_extra)
    return {"id": tid, "data": {"text": text}, "annotations": [ann], "predictions": [], "drafts": [], "meta": {}}


def training_root(work: Path, n_train: int, n_dev: int) -> Path:
    """A project root for a test training run: the first corpus train reports as train.json and dev.json, the configs."""
    tasks = json.loads((ROOT / "annotations" / "train.json").read_text())
    (work / "train.json").write_text(json.dumps(tasks[:n_train]))
    (work / "dev.json").write_text(json.dumps(tasks[n_train:n_train + n_dev]))
    for d in ("configs", "training"):
        (work / d).mkdir()
    for f in ("labels.yaml", "ontology.yaml", "normalisation.yaml"):
        (work / "configs" / f).write_text((ROOT / "configs" / f).read_text())
    return work


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Fine-tune the real base model for a few steps on a dozen corpus reports, event layer included."""
    from sitrep_ie.config import TrainConfig
    from sitrep_ie.trainer import run

    work = training_root(tmp_path_factory.mktemp("tiny"), 12, 4)
    cfg = TrainConfig(train_files=["train.json"], dev_files=["dev.json"], test_files=[], output_dir="models/default",
                      max_steps=16, batch_size=8, learning_rate=5e-4, augment_copies=0)
    result = run(cfg, root=work, log=lambda *a: None)
    return result.published


EVENT_TEXT = "Sappers cleared 12 mines in Kafr Shams (Daraa province). Twelve mines were removed, the ministry said."


def make_event_task(tid: int = 1, drop: tuple[str, ...] = (), extra: list[dict] | None = None) -> dict:
    """A task with one annotated event (trigger, restating mention, relations, per-region fields) on EVENT_TEXT.

    Region ids: a (ACTOR Sappers), t (trigger cleared), q (QUANTITY 12), u (UNIT mines), p (PLACE Kafr Shams),
    d (PLACE Daraa province), m (trigger removed, same_as t), s (ACTOR the ministry). ``drop`` removes results:
    a region by its id, a per-region field as "id.field" ("t.event_date"), a relation as "from->to";
    ``extra`` appends results.
    """
    text = EVENT_TEXT

    def reg(rid: str, word: str, label: str, control: str = "label") -> dict:
        s = text.index(word)
        return {"id": rid, "from_name": control, "to_name": "text", "type": "labels",
                "value": {"start": s, "end": s + len(word), "text": word, "labels": [label]}}

    def rel(a: str, b: str, label: str) -> dict:
        return {"from_id": a, "to_id": b, "type": "relation", "direction": "right", "labels": [label]}

    result = [reg("a", "Sappers", "ACTOR"), reg("t", "cleared", "demining", "trigger"), reg("q", "12", "QUANTITY"),
              reg("u", "mines", "UNIT"), reg("p", "Kafr Shams", "PLACE"), reg("d", "Daraa province", "PLACE"),
              reg("m", "removed", "demining", "trigger"), reg("s", "the ministry", "ACTOR"),
              {"id": "t", "from_name": "event_date", "to_name": "text", "type": "textarea",
               "value": {"start": 8, "end": 15, "text": ["2020-03-02"]}},
              {"id": "q", "from_name": "value", "to_name": "text", "type": "number", "value": {"start": 16, "end": 18, "number": 12}},
              {"id": "q", "from_name": "approx", "to_name": "text", "type": "textarea", "value": {"start": 16, "end": 18, "text": ["about"]}},
              rel("t", "a", "actor"), rel("t", "q", "quantity"), rel("q", "u", "unit"), rel("t", "p", "place"), rel("p", "d", "admin"),
              rel("m", "t", "same_as")]
    def key(r: dict) -> str:
        if r["type"] == "relation":
            return f"{r['from_id']}->{r['to_id']}"
        return r["id"] if r["type"] == "labels" else f"{r['id']}.{r['from_name']}"

    result = [r for r in result if key(r) not in drop] + list(extra or [])
    ann = {"id": tid * 10, "completed_by": 1, "result": result, "was_cancelled": False, "ground_truth": False,
           "created_at": "2024-01-01T10:00:00Z", "updated_at": "2024-01-01T10:00:00Z", "lead_time": 10.0}
    return {"id": tid, "data": {"text": text, "report_id": f"ev-{tid}"}, "annotations": [ann], "predictions": [], "drafts": [], "meta": {}}


@pytest.fixture(scope="session")
def event_types() -> dict[str, str]:
    from sitrep_ie.data.labels import read_event_types

    return read_event_types(ROOT / "configs" / "ontology.yaml")
