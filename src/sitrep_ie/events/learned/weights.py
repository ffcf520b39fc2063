"""The event layer's networks and settings (``event_layer.npz`` + ``event_layer.json``): numpy forward passes only."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ...errors import ModelCorruptError, ModelIncompatibleError
from ...schema import Entity
from .features import NAMED_LABELS, ROWS_AT_ONCE


WEIGHTS_FILE = "event_layer.npz"
SETTINGS_FILE = "event_layer.json"
FEATURE_VERSION = 15  # bump when pair, merge or trigger features change: a layer fitted on others is refused (E103)


@dataclass
class Mlp:
    """A one-hidden-layer network (numpy forward): relu(x W1 + b1) W2 + b2, then a sigmoid (one output:
    a probability per row) or a softmax (several outputs: a distribution over classes per row)."""

    w1: np.ndarray
    b1: np.ndarray
    w2: np.ndarray
    b2: np.ndarray
    mean: np.ndarray
    scale: np.ndarray

    def __post_init__(self) -> None:
        # weights decayed towards zero by the L2 penalty land on float32 subnormals, which the CPU multiplies
        # some thirty times slower than normal numbers (measured: 0.67 s against 0.02 s for one report set's
        # link rows); flushed to zero, every output changes by less than 1e-30
        for name in ("w1", "b1", "w2", "b2", "mean", "scale"):
            a = np.asarray(getattr(self, name))
            if a.dtype.kind == "f":
                a = np.where(np.abs(a) < np.finfo(a.dtype).tiny, np.zeros((), a.dtype), a)
            setattr(self, name, a)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        if len(x) == 0:
            return np.zeros((0,) if self.w2.shape[1] == 1 else (0, self.w2.shape[1]), dtype=np.float32)
        if len(x) > ROWS_AT_ONCE:
            return np.concatenate([self(x[a:a + ROWS_AT_ONCE]) for a in range(0, len(x), ROWS_AT_ONCE)])
        z = np.maximum(((x - self.mean) / self.scale) @ self.w1 + self.b1, 0.0) @ self.w2 + self.b2
        if z.shape[1] == 1:
            return 1.0 / (1.0 + np.exp(-np.clip(z.ravel(), -60.0, 60.0)))
        z = np.exp(z - z.max(axis=1, keepdims=True))
        return z / z.sum(axis=1, keepdims=True)


@dataclass
class Logistic:
    """A logistic model over standardised features (numpy forward)."""

    coef: np.ndarray
    intercept: np.ndarray
    mean: np.ndarray
    scale: np.ndarray

    def __call__(self, x: np.ndarray) -> np.ndarray:
        z = ((np.atleast_2d(x) - self.mean) / self.scale) @ self.coef + self.intercept
        return 1.0 / (1.0 + np.exp(-np.clip(z, -60.0, 60.0)))


@dataclass
class LinkerWeights:
    """Everything the learned layer needs besides the configs: networks, thresholds, calibration."""

    types: list[str]
    link: Mlp
    merge: Mlp
    link_threshold: float = 0.5
    merge_threshold: float = 0.5
    calibration_x: np.ndarray = field(default_factory=lambda: np.array([0.0, 1.0]))
    calibration_y: np.ndarray = field(default_factory=lambda: np.array([0.0, 1.0]))
    info: dict[str, Any] = field(default_factory=dict)
    trigger: Mlp | None = None  # the trigger head over words (None: the tagger's EVT_ spans serve as they are)
    role_thresholds: dict[str, float] = field(default_factory=dict)  # per role, tuned on dev; link_threshold for the rest
    confidence: Logistic | None = None  # P(event right) from event_features, fitted on dev (None: calibrated raw score)
    trigger_threshold: float | None = None  # P(some trigger) a word needs (None: the likeliest class decides); tuned on dev
    min_confidence: float = 0.0  # events the confidence model gives less are dropped (chosen per fit: trainer.confidence_floor)
    span_floors: dict[str, float] = field(default_factory=dict)  # entity label -> tagger score a span needs to be a candidate; tuned on dev
    rescue_threshold: float | None = None  # trigger_threshold in a sentence with a quantity the head gave no trigger (``rescue_triggers``); tuned on dev

    def threshold(self, role: str) -> float:
        """The link probability a candidate of ``role`` needs to become an argument."""
        return self.role_thresholds.get(role, self.link_threshold)

    def credible(self, entities: Sequence[Entity]) -> list[Entity]:
        """The tagged spans the layer reads: those the tagger is sure enough of (``span_floors``). The tagger
        over-tags ACTOR (dev precision 0.82, recall 0.90), and its unsure spans are mostly the wrong ones. A place or
        an actor without a letter names nothing: the "1" of "Aleppo (1)" in a count by province is a number."""
        return [e for e in entities if e.score >= self.span_floors.get(e.label, 0.0)
                and (e.label not in NAMED_LABELS or any(ch.isalpha() for ch in e.text))]

    def calibrate(self, raw: float) -> float:
        return float(np.interp(raw, self.calibration_x, self.calibration_y))

    def to_disk(self, path: Path) -> None:
        nets = [("link", self.link), ("merge", self.merge)] + ([("trigger", self.trigger)] if self.trigger else [])
        arrays = {f"{name}_{k}": getattr(m, k) for name, m in nets for k in ("w1", "b1", "w2", "b2", "mean", "scale")}
        if self.confidence is not None:
            arrays.update({f"confidence_{k}": getattr(self.confidence, k) for k in ("coef", "intercept", "mean", "scale")})
        np.savez(path / WEIGHTS_FILE, calibration_x=self.calibration_x, calibration_y=self.calibration_y, **arrays)
        (path / SETTINGS_FILE).write_text(json.dumps({"types": self.types, "link_threshold": self.link_threshold,
                                                      "role_thresholds": self.role_thresholds, "merge_threshold": self.merge_threshold,
                                                      "trigger_threshold": self.trigger_threshold, "rescue_threshold": self.rescue_threshold,
                                                      "min_confidence": self.min_confidence,
                                                      "span_floors": self.span_floors, "features": FEATURE_VERSION, "info": self.info},
                                                     indent=2) + "\n")

    @classmethod
    def from_disk(cls, path: Path) -> LinkerWeights:
        try:
            settings = json.loads((path / SETTINGS_FILE).read_text(encoding="utf-8"))
            with np.load(path / WEIGHTS_FILE) as z:
                arrays = {k: z[k] for k in z.files}
            names = ("link", "merge") + (("trigger",) if "trigger_w1" in arrays else ())
            nets = {name: Mlp(*(arrays[f"{name}_{k}"] for k in ("w1", "b1", "w2", "b2", "mean", "scale"))) for name in names}
            if settings.get("features", 1) != FEATURE_VERSION:
                raise ModelIncompatibleError(f"the event layer in {path} was fitted on features of version {settings.get('features', 1)}, "
                                             f"this sitrep-ie computes version {FEATURE_VERSION}; retrain with `make train`")
            return cls(list(settings["types"]), nets["link"], nets["merge"], float(settings["link_threshold"]),
                       float(settings["merge_threshold"]), arrays["calibration_x"], arrays["calibration_y"], settings.get("info", {}),
                       nets.get("trigger"), {str(k): float(v) for k, v in settings.get("role_thresholds", {}).items()},
                       Logistic(*(arrays[f"confidence_{k}"] for k in ("coef", "intercept", "mean", "scale")))
                       if "confidence_coef" in arrays else None,
                       None if settings.get("trigger_threshold") is None else float(settings["trigger_threshold"]),
                       float(settings.get("min_confidence", 0.0)),
                       {str(k): float(v) for k, v in settings.get("span_floors", {}).items()},
                       None if settings.get("rescue_threshold") is None else float(settings["rescue_threshold"]))
        except (OSError, KeyError, ValueError, TypeError, json.JSONDecodeError) as exc:
            raise ModelCorruptError(f"the event layer files in {path} are missing or damaged ({exc}); retrain with `make train`") from None

    @staticmethod
    def present(path: Path) -> bool:
        """Does the model directory carry a learned event layer? Half of one is damage (E102), not absence."""
        have = [(path / f).is_file() for f in (WEIGHTS_FILE, SETTINGS_FILE)]
        if any(have) and not all(have):
            missing = [f for f, h in zip((WEIGHTS_FILE, SETTINGS_FILE), have) if not h]
            raise ModelCorruptError(f"{path} has half an event layer ({', '.join(missing)} missing); retrain with `make train`")
        return all(have)
