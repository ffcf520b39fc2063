"""The yardstick (SPEC.md "How quality is scored"): frozen normalisers and the scores built on them.

Nothing here reads the project's configs or calls the event layer: a change to the system under
test (or ``--configs``) can never move the measure. Tags are scored with seqeval (strict, IOB2)
over word-level sequences; event arguments as multisets of (document, type, role, value) tuples.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any, Iterable, Sequence

from ..data.annotations import Document, Span, spans_to_bio
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
    out = {}
    for role in ROLES:
        g = Counter({k: v for k, v in g_all.items() if k[2] == role})
        p = Counter({k: v for k, v in p_all.items() if k[2] == role})
        out[role] = _prf(sum((g & p).values()), sum(p.values()), sum(g.values()))
    out["overall"] = _prf(sum((g_all & p_all).values()), sum(p_all.values()), sum(g_all.values()))
    out["event_type"] = _prf(len(g_types & p_types), len(p_types), len(g_types))
    return out
