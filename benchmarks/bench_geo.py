#!/usr/bin/env python
"""What geocoding costs (issue 13): cold start with nothing to resolve, and the share it adds to extraction.

    python benchmarks/bench_geo.py [--model DIR] [--min-words 20000] [--repeats 5] [--out benchmarks/results-geo.json]

  cold start   a fresh `python -c` child: perf_counter at its top, `import sitrep_ie`, `sitrep_ie.extract(text)`
               on a report without places (nothing to resolve: the gazetteer must stay closed) and, apart, on
               one with places (the first resolution opens the gazetteer); median of --repeats runs each.
  overhead     one Extractor, the held-out reports of annotations/test.json repeated to --min-words words,
               extract_many() timed with geocoding and with geocode_events replaced by a no-op, alternating,
               best of --repeats each (the gazetteer is opened before timing: opening is in cold start);
               overhead = with / without - 1. Target: <= 10 %.
A model with fewer training steps runs exactly as fast (same network), so --model may be any trained directory.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
TARGET_COLD_S = 1.5
TARGET_OVERHEAD = 0.10
NO_PLACES = "Sappers of the engineering unit cleared 12 explosive devices over the past day, the ministry said."
WITH_PLACES = "HOMS, November 2. Sappers cleared 275 explosive devices in Talbiseh in Homs province and 12 mines in Deir ez-Zor."

CHILD = """
import time; t0 = time.perf_counter()
import sitrep_ie
events = sitrep_ie.extract({text!r})
from sitrep_ie.geo.gazetteer import loaded
print("BENCH", time.perf_counter() - t0, loaded(), sum(p.geo is not None for e in events for p in e.places))
"""


def cold_start(model: Path, text: str, repeats: int) -> dict:
    env = {**os.environ, "SITREP_IE_MODEL": str(model), "PYTHONPATH": str(ROOT / "src")}
    times, opened, located = [], None, None
    for _ in range(repeats):
        out = subprocess.run([sys.executable, "-c", CHILD.format(text=text)], env=env, capture_output=True, text=True, check=True).stdout
        line = next(x for x in out.splitlines() if x.startswith("BENCH"))
        _, t, opened, located = line.split()
        times.append(float(t))
    return {"median_s": round(statistics.median(times), 3), "runs_s": [round(t, 3) for t in times],
            "gazetteer_opened": opened == "True", "located_places": int(located)}


def overhead(model: Path, min_words: int, repeats: int) -> dict:
    import sitrep_ie.inference as inference
    from sitrep_ie.geo import geocode_events

    tasks = json.loads((ROOT / "annotations" / "test.json").read_text(encoding="utf-8"))
    base = [t["data"]["text"] for t in tasks]
    texts: list[str] = []
    while sum(len(t.split()) for t in texts) < min_words:
        texts.extend(base)
    words = sum(len(t.split()) for t in texts)
    ex = inference.Extractor(model)
    ex.extract_many(texts[:8])  # load the model, open the gazetteer, warm caches
    timings: dict[str, list[float]] = {"with": [], "without": []}
    places = 0
    for _ in range(repeats):
        for mode in ("with", "without"):
            inference.geocode_events = geocode_events if mode == "with" else (lambda events, text: None)
            t0 = time.perf_counter()
            result = ex.extract_many(texts)
            timings[mode].append(time.perf_counter() - t0)
            if mode == "with":
                places = sum(len(e.places) for evs in result for e in evs)
    inference.geocode_events = geocode_events
    w, wo = min(timings["with"]), min(timings["without"])
    return {"reports": len(texts), "words": words, "event_places": places, "with_s": round(w, 3), "without_s": round(wo, 3),
            "overhead": round(w / wo - 1, 4), "words_per_s_with": round(words / w), "words_per_s_without": round(words / wo)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", type=Path, default=Path(os.environ.get("SITREP_IE_MODEL") or ROOT / "models" / "default"))
    ap.add_argument("--min-words", type=int, default=20000)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results-geo.json")
    args = ap.parse_args(argv)
    if not args.model.is_dir():
        print(f"no model at {args.model}: run `make train` or pass --model", file=sys.stderr)
        return 2
    cold_none = cold_start(args.model, NO_PLACES, args.repeats)
    cold_some = cold_start(args.model, WITH_PLACES, args.repeats)
    ov = overhead(args.model, args.min_words, args.repeats)
    res = {"model": str(args.model), "cold_start_no_places": cold_none, "cold_start_with_places": cold_some, "overhead": ov,
           "cpus": os.cpu_count()}
    print(f"cold start, nothing to resolve: {cold_none['median_s']:.2f} s (target <= {TARGET_COLD_S}) "
          f"{'met' if cold_none['median_s'] <= TARGET_COLD_S else 'NOT MET'}; gazetteer opened: {cold_none['gazetteer_opened']}")
    print(f"cold start, places to resolve:  {cold_some['median_s']:.2f} s; gazetteer opened: {cold_some['gazetteer_opened']}, "
          f"{cold_some['located_places']} places located")
    print(f"extraction of {ov['reports']} reports / {ov['words']} words / {ov['event_places']} event places: "
          f"{ov['with_s']:.2f} s with geocoding, {ov['without_s']:.2f} s without -> overhead {100 * ov['overhead']:.1f} % "
          f"(target <= {100 * TARGET_OVERHEAD:.0f} %) {'met' if ov['overhead'] <= TARGET_OVERHEAD else 'NOT MET'}")
    args.out.write_text(json.dumps(res, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
