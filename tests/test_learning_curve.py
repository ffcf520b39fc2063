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


def test_a_seeded_point_reads_its_own_model(curve, tiny_model, tmp_path, monkeypatch):
    from sitrep_ie.config import TrainConfig

    (tmp_path / "models" / "curve").mkdir(parents=True)
    (tmp_path / "models" / "curve" / "100-s14").symlink_to(tiny_model.resolve())
    (tmp_path / "dev.json").write_text(json.dumps(json.loads((ROOT / "annotations" / "dev.json").read_text())[:2]))
    monkeypatch.chdir(tmp_path)
    cfg = TrainConfig(dev_files=["dev.json"], gold_events=str(ROOT / "annotations" / "gold_events.jsonl"), seed=13)
    assert curve.point(cfg, 1.0, reuse=True, seed=14)["seed"] == 14


@pytest.mark.parametrize("events, mean, low, high", [
    ([0.9], 0.9, 0.9, 0.9),
    ([0.92, 0.90, 0.94], 0.92, 0.90, 0.94),
])
def test_seeds_of_a_fraction_give_their_mean_and_range(curve, events, mean, low, high):
    rows = [{"fraction": 1.0, "seed": s, "train_reports": 9, "entity_f1": 0.9, "event_f1": e, "argument_f1": 0.8, "train_seconds": 1}
            for s, e in enumerate(events)]
    (m,) = curve.summarise(rows)
    assert (round(m["event_f1"], 6), m["event_f1_min"], m["event_f1_max"], m["seeds"]) == (mean, low, high, len(events))
