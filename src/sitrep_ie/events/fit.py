"""Training data and fitting of the learned event layer (the learned package), from annotated reports.

Pairs come from the annotation: every (trigger, candidate) pair in the trigger's window, positive
when the candidate's value is an argument of the trigger's event (a restated "275" counts as the
same value). Trigger pairs of one type are positive when they are mentions of one event
(``same_as``). The networks are scikit-learn MLPs whose weights are copied into numpy arrays, so
inference needs neither scikit-learn nor torch.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

from ..data.document import Document
from ..data.gold import derive_events
from ..schema import Entity
from .learned.context import Context, EncoderStates, TriggerSpan, prepare, window
from .learned.decoding import merge_pairs
from .learned.features import N_MERGE, merge_features, pair_matrix
from .learned.triggers import trigger_features, words_of
from .learned.weights import LinkerWeights, Mlp
from .pipeline import EventLayer


@dataclass
class Encoded:
    """The tagger's view of one report: token offsets, last hidden states, its entities and trigger guesses."""

    offsets: np.ndarray
    hidden: np.ndarray | None
    entities: list[Entity] = field(default_factory=list)
    triggers: list[TriggerSpan] = field(default_factory=list)


def gold_context(doc: Document, enc: Encoded | None, layer: EventLayer) -> tuple[Context, list[int]]:
    """The report with its annotated spans and triggers, and the event index of each trigger."""
    events = derive_events(doc)
    trig_event: dict[tuple[int, int], int] = {}
    for k, ev in enumerate(events):
        for t in [ev.trigger, *ev.mentions]:
            trig_event[(t.start, t.end)] = k
    triggers = sorted({(t.start, t.end, t.type) for t in doc.triggers})
    ents = [Entity(s.start, s.end, s.label, doc.text[s.start:s.end], 1.0) for s in doc.spans]
    ctx = prepare(doc.text, ents, [TriggerSpan(a, b, ty) for a, b, ty in triggers], layer, doc.reference_date,
                  EncoderStates.of(enc.offsets, enc.hidden) if enc else None)
    return ctx, [trig_event.get((t.start, t.end), -1) for t in ctx.triggers]


def gold_pairs(doc: Document, enc: Encoded | None, layer: EventLayer, types: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(link X, link y, merge X, merge y) of one annotated report."""
    ctx, ev_of = gold_context(doc, enc, layer)
    events = derive_events(doc)
    arg_starts = [{s.start for s in (*e.actor_spans, *e.place_spans, *e.quantity_spans)} for e in events]
    keys = [{c.key() for c in ctx.candidates if c.start in starts} for starts in arg_starts]
    pairs = [(i, j) for i in range(len(ctx.triggers)) for j in window(ctx, i) if ev_of[i] >= 0]
    y = np.asarray([float(ctx.candidates[j].key() in keys[ev_of[i]]) for i, j in pairs], dtype=np.float32)
    x = pair_matrix(ctx, pairs, layer, types)
    mpairs = [(a, b) for a, b in merge_pairs(ctx) if ev_of[a] >= 0 and ev_of[b] >= 0]
    mx = np.stack([merge_features(ctx, a, b) for a, b in mpairs]) if mpairs else np.zeros((0, 0), dtype=np.float32)
    my = np.asarray([float(ev_of[a] == ev_of[b]) for a, b in mpairs], dtype=np.float32)
    return x, y, mx, my


def trigger_rows(doc: Document, enc: Encoded, layer: EventLayer) -> tuple[np.ndarray, np.ndarray]:
    """Per word of an annotated report: the trigger head's features (from the tagger's view) and its
    class (0: no trigger, else 1 + the index of its event type)."""
    words = words_of(doc.text)
    if not words or enc.hidden is None:
        return np.zeros((0, 0), np.float32), np.zeros(0, np.int64)
    x = trigger_features(doc.text, enc.entities, enc.triggers, words, EncoderStates(enc.offsets, enc.hidden), layer)
    y = np.zeros(len(words), np.int64)
    types = layer.ontology.names
    for t in doc.triggers:
        if t.type in types:
            for k, (a, b) in enumerate(words):
                if a < t.end and t.start < b:
                    y[k] = types.index(t.type) + 1
    return x, y


# L2 penalty of the event layer's networks, chosen on dev among 1e-3, 1e-2, 0.1 and 1 (argument F1 0.834, 0.835,
# 0.837, 0.834): a row holds four encoder vectors for a few tens of thousands of pairs
MLP_ALPHA = 0.1
# the link network's minibatch: a member fits in 10 s instead of 15 (27 epochs of 512 rows against 32 of 200; one
# core, the 53,835 pairs of corpus v10); the trigger head's words fit fastest at the default 200 (11 s against 16)
MLP_BATCH = 512


def fit_mlp(x: np.ndarray, y: np.ndarray, hidden: int, seed: int) -> Mlp:
    """A scikit-learn MLP (early stopping on a held-out tenth), copied into numpy weights."""
    from sklearn.neural_network import MLPClassifier

    mean = x.mean(axis=0)
    scale = x.std(axis=0) + 1e-6
    if len(set(y.tolist())) < 2:  # nothing to learn (a tiny corpus): a constant answer
        p = float(y.mean()) if len(y) else 0.0
        logit = np.log((p + 1e-6) / (1 - p + 1e-6))
        return Mlp(np.zeros((x.shape[1], 1), np.float32), np.zeros(1, np.float32), np.zeros((1, 1), np.float32),
                   np.asarray([logit], np.float32), mean, scale)
    clf = MLPClassifier(hidden_layer_sizes=(hidden,), alpha=MLP_ALPHA, max_iter=300, early_stopping=len(y) >= 200,
                        random_state=seed, n_iter_no_change=10, batch_size=MLP_BATCH)
    clf.fit((x - mean) / scale, y.astype(int))
    (w1, w2), (b1, b2) = clf.coefs_, clf.intercepts_
    return Mlp(w1.astype(np.float32), b1.astype(np.float32), w2.astype(np.float32), b2.astype(np.float32),
               mean.astype(np.float32), scale.astype(np.float32))


Job = tuple[Callable[..., Mlp], tuple[Any, ...], dict[str, Any]]


def member_jobs(fit_one: Callable[..., Mlp], members: int, *args: Any, seed: int, **kwargs: Any) -> list[Job]:
    """The calls ``fit_one(*args, seed + m, **kwargs)`` for m < members: each member has its own seed, so the
    same networks come out in whatever order, and whatever process, they are fitted."""
    return [(fit_one, (*args, seed + m), kwargs) for m in range(members)]


def run_jobs(jobs: Sequence[Job]) -> list[Mlp]:
    """The networks of ``jobs``, in their order, fitted in one process per core (joblib runs each worker's matrix
    products on one thread: small products parallelise badly, whole networks well). All the event layer's members
    go in one call: two heads of five members each on two cores take five rounds, not three and three."""
    from joblib import Parallel, delayed

    n = min(len(jobs), os.cpu_count() or 1)
    return Parallel(n_jobs=max(n, 1), backend="loky")(delayed(f)(*a, **k) for f, a, k in jobs)


def combine(nets: Sequence[Mlp]) -> Mlp:
    """Members trained on the same rows with different seeds, as one wider network that averages their
    logits (each member's hidden units side by side; the output layer divided among them).

    >>> rng = np.random.default_rng(0)
    >>> nets = [Mlp(rng.normal(size=(3, 4)), rng.normal(size=4), rng.normal(size=(4, 1)), rng.normal(size=1), np.zeros(3), np.ones(3))
    ...         for _ in range(2)]
    >>> x = rng.normal(size=(5, 3)); logit = lambda p: np.log(p / (1 - p))
    >>> bool(np.allclose(logit(combine(nets)(x)), (logit(nets[0](x)) + logit(nets[1](x))) / 2, atol=1e-5))
    True
    """
    k = len(nets)
    if k == 1:
        return nets[0]
    return Mlp(np.concatenate([n.w1 for n in nets], axis=1), np.concatenate([n.b1 for n in nets]),
               np.concatenate([n.w2 / k for n in nets], axis=0), sum(n.b2 for n in nets) / k, nets[0].mean, nets[0].scale)


def _fit_multiclass(x: np.ndarray, y: np.ndarray, hidden: int, seed: int, mean: np.ndarray, scale: np.ndarray) -> Mlp:
    """A softmax MLP over classes 0..K (classes absent from ``y`` keep a very low score)."""
    from sklearn.neural_network import MLPClassifier

    clf = MLPClassifier(hidden_layer_sizes=(hidden,), alpha=1e-3, max_iter=200, early_stopping=len(y) >= 200,
                        random_state=seed, n_iter_no_change=8)
    clf.fit((x - mean) / scale, y)
    (w1, w2), (b1, b2) = clf.coefs_, clf.intercepts_
    n_classes = int(y.max()) + 1
    full_w2 = np.zeros((w2.shape[0], n_classes), np.float32)
    full_b2 = np.full(n_classes, -30.0, np.float32)
    for col, cls in enumerate(clf.classes_):
        full_w2[:, cls] = w2[:, col] if w2.shape[1] > 1 else (w2[:, 0] if cls == clf.classes_[-1] else 0.0)
        full_b2[cls] = b2[col] if len(b2) > 1 else (b2[0] if cls == clf.classes_[-1] else 0.0)
    return Mlp(w1.astype(np.float32), b1.astype(np.float32), full_w2, full_b2, mean.astype(np.float32), scale.astype(np.float32))


def trigger_head_jobs(docs: Sequence[Document], encoded: Sequence[Encoded], layer: EventLayer, *, seed: int = 13, members: int = 1,
                      log: Any = print) -> list[Job]:
    """The trigger head's member fits: softmax networks over words that read the tagger's hidden states and
    guesses (``members`` networks of different seeds, to be ``combine``d); none without training words."""
    rows = [trigger_rows(d, e, layer) for d, e in zip(docs, encoded)]
    xs = [x for x, _ in rows if len(x)]
    if not xs:
        return []
    x, y = np.concatenate(xs), np.concatenate([y for x, y in rows if len(x)])
    # every class has a column, even one the training words lack
    y_full = np.concatenate([y, np.arange(len(layer.ontology.names) + 1)])
    x_full = np.concatenate([x, np.repeat(x.mean(axis=0, keepdims=True), len(layer.ontology.names) + 1, axis=0)])
    log(f"trigger head: {len(y)} words, {int((y > 0).sum())} in triggers")
    mean, scale = x_full.mean(axis=0), x_full.std(axis=0) + 1e-6
    return member_jobs(_fit_multiclass, members, x_full, y_full, 128, seed=seed, mean=mean, scale=scale)


def fit(docs: Sequence[Document], encoded: Sequence[Encoded | None], layer: EventLayer, types: Sequence[str], *,
        seed: int = 13, members: int = 1, log: Any = print) -> LinkerWeights:
    """Fit the link and merge networks on annotated reports (thresholds and calibration: defaults).

    ``members``: the trigger head and the link network are each that many networks of different seeds,
    combined (``combine``): one seed's dev event F1 varies by about two points, their average much less."""
    xs, ys, mxs, mys = [], [], [], []
    for doc, enc in zip(docs, encoded):
        x, y, mx, my = gold_pairs(doc, enc, layer, types)
        if len(x):
            xs.append(x)
            ys.append(y)
        if len(mx):
            mxs.append(mx)
            mys.append(my)
    x, y = np.concatenate(xs), np.concatenate(ys)
    mx = np.concatenate(mxs) if mxs else np.zeros((1, N_MERGE), np.float32)
    my = np.concatenate(mys) if mys else np.zeros(1, np.float32)
    log(f"event layer: {len(y)} trigger-candidate pairs ({int(y.sum())} arguments), {len(my)} trigger pairs ({int(my.sum())} restatements)")
    trigger_jobs = trigger_head_jobs(docs, [e for e in encoded if e is not None], layer, seed=seed, members=members, log=log) \
        if all(e is not None and e.hidden is not None for e in encoded) else []
    nets = run_jobs(trigger_jobs + member_jobs(fit_mlp, members, x, y, 64, seed=seed))
    trigger = combine(nets[:len(trigger_jobs)]) if trigger_jobs else None
    linker = combine(nets[len(trigger_jobs):])
    return LinkerWeights(list(types), linker, fit_mlp(mx, my, 8, seed), trigger=trigger,
                         info={"link_pairs": int(len(y)), "link_positive": int(y.sum()), "merge_pairs": int(len(my)),
                               "merge_positive": int(my.sum()), "features": int(x.shape[1]), "members": members})
