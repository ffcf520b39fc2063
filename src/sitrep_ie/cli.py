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


def cmd_extract(args: argparse.Namespace, out: TextIO) -> int:
    from .inference import Extractor

    ex = Extractor(args.model, backend=args.backend, ontology=args.ontology)
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


def cmd_eval(args: argparse.Namespace, out: TextIO) -> int:
    from .annotations import read_export
    from .config import TrainConfig
    from .evaluation import evaluate, load_gold_events
    from .inference import Extractor

    cfg = TrainConfig.from_yaml(args.config)
    files = {"test": cfg.test_files, "dev": cfg.dev_files, "train": cfg.train_files}[args.split]
    ex = Extractor(args.model or cfg.output_dir, backend=args.backend, ontology=args.ontology)
    ex._load()
    docs, report = read_export(files, ex.labels, lenient=cfg.lenient)
    gold = load_gold_events(cfg.gold_events) if Path(cfg.gold_events).is_file() else None
    result, _ = evaluate(ex, docs, gold)
    out.write(result.table() + "\n")
    print(f"data: {report.summary()}", file=sys.stderr)
    target = Path(args.out) if args.out else ex.path / f"eval-{args.split}.json"
    target.write_text(json.dumps(result.to_dict(), indent=2) + "\n")
    print(f"wrote {target}", file=sys.stderr)
    return 0


def cmd_label_config(args: argparse.Namespace, out: TextIO) -> int:
    from .labels import LabelSet

    out.write(LabelSet.from_yaml(args.labels).label_studio_config())
    return 0


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="sitrep-ie", description="Event records from field reports.")
    sub = ap.add_subparsers(dest="command", required=True)

    def model_opts(p: argparse.ArgumentParser) -> None:
        p.add_argument("--model", help="model directory (default: $SITREP_IE_MODEL or models/default)")
        p.add_argument("--backend", default="auto", choices=["auto", "onnx-int8", "onnx-fp32", "torch-fp32"])

    p = sub.add_parser("extract", help="write one JSON line (or CSV row) per event")
    p.add_argument("files", nargs="+", help="UTF-8 text files, one report each ('-' for stdin)")
    model_opts(p)
    p.add_argument("--format", choices=["jsonl", "csv"], default="jsonl")
    p.add_argument("--reference-date", help="publication date (YYYY-MM-DD) for datelines and weekdays")
    p.add_argument("--ontology", help="event ontology YAML (default: the model's copy)")
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
    p.add_argument("--ontology")
    model_opts(p)
    p.set_defaults(fn=cmd_eval)

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
