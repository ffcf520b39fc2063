"""``make curve``: retrain on 25, 50, 75 and 100% of train (same seed, same dev); plot and tabulate dev F1.

    .venv/bin/python tools/learning_curve.py [--fractions 0.25 0.5 0.75 1.0] [--set epochs=4] [--reuse]
    .venv/bin/python tools/learning_curve.py --fractions 1.0 --seeds 13 14 15 --out reports/seed_spread

Writes reports/learning_curve.md (table) and reports/learning_curve.png (entity and event F1 on dev
against training reports); models go to models/curve/<percent>/ (not published as the default).
With ``--seeds`` every point is trained once per seed (models/curve/<percent>-s<seed>/) and the table
adds each fraction's mean and range: a whole retrain moves dev arguments by up to two points by its
seed alone (README "Where it stands"), so one draw per side cannot compare two corpora or settings.
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


def point(cfg: TrainConfig, fraction: float, reuse: bool = False, seed: int | None = None) -> dict[str, float]:
    """Train on ``fraction`` of train with ``seed`` (the config's when None), or, with ``reuse``, take the model a
    stopped run left, and score it on dev."""
    out = Path("models") / "curve" / (f"{round(fraction * 100):03d}" + ("" if seed is None else f"-s{seed}"))
    if reuse and (out / "sitrep_ie.json").is_file():
        published, meta = out, ModelDir(out).meta()
    else:
        seeded = {} if seed is None else {"seed": seed}
        sub = TrainConfig.from_dict({**cfg.to_dict(), "train_fraction": fraction, "output_dir": str(out), **seeded}, "curve")
        result = run(sub, log=lambda *a: print(*a, file=sys.stderr))
        published, meta = result.published, result.metadata
    ex = Extractor(published)
    docs, _ = read_export(cfg.dev_files, ex.entity_labels)
    scores, _, _ = evaluate(ex, docs, load_gold_events(cfg.gold_events))
    layer = scores.layers[scores.main_layer]
    return {"fraction": fraction, "seed": cfg.seed if seed is None else seed, "train_reports": meta["training"]["train_reports"],
            "entity_f1": scores.entities["micro"]["f1"], "event_f1": layer["events"]["overall"]["f1"],
            "argument_f1": layer["arguments"]["overall"]["f1"], "train_seconds": meta["training"]["total_seconds"]}


SCORES = ("entity_f1", "event_f1", "argument_f1")


def summarise(rows: list[dict[str, float]]) -> list[dict[str, float]]:
    """One row per fraction: the mean of its seeds' scores, with their lowest and highest (``<score>_min``, ``_max``).

    Example:
        >>> rows = [{"fraction": 1.0, "train_reports": 9, "entity_f1": 0.9, "event_f1": 0.9, "argument_f1": 0.8, "train_seconds": 1},
        ...         {"fraction": 1.0, "train_reports": 9, "entity_f1": 0.9, "event_f1": 0.8, "argument_f1": 0.9, "train_seconds": 3}]
        >>> m = summarise(rows)[0]
        >>> round(m["event_f1"], 3), m["event_f1_min"], m["event_f1_max"], m["seeds"]
        (0.85, 0.8, 0.9, 2)
    """
    out = []
    for f in dict.fromkeys(r["fraction"] for r in rows):
        group = [r for r in rows if r["fraction"] == f]
        m: dict[str, float] = {"fraction": f, "train_reports": group[0]["train_reports"], "seeds": len(group),
                               "train_seconds": sum(r["train_seconds"] for r in group) / len(group)}
        for k in SCORES:
            vals = [r[k] for r in group]
            m.update({k: sum(vals) / len(vals), f"{k}_min": min(vals), f"{k}_max": max(vals)})
        out.append(m)
    return out


def plot(rows: list[dict[str, float]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    x = [r["train_reports"] for r in rows]
    fig, ax = plt.subplots(figsize=(6, 4))
    for key, label in (("entity_f1", "entity F1"), ("event_f1", "event F1"), ("argument_f1", "argument F1")):
        # rows are ``summarise``'s: a point is the mean of its seeds, its bar their range (none with one seed)
        err = [[r[key] - r[f"{key}_min"] for r in rows], [r[f"{key}_max"] - r[key] for r in rows]]
        ax.errorbar(x, [r[key] for r in rows], yerr=err, marker="o", capsize=3, label=label)
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
    ap.add_argument("--seeds", type=int, nargs="+", help="train every point once per seed and report their mean and range "
                                                         "(default: the config's seed, once)")
    ap.add_argument("--out", default="reports/learning_curve", help="path of the outputs without their suffix (.md, .json, .png)")
    args = ap.parse_args()
    cfg = TrainConfig.from_yaml(args.config, parse_overrides(args.set or []))
    rows = [point(cfg, f, args.reuse, s) for f in args.fractions for s in (args.seeds or [None])]
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    table = ["| share of train | reports | seed | entity F1 (dev) | event F1 (dev) | argument F1 (dev) | train s |", "|---|---|---|---|---|---|---|"]
    table += [f"| {r['fraction']:.0%} | {r['train_reports']} | {r['seed']} | {r['entity_f1']:.3f} | {r['event_f1']:.3f} | "
              f"{r['argument_f1']:.3f} | {r['train_seconds']:.0f} |" for r in rows]
    means = summarise(rows)
    if args.seeds and len(args.seeds) > 1:
        table += [f"| {m['fraction']:.0%} | {m['train_reports']} | mean of {m['seeds']} | "
                  + " | ".join(f"{m[k]:.3f} ({m[k + '_min']:.3f}-{m[k + '_max']:.3f})" for k in SCORES)
                  + f" | {m['train_seconds']:.0f} |" for m in means]
    out.with_suffix(".md").write_text("\n".join(table) + "\n")
    out.with_suffix(".json").write_text(json.dumps(rows, indent=2) + "\n")
    plot(means, out.with_suffix(".png"))
    print("\n".join(table))
    return 0


if __name__ == "__main__":
    sys.exit(main())
