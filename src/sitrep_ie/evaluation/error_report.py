"""Error analysis of the held-out set (``make errors``): a Markdown report that shows, per report,
gold against predicted tags and event arguments, with misses and false alarms marked.

Reports are ordered by their number of argument errors, worst first, so the page starts where
the work is.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Sequence

from ..data.annotations import Document
from ..schema import Entity, Event
from .evaluate import EvalResult
from .metrics import event_tuples


def _tag_diff(doc: Document, pred: Sequence[Entity]) -> tuple[list[str], list[str]]:
    g = {(s.start, s.end, s.label) for s in doc.spans}
    p = {(e.start, e.end, e.label) for e in pred}
    missed = [f"{lab} `{doc.text[s:e]}` [{s}:{e}]" for s, e, lab in sorted(g - p)]
    false = [f"{lab} `{doc.text[s:e]}` [{s}:{e}]" for s, e, lab in sorted(p - g)]
    return missed, false


def _highlight(doc: Document, pred: Sequence[Entity]) -> str:
    """The text with predicted spans in brackets: correct ones plain, false alarms marked with '!'."""
    gold = {(s.start, s.end, s.label) for s in doc.spans}
    out, pos = [], 0
    for e in sorted(pred, key=lambda x: x.start):
        if e.start < pos:
            continue
        mark = "" if (e.start, e.end, e.label) in gold else "!"
        out.append(doc.text[pos:e.start].replace("\n", " "))
        out.append(f"[{doc.text[e.start:e.end]}]{{{mark}{e.label[0]}}}")
        pos = e.end
    out.append(doc.text[pos:].replace("\n", " "))
    return "".join(out)


def render(result: EvalResult, docs: Sequence[Document], tagged: Sequence[Sequence[Entity]], events: Sequence[Sequence[Event]],
           gold: dict[str, dict[str, Any]]) -> str:
    """The Markdown error report."""
    rows = []
    for doc, pred_ents, pred_events in zip(docs, tagged, events):
        g = event_tuples(doc.report_id, gold.get(doc.report_id, {}).get("events", []))
        p = event_tuples(doc.report_id, [e.to_dict() for e in pred_events])
        both, missed, false = g & p, g - p, p - g
        rows.append((sum(missed.values()) + sum(false.values()), doc, pred_ents, pred_events, both, missed, false))
    rows.sort(key=lambda r: (-r[0], r[1].report_id))
    lines = [f"# Error analysis: model {result.model_version} ({result.backend}), {result.n_reports} held-out reports", ""]
    if result.arguments:
        lines += ["| role | precision | recall | F1 | gold | predicted |", "|---|---|---|---|---|---|"]
        lines += [f"| {k} | {v['precision']:.3f} | {v['recall']:.3f} | {v['f1']:.3f} | {v['support']} | {v['predicted']} |"
                  for k, v in result.arguments.items()]
    lines += ["", "| entity label | precision | recall | F1 | support |", "|---|---|---|---|---|"]
    lines += [f"| {k} | {v['precision']:.3f} | {v['recall']:.3f} | {v['f1']:.3f} | {v['support']} |" for k, v in result.entities.items()]
    role_miss: Counter = Counter()
    role_false: Counter = Counter()
    for _, _, _, _, _, missed, false in rows:
        for k, n in missed.items():
            role_miss[(k[1], k[2])] += n
        for k, n in false.items():
            role_false[(k[1], k[2])] += n
    lines += ["", "## Where the argument errors are (type, role: missed / false alarms)", ""]
    keys = sorted(set(role_miss) | set(role_false), key=lambda k: -(role_miss[k] + role_false[k]))
    lines += [f"- {t}, {r}: {role_miss[(t, r)]} missed / {role_false[(t, r)]} false" for t, r in keys]
    lines += ["", "Legend: ✅ matched, ❌ missed (gold only), ⚠️ false alarm (predicted only). In the text, "
              "[span]{L} is a predicted tag (L = first letter of the label), [span]{!L} a false one.", ""]
    for n_err, doc, pred_ents, pred_events, both, missed, false in rows:
        meta = doc.meta
        lines += [f"## {doc.report_id} ({meta.get('style', '?')}, {meta.get('country', '?')}): {n_err} argument errors", ""]
        lines += ["> " + _highlight(doc, pred_ents), ""]
        m_tags, f_tags = _tag_diff(doc, pred_ents)
        if m_tags:
            lines.append("- missed tags: " + "; ".join(m_tags))
        if f_tags:
            lines.append("- false tags: " + "; ".join(f_tags))
        lines += ["", "| | type | role | value |", "|---|---|---|---|"]
        for mark, bag in (("✅", both), ("❌", missed), ("⚠️", false)):
            for (_, t, role, value), n in sorted(bag.items()):
                lines += [f"| {mark} | {t} | {role} | {value} |"] * n
        lines.append("")
        for ev in pred_events:
            d = ev.to_dict()
            lines.append(f"- predicted {d['type']} ({d['confidence']:.2f}): date {d['date']}, actors {d['actors']}, "
                         f"places {[p['name'] for p in d['places']]}, quantities {[(q['value'], q['unit']) for q in d['quantities']]}; "
                         f"evidence “{d['evidence'][0]['text'][:160]}”")
        lines.append("")
    return "\n".join(lines) + "\n"
