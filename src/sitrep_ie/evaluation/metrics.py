"""The yardstick (SPEC.md "How quality is scored"): frozen normalisers and the scores built on them.

Nothing here reads the project's configs or calls the event layer: a change to the system under
test (or ``--configs``) can never move the measure. Tags are scored with seqeval (strict, IOB2)
over word-level sequences; event arguments as multisets of (document, type, role, value) tuples.
"""

from __future__ import annotations

import re
from collections import Counter

import numpy as np
from typing import Any, Iterable, Sequence

from ..data.document import Document, Span, spans_to_bio
from ..schema import Entity, json_number, unit_lemma

#: Place designators dropped before places are compared ("Homs province" ~ "Homs"). Frozen on
#: purpose: the system's own list (normalisation.yaml) may change, the measure may not.
DESIGNATORS = tuple(sorted((
    "province", "governorate", "governorates", "provinces", "district", "districts", "region", "regions", "oblast",
    "oblasts", "raion", "county", "counties", "state", "states", "camp", "camps", "city", "town", "village", "villages",
    "settlement", "municipality", "subdistrict", "sub-district", "neighbourhood", "neighborhood", "area", "zone",
    "de-escalation zone", "valley", "plain", "countryside", "crossing", "checkpoint", "border crossing", "hromada",
    "community", "payam", "boma", "locality", "nahiya", "qada", "mintaqa", "muhafazah"), key=len, reverse=True))


def place_key(name: str) -> str:
    """A place name as the metric compares it: lower case, without a trailing designator.

    >>> place_key("Homs province"), place_key("Eastern Ghouta")
    ('homs', 'eastern ghouta')
    """
    low = name.lower()
    for d in DESIGNATORS:
        if low.endswith(" " + d) and len(name) > len(d) + 1:
            return name[: -len(d) - 1].rstrip().lower()
    return low


def number_key(v: Any) -> str:
    """A value as the metric compares it ("4" for 4.0, 6 significant digits otherwise)."""
    n = json_number(float(v))
    return str(n) if isinstance(n, int) else f"{n:.6g}"


_WORD = re.compile(r"\w+|[^\w\s]")
ROLES = ("quantity", "place", "actor", "date")


def word_bio(text: str, spans: Iterable[Span | Entity]) -> list[str]:
    """IOB2 tags of the words of ``text`` (runs of letters/digits, or single punctuation marks).

    >>> word_bio("cleared 12 mines", [Span(8, 10, "QUANTITY")])
    ['O', 'B-QUANTITY', 'O']
    """
    return spans_to_bio([(m.start(), m.end()) for m in _WORD.finditer(text)], spans)


def entity_scores(gold: Sequence[Document], predicted: Sequence[Sequence[Entity]]) -> dict[str, dict[str, float]]:
    """Per-label and micro precision/recall/F1/support (seqeval, strict, IOB2)."""
    from seqeval.metrics import classification_report
    from seqeval.scheme import IOB2

    y_true = [word_bio(d.text, d.spans) for d in gold]
    y_pred = [word_bio(d.text, p) for d, p in zip(gold, predicted)]
    rep = classification_report(y_true, y_pred, mode="strict", scheme=IOB2, output_dict=True, zero_division=0)
    out = {}
    for k, v in rep.items():
        key = "micro" if k == "micro avg" else k
        if key in ("macro avg", "weighted avg"):
            continue
        out[key] = {"precision": float(v["precision"]), "recall": float(v["recall"]), "f1": float(v["f1-score"]), "support": int(v["support"])}
    out.setdefault("micro", {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0})
    return out


def event_tuples(doc: str, events: Iterable[dict[str, Any]]) -> Counter:
    """The argument tuples of events given as dicts (gold files or Event.to_dict())."""
    out: Counter = Counter()
    for ev in events:
        t = ev["type"]
        for q in ev.get("quantities", []):
            lemma = unit_lemma(q["unit"]) if q.get("unit") else ""
            out[(doc, t, "quantity", f"{number_key(q['value'])} {lemma}".strip())] += 1
            if q.get("upper") is not None:
                out[(doc, t, "quantity", f"{number_key(q['upper'])} {lemma}".strip())] += 1
        for p in ev.get("places", []):
            name = p["name"] if isinstance(p, dict) else p
            out[(doc, t, "place", place_key(name))] += 1
        for a in ev.get("actors", []):
            out[(doc, t, "actor", (a if isinstance(a, str) else a["text"]).lower())] += 1
        if ev.get("date"):
            out[(doc, t, "date", ev["date"])] += 1
    return out


def _prf(tp: int, n_pred: int, n_gold: int) -> dict[str, float]:
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0, "support": n_gold, "predicted": n_pred}


def argument_scores(gold: dict[str, list[dict[str, Any]]], predicted: dict[str, list[dict[str, Any]]]) -> dict[str, dict[str, float]]:
    """Argument-level P/R/F1 per role and overall, plus event-type F1 per report."""
    g_all: Counter = Counter()
    p_all: Counter = Counter()
    g_types: set = set()
    p_types: set = set()
    for doc in gold:
        g_all += event_tuples(doc, gold[doc])
        p_all += event_tuples(doc, predicted.get(doc, []))
        g_types |= {(doc, e["type"]) for e in gold[doc]}
        p_types |= {(doc, e["type"]) for e in predicted.get(doc, [])}
    out = {role: _prf(*_overlap(_of_role(g_all, role), _of_role(p_all, role))) for role in ROLES}
    out["overall"] = _prf(*_overlap(g_all, p_all))
    out["event_type"] = _prf(len(g_types & p_types), len(p_types), len(g_types))
    return out


def _of_role(tuples: Counter, role: str) -> Counter:
    """The argument tuples of one role."""
    return Counter({k: v for k, v in tuples.items() if k[2] == role})


def _overlap(gold: Counter, predicted: Counter) -> tuple[int, int, int]:
    """(shared, predicted, gold) tuple counts of two multisets."""
    return sum((gold & predicted).values()), sum(predicted.values()), sum(gold.values())


def _arg_tuples(ev: dict[str, Any]) -> Counter:
    """The quantity, place and actor tuples of one event (what two events must share to match)."""
    return Counter({k: v for k, v in event_tuples("", [ev]).items() if k[2] in ("quantity", "place", "actor")})


def match_events(gold: Sequence[dict[str, Any]], predicted: Sequence[dict[str, Any]]) -> list[tuple[int, int]]:
    """One-to-one matching of a document's events (SPEC.md): maximum total weight, where a pair may
    match only with the same type and at least one shared quantity, place or actor tuple, and
    weighs the number of shared tuples.

    >>> g = [{"type": "demining", "quantities": [{"value": 12, "unit": "mines"}], "places": [], "actors": []}]
    >>> match_events(g, g + g)
    [(0, 0)]
    """
    from scipy.optimize import linear_sum_assignment

    if not gold or not predicted:
        return []
    gt = [_arg_tuples(e) for e in gold]
    pt = [_arg_tuples(e) for e in predicted]
    w = np.zeros((len(gold), len(predicted)))
    for i, (ge, gc) in enumerate(zip(gold, gt)):
        for j, (pe, pc) in enumerate(zip(predicted, pt)):
            if ge["type"] == pe["type"]:
                w[i, j] = sum((gc & pc).values())
    rows, cols = linear_sum_assignment(-w)
    return [(int(i), int(j)) for i, j in zip(rows, cols) if w[i, j] > 0]


def event_scores(gold: dict[str, list[dict[str, Any]]], predicted: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """Event P/R/F1 (overall and per type), and how well confidence separates right from wrong events.

    Confidence: ROC AUC between matched and unmatched predictions, expected calibration error (10
    bins), and the reliability table (per bin: mean confidence, share right, count).
    """
    n_gold = n_pred = n_match = 0
    per_type: dict[str, list[int]] = {}
    conf: list[tuple[float, int]] = []
    for doc, g in gold.items():
        p = predicted.get(doc, [])
        pairs = match_events(g, p)
        matched = {j for _, j in pairs}
        n_gold, n_pred, n_match = n_gold + len(g), n_pred + len(p), n_match + len(pairs)
        for e in g:
            per_type.setdefault(e["type"], [0, 0, 0])[0] += 1
        for j, e in enumerate(p):
            per_type.setdefault(e["type"], [0, 0, 0])[1] += 1
            per_type[e["type"]][2] += int(j in matched)
            conf.append((float(e.get("confidence", 0.0)), int(j in matched)))
    out: dict[str, Any] = {"overall": _prf(n_match, n_pred, n_gold)}
    out["per_type"] = {t: _prf(m, np_, ng) for t, (ng, np_, m) in sorted(per_type.items())}
    out["confidence"] = confidence_scores(conf)
    return out


#: What ``report_counts`` counts per report: (right, predicted, gold) for events, for argument tuples of each
#: role and overall, and for (report, event type) pairs.
COUNTED = ("events", *(f"argument {r}" for r in ROLES), "argument overall", "event_type")
BOOTSTRAP_SAMPLES = 1000


def report_counts(gold: dict[str, list[dict[str, Any]]], predicted: dict[str, list[dict[str, Any]]]) -> np.ndarray:
    """Per gold report, (right, predicted, gold) of each measure in ``COUNTED``: an array (reports, measures, 3).

    Every score of ``event_scores`` and ``argument_scores`` is a sum over reports (argument tuples carry their
    report), so the column sums give those scores back and resampled rows give their spread.
    """
    out = np.zeros((len(gold), len(COUNTED), 3), dtype=np.int64)
    for k, (doc, g) in enumerate(gold.items()):
        p = predicted.get(doc, [])
        out[k, 0] = (len(match_events(g, p)), len(p), len(g))
        gt, pt = event_tuples(doc, g), event_tuples(doc, p)
        for i, role in enumerate(ROLES, start=1):
            out[k, i] = _overlap(_of_role(gt, role), _of_role(pt, role))
        out[k, len(ROLES) + 1] = _overlap(gt, pt)
        gty, pty = {e["type"] for e in g}, {e["type"] for e in p}
        out[k, len(ROLES) + 2] = (len(gty & pty), len(pty), len(gty))
    return out


def bootstrap_intervals(gold: dict[str, list[dict[str, Any]]], predicted: dict[str, list[dict[str, Any]]], *,
                        samples: int = BOOTSTRAP_SAMPLES, level: float = 0.95, seed: int = 0) -> dict[str, list[float]]:
    """Percentile intervals of each F1 in ``COUNTED`` over ``samples`` resamplings of the reports (with
    replacement): how far the figure of a held-out set of this size could move with other reports like them.

    >>> g = {"r1": [{"type": "demining", "quantities": [{"value": 3, "unit": "mines"}], "places": [], "actors": []}]}
    >>> bootstrap_intervals(g, g, samples=50)["events"]
    [1.0, 1.0]
    """
    counts = report_counts(gold, predicted)
    if not len(counts):
        return {}
    rows = np.random.default_rng(seed).integers(0, len(counts), size=(samples, len(counts)))
    sums = counts[rows].sum(axis=1)  # (samples, measures, 3)
    right, both = sums[..., 0], sums[..., 1] + sums[..., 2]
    f1 = np.divide(2 * right, both, out=np.zeros(right.shape, dtype=float), where=both > 0)
    tail = (1 - level) / 2 * 100
    lo, hi = np.percentile(f1, [tail, 100 - tail], axis=0)
    return {name: [round(float(a), 4), round(float(b), 4)] for name, a, b in zip(COUNTED, lo, hi)}


def confidence_scores(conf: Sequence[tuple[float, int]], bins: int = 10) -> dict[str, Any]:
    """ROC AUC, expected calibration error and the reliability table of (confidence, right) pairs."""
    if not conf:
        return {"roc_auc": None, "ece": None, "bins": []}
    c = np.asarray([x for x, _ in conf], dtype=float)
    y = np.asarray([r for _, r in conf], dtype=float)
    pos, neg = c[y == 1], c[y == 0]
    auc = None
    if len(pos) and len(neg):
        # probability that a right event outranks a wrong one (ties count half)
        auc = float(((pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()) / (len(pos) * len(neg)))
    table, ece = [], 0.0
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        sel = (c >= lo) & ((c < hi) if b < bins - 1 else (c <= hi))
        if sel.any():
            table.append({"from": lo, "to": hi, "confidence": float(c[sel].mean()), "right": float(y[sel].mean()), "n": int(sel.sum())})
            ece += sel.sum() / len(c) * abs(c[sel].mean() - y[sel].mean())
    return {"roc_auc": auc, "ece": float(ece), "bins": table, "n": len(c)}
