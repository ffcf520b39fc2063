"""tools/learning_curve.py (`make curve`): a point is scored on dev from a model it trained or, with --reuse, found."""

import importlib.util
import json

import pytest

from conftest import ROOT


@pytest.fixture(scope="module")
def curve():
    spec = importlib.util.spec_from_file_location("learning_curve", ROOT / "tools" / "learning_curve.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_a_point_scores_its_model_on_dev(curve, tiny_model, tmp_path, monkeypatch):
    from sitrep_ie.config import TrainConfig

    (tmp_path / "models" / "curve").mkdir(parents=True)
    (tmp_path / "models" / "curve" / "050").symlink_to(tiny_model.resolve())
    (tmp_path / "dev.json").write_text(json.dumps(json.loads((ROOT / "annotations" / "dev.json").read_text())[:3]))
    monkeypatch.chdir(tmp_path)
    cfg = TrainConfig(dev_files=["dev.json"], gold_events=str(ROOT / "annotations" / "gold_events.jsonl"))
    row = curve.point(cfg, 0.5, reuse=True)
    assert row["fraction"] == 0.5 and row["train_reports"] == json.loads((tiny_model / "sitrep_ie.json").read_text())["training"]["train_reports"]
    assert all(0.0 <= row[k] <= 1.0 for k in ("entity_f1", "event_f1", "argument_f1")), row
