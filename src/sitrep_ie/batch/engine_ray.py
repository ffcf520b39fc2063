"""Ray engine: ``ray.data.from_items`` -> ``map_batches`` on a pool of actors -> results to the driver.

Each actor is a :class:`ExtractActor`: it loads the model once and runs ONNX single-threaded
(``Extractor(threads=1)``), so N actors use N cores without oversubscribing them. The driver, not
the workers, writes the output: committing parts and the done-index in one place is what makes a
run resumable without duplicates (see ``output.py``).

Ray is optional: it is imported only when this engine runs (``pip install 'sitrep-ie[ray]'``).

Example:
    >>> with ray_session(address=None, workers=2):                        # doctest: +SKIP
    ...     for result in run_ray(reports, model="models/default", workers=2, cfg=cfg):
    ...         print(result.report_id)
"""

from __future__ import annotations

import math
import os
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Sequence

from ..errors import RayEngineError
from .config import BatchConfig
from .records import Report, Result
from .work import extract_reports

# On Linux, Ray binds its servers on the machine's routable address (even when asked for 127.0.0.1)
# unless this switch is off; off means "single machine": every Ray server listens on 127.0.0.1 only.
LOOPBACK_SWITCH = "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"
WIRE_COLUMNS = ("id", "input_sha", "model_version", "events_json", "error_code", "error_reason", "source")


def _import_ray(local: bool) -> Any:
    if local:
        os.environ.setdefault(LOOPBACK_SWITCH, "0")
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # no usage reports from a batch job
    try:
        import ray
        import ray.data  # noqa: F401 - ray[data] extra
    except ImportError as exc:
        raise RayEngineError(f"the ray engine needs Ray Data ({exc}); install it with pip install 'sitrep-ie[ray]', "
                             "or use --engine local") from None
    if local and os.environ.get(LOOPBACK_SWITCH) == "0":
        # Ray reads the switch once, at import; it may have been imported before (transformers' Trainer does).
        try:
            from ray._private import ray_constants

            ray_constants.ENABLE_RAY_CLUSTER = False
        except (ImportError, AttributeError):
            warnings.warn("could not keep the local Ray cluster on 127.0.0.1 (Ray internals changed); it may listen on "
                          "all interfaces", stacklevel=3)
    return ray


@contextmanager
def ray_session(address: str | None, workers: int | None, runtime_env: dict[str, Any] | None = None) -> Iterator[Any]:
    """Connect to the cluster at ``address``, or start a local one on 127.0.0.1; always disconnect.

    A session that is already initialised (e.g. by the caller) is reused and left running.

    Args:
        address: ``auto``, ``host:6379`` or ``ray://host:10001``; None starts a local cluster.
        workers: CPUs of a local cluster (default: all cores).
        runtime_env: shipped to the cluster (e.g. the model directory as working_dir).
    """
    ray = _import_ray(local=address is None)
    if ray.is_initialized():
        yield ray
        return
    try:
        if address is None:
            ray.init(address="local", num_cpus=workers or os.cpu_count() or 1, include_dashboard=False,
                     _node_ip_address="127.0.0.1", log_to_driver=False, runtime_env=runtime_env)
        else:
            ray.init(address=address, log_to_driver=False, runtime_env=runtime_env)
    except Exception as exc:  # ConnectionError, TimeoutError, RuntimeError, ValueError from ray.init
        ray.shutdown()
        raise RayEngineError(f"cannot {'start a local Ray cluster' if address is None else f'connect to Ray at {address}'}: {exc}") from None
    try:
        yield ray
    finally:
        ray.shutdown()


def same_code_env() -> dict[str, Any]:
    """runtime_env for actors on this machine or a shared filesystem: import the driver's sitrep_ie.

    Without it a worker imports whatever sitrep_ie its Python finds first, which need not be this one.
    """
    src = str(Path(__file__).resolve().parents[2])
    return {"env_vars": {"PYTHONPATH": os.pathsep.join(p for p in (src, os.environ.get("PYTHONPATH")) if p)}}


def shipped_env(model: Path) -> dict[str, Any]:
    """runtime_env that sends the model directory and the sitrep_ie package to every worker."""
    import sitrep_ie

    return {"working_dir": str(model.resolve()), "py_modules": [str(Path(sitrep_ie.__file__).parent)]}


class ExtractActor:
    """One Ray actor: the model loaded once, then one batch of reports per call.

    Args:
        model: model directory as the workers see it ("." when shipped as the working_dir).
        backend: Extractor backend.
    """

    def __init__(self, model: str, backend: str = "auto") -> None:
        from sitrep_ie import Extractor

        # threads=1: one ONNX run at a time per actor; parallelism comes from the number of actors.
        self.extractor = Extractor(model, backend=backend, threads=1)

    def __call__(self, batch: Any) -> Any:
        import pyarrow as pa

        rows = batch.to_pylist()
        reports = [Report(r["id"], r["text"], r["reference_date"], source=r["id"]) for r in rows]
        wire = [res.to_wire() for res in extract_reports(self.extractor, reports)]
        # An explicit all-string schema: a batch whose values are all None must not get Arrow type null.
        return pa.table({c: [w[c] for w in wire] for c in WIRE_COLUMNS},
                        schema=pa.schema([(c, pa.string()) for c in WIRE_COLUMNS]))


def cluster_cpus(ray: Any) -> int:
    """CPUs of the connected cluster (at least 1)."""
    return max(1, int(ray.cluster_resources().get("CPU", 1)))


def run_ray(ray: Any, reports: Sequence[Report], *, model: str, backend: str, actors: int, cfg: BatchConfig,
            actor_env: dict[str, Any] | None = None) -> Iterator[Result]:
    """Results as the actors finish them (not in input order).

    A killed actor is restarted and its batch retried: Ray Data gives its actor pools
    ``max_restarts=-1`` and ``max_task_retries=-1`` unless told otherwise (passing them through
    map_batches is deprecated in Ray 2.60). Should a batch ever be delivered twice, the driver's
    commit step drops the copy by key.
    """
    if not reports:
        return
    import ray.data

    ctx = ray.data.DataContext.get_current()
    ctx.enable_progress_bars = False  # the driver shows one tqdm bar for the whole run
    ds = ray.data.from_items([r.to_row() for r in reports],
                             override_num_blocks=max(1, math.ceil(len(reports) / cfg.ray_batch_reports)))
    ds = ds.map_batches(ExtractActor, fn_constructor_kwargs={"model": model, "backend": backend},
                        batch_size=cfg.ray_batch_reports, batch_format="pyarrow",
                        compute=ray.data.ActorPoolStrategy(size=actors), num_cpus=1, runtime_env=actor_env)
    try:
        for row in ds.iter_rows():
            yield Result.from_wire(row)
    except (KeyboardInterrupt, GeneratorExit):
        raise
    except Exception as exc:  # ray.exceptions.RayError and what it wraps
        raise RayEngineError(f"the Ray job failed: {type(exc).__name__}: {str(exc)[:500]}") from None
