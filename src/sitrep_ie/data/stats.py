"""Corpus statistics (`make corpus-stats`): reports, words, entities, events, styles, countries,
places and the share of test place names never seen in training; per split the event annotation
(triggers per type, relations per label, events per report, restatement clusters) and the report
structures (annotations/structures.yaml) declared in the reports' ``structures:`` headers.

Events are derived from the exports alone (:func:`~sitrep_ie.data.gold.derive_events`).

    python tools/corpus_stats.py [--json]
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path
from typing import Any


from ..config import TrainConfig, read_yaml
from .annotations import read_export
from .gold import derive_events
from .labels import LabelSet, read_event_types

SPLITS = ("train", "dev", "test")
MIN_COUNTRY_REPORTS = 20


def split_stats(docs: list[Any], known_structures: list[str]) -> dict[str, Any]:
    """Event annotation and structures of one split."""
    events = [derive_events(d) for d in docs]
    per_report = [len(e) for e in events]
    structures = Counter(x for d in docs for x in (d.meta.get("structures") or []))
    return {
        "reports": len(docs),
        "triggers": dict(sorted(Counter(t.type for d in docs for t in d.triggers).items())),
        "relations": dict(sorted(Counter(r.label for d in docs for r in d.relations).items())),
        "events": sum(per_report),
        "events_per_type": dict(sorted(Counter(e.type for evs in events for e in evs).items())),
        "events_per_report": {"mean": round(sum(per_report) / len(docs), 2) if docs else 0.0, "max": max(per_report, default=0)},
        "restatement_clusters": sum(1 for evs in events for e in evs if e.mentions),
        "structures": {k: structures.get(k, 0) for k in known_structures},
        "reports_with_structures": sum(1 for d in docs if d.meta.get("structures")),
        "structures_share": round(sum(1 for d in docs if d.meta.get("structures")) / len(docs), 3) if docs else 0.0,
    }


def corpus_stats(root: Path = Path(".")) -> dict[str, Any]:
    labels = LabelSet.from_yaml(root / "configs" / "labels.yaml")
    types = read_event_types(root / "configs" / "ontology.yaml")
    docs = {s: read_export(root / "annotations" / f"{s}.json", labels, event_types=types)[0] for s in SPLITS}
    known = [str(k) for k in (read_yaml(root / "annotations" / "structures.yaml") or {})]
    per_split = {s: split_stats(docs[s], known) for s in SPLITS}
    all_docs = [d for s in SPLITS for d in docs[s]]
    places = {s: {d.text[p.start:p.end].lower() for d in docs[s] for p in d.spans if p.label == "PLACE"} for s in SPLITS}
    unseen = places["test"] - places["train"]
    cfg = TrainConfig.from_yaml(root / "configs" / "train.yaml")
    events = Counter()
    for s in SPLITS:
        events.update(per_split[s]["events_per_type"])
    countries = Counter(d.meta.get("country") for d in all_docs)
    return {
        "reports": {s: len(docs[s]) for s in SPLITS} | {"total": len(all_docs)},
        "augmented_training_examples": len(docs["train"]) * cfg.augment_copies,
        "words": sum(len(d.text.split()) for d in all_docs),
        "words_per_report": {"min": min(len(d.text.split()) for d in all_docs), "max": max(len(d.text.split()) for d in all_docs)},
        "entities": dict(Counter(s.label for d in all_docs for s in d.spans)),
        "events": dict(events),
        "events_total": sum(events.values()),
        "test_events": per_split["test"]["events_per_type"],
        "reports_without_events": sum(1 for s in SPLITS for d in docs[s] if not d.triggers),
        "styles": dict(Counter(d.meta.get("style") for d in all_docs)),
        "countries": dict(countries),
        "countries_with_min_reports": sorted(c for c, n in countries.items() if n >= MIN_COUNTRY_REPORTS),
        "distinct_places": len(set().union(*places.values())),
        "test_places": len(places["test"]),
        "test_places_unseen_in_train": len(unseen),
        "unseen_place_share": round(len(unseen) / len(places["test"]), 3) if places["test"] else 0.0,
        "splits": per_split,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = ap.parse_args()
    st = corpus_stats()
    if args.json:
        print(json.dumps(st, indent=2))
        return 0
    r = st["reports"]
    print(f"reports       {r['total']} (train {r['train']}, dev {r['dev']}, test {r['test']}); "
          f"augmented training examples {st['augmented_training_examples']} (listed apart, not in these counts)")
    print(f"words         {st['words']} ({st['words_per_report']['min']}-{st['words_per_report']['max']} per report)")
    print("entities      " + ", ".join(f"{k} {v}" for k, v in sorted(st["entities"].items())))
    print(f"events        {st['events_total']}: " + ", ".join(f"{k} {v}" for k, v in sorted(st["events"].items())))
    print(f"              reports without events {st['reports_without_events']}")
    print("styles        " + ", ".join(f"{k} {v}" for k, v in sorted(st["styles"].items())))
    print("countries     " + ", ".join(f"{k} {v}" for k, v in sorted(st["countries"].items(), key=lambda x: -x[1])))
    print(f"places        {st['distinct_places']} distinct; test {st['test_places']}, of which unseen in train "
          f"{st['test_places_unseen_in_train']} ({100 * st['unseen_place_share']:.1f}%)")
    print(f"countries with >= {MIN_COUNTRY_REPORTS} reports: {len(st['countries_with_min_reports'])} "
          f"({', '.join(st['countries_with_min_reports'])})")
    sp = st["splits"]
    print("\nper split                     " + "".join(f"{s:>10}" for s in SPLITS))

    def row(name: str, get: Any) -> None:
        print(f"  {name:<28}" + "".join(f"{get(sp[s])!s:>10}" for s in SPLITS))

    row("reports", lambda x: x["reports"])
    row("events", lambda x: x["events"])
    row("events per report (mean)", lambda x: x["events_per_report"]["mean"])
    row("events per report (max)", lambda x: x["events_per_report"]["max"])
    row("restatement clusters", lambda x: x["restatement_clusters"])
    row("reports with structures", lambda x: x["reports_with_structures"])
    row("  share", lambda x: f"{100 * x['structures_share']:.1f}%")
    print("  triggers per type")
    for t in sorted({t for s in SPLITS for t in sp[s]["triggers"]}):
        row(f"  {t}", lambda x, t=t: x["triggers"].get(t, 0))
    print("  relations per label")
    for r in sorted({r for s in SPLITS for r in sp[s]["relations"]}):
        row(f"  {r}", lambda x, r=r: x["relations"].get(r, 0))
    print("  reports per structure")
    for k in sp["train"]["structures"]:
        row(f"  {k}", lambda x, k=k: x["structures"].get(k, 0))
    return 0

