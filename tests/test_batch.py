"""`sitrep-ie batch`: inputs, bad rows, resume, output formats, and the Ray engine against extract_many.

The Ray tests (marked ``ray``) start one local 2-CPU cluster on 127.0.0.1 for the module and stop it
in a ``finally``; deselect them with ``-m 'not ray'``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

import sitrep_ie
from sitrep_ie import Extractor
from sitrep_ie.batch import read_events, run_batch
from sitrep_ie.batch.output import INDEX_DIR
from sitrep_ie.batch.summary import summary_path
from sitrep_ie.cli import main

ROOT = Path(__file__).resolve().parent.parent
SRC = Path(sitrep_ie.__file__).resolve().parents[1]  # the package under test, for subprocesses and workers
N_RAY = 240  # reports in the Ray runs: a few hundred, under a minute on 2 cores with the tiny model


def corpus_reports(n: int) -> list[dict[str, Any]]:
    """n reports (id, text, reference_date) from the annotation exports, texts repeated with distinct ids."""
    tasks = [t for f in ("train", "dev", "test") for t in json.loads((ROOT / "annotations" / f"{f}.json").read_text())]
    return [{"id": f"r{i:04d}", "text": tasks[i % len(tasks)]["data"]["text"],
             "reference_date": tasks[i % len(tasks)]["data"].get("reference_date")} for i in range(n)]


def write_jsonl(path: Path, rows: list[Any]) -> Path:
    with path.open("w", encoding="utf-8") as fh:
        for r in rows:
            fh.write((r if isinstance(r, str) else json.dumps(r)) + "\n")
    return path


def write_config(path: Path, **settings: Any) -> Path:
    sections = {"output": ("format", "part_reports"), "engine": ("local_chunk", "ray_batch_reports", "ship_model")}
    data: dict[str, dict[str, Any]] = {}
    for k, v in settings.items():
        section = next((s for s, keys in sections.items() if k in keys), "input")
        data.setdefault(section, {})[k] = v
    path.write_text(json.dumps(data))  # JSON is YAML
    return path


def expected_events(extractor: Extractor, reports: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """What Extractor.extract_many gives, in the shape read_events returns (reports with events only)."""
    got = extractor.extract_many([r["text"] for r in reports], reference_dates=[r["reference_date"] for r in reports])
    return {r["id"]: [e.to_dict() for e in evs] for r, evs in zip(reports, got) if evs}


def index_ids(out: Path) -> list[str]:
    return [rep[0] for f in sorted((out / INDEX_DIR).glob("part-*.json")) for rep in json.loads(f.read_text())["reports"]]


class CountingExtractor:
    """An Extractor that records every text it is asked to extract (to prove what was recomputed)."""

    def __init__(self, inner: Extractor, fail_on: str | None = None) -> None:
        self.inner = inner
        self.texts: list[str] = []
        self.fail_on = fail_on

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def extract(self, text: str, **kw: Any) -> Any:
        return self.inner.extract(text, **kw)

    def extract_many(self, texts: list[str], **kw: Any) -> Any:
        texts = list(texts)
        if self.fail_on and any(self.fail_on in t for t in texts):
            raise RuntimeError("boom on purpose")
        self.texts.extend(texts)
        return self.inner.extract_many(texts, **kw)


@pytest.fixture(scope="session")
def tiny_extractor(tiny_model: Path) -> Extractor:
    return Extractor(tiny_model)


@pytest.fixture(scope="session")
def ray_input(tmp_path_factory: pytest.TempPathFactory, tiny_extractor: Extractor) -> tuple[Path, list[dict[str, Any]], dict]:
    reports = corpus_reports(N_RAY)
    path = write_jsonl(tmp_path_factory.mktemp("ray_in") / "reports.jsonl", reports)
    return path, reports, expected_events(tiny_extractor, reports)


# ------------------------------------------------------------------------------------------------ inputs and outputs
def _write_input(kind: str, folder: Path, reports: list[dict[str, Any]]) -> Path:
    if kind == "jsonl":
        return write_jsonl(folder / "in.jsonl", reports)
    if kind == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        (folder / "in").mkdir()
        half = len(reports) // 2  # a dataset of two files
        for i, chunk in enumerate((reports[:half], reports[half:])):
            pq.write_table(pa.Table.from_pylist(chunk), folder / "in" / f"f{i}.parquet")
        return folder / "in"
    (folder / "in" / "sub").mkdir(parents=True)
    for r in reports:  # ids with a folder part, as the text reader names them
        (folder / "in" / f"{r['id']}.txt").write_text(r["text"], encoding="utf-8")
    return folder / "in"


@pytest.mark.parametrize("kind", ["text", "jsonl", "parquet"])
@pytest.mark.parametrize("fmt", ["parquet", "jsonl"])
def test_every_input_kind_and_output_format_gives_extract_many_results(kind, fmt, tmp_path, tiny_model, tiny_extractor):
    reports = corpus_reports(12)
    for r in reports:
        r["reference_date"] = None  # a folder of .txt files carries no dates
        if kind == "text":
            r["id"] = f"sub/{r['id']}"
    out = tmp_path / ("events.jsonl" if fmt == "jsonl" else "events.parquet")
    summary = run_batch(_write_input(kind, tmp_path, reports), out, model=tiny_model, progress=False)
    expected = expected_events(tiny_extractor, reports)
    assert read_events(out) == expected
    assert summary.output_format == fmt and all(p.suffix == f".{fmt}" for p in out.glob("part-*"))
    assert (summary.reports_read, summary.reports_done, summary.reports_failed) == (12, 12, 0)
    assert summary.events == sum(map(len, expected.values())) and summary.reports_with_events == len(expected)
    saved = json.loads(summary_path(out).read_text())
    assert summary_path(out).parent == out.parent and saved["events"] == summary.events


def test_parquet_output_is_one_table_with_typed_columns(tmp_path, tiny_model):
    import pyarrow.dataset as pads

    out = tmp_path / "events"
    run_batch(write_jsonl(tmp_path / "in.jsonl", corpus_reports(30)), out, model=tiny_model, progress=False,
              config=write_config(tmp_path / "c.yaml", part_reports=7))
    table = pads.dataset(str(out), format="parquet").to_table()  # _index/ is skipped by the reader
    assert len(list(out.glob("part-*.parquet"))) >= 2
    assert table.num_rows == sum(map(len, read_events(out).values()))
    types = {f.name: f.type for f in table.schema}
    assert str(types["report_id"]) == "string" and str(types["confidence"]) == "double"
    assert str(types["actors"].value_type) == "string"
    assert json.loads(table.column("places")[0].as_py()) is not None  # nested values: JSON text


# ------------------------------------------------------------------------------------------------ bad rows
BIG = "Sappers cleared 12 mines in Aleppo. " * 30_000  # 1.05 MB


@pytest.mark.parametrize("bad_line, code, bad_id", [
    ('{"id": "x", "reference_date": "2017-11-02"}', "E602", "x"),                 # no text
    ('{"id": "x", "text": null}', "E602", "x"),                                     # null text
    ('{"id": "x", "text": 42}', "E602", "x"),                                       # not a string
    ('{"id": "x", "text": ["a", "b"]}', "E602", "x"),
    (json.dumps({"id": "x", "text": BIG}), "E606", "x"),                            # 1 MB: rejected, counted
    ('{"id": "r0000", "text": "Another text under a used id."}', "E604", "r0000"),  # duplicate id
    ('{"text": "no id here"}', "E603", None),
    ('{"id": true, "text": "a bool is no id"}', "E603", None),
    ('{"id": "x", "text": "t", "reference_date": "yesterday"}', "E605", "x"),
    ('{"id": "x", "text": "lone \\ud800 surrogate"}', "E605", "x"),
    ('{"id": "x", "text": "unterminated', "E605", None),                           # not JSON
    ('["a", "list"]', "E605", None),
    (b'{"id": "x", "text": "caf\xe9"}', "E605", None),                               # not UTF-8
])
def test_bad_jsonl_row_is_counted_with_its_reason_and_others_are_unaffected(bad_line, code, bad_id, tmp_path, tiny_model, tiny_extractor):
    good = corpus_reports(3)
    path = tmp_path / "in.jsonl"
    lines = [json.dumps(good[0]).encode(), bad_line if isinstance(bad_line, bytes) else bad_line.encode(),
             json.dumps(good[1]).encode(), json.dumps(good[2]).encode()]
    path.write_bytes(b"\n".join(lines) + b"\n")
    summary = run_batch(path, tmp_path / "out", model=tiny_model, progress=False)
    assert (summary.reports_read, summary.reports_done, summary.reports_failed) == (4, 3, 1)
    (failure,) = summary.failures
    assert (failure["code"], failure["id"]) == (code, bad_id) and failure["source"].endswith(":2") and failure["reason"]
    assert read_events(tmp_path / "out") == expected_events(tiny_extractor, good)  # the first r0000 is the one kept
    assert json.loads(summary_path(tmp_path / "out").read_text())["failures_by_code"] == {code: 1}


@pytest.mark.parametrize("make_bad, code", [
    (lambda d: (d / "latin1.txt").write_bytes("café à Alep".encode("latin-1")), "E605"),
    (lambda d: (d / "folder.txt").mkdir(), "E605"),
    (lambda d: (d / "huge.txt").write_text(BIG), "E606"),
])
def test_bad_text_file_is_counted_and_others_are_unaffected(make_bad, code, tmp_path, tiny_model, tiny_extractor):
    good = corpus_reports(2)
    folder = tmp_path / "in"
    folder.mkdir()
    for r in good:
        (folder / f"{r['id']}.txt").write_text(r["text"])
        r["reference_date"] = None
    make_bad(folder)
    summary = run_batch(folder, tmp_path / "out", model=tiny_model, progress=False)
    assert (summary.reports_read, summary.reports_done, [f["code"] for f in summary.failures]) == (3, 2, [code])
    assert read_events(tmp_path / "out") == expected_events(tiny_extractor, good)


def test_bad_parquet_rows_are_counted(tmp_path, tiny_model):
    import pyarrow as pa
    import pyarrow.parquet as pq

    good = corpus_reports(2)
    rows = good + [{"id": "n", "text": None, "reference_date": None}, {"id": good[0]["id"], "text": "dup", "reference_date": None},
                   {"id": None, "text": "no id", "reference_date": None}]
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "in.parquet")
    summary = run_batch(tmp_path / "in.parquet", tmp_path / "out", model=tiny_model, progress=False)
    assert [f["code"] for f in summary.failures] == ["E602", "E604", "E603"] and summary.reports_done == 2


def _csv_file(p: Path) -> Path:
    (p / "x.csv").write_text("id,text\n")
    return p / "x.csv"


def _parquet_without_text(p: Path) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"id": ["a"]}), p / "t.parquet")
    return p / "t.parquet"


@pytest.mark.parametrize("make_input, message", [
    (lambda p: p / "missing.jsonl", "does not exist"),
    (_csv_file, "expected a folder of .txt files"),
    (_parquet_without_text, "no column 'text'"),
])
def test_unusable_input_stops_with_a_coded_error(make_input, message, tmp_path, tiny_model):
    from sitrep_ie.errors import BatchInputError

    with pytest.raises(BatchInputError, match=f"E601.*{message}"):
        run_batch(make_input(tmp_path), tmp_path / "out", model=tiny_model, progress=False)


def test_output_that_is_not_a_batch_output_is_left_alone(tmp_path, tiny_model):
    from sitrep_ie.errors import BatchOutputError

    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "precious.csv").write_text("keep me")
    with pytest.raises(BatchOutputError, match="E608"):
        run_batch(write_jsonl(tmp_path / "in.jsonl", corpus_reports(2)), tmp_path / "out", model=tiny_model, progress=False)
    assert (tmp_path / "out" / "precious.csv").read_text() == "keep me"


def test_report_that_makes_extraction_raise_fails_alone_and_is_retried_next_run(tmp_path, tiny_extractor, tiny_model):
    reports = corpus_reports(6)
    reports[3]["text"] += " BOOM"
    inp = write_jsonl(tmp_path / "in.jsonl", reports)
    summary = run_batch(inp, tmp_path / "out", extractor=CountingExtractor(tiny_extractor, fail_on="BOOM"), progress=False)
    assert [(f["code"], f["id"]) for f in summary.failures] == [("E607", "r0003")] and summary.reports_done == 5
    assert "boom on purpose" in summary.failures[0]["reason"]
    again = CountingExtractor(tiny_extractor)
    summary = run_batch(inp, tmp_path / "out", extractor=again, progress=False)
    assert again.texts == [reports[3]["text"]]  # only the failed report
    assert (summary.reports_done, summary.reports_failed, summary.skipped_done) == (6, 0, 5)


# ------------------------------------------------------------------------------------------------ resume
def test_interrupted_run_resumes_without_duplicates_or_recomputation(tmp_path, tiny_extractor):
    reports = corpus_reports(60)
    inp = write_jsonl(tmp_path / "in.jsonl", reports)
    cfg = write_config(tmp_path / "c.yaml", part_reports=10, local_chunk=5)
    out = tmp_path / "out"

    def stop_after_two_parts(summary: Any) -> None:
        if summary.parts_written == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_batch(inp, out, extractor=tiny_extractor, config=cfg, progress=False, on_commit=stop_after_two_parts)
    assert json.loads(summary_path(out).read_text())["interrupted"] is True
    assert len(index_ids(out)) == 20
    (out / "part-00007.parquet").write_bytes(b"half-written by a crash")  # data without an index entry: an orphan
    counting = CountingExtractor(tiny_extractor)
    summary = run_batch(inp, out, extractor=counting, config=cfg, progress=False)
    assert sorted(counting.texts) == sorted(r["text"] for r in reports[20:])
    assert (summary.skipped_done, summary.processed, summary.reports_done) == (20, 40, 60)
    assert sorted(index_ids(out)) == [r["id"] for r in reports]  # every report exactly once
    assert not (out / "part-00007.parquet").exists()  # removed on open; the resumed run wrote parts 2-5
    assert read_events(out) == expected_events(tiny_extractor, reports)
    third = CountingExtractor(tiny_extractor)
    assert run_batch(inp, out, extractor=third, config=cfg, progress=False).processed == 0 and third.texts == []


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=["ctrl-c", "crash"])
def test_cli_killed_mid_run_then_rerun_completes_exactly_once(sig, tmp_path, tiny_model, tiny_extractor):
    reports = corpus_reports(200)
    inp = write_jsonl(tmp_path / "in.jsonl", reports)
    cfg = write_config(tmp_path / "c.yaml", part_reports=10, local_chunk=10)
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    cmd = [sys.executable, "-m", "sitrep_ie.cli", "batch", str(inp), str(out), "--model", str(tiny_model), "--config", str(cfg),
           "--no-progress", "--workers", "1"]
    # a job started in the background by a shell without job control inherits SIGINT ignored (so Python installs no
    # Ctrl-C handler): the child gets the default back, as a user's terminal would give it
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.time() + 120

    def parts() -> int:
        return len(list((out / INDEX_DIR).glob("part-*.json"))) if (out / INDEX_DIR).is_dir() else 0

    while parts() < 2 and proc.poll() is None and time.time() < deadline:
        time.sleep(0.05)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == (130 if sig == signal.SIGINT else -signal.SIGKILL), err.decode()[-2000:]
    first = set(index_ids(out))
    assert 0 < len(first) < len(reports)
    summary = run_batch(inp, out, model=tiny_model, config=cfg, progress=False)
    assert summary.skipped_done == len(first) and summary.processed == len(reports) - len(first)
    assert sorted(index_ids(out)) == [r["id"] for r in reports]
    assert not list(out.rglob(".tmp-*"))
    assert read_events(out) == expected_events(tiny_extractor, reports)


@pytest.mark.parametrize("change", ["text", "reference_date"])
def test_changed_input_is_recomputed_and_kept_apart(change, tmp_path, tiny_extractor):
    reports = corpus_reports(4)
    inp = tmp_path / "in.jsonl"
    run_batch(write_jsonl(inp, reports), tmp_path / "out", extractor=tiny_extractor, progress=False)
    reports[1][change] = reports[1][change] + " Sappers cleared 3 mines in Homs." if change == "text" else "2020-01-01"
    counting = CountingExtractor(tiny_extractor)
    summary = run_batch(write_jsonl(inp, reports), tmp_path / "out", extractor=counting, progress=False)
    assert counting.texts == [reports[1]["text"]] and summary.skipped_done == 3


# ------------------------------------------------------------------------------------------------ command line
def test_cli_batch_prints_summary_and_exit_code(tmp_path, tiny_model, capsys):
    inp = write_jsonl(tmp_path / "in.jsonl", corpus_reports(3))
    assert main(["batch", str(inp), str(tmp_path / "out"), "--model", str(tiny_model), "--no-progress"]) == 0
    assert "3 reports read: 3 done" in capsys.readouterr().out
    write_jsonl(inp, corpus_reports(3) + ['{"id": "z"}'])
    assert main(["batch", str(inp), str(tmp_path / "out"), "--model", str(tiny_model), "--no-progress"]) == 1
    printed = capsys.readouterr().out
    assert "E602 z" in printed and "3 already in the output" in printed


def test_local_engine_never_imports_ray(tmp_path, tiny_model):
    inp = write_jsonl(tmp_path / "in.jsonl", corpus_reports(2))
    code = (f"import sys; from sitrep_ie.batch import run_batch; run_batch({str(inp)!r}, {str(tmp_path / 'o')!r}, "
            f"model={str(tiny_model)!r}, progress=False); assert 'ray' not in sys.modules, 'ray imported'")
    subprocess.run([sys.executable, "-c", code], env={**os.environ, "PYTHONPATH": str(SRC)}, check=True, timeout=120)


def test_missing_ray_is_a_coded_error(monkeypatch):
    from sitrep_ie.batch import engine_ray
    from sitrep_ie.errors import RayEngineError

    monkeypatch.setitem(sys.modules, "ray", None)
    with pytest.raises(RayEngineError, match=r"E609.*sitrep-ie\[ray\]"):
        engine_ray._import_ray(local=False)


# ------------------------------------------------------------------------------------------------ Ray engine
@pytest.fixture(scope="module")
def ray_cluster():
    pytest.importorskip("ray")
    from sitrep_ie.batch.engine_ray import ray_session

    with ray_session(address=None, workers=2) as ray:  # stopped in the context manager's finally
        assert ray.cluster_resources().get("CPU") == 2
        yield ray
    assert not ray.is_initialized()


def _ray_worker_pids() -> list[int]:
    import psutil

    return [p.pid for p in psutil.process_iter(["name"]) if (p.info["name"] or "").startswith("ray::MapWorker")]


@pytest.mark.ray
def test_ray_engine_equals_extract_many_report_by_report(ray_cluster, ray_input, tmp_path, tiny_model):
    inp, reports, expected = ray_input
    summary = run_batch(inp, tmp_path / "out", engine="ray", workers=2, model=tiny_model, progress=False)
    got = read_events(tmp_path / "out")
    assert sorted(got) == sorted(expected)
    for rid in expected:  # report by report, field by field
        assert got[rid] == expected[rid], rid
    assert (summary.reports_done, summary.workers, summary.events) == (N_RAY, 2, sum(map(len, expected.values())))
    assert sorted(index_ids(tmp_path / "out")) == [r["id"] for r in reports]


@pytest.mark.ray
def test_ray_engine_survives_a_killed_actor(ray_cluster, ray_input, tmp_path, tiny_model):
    inp, reports, expected = ray_input
    killed: list[int] = []

    def kill_one_actor(summary: Any) -> None:
        if not killed:
            pids = _ray_worker_pids()
            assert pids, "no Ray actor process found"
            os.kill(pids[0], signal.SIGKILL)
            killed.append(summary.processed)

    cfg = write_config(tmp_path / "c.yaml", part_reports=16, ray_batch_reports=4)
    summary = run_batch(inp, tmp_path / "out", engine="ray", workers=2, model=tiny_model, config=cfg, progress=False,
                        on_commit=kill_one_actor)
    assert killed and killed[0] < N_RAY / 2  # killed mid-run, with most of the work still to do
    assert (summary.reports_done, summary.reports_failed) == (N_RAY, 0)
    assert sorted(index_ids(tmp_path / "out")) == [r["id"] for r in reports]  # every report exactly once
    assert read_events(tmp_path / "out") == expected


@pytest.mark.ray
def test_local_ray_cluster_listens_on_loopback_only(ray_cluster):
    import psutil

    ray_pids = {p.pid for p in psutil.process_iter(["name"])
                if (p.info["name"] or "").startswith(("ray::", "raylet", "gcs_server"))} | {os.getpid()}
    listening = [c for c in psutil.net_connections(kind="inet") if c.status == psutil.CONN_LISTEN and c.pid in ray_pids]
    assert listening
    assert {c.laddr.ip for c in listening} <= {"127.0.0.1", "::ffff:127.0.0.1", "::1"}, listening


@pytest.mark.ray
def test_ray_time_to_first_event_is_reported(ray_cluster, tmp_path, tiny_model):
    inp = write_jsonl(tmp_path / "in.jsonl", corpus_reports(10))
    summary = run_batch(inp, tmp_path / "out", engine="ray", workers=1, model=tiny_model, progress=False)
    assert summary.reports_done == 10 and 0 < summary.first_event_s <= summary.seconds
