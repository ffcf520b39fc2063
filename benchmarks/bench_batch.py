#!/usr/bin/env python
"""Throughput and time to first event of ``sitrep-ie batch``: local engine against Ray with 1 and 2 actors.

Run by hand or with ``make bench-batch`` (a benchmark, not a test):

    .venv/bin/python benchmarks/bench_batch.py [--model DIR] [--reports 5000] [--out benchmarks/results_batch.json]

Input: the texts of annotations/{train,dev,test}.json repeated with distinct ids (and their reference
dates) until ``--reports`` reports, as one JSONL file. Each measured run is a whole ``run_batch`` into a
fresh output folder: reading, model load on the driver, extraction, Parquet parts, summary. Words are
whitespace-separated words of the texts.

  local            Extractor.extract_many over a thread pool of all cores (the default engine)
  ray, N actors    one local Ray cluster on 127.0.0.1 with all cores, started once (its start time is
                   reported apart); map_batches on N single-threaded actors
  first event      a 10-report job, fresh output: seconds from run_batch() to the first event at the
                   driver; for Ray also "cold", including the cluster start

Results (with machine load before and after: other jobs may share the cores) go to
benchmarks/results_batch.json, overwritten each run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from sitrep_ie.batch import run_batch  # noqa: E402
from sitrep_ie.batch.engine_ray import ray_session  # noqa: E402

SPLITS = ("train", "dev", "test")
DEFAULT_OUT = ROOT / "benchmarks" / "results_batch.json"


def build_input(path: Path, n: int) -> int:
    """Write n reports to a JSONL file; return their word count."""
    tasks = [t["data"] for s in SPLITS for t in json.loads((ROOT / "annotations" / f"{s}.json").read_text(encoding="utf-8"))]
    words = 0
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            d = tasks[i % len(tasks)]
            words += len(d["text"].split())
            fh.write(json.dumps({"id": f"b{i:06d}", "text": d["text"], "reference_date": d.get("reference_date")}) + "\n")
    return words


def measure(work: Path, name: str, inp: Path, words: int, **kw: Any) -> dict[str, Any]:
    out = work / f"out-{name}"
    shutil.rmtree(out, ignore_errors=True)
    t0 = time.perf_counter()
    s = run_batch(inp, out, progress=False, **kw)
    seconds = time.perf_counter() - t0
    assert s.reports_failed == 0 and s.reports_done == s.reports_read, s.text()
    return {"seconds": round(seconds, 2), "reports": s.reports_done, "words": words, "events": s.events,
            "words_per_s": round(words / seconds), "reports_per_s": round(s.reports_done / seconds, 1),
            "workers": s.workers, "first_event_s": s.first_event_s}


def render(result: dict[str, Any]) -> str:
    """The printed table of a results dict (also stored in results_batch.json)."""
    runs, first, m = result["runs"], result["first_event_10_reports"], result["machine"]
    lines = [f"sitrep-ie batch benchmark: {result['reports']} reports, {result['words']:,} words, model "
             f"{Path(result['model']).name}; {m['cpus']} CPUs, load average {m['load_average_start'][0]:.2f} before / "
             f"{m['load_average_end'][0]:.2f} after" + (" (SHARED machine: timings are noisy)" if m["load_average_start"][0] > m["cpus"] / 2 else ""),
             "", f"{'engine':<18} {'seconds':>8} {'words/s':>9} {'reports/s':>10} {'per worker w/s':>15} {'vs local':>9}"]
    for name, r in runs.items():
        lines.append(f"{name:<18} {r['seconds']:>8.1f} {r['words_per_s']:>9,} {r['reports_per_s']:>10.1f} "
                     f"{r['per_worker_words_per_s']:>15,} {r['vs_local']:>8.2f}x")
    lines.append(f"fixed Ray costs: cluster start {result['cluster_start_s']:.1f} s (each CLI run without --address); actor start "
                 f"and model load: first event {first['ray (cluster running)']['first_event_s'] - first['local']['first_event_s']:+.2f} s "
                 "later than local")
    lines.append("")
    lines.append("time to first event, 10-report job (includes model load; 'cold' adds the cluster start):")
    for name, r in first.items():
        cold = f"; cold {r['cold_first_event_s']:.2f} s" if "cold_first_event_s" in r else ""
        lines.append(f"  {name:<24} {r['first_event_s']:.2f} s (whole job {r['seconds']:.2f} s){cold}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default=os.environ.get("SITREP_IE_MODEL") or str(ROOT / "models" / "default"))
    ap.add_argument("--reports", type=int, default=5000)
    ap.add_argument("--out", default=str(DEFAULT_OUT))
    args = ap.parse_args(argv)
    model = Path(args.model)
    if not (model / "sitrep_ie.json").is_file():
        print(f"no model at {model}; train one with `make train` or pass --model", file=sys.stderr)
        return 2
    cpus = os.cpu_count() or 1
    load_start = os.getloadavg()
    work = Path(tempfile.mkdtemp(prefix="bench-batch-"))
    try:
        big, small = work / "big.jsonl", work / "small.jsonl"
        words = build_input(big, args.reports)
        small_words = build_input(small, 10)
        runs: dict[str, dict[str, Any]] = {}
        first: dict[str, dict[str, Any]] = {}
        print(f"{args.reports} reports, {words:,} words; {cpus} CPUs; load average {load_start[0]:.2f}", file=sys.stderr)
        first["local"] = measure(work, "first-local", small, small_words, engine="local", model=model)
        runs["local"] = measure(work, "local", big, words, engine="local", model=model)
        t0 = time.perf_counter()
        with ray_session(address=None, workers=cpus):
            cluster_start_s = round(time.perf_counter() - t0, 2)
            first["ray (cluster running)"] = measure(work, "first-ray", small, small_words, engine="ray", workers=cpus, model=model)
            first["ray (cluster running)"]["cold_first_event_s"] = round(cluster_start_s + first["ray (cluster running)"]["first_event_s"], 2)
            for n in sorted({1, min(2, cpus)}):
                runs[f"ray, {n} actor{'s' if n > 1 else ''}"] = measure(work, f"ray{n}", big, words, engine="ray", workers=n, model=model)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    load_end = os.getloadavg()

    local_wps = runs["local"]["words_per_s"]
    for name, r in runs.items():
        r["per_worker_words_per_s"] = round(r["words_per_s"] / (r["workers"] or cpus))
        r["vs_local"] = round(r["words_per_s"] / local_wps, 3)
    result = {"created": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "command": " ".join([Path(sys.executable).name, *sys.argv]),
              "machine": {"cpus": cpus, "platform": platform.platform(), "python": platform.python_version(),
                          "load_average_start": list(load_start), "load_average_end": list(load_end)},
              "model": str(model.resolve()), "reports": args.reports, "words": words, "cluster_start_s": cluster_start_s,
              "runs": runs, "first_event_10_reports": first}
    result["table"] = table = render(result)
    print(table)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"\nresults written to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
