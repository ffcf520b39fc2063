"""The full training run of configs/train.yaml (slow: deselected by default; `make test-slow`)."""

import json
import shutil

import pytest

from conftest import ROOT

pytestmark = pytest.mark.slow


def test_full_training_run_reaches_useful_scores(tmp_path, labels):
    from sitrep_ie.data.annotations import read_export
    from sitrep_ie.config import TrainConfig
    from sitrep_ie.data.annotations import load_gold_events
    from sitrep_ie.evaluation.evaluate import evaluate
    from sitrep_ie.extractor import Extractor
    from sitrep_ie.model.train import train

    for d in ("configs", "annotations"):
        shutil.copytree(ROOT / d, tmp_path / d)
    cfg = TrainConfig.from_yaml(tmp_path / "configs" / "train.yaml")
    out = train(cfg, root=tmp_path, log=lambda *a: None)
    meta = json.loads((out.published / "sitrep_ie.json").read_text())
    assert meta["backends"]["torch-fp32"]["dev_micro_f1"] > 0.6
    docs, _ = read_export(tmp_path / "annotations" / "test.json", labels)
    result, _, _ = evaluate(Extractor(out.published), docs, load_gold_events(tmp_path / "annotations" / "gold_events.jsonl", "test"))
    assert result.entities["micro"]["f1"] > 0.6
    assert result.arguments["overall"]["f1"] > 0.4
