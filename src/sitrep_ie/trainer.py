"""``make train``: the tagger (model/) and the learned event layer (events/) in one run.

The tagger is fine-tuned first (entities and typed triggers in one label set); before the model
is published, the event layer is fitted on the training reports with the tagger's own hidden
states, its thresholds are chosen on dev (event F1), and its confidence is calibrated on dev
(isotonic regression). Everything lands in the one model directory.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from .config import TrainConfig
from .data.annotations import Document, gold_records
from .evaluation.metrics import confidence_scores, event_scores, match_events
from .events.fit import Encoded, fit
from .events.learned import LearnedEventLayer, LinkerWeights, split_tags, decode, link, merge_scores, prepare, to_events
from .events.pipeline import CONFIG_FILES, EventLayer
from .model.artifacts import ModelDir
from .model.tagger import Tagged, Tagger
from .model.train import TrainResult, train

LINK_THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7)
MERGE_THRESHOLDS = (0.3, 0.5, 0.7, 0.9)


def tune(weights: LinkerWeights, layer: EventLayer, docs: Sequence[Document], tagged: Sequence[Tagged], log: Any) -> dict[str, Any]:
    """Choose the link and merge thresholds by dev event F1, then calibrate confidence on dev."""
    gold = {d.report_id: gold_records(d) for d in docs}
    prepared = []
    finder = LearnedEventLayer(layer, weights)
    for d, t in zip(docs, tagged):
        ents, trigs = split_tags(t.entities)
        trigs = finder.find_triggers(d.text, ents, trigs, t.token_offsets, t.hidden)
        ctx = prepare(d.text, ents, trigs, layer, d.reference_date, t.token_offsets, t.hidden)
        prepared.append((d.report_id, ctx, link(ctx, layer, weights) if ctx.doc.sentences else {},
                         merge_scores(ctx, weights) if ctx.doc.sentences else {}))

    def run() -> dict[str, list[dict[str, Any]]]:
        out = {}
        for rid, ctx, scores, merges in prepared:
            evs = to_events(ctx, decode(ctx, scores, merges, weights), layer, weights, None) if ctx.doc.sentences else []
            out[rid] = [e.to_dict() for e in sorted(evs, key=lambda e: e.trigger.start if e.trigger else 0)]
        return out

    best = (-1.0, weights.link_threshold, weights.merge_threshold)
    for lt in LINK_THRESHOLDS:
        for mt in MERGE_THRESHOLDS:
            weights.link_threshold, weights.merge_threshold = lt, mt
            f1 = event_scores(gold, run())["overall"]["f1"]
            if f1 > best[0]:
                best = (f1, lt, mt)
    weights.link_threshold, weights.merge_threshold = best[1], best[2]
    weights.calibration_x, weights.calibration_y = np.array([0.0, 1.0]), np.array([0.0, 1.0])
    pred = run()
    raw = []
    for rid, evs in pred.items():
        matched = {j for _, j in match_events(gold[rid], evs)}
        raw += [(e["confidence"], int(j in matched)) for j, e in enumerate(evs)]
    if len({y for _, y in raw}) == 2:  # calibration needs right and wrong events on dev; else the raw score stays
        from sklearn.isotonic import IsotonicRegression

        iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit([x for x, _ in raw], [y for _, y in raw])
        weights.calibration_x, weights.calibration_y = iso.X_thresholds_.astype(np.float64), iso.y_thresholds_.astype(np.float64)
    calibrated = event_scores(gold, run())
    conf = calibrated["confidence"]
    log(f"event layer on dev: event F1 {calibrated['overall']['f1']:.3f} (link threshold {best[1]}, merge threshold {best[2]}); "
        f"confidence ROC AUC {conf['roc_auc']}, ECE {conf['ece']} (calibrated on dev)")
    return {"dev_event_f1": round(calibrated["overall"]["f1"], 4), "link_threshold": best[1], "merge_threshold": best[2],
            "dev_raw_confidence": confidence_scores(raw)}


def fit_event_layer(model_dir: ModelDir, train_docs: list[Document], dev_docs: list[Document], *, seed: int, log: Any) -> None:
    """Fit, tune and calibrate the learned event layer and save it into ``model_dir``."""
    t0 = time.time()
    path = model_dir.path
    layer = EventLayer.from_files(**{role: path / name for role, name in CONFIG_FILES.items()})
    meta = model_dir.meta()
    tagger = Tagger(path, backend=meta.get("default_backend", "auto"))
    train_tagged = tagger.tag_full([d.text for d in train_docs])
    encoded = []
    for t in train_tagged:
        ents, trigs = split_tags(t.entities)
        encoded.append(Encoded(t.token_offsets, t.hidden, ents, trigs))
    weights = fit(train_docs, encoded, layer, layer.ontology.names, seed=seed, log=log)
    dev_tagged = tagger.tag_full([d.text for d in dev_docs])
    weights.info.update(tune(weights, layer, dev_docs, dev_tagged, log))
    weights.info["seconds"] = round(time.time() - t0, 1)
    weights.to_disk(path)
    meta["event_layer"] = weights.info
    model_dir.write_meta(meta)
    log(f"event layer fitted in {weights.info['seconds']:.0f} s")


def run(cfg: TrainConfig, *, root: Path = Path("."), log: Any = print) -> TrainResult:
    """Train and publish: the tagger, then (with ``cfg.events``) the event layer in the same directory."""
    hook = (lambda md, tr, dv: fit_event_layer(md, tr, dv, seed=cfg.seed, log=log)) if cfg.events else None
    return train(cfg, root=root, log=log, before_publish=hook)


__all__ = ["run", "fit_event_layer", "tune"]
