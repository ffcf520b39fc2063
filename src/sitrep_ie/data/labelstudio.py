"""The annotation loop against a real Label Studio server (``make label`` / ``make pull``).

- :class:`LabelStudioServer` starts a headless server on 127.0.0.1 with a preset admin and API
  token (analytics and version checks off) and always stops it.
- :func:`push` creates or reuses the project (labeling config generated from configs/labels.yaml
  and the event types of configs/ontology.yaml: entity labels, trigger labels, relations and
  per-region fields), imports the corpus' annotated reports (spans, triggers, relations, per-region
  fields) and unlabeled reports from an inbox folder with the current model's entities and events
  as pre-annotations (trigger regions, relations, event dates and quantity values); tasks already in
  the project are never imported twice (key: ``data.report_id``).
- :func:`pull` exports the project's annotated tasks and merges them into annotations/pulled.json
  by report id (added / updated / unchanged), atomically and with a backup.

Active learning: with ``top_n`` only the N inbox reports the model is least sure about are
imported, most uncertain first. Uncertainty of a report = mean over its words of
(1 - probability of the predicted tag), i.e. mean least-confidence; it is stored as the task's
prediction score (1 - uncertainty) and as data.uncertainty.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from ..config import read_yaml
from ..errors import (AnnotationError, BadTokenError, ConfigError, LabelConfigMismatchError, RejectedTasksError,
                      ServerUnreachableError)
from .annotations import read_tasks, select_annotation
from .document import Document
from .labels import (APPROX_FIELD, DATE_FIELD, FROM_NAME, RELATIONS, TRIGGER_NAME, VALUE_FIELD, LabelSet, field_result,
                     read_event_types, region_result, relation_result)
from .numbers import whole


@dataclass
class LabelStudioConfig:
    """configs/labelstudio.yaml."""

    host: str = "127.0.0.1"
    port: int = 8089
    data_dir: str = ".labelstudio/data"
    executable: str = ".venv-ls/bin/label-studio"
    username: str = "admin@sitrep-ie.local"
    password: str = "sitrep-ie-admin"
    token: str = "5171a2e1e0f1c2d3b4a5968778695a4b3c2d1e0f"
    project_title: str = "sitrep-ie field reports"
    corpus_files: list[str] = field(default_factory=lambda: ["annotations/train.json", "annotations/dev.json", "annotations/test.json"])
    inbox: str = "reports/inbox"
    pulled_file: str = "annotations/pulled.json"
    held_out_files: list[str] = field(default_factory=lambda: ["annotations/dev.json", "annotations/test.json"])
    top_n: int = 0
    start_timeout: float = 180.0
    ontology: str = "configs/ontology.yaml"  # trigger labels: one per event type

    def event_types(self, root: Path = Path(".")) -> dict[str, str]:
        """Event type -> description, from ``ontology`` (relative to ``root``)."""
        return read_event_types(root / self.ontology)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @classmethod
    def from_yaml(cls, path: str | Path, overrides: dict[str, Any] | None = None) -> LabelStudioConfig:
        p = Path(path)
        data = read_yaml(p) if p.is_file() else {}
        data = dict(data or {}, **(overrides or {}))
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigError(f"{path}: unknown keys {unknown}")
        cfg = cls(**data)
        if len(cfg.token) != 40 or any(c not in "0123456789abcdef" for c in cfg.token):
            raise ConfigError(f"{path}: token must be 40 lower-case hex characters")
        return cfg


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _health(url: str, timeout: float = 2.0) -> bool:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(f"{url}/health/", timeout=timeout) as r:
            return b"UP" in r.read()
    except (urllib.error.URLError, OSError, ValueError):
        return False


class LabelStudioServer:
    """A headless Label Studio process; use as a context manager so it always stops.

    Example:
        >>> with LabelStudioServer(LabelStudioConfig(port=free_port(), data_dir="/tmp/ls")) as srv:  # doctest: +SKIP
        ...     client = connect(srv.cfg)
    """

    def __init__(self, cfg: LabelStudioConfig, log: Callable[[str], None] = print) -> None:
        self.cfg = cfg
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None
        self.logfile: Path | None = None

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items()
               if k not in {"USERNAME", "PASSWORD", "HOST", "PORT", "DEBUG", "LABEL_STUDIO_HOST", "DJANGO_SETTINGS_MODULE"}}
        env.update({
            "LABEL_STUDIO_BASE_DATA_DIR": str(Path(self.cfg.data_dir).resolve()),
            "LABEL_STUDIO_USERNAME": self.cfg.username,
            "LABEL_STUDIO_PASSWORD": self.cfg.password,
            "LABEL_STUDIO_USER_TOKEN": self.cfg.token,
            "LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN": "true",
            "LABEL_STUDIO_DISABLE_SIGNUP_WITHOUT_LINK": "true",
            "LABEL_STUDIO_COLLECT_ANALYTICS": "false",
            "LABEL_STUDIO_LATEST_VERSION_CHECK": "false",
            "SENTRY_DSN": "",
            "FRONTEND_SENTRY_DSN": "",
        })
        return env

    def start(self) -> LabelStudioServer:
        exe = Path(self.cfg.executable)
        if not exe.is_file():
            raise ServerUnreachableError(f"Label Studio is not installed at {exe}; run `make install-labelstudio`")
        if _health(self.cfg.url, 1.0):
            raise ServerUnreachableError(f"something already answers on {self.cfg.url}; choose another port in configs/labelstudio.yaml")
        Path(self.cfg.data_dir).mkdir(parents=True, exist_ok=True)
        self.logfile = Path(self.cfg.data_dir) / "server.log"
        fh = self.logfile.open("ab")
        self.proc = subprocess.Popen(
            [str(exe), "start", "--no-browser", "--internal-host", self.cfg.host, "--port", str(self.cfg.port)],
            env=self.env(), stdout=fh, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        fh.close()
        (Path(self.cfg.data_dir) / "server.pid").write_text(str(self.proc.pid))
        deadline = time.time() + self.cfg.start_timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                tail = self.logfile.read_text(errors="replace")[-1500:]
                raise ServerUnreachableError(f"Label Studio exited with code {self.proc.returncode} while starting; log {self.logfile}:\n{tail}")
            if _health(self.cfg.url):
                return self
            time.sleep(0.5)
        self.stop()
        raise ServerUnreachableError(f"Label Studio did not answer on {self.cfg.url}/health/ within {self.cfg.start_timeout:.0f} s; log {self.logfile}")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        for sig, wait in ((signal.SIGINT, 10), (signal.SIGTERM, 5), (signal.SIGKILL, 5)):
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                return
            try:
                self.proc.wait(wait)
                return
            except subprocess.TimeoutExpired:
                continue

    def __enter__(self) -> LabelStudioServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def stop_detached(cfg: LabelStudioConfig) -> bool:
    """Stop a server that `make label` left running (its pid is in <data_dir>/server.pid)."""
    pid_file = Path(cfg.data_dir) / "server.pid"
    if not pid_file.is_file():
        return False
    pid = int(pid_file.read_text().strip() or 0)
    pid_file.unlink()
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(pid, sig)
        except (ProcessLookupError, PermissionError):
            return True
        for _ in range(20):
            time.sleep(0.25)
            try:
                os.killpg(pid, 0)
            except (ProcessLookupError, PermissionError):
                return True
    return True


def connect(cfg: LabelStudioConfig) -> Any:
    """An SDK client, after checking the server answers and accepts the token (E301 / E302)."""
    from label_studio_sdk import LabelStudio
    from label_studio_sdk.core.api_error import ApiError

    if not _health(cfg.url, 5.0):
        raise ServerUnreachableError(f"no Label Studio server answers at {cfg.url}/health/ (is it running? `make label` starts one)")
    client = LabelStudio(base_url=cfg.url, api_key=cfg.token)
    try:
        client.users.whoami()
    except ApiError as exc:
        if exc.status_code in (401, 403):
            raise BadTokenError(f"Label Studio at {cfg.url} rejected the API token (HTTP {exc.status_code}); check `token` in configs/labelstudio.yaml") from None
        raise ServerUnreachableError(f"Label Studio at {cfg.url} answered HTTP {exc.status_code}: {exc.body}") from None
    return client


def config_labels(label_config: str, control: str = FROM_NAME) -> list[str]:
    """Label values of one Labels control (``label``: entities, ``trigger``: event types) of a labeling config."""
    root = ET.fromstring(label_config)
    return [el.get("value", "") for lab in root.iter("Labels") if lab.get("name") == control for el in lab.iter("Label")]


def config_scheme(label_config: str) -> dict[str, list[str]]:
    """What a labeling config annotates: entity labels, trigger labels, relation labels, per-region fields."""
    root = ET.fromstring(label_config)
    return {
        "entity labels": sorted(config_labels(label_config, FROM_NAME)),
        "trigger labels": sorted(config_labels(label_config, TRIGGER_NAME)),
        "relations": sorted(el.get("value", "") for el in root.iter("Relation")),
        "per-region fields": sorted(el.get("name", "") for el in root.iter() if el.get("perRegion") == "true"),
    }


def ensure_project(client: Any, title: str, labels: LabelSet, event_types: dict[str, str] | None = None) -> Any:
    """Reuse the project named ``title`` or create it with the generated labeling config.

    A reused project must annotate what ours does (E303): the same entity labels and, with
    ``event_types``, the same trigger labels, relations and per-region fields.
    """
    ours = labels.label_studio_config(event_types)
    for p in client.projects.list():
        if p.title == title:
            theirs, want = config_scheme(p.label_config or "<View/>"), config_scheme(ours)
            keys = list(want) if event_types is not None else ["entity labels"]
            diff = [f"{k} {theirs[k]} but configs have {want[k]}" for k in keys if theirs[k] != want[k]]
            if diff:
                raise LabelConfigMismatchError(
                    f"project {title!r} (id {p.id}) has " + "; ".join(diff) + " (configs/labels.yaml, configs/ontology.yaml)")
            return p
    return client.projects.create(title=title, label_config=ours)


def task_key(data: dict[str, Any]) -> str:
    if data.get("report_id"):
        return str(data["report_id"])
    import hashlib

    return "text-" + hashlib.sha1(str(data.get("text", "")).encode()).hexdigest()[:16]


def project_keys(client: Any, project_id: int) -> set[str]:
    return {task_key(t.data or {}) for t in client.tasks.list(project=project_id)}


def _regions(text: str, spans: Iterable[tuple[int, int, str, float | None]], prefix: str) -> list[dict[str, Any]]:
    """Entity regions of a pre-annotation, numbered ``<prefix><i>``, with the tagger's score when it has one."""
    out = []
    for i, (s, e, lab, score) in enumerate(spans):
        r = region_result(f"{prefix}{i}", FROM_NAME, text, s, e, lab)
        if score is not None:
            r["score"] = round(float(score), 4)
        out.append(r)
    return out


def prediction_result(text: str, entities: Iterable[Any], events: Iterable[Any], prefix: str = "p",
                      entity_labels: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """A pre-annotation: entity regions, plus a trigger region per event with its relations and fields.

    ``entities`` carry start, end, label, score; ``events`` are the extractor's Event records
    (type, date, trigger span, actors, places with admin spans, quantities with unit/upper spans).
    A relation is kept only when both ends are predicted regions; a trigger that would overlap a
    region, or a quantity already in another event, is left out, so that accepting the prediction
    as it is gives an annotation the importer takes. With ``entity_labels``, entities of other
    labels (a tagger that also tags triggers) are left out: triggers come from the events.
    """
    keep = set(entity_labels) if entity_labels is not None else None
    ents = [e for e in entities if keep is None or e.label in keep]
    pred = _Prediction(text, prefix, _regions(text, [(e.start, e.end, e.label, e.score) for e in ents], prefix))
    for n, ev in enumerate(events):
        pred.add_event(n, ev)
    return pred.result + pred.extra


Spot = tuple[int, int]  # a region's (start, end)


class _Prediction:
    """A pre-annotation being built: the entity regions, then what each event adds (triggers, relations, fields)."""

    def __init__(self, text: str, prefix: str, result: list[dict[str, Any]]) -> None:
        self.text, self.prefix, self.result = text, prefix, result
        self.ids = {(r["value"]["start"], r["value"]["end"]): r["id"] for r in result}
        self.labels_at = {(r["value"]["start"], r["value"]["end"]): r["value"]["labels"][0] for r in result}
        self.occupied = sorted(self.ids)
        self.owned: set[Spot] = set()          # QUANTITY regions already in an event
        self.extra: list[dict[str, Any]] = []
        self.admin_of: dict[Spot, Spot] = {}
        self.unit_of: dict[Spot, Spot] = {}

    def rel(self, a: str, b: str, label: str) -> None:
        """Add a relation between two region ids."""
        self.extra.append(relation_result(a, b, label))

    def field(self, rid: str, span: Spot, name: str, val: Any) -> None:
        """Add a per-region field to region ``rid``."""
        self.extra.append(field_result(rid, span, name, val))

    def fits(self, span: Spot | None, label: str) -> str | None:
        """The id of the entity region at ``span`` when it has ``label``, else None."""
        return self.ids.get(span) if span is not None and self.labels_at.get(span) == label else None

    def add_event(self, n: int, ev: Any) -> None:
        """Add event ``n``: its trigger region (unless it overlaps a region), date, actors, places and quantities."""
        trig = getattr(ev, "trigger", None)
        if trig is None:
            return
        ts = (trig.start, trig.end)
        if ts[0] >= ts[1] or any(a < ts[1] and ts[0] < b for a, b in self.occupied):
            return
        tid = f"{self.prefix}t{n}"
        self.occupied.append(ts)
        self.extra.append(region_result(tid, TRIGGER_NAME, self.text, ts[0], ts[1], ev.type))
        if ev.date:
            self.field(tid, ts, DATE_FIELD, ev.date)
        for a in ev.actors:
            if (rid := self.fits((a.start, a.end), RELATIONS["actor"][1])):
                self.rel(tid, rid, "actor")
        for p in ev.places:
            self.add_place(tid, p)
        for q in ev.quantities:
            self.add_quantity(tid, q)

    def add_place(self, tid: str, p: Any) -> None:
        """Relate trigger ``tid`` to a predicted PLACE, and the place to its admin parent (one, no cycle)."""
        span = (p.start, p.end)
        if not (rid := self.fits(span, RELATIONS["place"][1])):
            return
        self.rel(tid, rid, "place")
        parent = tuple(p.admin_span) if p.admin_span else None
        if parent and span not in self.admin_of and parent != span and (pid := self.fits(parent, RELATIONS["admin"][1])):
            if self.admin_of.get(parent) != span:  # no cycle
                self.admin_of[span] = parent
                self.rel(rid, pid, "admin")

    def add_quantity(self, tid: str, q: Any) -> None:
        """Relate trigger ``tid`` to a predicted QUANTITY no other event has, with its value, approx, unit and upper end."""
        span = (q.start, q.end)
        if span in self.owned or not (rid := self.fits(span, RELATIONS["quantity"][1])):
            return
        self.owned.add(span)
        self.rel(tid, rid, "quantity")
        self.field(rid, span, VALUE_FIELD, whole(q.value))
        if q.approx:
            self.field(rid, span, APPROX_FIELD, q.approx)
        unit = tuple(q.unit_span) if q.unit_span else None
        if unit and span not in self.unit_of and (uid := self.fits(unit, RELATIONS["unit"][1])):
            self.unit_of[span] = unit
            self.rel(rid, uid, "unit")
        upper = tuple(q.upper_span) if q.upper_span else None
        if upper and upper not in self.owned and upper != span and (hid := self.fits(upper, RELATIONS["upper"][1])):
            self.owned.add(upper)
            self.rel(rid, hid, "upper")
            self.field(hid, upper, VALUE_FIELD, whole(q.upper))


@dataclass
class PushSummary:
    corpus_imported: int = 0
    corpus_present: int = 0
    inbox_imported: int = 0
    inbox_present: int = 0
    inbox_not_selected: int = 0
    project_id: int = 0
    seconds: dict[str, float] = field(default_factory=dict)

    def text(self) -> str:
        return (f"project {self.project_id}: corpus tasks imported {self.corpus_imported} (already there {self.corpus_present}); "
                f"inbox reports imported with pre-annotations {self.inbox_imported} (already there {self.inbox_present}, "
                f"not selected by active learning {self.inbox_not_selected})")


def push(client: Any, cfg: LabelStudioConfig, labels: LabelSet, *, corpus: list[dict[str, Any]], inbox: list[tuple[str, str]],
         extractor: Any | None, top_n: int = 0, batch: int = 100) -> PushSummary:
    """Import corpus tasks (with their annotations) and inbox reports (with predictions)."""
    summary = PushSummary()
    t0 = time.time()
    project = ensure_project(client, cfg.project_title, labels, cfg.event_types())
    summary.project_id = project.id
    have = project_keys(client, project.id)
    summary.seconds["project"] = time.time() - t0

    t0 = time.time()
    new = []
    for task in corpus:
        key = task_key(task["data"])
        if key in have:
            summary.corpus_present += 1
            continue
        have.add(key)
        ann = select_annotation(task)  # the same annotation training would use
        item: dict[str, Any] = {"data": task["data"]}
        if ann is not None:
            item["annotations"] = [{"result": ann["result"], "ground_truth": bool(ann.get("ground_truth"))}]
        new.append(item)
    _import(client, project.id, new, batch)
    summary.corpus_imported = len(new)
    summary.seconds["import_corpus"] = time.time() - t0

    t0 = time.time()
    pending = [(rid, text) for rid, text in inbox if rid not in have]
    summary.inbox_present = len(inbox) - len(pending)
    items = []
    if pending:
        if extractor is None:
            raise ConfigError("inbox reports need a trained model for pre-annotations; run `make train`")
        # entities, events and the model's uncertainty (event-level when a learned event layer serves)
        scored = extractor.annotate_many([t for _, t in pending])
        rows = [(rid, text, ents, events, unc) for (rid, text), (ents, events, unc) in zip(pending, scored)]
        if top_n:
            rows.sort(key=lambda r: r[4], reverse=True)
            summary.inbox_not_selected = max(0, len(rows) - top_n)
            rows = rows[:top_n]
        for rank, (rid, text, ents, events, unc) in enumerate(rows):
            result = prediction_result(text, ents, events, "p", labels.names)
            items.append({"data": {"text": text, "report_id": rid, "uncertainty": round(unc, 4), "rank": rank},
                          "predictions": [{"model_version": extractor.model_version, "score": round(1 - unc, 4), "result": result}]})
    _import(client, project.id, items, batch)
    summary.inbox_imported = len(items)
    summary.seconds["import_inbox"] = time.time() - t0
    return summary


def _import(client: Any, project_id: int, items: list[dict[str, Any]], batch: int) -> None:
    for i in range(0, len(items), batch):
        client.projects.import_tasks(id=project_id, request=items[i:i + batch], return_task_ids=True)


def export_annotated(client: Any, project_id: int) -> list[dict[str, Any]]:
    raw = b"".join(client.projects.exports.download_sync(project_id, export_type="JSON", download_all_tasks=False))
    tasks = json.loads(raw.decode("utf-8"))
    return tasks if isinstance(tasks, list) else []


@dataclass
class PullSummary:
    exported: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    held_out: int = 0
    same_as_corpus: int = 0
    target: str = ""
    backup: str | None = None

    def text(self) -> str:
        return (f"exported {self.exported} annotated tasks -> {self.target}: added {self.added}, updated {self.updated}, "
                f"unchanged {self.unchanged}; identical to the corpus {self.same_as_corpus}; held-out (dev/test) reports not "
                f"merged {self.held_out}" + (f"; backup {self.backup}" if self.backup else ""))


Signature = tuple[Any, ...]


def _signature(doc: Document) -> Signature:
    """What an annotation says, by offsets (region ids may differ between exports): spans, triggers,
    relations and per-region fields."""
    at = {rid: (r.start, r.end) for rid, r in doc.regions.items()}
    return (doc.text, tuple((s.start, s.end, s.label) for s in doc.spans),
            tuple((t.start, t.end, t.type) for t in doc.triggers),
            tuple(sorted((at[r.from_id], at[r.to_id], r.label) for r in doc.relations)),
            tuple(sorted((at[rid], k, json.dumps(v)) for rid, f in doc.values.items() for k, v in f.items())))


def _signatures(tasks: list[dict[str, Any]], labels: LabelSet) -> dict[str, Signature]:
    """What each usable task says, by task key (what "unchanged" compares)."""
    docs, _ = read_tasks(tasks, labels, lenient=True)
    return {task_key(dict(d.meta, text=d.text)): _signature(d) for d in docs}


def _load_list(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        return []
    from .annotations import load_tasks

    return load_tasks(path)


def merge_pulled(exported: list[dict[str, Any]], labels: LabelSet, cfg: LabelStudioConfig, root: Path = Path(".")) -> PullSummary:
    """Merge exported tasks into ``cfg.pulled_file`` by report id; unchanged files are not rewritten."""
    summary = PullSummary(exported=len(exported), target=cfg.pulled_file)
    rejected = []
    docs: list[tuple[dict[str, Any], Document]] = []
    types = cfg.event_types(root)
    for task in exported:
        try:
            got, _ = read_tasks([task], labels, file=f"export of project {cfg.project_title!r}", event_types=types)
        except AnnotationError as exc:
            rejected.append(str(exc))
            continue
        if got:
            docs.append((task, got[0]))
    if rejected:
        raise RejectedTasksError(f"{len(rejected)} exported tasks were rejected by the importer:\n  " + "\n  ".join(rejected))

    held: set[str] = set()
    for f in cfg.held_out_files:
        held |= {task_key(t.get("data", {})) for t in _load_list(root / f)}
    corpus = _signatures([t for f in cfg.corpus_files for t in _load_list(root / f)], labels)

    target = root / cfg.pulled_file
    current = _load_list(target)
    index = {task_key(t.get("data", {})): i for i, t in enumerate(current)}
    cur_sig = _signatures(current, labels)
    changed = False
    for task, doc in docs:
        key = task_key(task["data"])
        if key in held:
            summary.held_out += 1
            continue
        sig = _signature(doc)
        if key not in index and corpus.get(key) == sig:
            summary.same_as_corpus += 1
            continue
        clean = _clean_task(task, doc)
        if key in index:
            if cur_sig.get(key) == sig:
                summary.unchanged += 1
                continue
            current[index[key]] = clean
            summary.updated += 1
        else:
            index[key] = len(current)
            current.append(clean)
            summary.added += 1
        changed = True
    if changed:
        summary.backup = write_atomic(target, current)
    return summary


def _clean_task(task: dict[str, Any], doc: Document) -> dict[str, Any]:
    """The exported task with only the annotation the importer chose (selection already applied)."""
    ann = next(a for a in task["annotations"] if a.get("id") == doc.annotation_id)
    return {"id": task.get("id"), "data": task["data"], "annotations": [ann], "predictions": [], "drafts": [], "meta": task.get("meta", {})}


def write_atomic(path: Path, tasks: list[dict[str, Any]]) -> str | None:
    """Write JSON via a temp file and rename; keep the previous file as <name>.bak."""
    path.parent.mkdir(parents=True, exist_ok=True)
    backup = None
    if path.exists():
        backup = str(path.with_suffix(path.suffix + ".bak"))
        shutil.copy2(path, backup)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(tasks, fh, ensure_ascii=False, indent=1)
        fh.write("\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    return backup


def read_inbox(folder: str | Path) -> list[tuple[str, str]]:
    """(report id, text) of every *.txt in the inbox folder; the id is 'inbox-<file stem>'."""
    out = []
    for p in sorted(Path(folder).glob("*.txt")):
        out.append((f"inbox-{p.stem}", p.read_text(encoding="utf-8")))
    return out
