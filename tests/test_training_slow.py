"""The full `make train` run of configs/train.yaml, then the held-out figures and the model checks on it
(slow: deselected by default; `make test-slow`)."""

import json
import os
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT

pytestmark = pytest.mark.slow

# Floors: the figures measured on the held-out test split when the learned layer landed, minus one point.
ENTITY_F1, EVENT_F1, ARGUMENT_F1 = 0.926, 0.843, 0.753


def test_full_training_run_reaches_its_measured_scores(tmp_path, labels):
    from sitrep_ie.config import TrainConfig
    from sitrep_ie.data.annotations import read_export
    from sitrep_ie.data.gold import load_gold_events
    from sitrep_ie.evaluation.evaluate import evaluate
    from sitrep_ie.extractor import Extractor
    from sitrep_ie.trainer import run

    for d in ("configs", "annotations"):
        shutil.copytree(ROOT / d, tmp_path / d, symlinks=False)
    cfg = TrainConfig.from_yaml(tmp_path / "configs" / "train.yaml")
    out = run(cfg, root=tmp_path, log=lambda *a: None)
    meta = json.loads((out.published / "sitrep_ie.json").read_text())
    assert meta["event_layer"]["dev_event_f1"] > 0.8
    ex = Extractor(out.published)
    docs, _ = read_export(tmp_path / "annotations" / "test.json", labels)
    result, _, _ = evaluate(ex, docs, load_gold_events(tmp_path / "annotations" / "gold_events.jsonl", "test"))
    assert result.entities["micro"]["f1"] >= ENTITY_F1
    assert result.layers["learned"]["events"]["overall"]["f1"] >= EVENT_F1
    assert result.layers["learned"]["arguments"]["overall"]["f1"] >= ARGUMENT_F1
    # the seed and behaviour checks, on this model
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(ROOT / "tests" / "test_seed.py"),
                           str(ROOT / "tests" / "test_model_behaviour.py")], env={**os.environ,
                           "SITREP_IE_TEST_MODEL": str(out.published)}, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-3000:]
