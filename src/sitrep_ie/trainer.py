"""``make train``: the tagger (model/) and the learned event layer (events/) in one run.

The tagger is fine-tuned first (entities and typed triggers in one label set); before the model
is published, the event layer is fitted on the training reports with the tagger's own hidden
states, its thresholds are chosen on dev (mean of event and argument F1), its confidence model
is fitted on dev, and its confidence floor is the largest that drops no right train or dev event.
Everything lands in the one model directory. ``refit_events`` (``make events``) does the second
half alone, on a published tagger.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from .config import TrainConfig
from .data.document import Document
from .data.gold import gold_records
from .data.labels import LabelSet
from .evaluation.metrics import argument_scores, confidence_scores, event_scores, match_events
from .events.fit import Encoded, fit
from .events.learned import LearnedEventLayer, LinkerWeights, split_tags
from .events.learned.assembly import to_events
from .events.learned.context import ROLES, EncoderStates, prepare
from .events.learned.decoding import decode, link, merge_scores
from .events.learned.weights import Logistic
from .events.pipeline import CONFIG_FILES, EventLayer
from .events.spans import refine_tagged
from .model.artifacts import ModelDir
from .model.tagger import Tagged, Tagger
from .model.train import TrainResult, train

LINK_THRESHOLDS = (0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.7)
MERGE_THRESHOLDS = (0.3, 0.5, 0.7, 0.9)
TRIGGER_THRESHOLDS = (None, 0.4, 0.3, 0.2)  # None: the likeliest class decides
RESCUE_THRESHOLDS = (None, 0.4, 0.3, 0.25, 0.2)  # the same, in sentences with a quantity and no trigger (None: no rescue)
# tagger scores (mean over the span's tokens) tried as the least a span needs. Not above 0.8: dev alone preferred 0.85
# (actor F1 0.831 against 0.823 at 0.8), but on 24 real reports of other styles the right actors the tagger was
# unsure of scored 0.83-0.84 (ANAMA, ISIS militants, Houthi) and the wrong ones at most 0.77 (UXOs, Idlib, "Project")
SPAN_FLOORS = (0.6, 0.7, 0.8)
FLOOR_LABELS = ("ACTOR",)  # the labels the tagger over-tags (dev precision: ACTOR 0.82, PLACE 0.95)


def tune(weights: LinkerWeights, layer: EventLayer, docs: Sequence[Document], tagged: Sequence[Tagged], log: Any) -> dict[str, Any]:
    """Choose the trigger, merge and (per role) link thresholds by the mean of dev event F1 and argument
    F1, then fit the confidence model on dev (``fit_confidence``)."""
    gold = {d.report_id: gold_records(d) for d in docs}
    prepared: list[tuple[str, Any, dict[tuple[int, int], float], dict[tuple[int, int], float]]] = []
    finder = LearnedEventLayer(layer, weights)

    found_triggers: list[list[Any]] = []  # per dev report, at the current trigger threshold

    def find(retrigger: bool = True) -> None:
        """Triggers (unless only the floors changed: they decide candidates, not triggers), candidates and link
        scores of every dev report at the current trigger threshold and floors."""
        prepared.clear()
        if retrigger:
            found_triggers.clear()
        for k, (d, t) in enumerate(zip(docs, tagged)):
            ents, trigs = split_tags(t.entities)
            states = EncoderStates.of(t.token_offsets, t.hidden)
            if retrigger:
                found_triggers.append(finder.find_triggers(d.text, ents, trigs, states))
            ctx = prepare(d.text, weights.credible(ents), found_triggers[k], layer, d.reference_date, states)
            prepared.append((d.report_id, ctx, link(ctx, layer, weights) if ctx.doc.sentences else {},
                             merge_scores(ctx, weights) if ctx.doc.sentences else {}))

    def run(features: list[list[float]] | None = None) -> dict[str, list[dict[str, Any]]]:
        out = {}
        for rid, ctx, scores, merges in prepared:
            found: list[list[float]] | None = [] if features is not None else None
            evs = to_events(ctx, decode(ctx, scores, merges, weights), layer, weights, None, found, scores, merges) if ctx.doc.sentences else []
            order = sorted(range(len(evs)), key=lambda k: evs[k].trigger.start if evs[k].trigger else 0)
            out[rid] = [evs[k].to_dict() for k in order]
            if features is not None and found is not None:
                features.extend(found[k] for k in order)
        return out

    def objective(pred: dict[str, list[dict[str, Any]]]) -> float:
        # both targets count: more links find more events but put wrong values in them
        return (event_scores(gold, pred)["overall"]["f1"] + argument_scores(gold, pred)["overall"]["f1"]) / 2

    weights.role_thresholds, weights.span_floors = {}, {}
    # first how sure the trigger head must be (a word the head half-believes is often an event without a number)
    chosen_trigger, score = None, -1.0
    weights.rescue_threshold = None
    for tt in TRIGGER_THRESHOLDS if weights.trigger is not None else (None,):
        weights.trigger_threshold = tt
        find()
        if (f1 := objective(run())) > score:
            score, chosen_trigger = f1, tt
    weights.trigger_threshold = chosen_trigger
    # then how sure it must be where a sentence holds a number but no trigger (None, no rescue, is what was just scored;
    # a rescue threshold at or above the trigger threshold would find no more)
    chosen_rescue = None
    for rt in RESCUE_THRESHOLDS if weights.trigger is not None else ():
        if rt is None or (chosen_trigger is not None and rt >= chosen_trigger):
            continue
        weights.rescue_threshold = rt
        find()
        if (f1 := objective(run())) > score:
            score, chosen_rescue = f1, rt
    weights.rescue_threshold = chosen_rescue
    find()
    best = (-1.0, weights.link_threshold, weights.merge_threshold)
    for lt in LINK_THRESHOLDS:
        for mt in MERGE_THRESHOLDS:
            weights.link_threshold, weights.merge_threshold = lt, mt
            if (f1 := objective(run())) > best[0]:
                best = (f1, lt, mt)
    score, (weights.link_threshold, weights.merge_threshold) = best[0], best[1:]
    # then each role's own threshold, one role at a time (places are over-linked where quantities are under-linked),
    # by that role's argument F1: the mean objective hardly moves with one role's threshold, and its maximum moved
    # between plateau points from one refit to the next (quantity 0.2 or 0.5)
    for role in ROLES:
        chosen, role_f1 = weights.link_threshold, -1.0
        for t in LINK_THRESHOLDS:
            weights.role_thresholds[role] = t
            if (f1 := argument_scores(gold, run())[role]["f1"]) > role_f1:
                role_f1, chosen = f1, t
        weights.role_thresholds[role] = chosen
    score = objective(run())
    # then how sure of a span the tagger must be for the layer to read it (after the thresholds: a higher actor
    # threshold already drops some of the unsure actors a floor would)
    for label in FLOOR_LABELS:
        chosen = weights.span_floors.get(label, 0.0)
        for floor in SPAN_FLOORS:
            weights.span_floors[label] = floor
            find(retrigger=False)
            if (f1 := objective(run())) > score:
                score, chosen = f1, floor
        weights.span_floors[label] = chosen
    find(retrigger=False)
    weights.calibration_x, weights.calibration_y = np.array([0.0, 1.0]), np.array([0.0, 1.0])
    weights.confidence = None
    feats: list[list[float]] = []
    pred = run(feats)
    raw = []
    for rid, evs in pred.items():
        matched = {j for _, j in match_events(gold[rid], evs)}
        raw += [(e["confidence"], int(j in matched)) for j, e in enumerate(evs)]
    cv = None
    if len({y for _, y in raw}) == 2:  # a confidence model needs right and wrong events on dev; else the raw score stays
        weights.confidence, cv = fit_confidence(np.asarray(feats), np.asarray([y for _, y in raw]))
    final = run()  # every event: the confidence floor is set after tuning (confidence_floor)
    calibrated = event_scores(gold, final)
    args = argument_scores(gold, final)["overall"]["f1"]
    conf = calibrated["confidence"]
    log(f"event layer on dev: event F1 {calibrated['overall']['f1']:.3f}, argument F1 {args:.3f} (link thresholds "
        f"{weights.role_thresholds}, merge threshold {weights.merge_threshold}, trigger threshold {weights.trigger_threshold}, "
        f"rescue threshold {weights.rescue_threshold}, "
        f"span floors {weights.span_floors}); "
        f"confidence ROC AUC {conf['roc_auc']}, ECE {conf['ece']} (fitted on dev; 5-fold cross-validated on dev: {cv})")
    return {"dev_event_f1": round(calibrated["overall"]["f1"], 4), "dev_argument_f1": round(args, 4),
            "trigger_threshold": weights.trigger_threshold, "rescue_threshold": weights.rescue_threshold,
            "link_threshold": weights.link_threshold,
            "role_thresholds": dict(weights.role_thresholds), "merge_threshold": weights.merge_threshold,
            "span_floors": dict(weights.span_floors),
            "dev_raw_confidence": confidence_scores(raw), "dev_confidence_cv": cv}


CONFIDENCE_FLOORS = (0.0, 0.03, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3)  # the least calibrated confidence an event needs, tried


def confidence_floor(weights: LinkerWeights, layer: EventLayer, docs: Sequence[Document], tagged: Sequence[Tagged],
                     cap: float) -> tuple[float, dict[str, Any]]:
    """The largest floor of ``CONFIDENCE_FLOORS``, at most ``cap``, under which no right event of ``docs`` falls.

    A floor drops events the confidence model doubts; which right events it doubts changes with every fit (a
    fixed 0.2 dropped three right train events of one model and none of the one before), so each fit sets its own.
    """
    finder = LearnedEventLayer(layer, weights)
    floor, weights.min_confidence = weights.min_confidence, 0.0  # every event, the doubted ones too
    right, wrong = [], []
    try:
        for d, t in zip(docs, tagged):
            ents, trigs = split_tags(t.entities)  # the tagger's trigger guesses are cues for the trigger head, as in extract()
            evs = [e.to_dict() for e in finder.assemble(d.text, ents, trigs, offsets=t.token_offsets, hidden=t.hidden,
                                                        reference_date=d.reference_date)]
            matched = {j for _, j in match_events(gold_records(d), evs)}
            for j, e in enumerate(evs):
                (right if j in matched else wrong).append(e["confidence"])
    finally:
        weights.min_confidence = floor
    chosen = choose_floor(right, cap)
    return chosen, {"least_right": round(min(right, default=1.0), 4), "right": len(right), "wrong": len(wrong),
                    "wrong_dropped": sum(c < chosen for c in wrong)}


def choose_floor(right: Sequence[float], cap: float) -> float:
    """The largest of ``CONFIDENCE_FLOORS``, at most ``cap``, that no confidence of ``right`` falls below.

    >>> choose_floor([0.9, 0.16, 0.7], 0.2), choose_floor([0.9], 0.2), choose_floor([0.01], 0.2)
    (0.15, 0.2, 0.0)
    """
    least = min(right, default=1.0)
    return max(f for f in CONFIDENCE_FLOORS if f <= cap and f <= least)


CONFIDENCE_C = (0.03, 0.1, 0.3, 1.0)  # inverse regularisation strengths tried for the confidence model


def fit_confidence(x: np.ndarray, y: np.ndarray, *, folds: int = 5) -> tuple[Logistic, dict[str, Any]]:
    """The confidence model (logistic over ``event_features``) fitted on dev events.

    Its regularisation is chosen by 5-fold cross-validation on dev: the best ROC AUC among the settings
    whose cross-validated expected calibration error stays at most 0.05 (the in-sample figures would
    flatter it; the returned dict holds the cross-validated ones)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-6
    z = (x - mean) / scale
    best: dict[str, Any] = {"C": 0.1}
    if min(int(y.sum()), int(len(y) - y.sum())) >= folds:
        for c in CONFIDENCE_C:
            p = cross_val_predict(LogisticRegression(C=c, max_iter=5000), z, y, method="predict_proba",
                                  cv=StratifiedKFold(folds, shuffle=True, random_state=0))[:, 1]
            scores = confidence_scores(list(zip(p.tolist(), y.tolist())))
            key = (scores["ece"] <= 0.05, scores["roc_auc"])
            if "roc_auc" not in best or key > (best["ece"] <= 0.05, best["roc_auc"]):
                best = {"C": c, "roc_auc": scores["roc_auc"], "ece": scores["ece"]}
    clf = LogisticRegression(C=best["C"], max_iter=5000).fit(z, y)
    return Logistic(clf.coef_[0].astype(np.float64), clf.intercept_.astype(np.float64), mean, scale), best


def fit_event_layer(model_dir: ModelDir, train_docs: list[Document], dev_docs: list[Document], *, seed: int, log: Any,
                    members: int = 5, min_confidence: float = 0.0) -> None:
    """Fit, tune and calibrate the learned event layer and save it into ``model_dir``."""
    t0 = time.time()
    path = model_dir.path
    layer = EventLayer.from_files(**{role: path / name for role, name in CONFIG_FILES.items()})
    meta = model_dir.meta()
    tagger = Tagger(path, backend=meta.get("default_backend", "auto"))
    def tag(docs: list[Document]) -> list[Tagged]:  # the spans the Extractor gives: ACTOR bounds mended (events/spans.py)
        texts = [d.text for d in docs]
        return refine_tagged(texts, tagger.tag_full(texts), layer.lexicon)

    encoded = []
    train_tagged = tag(train_docs)
    for t in train_tagged:
        ents, trigs = split_tags(t.entities)
        encoded.append(Encoded(t.token_offsets, t.hidden, ents, trigs))
    t_tagged = time.time()
    weights = fit(train_docs, encoded, layer, layer.ontology.names, seed=seed, members=members, log=log)
    t_fitted = time.time()
    dev_tagged = tag(dev_docs)
    weights.info.update(tune(weights, layer, dev_docs, dev_tagged, log))
    t_tuned = time.time()
    weights.min_confidence, floor_info = confidence_floor(weights, layer, [*train_docs, *dev_docs], [*train_tagged, *dev_tagged],
                                                          min_confidence)
    log(f"event layer times: tagging train {t_tagged - t0:.0f} s, networks {t_fitted - t_tagged:.0f} s, tuning on dev "
        f"{t_tuned - t_fitted:.0f} s, confidence floor {time.time() - t_tuned:.0f} s")
    weights.info.update(min_confidence=weights.min_confidence, confidence_floor=floor_info)
    log(f"confidence floor {weights.min_confidence} (at most {min_confidence}; the least confidence of a right train or dev event: "
        f"{floor_info['least_right']}; wrong events dropped: {floor_info['wrong_dropped']})")
    weights.info["seconds"] = round(time.time() - t0, 1)
    weights.to_disk(path)
    meta["event_layer"] = weights.info
    model_dir.write_meta(meta)
    log(f"event layer fitted in {weights.info['seconds']:.0f} s")


def refit_events(cfg: TrainConfig, *, root: Path = Path("."), model: Path | None = None, log: Any = print) -> Path:
    """A new version of a published model with the same tagger and a freshly fitted event layer
    (the repository's current ontology, normalisation and lexicon), published as ``cfg.output_dir``.

    Minutes instead of the tagger's quarter hour: for changes to the event layer or its configs.
    """
    import datetime as dt
    import os
    import shutil

    from .model.train import load_data, resolve_config

    t0 = time.time()
    source = ModelDir(model or root / cfg.output_dir).resolved()
    meta = ModelDir(source).meta()
    data = load_data(cfg, root, LabelSet.from_yaml(root / cfg.labels), log)
    old = str(meta.get("model_version", source.name))
    version = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ") + "-ev-" + old.rsplit("-", 1)[-1]
    versions = source.parent
    staging = ModelDir(versions / f".{version}.partial")
    shutil.copytree(source, staging.path, symlinks=True)
    staging.copy_configs({name: resolve_config(root, name) for name in CONFIG_FILES.values()})
    meta["model_version"] = version
    meta["refitted_from"] = old
    meta["tagger_version"] = meta.get("tagger_version", old)
    staging.write_meta(meta)
    fit_event_layer(staging, data.train, data.dev, seed=cfg.seed, log=log, members=cfg.event_members,
                    min_confidence=cfg.min_event_confidence)
    final = ModelDir(versions / version)
    os.replace(staging.path, final.path)
    final.publish(root / cfg.output_dir)
    log(f"published {final.path} as {root / cfg.output_dir} (tagger of {meta['tagger_version']}; event layer refitted in {time.time() - t0:.0f} s)")
    return final.path


def run(cfg: TrainConfig, *, root: Path = Path("."), log: Any = print) -> TrainResult:
    """Train and publish: the tagger, then (with ``cfg.events``) the event layer in the same directory."""
    hook = (lambda md, tr, dv: fit_event_layer(md, tr, dv, seed=cfg.seed, log=log, members=cfg.event_members,
                                               min_confidence=cfg.min_event_confidence)) if cfg.events else None
    return train(cfg, root=root, log=log, before_publish=hook)


__all__ = ["run", "fit_event_layer", "refit_events", "tune"]
