"""Error analysis of the held-out set (``make errors``): a Markdown report that shows, per report,
gold against predicted tags and event arguments, with misses and false alarms marked.

Reports are ordered by their number of argument errors, worst first, so the page starts where
the work is.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Sequence

from ..data.document import Document
from ..schema import Entity, Event
from .evaluate import EvalResult
from .metrics import event_tuples, place_key


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


CAUSES = ("event missed", "not tagged", "unit differs", "tagged, not linked", "event type not in gold", "linked wrongly",
          "date differs")


def argument_causes(text: str, tagged: Sequence[Entity], gold: Sequence[dict[str, Any]],
                    predicted: Sequence[dict[str, Any]]) -> Counter:
    """Why one report's argument tuples (``event_tuples``) are missed or false: a Counter of (role, cause).

    Missed: no predicted event of the type ("event missed"); the value is no tagged span ("not tagged"); a
    quantity came out with the same number and another unit ("unit differs"); else "tagged, not linked".
    False: no gold event of the type ("event type not in gold"); the unit mirror; else "linked wrongly". A date
    of a type both sides have is "date differs" either way.

    >>> gold = [{"type": "demining", "actors": ["Sappers"], "places": [{"name": "Homs"}], "quantities": [{"value": 5, "unit": "mines"}]}]
    >>> pred = [{"type": "demining", "actors": [], "places": [], "quantities": [{"value": 5, "unit": None}]}]
    >>> sorted(argument_causes("Sappers cleared 5 mines in Homs.", [Entity(27, 31, "PLACE", "Homs", 1.0)], gold, pred).items())
    [(('actor', 'not tagged'), 1), (('place', 'tagged, not linked'), 1), (('quantity', 'unit differs'), 2)]
    """
    g, p = event_tuples("", gold), event_tuples("", predicted)
    g_types, p_types = {e["type"] for e in gold}, {e["type"] for e in predicted}
    # the tagged values keyed as ``event_tuples`` keys them: a place by ``place_key``, an actor in lower case
    spans = {(e.label, place_key(text[e.start:e.end]) if e.label == "PLACE" else text[e.start:e.end].lower()) for e in tagged}

    def numbers(bag: Counter) -> set[tuple[str, str]]:
        return {(t, v.split()[0]) for _, t, r, v in bag if r == "quantity"}

    missed, false = g - p, p - g
    out: Counter = Counter()
    for bag, mirror, types, no_type, fallback in ((missed, false, p_types, "event missed", "tagged, not linked"),
                                                 (false, missed, g_types, "event type not in gold", "linked wrongly")):
        mirror_numbers = numbers(mirror)
        for (_, t, role, value), n in bag.items():
            if t not in types:
                cause = no_type
            elif role == "date":
                cause = "date differs"
            elif role == "quantity" and (t, value.split()[0]) in mirror_numbers:
                cause = "unit differs"
            elif bag is missed and role in ("actor", "place") and (role.upper(), value) not in spans:
                cause = "not tagged"
            else:
                cause = fallback
            out[(role, cause)] += n
    return out


def render(result: EvalResult, docs: Sequence[Document], tagged: Sequence[Sequence[Entity]], events: Sequence[Sequence[Event]],
           gold: dict[str, dict[str, Any]]) -> str:
    """The Markdown error report."""
    rows = []
    causes: Counter = Counter()
    for doc, pred_ents, pred_events in zip(docs, tagged, events):
        gold_events, pred_dicts = gold.get(doc.report_id, {}).get("events", []), [e.to_dict() for e in pred_events]
        g = event_tuples(doc.report_id, gold_events)
        p = event_tuples(doc.report_id, pred_dicts)
        causes += argument_causes(doc.text, pred_ents, gold_events, pred_dicts)
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
    keys = sorted(set(role_miss) | set(role_false), key=lambda k: (-(role_miss[k] + role_false[k]), k))  # ties by name: the same report every run
    lines += [f"- {t}, {r}: {role_miss[(t, r)]} missed / {role_false[(t, r)]} false" for t, r in keys]
    lines += ["", "## Why (argument tuples by cause; `argument_causes`)", "", "| role | " + " | ".join(CAUSES) + " |",
              "|---|" + "---|" * len(CAUSES)]
    lines += [f"| {role} | " + " | ".join(str(causes[(role, c)]) for c in CAUSES) + " |" for role in ("quantity", "place", "actor", "date")]
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
