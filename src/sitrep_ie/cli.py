"""Command line: ``sitrep-ie extract|tag|train|eval|label-config``.

The Makefile calls these same commands, so `make train` and `sitrep-ie train` are one code path.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path
from typing import Any, Iterator, TextIO

from .errors import SitrepError

CSV_COLUMNS = ["source", "event_date", "event_type", "actor1", "assoc_actor", "location", "admin1", "quantities",
               "source_span", "confidence", "model_version"]


def _read_inputs(files: list[str]) -> Iterator[tuple[str, str]]:
    for f in files:
        if f == "-":
            yield "<stdin>", sys.stdin.read()
            continue
        p = Path(f)
        if not p.is_file():
            raise SitrepError(f"input file {f} does not exist")
        try:
            yield f, p.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise SitrepError(f"{f} is not UTF-8 text (byte {exc.start}: {exc.reason})") from None


def _csv_row(source: str, ev: dict[str, Any]) -> dict[str, Any]:
    places = ev["places"]
    q = "; ".join(
        f"{('~' if x['approx'] and x['approx'] != 'range' else '')}{x['value']}{('-' + str(x['upper'])) if x.get('upper') is not None else ''}"
        f"{(' ' + x['unit']) if x['unit'] else ''}" for x in ev["quantities"])
    return {
        "source": source, "event_date": ev["date"] or "", "event_type": ev["type"],
        "actor1": ev["actors"][0] if ev["actors"] else "", "assoc_actor": "; ".join(ev["actors"][1:]),
        "location": "; ".join(p["name"] for p in places), "admin1": "; ".join(p["admin"] or "" for p in places).strip("; "),
        "quantities": q, "source_span": " | ".join(e["text"] for e in ev["evidence"]), "confidence": ev["confidence"],
        "model_version": ev.get("model_version") or "",
    }


def _extractor(args: argparse.Namespace, model: str | None) -> Any:
    from .inference import Extractor

    configs = Path(args.configs) if getattr(args, "configs", None) else None
    return Extractor(model, backend=args.backend, ontology=configs / "ontology.yaml" if configs else None,
                     normalisation=configs / "normalisation.yaml" if configs else None)


def cmd_extract(args: argparse.Namespace, out: TextIO) -> int:

    ex = _extractor(args, args.model)
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS) if args.format == "csv" else None
    if writer:
        writer.writeheader()
    inputs = list(_read_inputs(args.files))
    results = ex.extract_many([t for _, t in inputs], reference_dates=[args.reference_date] * len(inputs))
    n = 0
    for (source, _), events in zip(inputs, results):
        for ev in events:
            d = ev.to_dict()
            if writer:
                writer.writerow(_csv_row(source, d))
            else:
                out.write(json.dumps({"source": source, **d}, ensure_ascii=False) + "\n")
            n += 1
    print(f"{n} events from {len(inputs)} reports", file=sys.stderr)
    return 0


def cmd_tag(args: argparse.Namespace, out: TextIO) -> int:
    from .inference import Extractor

    ex = Extractor(args.model, backend=args.backend)
    inputs = list(_read_inputs(args.files))
    for (source, _), ents in zip(inputs, ex.tag_many([t for _, t in inputs])):
        out.write(json.dumps({"source": source, "entities": [e.to_dict() for e in ents]}, ensure_ascii=False) + "\n")
    return 0


def cmd_train(args: argparse.Namespace, out: TextIO) -> int:
    from .config import TrainConfig, parse_overrides
    from .training import train

    cfg = TrainConfig.from_yaml(args.config, parse_overrides(args.set or []))
    train(cfg)
    return 0


def _evaluate_split(args: argparse.Namespace) -> tuple[Any, ...]:
    """Load the model and a split, tag and assemble it, score it: what `eval` and `errors` share."""
    from .annotations import read_export
    from .config import TrainConfig
    from .evaluation import evaluate, load_gold_events

    cfg = TrainConfig.from_yaml(args.config)
    files = {"test": cfg.test_files, "dev": cfg.dev_files, "train": cfg.train_files}[args.split]
    ex = _extractor(args, args.model or cfg.output_dir)
    ex._load()
    docs, report = read_export(files, ex.labels, lenient=cfg.lenient)
    print(f"data: {report.summary()}", file=sys.stderr)
    gold = load_gold_events(cfg.gold_events) if Path(cfg.gold_events).is_file() else None
    result, tagged, events = evaluate(ex, docs, gold, gold_tags=getattr(args, "gold_tags", False))
    return ex, docs, gold, result, tagged, events


def cmd_eval(args: argparse.Namespace, out: TextIO) -> int:
    ex, _, _, result, _, _ = _evaluate_split(args)
    out.write(result.table() + "\n")
    target = Path(args.out) if args.out else ex.path / f"eval-{args.split}.json"
    target.write_text(json.dumps(result.to_dict(), indent=2) + "\n")
    print(f"wrote {target}", file=sys.stderr)
    return 0


def cmd_errors(args: argparse.Namespace, out: TextIO) -> int:
    from .error_report import render

    ex, docs, gold, result, tagged, events = _evaluate_split(args)
    if gold is None:
        raise SitrepError("the error report needs gold events (configs/train.yaml: gold_events)")
    target = Path(args.out)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render(result, docs, tagged, events, gold, ex.normalisation), encoding="utf-8")
    print(f"wrote {target} ({len(docs)} reports)", file=out)
    return 0


def cmd_label_config(args: argparse.Namespace, out: TextIO) -> int:
    from .labels import LabelSet

    out.write(LabelSet.from_yaml(args.labels).label_studio_config())
    return 0


def cmd_label(args: argparse.Namespace, out: TextIO) -> int:
    import time

    from .annotations import load_tasks
    from .config import parse_overrides
    from .inference import Extractor, default_model_path
    from .labels import LabelSet
    from .labelstudio import LabelStudioConfig, LabelStudioServer, _health, connect, push, read_inbox, stop_detached

    cfg = LabelStudioConfig.from_yaml(args.config, parse_overrides(args.set or []))
    if args.stop:
        print("stopped" if stop_detached(cfg) else "no server started by `make label` is running", file=out)
        return 0
    labels = LabelSet.from_yaml(args.labels)
    t0 = time.time()
    started = False
    if not _health(cfg.url, 1.0):
        LabelStudioServer(cfg).start()  # detached: it keeps serving after this command ends
        started = True
    t_server = time.time() - t0
    client = connect(cfg)
    corpus = [t for f in cfg.corpus_files if Path(f).is_file() for t in load_tasks(f)]
    inbox = read_inbox(cfg.inbox)
    model = Path(args.model) if args.model else default_model_path()
    extractor = Extractor(model) if inbox and model.exists() else None
    summary = push(client, cfg, labels, corpus=corpus, inbox=inbox, extractor=extractor, top_n=args.top or cfg.top_n)
    print(summary.text(), file=out)
    print(f"server {'started' if started else 'already running'} in {t_server:.1f} s; " +
          ", ".join(f"{k} {v:.1f} s" for k, v in summary.seconds.items()), file=out)
    print(f"Label Studio: {cfg.url}/projects/{summary.project_id}  login {cfg.username} / {cfg.password}", file=out)
    print("stop it with: sitrep-ie label --stop", file=out)
    return 0


def cmd_pull(args: argparse.Namespace, out: TextIO) -> int:
    from .config import parse_overrides
    from .labels import LabelSet
    from .labelstudio import LabelStudioConfig, connect, ensure_project, export_annotated, merge_pulled

    cfg = LabelStudioConfig.from_yaml(args.config, parse_overrides(args.set or []))
    labels = LabelSet.from_yaml(args.labels)
    client = connect(cfg)
    project = ensure_project(client, cfg.project_title, labels)
    summary = merge_pulled(export_annotated(client, project.id), labels, cfg)
    print(summary.text(), file=out)
    return 0


def cmd_batch(args: argparse.Namespace, out: TextIO) -> int:
    from .batch import main as batch_main

    return batch_main(args, out)


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="sitrep-ie", description="Event records from field reports.")
    sub = ap.add_subparsers(dest="command", required=True)

    def model_opts(p: argparse.ArgumentParser) -> None:
        p.add_argument("--model", help="model directory (default: $SITREP_IE_MODEL or models/default)")
        p.add_argument("--backend", default="auto", choices=["auto", "onnx-int8", "onnx-fp32", "torch-fp32"])
        p.add_argument("--configs", metavar="DIR", help="take ontology.yaml and normalisation.yaml from DIR instead of the "
                       "copies saved with the model (edit event types without retraining)")

    p = sub.add_parser("extract", help="write one JSON line (or CSV row) per event")
    p.add_argument("files", nargs="+", help="UTF-8 text files, one report each ('-' for stdin)")
    model_opts(p)
    p.add_argument("--format", choices=["jsonl", "csv"], default="jsonl")
    p.add_argument("--reference-date", help="publication date (YYYY-MM-DD) for datelines and weekdays")
    p.set_defaults(fn=cmd_extract)

    p = sub.add_parser("tag", help="write the tagged entities of each file as a JSON line")
    p.add_argument("files", nargs="+")
    model_opts(p)
    p.set_defaults(fn=cmd_tag)

    p = sub.add_parser("train", help="fine-tune and publish a model")
    p.add_argument("--config", default="configs/train.yaml")
    p.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a config value (repeatable)")
    p.set_defaults(fn=cmd_train)

    p = sub.add_parser("eval", help="score a model on a split (entities and event arguments)")
    p.add_argument("--config", default="configs/train.yaml")
    p.add_argument("--split", default="test", choices=["test", "dev", "train"])
    p.add_argument("--out", help="JSON results file (default: <model>/eval-<split>.json)")
    p.add_argument("--gold-tags", action="store_true", help="assemble events from the annotated spans instead of the model's "
                   "tags: scores the event assembler alone")
    model_opts(p)
    p.set_defaults(fn=cmd_eval)

    p = sub.add_parser("errors", help="write the Markdown error analysis of a split (gold against predicted)")
    p.add_argument("--config", default="configs/train.yaml")
    p.add_argument("--split", default="test", choices=["test", "dev"])
    p.add_argument("--out", default="reports/errors.md")
    model_opts(p)
    p.set_defaults(fn=cmd_errors)

    p = sub.add_parser("label", help="start Label Studio and import the corpus and inbox reports with pre-annotations")
    p.add_argument("--config", default="configs/labelstudio.yaml")
    p.add_argument("--labels", default="configs/labels.yaml")
    p.add_argument("--model", help="model for pre-annotations (default: $SITREP_IE_MODEL or models/default)")
    p.add_argument("--top", type=int, default=0, help="active learning: import only the N most uncertain inbox reports")
    p.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a labelstudio.yaml value")
    p.add_argument("--stop", action="store_true", help="stop the server `make label` started")
    p.set_defaults(fn=cmd_label)

    p = sub.add_parser("pull", help="export annotated tasks and merge them into annotations/pulled.json")
    p.add_argument("--config", default="configs/labelstudio.yaml")
    p.add_argument("--labels", default="configs/labels.yaml")
    p.add_argument("--set", action="append", metavar="KEY=VALUE")
    p.set_defaults(fn=cmd_pull)

    p = sub.add_parser("batch", help="extract events from a folder/JSONL/Parquet of reports into a Parquet or JSONL dataset "
                       "(resumable; see README, Batch runs)")
    p.add_argument("input", help="folder of .txt files, .jsonl file (id, text, reference_date) or Parquet file/dataset")
    p.add_argument("output", help="output dataset folder (JSONL parts if it ends in .jsonl); summary written beside it")
    p.add_argument("--engine", choices=["local", "ray"], default="local")
    p.add_argument("--address", help="Ray cluster address (auto, host:6379, ray://host:10001); default: a local cluster")
    p.add_argument("--workers", type=int, help="local: threads; ray: actors (default: all cores / cluster CPUs)")
    p.add_argument("--format", choices=["parquet", "jsonl"], help="output format (default: from the OUTPUT name)")
    p.add_argument("--config", help="YAML overriding src/sitrep_ie/batch/defaults.yaml")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--model", help="model directory (default: $SITREP_IE_MODEL or models/default)")
    p.add_argument("--backend", default="auto", choices=["auto", "onnx-int8", "onnx-fp32", "torch-fp32"])
    p.set_defaults(fn=cmd_batch)

    p = sub.add_parser("label-config", help="print the Label Studio labeling config generated from the labels")
    p.add_argument("--labels", default="configs/labels.yaml")
    p.set_defaults(fn=cmd_label_config)
    return ap


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.fn(args, sys.stdout) or 0)
    except SitrepError as exc:
        print(f"sitrep-ie: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
