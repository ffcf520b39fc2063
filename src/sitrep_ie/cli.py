"""Command line: ``sitrep-ie extract|tag|train|eval|label-config``.

The Makefile calls these same commands, so `make train` and `sitrep-ie train` are one code path.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Callable, Iterator, TextIO

from .errors import InputFileError, SitrepError


def _read_inputs(files: list[str]) -> Iterator[tuple[str, str]]:
    for f in files:
        if f == "-":
            yield "<stdin>", sys.stdin.read()
            continue
        p = Path(f)
        if not p.is_file():
            raise InputFileError(f"input file {f} does not exist")
        try:
            yield f, p.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise InputFileError(f"{f} is not UTF-8 text (byte {exc.start}: {exc.reason})") from None


def _extractor(args: argparse.Namespace, model: str | None) -> Any:
    from .events.pipeline import CONFIG_FILES
    from .extractor import Extractor

    configs = Path(args.configs) if getattr(args, "configs", None) else None
    return Extractor(model, backend=args.backend, **{role: configs / name if configs else None for role, name in CONFIG_FILES.items()})


def cmd_extract(args: argparse.Namespace, out: TextIO) -> int:

    ex = _extractor(args, args.model)
    inputs = list(_read_inputs(args.files))
    results = ex.extract_many([t for _, t in inputs], reference_dates=[args.reference_date] * len(inputs))
    reports = [(source, [ev.to_dict() for ev in events]) for (source, _), events in zip(inputs, results)]
    n = sum(len(evs) for _, evs in reports)
    if args.format == "csv":  # ACLED-like columns, one row per event place
        from .export.csv import write_csv

        write_csv(out, reports)
    elif args.format == "geojson":  # one Feature per event place (RFC 7946)
        from .export.geojson import dumps, feature_collection

        out.write(dumps(feature_collection(reports)) + "\n")
    else:
        for source, events in reports:
            for d in events:
                out.write(json.dumps({"source": source, **d}, ensure_ascii=False) + "\n")
    print(f"{n} events from {len(inputs)} reports", file=sys.stderr)
    return 0


def cmd_view(args: argparse.Namespace, out: TextIO) -> int:
    from .export.html import run_view

    written = run_view(_extractor(args, args.model), _read_inputs(args.files), args.out, args.reference_date)
    print(f"wrote {written[0]}" + (f" and {len(written) - 1} report pages" if len(written) > 1 else ""), file=out)
    return 0


def cmd_tag(args: argparse.Namespace, out: TextIO) -> int:
    from .extractor import Extractor

    ex = Extractor(args.model, backend=args.backend)
    inputs = list(_read_inputs(args.files))
    for (source, _), ents in zip(inputs, ex.tag_many([t for _, t in inputs])):
        out.write(json.dumps({"source": source, "entities": [e.to_dict() for e in ents]}, ensure_ascii=False) + "\n")
    return 0


def cmd_train(args: argparse.Namespace, out: TextIO) -> int:
    from .config import TrainConfig, parse_overrides
    from .trainer import run

    cfg = TrainConfig.from_yaml(args.config, parse_overrides(args.set or []))
    if args.events_only:
        from .trainer import refit_events

        refit_events(cfg, model=Path(args.model) if args.model else None)
        return 0
    run(cfg)
    return 0


def _evaluate_split(args: argparse.Namespace) -> tuple[Any, ...]:
    """Load the model and a split, tag and assemble it, score it: what `eval` and `errors` share."""
    from .data.annotations import read_export
    from .config import TrainConfig
    from .data.gold import load_gold_events
    from .evaluation.evaluate import evaluate

    cfg = TrainConfig.from_yaml(args.config)
    files = {"test": cfg.test_files, "dev": cfg.dev_files, "train": cfg.train_files}[args.split]
    ex = _extractor(args, args.model or cfg.output_dir)
    docs, report = read_export(files, ex.entity_labels, lenient=cfg.lenient)
    print(f"data: {report.summary()}", file=sys.stderr)
    gold = load_gold_events(cfg.gold_events) if Path(cfg.gold_events).is_file() else None
    result, tagged, events = evaluate(ex, docs, gold, gold_tags=getattr(args, "gold_tags", False))
    return ex, docs, gold, result, tagged, events


def cmd_eval(args: argparse.Namespace, out: TextIO) -> int:
    ex, _, _, result, _, _ = _evaluate_split(args)
    out.write(result.table() + "\n")
    # a run on the annotated spans keeps its own files: it must not overwrite the model's figures and plot
    suffix = "-gold-tags" if getattr(args, "gold_tags", False) else ""
    target = Path(args.out) if args.out else ex.path / f"eval-{args.split}{suffix}.json"
    target.write_text(json.dumps(result.to_dict(), indent=2) + "\n")
    print(f"wrote {target}", file=sys.stderr)
    if result.layers:
        from .evaluation.plots import reliability_plot

        plot = reliability_plot(result.layers[result.main_layer]["events"]["confidence"], Path(args.plot.format(split=args.split + suffix)),
                                f"{result.main_layer} event layer, {args.split} ({result.model_version})")
        print(f"wrote {plot}", file=sys.stderr)
    return 0


def cmd_errors(args: argparse.Namespace, out: TextIO) -> int:
    from .evaluation.error_report import render

    ex, docs, gold, result, tagged, events = _evaluate_split(args)
    if gold is None:
        raise InputFileError("the error report needs gold events (configs/train.yaml: gold_events)")
    target = Path(args.out)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render(result, docs, tagged, events, gold), encoding="utf-8")
    print(f"wrote {target} ({len(docs)} reports)", file=out)
    return 0


def cmd_label_config(args: argparse.Namespace, out: TextIO) -> int:
    from .data.labels import LabelSet

    out.write(LabelSet.from_yaml(args.labels).label_studio_config())
    return 0


def cmd_label(args: argparse.Namespace, out: TextIO) -> int:
    import time

    from .data.annotations import load_tasks
    from .config import parse_overrides
    from .extractor import Extractor, default_model_path
    from .data.labels import LabelSet
    from .data.labelstudio import LabelStudioConfig, LabelStudioServer, _health, connect, push, read_inbox, stop_detached

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
    from .data.labels import LabelSet
    from .data.labelstudio import LabelStudioConfig, connect, ensure_project, export_annotated, merge_pulled

    cfg = LabelStudioConfig.from_yaml(args.config, parse_overrides(args.set or []))
    labels = LabelSet.from_yaml(args.labels)
    client = connect(cfg)
    project = ensure_project(client, cfg.project_title, labels, cfg.event_types())
    summary = merge_pulled(export_annotated(client, project.id), labels, cfg)
    print(summary.text(), file=out)
    return 0


def cmd_batch(args: argparse.Namespace, out: TextIO) -> int:
    from .batch import main as batch_main

    return batch_main(args, out)


def _model_opts(p: argparse.ArgumentParser) -> None:
    from .model.backends import BACKENDS

    p.add_argument("--model", help="model directory (default: $SITREP_IE_MODEL or models/default)")
    p.add_argument("--backend", default="auto", choices=["auto", *BACKENDS])
    p.add_argument("--configs", metavar="DIR", help="take ontology.yaml, normalisation.yaml and lexicon.yaml from DIR instead "
                   "of the copies saved with the model (edit the event layer without retraining)")


def _inputs(p: argparse.ArgumentParser) -> None:
    p.add_argument("files", nargs="+", help="UTF-8 text files, one report each ('-' for stdin)")


def _extract_opts(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", choices=["jsonl", "csv", "geojson"], default="jsonl",
                   help="csv: ACLED-like columns, one row per event place; geojson: one Feature per event place")
    _reference_date(p)


def _reference_date(p: argparse.ArgumentParser) -> None:
    p.add_argument("--reference-date", help="publication date (YYYY-MM-DD) for datelines and weekdays")


def _view_opts(p: argparse.ArgumentParser) -> None:
    p.add_argument("-o", "--out", required=True, help="OUT.html (several reports: an index, pages in OUT_reports/)")
    _reference_date(p)


def _train_config(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", default="configs/train.yaml")


def _train_opts(p: argparse.ArgumentParser) -> None:
    p.add_argument("--events-only", action="store_true",
                   help="keep the published tagger, refit only the event layer (current configs) and publish it as a new version")
    p.add_argument("--model", help="with --events-only: the model whose tagger to keep (default: the config's output_dir)")


def _overrides(p: argparse.ArgumentParser) -> None:
    p.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a config value (repeatable)")


def _eval_opts(p: argparse.ArgumentParser) -> None:
    p.add_argument("--split", default="test", choices=["test", "dev", "train"])
    p.add_argument("--out", help="JSON results file (default: <model>/eval-<split>.json)")
    p.add_argument("--plot", default="reports/reliability-{split}.png", help="reliability diagram of event confidence (PNG)")
    p.add_argument("--gold-tags", action="store_true", help="assemble events from the annotated spans and triggers instead of the model's "
                   "tags: scores the event layer alone")


def _errors_opts(p: argparse.ArgumentParser) -> None:
    # dev by default: error analysis steers choices, and choices are never made on test
    p.add_argument("--split", default="dev", choices=["dev", "train", "test"], help="split to analyse (test only when asked for)")
    p.add_argument("--out", default="reports/errors.md")


def _ls_opts(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", default="configs/labelstudio.yaml")
    p.add_argument("--labels", default="configs/labels.yaml")


def _label_opts(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", help="model for pre-annotations (default: $SITREP_IE_MODEL or models/default)")
    p.add_argument("--top", type=int, default=0, help="active learning: import only the N most uncertain inbox reports")
    p.add_argument("--stop", action="store_true", help="stop the server `make label` started")


def _batch_opts(p: argparse.ArgumentParser) -> None:
    from .model.backends import BACKENDS

    p.add_argument("input", help="folder of .txt files, .jsonl file (id, text, reference_date) or Parquet file/dataset")
    p.add_argument("output", help="output dataset folder (JSONL parts if it ends in .jsonl); summary written beside it")
    p.add_argument("--engine", choices=["local", "ray"], default="local")
    p.add_argument("--address", help="Ray cluster address (auto, host:6379, ray://host:10001); default: a local cluster")
    p.add_argument("--workers", type=int, help="local: threads; ray: actors (default: all cores / cluster CPUs)")
    p.add_argument("--format", choices=["parquet", "jsonl"], help="output format (default: from the OUTPUT name)")
    p.add_argument("--config", help="YAML overriding src/sitrep_ie/batch/defaults.yaml")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--model", help="model directory (default: $SITREP_IE_MODEL or models/default)")
    p.add_argument("--backend", default="auto", choices=["auto", *BACKENDS])


def _labels_only(p: argparse.ArgumentParser) -> None:
    p.add_argument("--labels", default="configs/labels.yaml")


#: every subcommand: (name, help, handler, option groups)
COMMANDS: list[tuple[str, str, Callable[[argparse.Namespace, TextIO], int], tuple[Callable[[argparse.ArgumentParser], None], ...]]] = [
    ("extract", "write one JSON line (or CSV row) per event", cmd_extract, (_inputs, _model_opts, _extract_opts)),
    ("tag", "write the tagged entities of each file as a JSON line", cmd_tag, (_inputs, _model_opts)),
    ("view", "write an HTML view: highlighted spans, event cards, offline map", cmd_view, (_inputs, _model_opts, _view_opts)),
    ("train", "fine-tune and publish a model", cmd_train, (_train_config, _train_opts, _overrides)),
    ("eval", "score a model on a split (entities and event arguments)", cmd_eval, (_train_config, _eval_opts, _model_opts)),
    ("errors", "write the Markdown error analysis of a split (gold against predicted)", cmd_errors,
     (_train_config, _errors_opts, _model_opts)),
    ("label", "start Label Studio and import the corpus and inbox reports with pre-annotations", cmd_label,
     (_ls_opts, _label_opts, _overrides)),
    ("pull", "export annotated tasks and merge them into annotations/pulled.json", cmd_pull, (_ls_opts, _overrides)),
    ("label-config", "print the Label Studio labeling config generated from the labels", cmd_label_config, (_labels_only,)),
    ("batch", "extract events from a folder/JSONL/Parquet of reports into a Parquet or JSONL dataset (resumable)", cmd_batch,
     (_batch_opts,)),
]


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="sitrep-ie", description="Event records from field reports.")
    sub = ap.add_subparsers(dest="command", required=True)
    for name, help_text, fn, groups in COMMANDS:
        p = sub.add_parser(name, help=help_text)
        for add in groups:
            add(p)
        p.set_defaults(fn=fn)
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
