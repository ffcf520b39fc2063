"""Scores on the held-out split (``make eval``), as SPEC.md defines them.

- Tags: seqeval strict entity-level P/R/F1 per label and micro, over word-level IOB2 sequences
  (words: runs of letters/digits, or single punctuation marks).
- Events: argument tuples (document, type, role, normalised value) matched as multisets;
  roles quantity (value + unit lemma), place (name without designator, lower case), actor (lower
  case), date. Also event-type F1 per report.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Sequence

from .annotations import Document, Span
from .assembly import split_designator
from .errors import ConfigError
from .normalise import NormalisationConfig, unit_lemma
from .schema import Entity, Event

_WORD = re.compile(r"\w+|[^\w\s]")
ROLES = ("quantity", "place", "actor", "date")


def word_bio(text: str, spans: Iterable[Span | Entity]) -> list[str]:
    """IOB2 tags of the words of ``text`` for the given character spans."""
    words = [(m.start(), m.end()) for m in _WORD.finditer(text)]
    tags = ["O"] * len(words)
    spans = sorted(spans, key=lambda s: s.start)
    j = 0
    for sp in spans:
        while j < len(words) and words[j][1] <= sp.start:
            j += 1
        k, first = j, True
        while k < len(words) and words[k][0] < sp.end:
            tags[k] = ("B-" if first else "I-") + sp.label
            first = False
            k += 1
    return tags


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


def _num(v: Any) -> str:
    f = float(v)
    return str(int(f)) if f.is_integer() else f"{f:.6g}"


def event_tuples(doc: str, events: Iterable[dict[str, Any]], cfg: NormalisationConfig) -> Counter:
    """The argument tuples of events given as dicts (gold files or Event.to_dict())."""
    out: Counter = Counter()
    for ev in events:
        t = ev["type"]
        for q in ev.get("quantities", []):
            lemma = unit_lemma(q["unit"]) if q.get("unit") else ""
            out[(doc, t, "quantity", f"{_num(q['value'])} {lemma}".strip())] += 1
            if q.get("upper") is not None:
                out[(doc, t, "quantity", f"{_num(q['upper'])} {lemma}".strip())] += 1
        for p in ev.get("places", []):
            name = p["name"] if isinstance(p, dict) else p
            out[(doc, t, "place", split_designator(name, cfg)[0].lower())] += 1
        for a in ev.get("actors", []):
            out[(doc, t, "actor", (a if isinstance(a, str) else a["text"]).lower())] += 1
        if ev.get("date"):
            out[(doc, t, "date", ev["date"])] += 1
    return out


def _prf(tp: int, n_pred: int, n_gold: int) -> dict[str, float]:
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0, "support": n_gold, "predicted": n_pred}


def argument_scores(gold: dict[str, list[dict[str, Any]]], predicted: dict[str, list[dict[str, Any]]],
                    cfg: NormalisationConfig) -> dict[str, dict[str, float]]:
    """Argument-level P/R/F1 per role and overall, plus event-type F1 per report."""
    g_all: Counter = Counter()
    p_all: Counter = Counter()
    g_types: set = set()
    p_types: set = set()
    for doc in gold:
        g_all += event_tuples(doc, gold[doc], cfg)
        p_all += event_tuples(doc, predicted.get(doc, []), cfg)
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


def load_gold_events(path: str | Path, split: str | None = None) -> dict[str, dict[str, Any]]:
    """Gold rows by report id: {"events": [...], "reference_date": ..., "split": ...}."""
    rows = {}
    with Path(path).open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ConfigError(f"{path}:{n}: gold events line is not JSON ({exc.msg})") from None
            if split is None or row.get("split") == split:
                rows[row["report_id"]] = row
    return rows


@dataclass
class EvalResult:
    entities: dict[str, dict[str, float]]
    arguments: dict[str, dict[str, float]] | None
    backend: str
    model_version: str
    n_reports: int
    words: int
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        return {"model_version": self.model_version, "backend": self.backend, "reports": self.n_reports, "words": self.words,
                "seconds": round(self.seconds, 2), "words_per_second": round(self.words / self.seconds, 1) if self.seconds else None,
                "entities": self.entities, "arguments": self.arguments}

    def table(self) -> str:
        lines = [f"model {self.model_version} ({self.backend}), {self.n_reports} held-out reports, {self.words} words, "
                 f"{self.words / self.seconds:.0f} words/s end to end" if self.seconds else "",
                 "", "Entities (seqeval strict)   P      R      F1     support",
                 "-" * 58]
        for k, v in self.entities.items():
            lines.append(f"  {k:<24} {v['precision']:.3f}  {v['recall']:.3f}  {v['f1']:.3f}  {v['support']:>6}")
        if self.arguments:
            lines += ["", "Event arguments             P      R      F1     gold  pred", "-" * 64]
            for k, v in self.arguments.items():
                lines.append(f"  {k:<24} {v['precision']:.3f}  {v['recall']:.3f}  {v['f1']:.3f}  {v['support']:>5} {v['predicted']:>5}")
        return "\n".join(lines)


def evaluate(extractor: Any, docs: Sequence[Document], gold_events: dict[str, dict[str, Any]] | None = None, *,
             gold_tags: bool = False) -> tuple[EvalResult, list[list[Entity]], list[list[Event]]]:
    """Tag and extract the documents; score tags against their spans and events against gold.

    With ``gold_tags`` the annotated spans replace the model's tags, which measures the event
    assembler alone (its upper bound with a perfect tagger).
    """
    import time

    refs = [d.meta.get("reference_date") for d in docs]
    t0 = time.time()
    if gold_tags:
        tagged = [[Entity(s.start, s.end, s.label, d.text[s.start:s.end], 1.0) for s in d.spans] for d in docs]
    else:
        tagged = extractor.tag_many([d.text for d in docs])
    events = [extractor.assemble(d.text, ents, reference_date=r) for d, ents, r in zip(docs, tagged, refs)]
    seconds = time.time() - t0
    ents = entity_scores(docs, tagged)
    args = None
    if gold_events is not None:
        gold = {d.report_id: gold_events[d.report_id]["events"] for d in docs if d.report_id in gold_events}
        pred = {d.report_id: [e.to_dict() for e in evs] for d, evs in zip(docs, events) if d.report_id in gold}
        args = argument_scores(gold, pred, extractor.normalisation)
    words = sum(len(d.text.split()) for d in docs)
    return EvalResult(ents, args, extractor.backend, extractor.model_version, len(docs), words, seconds), tagged, events
