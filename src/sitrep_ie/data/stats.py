"""Corpus statistics (`make corpus-stats`): reports, words, entities, events, styles, countries,
places and the share of test place names never seen in training.

    python tools/corpus_stats.py [--json]
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path
from typing import Any


from ..config import TrainConfig
from .annotations import load_gold_events, read_export
from .labels import LabelSet

SPLITS = ("train", "dev", "test")


def corpus_stats(root: Path = Path(".")) -> dict[str, Any]:
    labels = LabelSet.from_yaml(root / "configs" / "labels.yaml")
    docs = {s: read_export(root / "annotations" / f"{s}.json", labels)[0] for s in SPLITS}
    gold = list(load_gold_events(root / "annotations" / "gold_events.jsonl").values())
    all_docs = [d for s in SPLITS for d in docs[s]]
    places = {s: {d.text[p.start:p.end].lower() for d in docs[s] for p in d.spans if p.label == "PLACE"} for s in SPLITS}
    unseen = places["test"] - places["train"]
    cfg = TrainConfig.from_yaml(root / "configs" / "train.yaml")
    events = Counter(e["type"] for row in gold for e in row["events"])
    test_events = Counter(e["type"] for row in gold if row["split"] == "test" for e in row["events"])
    return {
        "reports": {s: len(docs[s]) for s in SPLITS} | {"total": len(all_docs)},
        "augmented_training_examples": len(docs["train"]) * cfg.augment_copies,
        "words": sum(len(d.text.split()) for d in all_docs),
        "words_per_report": {"min": min(len(d.text.split()) for d in all_docs), "max": max(len(d.text.split()) for d in all_docs)},
        "entities": dict(Counter(s.label for d in all_docs for s in d.spans)),
        "events": dict(events),
        "events_total": sum(events.values()),
        "test_events": dict(test_events),
        "reports_without_events": sum(1 for row in gold if not row["events"]),
        "styles": dict(Counter(d.meta.get("style") for d in all_docs)),
        "countries": dict(Counter(d.meta.get("country") for d in all_docs)),
        "distinct_places": len(set().union(*places.values())),
        "test_places": len(places["test"]),
        "test_places_unseen_in_train": len(unseen),
        "unseen_place_share": round(len(unseen) / len(places["test"]), 3) if places["test"] else 0.0,
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
    return 0

