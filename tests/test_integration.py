"""End to end on a model fine-tuned for a few steps (the session fixture trains it for real)."""

import csv
import dataclasses
import io
import json

import jsonschema
import numpy as np
import pytest

import sitrep_ie
from sitrep_ie import Extractor
from sitrep_ie import extractor as extractor_module
from sitrep_ie.cli import main
from sitrep_ie.errors import InputError, ModelMissingError
from sitrep_ie.schema import event_schema

from conftest import training_root

REPORT = ("HMEIMIM /Syria/, November 2. /TASS/. Officers from the Russian Defense Ministry's International Demining Center "
          "cleared 275 explosive devices in the Syrian city of Deir ez-Zor in the past 24 hours. Russian military delivered "
          "1.7 tonnes of aid to the Kafr Nan settlement, while Russian military doctors provided medical assistance to 26 "
          "people, including five children.")


def test_tiny_model_directory_is_complete(tiny_model):
    meta = json.loads((tiny_model / "sitrep_ie.json").read_text())
    cfg = json.loads((tiny_model / "config.json").read_text())
    # entities first, then one trigger label per ontology type: the label map lives in the model
    assert meta["labels"][:4] == ["QUANTITY", "UNIT", "PLACE", "ACTOR"] and "EVT_DEMINING" in meta["labels"]
    assert cfg["id2label"]["1"] == "B-QUANTITY" and len(cfg["id2label"]) == 1 + 2 * len(meta["labels"])
    for f in ("tokenizer.json", "model.safetensors", "onnx/model.int8.onnx", "README.md", "train_config.json", "ontology.yaml",
              "lexicon.yaml", "event_layer.npz", "event_layer.json"):
        assert (tiny_model / f).is_file(), f
    assert set(meta["backends"]) == {"torch-fp32", "onnx-fp32", "onnx-int8"}
    assert meta["training"]["steps"] == 16
    assert tiny_model.is_symlink()


@pytest.mark.parametrize("backend", ["onnx-int8", "torch-fp32"])
def test_extract_output_shape_and_evidence(tiny_model, backend):
    ex = Extractor(tiny_model, backend=backend)
    full = ex.tag_full([REPORT])[0]
    for ent in full.entities:
        assert REPORT[ent.start:ent.end] == ent.text and 0 <= ent.score <= 1
    assert full.hidden is not None and full.hidden.shape[0] == len(full.token_offsets)  # one encoder pass serves the event layer
    # extract() is tagging followed by assembly, exactly
    assert [e.to_dict() for e in ex.extract(REPORT, reference_date="2017-11-02")] == \
        [e.to_dict() for e in ex.assemble(REPORT, full.entities, reference_date="2017-11-02", tagged=full)]
    events = ex.extract(REPORT, reference_date="2017-11-02")
    assert events, "the tiny model, trained on reports of this genre, finds events in this one"
    for ev in events:
        d = ev.to_dict()
        jsonschema.validate(d, event_schema())
        for e in d["evidence"]:
            assert REPORT[e["start"]:e["end"]] == e["text"]
        for q in d["quantities"]:
            assert REPORT[q["start"]:q["end"]] == q["text"]
        assert d["model_version"] == ex.model_version


def test_backends_agree_on_tags(tiny_model):
    a = Extractor(tiny_model, backend="torch-fp32").tag_many([REPORT] * 3)
    b = Extractor(tiny_model, backend="onnx-fp32").tag_many([REPORT] * 3)
    assert [[(e.start, e.end, e.label) for e in x] for x in a] == [[(e.start, e.end, e.label) for e in x] for x in b]


@pytest.mark.parametrize("chunk", [32, 1, 3])  # 1 and 3: several chunks, each tagged while the one before is assembled
def test_extract_many_matches_single_calls(tiny_model, monkeypatch, chunk):
    monkeypatch.setattr(extractor_module, "CHUNK_REPORTS", chunk)
    ex = Extractor(tiny_model)
    texts = [REPORT, "", REPORT[:120], "Sappers cleared 12 mines in Aleppo.", REPORT[200:]]
    many = ex.extract_many(texts, batch_size=2)
    assert [[e.to_dict() for e in x] for x in many] == [[e.to_dict() for e in ex.extract(t)] for t in texts]


def test_package_level_api_uses_env_model(tiny_model, monkeypatch):
    monkeypatch.setenv("SITREP_IE_MODEL", str(tiny_model))
    ex = Extractor(tiny_model)
    assert sitrep_ie.tag(REPORT) == ex.tag(REPORT)
    assert [e.to_dict() for e in sitrep_ie.extract(REPORT, reference_date="2017-11-02")] == \
        [e.to_dict() for e in ex.extract(REPORT, reference_date="2017-11-02")]
    assert {e.model_version for e in ex.extract(REPORT)} == {ex.model_version}
    with pytest.raises(TypeError, match="got NoneType"):
        sitrep_ie.extract(None)  # type: ignore[arg-type]
    with pytest.raises(InputError):
        sitrep_ie.tag(b"bytes")  # type: ignore[arg-type]


def test_missing_model_says_how_to_train(tmp_path):
    with pytest.raises(ModelMissingError, match="make train"):
        Extractor(tmp_path / "nothing").tag("x")


def test_cli_extract_jsonl_and_csv(tiny_model, tmp_path, capsys):
    f = tmp_path / "r.txt"
    f.write_text(REPORT)
    assert main(["extract", str(f), "--model", str(tiny_model), "--reference-date", "2017-11-02"]) == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert all(x["source"] == str(f) for x in lines)
    assert main(["extract", str(f), "--model", str(tiny_model), "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert len(rows) == sum(max(1, len(x["places"])) for x in lines)  # issue 13: one row per event place
    assert main(["tag", str(f), "--model", str(tiny_model)]) == 0
    assert json.loads(capsys.readouterr().out)["source"] == str(f)


@pytest.mark.parametrize("args,code,words", [
    (["extract", "{tmp}/missing.txt"], "E402", "does not exist"),
    (["extract", "{tmp}/latin1.txt"], "E402", "not UTF-8"),
    (["tag", "{tmp}/ok.txt", "--model", "{tmp}/no-model"], "E101", "make train"),
])
def test_cli_reports_errors_with_codes(tmp_path, capsys, args, code, words):
    (tmp_path / "latin1.txt").write_bytes("Sappers cleared 12 mines in Al-Mayad\xeen".encode("latin-1"))
    (tmp_path / "ok.txt").write_text(REPORT)
    assert main([a.format(tmp=tmp_path) for a in args]) == 2
    err = capsys.readouterr().err
    assert f"sitrep-ie: {code}: " in err and words in err


def test_bf16_training_changes_the_arithmetic_and_is_recorded(tmp_path):
    # same seed, same data: fp32 twice gives the same weights; bf16 autocast gives others (it really ran in bf16)
    from sitrep_ie.config import TrainConfig
    from sitrep_ie.model.artifacts import ModelDir
    from sitrep_ie.trainer import run

    training_root(tmp_path, 4, 2)
    weights, precisions = {}, {}
    for name, precision in [("a", "fp32"), ("b", "fp32"), ("c", "bf16")]:
        cfg = TrainConfig(train_files=["train.json"], dev_files=["dev.json"], test_files=[], output_dir=f"models/{name}", max_steps=2,
                          batch_size=4, augment_copies=0, export_onnx=False, events=False, encoder_layers=1, precision=precision)
        published = run(cfg, root=tmp_path, log=lambda *a: None).published
        weights[name] = (published / "model.safetensors").read_bytes()
        precisions[name] = ModelDir(published).meta()["training"]["precision"]
    assert weights["a"] == weights["b"] != weights["c"]
    assert precisions == {"a": "fp32", "b": "fp32", "c": "bf16"}


@pytest.mark.parametrize("layers", [2, 7])
def test_encoder_layers_and_attention_dropout_reach_the_model_or_name_the_limit(tmp_path, layers):
    from sitrep_ie.config import TrainConfig
    from sitrep_ie.errors import ConfigError
    from sitrep_ie.model.tagger import Tagger
    from sitrep_ie.trainer import run

    training_root(tmp_path, 4, 2)
    cfg = TrainConfig(train_files=["train.json"], dev_files=["dev.json"], test_files=[], output_dir="models/default", max_steps=2,
                      batch_size=4, augment_copies=0, export_onnx=False, events=False, encoder_layers=layers, attention_dropout=0.0)
    if layers > 6:  # all-MiniLM-L6-v2 has six
        with pytest.raises(ConfigError, match="encoder_layers 7: the base model .* has 6"):
            run(cfg, root=tmp_path, log=lambda *a: None)
        return
    published = run(cfg, root=tmp_path, log=lambda *a: None).published
    saved = json.loads((published / "config.json").read_text())
    assert saved["num_hidden_layers"] == 2 and saved["attention_probs_dropout_prob"] == 0.0  # the base model's is 0.1
    assert Tagger(published, backend="torch-fp32").tag_full(["Sappers cleared 12 mines in Homs."])[0].hidden.shape[1] == 384


def test_word_case_reaches_the_encoder_in_every_backend(tmp_path, tiny_model):
    # the tokenizer lowercases, so "KAFR SHAMS" and "kafr shams" are the same ids: only the token types tell them apart
    from sitrep_ie.config import TrainConfig
    from sitrep_ie.model.tagger import Tagger
    from sitrep_ie.trainer import run

    training_root(tmp_path, 4, 2)
    cfg = TrainConfig(train_files=["train.json"], dev_files=["dev.json"], test_files=[], output_dir="models/default", max_steps=2,
                      batch_size=4, augment_copies=0, events=False, encoder_layers=1, case_types=True, learning_rate=5e-3)
    published = run(cfg, root=tmp_path, log=lambda *a: None).published
    assert json.loads((published / "config.json").read_text())["type_vocab_size"] == 3
    upper, lower = "Sappers cleared 12 mines in KAFR SHAMS.", "sappers cleared 12 mines in kafr shams."
    hidden = {b: [t.hidden for t in Tagger(published, backend=b).tag_full([upper, lower])] for b in ("torch-fp32", "onnx-fp32", "onnx-int8")}
    ref_upper, ref_lower = hidden["torch-fp32"]
    assert np.abs(ref_upper - ref_lower).max() > 1e-2  # case changed the encoder's input
    assert np.allclose(hidden["onnx-fp32"][0], ref_upper, atol=1e-3) and np.allclose(hidden["onnx-fp32"][1], ref_lower, atol=1e-3)
    assert np.abs(hidden["onnx-int8"][0] - hidden["onnx-int8"][1]).max() > 1e-2
    # a model trained without word case reads both the same
    plain = Tagger(tiny_model, backend="torch-fp32").tag_full([upper, lower])
    assert np.allclose(plain[0].hidden, plain[1].hidden)


@pytest.mark.parametrize("right, cap, floor", [
    ([0.9, 0.7], 0.2, 0.2),        # every right event well above: the cap
    ([0.9, 0.16], 0.2, 0.15),      # a right event at 0.16: the floor stays under it
    ([0.9, 0.032], 0.2, 0.03),
    ([0.9, 0.01], 0.2, 0.0),       # a right event at 0.01: no floor at all
    ([0.9], 0.0, 0.0),             # a cap of 0 keeps every event
    ([], 0.2, 0.2),
])
def test_the_confidence_floor_drops_no_right_event(right, cap, floor):
    from sitrep_ie.trainer import choose_floor

    assert choose_floor(right, cap) == floor


def test_a_fitted_layer_records_the_floor_it_chose(tiny_model):
    from sitrep_ie.events.learned import LinkerWeights
    from sitrep_ie.model.artifacts import ModelDir

    info = ModelDir(tiny_model).meta()["event_layer"]
    assert LinkerWeights.from_disk(tiny_model).min_confidence == info["min_confidence"] <= min(0.2, info["confidence_floor"]["least_right"])


def test_a_fitted_layer_saves_the_rescue_threshold_it_chose(tiny_model):
    from sitrep_ie.events.learned import LinkerWeights
    from sitrep_ie.model.artifacts import ModelDir
    from sitrep_ie.trainer import RESCUE_THRESHOLDS

    info = ModelDir(tiny_model).meta()["event_layer"]
    assert "rescue_threshold" in info and info["rescue_threshold"] in RESCUE_THRESHOLDS
    assert LinkerWeights.from_disk(tiny_model).rescue_threshold == info["rescue_threshold"]


def test_the_floor_is_chosen_on_the_events_extract_gives(tiny_model, monkeypatch):
    # the floor must judge the events users get: the layer reads the tagger's trigger guesses as cues, as in extract()
    from sitrep_ie import Extractor
    from sitrep_ie.data.annotations import read_export
    from sitrep_ie.events.learned import LearnedEventLayer, LinkerWeights, split_tags
    from sitrep_ie.events.pipeline import CONFIG_FILES, EventLayer
    from sitrep_ie.model.tagger import Tagger
    from sitrep_ie.schema import Entity
    from sitrep_ie.trainer import confidence_floor

    root = next(p for p in tiny_model.parents if (p / "train.json").is_file())  # the fixture's training root
    layer = EventLayer.from_files(**{role: tiny_model / name for role, name in CONFIG_FILES.items()})
    tagger = Tagger(tiny_model, backend="torch-fp32")
    docs, _ = read_export([root / "dev.json"], Extractor(tiny_model).entity_labels)
    # a few training steps tag no trigger yet: give each report one guess, as a trained tagger would
    tagged = [dataclasses.replace(t, entities=[*t.entities, Entity(0, 3, "EVT_DEMINING", d.text[:3], 0.6)])
              for d, t in zip(docs, tagger.tag_full([d.text for d in docs]))]
    seen = []
    real = LearnedEventLayer.assemble

    def spy(self, text, ents, trigs, **kw):
        seen.append((ents, trigs))
        return real(self, text, ents, trigs, **kw)

    monkeypatch.setattr(LearnedEventLayer, "assemble", spy)
    confidence_floor(LinkerWeights.from_disk(tiny_model), layer, docs, tagged, 0.2)
    assert seen == [split_tags(t.entities) for t in tagged]
