"""``run_batch``: read INPUT, skip what OUTPUT already holds, extract the rest, commit it part by part.

Example:
    >>> summary = run_batch("reports.jsonl", "out/events", engine="local")  # doctest: +SKIP
    >>> print(summary.text())                                              # doctest: +SKIP
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from ..errors import RayEngineError
from .config import BatchConfig
from .engine_local import run_local
from .output import PartStore
from .records import Failure, Report, Result, done_key
from .sources import read_reports
from .summary import Summary, write_summary

ENGINES = ("local", "ray")


def _format(output: Path, cfg: BatchConfig) -> str:
    if cfg.format != "auto":
        return cfg.format
    return "jsonl" if output.suffix.lower() in (".jsonl", ".ndjson") else "parquet"


def _progress(total: int, enabled: bool) -> Any:
    from tqdm import tqdm

    return tqdm(total=total, unit="report", desc="sitrep-ie batch", disable=not enabled, dynamic_ncols=True)


def run_batch(input: str | Path, output: str | Path, *, engine: str = "local", address: str | None = None,
              workers: int | None = None, model: str | Path | None = None, backend: str = "auto",
              output_format: str | None = None, config: str | Path | None = None, progress: bool = True,
              extractor: Any = None, on_commit: Callable[[Summary], None] | None = None) -> Summary:
    """Extract the events of every report of ``input`` into the dataset ``output``; resumable.

    Args:
        input: a folder of .txt files, a .jsonl file, or a .parquet file or dataset folder.
        output: the output dataset folder (Parquet parts, or JSONL parts when it ends in .jsonl).
        engine: ``local`` (this process, a thread pool) or ``ray`` (a pool of Ray actors).
        address: Ray cluster to use (``auto``, ``host:6379``, ``ray://host:10001``); default: start a
            local one on 127.0.0.1.
        workers: local: threads; ray: actors (default: all cores / all cluster CPUs).
        model: model directory (default: $SITREP_IE_MODEL or models/default).
        backend: Extractor backend (auto, onnx-int8, onnx-fp32, torch-fp32).
        output_format: ``parquet`` or ``jsonl`` (default: from the output name, see defaults.yaml).
        config: a YAML file overriding ``defaults.yaml``.
        progress: show a tqdm bar (reports/s, ETA) on stderr.
        extractor: an Extractor to use instead of loading ``model`` (local engine; tests, notebooks).
        on_commit: called with the running summary after each committed part.

    Returns:
        The :class:`Summary`, also written beside ``output`` as ``<name>.summary.json``.

    Raises:
        SitrepError: E601 (input), E608 (output), E609 (Ray), E1xx (model) stop the run; committed parts stay.

    Example:
        >>> s = run_batch("reports/samples", "out/events", progress=False)  # doctest: +SKIP
        >>> s.reports_read == s.reports_done + s.reports_failed  # doctest: +SKIP
        True
    """
    if engine not in ENGINES:
        raise ValueError(f"engine {engine!r} is not one of {', '.join(ENGINES)}")
    t0 = time.perf_counter()
    output = Path(output)
    cfg = BatchConfig.load(config, format=output_format)
    fmt = _format(output, cfg)
    if extractor is None:
        from sitrep_ie import Extractor

        extractor = Extractor(model, backend=backend, threads=workers if engine == "local" else None)
    extractor.extract("")  # loads the model now: a broken model stops the run before anything is written
    version = extractor.model_version
    store = PartStore(output, fmt)
    done = store.open()
    summary = Summary(engine=engine, output=str(output), output_format=fmt, model_version=version,
                      workers=getattr(extractor, "threads", workers) if engine == "local" else workers)
    pending = _pending(read_reports(input, cfg), done, version, summary)
    try:
        if engine == "local":
            _consume(run_local(extractor, pending, chunk=cfg.local_chunk), pending, store, done, summary, cfg, progress, on_commit, t0)
        else:
            _run_on_ray(extractor, pending, store, done, summary, cfg, progress, on_commit, t0, address=address,
                        workers=workers, backend=backend)
    except KeyboardInterrupt:
        summary.interrupted = True
        raise
    finally:
        summary.seconds = round(time.perf_counter() - t0, 3)
        write_summary(summary)
    return summary


def _pending(items: Iterable[Report | Failure], done: dict[tuple[str, str, str], int], version: str,
             summary: Summary) -> list[Report]:
    """Reports still to do; failures and already-done reports are counted on the way."""
    pending: list[Report] = []
    for item in items:
        summary.reports_read += 1
        if isinstance(item, Failure):
            summary.fail(item)
            continue
        key = done_key(item.id, item.input_sha, version)
        if key in done:
            summary.skipped_done += 1
            summary.done(done[key])
            continue
        pending.append(item)
    return pending


def _run_on_ray(extractor: Any, pending: list[Report], store: PartStore, done: dict[tuple[str, str, str], int],
                summary: Summary, cfg: BatchConfig, progress: bool, on_commit: Any, t0: float, *,
                address: str | None, workers: int | None, backend: str) -> None:
    from . import engine_ray

    model_dir = Path(extractor.path).resolve()
    if address is not None and cfg.ship_model:
        job_env, actor_env, worker_model = engine_ray.shipped_env(model_dir), None, "."
    else:
        job_env, actor_env, worker_model = None, engine_ray.same_code_env(), str(model_dir)
    with engine_ray.ray_session(address, workers, job_env) as ray:
        actors = workers or engine_ray.cluster_cpus(ray)
        summary.workers = actors
        results = engine_ray.run_ray(ray, pending, model=worker_model, backend=backend, actors=actors, cfg=cfg,
                                     actor_env=actor_env)
        _consume(results, pending, store, done, summary, cfg, progress, on_commit, t0)


def _consume(results: Iterator[Result], pending: list[Report], store: PartStore, done: dict[tuple[str, str, str], int],
             summary: Summary, cfg: BatchConfig, progress: bool, on_commit: Any, t0: float) -> None:
    """Commit results in parts of ``part_reports``; drop any result whose report is already committed."""
    words = {r.id: len(r.text.split()) for r in pending}
    committed = set(done)
    buffer: list[Result] = []
    bar = _progress(len(pending), progress)

    def flush() -> None:
        if not buffer:
            return
        store.commit(buffer)
        for r in buffer:
            summary.done(len(r.events or []))
            summary.processed += 1
            summary.words_processed += words.get(r.report_id, 0)
        summary.parts_written += 1
        buffer.clear()
        bar.set_postfix(events=summary.events, parts=summary.parts_written)
        if on_commit:
            on_commit(summary)

    try:
        for res in results:
            if res.model_version != summary.model_version:
                raise RayEngineError(f"a worker loaded model version {res.model_version}, the driver {summary.model_version}: "
                                     "ship the same model to every node (see README, Batch runs)")
            key = res.key()
            if key in committed:
                summary.duplicate_results_dropped += 1  # a retried batch delivered again
                continue
            committed.add(key)
            bar.update(1)
            if res.failure:
                summary.fail(res.failure)  # not committed: a re-run tries this report again
                continue
            if res.events and summary.first_event_s is None:
                summary.first_event_s = round(time.perf_counter() - t0, 3)
            buffer.append(res)
            if len(buffer) >= cfg.part_reports:
                flush()
        flush()
    finally:
        bar.close()
