"""Run a system over annotated reports and score it (``make eval``) with the yardstick of metrics.py.

The system is passed in (anything with tag_many/assemble, backend and model_version): this module
never imports what it scores.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Sequence

from ..data.document import Document, Span
from ..data.labels import event_type_of, trigger_label
from ..schema import Entity, Event
from .metrics import BOOTSTRAP_SAMPLES, argument_scores, bootstrap_intervals, entity_scores, event_scores


@dataclass
class EvalResult:
    """Scores of one system on one split: tags, and the event layer's arguments and events."""

    entities: dict[str, dict[str, float]]
    arguments: dict[str, dict[str, float]] | None
    backend: str
    model_version: str
    n_reports: int
    words: int
    seconds: float
    triggers: dict[str, dict[str, float]] | None = None
    layers: dict[str, dict[str, Any]] = field(default_factory=dict)  # "learned" -> {"arguments", "events"} (one layer since the rules went)
    main_layer: str = "learned"

    def to_dict(self) -> dict[str, Any]:
        return {"model_version": self.model_version, "backend": self.backend, "reports": self.n_reports, "words": self.words,
                "seconds": round(self.seconds, 2), "words_per_second": round(self.words / self.seconds, 1) if self.seconds else None,
                "entities": self.entities, "arguments": self.arguments, "triggers": self.triggers, "event_layer": self.main_layer,
                "layers": self.layers}

    def table(self) -> str:
        lines = [f"model {self.model_version} ({self.backend}), {self.n_reports} held-out reports, {self.words} words, "
                 f"{self.words / self.seconds:.0f} words/s end to end" if self.seconds else "",
                 "", "Entities (seqeval strict)   P      R      F1     support",
                 "-" * 58]
        for k, v in self.entities.items():
            lines.append(f"  {k:<24} {v['precision']:.3f}  {v['recall']:.3f}  {v['f1']:.3f}  {v['support']:>6}")
        if self.arguments:
            lines += ["", f"Event arguments ({self.main_layer})".ljust(28) + "P      R      F1     gold  pred", "-" * 64]
            for k, v in self.arguments.items():
                lines.append(f"  {k:<24} {v['precision']:.3f}  {v['recall']:.3f}  {v['f1']:.3f}  {v['support']:>5} {v['predicted']:>5}")
        if self.triggers:
            # the tagger's own trigger labels: cues for the event layer's trigger head, which decides the events and
            # their types far better than these labels do (README, "Where it stands")
            lines += ["", "Tagger trigger labels (cues for the trigger head, which decides the events)",
                      "Triggers (seqeval strict)   P      R      F1     support", "-" * 58]
            for k, v in self.triggers.items():
                lines.append(f"  {k:<24} {v['precision']:.3f}  {v['recall']:.3f}  {v['f1']:.3f}  {v['support']:>6}")
        if self.layers:
            names = list(self.layers)
            lines += ["", "Events and arguments (F1)".ljust(28) + "".join(f"{n:>10}" for n in names), "-" * (28 + 10 * len(names))]
            rows = [("events", lambda r: r["events"]["overall"]["f1"])]
            rows += [(f"argument {k}", lambda r, k=k: r["arguments"][k]["f1"]) for k in ("quantity", "place", "actor", "date", "overall", "event_type")]
            types = sorted({t for r in self.layers.values() for t in r["events"]["per_type"]})
            rows += [(f"events {t}", lambda r, t=t: r["events"]["per_type"].get(t, {}).get("f1", 0.0)) for t in types]
            rows += [("confidence ROC AUC", lambda r: r["events"]["confidence"]["roc_auc"]), ("confidence ECE", lambda r: r["events"]["confidence"]["ece"])]
            for label, get in rows:
                vals = [get(self.layers[n]) for n in names]
                lines.append(f"  {label:<26}" + "".join(f"{v:>10.3f}" if isinstance(v, float) else f"{'-':>10}" for v in vals))
            intervals = self.layers[self.main_layer].get("intervals")
            if intervals:
                # a held-out set of about a hundred reports moves these figures by points, not thousandths
                lines += ["", f"95% intervals ({self.main_layer}; {BOOTSTRAP_SAMPLES:,} resamplings of the reports)", "-" * 58]
                lines += [f"  {k:<26}{a:>10.3f} - {b:.3f}" for k, (a, b) in intervals.items()]
        return "\n".join(lines)


def _entities(spans: Any, text: str) -> list[Entity]:
    return [Entity(s.start, s.end, s.label, text[s.start:s.end], 1.0) for s in spans]


def evaluate(extractor: Any, docs: Sequence[Document], gold_events: dict[str, dict[str, Any]] | None = None, *,
             gold_tags: bool = False) -> tuple[EvalResult, list[list[Entity]], list[list[Event]]]:
    """Tag and extract the documents; score tags against their spans and events against gold.

    With ``gold_tags`` the annotated spans and triggers replace the model's tags (the trigger head does
    not decide the triggers again), which measures the linking, merging and dating of the event layer
    alone: its upper bound with perfect tags.
    """
    refs = [d.meta.get("reference_date") for d in docs]
    t0 = time.time()
    full = extractor.tag_full([d.text for d in docs])
    if gold_tags:
        given = [_entities(d.spans, d.text) + [Entity(t.start, t.end, trigger_label(t.type), d.text[t.start:t.end], 1.0) for t in d.triggers]
                 for d in docs]
    else:
        given = [t.entities for t in full]
    events = [extractor.assemble(d.text, ents, reference_date=r, tagged=t, triggers_given=gold_tags) for d, ents, r, t in zip(docs, given, refs, full)]
    seconds = time.time() - t0
    tagged = [[e for e in ents if event_type_of(e.label) is None] for ents in given]
    predicted_triggers = [[e for e in ents if event_type_of(e.label) is not None] for ents in given]
    ents = entity_scores(docs, tagged)
    trig = None
    if any(d.triggers for d in docs) and any(event_type_of(n) for n in extractor.labels.names):  # a tagger that tags triggers
        gold_trig = [Document(d.task_id, d.text, [Span(t.start, t.end, trigger_label(t.type)) for t in d.triggers], d.meta) for d in docs]
        trig = entity_scores(gold_trig, predicted_triggers)
    scored: dict[str, dict[str, Any]] = {}
    args = None
    if gold_events is not None:
        gold = {d.report_id: gold_events[d.report_id]["events"] for d in docs if d.report_id in gold_events}
        pred = {d.report_id: [e.to_dict() for e in evs] for d, evs in zip(docs, events) if d.report_id in gold}
        scored["learned"] = {"arguments": argument_scores(gold, pred), "events": event_scores(gold, pred),
                             "intervals": bootstrap_intervals(gold, pred)}
        args = scored["learned"]["arguments"]
    words = sum(len(d.text.split()) for d in docs)
    result = EvalResult(ents, args, extractor.backend, extractor.model_version, len(docs), words, seconds, trig, scored)
    return result, tagged, events
