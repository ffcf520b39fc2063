"""Figures of the evaluation: the reliability diagram of event confidence."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def reliability_plot(confidence: dict[str, Any], path: str | Path, title: str) -> Path:
    """Write a reliability diagram (share of right events against mean confidence, per bin) as PNG.

    Args:
        confidence: ``event_scores(...)["confidence"]`` (bins with confidence, right, n; ROC AUC; ECE).
        path: the PNG to write.
        title: the figure title.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    bins = confidence.get("bins") or []
    fig, ax = plt.subplots(figsize=(5, 5))
    ax.plot([0, 1], [0, 1], ls="--", color="grey", label="perfect calibration")
    if bins:
        ax.plot([b["confidence"] for b in bins], [b["right"] for b in bins], marker="o", label="events")
        for b in bins:
            ax.annotate(str(b["n"]), (b["confidence"], b["right"]), textcoords="offset points", xytext=(4, -10), fontsize=7)
    auc, ece = confidence.get("roc_auc"), confidence.get("ece")
    ax.set_title(f"{title}\nROC AUC {auc:.3f}, ECE {ece:.3f}" if auc is not None and ece is not None else title, fontsize=9)
    ax.set_xlabel("confidence (mean per bin)")
    ax.set_ylabel("share of events right (SPEC matching)")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return Path(path)
