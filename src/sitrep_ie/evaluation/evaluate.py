"""Run a system over annotated reports and score it (``make eval``) with the yardstick of metrics.py.

The system is passed in (anything with tag_many/assemble, backend and model_version): this module
never imports what it scores.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Sequence

from ..data.annotations import Document
from ..schema import Entity, Event
from .metrics import argument_scores, entity_scores


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
        args = argument_scores(gold, pred)
    words = sum(len(d.text.split()) for d in docs)
    return EvalResult(ents, args, extractor.backend, extractor.model_version, len(docs), words, seconds), tagged, events
