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


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Fine-tune the real base model for a few steps on a dozen corpus reports."""
    from sitrep_ie.config import TrainConfig
    from sitrep_ie.model.train import train

    work = tmp_path_factory.mktemp("tiny")
    tasks = json.loads((ROOT / "annotations" / "train.json").read_text())
    (work / "train.json").write_text(json.dumps(tasks[:12]))
    (work / "dev.json").write_text(json.dumps(tasks[12:16]))
    for d in ("configs", "training"):
        (work / d).mkdir()
    for f in ("labels.yaml", "ontology.yaml", "normalisation.yaml"):
        (work / "configs" / f).write_text((ROOT / "configs" / f).read_text())
    cfg = TrainConfig(train_files=["train.json"], dev_files=["dev.json"], test_files=[], output_dir="models/default",
                      max_steps=6, batch_size=8, learning_rate=5e-4, augment_copies=0)
    result = train(cfg, root=work, log=lambda *a: None)
    return result.published
