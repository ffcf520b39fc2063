"""Batch runs: a folder, JSONL or Parquet of reports -> a Parquet (or JSONL) dataset of events.

Resumable (a re-run skips reports already written for the same text and model version), with a
summary of every report that failed and why. Engines: ``local`` (threads, no extra dependency)
and ``ray`` (a pool of Ray actors on a local or existing cluster; ``pip install 'sitrep-ie[ray]'``).

Example:
    >>> from sitrep_ie.batch import run_batch, read_events
    >>> summary = run_batch("reports.jsonl", "out/events", engine="local")  # doctest: +SKIP
    >>> read_events("out/events")["r1"][0]["type"]                          # doctest: +SKIP
    'demining'
"""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from .output import read_events
from .runner import ENGINES, run_batch
from .summary import Summary

__all__ = ["run_batch", "read_events", "Summary", "ENGINES", "main"]


def main(args: argparse.Namespace, out: TextIO) -> int:
    """``sitrep-ie batch``: run and print the summary. Exit 0, 1 if some reports failed (listed), 130 if interrupted."""
    from .summary import summary_path

    try:
        summary = run_batch(args.input, args.output, engine=args.engine, address=args.address, workers=args.workers,
                            model=args.model, backend=args.backend, output_format=args.format, config=args.config,
                            progress=not args.no_progress)
    except KeyboardInterrupt:
        print(f"\ninterrupted: committed parts are kept; run the same command again to resume "
              f"(summary: {summary_path(args.output)})", file=sys.stderr)
        return 130
    print(summary.text(), file=out)
    print(f"summary: {summary_path(args.output)}", file=out)
    return 1 if summary.reports_failed else 0
