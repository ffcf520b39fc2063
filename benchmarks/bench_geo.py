#!/usr/bin/env python
"""What geocoding costs (issue 13): cold start with nothing to resolve, and the share it adds to extraction.

    python benchmarks/bench_geo.py [--model DIR] [--min-words 20000] [--repeats 5] [--out benchmarks/results-geo.json]

  cold start   a fresh `python -c` child: perf_counter at its top, `import sitrep_ie`, `sitrep_ie.extract(text)`
               on a report without places (nothing to resolve: the gazetteer must stay closed) and, apart, on
               one with places (the first resolution opens the gazetteer); median of --repeats runs each.
  overhead     one Extractor, the held-out reports of annotations/test.json repeated to --min-words words,
               extract_many() timed with geocoding and with geocode_events replaced by a no-op, alternating,
               best of --repeats each (the gazetteer is opened before timing: opening is in cold start);
               overhead = with / without - 1, and, immune to other load on the machine, the time spent inside
               geocode_events over the rest of the same runs (median). Target: <= 10 %.
  gold places  the same reports' events assembled from their annotated spans (every gold PLACE, so the place
               count does not depend on how well --model tags), geocode_events timed alone; its time over the
               extraction time without geocoding estimates the overhead for a model that finds every place.
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


OPEN_CHILD = """
import time; t0 = time.perf_counter()
from sitrep_ie.geo import Query, Resolver
t1 = time.perf_counter()
g = Resolver().resolve([Query("Talbiseh", "Homs province"), Query("Homs province")], "Syrian")
print("BENCH", t1 - t0, time.perf_counter() - t1, g[0]["id"])
"""


def gazetteer_open(repeats: int) -> dict:
    """Import of sitrep_ie.geo, then opening the gazetteer and resolving two places, in a fresh child."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    runs = []
    for _ in range(repeats):
        out = subprocess.run([sys.executable, "-c", OPEN_CHILD], env=env, capture_output=True, text=True, check=True).stdout
        _, imp, first, _ = next(x for x in out.splitlines() if x.startswith("BENCH")).split()
        runs.append((float(imp), float(first)))
    return {"import_s": round(statistics.median(r[0] for r in runs), 3), "open_and_first_resolution_s": round(statistics.median(r[1] for r in runs), 3)}


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
    import sitrep_ie.extractor as extractor_module
    from sitrep_ie.geo import geocode_events

    tasks = json.loads((ROOT / "annotations" / "test.json").read_text(encoding="utf-8"))
    base = [t["data"]["text"] for t in tasks]
    texts: list[str] = []
    while sum(len(t.split()) for t in texts) < min_words:
        texts.extend(base)
    words = sum(len(t.split()) for t in texts)
    ex = extractor_module.Extractor(model)
    ex.extract_many(texts[:8])  # load the model, open the gazetteer, warm caches
    timings: dict[str, list[float]] = {"with": [], "without": []}
    inside: list[float] = []  # seconds spent in geocode_events during each "with" run: immune to other load
    places = 0

    def timed(events, text):
        t = time.perf_counter()
        geocode_events(events, text)
        timed.spent += time.perf_counter() - t

    for _ in range(repeats):
        for mode in ("with", "without"):
            timed.spent = 0.0
            extractor_module.geocode_events = timed if mode == "with" else (lambda events, text: None)
            t0 = time.perf_counter()
            result = ex.extract_many(texts)
            timings[mode].append(time.perf_counter() - t0)
            if mode == "with":
                inside.append(timed.spent / (timings[mode][-1] - timed.spent))
                places = sum(len(e.places) for evs in result for e in evs)
    extractor_module.geocode_events = geocode_events
    w, wo = min(timings["with"]), min(timings["without"])
    gold_s, gold_places = _geocode_gold(ex, tasks, len(texts) / len(base), repeats)
    return {"reports": len(texts), "words": words, "event_places": places, "with_s": round(w, 3), "without_s": round(wo, 3),
            "overhead": round(w / wo - 1, 4), "geocoding_share": round(statistics.median(inside), 4), "words_per_s_with": round(words / w), "words_per_s_without": round(words / wo),
            "gold_event_places": gold_places, "gold_geocode_s": round(gold_s, 3), "gold_overhead": round(gold_s / wo, 4)}


def _geocode_gold(ex, tasks: list, copies: float, repeats: int) -> tuple[float, int]:
    """Seconds geocode_events takes on the events assembled from the annotated spans (scaled to the repeated corpus)."""
    import sitrep_ie.extractor as extractor_module
    from sitrep_ie.data.annotations import read_export
    from sitrep_ie.geo import geocode_events
    from sitrep_ie.schema import Entity

    docs, _ = read_export(ROOT / "annotations" / "test.json", ex.labels)
    extractor_module.geocode_events = lambda events, text: None
    per_doc = []
    for d in docs:
        ents = [Entity(s.start, s.end, s.label, d.text[s.start:s.end], 1.0) for s in d.spans]
        per_doc.append((d.text, ex.assemble(d.text, ents)))
    extractor_module.geocode_events = geocode_events
    from sitrep_ie.geo import resolve

    resolve._CANDIDATES.clear()  # first pass: no name seen before (the gazetteer file itself is open and cached by the OS)
    t0 = time.perf_counter()
    for text, events in per_doc:
        geocode_events(events, text)
    first = time.perf_counter() - t0
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        for text, events in per_doc:
            geocode_events(events, text)
        best = min(best, time.perf_counter() - t0)
    places = sum(len(e.places) for _, evs in per_doc for e in evs)
    # the repeated corpus: its first copy costs a cold pass, the other copies a warm one
    return first + best * (copies - 1), round(places * copies)


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
    load = os.getloadavg()[0]
    if load > 0.25 * (os.cpu_count() or 1):
        print(f"warning: load average {load:.1f} on {os.cpu_count()} CPUs before starting: timings are unreliable", file=sys.stderr)
    cold_none = cold_start(args.model, NO_PLACES, args.repeats)
    cold_some = cold_start(args.model, WITH_PLACES, args.repeats)
    opening = gazetteer_open(args.repeats)
    ov = overhead(args.model, args.min_words, args.repeats)
    res = {"model": str(args.model), "cold_start_no_places": cold_none, "cold_start_with_places": cold_some, "gazetteer_open": opening, "overhead": ov,
           "cpus": os.cpu_count(), "load_average_before": round(load, 2)}
    print(f"cold start, nothing to resolve: {cold_none['median_s']:.2f} s (target <= {TARGET_COLD_S}) "
          f"{'met' if cold_none['median_s'] <= TARGET_COLD_S else 'NOT MET'}; gazetteer opened: {cold_none['gazetteer_opened']}")
    print(f"cold start, places to resolve:  {cold_some['median_s']:.2f} s; gazetteer opened: {cold_some['gazetteer_opened']}, "
          f"{cold_some['located_places']} places located")
    print(f"gazetteer: import sitrep_ie.geo {opening['import_s']:.3f} s, open + first resolution {opening['open_and_first_resolution_s']:.3f} s")
    print(f"extraction of {ov['reports']} reports / {ov['words']} words / {ov['event_places']} event places: "
          f"{ov['with_s']:.2f} s with geocoding, {ov['without_s']:.2f} s without (wall-clock difference {100 * ov['overhead']:.1f} %); "
          f"time inside geocode_events / the rest: {100 * ov['geocoding_share']:.1f} % "
          f"(target <= {100 * TARGET_OVERHEAD:.0f} %) {'met' if ov['geocoding_share'] <= TARGET_OVERHEAD else 'NOT MET'}")
    print(f"with every gold place ({ov['gold_event_places']} event places, first copy with a cold name cache): geocoding "
          f"{ov['gold_geocode_s']:.2f} s = {100 * ov['gold_overhead']:.1f} % of extraction without geocoding "
          f"(target <= {100 * TARGET_OVERHEAD:.0f} %) {'met' if ov['gold_overhead'] <= TARGET_OVERHEAD else 'NOT MET'}")
    args.out.write_text(json.dumps(res, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
