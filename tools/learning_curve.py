"""``make curve``: retrain on 25, 50, 75 and 100% of train (same seed, same dev); plot and tabulate dev F1.

    .venv/bin/python tools/learning_curve.py [--fractions 0.25 0.5 0.75 1.0] [--set epochs=4] [--reuse]

Writes reports/learning_curve.md (table) and reports/learning_curve.png (entity and event F1 on dev
against training reports); models go to models/curve/<percent>/ (not published as the default).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from sitrep_ie.config import TrainConfig, parse_overrides
from sitrep_ie.data.annotations import read_export
from sitrep_ie.data.gold import load_gold_events
from sitrep_ie.evaluation.evaluate import evaluate
from sitrep_ie.extractor import Extractor
from sitrep_ie.model.artifacts import ModelDir
from sitrep_ie.trainer import run


def point(cfg: TrainConfig, fraction: float, reuse: bool = False) -> dict[str, float]:
    """Train on ``fraction`` of train (or, with ``reuse``, take the model a stopped run left) and score it on dev."""
    out = Path("models") / "curve" / f"{round(fraction * 100):03d}"
    if reuse and (out / "sitrep_ie.json").is_file():
        published, meta = out, ModelDir(out).meta()
    else:
        sub = TrainConfig.from_dict({**cfg.to_dict(), "train_fraction": fraction, "output_dir": str(out)}, "curve")
        result = run(sub, log=lambda *a: print(*a, file=sys.stderr))
        published, meta = result.published, result.metadata
    ex = Extractor(published)
    docs, _ = read_export(cfg.dev_files, ex.entity_labels)
    scores, _, _ = evaluate(ex, docs, load_gold_events(cfg.gold_events))
    layer = scores.layers[scores.main_layer]
    return {"fraction": fraction, "train_reports": meta["training"]["train_reports"],
            "entity_f1": scores.entities["micro"]["f1"], "event_f1": layer["events"]["overall"]["f1"],
            "argument_f1": layer["arguments"]["overall"]["f1"], "train_seconds": meta["training"]["total_seconds"]}


def plot(rows: list[dict[str, float]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    x = [r["train_reports"] for r in rows]
    fig, ax = plt.subplots(figsize=(6, 4))
    for key, label in (("entity_f1", "entity F1"), ("event_f1", "event F1"), ("argument_f1", "argument F1")):
        ax.plot(x, [r[key] for r in rows], marker="o", label=label)
    ax.set_xlabel("training reports")
    ax.set_ylabel("F1 on dev")
    ax.set_title("sitrep-ie learning curve (dev)")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", default="configs/train.yaml")
    ap.add_argument("--fractions", type=float, nargs="+", default=[0.25, 0.5, 0.75, 1.0])
    ap.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a training setting for every point")
    ap.add_argument("--reuse", action="store_true", help="score the models/curve/<percent> a stopped run already trained "
                                                         "(same code, corpus and settings) instead of training them again")
    args = ap.parse_args()
    cfg = TrainConfig.from_yaml(args.config, parse_overrides(args.set or []))
    rows = [point(cfg, f, args.reuse) for f in args.fractions]
    Path("reports").mkdir(exist_ok=True)
    table = ["| share of train | reports | entity F1 (dev) | event F1 (dev) | argument F1 (dev) | train s |", "|---|---|---|---|---|---|"]
    table += [f"| {r['fraction']:.0%} | {r['train_reports']} | {r['entity_f1']:.3f} | {r['event_f1']:.3f} | {r['argument_f1']:.3f} | "
              f"{r['train_seconds']:.0f} |" for r in rows]
    Path("reports/learning_curve.md").write_text("\n".join(table) + "\n")
    Path("reports/learning_curve.json").write_text(json.dumps(rows, indent=2) + "\n")
    plot(rows, Path("reports/learning_curve.png"))
    print("\n".join(table))
    return 0


if __name__ == "__main__":
    sys.exit(main())
