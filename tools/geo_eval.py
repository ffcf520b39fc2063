#!/usr/bin/env python
"""Geocoding accuracy on a split (`make geo-eval`): resolvable recall and precision against annotations/geo_gold.tsv.

    python tools/geo_eval.py [--split test|dev] [--errors N] [--out FILE.json]

Tune on dev only; test is for the figures. Targets (issue 13): resolvable recall >= 0.90,
precision >= 0.97 (printed as met / not met; --strict makes a missed target exit 1). Exit status 1
when mentions lack gold: run tools/geo_gold.py missing / propose first.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from sitrep_ie.geo.evaluate import error_summary, evaluate, read_gold, read_mention_gold  # noqa: E402

TARGET_RECALL = 0.90
TARGET_PRECISION = 0.97


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--split", default="test", choices=["test", "dev", "train"],
                    help="train: a second tuning set, scored on the mentions whose name the gold lists (the rest count as missing gold)")
    ap.add_argument("--gold", type=Path, default=ROOT / "annotations" / "geo_gold.tsv")
    ap.add_argument("--mention-gold", type=Path, default=ROOT / "annotations" / "geo_gold_mentions.tsv",
                    help="per-mention ids where the context changes what a name means ('the province of Hama')")
    ap.add_argument("--errors", type=int, help="print this many wrong mentions (default: 15 on dev, none on test: tune on dev only)")
    ap.add_argument("--out", type=Path, help="write the figures and all errors as JSON")
    ap.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = ap.parse_args(argv)
    if args.errors is None:
        args.errors = 15 if args.split == "dev" else 0
    t0 = time.perf_counter()
    export = ROOT / "annotations" / f"{args.split}.json"
    scores = evaluate(export, read_gold(args.gold), mention_gold=read_mention_gold(args.mention_gold, [export]))
    took = time.perf_counter() - t0
    d = scores.to_dict()
    print(f"geo-eval {args.split}: {d['mentions']} place mentions, {d['resolvable']} resolvable (gold id), {d['resolved']} resolved, "
          f"{d['correct']} right  [{took:.1f} s]")
    met = scores.recall >= TARGET_RECALL and scores.precision >= TARGET_PRECISION
    print(f"  resolvable recall {d['resolvable_recall']:.3f} (target >= {TARGET_RECALL})   precision {d['precision']:.3f} "
          f"(target >= {TARGET_PRECISION})   targets {'met' if met else 'NOT met'}   errors: {error_summary(scores) or 'none'}")
    for e in scores.errors[: args.errors]:
        print(f"  {e['report']:>14}  {e['name']!r:32} admin={e['admin']!r:24} gold={e['gold']:22} got={e['got']} {e['got_name'] or ''}")
    if args.out:
        args.out.write_text(json.dumps({**d, "errors": scores.errors}, indent=1, ensure_ascii=False) + "\n")
    if scores.missing_gold:
        print(f"  {scores.missing_gold} mentions have no gold: run tools/geo_gold.py missing", file=sys.stderr)
        return 1
    return 0 if met or not args.strict else 1


if __name__ == "__main__":
    sys.exit(main())
